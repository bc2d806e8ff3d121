"""The fleet commands' usage errors and progress bar."""

from __future__ import annotations

import io

import pytest

from dlvclient._cli import main
from dlvclient._cli_fleet import _TriageProgress


def test_report_without_executable_needs_a_build_store(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DEBUGINFOD_URLS", raising=False)
    assert main(["report", "core"]) == 2
    assert "--exe-dir DIR or --debuginfod URL" in capsys.readouterr().err


def test_delve_install_needs_a_version_or_an_executable(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["delve", "install"]) == 2
    assert "give VERSION or --for EXE" in capsys.readouterr().err


def test_triage_progress_is_drawn_only_on_a_terminal() -> None:

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    shown, hidden = Terminal(), io.StringIO()
    for stream in (shown, hidden):
        progress = _TriageProgress(stream)
        progress(3, 3, 1)
        progress.close()
    assert "3/3 cores, 1 failed" in shown.getvalue()
    assert hidden.getvalue() == ""
