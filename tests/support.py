"""Helpers the test modules share: Delve legs, cores of the test programs, sessions on them.

Imported as ``from tests.support import ...`` (the fixtures that use them are in conftest.py).
A leg is one Delve with the Go toolchain that builds the programs it debugs. ``current`` is
the pinned Delve that scripts/_setup.sh installs with the Go on PATH; ``bookworm`` is Debian
12's Delve 1.20.2 with Go 1.19. Choose legs with ``--legs`` or ``$DLVCLIENT_TEST_LEGS``.
"""

from __future__ import annotations

import importlib.util
import itertools
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

import dlvclient
from dlvclient import AsyncClient, Stackframe
from dlvclient._capture import Capture, make_core
from dlvclient._cli import main

ROOT = Path(__file__).resolve().parent.parent
PROGRAMS = ROOT / "tests" / "programs"
LEGS_ENV = "DLVCLIENT_TEST_LEGS"
DEFAULT_LEGS = "current,bookworm"

# Programs that never crash by themselves are dumped with SIGQUIT after this many seconds.
SIGNAL_AFTER = {"healthy": 1.0}


# --- legs ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Leg:
    """A Delve binary and the Go toolchain whose programs it is tested against."""

    name: str
    dlv: Path
    go: Path

    def missing(self) -> list[Path]:
        """The tools of this leg that are not installed."""
        return [tool for tool in (self.dlv, self.go) if not _is_executable(tool)]


def _is_executable(path: Path) -> bool:
    return path.is_absolute() and path.is_file() and os.access(path, os.X_OK)


def _current_leg() -> Leg:
    dlv = Path(os.environ.get("DLV") or ROOT / ".tools" / "bin" / "dlv")
    return Leg("current", dlv=dlv, go=Path(shutil.which("go") or "/go-not-on-PATH"))


def _bookworm_leg() -> Leg:
    return Leg("bookworm", dlv=Path("/usr/bin/dlv"), go=Path("/usr/lib/go-1.19/bin/go"))


LEGS: dict[str, Callable[[], Leg]] = {"current": _current_leg, "bookworm": _bookworm_leg}

_INSTALL_HINT = {
    "current": "run scripts/test, which installs the pinned Delve into .tools/bin (needs Go)",
    "bookworm": "run scripts/test as root, or: apt-get install delve golang-1.19-go",
}


def selected_legs(config: pytest.Config) -> list[str]:
    """The legs ``--legs`` names, checked."""
    names = [name.strip() for name in str(config.getoption("--legs")).split(",") if name.strip()]
    unknown = sorted(set(names) - set(LEGS))
    if unknown:
        raise pytest.UsageError(f"--legs: unknown leg(s) {unknown}; choose from {sorted(LEGS)}")
    return names


def in_ci() -> bool:
    """True under CI, where nothing may be skipped."""
    return os.environ.get("CI", "").lower() not in ("", "0", "false")


def require_leg(name: str) -> Leg:
    """Return the leg, skipping the test when its tools are missing (failing it under CI)."""
    leg = LEGS[name]()
    missing = leg.missing()
    if missing:
        message = (
            f"Delve leg {name!r} is not installed (missing: {', '.join(map(str, missing))}); "
            f"{_INSTALL_HINT[name]}"
        )
        if in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return leg


# --- cores ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoreCase:
    """A test program built by a leg's Go, and the core of its crash."""

    leg: Leg
    name: str
    source_dir: Path
    exe: Path
    core: Path
    capture: Capture
    optimize: bool = False
    pie: bool = False


