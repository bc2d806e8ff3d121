"""Faults during live sessions: the target or dlv dies mid-continue, halt storms, cancellation.

Every pending call must end fast with a typed error (or, for the target's own exit, with the
state that says so), and no dlv or target may outlive its session (the ``no_leaks`` guard).
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import anyio
import anyio.lowlevel
import pytest

import dlvclient
from dlvclient import LiveClient
from tests.live_support import LivePrograms, alive, gone_soon, running, state_letter
from tests.support import Leg

from .support import Background, hang_guard

pytestmark = [pytest.mark.anyio, pytest.mark.needs_dlv]


@pytest.fixture
def exe(leg: Leg, live_programs: LivePrograms) -> Path:
    return live_programs(leg)


async def _running(client: LiveClient, background: Background) -> None:
    """Start a continue in the background and return once the target runs."""
    background.start(client.continue_)
    with anyio.fail_after(10):
        while not client.running:  # noqa: ASYNC110 (set by the client, which has no event)
            await anyio.sleep(0.01)
    await anyio.sleep(0.1)


def _dlv_pid(client: LiveClient) -> int:
    assert client._process is not None
    return client._process.process.pid


async def test_target_killed_during_continue(leg: Leg, exe: Path) -> None:
    async with dlvclient.launch(exe, ["serve"], dlv=leg.dlv) as client:
        async with anyio.create_task_group() as tg:
            background = Background(tg)
            await _running(client, background)
            os.kill(await client.pid(), signal.SIGKILL)
            with hang_guard(5):
                await background.settled()
        (state,) = background.values
        assert background.errors == [None]
        assert isinstance(state, dlvclient.DebuggerState)
        assert state.exited
        assert client.exit_status == state.exit_status


async def test_dlv_killed_during_continue(leg: Leg, exe: Path) -> None:
    async with dlvclient.launch(exe, ["serve"], dlv=leg.dlv) as client:
        target = await client.pid()
        async with anyio.create_task_group() as tg:
            background = Background(tg)
            await _running(client, background)
            os.kill(_dlv_pid(client), signal.SIGKILL)
            with hang_guard(3):
                await background.settled()
        (error,) = background.errors
        assert isinstance(error, dlvclient.ConnectionClosedError), error
        assert "status -9" in str(error)
        with hang_guard(2), pytest.raises(dlvclient.ConnectionClosedError):
            await client.state()
    # dlv died without killing what it launched: the session's end did.
    assert gone_soon(target)


async def test_halt_storm(leg: Leg, exe: Path) -> None:
    async with dlvclient.launch(exe, ["serve"], dlv=leg.dlv) as client:
        async with anyio.create_task_group() as tg:
            background = Background(tg)
            await _running(client, background)
            for _ in range(50):
                background.start(client.halt)
            with hang_guard(10):
                await background.settled()
        assert background.errors == [None] * 51
        assert all(not state.exited for state in background.values)  # type: ignore[attr-defined]
        assert not client.running
        # The session is whole: the target stopped, calls work, it runs again.
        assert [g async for g in client.goroutines()]
        await client.create_breakpoint("main.add")
        assert (await client.continue_()).breakpoint is not None


async def test_cancelling_the_session_mid_continue(leg: Leg, exe: Path) -> None:
    pids: list[int] = []
    with hang_guard(15), anyio.move_on_after(1) as scope:
        async with dlvclient.launch(exe, ["serve"], dlv=leg.dlv) as client:
            pids += [await client.pid(), _dlv_pid(client)]
            await client.continue_()
    assert scope.cancelled_caught
    assert not any(alive(pid) for pid in pids)


async def test_cancelled_halt_and_continue_leave_a_usable_session(leg: Leg, exe: Path) -> None:
    async with dlvclient.launch(exe, ["serve"], dlv=leg.dlv) as client:
        for _ in range(5):
            with anyio.move_on_after(0.2):
                await client.continue_()
            assert not client.running
        async with anyio.create_task_group() as tg:
            background = Background(tg)
            await _running(client, background)
            with anyio.move_on_after(0):
                await client.halt()
            await client.halt()
            with hang_guard(5):
                await background.settled()
        assert background.errors == [None]
        await client.set_variable("main.stopped", "true")
        assert (await client.continue_()).exit_status == 0


async def test_attached_process_runs_on_after_dlv_is_killed(leg: Leg, exe: Path) -> None:
    with running(exe, "serve") as proc:
        async with dlvclient.attach(proc.pid, dlv=leg.dlv) as client:
            os.kill(_dlv_pid(client), signal.SIGKILL)
            with hang_guard(3), pytest.raises(dlvclient.ConnectionClosedError):
                await client.state()
        await anyio.sleep(0.3)
        assert proc.poll() is None, "the attached process died with dlv"
        assert state_letter(proc.pid) not in "tT", "left stopped"
