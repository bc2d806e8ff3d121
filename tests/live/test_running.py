"""The running-state rules: halt from another task, cancellation, timeouts, refused calls."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

import dlvclient
from dlvclient import LiveClient
from tests.live_support import state_letter
from tests.support import Leg

pytestmark = [pytest.mark.anyio, pytest.mark.needs_dlv]


async def _until_running(client: LiveClient) -> None:
    with anyio.fail_after(10):
        while not client.running:  # noqa: ASYNC110 (set by the client, which has no event)
            await anyio.sleep(0.01)
    await anyio.sleep(0.1)  # let the target get going


async def test_halt_from_another_task_stops_continue(leg: Leg, exe: Path) -> None:
    async with dlvclient.launch(exe, ["serve"], dlv=leg.dlv) as client:
        async with anyio.create_task_group() as tg:
            stopped: list[dlvclient.DebuggerState] = []

            async def run() -> None:
                stopped.append(await client.continue_())

            tg.start_soon(run)
            await _until_running(client)
            halted = await client.halt()
        (state,) = stopped
        assert not state.exited
        assert not client.running
        if client.supports("the stop reason in DebuggerState"):
            assert state.stop_reason == "manual"
        assert halted.pid == await client.pid()
        # Stopped again: every call works.
        assert [g async for g in client.goroutines()]


async def test_calls_while_running_raise_at_once(leg: Leg, exe: Path) -> None:
    async with (
        dlvclient.launch(exe, ["serve"], dlv=leg.dlv) as client,
        anyio.create_task_group() as tg,
    ):
        tg.start_soon(client.continue_)
        await _until_running(client)
        with anyio.fail_after(5):
            with pytest.raises(dlvclient.TargetRunningError, match="halt"):
                await client.stacktrace(1)
            with pytest.raises(dlvclient.TargetRunningError):
                await client.goroutines().__anext__()
            with pytest.raises(dlvclient.TargetRunningError):
                await client.create_breakpoint("main.add")
            with pytest.raises(dlvclient.TargetRunningError):
                await client.next()
            assert (await client.state()).running
            assert await client.pid() > 0
            assert (await client.version()).api_version == 2
        await client.halt()


async def test_cancelled_continue_halts_the_target(leg: Leg, exe: Path) -> None:
    async with dlvclient.launch(exe, ["serve"], dlv=leg.dlv) as client:
        pid = await client.pid()
        with anyio.move_on_after(0.5) as scope:
            await client.continue_()
        assert scope.cancelled_caught
        assert not client.running
        assert state_letter(pid) == "t"  # stopped by its tracer
        state = await client.state()
        assert not state.running
        await client.set_variable("main.stopped", "true")
        state = await client.continue_()
        assert state.exited
        assert state.exit_status == 0


async def test_continue_timeout_halts_and_says_so(leg: Leg, exe: Path) -> None:
    async with dlvclient.launch(exe, ["serve"], dlv=leg.dlv) as client:
        with pytest.raises(dlvclient.DlvTimeoutError, match="halted"):
            await client.continue_(timeout=0.3)
        assert not client.running
        assert await client.stacktrace(1, depth=5)


async def test_stops_ends_where_the_caller_breaks(leg: Leg, exe: Path) -> None:
    async with dlvclient.launch(exe, ["serve"], dlv=leg.dlv) as client:
        await client.create_breakpoint("main.add")
        hits = 0
        async for state in client.stops():
            assert state.breakpoint is not None
            hits += 1
            if hits == 3:
                break
        assert not client.running
        (arg,) = [v for v in await client.args() if v.name == "a"]
        assert arg.value == "2"
