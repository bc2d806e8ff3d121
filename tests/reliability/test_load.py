"""Load: many tasks on one session, many sessions at once, and a storm of cancellations.

Correctness is checked by content, never by count alone: an ``eval`` of ``N*7`` must come back
as N*7 to the task that asked, a goroutine's stack must hold the function that goroutine was
started in, and each of 20 concurrent sessions must describe its own program.
"""

from __future__ import annotations

import os
import random
import re
import signal

import anyio
import anyio.lowlevel
import pytest

import dlvclient
from dlvclient import AsyncClient, GoroutineFilter
from dlvclient._connection import PendingCall
from tests.support import CoreCase, CoreFactory, Leg, require_leg, selected_legs

from . import procs
from .support import hang_guard

pytestmark = [pytest.mark.anyio, pytest.mark.slow, pytest.mark.needs_dlv]

TASKS = 64
CALLS_PER_TASK = 500
# Frames enough to reach the function a goroutine started in, from any blocking call.
DEPTH = 30


async def started_in(client: AsyncClient) -> dict[int, str]:
    """User goroutines of the goroutines program and the main.* function each was started in."""
    return {
        g.id: g.start_loc.function_name
        async for g in client.goroutines(GoroutineFilter.user())
        if g.start_loc.function_name.startswith("main.block")
    }


async def check_stack(client: AsyncClient, gid: int, function: str) -> None:
    frames = await client.stacktrace(gid, depth=DEPTH)
    names = [f.function_name for f in frames]
    assert function in names, (gid, function, names)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # The heaviest test runs once per leg, the event loops taking turns, so that both legs and
    # both loops carry the load without running it four times.
    if metafunc.function.__name__ == "test_64_tasks_making_500_mixed_calls":
        legs = selected_legs(metafunc.config)
        backends = ["asyncio", "trio"]
        if len(legs) == 1:
            pairs = [(legs[0], backend) for backend in backends]
        else:
            pairs = [(leg, backends[i % 2]) for i, leg in enumerate(legs)]
        ids = [f"{backend}-{leg}" for leg, backend in pairs]
        metafunc.parametrize(("leg_name", "anyio_backend"), pairs, ids=ids)


async def test_64_tasks_making_500_mixed_calls(leg_name: str, cores: CoreFactory) -> None:
    leg = require_leg(leg_name)
    rounds = CALLS_PER_TASK
    case = cores(leg, "goroutines")
    async with dlvclient.open_core(case.exe, case.core, dlv=leg.dlv) as client:
        expected = await started_in(client)
        recv = sorted(gid for gid, f in expected.items() if f == "main.blockRecv")
        assert len(recv) == 10
        gids = sorted(expected)
        done = [0] * TASKS

        async def worker(task: int) -> None:
            for i in range(rounds):
                n = task * rounds + i
                kind = n % 3
                if kind == 0:
                    value = await client.eval(f"{n}*7")
                    assert value.value == str(n * 7), (n, value.value)
                elif kind == 1:
                    gid = gids[n % len(gids)]
                    await check_stack(client, gid, expected[gid])
                else:
                    found = [
                        g.id
                        async for g in client.goroutines(
                            GoroutineFilter.start_loc("main.blockRecv")
                        )
                    ]
                    assert found == recv
                done[task] += 1

        with hang_guard(120):
            async with anyio.create_task_group() as tg:
                for task in range(TASKS):
                    tg.start_soon(worker, task)
        assert done == [rounds] * TASKS
        assert client.pending_calls == 0


# Ten programs, each built by both legs' Go: twenty different cores.
PROGRAMS = [
    "seed",
    "goroutines",
    "nilptr",
    "nilmap",
    "index",
    "panicerr",
    "healthy",
    "custom",
    "recursion",
    "deadlock",
]


def functions_of(case: CoreCase) -> set[str]:
    """The package-level functions declared in the program's source."""
    source = (case.source_dir / "main.go").read_text()
    return {f"main.{name}" for name in re.findall(r"(?m)^func (\w+)\(", source)}


