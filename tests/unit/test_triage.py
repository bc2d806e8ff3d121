"""Triage pieces: finding cores, the memory estimate and budget."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import anyio
import pytest

from dlvclient._errors import InvalidArgumentError
from dlvclient._jobs import memory_estimate, program_version
from dlvclient._origin import GoBuildInfo
from dlvclient._ray_engine import memory_request
from dlvclient._triage import _MemoryBudget, find_cores


def test_find_cores_takes_only_cores(tmp_path: Path) -> None:
    shutil.copy(sys.executable, tmp_path / "python")
    (tmp_path / "core.txt").write_text("hello")
    assert find_cores([tmp_path]) == []
    with pytest.raises(InvalidArgumentError, match="does not exist"):
        find_cores([tmp_path / "missing"])


def test_memory_estimate_grows_with_the_core() -> None:
    # The benchmark's 100k-goroutine core: 516 MB, and its dlv peaked at 3.1 GB.
    assert memory_estimate(516_321_280) >= 3_123_000_000
    assert memory_estimate(1 << 20) == 256 << 20  # a small core still costs a dlv


@pytest.mark.anyio
async def test_memory_budget_holds_back_what_does_not_fit() -> None:
    budget = _MemoryBudget(100)
    order: list[str] = []

    async def job(name: str, amount: int, hold: float) -> None:
        held = await budget.acquire(amount)
        order.append(f"+{name}")
        await anyio.sleep(hold)
        order.append(f"-{name}")
        await budget.release(held)

    async with anyio.create_task_group() as tg:
        tg.start_soon(job, "a", 60, 0.05)
        await anyio.sleep(0.01)
        tg.start_soon(job, "b", 60, 0)  # must wait for a
        tg.start_soon(job, "huge", 10_000, 0)  # larger than the budget: runs alone
    assert order.index("+b") > order.index("-a")
    assert order.index("+huge") > order.index("-a")


def test_ray_tasks_never_ask_more_memory_than_a_node_has() -> None:
    nodes = [
        {"Alive": True, "Resources": {"memory": 8e9}},
        {"Alive": False, "Resources": {"memory": 64e9}},  # gone: it cannot take the task
    ]
    assert memory_request(3 << 30, nodes) == 3 << 30
    assert memory_request(20 << 30, nodes) == 8_000_000_000
    assert memory_request(20 << 30, []) == 20 << 30  # nothing known: ask what is needed


def test_program_version_is_the_module_version_else_the_revision() -> None:
    module = "github.com/nats-io/nats-server/v2"
    tagged = f"path\t{module}\nmod\t{module}\tv2.9.25\t\n"
    assert program_version(GoBuildInfo.from_modinfo(tagged)) == "v2.9.25"
    checkout = (
        "path\texample.com/api\nmod\texample.com/api\t(devel)\t\n"
        "build\tvcs.revision=0123456789abcdef0123\nbuild\tvcs.modified=true\n"
    )
    assert program_version(GoBuildInfo.from_modinfo(checkout)) == "0123456789ab+dirty"
    bare = "path\tcommand-line-arguments\n"
    assert program_version(GoBuildInfo.from_modinfo(bare)) is None
    assert program_version(None) is None
