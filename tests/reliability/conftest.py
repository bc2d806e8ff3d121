"""Leak checks around every reliability test, the suite's figures, and its fixtures.

Every test here runs inside :func:`no_leaks`: afterwards no process it started may be left
(dlv, fake dlv scripts, or anything they forked) and this process must hold no more file
descriptors than before. The figures (scenarios survived, calls made, leaks) are printed at
the end of the run by :func:`pytest_terminal_summary`.
"""

from __future__ import annotations

import glob
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import dlvclient._elf
from dlvclient._connection import Connection, PendingCall
from tests.support import CoreFactory

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
    # The launcher names its socket directories after this process: the ones that appeared
    # during the test and are still there were left behind by it.
    dirs_before = _socket_dirs()
    yield
    left_dirs = sorted(_socket_dirs() - dirs_before)
    for path in left_dirs:
        shutil.rmtree(path, ignore_errors=True)

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


def _socket_dirs() -> set[str]:
    return set(glob.glob(os.path.join(tempfile.gettempdir(), f"dlvclient-{os.getpid()}-*")))


# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture
def no_elf_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Skip the pre-spawn file checks, so that dlv itself meets the bad file."""
    monkeypatch.setattr(dlvclient._elf, "check_inputs", lambda executable, core: None)


@pytest.fixture(scope="session")
def reliability_cores(tmp_path_factory: pytest.TempPathFactory) -> CoreFactory:
    """``reliability_cores(leg, name) -> CoreCase`` for the programs of this package."""
    return CoreFactory(tmp_path_factory.mktemp("reliability-cores"), PROGRAMS, signal_after={})
