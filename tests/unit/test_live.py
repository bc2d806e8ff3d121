"""Live sessions without a Delve: the running-state guard, stop reasons, output pipes, and the
errors of refused attaches and calls."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import anyio
import pytest

import dlvclient
from dlvclient import DebuggerState, LiveClient, OutputChunk, TargetOutput
from dlvclient._connection import Connection
from dlvclient._errors import LaunchError, delve_error
from dlvclient._launch import _attach_error
from dlvclient._live import process_start_time

pytestmark = pytest.mark.anyio


def _client() -> tuple[LiveClient, socket.socket]:
    ours, theirs = socket.socketpair()
    return LiveClient(Connection(ours)), theirs


async def test_calls_that_need_a_stopped_target_raise_before_sending() -> None:
    client, peer = _client()
    with peer:
        client._running = "continue"
        for call in (client.stacktrace(1), client.eval("x"), client.create_breakpoint("main.f")):
            with pytest.raises(dlvclient.TargetRunningError, match="halt"):
                await call
        with pytest.raises(dlvclient.TargetRunningError):
            await client.next()
        client._running = None
        client._dumping = True
        with pytest.raises(dlvclient.TargetRunningError, match="dump"):
            await client.state()
        peer.setblocking(False)
        with pytest.raises(BlockingIOError):
            peer.recv(1)  # nothing was sent
        assert await client.pid() == 0  # known without asking


def _state(breakpoint_name: str, bp_id: int) -> DebuggerState:
    return DebuggerState.model_validate(
        {
            "Pid": 7,
            "currentThread": {"id": 1, "breakPoint": {"id": bp_id, "name": breakpoint_name}},
            "Threads": [{"id": 1, "breakPoint": {"id": bp_id, "name": breakpoint_name}}],
        }
    )


def test_stop_reasons_from_delves_internal_breakpoints() -> None:
    panicked = _state("unrecovered-panic", -1)
    assert panicked.panicked
    assert not panicked.fatal_throw
    thrown = _state("runtime-fatal-throw", -2)
    assert thrown.fatal_throw
    assert not thrown.panicked
    ours = _state("", 1)
    assert ours.breakpoint is not None
    assert ours.breakpoint.id == 1
    assert not ours.panicked
    assert DebuggerState().breakpoint is None


def test_errors_of_live_targets_are_typed() -> None:
    assert isinstance(
        delve_error("Command", "Process 42 has exited with status 3"),
        dlvclient.ProcessExitedError,
    )
    for message in (
        "too many arguments",
        "call not at safe point",
        "cannot use &x as argument p in function main.f: stack object passed to escaping "
        "pointer: p",
        "can not call optimized function main.f when regabi is in use",
    ):
        assert isinstance(delve_error("Command", message), dlvclient.CallError), message


async def test_output_pipes_keep_every_chunk_in_order() -> None:
    output = TargetOutput()
    output.make_pipes()
    write_out, write_err = output.write_fds
    seen: list[OutputChunk] = []
    async with anyio.create_task_group() as tg:
        writers = [os.dup(write_out), os.dup(write_err)]
        output.start(tg)
        for i in range(100):
            os.write(writers[0], f"out {i}\n".encode())
        os.write(writers[1], b"err\n")
        for fd in writers:
            os.close(fd)
        with anyio.fail_after(5):
            seen = [chunk async for chunk in output]
    output.close()
    stdout = b"".join(c.data for c in seen if c.stream == "stdout")
    assert stdout == b"".join(f"out {i}\n".encode() for i in range(100))
    assert [c.data for c in seen if c.stream == "stderr"] == [b"err\n"]


async def test_output_of_one_run_ends_when_the_target_exits() -> None:
    output = TargetOutput()
    output.make_pipes()
    write_out, _ = output.write_fds
    async with anyio.create_task_group() as tg:
        kept = os.dup(write_out)  # dlv's copy: it never closes it
        output.start(tg)
        os.write(kept, b"last words\n")
        output.target_exited()
        with anyio.fail_after(5):
            assert [c.text async for c in output] == ["last words\n"]
        os.write(kept, b"second run\n")
        output.target_exited()
        with anyio.fail_after(5):
            assert [c.text async for c in output] == ["second run\n"]
        os.close(kept)
        tg.cancel_scope.cancel()
    output.close()


def test_process_start_time_tells_processes_apart() -> None:
    assert process_start_time(os.getpid()) == process_start_time(os.getpid())
    assert process_start_time(os.getpid()) is not None
    assert process_start_time(2**22 + 17) is None


def _refused(pid: int, stderr: str) -> BaseException:
    return _attach_error(
        ["attach", str(pid)], LaunchError("dlv exited", exit_code=1, stderr=stderr)
    )


def test_attach_refusals_say_why(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    gone = _refused(2**22 + 17, "could not attach to pid 4194321: no such process")
    assert isinstance(gone, dlvclient.AttachError)
    assert gone.reason == "no-such-process"
    eperm = "could not attach to pid {pid}: operation not permitted"
    pid = os.getpid()
    scope = tmp_path / "ptrace_scope"
    scope.write_text("1\n")
    monkeypatch.setattr("dlvclient._launch._YAMA", scope)
    yama = _refused(pid, eperm.format(pid=pid))
    assert isinstance(yama, dlvclient.AttachError)
    assert yama.reason == "ptrace-scope"
    assert "ptrace_scope=0" in str(yama)
    monkeypatch.setattr("dlvclient._launch.os.getuid", lambda: 4242)
    other = _refused(pid, eperm.format(pid=pid))
    assert isinstance(other, dlvclient.AttachError)
    assert other.reason == "other-user"
    monkeypatch.setattr("dlvclient._launch._tracer_pid", lambda pid: 99)
    traced = _refused(pid, f"could not attach to pid {pid}: already being debugged by pid 99")
    assert isinstance(traced, dlvclient.AttachError)
    assert traced.reason == "traced"
    assert traced.tracer_pid == 99
    unrelated = LaunchError("dlv exited", exit_code=1, stderr="something else")
    assert _attach_error(["attach", str(pid)], unrelated) is unrelated


async def test_unknown_options_are_refused_before_anything_starts() -> None:
    with pytest.raises(dlvclient.InvalidArgumentError, match="dlvv"):
        async with dlvclient.launch("/bin/true", dlvv="/usr/bin/dlv"):  # type: ignore[call-arg]
            pass
    with pytest.raises(dlvclient.InvalidArgumentError, match="cwd"):
        async with dlvclient.attach(1, cwd="/"):  # type: ignore[call-arg]
            pass
