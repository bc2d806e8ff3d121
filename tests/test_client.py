"""The async client against a real dlv on real cores, on every Delve leg and both backends."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

import dlvclient
from dlvclient import (
    GoroutineField,
    GoroutineFilter,
    LoadConfig,
    Version,
)
from tests.support import CoreCase, frame_index, line_of, session

pytestmark = [pytest.mark.anyio, pytest.mark.needs_dlv]


async def test_seed_walk(seed_case: CoreCase) -> None:
    """What a person does by hand: goroutines, goroutine 1, bt, frame N, print a."""
    async with session(seed_case) as client:
        ids = [g.id async for g in client.goroutines()]
        assert 1 in ids
        state = await client.state()
        assert state.current_goroutine is not None
        assert state.current_goroutine.id == 1
        frames = await client.stacktrace(1, depth=30)
        modify = frame_index(frames, "main.Modify")
        assert frames[modify].line == line_of(seed_case, "b[0] = 'H'")
        assert Path(frames[modify].file).name == "main.go"
        assert frames[modify + 1].function.name == "main.main"
        a = await client.eval("a", goroutine_id=1, frame=modify)
        assert a.value == "hello"
        assert a.type == "string"
        assert a.to_python() == "hello"


async def test_version_and_capabilities(seed_case: CoreCase) -> None:
    async with session(seed_case) as client:
        assert client.version_info is not None  # kept from the handshake
        info = await client.version()
        assert info == client.version_info
        assert info.api_version == 2
        assert info.backend == "core"
        assert client.server_version is not None
        assert client.target_go_version is not None
        installed = 20 if seed_case.leg.name == "bookworm" else 27
        assert client.server_version.minor == installed
        assert client.supports("TypeInfo") is (client.server_version >= Version(1, 26, 2))


async def test_state_threads(seed_case: CoreCase) -> None:
    async with session(seed_case) as client:
        state = await client.state()
        assert state.current_thread is not None
        threads = await client.threads()
        assert state.current_thread.id in {t.id for t in threads}
        thread = await client.thread(state.current_thread.id)
        assert thread.goroutine_id == 1
        with pytest.raises(dlvclient.UnknownThreadError, match="no thread with id"):
            await client.thread(999_999_999)
        assert await client.pid() == state.pid
        assert isinstance(await client.build_id(), str)


async def test_goroutine_filters(goroutines_case: CoreCase) -> None:
    async with session(goroutines_case) as client:
        everything = [g async for g in client.goroutines()]
        user = [g async for g in client.goroutines(GoroutineFilter.user())]
        system = [g async for g in client.goroutines(~GoroutineFilter.user())]
        assert {g.id for g in user} | {g.id for g in system} == {g.id for g in everything}
        assert not {g.id for g in user} & {g.id for g in system}
        recv = [g async for g in client.goroutines(GoroutineFilter.start_loc("main.blockRecv"))]
        assert len(recv) == 10
        # Small pages: filtering is per page, so empty pages in between must be skipped.
        paged = [
            g
            async for g in client.goroutines(
                GoroutineFilter.start_loc("main.blockRecv"), page_size=3
            )
        ]
        assert [g.id for g in paged] == [g.id for g in recv]
        labelled = [g async for g in client.goroutines(GoroutineFilter.label("worker=w2"))]
        assert len(labelled) == 1
        assert labelled[0].labels == {"worker": "w2"}
        running = [g async for g in client.goroutines(GoroutineFilter.running())]
        assert all(g.thread_id for g in running)
        assert any(g.id == 1 for g in running)


async def test_goroutine_wait_reasons(goroutines_case: CoreCase) -> None:
    async with session(goroutines_case) as client:
        go = str(client.target_go_version)
        by_start: dict[str, set[str]] = {}
        async for g in client.goroutines(GoroutineFilter.user()):
            by_start.setdefault(g.start_loc.function_name, set()).add(g.wait_reason_name(go))
        assert by_start["main.blockRecv"] == {"chan receive"}
        assert by_start["main.blockSend"] == {"chan send"}
        assert by_start["main.blockSelect"] == {"select"}
        assert by_start["main.blockSleep"] == {"sleep"}
        mutex = "semacquire" if client.target_go_version < Version(1, 20) else "sync.Mutex.Lock"
        assert by_start["main.blockMutex"] == {mutex}


async def test_waiting_on_channel_filter(goroutines_case: CoreCase) -> None:
    async with session(goroutines_case) as client:
        frames = await client.stacktrace(1)
        main = frame_index(frames, "main.main")
        scope = dlvclient.EvalScope(goroutine_id=1, frame=main)
        waiting = client.goroutines(GoroutineFilter.waiting_on_channel("recvCh"), scope=scope)
        if client.supports("the WaitingOnChannel goroutine filter"):
            found = [g async for g in waiting]
            assert len(found) == 10
        else:
            with pytest.raises(dlvclient.UnsupportedFeatureError, match=r"1\.21\.1"):
                _ = [g async for g in waiting]


async def test_group_goroutines(goroutines_case: CoreCase) -> None:
    async with session(goroutines_case) as client:
        grouped = await client.group_goroutines(GoroutineField.START_LOC, max_members=2)
        recv = next(g for g in grouped.groups if "main.blockRecv" in g.name)
        assert recv.total == 10
        assert len(grouped.members(recv)) == 2
        by_label = await client.group_goroutines(GoroutineField.LABEL, label_key="worker")
        names = {g.name for g in by_label.groups}
        assert {"worker=w1", "worker=w2", "worker=w3"} <= names
        with pytest.raises(dlvclient.InvalidArgumentError):
            await client.group_goroutines(GoroutineField.USER_LOC, max_members=0)


async def test_goroutine_by_id(goroutines_case: CoreCase) -> None:
    async with session(goroutines_case) as client:
        one = await client.goroutine(1)
        assert one.id == 1
        assert one.user_current_loc.function_name == "main.main"
        with pytest.raises(dlvclient.UnknownGoroutineError, match="unknown goroutine 424242"):
            await client.goroutine(424242)


async def test_stacktrace_options(goroutines_case: CoreCase) -> None:
    async with session(goroutines_case) as client:
        frames = await client.stacktrace(1, depth=3)
        assert len(frames) <= 4
        assert all(f.locals is None for f in frames)
        full = await client.stacktrace(1, depth=30, full=True)
        main = full[frame_index(full, "main.main")]
        assert main.locals is not None
        assert {"recvCh"} <= {v.name for v in main.locals}
        with_defers = await client.stacktrace(1, depth=30, defers=True)
        assert all(isinstance(f.defers, list) for f in with_defers)
        bottom = await client.stacktrace(1, depth=200)
        assert bottom[-1].bottom
        with pytest.raises(dlvclient.InvalidArgumentError, match="depth"):
            await client.stacktrace(1, depth=-1)
        with pytest.raises(dlvclient.UnknownGoroutineError):
            await client.stacktrace(999_999)
        if client.supports("Stacktrace with Skip"):
            skipped = await client.stacktrace(1, depth=30, skip=2)
            assert [f.pc for f in skipped] == [f.pc for f in full[2 : 2 + len(skipped)]]
        else:
            with pytest.raises(dlvclient.UnsupportedFeatureError, match=r"1\.26\.2"):
                await client.stacktrace(1, skip=2)


async def test_goroutine_stacks(goroutines_case: CoreCase) -> None:
    async with session(goroutines_case) as client:
        ids = [g.id async for g in client.goroutines()]
        stacks = [s async for s in client.goroutine_stacks(depth=10, window=4, page_size=7)]
        assert [s.goroutine.id for s in stacks] == ids
        for goroutine, frames in stacks:
            assert frames, goroutine.id
            assert len(frames) <= 11
        recv = [s async for s in client.goroutine_stacks(GoroutineFilter.start_loc("blockRecv"))]
        assert len(recv) == 10
        assert all(any(f.function_name == "main.blockRecv" for f in s.frames) for s in recv)
        # Stopping early abandons the calls in flight; the session keeps working.
        async for _ in client.goroutine_stacks(depth=5, window=8):
            break
        assert (await client.eval("1+2")).value == "3"
        assert client.pending_calls == 0 or await client.version()


async def test_ancestors(seed_case: CoreCase) -> None:
    async with session(seed_case) as client:
        with pytest.raises(dlvclient.DelveReplyError, match="tracebackancestors"):
            await client.ancestors(1)


async def test_variables(seed_case: CoreCase) -> None:
    async with session(seed_case) as client:
        frames = await client.stacktrace(1)
        modify = frame_index(frames, "main.Modify")
        names = {v.name for v in await client.locals(goroutine_id=1, frame=modify)}
        assert {"a", "b"} <= names
        string2bytes_args = await client.args(goroutine_id=1, frame=modify + 1)
        assert isinstance(string2bytes_args, list)
        b = await client.eval("b", goroutine_id=1, frame=modify)
        assert b.kind == dlvclient.VariableKind.SLICE
        assert b.to_python() in (b"hello", list(b"hello"))
        short = await client.eval(
            "b", goroutine_id=1, frame=modify, load=LoadConfig(max_array_values=2)
        )
        assert short.is_truncated
        rest = await client.load_more(short, goroutine_id=1, frame=modify)
        assert len(rest.children) == 3
        with pytest.raises(dlvclient.ExpressionError):
            await client.eval("a +", goroutine_id=1, frame=modify)
        with pytest.raises(dlvclient.SymbolNotFoundError):
            await client.eval("nosuchvariable", goroutine_id=1, frame=modify)
        with pytest.raises(dlvclient.UnknownFrameError):
            await client.eval("a", goroutine_id=1, frame=999)
        with pytest.raises(dlvclient.InvalidArgumentError):
            await client.eval("a", goroutine_id=1, frame=-1)
        with pytest.raises(dlvclient.UnknownGoroutineError):
            await client.eval("a", goroutine_id=999_999)
        package = await client.package_vars("^runtime\\.buildVersion$")
        assert [v.name for v in package] == ["runtime.buildVersion"]


async def test_memory_registers_disassembly(seed_case: CoreCase) -> None:
    async with session(seed_case) as client:
        frames = await client.stacktrace(1)
        modify = frames[frame_index(frames, "main.Modify")]
        a = await client.eval("a", goroutine_id=1, frame=frame_index(frames, "main.Modify"))
        data_ptr = a.base or a.addr
        memory = await client.examine_memory(data_ptr, 5)
        assert memory == b"hello"
        long_read = await client.examine_memory(modify.function.value, 2500)
        assert len(long_read) == 2500
        # More chunks than are kept in flight on Delve < 1.24 (1000 bytes each): read in a
        # window, reassembled in order. The runtime's code lies well inside the text segment.
        start = (await client.find_location("runtime.main"))[0].pc
        big = await client.examine_memory(start, 200_000)
        assert len(big) == 200_000
        assert big[150_000:150_016] == await client.examine_memory(start + 150_000, 16)
        with pytest.raises(dlvclient.MemoryReadError):
            await client.examine_memory(0x10, 8)
        registers = await client.registers()
        assert any(r.name.lower() == "rip" for r in registers)
        code = await client.disassemble(modify.function.value)
        assert code
        assert any(i.loc.line == modify.line for i in code)


async def test_symbols(seed_case: CoreCase) -> None:
    async with session(seed_case) as client:
        sources = await client.sources("main.go$")
        assert any(s.endswith("seed/main.go") for s in sources)
        assert "main.Modify" in await client.functions("^main\\.")
        assert "main.main" in await client.functions("^main\\.")
        types = await client.types("^reflect\\.SliceHeader$")
        assert types == ["reflect.SliceHeader"]
        locations = await client.find_location("main.Modify")
        assert locations[0].function_name == "main.Modify"
        with pytest.raises(dlvclient.LocationNotFoundError):
            await client.find_location("main.NoSuchFunction")
        assert await client.dynamic_libraries() == [] or True
        packages = await client.build_info()
        assert any(p.import_path == "runtime" for p in packages)
        if client.supports("TypeInfo"):
            info = await client.type_info("reflect.SliceHeader")
            assert {f.name for f in info.fields} == {"Data", "Len", "Cap"}
        else:
            with pytest.raises(dlvclient.UnsupportedFeatureError):
                await client.type_info("reflect.SliceHeader")
        if client.supports("ListTargets"):
            assert len(await client.targets()) == 1
        result = await client.call("IsMulticlient")
        assert result == {"IsMulticlient": False}


async def test_detach_ends_session(seed_case: CoreCase) -> None:
    async with session(seed_case) as client:
        await client.detach()
        with pytest.raises(dlvclient.DlvError):
            await client.version()


async def test_concurrent_calls_are_matched(goroutines_case: CoreCase) -> None:
    async with session(goroutines_case) as client:
        ids = [g.id async for g in client.goroutines()]
        results: dict[int, int] = {}

        async def one(gid: int) -> None:
            frames = await client.stacktrace(gid, depth=5)
            results[gid] = len(frames)
            value = await client.eval(f"{gid}*2")
            assert value.value == str(gid * 2)

        async with anyio.create_task_group() as tg:
            for gid in ids:
                tg.start_soon(one, gid)
        assert set(results) == set(ids)


async def test_cancel_one_call_leaves_others(goroutines_case: CoreCase) -> None:
    async with session(goroutines_case) as client:
        with anyio.move_on_after(0):
            await client.stacktrace(1, full=True)
        with anyio.CancelScope() as scope:
            scope.cancel()
            await client.eval("1")
        assert (await client.eval("40+2")).value == "42"
        with pytest.raises(dlvclient.DlvTimeoutError) as caught:
            await client.stacktrace(1, depth=100, full=True, timeout=0)
        assert isinstance(caught.value, TimeoutError)
        assert (await client.eval("40+3")).value == "43"
