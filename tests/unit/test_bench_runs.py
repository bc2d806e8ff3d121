"""The benchmark's runs take the variants in turns, so none always runs after the same one."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from types import ModuleType

import pytest

from tests.support import ROOT


@pytest.fixture
def bench() -> Iterator[ModuleType]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        yield importlib.import_module("bench")
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))


def test_every_run_takes_every_variant_once(bench: ModuleType) -> None:
    variants = list(bench.VARIANTS)
    for run in range(2 * len(variants)):
        assert sorted(bench.turn(variants, run)) == sorted(variants)


def test_the_sync_facade_does_not_always_follow_the_async_client(bench: ModuleType) -> None:
    variants = list(bench.VARIANTS)

    def before(run: int, variant: str) -> str | None:
        order = bench.turn(variants, run)
        at = order.index(variant)
        return order[at - 1] if at else None

    assert {before(run, "sync") for run in range(3)} != {"async"}
    assert {before(run, "async") for run in range(3)} != {"raw"}
