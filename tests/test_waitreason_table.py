"""dlvclient/_waitreason.py is what scripts/gen_waitreasons.py makes of the pinned Delve."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support import ROOT

# Reads Delve's source from the Go module cache (go mod download).
pytestmark = pytest.mark.needs_dlv


def test_wait_reason_tables_are_generated_from_delve() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_waitreasons.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
