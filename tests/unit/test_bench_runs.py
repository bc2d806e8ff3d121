"""How the benchmark takes its runs (the variants in turns, so none always runs after the same
one) and reads them (each ratio paired within a run)."""

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


def test_ratios_pair_the_times_of_one_run(bench: ModuleType) -> None:
    runs = bench.CoreRuns(core=None)
    # The host ran twice as fast in run 1: paired, b/a is 1.1 in every run.
    runs.variants["raw"] = bench.VariantRuns(seconds=[2.0, 1.0, 2.0], run_of=[0, 1, 2])
    runs.variants["async"] = bench.VariantRuns(seconds=[2.2, 1.1], run_of=[0, 1])
    assert runs.ratio("async", "raw") == pytest.approx(1.1)
    # A run that failed for one of the two counts for neither.
    runs.variants["sync"] = bench.VariantRuns(seconds=[4.4], run_of=[2])
    assert runs.ratio("sync", "async") is None
