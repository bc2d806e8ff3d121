"""Unit tests never touch the user's dlvclient cache."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def dlvclient_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private, empty ``$DLVCLIENT_HOME`` for each test."""
    home = tmp_path / "dlvclient-home"
    monkeypatch.setenv("DLVCLIENT_HOME", str(home))
    return home
