"""Goroutines kept by what is anywhere on their stacks, on real cores: the API's
``goroutine_stacks(stack_contains=..., stack_without=...)`` and ``goroutines --stack-contains``."""

from __future__ import annotations

import pytest

import dlvclient
from dlvclient import GoroutineFilter
from tests.support import CoreFactory, Leg, cli, target

pytestmark = pytest.mark.needs_dlv


@pytest.mark.anyio
async def test_goroutine_stacks_filter_on_every_frame(leg: Leg, cores: CoreFactory) -> None:
    case = cores(leg, "display")
    async with dlvclient.open_core(case.exe, case.core, dlv=leg.dlv) as client:
        located = [g async for g in client.goroutines(GoroutineFilter.user_loc("readLoop"))]
        readers = [s async for s in client.goroutine_stacks(stack_contains="readLoop")]
        others = [
            s
            async for s in client.goroutine_stacks(
                GoroutineFilter.user(), stack_contains="net.", stack_without=["readLoop"]
            )
        ]
    assert located == []  # Delve's location filter sees one frame per goroutine
    assert len(readers) == 3
    for stack in readers:
        assert "main.readLoop" in [f.function_name for f in stack.frames]
    names = [[f.function_name for f in s.frames] for s in others]
    assert names
    assert all("main.readLoop" not in stack for stack in names)
    assert any("main.serve" in stack for stack in names)  # the accept loop


def test_goroutines_stack_contains_on_the_command_line(
    capsys: pytest.CaptureFixture[str], leg: Leg, cores: CoreFactory
) -> None:
    case = cores(leg, "display")
    run = cli(capsys, "goroutines", *target(case), "--stack-contains", "readLoop")
    assert run.code == 0, run.err
    assert run.out.endswith("[3 goroutines]\n")
    run = cli(
        capsys,
        "goroutines",
        *target(case),
        "--stack-contains",
        "main.worker",
        "--stack-contains",
        "runtime.goexit",
        "--stack-without",
        "main.inspect",
    )
    assert run.code == 0, run.err
    assert run.out.endswith("[4 goroutines]\n")
    run = cli(capsys, "goroutines", *target(case), "--stack-contains", "x", "--group-by", "user")
    assert run.code == 2
    assert "--group-by" in run.err
