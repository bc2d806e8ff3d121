"""The corpus: real open-source Go programs at pinned versions, and how each is dumped.

Versions are pinned here and nowhere else. nats-server v2.9.25 still builds with Go 1.19, so it
runs on both legs; go-httpbin's oldest version on the proxy needs Go 1.22, so it runs on the
current leg only. ``cronfault`` is ours: a service on two real dependencies (robfig/cron and
golang.org/x/time) that faults inside one of them from a job cron's goroutine runs.
"""

from __future__ import annotations

import signal as _signal
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import Leg

from .scene import (
    Dump,
    Load,
    build_local,
    free_port,
    http_clients,
    install,
    nats_clients,
    run_to_core,
)

HERE = Path(__file__).resolve().parent
OUR_PROGRAMS = HERE / "programs"


@dataclass(frozen=True)
class Program:
    """A program of the corpus: where it comes from and how it is run and dumped."""

    name: str
    #: ``go install`` package and version; empty for a program of ours (in programs/).
    package: str = ""
    version: str = ""
    trimpath: bool = False
    #: Legs whose Go builds it.
    legs: tuple[str, ...] = ("current", "bookworm")
    #: Arguments, with ``{port}`` for the port it must listen on.
    args: tuple[str, ...] = ()
    load: Load | None = None
    #: How the build of one of ours differs: "module", "vendor" (vendored, -trimpath) or
    #: "files" (``go build main.go``: command-line-arguments).
    flavour: str = "module"

    @property
    def module(self) -> str:
        """The module path (the package up to its major version or command directory)."""
        return self.package.split("/cmd/", 1)[0]


NATS = Program(
    name="nats-server",
    package="github.com/nats-io/nats-server/v2",
    version="v2.9.25",
    trimpath=True,
    args=("-a", "127.0.0.1", "-p", "{port}"),
    load=nats_clients,
)
HTTPBIN = Program(
    name="go-httpbin",
    package="github.com/mccutchen/go-httpbin/v2/cmd/go-httpbin",
    version="v2.26.0",
    legs=("current",),
    args=(
        "-host",
        "127.0.0.1",
        "-port",
        "{port}",
        "-max-duration",
        "60s",
        "-srv-read-timeout",
        "60s",
        "-srv-read-header-timeout",
        "60s",
        "-log-level",
        "OFF",
    ),
    load=http_clients,
)
CRONFAULT = Program(name="cronfault")
CRONFAULT_VENDORED = Program(name="cronfault", flavour="vendor", legs=("current",))
CRONFAULT_FILES = Program(name="cronfault", flavour="files", legs=("current",))
#: Ours: a program that sends itself SIGQUIT while 16 goroutines wait on a mutex.
SELFQUIT = Program(name="selfquit")

PROGRAMS = {p.name: p for p in (NATS, HTTPBIN)}


@dataclass(frozen=True)
class CorpusCore:
    """A corpus program built by a leg's Go and its core."""

    program: Program
    leg: str
    exe: Path
    core: Path
    #: Everything the program printed (the runtime's traceback included).
    output: Path
    signal: int | None
    pid: int
    build_seconds: float
    run_seconds: float


class CorpusFactory:
    """Builds and dumps corpus programs on first request; serves them from a cache after."""

    def __init__(self, workdir: Path) -> None:
        self._workdir = workdir
        self._cache: dict[tuple[str, str, str, int | None], CorpusCore] = {}
        self._exes: dict[tuple[str, str, str], tuple[Path, float]] = {}
        self._lock = threading.Lock()

    def __call__(self, leg: Leg, program: Program, *, signal: int | None = None) -> CorpusCore:
        """The core of ``program`` built by ``leg``, dumped with ``signal`` (None: a program
        that crashes by itself)."""
        name, go = leg.name, leg.go
        if name not in program.legs:
            pytest.skip(f"{program.name} {program.version} does not build with the {name} leg's Go")
        key = (name, program.name, program.flavour, signal)
        with self._lock:
            if key not in self._cache:
                self._cache[key] = self._make(name, go, program, signal)
            return self._cache[key]

    def _exe(self, leg: str, go: Path, program: Program) -> tuple[Path, float]:
        key = (leg, program.name, program.flavour)
        if key not in self._exes:
            import time

            started = time.monotonic()
            bindir = self._workdir / f"{leg}-{program.name}-{program.flavour}-bin"
            if program.package:
                exe = install(
                    go, program.package, program.version, bindir, trimpath=program.trimpath
                )
            else:
                exe = build_local(
                    go,
                    OUR_PROGRAMS / program.name,
                    bindir / program.name,
                    flags=["-trimpath"] if program.flavour == "vendor" else [],
                    vendor=program.flavour == "vendor",
                    files=["main.go"] if program.flavour == "files" else [],
                )
            self._exes[key] = (exe, time.monotonic() - started)
        return self._exes[key]

    def _make(self, leg: str, go: Path, program: Program, signal: int | None) -> CorpusCore:
        exe, build_seconds = self._exe(leg, go, program)
        sig = "crash" if signal is None else _signal.Signals(signal).name
        scene = self._workdir / f"{leg}-{program.name}-{program.flavour}-{sig}"
        scene.mkdir()
        port = free_port() if program.load is not None else None
        args = [a.format(port=port) for a in program.args]
        dump: Dump = run_to_core(
            [str(exe), *args], cwd=scene, port=port, load=program.load, signal=signal
        )
        return CorpusCore(
            program=program,
            leg=leg,
            exe=exe,
            core=dump.core,
            output=dump.output,
            signal=signal,
            pid=dump.pid,
            build_seconds=build_seconds,
            run_seconds=dump.seconds,
        )


SIGQUIT = _signal.SIGQUIT
SIGABRT = _signal.SIGABRT
