"""Installing a Delve: the errors that need neither Go nor the network."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from dlvclient._delve import delve_candidates, install_delve
from dlvclient._errors import DelveInstallError, DlvTimeoutError, InvalidArgumentError


def test_install_without_go_says_so() -> None:
    with pytest.raises(DelveInstallError, match="needs Go"):
        install_delve("1.27.2", go="/nonexistent/go")


def test_install_rejects_what_is_not_a_version() -> None:
    with pytest.raises(InvalidArgumentError, match="not a Delve version"):
        install_delve("latest-and-greatest")
    with pytest.raises(InvalidArgumentError, match="older than every release"):
        install_delve("1.9.1")


def test_a_dlv_on_path_that_hangs_is_passed_over_once_and_for_all(
    tmp_path: Path,
    dlvclient_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    folder = tmp_path / "bin"
    folder.mkdir()
    impostor = folder / "dlv"
    impostor.write_text("#!/bin/sh\nexec /bin/sleep 60\n")
    impostor.chmod(0o755)
    monkeypatch.setenv("PATH", str(folder))
    monkeypatch.delenv("DLV", raising=False)
    with caplog.at_level(logging.WARNING, logger="dlvclient"):
        (found,) = delve_candidates(timeout=0.5)
    assert (found.path, found.version, found.origin) == (impostor, None, "PATH")
    assert "did not finish within 0.5 s; check the dlv binary; it is not used" in caplog.text
    # Remembered in $DLVCLIENT_HOME: the next process does not wait for it again.
    remembered = json.loads((dlvclient_home / "delve-versions.json").read_text())
    assert remembered[str(impostor)][2] is None


def test_a_named_dlv_that_hangs_is_an_error(tmp_path: Path) -> None:
    impostor = tmp_path / "dlv"
    impostor.write_text("#!/bin/sh\nexec /bin/sleep 60\n")
    impostor.chmod(0o755)
    with pytest.raises(DlvTimeoutError, match=r"did not finish within 0\.5 s"):
        delve_candidates(impostor, timeout=0.5)
