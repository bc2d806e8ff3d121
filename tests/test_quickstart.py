"""The README's Quickstart, run as written in the directory `dlvclient demo --keep DIR` leaves."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ROOT, require_leg

pytestmark = pytest.mark.needs_dlv


def _quickstart() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quickstart", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match is not None, "the Quickstart has no python block"
    return match[1]


def test_quickstart_runs_against_the_demo_and_prints_each_buckets_culprit(tmp_path: Path) -> None:
    leg = require_leg("current")
    env = {**os.environ, "DLV": str(leg.dlv)}
    demo = tmp_path / "demo"
    subprocess.run(
        [sys.executable, "-m", "dlvclient", "demo", "--keep", str(demo)],
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    (tmp_path / "quickstart.py").write_text(_quickstart(), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(tmp_path / "quickstart.py")],
        cwd=demo,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "fatal_error: fault"
    assert lines[1].startswith("  culprit: main.Modify at ")
    assert lines[1].endswith("main.go:19")
    buckets = lines[2:]
    assert buckets[0] == "  1 goroutine(s), running: main.Modify"
    assert all(re.fullmatch(r"  \d+ goroutine\(s\), \w+: \S.*", line) for line in buckets)
    assert not any("runtime.gopark" in line for line in buckets)
