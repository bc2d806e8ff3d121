"""What this test process has running, open and threaded, read from /proc (no psutil).

Every process the suite starts (dlv, fake dlv scripts and anything those fork) inherits
:data:`MARKER` in its environment, so a leak is found even after it was re-parented to init,
and processes of other test runs on the same machine are never mistaken for ours.
"""

from __future__ import annotations

import gc
import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

MARKER = "DLVCLIENT_RELIABILITY_RUN"
# Inherited when set, so a run started with it can be told from other runs on the machine.
MARKER_VALUE = os.environ.get(MARKER) or uuid.uuid4().hex
_MARKER_ENTRY = f"{MARKER}={MARKER_VALUE}".encode()


def mark_environment() -> None:
    """Put the marker in this process's environment, which every child inherits."""
    os.environ[MARKER] = MARKER_VALUE


@dataclass(frozen=True)
class Proc:
    """One process as /proc shows it."""

    pid: int
    ppid: int
    pgid: int
    sid: int
    state: str
    argv: tuple[str, ...]

    def __str__(self) -> str:
        command = " ".join(self.argv) or "?"
        return f"pid {self.pid} ({self.state}, parent {self.ppid}, session {self.sid}): {command}"


def read_proc(pid: int) -> Proc | None:
    """The process ``pid``, or None once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
        argv = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    # The command name in parentheses may itself hold spaces and parentheses.
    fields = stat[stat.rindex(b")") + 2 :].split()
    state, ppid, pgid, sid = fields[0].decode(), int(fields[1]), int(fields[2]), int(fields[3])
    words = tuple(a.decode(errors="replace") for a in argv.split(b"\0") if a)
    return Proc(pid, ppid, pgid, sid, state, words)


def argv_of(pid: int) -> list[str]:
    """The exact argv of ``pid``, every element as it was passed (spaces, newlines and all)."""
    raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    return [a.decode(errors="surrogateescape") for a in raw.split(b"\0")[:-1]]


def _marked(pid: int) -> bool:
    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return False
    return _MARKER_ENTRY in environ.split(b"\0")


def ours() -> list[Proc]:
    """Processes this suite started that still exist: marked ones, and unreaped children."""
    me = os.getpid()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        proc = read_proc(int(entry))
        if proc is not None and (proc.ppid == me or _marked(proc.pid)):
            found.append(proc)
    return found


def open_fds() -> dict[int, str]:
    """This process's open descriptors and what each refers to."""
    fds = {}
    for entry in os.listdir("/proc/self/fd"):
        try:
            fds[int(entry)] = os.readlink(f"/proc/self/fd/{entry}")
        except OSError:
            continue  # the descriptor listdir itself used, already closed
    return fds


def os_threads() -> int:
    """Threads of this process as the kernel counts them."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    raise RuntimeError("/proc/self/status has no Threads line")


def settle(check: Callable[[], bool], timeout: float = 10.0) -> None:
    """Give closed things time to go: collect garbage and poll ``check`` until it is true.

    Exited processes take a moment to be reaped and threads to finish; this is a hang guard
    with a generous bound, not a timing assertion.
    """
    deadline = time.monotonic() + timeout
    while True:
        gc.collect()
        if check() or time.monotonic() > deadline:
            return
        time.sleep(0.02)


def thread_names() -> list[str]:
    """Names of the Python threads alive now."""
    return sorted(t.name for t in threading.enumerate())
