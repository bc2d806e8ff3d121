"""The live-process examples, run as their readers run them, against the live program."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.live_support import running
from tests.support import ROOT, Leg

pytestmark = pytest.mark.needs_dlv

EXAMPLES = ROOT / "examples"


def _example(leg: Leg, script: str, *args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(EXAMPLES / script), *map(str, args)],
        capture_output=True,
        text=True,
        env={**os.environ, "DLV": str(leg.dlv)},
        timeout=120,
        check=False,
    )


def test_call_tracer_prints_every_call(leg: Leg, exe: Path) -> None:
    done = _example(leg, "call_tracer.py", "main.add", exe, "calls", "4")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "> goroutine(1): main.add(a=0, b=0)",
        "> goroutine(1): main.add(a=1, b=1)",
        "> goroutine(1): main.add(a=2, b=4)",
        "> goroutine(1): main.add(a=3, b=9)",
        "exited with status 3",
    ]
    assert "out 3 12" in done.stderr  # the program's output, forwarded
    assert "4 calls of main.add" in done.stderr


def test_call_tracer_attaches_and_leaves_it_running(leg: Leg, exe: Path) -> None:
    with running(exe, "serve") as proc:
        done = _example(leg, "call_tracer.py", "main.add", "--attach", proc.pid, "--max", "3")
        assert done.returncode == 0, done.stderr
        assert proc.poll() is None
    lines = done.stdout.splitlines()
    assert len(lines) == 3
    assert all(line.startswith("> goroutine(1): main.add(a=") for line in lines)


def test_snapshot_hung_finds_the_pile(leg: Leg, exe: Path, tmp_path: Path) -> None:
    core = tmp_path / "hung.core"
    with running(exe, "hang", ready=b"live: hung") as proc:
        done = _example(leg, "snapshot_hung.py", proc.pid, "--output", core, "--json")
        assert done.returncode == 0, done.stderr
        assert proc.poll() is None
    found = json.loads(done.stdout)
    assert found["core"] == str(core)
    assert core.stat().st_size > 0
    assert found["stopped_seconds"] > 0
    top = found["piles"][0]
    assert top["goroutines"] == 4
    assert "Mutex" in top["where"]  # sync.(*Mutex).Lock, or the semaphore under it (Go 1.19)
