"""Fixtures of the corpus: ``corpus(leg, program, signal=...)`` builds and dumps once a session."""

from __future__ import annotations

import pytest

from .catalogue import CorpusFactory, Program


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> CorpusFactory:
    """``corpus(leg, PROGRAM, signal=None) -> CorpusCore``, each built and dumped once."""
    return CorpusFactory(tmp_path_factory.mktemp("corpus"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect (not skip) a program on a leg whose Go cannot build it: CI may skip nothing."""
    keep, drop = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        program, leg = params.get("program"), params.get("leg")
        if isinstance(program, Program) and isinstance(leg, str) and leg not in program.legs:
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
