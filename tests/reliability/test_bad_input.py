"""Every row of the bad-input catalogue on every Delve leg, and the table in docs/errors.md.

The cases live in catalogue.py, which also renders the doc's table: a case added there is
both tested here and documented (test_errors_doc_lists_every_case fails until it is).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import CoreCase, CoreFactory, Leg, require_leg, selected_legs

from .catalogue import CASES, DOC, Case, documented_table, render_table
from .support import hang_guard

pytestmark = pytest.mark.anyio


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # Each case runs on the selected legs it applies to; none is generated only to be skipped.
    if "case" in metafunc.fixturenames:
        legs = selected_legs(metafunc.config)
        params = [
            pytest.param(case, leg, id=f"{leg}-{case.id}")
            for case in CASES
            for leg in legs
            if leg in case.legs
        ]
        metafunc.parametrize(("case", "leg_name"), params)


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    """What an input raises does not depend on the event loop: one is enough here (the other
    reliability tests run on both)."""
    return "asyncio"


@dataclass
class Scene:
    leg: Leg
    tmp: Path
    cores: CoreFactory
    reliability_cores: CoreFactory

    def core(self, name: str, leg: str | None = None) -> CoreCase:
        return self.cores(require_leg(leg) if leg else self.leg, name)

    def reliability_core(self, name: str) -> CoreCase:
        return self.reliability_cores(self.leg, name)


@pytest.mark.needs_dlv
async def test_bad_input(
    case: Case,
    leg_name: str,
    cores: CoreFactory,
    reliability_cores: CoreFactory,
    tmp_path: Path,
) -> None:
    scene = Scene(require_leg(leg_name), tmp_path, cores, reliability_cores)
    # Generous: a case may build a program first. Nothing may hang.
    with hang_guard(60):
        if case.error is None:
            await case.run(scene)
            return
        with pytest.raises(case.error) as caught:
            await case.run(scene)
    assert type(caught.value) is case.error, repr(caught.value)
    assert case.message in str(caught.value)


def test_errors_doc_lists_every_case() -> None:
    documented = documented_table(DOC.read_text())
    assert documented == render_table(), (
        "docs/errors.md is out of date with tests/reliability/catalogue.py; rewrite its table "
        "with: .venv/bin/python tests/reliability/catalogue.py --write"
    )
