"""Helpers of the live-process tests: the live Go program built per leg, and processes to
attach to that are always reaped."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dlvclient._capture import build_go_program
from tests.support import PROGRAMS, Leg

LIVE_SOURCE = PROGRAMS / "live"
_LOCK = threading.Lock()


class LivePrograms:
    """``live_programs(leg) -> Path``: tests/programs/live built by the leg's Go, once."""

    def __init__(self, workdir: Path) -> None:
        self._workdir = workdir
        self._built: dict[str, Path] = {}

    def __call__(self, leg: Leg) -> Path:
        with _LOCK:
            if leg.name not in self._built:
                env = {**os.environ, "GOTOOLCHAIN": "local"}
                out = self._workdir / f"live-{leg.name}"
                self._built[leg.name] = build_go_program(LIVE_SOURCE, out, go=str(leg.go), env=env)
            return self._built[leg.name]


def live_line(text: str) -> str:
    """The location ``main.go:N`` of the first line of the live program holding ``text``."""
    lines = (LIVE_SOURCE / "main.go").read_text().splitlines()
    number = next(i for i, line in enumerate(lines, 1) if text in line)
    return f"{LIVE_SOURCE / 'main.go'}:{number}"


def go_env(leg: Leg) -> dict[str, str]:
    """This environment with the leg's Go first on PATH (``dlv debug``/``test`` build with it)."""
    path = f"{leg.go.parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return {**os.environ, "PATH": path, "GOTOOLCHAIN": "local", "GOFLAGS": "-mod=mod"}


@contextmanager
def running(exe: Path, *args: str, ready: bytes = b"live: ") -> Iterator[subprocess.Popen[bytes]]:
    """Run ``exe`` until the block ends (then SIGKILL and reap it); wait for its ready line."""
    proc = subprocess.Popen([str(exe), *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith(ready), f"{exe} said {line!r}"
        yield proc
    finally:
        proc.kill()
        proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def state_letter(pid: int) -> str:
    """The process state /proc shows (R, S, t for stopped by a tracer, …)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat[stat.rindex(")") + 2]


def gone_soon(pid: int, within: float = 5.0) -> bool:
    """True once ``pid`` is gone (or a zombie), polling for up to ``within`` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.02)
    return False


def kill_quietly(pid: int) -> None:
    """SIGKILL ``pid`` if it still exists."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
