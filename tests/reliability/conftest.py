"""Leak checks around every reliability test, the suite's figures, and shared helpers.

Every test here runs inside :func:`no_leaks`: afterwards no process it started may be left
(dlv, fake dlv scripts, or anything they forked) and this process must hold no more file
descriptors than before. The figures (scenarios survived, calls made, leaks) are printed at
the end of the run by :func:`pytest_terminal_summary`.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import textwrap
import threading
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import pytest
from anyio.abc import TaskGroup
from conftest import CoreCase, Leg

import dlvclient._session
from dlvclient._capture import build_go_program, run_and_capture
from dlvclient._connection import Connection, PendingCall

from . import procs

HERE = Path(__file__).resolve().parent
PROGRAMS = HERE / "programs"

procs.mark_environment()


# --- figures ------------------------------------------------------------------------------------


@dataclass
class Figures:
    """What the reliability suite did, summed over the run."""

    calls: int = 0
    leaked_processes: int = 0
    leaked_fds: int = 0
    leaked_dirs: int = 0
    outcomes: dict[str, bool] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def count_call(self) -> None:
        # The sync facade makes calls from its portal threads.
        with self._lock:
            self.calls += 1


FIGURES = Figures()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if not report.nodeid.startswith("tests/reliability/"):
        return
    # A scenario survives when its call passed and neither set-up nor the leak check failed.
    if report.failed:
        FIGURES.outcomes[report.nodeid] = False
    elif report.when == "call" and report.passed:
        FIGURES.outcomes.setdefault(report.nodeid, True)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not FIGURES.outcomes:
        return
    survived = sum(FIGURES.outcomes.values())
    write = terminalreporter.write_line
    terminalreporter.section("reliability figures")
    write(f"scenarios survived: {survived} of {len(FIGURES.outcomes)}")
    write(f"calls made: {FIGURES.calls}")
    write(f"dlv processes leaked: {FIGURES.leaked_processes}")
    write(f"descriptors leaked: {FIGURES.leaked_fds}")
    write(f"socket directories leaked: {FIGURES.leaked_dirs}")


# --- per-test guards ----------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def count_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    """Count every request sent, through whichever API, for the figures."""
    start = Connection.start

    async def counting_start(
        self: Connection, method: str, params: Mapping[str, Any]
    ) -> PendingCall:
        call = await start(self, method, params)
        FIGURES.count_call()
        return call

    monkeypatch.setattr(Connection, "start", counting_start)


@pytest.fixture(autouse=True)
def no_leaks() -> Iterator[None]:
    """Fail the test if it leaves a process running, a descriptor open, or a socket directory
    behind (the private directories dlv's unix sockets live in)."""
    before = procs.open_fds()
    # Only what this test started counts: a leak is reported once, by the test that made it.
    running = {proc.pid for proc in procs.ours()}
    # The launcher makes socket directories with tempfile: give it a directory of this test's
    # own (short, for the 108-byte limit on socket paths) to look into afterwards.
    saved_tempdir = tempfile.tempdir
    tempfile.tempdir = private = tempfile.mkdtemp(prefix="dlvrel-")
    try:
        yield
    finally:
        tempfile.tempdir = saved_tempdir
    left_dirs = sorted(os.listdir(private))
    shutil.rmtree(private, ignore_errors=True)

    def new_processes() -> list[procs.Proc]:
        return [proc for proc in procs.ours() if proc.pid not in running]

    procs.settle(lambda: not new_processes() and len(procs.open_fds()) <= len(before))
    left = new_processes()
    after = procs.open_fds()
    leaked_fds = max(0, len(after) - len(before))
    FIGURES.leaked_processes += len(left)
    FIGURES.leaked_fds += leaked_fds
    FIGURES.leaked_dirs += len(left_dirs)
    assert not left, "processes left running:\n" + "\n".join(map(str, left))
    assert not left_dirs, f"socket directories left behind: {left_dirs}"
    changed = {fd: target for fd, target in after.items() if before.get(fd) != target}
    assert not leaked_fds, f"{leaked_fds} descriptors leaked; new or changed: {changed}"


# --- helpers ------------------------------------------------------------------------------------


@pytest.fixture
def no_elf_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Skip the pre-spawn file checks, so that dlv itself meets the bad file."""
    monkeypatch.setattr(dlvclient._session, "check_inputs", lambda executable, core: None)


def fake_dlv(directory: Path, body: str, name: str = "dlv") -> Path:
    """Write an executable bash script standing in for dlv; ``body`` is its code."""
    script = directory / name
    script.write_text("#!/bin/bash\n" + textwrap.dedent(body).lstrip())
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


@contextmanager
def hang_guard(seconds: float) -> Iterator[None]:
    """``anyio.fail_after(seconds)``, which also fails when the deadline passed while the
    body sat in shielded code (closing dlv is shielded, so the deadline cannot cut it short)."""
    with anyio.fail_after(seconds) as scope:
        yield
    assert not scope.cancel_called, f"not done within {seconds} s"


class Background:
    """Calls run in the background, each recording how it ended instead of cancelling the rest.

    A test starts them, injects a fault, then waits for :meth:`settled` under
    ``anyio.fail_after(2)``: every one of them must have ended by then.
    """

    def __init__(self, tg: TaskGroup) -> None:
        self._tg = tg
        self._done: list[anyio.Event] = []
        self.values: list[object] = []
        self.errors: list[BaseException | None] = []

    def start(self, call: Callable[[], Awaitable[object]]) -> None:
        index = len(self._done)
        self._done.append(anyio.Event())
        self.values.append(None)
        self.errors.append(None)
        self._tg.start_soon(self._run, index, call)

    async def _run(self, index: int, call: Callable[[], Awaitable[object]]) -> None:
        try:
            self.values[index] = await call()
        except Exception as exc:
            self.errors[index] = exc
        finally:
            self._done[index].set()

    async def settled(self) -> None:
        """Return once every call has ended, one way or the other."""
        for done in self._done:
            await done.wait()


class ReliabilityCores:
    """Programs of tests/reliability/programs, built by a leg's Go and crashed, once each."""

    def __init__(self, workdir: Path) -> None:
        self._workdir = workdir
        self._cache: dict[tuple[str, str], CoreCase] = {}
        self._lock = threading.Lock()

    def __call__(self, leg: Leg, name: str) -> CoreCase:
        with self._lock:
            key = (leg.name, name)
            if key not in self._cache:
                self._cache[key] = self._make(leg, name)
            return self._cache[key]

    def _make(self, leg: Leg, name: str) -> CoreCase:
        source_dir = PROGRAMS / name
        scene = self._workdir / f"{leg.name}-{name}"
        scene.mkdir()
        env = {**os.environ, "GOTOOLCHAIN": "local"}
        exe = build_go_program(source_dir, scene / name, go=str(leg.go), env=env)
        capture = run_and_capture([str(exe)], cwd=scene, env=env, timeout=60)
        if capture.core is None:
            pytest.fail(f"{name} ({leg.name}) left no core: {capture.reason}", pytrace=False)
        return CoreCase(leg, name, source_dir, exe, capture.core, capture)


@pytest.fixture(scope="session")
def reliability_cores(tmp_path_factory: pytest.TempPathFactory) -> ReliabilityCores:
    """``reliability_cores(leg, name) -> CoreCase`` for the programs of this package."""
    return ReliabilityCores(tmp_path_factory.mktemp("reliability-cores"))