async def test_20_sessions_on_different_cores_at_once(cores: CoreFactory) -> None:
    legs = [require_leg("current"), require_leg("bookworm")]
    cases = [cores(leg, name) for leg in legs for name in PROGRAMS]
    assert len(cases) == 20
    opened = 0
    all_open = anyio.Event()
    running_dlvs: list[int] = []
    checked: list[str] = []

    async def session(case: CoreCase) -> None:
        nonlocal opened
        async with dlvclient.open_core(case.exe, case.core, dlv=case.leg.dlv) as client:
            opened += 1
            if opened == len(cases):
                running_dlvs.append(
                    sum(1 for p in procs.ours() if p.argv[1:2] == ("core",) and p.state != "Z")
                )
                all_open.set()
            await all_open.wait()
            # Each session describes its own program, built by its own leg's Go.
            ours = set(await client.functions("^main\\.[^.]*$"))
            assert "main.main" in ours
            assert ours <= functions_of(case) | {"main.init"}, (case.name, ours)
            version = await client.eval("runtime.buildVersion")
            go_prefix = "go1.19" if case.leg.name == "bookworm" else "go1.2"
            assert version.value.startswith(go_prefix), (case.leg.name, version.value)
            # Some goroutine is in the middle of this program's own code.
            seen = {
                frame.function_name
                async for stack in client.goroutine_stacks(GoroutineFilter.user(), depth=300)
                for frame in stack.frames
            }
            assert seen & functions_of(case), (case.name, seen)
            checked.append(f"{case.leg.name}-{case.name}")

    with hang_guard(120):
        async with anyio.create_task_group() as tg:
            for case in cases:
                tg.start_soon(session, case)
    assert running_dlvs == [20]
    assert sorted(checked) == sorted(f"{c.leg.name}-{c.name}" for c in cases)


async def test_cancellation_storm(
    leg: Leg, cores: CoreFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """1,000 of 1,500 calls are cancelled at random, in waves of 150 calls: a few before their
    request is written, most while dlv is stopped and their replies are awaited, the rest as
    the replies stream in. The spared calls get their own answers, and the connection stays
    in step."""
    case = cores(leg, "goroutines")
    rng = random.Random(1000)
    waves, per_wave, cancelled = 10, 150, 100
    unwritten, stopped = 10, 70  # victims[:10] before writing, [10:70] awaiting, the rest later
    # Counts cancellations that found the call written and its reply awaited.
    awaiting = 0
    reply = PendingCall.reply

    async def counting_reply(self: PendingCall, timeout: float | None = None) -> bytes:
        nonlocal awaiting
        try:
            return await reply(self, timeout)
        except anyio.get_cancelled_exc_class():
            awaiting += 1
            raise

    monkeypatch.setattr(PendingCall, "reply", counting_reply)
    async with dlvclient.open_core(case.exe, case.core, dlv=leg.dlv) as client:
        assert client._process is not None
        pid = client._process.process.pid
        expected = await started_in(client)
        gids = sorted(expected)
        answered: set[int] = set()
        spared: set[int] = set()

        async def call(i: int, scope: anyio.CancelScope) -> None:
            with scope:
                if i % 2:
                    value = await client.eval(f"{i}*3")
                    assert value.value == str(i * 3), (i, value.value)
                else:
                    gid = gids[i % len(gids)]
                    await check_stack(client, gid, expected[gid])
                answered.add(i)

        for wave in range(waves):
            ids = range(wave * per_wave, (wave + 1) * per_wave)
            victims = rng.sample(ids, cancelled)
            spared |= set(ids) - set(victims)
            scopes = {i: anyio.CancelScope() for i in ids}
            with hang_guard(30):
                async with anyio.create_task_group() as tg:
                    # A stopped dlv answers nothing: every request of the wave is written and
                    # awaits its reply (150 requests fit in the socket buffers).
                    os.kill(pid, signal.SIGSTOP)
                    try:
                        for i in ids:
                            tg.start_soon(call, i, scopes[i])
                        for i in victims[:unwritten]:
                            scopes[i].cancel()
                        await anyio.wait_all_tasks_blocked()
                        for i in victims[unwritten:stopped]:
                            scopes[i].cancel()
                        await anyio.wait_all_tasks_blocked()
                    finally:
                        os.kill(pid, signal.SIGCONT)
                    for i in victims[stopped:]:
                        scopes[i].cancel()
                        if rng.random() < 0.5:
                            await anyio.lowlevel.checkpoint()
        assert awaiting >= waves * (stopped - unwritten), awaiting
        assert spared <= answered
        # In step: fresh calls get their own answers, and nothing is left pending.
        for i in range(200):
            assert (await client.eval(f"{i}+{i}")).value == str(2 * i)
        gid = gids[0]
        await check_stack(client, gid, expected[gid])
        assert client.pending_calls == 0
        # Delve answers in order, so every abandoned reply has arrived and been dropped by now.
        assert not client._conn._abandoned
