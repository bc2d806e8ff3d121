"""Shared fixtures: async backends, Delve "legs", and real cores of the Go programs in programs/.

A leg is one Delve with the Go toolchain that builds the programs it debugs. ``current`` is the
pinned Delve that scripts/_setup.sh installs with the Go on PATH; ``bookworm`` is Debian 12's
Delve 1.20.2 with Go 1.19. Choose legs with ``--legs`` or ``$DLVCLIENT_TEST_LEGS``.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from dlvclient._capture import Capture, build_go_program, run_and_capture

ROOT = Path(__file__).resolve().parent.parent
PROGRAMS = Path(__file__).resolve().parent / "programs"
LEGS_ENV = "DLVCLIENT_TEST_LEGS"
DEFAULT_LEGS = "current,bookworm"

# Programs that never crash by themselves are dumped with SIGQUIT after this many seconds.
SIGNAL_AFTER = {"healthy": 1.0}

# Serializes builds: fixtures may be requested from worker threads (anyio.to_thread).
_BUILD_LOCK = threading.Lock()


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


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--legs",
        default=os.environ.get(LEGS_ENV, DEFAULT_LEGS),
        help=f"comma-separated Delve legs to test against, of {', '.join(LEGS)} "
        f"(default: ${LEGS_ENV} or {DEFAULT_LEGS})",
    )


def _selected_legs(config: pytest.Config) -> list[str]:
    names = [name.strip() for name in str(config.getoption("--legs")).split(",") if name.strip()]
    unknown = sorted(set(names) - set(LEGS))
    if unknown:
        raise pytest.UsageError(f"--legs: unknown leg(s) {unknown}; choose from {sorted(LEGS)}")
    return names


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "leg" in metafunc.fixturenames:
        names = _selected_legs(metafunc.config)
        metafunc.parametrize("leg", names, ids=names, indirect=True, scope="session")


def require_leg(name: str) -> Leg:
    """Return the leg, skipping the test when its tools are missing (failing it under CI)."""
    leg = LEGS[name]()
    missing = leg.missing()
    if missing:
        message = (
            f"Delve leg {name!r} is not installed (missing: {', '.join(map(str, missing))}); "
            f"{_INSTALL_HINT[name]}"
        )
        if os.environ.get("CI", "").lower() not in ("", "0", "false"):  # CI may skip nothing
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return leg


@pytest.fixture(scope="session")
def leg(request: pytest.FixtureRequest) -> Leg:
    """The Delve leg under test; tests that use it run once per selected leg."""
    return require_leg(str(request.param))


@pytest.fixture(
    scope="module",
    params=[pytest.param("asyncio", id="asyncio"), pytest.param("trio", id="trio")],
)
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Run every ``@pytest.mark.anyio`` test on asyncio and on trio."""
    return str(request.param)


# --- cores ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoreCase:
    """A program from tests/programs built by a leg's Go, and the core of its crash."""

    leg: Leg
    name: str
    source_dir: Path
    exe: Path
    core: Path
    capture: Capture
    optimize: bool = False
    pie: bool = False


class CoreFactory:
    """Builds and crashes test programs on first request, then serves them from a cache."""

    def __init__(self, workdir: Path) -> None:
        self._workdir = workdir
        self._cache: dict[tuple[str, str, bool, bool], CoreCase] = {}

    def __call__(
        self, leg: Leg, name: str, *, optimize: bool = False, pie: bool = False
    ) -> CoreCase:
        key = (leg.name, name, optimize, pie)
        with _BUILD_LOCK:
            if key not in self._cache:
                self._cache[key] = self._make(leg, name, optimize=optimize, pie=pie)
            return self._cache[key]

    def _make(self, leg: Leg, name: str, *, optimize: bool, pie: bool) -> CoreCase:
        source_dir = PROGRAMS / name
        if not (source_dir / "main.go").is_file():
            raise LookupError(f"no test program {name!r} in {PROGRAMS}")
        flavour = "".join(("-opt" if optimize else "", "-pie" if pie else ""))
        # Each crash runs in its own directory, so cores land there and never in the repo.
        scene = self._workdir / f"{leg.name}-{name}{flavour}"
        scene.mkdir()
        # GOTOOLCHAIN=local: a newer go must not fetch another toolchain for these modules.
        env = {**os.environ, "GOTOOLCHAIN": "local"}
        exe = build_go_program(
            source_dir, scene / name, go=str(leg.go), optimize=optimize, pie=pie, env=env
        )
        capture = run_and_capture(
            [str(exe)], cwd=scene, env=env, timeout=60, signal_after=SIGNAL_AFTER.get(name)
        )
        if capture.core is None:
            pytest.fail(
                f"{name} ({leg.name}) left no core: {capture.reason}\n{capture.stderr[-2000:]}",
                pytrace=False,
            )
        return CoreCase(
            leg=leg,
            name=name,
            source_dir=source_dir,
            exe=exe,
            core=capture.core,
            capture=capture,
            optimize=optimize,
            pie=pie,
        )


@pytest.fixture(scope="session")
def cores(tmp_path_factory: pytest.TempPathFactory) -> CoreFactory:
    """``cores(leg, name, *, optimize=False, pie=False) -> CoreCase``, built once per session."""
    return CoreFactory(tmp_path_factory.mktemp("cores"))


@pytest.fixture(scope="session")
def seed(cores: CoreFactory) -> CoreCase:
    """The seed program's crash, built and debugged with the ``current`` leg."""
    return cores(require_leg("current"), "seed")