class CoreFactory:
    """Builds and crashes the programs of one directory on first request, then serves them
    from a cache (one per session: a build and a crash cost seconds).

    A failure is not cached: the next request tries again in a fresh scene, and the failed
    one is kept beside it as ``SCENE.failedN``.
    """

    def __init__(
        self,
        workdir: Path,
        programs: Path = PROGRAMS,
        signal_after: dict[str, float] | None = None,
    ) -> None:
        self._workdir = workdir
        self._programs = programs
        self._signal_after = SIGNAL_AFTER if signal_after is None else signal_after
        self._cache: dict[tuple[str, str, bool, bool], CoreCase] = {}
        # Fixtures may be requested from worker threads (anyio.to_thread).
        self._lock = threading.Lock()

    def __call__(
        self, leg: Leg, name: str, *, optimize: bool = False, pie: bool = False
    ) -> CoreCase:
        key = (leg.name, name, optimize, pie)
        with self._lock:
            if key not in self._cache:
                self._cache[key] = self._make(leg, name, optimize=optimize, pie=pie)
            return self._cache[key]

    def _make(self, leg: Leg, name: str, *, optimize: bool, pie: bool) -> CoreCase:
        source_dir = self._programs / name
        if not (source_dir / "main.go").is_file():
            raise LookupError(f"no test program {name!r} in {self._programs}")
        flavour = "".join(("-opt" if optimize else "", "-pie" if pie else ""))
        # Each crash runs in its own directory, so cores land there and never in the repo.
        scene = self._workdir / f"{leg.name}-{name}{flavour}"
        _set_aside(scene)  # a failed attempt's scene: kept for a look, and this one starts clean
        scene.mkdir()
        # GOTOOLCHAIN=local: a newer go must not fetch another toolchain for these modules.
        env = {**os.environ, "GOTOOLCHAIN": "local"}
        try:
            crash = make_core(
                source_dir,
                scene,
                go=str(leg.go),
                optimize=optimize,
                pie=pie,
                env=env,
                signal_after=self._signal_after.get(name),
            )
        except dlvclient.CaptureError as exc:
            pytest.fail(f"{name} ({leg.name}): {exc}", pytrace=False)
        return CoreCase(
            leg=leg,
            name=name,
            source_dir=source_dir,
            exe=crash.exe,
            core=crash.core,
            capture=crash.capture,
            optimize=optimize,
            pie=pie,
        )


def _set_aside(scene: Path) -> None:
    """Rename ``scene`` (left by an earlier attempt that failed) to the first free
    ``scene.failedN``."""
    if not scene.exists():
        return
    for attempt in itertools.count(1):
        aside = scene.with_name(f"{scene.name}.failed{attempt}")
        if not aside.exists():
            scene.rename(aside)
            return


# --- sessions ------------------------------------------------------------------------------------


@asynccontextmanager
async def session(case: CoreCase) -> AsyncIterator[AsyncClient]:
    """A client on the case's core, with the case's Delve."""
    async with dlvclient.open_core(case.exe, case.core, dlv=case.leg.dlv) as client:
        yield client


def line_of(case: CoreCase, text: str) -> int:
    """The 1-based line of ``text`` in the program's main.go."""
    lines = (case.source_dir / "main.go").read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


def frame_index(frames: Sequence[Stackframe], function: str) -> int:
    """Where ``function`` is in a stack."""
    return next(i for i, f in enumerate(frames) if f.function_name == function)


# --- the command line ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


def cli(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> Run:
    """Run ``dlvclient ARGV`` in this process."""
    code = main([str(arg) for arg in argv])
    captured = capsys.readouterr()
    return Run(code, captured.out, captured.err)


def loaded_by(module: str, candidates: Sequence[str]) -> list[str]:
    """Which of ``candidates`` importing ``module`` loads, in a fresh interpreter."""
    code = f"import sys, {module}; print(*[m for m in {list(candidates)!r} if m in sys.modules])"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.split()


def load_script(path: Path, name: str) -> ModuleType:
    """Import the Python file ``path`` (a script or hook outside the package) as ``name``."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def target(case: CoreCase) -> list[str]:
    """EXE CORE --dlv DLV: a subcommand's arguments for a core of the case's leg."""
    return [str(case.exe), str(case.core), "--dlv", str(case.leg.dlv)]
