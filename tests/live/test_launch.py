"""Launched programs: breakpoints, stepping, changes, calls, output and their exit."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

import dlvclient
from dlvclient import LiveClient, LoadConfig
from tests.live_support import LIVE_SOURCE, alive, go_env, live_line
from tests.support import Leg

pytestmark = [pytest.mark.anyio, pytest.mark.needs_dlv]


async def _stop_at(client: LiveClient, location: str) -> dlvclient.DebuggerState:
    await client.create_breakpoint(location)
    state = await client.continue_()
    assert state.breakpoint is not None, state
    return state


async def test_every_call_stops_with_its_arguments(leg: Leg, exe: Path) -> None:
    async with dlvclient.launch(exe, ["calls", "3"], dlv=leg.dlv) as client:
        bp = await client.create_breakpoint("main.add", load_args=LoadConfig(), tracepoint=True)
        assert bp.function_name == "main.add"
        assert bp.tracepoint
        seen = []
        async for state in client.stops():
            if state.exited:
                assert state.exit_status == 3
                break
            info = state.breakpoint_info
            assert info is not None
            assert state.breakpoint is not None
            assert state.breakpoint.id == bp.id
            seen.append({arg.name: arg.value for arg in info.arguments if arg.name in "ab"})
        assert seen == [{"a": "0", "b": "0"}, {"a": "1", "b": "1"}, {"a": "2", "b": "4"}]
        assert client.exit_status == 3
        again = await client.continue_()  # Delve answers with the exit again
        assert again.exited
        assert again.exit_status == 3
        with pytest.raises(dlvclient.ProcessExitedError):
            await client.goroutines().__anext__()


async def test_output_arrives_whole_and_apart(leg: Leg, exe: Path) -> None:
    async with dlvclient.launch(exe, ["calls", "200"], dlv=leg.dlv) as client:
        state = await client.continue_()
        assert state.exited
        assert state.exit_status == 3
        out: dict[str, bytes] = {"stdout": b"", "stderr": b""}
        with anyio.fail_after(10):
            async for chunk in client.output:  # ends with the target's last words
                out[chunk.stream] += chunk.data
    expected = [f"out {i} {i + i * i}" for i in range(200)] + ["done 39800"]
    assert out["stdout"].decode().splitlines() == expected
    assert out["stderr"].decode().splitlines() == [f"err {i}" for i in range(200)]


async def test_on_output_gets_every_chunk(leg: Leg, exe: Path, tmp_path: Path) -> None:
    chunks: list[dlvclient.OutputChunk] = []
    async with dlvclient.launch(
        exe, ["calls", "2"], dlv=leg.dlv, cwd=tmp_path, on_output=chunks.append
    ) as client:
        await client.continue_()
    text = "".join(c.text for c in chunks if c.stream == "stdout")
    assert text == "out 0 0\nout 1 2\ndone 2\n"


async def test_set_variable_and_call_function(leg: Leg, exe: Path) -> None:
    async with dlvclient.launch(exe, ["calls", "3"], dlv=leg.dlv) as client:
        await _stop_at(client, "main.add")
        await client.set_variable("counter", "11")
        assert (await client.eval("counter")).value == "11"
        await client.set_variable("a", "100", frame=0)
        (result,) = await client.call_function("double(21)")
        assert result.value == "42"
        (greeting,) = await client.call_function('greet("gopher")')
        assert greeting.value == "hello, gopher"
        state = await client.step_out()
        assert state.current_thread is not None
        (returned,) = state.current_thread.return_values
        assert returned.value == "110"  # a + b + counter - 1 = 100 + 0 + 10


async def test_refusals_are_typed(leg: Leg, exe: Path) -> None:
    async with dlvclient.launch(exe, ["calls", "1"], dlv=leg.dlv) as client:
        await _stop_at(client, "main.add")
        with pytest.raises(dlvclient.CallError):
            await client.call_function("double(1, 2)")
        await _stop_at(client, live_line('fmt.Printf("out'))
        with pytest.raises(dlvclient.CallError, match="escaping pointer"):
            await client.call_function("keep(&total)")
        with pytest.raises(dlvclient.SymbolNotFoundError):
            await client.set_variable("nosuchvariable", "1")
        with pytest.raises(dlvclient.LocationNotFoundError):
            await client.create_breakpoint("main.nosuchfunction")
        with pytest.raises(dlvclient.InvalidArgumentError):
            await client.create_breakpoint("main.add", name="42")


async def test_next_step_and_instruction(leg: Leg, exe: Path) -> None:
    call_line = live_line("total = add(i, i*i)")
    async with dlvclient.launch(exe, ["calls", "1"], dlv=leg.dlv) as client:
        state = await _stop_at(client, call_line)
        assert state.current_thread is not None
        assert f":{state.current_thread.line}" == call_line[call_line.rindex(":") :]
        state = await client.step()
        assert state.current_thread is not None
        assert state.current_thread.function_name == "main.add"
        state = await client.step_out()
        assert state.current_thread is not None
        assert state.current_thread.function_name == "main.calls"
        state = await client.next()
        assert state.current_thread is not None
        assert state.current_thread.file + f":{state.current_thread.line}" == live_line(
            'fmt.Printf("out'
        )
        pc = state.current_thread.pc
        state = await client.step_instruction()
        assert state.current_thread is not None
        assert state.current_thread.pc != pc


async def test_breakpoints_are_managed(leg: Leg, exe: Path) -> None:
    async with dlvclient.launch(exe, ["calls", "5"], dlv=leg.dlv) as client:
        bp = await client.create_breakpoint("main.add", name="adder", condition="a == 3")
        assert bp.name == "adder"
        assert bp.cond == "a == 3"
        assert [b.id for b in await client.breakpoints()] == [bp.id]
        internal = {b.name for b in await client.breakpoints(all=True)}
        assert {"unrecovered-panic", "runtime-fatal-throw"} <= internal
        state = await client.continue_()
        (arg,) = [v for v in await client.args() if v.name == "a"]
        assert arg.value == "3"
        assert state.breakpoint is not None
        bp = await client.breakpoint("adder")
        bp.cond, bp.hit_cond = "", "> 0"
        await client.amend_breakpoint(bp)
        assert (await client.breakpoint(bp.id)).hit_cond == "> 0"
        assert (await client.toggle_breakpoint("adder")).disabled
        assert not (await client.toggle_breakpoint(bp)).disabled
        cleared = await client.clear_breakpoint("adder")
        assert cleared.id == bp.id
        assert await client.breakpoints() == []
        watch = await client.create_watchpoint("main.counter")
        assert watch.watch_expr == "main.counter"
        await client.clear_breakpoint(watch)
        assert (await client.continue_()).exited


@pytest.mark.parametrize(("mode", "kind"), [("panic", "panicked"), ("throw", "fatal_throw")])
async def test_a_dying_program_stops_and_says_why(
    leg: Leg, exe: Path, mode: str, kind: str
) -> None:
    async with dlvclient.launch(exe, [mode], dlv=leg.dlv) as client:
        state = await client.continue_()
        assert not state.exited
        assert getattr(state, kind), state.breakpoint
        assert not getattr(state, {"panicked": "fatal_throw", "fatal_throw": "panicked"}[kind])
        state = await client.continue_()
        assert state.exited
        assert state.exit_status == 2


async def test_restart_runs_it_again_with_new_arguments(leg: Leg, exe: Path) -> None:
    async with dlvclient.launch(exe, ["calls", "1"], dlv=leg.dlv) as client:
        first = await client.pid()
        assert (await client.continue_()).exited
        assert await client.restart(["calls", "4"]) == []
        assert await client.pid() != first
        assert (await client.continue_()).exited
        runs = []
        for _ in range(2):  # one ``async for`` per run
            with anyio.fail_after(5):
                runs.append(b"".join([c.data async for c in client.output if c.stream == "stdout"]))
        assert runs == [
            b"out 0 0\ndone 0\n",
            b"".join(f"out {i} {i + i * i}\n".encode() for i in range(4)) + b"done 12\n",
        ]


async def test_launched_program_dies_with_the_session(leg: Leg, exe: Path) -> None:
    async with dlvclient.launch(exe, ["serve"], dlv=leg.dlv) as client:
        pid = await client.pid()
        assert alive(pid)
    assert not alive(pid)


async def test_debug_builds_and_runs_the_package(leg: Leg) -> None:
    async with dlvclient.debug(LIVE_SOURCE, ["calls", "2"], dlv=leg.dlv, env=go_env(leg)) as client:
        state = await client.continue_()
        assert state.exited
        assert state.exit_status == 3
    assert not list(LIVE_SOURCE.glob("__debug_bin*"))


async def test_test_runs_the_chosen_tests(leg: Leg) -> None:
    async with dlvclient.test(
        LIVE_SOURCE, "TestDouble", ["-test.v"], dlv=leg.dlv, env=go_env(leg)
    ) as client:
        state = await _stop_at(client, "main.double")
        assert state.current_thread is not None
        (arg,) = [v for v in await client.args() if v.name == "x"]
        assert arg.value == "4"
        assert (await client.continue_()).exit_status == 0
        with anyio.fail_after(10):
            text = ""
            async for chunk in client.output:
                text += chunk.text
                if ("PASS" in text and "ok" in text) or "\nPASS\n" in text:
                    break
        assert "TestDouble" in text
        assert "TestAdd" not in text
