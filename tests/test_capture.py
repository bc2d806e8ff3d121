"""Tests of dlvclient._capture: core_pattern resolution, and real crashes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from dlvclient._capture import (
    CaptureError,
    build_go_program,
)
from tests.support import CoreCase, CoreFactory, Leg

pytestmark = pytest.mark.needs_dlv


def test_build_failure_carries_the_compiler_output(leg: Leg, tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_text("module broken\n\ngo 1.19\n")
    (tmp_path / "main.go").write_text("package main\n\nfunc main() { undefinedThing() }\n")
    with pytest.raises(CaptureError, match="go build failed") as caught:
        build_go_program(tmp_path, tmp_path / "broken", go=str(leg.go))
    assert "undefined" in caught.value.output


def test_seed_crash_writes_a_core(seed: CoreCase) -> None:
    capture = seed.capture
    assert capture.signal == signal.SIGABRT  # GOTRACEBACK=crash turns the fault into an abort
    assert capture.core_dumped
    assert seed.core.is_file()
    assert seed.core.stat().st_size > 0
    assert seed.core.parent == seed.exe.parent
    assert "unexpected fault address" in capture.stderr
    assert "main.Modify()" in capture.stderr
    line = next(
        number
        for number, text in enumerate((seed.source_dir / "main.go").read_text().splitlines(), 1)
        if "b[0] = 'H'" in text
    )
    assert f"seed/main.go:{line} " in capture.stderr


# First line of stderr (or a line that must appear) for each program's crash.
EXPECTED_CRASHES = {
    "seed": "unexpected fault address",
    "panicerr": 'panic: loading config "app.yaml": file does not exist',
    "nilmap": "panic: assignment to entry in nil map",
    "goroutines": "panic: goroutines: deliberate crash",
    "recursion": "panic: runtime error: invalid memory address or nil pointer dereference",
    "nilptr": "panic: runtime error: invalid memory address or nil pointer dereference",
    "index": "panic: runtime error: index out of range [5] with length 3",
    "custom": "panic: (main.MyErr)",
    "concmap": "fatal error: concurrent map writes",
    "deadlock": "fatal error: all goroutines are asleep - deadlock!",
    "overflow": "fatal error: stack overflow",
    "healthy": "SIGQUIT: quit",
}


@pytest.mark.parametrize("name", sorted(EXPECTED_CRASHES))
def test_every_program_crashes_into_a_core(cores: CoreFactory, leg: Leg, name: str) -> None:
    case = cores(leg, name)
    assert case.core.is_file()
    assert case.capture.signal in (signal.SIGABRT, signal.SIGQUIT)
    assert EXPECTED_CRASHES[name] in case.capture.stderr


def test_cores_are_cached(cores: CoreFactory, leg: Leg) -> None:
    assert cores(leg, "nilmap") is cores(leg, "nilmap")


@pytest.mark.parametrize(("optimize", "pie"), [(True, False), (False, True)])
def test_build_flavours(cores: CoreFactory, leg: Leg, optimize: bool, pie: bool) -> None:
    case = cores(leg, "panicerr", optimize=optimize, pie=pie)
    assert case.core.is_file()
    assert "panic: loading config" in case.capture.stderr
    elf_type = case.exe.read_bytes()[16]  # e_type: 2 = EXEC, 3 = DYN (PIE)
    assert elf_type == (3 if pie else 2)


def test_a_failed_crash_is_tried_again_in_a_fresh_scene(leg: Leg, tmp_path: Path) -> None:
    program = tmp_path / "programs" / "flaky"
    program.mkdir(parents=True)
    (program / "go.mod").write_text("module flaky\n\ngo 1.19\n")
    (program / "main.go").write_text("package main\n\nfunc main() {}\n")
    factory = CoreFactory(tmp_path / "cores", programs=tmp_path / "programs")
    (tmp_path / "cores").mkdir()
    with pytest.raises(pytest.fail.Exception, match="exited with status 0"):
        factory(leg, "flaky")
    # Not cached, and no FileExistsError for the scene the first attempt left.
    (program / "main.go").write_text('package main\n\nfunc main() { panic("now") }\n')
    case = factory(leg, "flaky")
    assert case.core.is_file()
    assert (tmp_path / "cores" / f"{leg.name}-flaky.failed1" / "flaky").is_file()


# Runs of index on one CPU shared with a spinning process: there its old race lost about one
# run in forty (one in three hundred on a CPU of its own), so 200 runs miss it about once in
# 150.
_CONTENDED_RUNS = 200
_RUN_ON_ONE_CPU = """\
import os, subprocess, sys
os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
try:
    codes = [subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for _ in range(int(os.environ["RUNS"]))]
finally:
    spinner.kill()
    spinner.wait()
print(" ".join(map(str, codes)))
"""


def test_index_never_exits_cleanly_on_a_contended_cpu(cores: CoreFactory, leg: Leg) -> None:
    # index's main waits for the goroutine that panics. Were it released by a deferred Done
    # (which runs while the panic unwinds), main would return and exit(0) whenever the
    # panicking thread is descheduled for longer than runtime.main waits for it: no core.
    exe = cores(leg, "index").exe
    env = {**os.environ, "GOMAXPROCS": "2", "GOTRACEBACK": "single", "RUNS": str(_CONTENDED_RUNS)}
    done = subprocess.run(
        [sys.executable, "-c", _RUN_ON_ONE_CPU, str(exe)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    codes = [int(code) for code in done.stdout.split()]
    assert len(codes) == _CONTENDED_RUNS
    assert set(codes) == {2}, f"exit statuses: {sorted(set(codes))}"
