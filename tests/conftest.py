"""Shared fixtures: async backends, Delve legs, real cores of the Go programs in programs/.

The helpers behind them live in :mod:`tests.support`. Every test that needs dlv or Go carries
the ``needs_dlv`` marker, so ``pytest -m "not needs_dlv"`` runs the rest on a machine with
neither; a test that asks for one of :data:`DLV_FIXTURES` without the marker is a usage error.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.chromium import INSTALL_HINT, Chromium, find_chromium
from tests.live_support import LivePrograms
from tests.support import (
    DEFAULT_LEGS,
    LEGS,
    LEGS_ENV,
    CoreCase,
    CoreFactory,
    Leg,
    in_ci,
    require_leg,
    selected_legs,
)

# Fixtures that build programs with Go or start dlv.
DLV_FIXTURES = frozenset(
    {
        "leg",
        "cores",
        "seed",
        "seed_case",
        "goroutines_case",
        "reliability_cores",
        "live_programs",
        "exe",
    }
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--legs",
        default=os.environ.get(LEGS_ENV, DEFAULT_LEGS),
        help=f"comma-separated Delve legs to test against, of {', '.join(LEGS)} "
        f"(default: ${LEGS_ENV} or {DEFAULT_LEGS})",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "leg" in metafunc.fixturenames:
        names = selected_legs(metafunc.config)
        metafunc.parametrize("leg", names, ids=names, indirect=True, scope="session")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    unmarked = [
        item.nodeid
        for item in items
        if DLV_FIXTURES & set(getattr(item, "fixturenames", ()))
        and item.get_closest_marker("needs_dlv") is None
    ]
    if unmarked:
        raise pytest.UsageError(
            "these tests use dlv or Go but are not marked @pytest.mark.needs_dlv:\n  "
            + "\n  ".join(unmarked)
        )


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


@pytest.fixture(scope="session")
def cores(tmp_path_factory: pytest.TempPathFactory) -> CoreFactory:
    """``cores(leg, name, *, optimize=False, pie=False) -> CoreCase``, built once per session."""
    return CoreFactory(tmp_path_factory.mktemp("cores"))


@pytest.fixture(scope="session")
def seed(cores: CoreFactory) -> CoreCase:
    """The seed program's crash, built and debugged with the ``current`` leg."""
    return cores(require_leg("current"), "seed")


@pytest.fixture
def seed_case(leg: Leg, cores: CoreFactory) -> CoreCase:
    """The seed program's crash on the leg under test."""
    return cores(leg, "seed")


@pytest.fixture
def goroutines_case(leg: Leg, cores: CoreFactory) -> CoreCase:
    """The goroutines program's core (many goroutines in known states) on the leg under test."""
    return cores(leg, "goroutines")


@pytest.fixture(scope="session")
def chromium() -> Iterator[Chromium]:
    """A headless Chromium (skipped where there is none, failed under CI)."""
    binary = find_chromium()
    if binary is None:
        message = f"no Chromium to check the HTML report in; {INSTALL_HINT}"
        if in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    with Chromium(binary) as browser:
        yield browser


@pytest.fixture(scope="session")
def live_programs(tmp_path_factory: pytest.TempPathFactory) -> LivePrograms:
    """``live_programs(leg) -> Path``: the live-session test program, built once per leg."""
    return LivePrograms(tmp_path_factory.mktemp("live"))
