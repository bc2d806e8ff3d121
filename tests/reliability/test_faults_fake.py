"""Fault injection with a fake Delve server: wire-level faults a real dlv cannot be made to show.

The guarantee under test: whatever the server does, every pending call ends within 2 s of the
fault with a typed :class:`dlvclient.DlvError` (or at its own timeout when the fault cannot be
seen, as with a silent server), the client can still be closed, and nothing is left open.
``anyio.fail_after`` around the expected failure is the hang guard that checks the 2 s bound.
"""

from __future__ import annotations

import contextlib
import random
import socket
from functools import partial

import anyio
import anyio.lowlevel
import pytest

import dlvclient
import dlvclient._connection
from dlvclient import AsyncClient, DlvError
from dlvclient._connection import Connection

from .fakedelve import FakeConnection, FakeServer, Request, eval_result, fake_delve, reply_line
from .support import Background

pytestmark = pytest.mark.anyio

PENDING = 20


async def answer_all(conn: FakeConnection, requests: list[Request]) -> None:
    for request in requests:
        await conn.answer(request)


def start_evals(background: Background, client: AsyncClient, count: int = PENDING) -> None:
    for i in range(count):
        background.start(partial(client.eval, f"expr{i}"))


async def fault_outcomes(server: FakeServer, client: AsyncClient) -> list[BaseException | None]:
    """Start PENDING calls, let the server misbehave, and return how each ended."""
    async with anyio.create_task_group() as tg:
        background = Background(tg)
        start_evals(background, client)
        await server.fault.wait()
        with anyio.fail_after(2):
            await background.settled()
    return background.errors


# --- delivery that is odd but correct ------------------------------------------------------------


async def test_out_of_order_replies() -> None:
    """Delve answers State and Command out of order: every reply reaches its own caller."""

    async def scenario(conn: FakeConnection, server: FakeServer) -> None:
        await conn.handshake()
        requests = await conn.requests(64)
        random.Random(64).shuffle(requests)
        await answer_all(conn, requests)
        await conn.serve_forever()

    async with fake_delve(scenario) as server, dlvclient.connect(server.address) as client:
        results: dict[int, str] = {}

        async def one(i: int) -> None:
            results[i] = (await client.eval(f"value-{i}")).value

        async with anyio.create_task_group() as tg:
            for i in range(64):
                tg.start_soon(one, i)
        assert results == {i: f"value-{i}" for i in range(64)}
        assert client.pending_calls == 0


@pytest.mark.parametrize("chunking", ["one-byte-writes", "random-writes-across-replies"])
async def test_replies_split_across_many_writes(chunking: str) -> None:
    """A reply may arrive in pieces, several in one read, or with blank lines between them."""

    async def scenario(conn: FakeConnection, server: FakeServer) -> None:
        await conn.handshake()
        requests = await conn.requests(16)
        blob = b"\n".join(reply_line(r.id, eval_result(r.expr)) for r in requests)
        rng = random.Random(16)
        position = 0
        while position < len(blob):
            size = 1 if chunking == "one-byte-writes" else rng.randint(1, 300)
            await conn.send(blob[position : position + size])
            position += size
            # Let the client read in between, so the pieces are separate reads.
            await anyio.lowlevel.checkpoint()
        await conn.serve_forever()

    async with fake_delve(scenario) as server, dlvclient.connect(server.address) as client:
        results: dict[int, str] = {}

        async def one(i: int) -> None:
            results[i] = (await client.eval(f"piece-{i}" * (i + 1))).value

        async with anyio.create_task_group() as tg:
            for i in range(16):
                tg.start_soon(one, i)
        assert results == {i: f"piece-{i}" * (i + 1) for i in range(16)}


@pytest.mark.slow
async def test_one_200_mb_reply() -> None:
    """A reply far larger than any buffer limit is read whole, then the session goes on."""
    size = 200 << 20

    async def scenario(conn: FakeConnection, server: FakeServer) -> None:
        await conn.handshake()
        requests = await conn.requests(2)
        big = next(r for r in requests if r.expr == "big")
        small = next(r for r in requests if r.expr == "small")
        head, tail = reply_line(big.id, eval_result(big.expr, "\0")).split(b"\\u0000")
        await conn.send(head + b"x" * size + tail)
        await conn.answer(small)
        await conn.serve_forever()

    async with fake_delve(scenario) as server, dlvclient.connect(server.address) as client:
        values: dict[str, str] = {}

        async def one(expr: str) -> None:
            values[expr] = (await client.eval(expr)).value

        async with anyio.create_task_group() as tg:
            tg.start_soon(one, "big")
            tg.start_soon(one, "small")
        assert len(values["big"]) == size
        assert values["big"].count("x") == size
        assert values["small"] == "small"
        assert (await client.eval("after")).value == "after"


# --- faults --------------------------------------------------------------------------------------


async def test_line_that_is_not_json_fails_every_pending_call() -> None:
    async def scenario(conn: FakeConnection, server: FakeServer) -> None:
        await conn.handshake()
        await conn.requests(PENDING)
        server.fault.set()
        await conn.send(b"<html>502 Bad Gateway</html>\n")
        await anyio.sleep_forever()

    async with fake_delve(scenario) as server, dlvclient.connect(server.address) as client:
        errors = await fault_outcomes(server, client)
        assert all(isinstance(e, dlvclient.ProtocolError) for e in errors), errors
        assert "not JSON" in str(errors[0])
        # The session is over; later calls say so at once instead of hanging.
        with anyio.fail_after(2), pytest.raises(dlvclient.DlvError):
            await client.eval("later")


async def test_malformed_reply_with_a_readable_id_fails_only_its_call() -> None:
    """Lines still frame replies, so a broken body costs its own call, not the session."""

    async def scenario(conn: FakeConnection, server: FakeServer) -> None:
        await conn.handshake()
        requests = await conn.requests(PENDING)
        server.fault.set()
        victim, *others = requests
        await conn.send(b'{"id":%d,"result":{"Variable":{"name":' % victim.id + b"\n")
        await answer_all(conn, others)
        await conn.serve_forever()

    async with fake_delve(scenario) as server, dlvclient.connect(server.address) as client:
        errors = await fault_outcomes(server, client)
        failed = [e for e in errors if e is not None]
        assert len(failed) == 1
        assert isinstance(failed[0], dlvclient.ProtocolError)
        assert "not valid JSON" in str(failed[0])
        assert (await client.eval("still-there")).value == "still-there"


async def test_reply_with_an_unknown_id_fails_every_pending_call() -> None:
    async def scenario(conn: FakeConnection, server: FakeServer) -> None:
        await conn.handshake()
        await conn.requests(PENDING)
        server.fault.set()
        await conn.send(reply_line(987654, eval_result("who?")))
        await anyio.sleep_forever()

    async with fake_delve(scenario) as server, dlvclient.connect(server.address) as client:
        errors = await fault_outcomes(server, client)
        assert all(isinstance(e, dlvclient.ProtocolError) for e in errors), errors
        assert "never sent (id 987654)" in str(errors[0])


async def test_eof_in_the_middle_of_a_reply() -> None:
    async def scenario(conn: FakeConnection, server: FakeServer) -> None:
        await conn.handshake()
        first, *_ = await conn.requests(PENDING)
        server.fault.set()
        line = reply_line(first.id, eval_result(first.expr))
        await conn.send(line[: len(line) // 2])
        await conn.stream.aclose()

    async with fake_delve(scenario) as server, dlvclient.connect(server.address) as client:
        errors = await fault_outcomes(server, client)
        assert all(isinstance(e, dlvclient.ConnectionClosedError) for e in errors), errors
        assert "in the middle of a reply" in str(errors[0])


async def test_server_closes_with_calls_pending() -> None:
    async def scenario(conn: FakeConnection, server: FakeServer) -> None:
        await conn.handshake()
        await conn.requests(PENDING)
        server.fault.set()
        await conn.stream.aclose()

    async with fake_delve(scenario) as server, dlvclient.connect(server.address) as client:
        errors = await fault_outcomes(server, client)
        assert all(isinstance(e, dlvclient.ConnectionClosedError) for e in errors), errors


async def test_silent_server_fails_calls_at_their_own_timeout() -> None:
    """What Delve 1.20 does after a malformed request: it reads no more and answers nothing."""

    async def scenario(conn: FakeConnection, server: FakeServer) -> None:
        await conn.handshake()
        server.fault.set()
        await anyio.sleep_forever()

    async with fake_delve(scenario) as server:
        # The hang guard spans the calls' timeout, the 2 s bound, and 2 s to close the client,
        # which must not wait for the silent server.
        with anyio.fail_after(0.5 + 2 + 2):
            async with dlvclient.connect(server.address, timeout=0.5) as client:
                async with anyio.create_task_group() as tg:
                    background = Background(tg)
                    start_evals(background, client)
                    with anyio.fail_after(0.5 + 2):
                        await background.settled()
                assert all(isinstance(e, dlvclient.DlvTimeoutError) for e in background.errors)
                assert client.pending_calls == 0


async def test_server_that_never_answers_the_handshake() -> None:
    async def scenario(conn: FakeConnection, server: FakeServer) -> None:
        await anyio.sleep_forever()

    async with fake_delve(scenario) as server:
        with anyio.fail_after(0.5 + 2), pytest.raises(dlvclient.DlvTimeoutError):
            async with dlvclient.connect(server.address, connect_timeout=0.5):
                pass


async def test_server_that_never_accepts() -> None:
    """A listener whose backlog is full (a wedged process): connecting itself hangs."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        address = listener.getsockname()
        fillers = [socket.socket() for _ in range(4)]
        try:
            for filler in fillers:
                filler.setblocking(False)
                with contextlib.suppress(BlockingIOError):
                    filler.connect(address)
            with anyio.fail_after(0.5 + 2), pytest.raises(dlvclient.DlvTimeoutError):
                async with dlvclient.connect(f"127.0.0.1:{address[1]}", connect_timeout=0.5):
                    pass
        finally:
            for filler in fillers:
                filler.close()


async def test_server_that_closes_right_after_accept() -> None:
    async def scenario(conn: FakeConnection, server: FakeServer) -> None:
        await conn.stream.aclose()

    async with fake_delve(scenario) as server:
        with anyio.fail_after(2), pytest.raises(dlvclient.ConnectionClosedError):
            async with dlvclient.connect(server.address):
                pass


async def test_garbage_instead_of_the_handshake_reply() -> None:
    async def scenario(conn: FakeConnection, server: FakeServer) -> None:
        await conn.request()
        await conn.send(b"SSH-2.0-OpenSSH_9.2\r\n")
        await anyio.sleep_forever()

    async with fake_delve(scenario) as server:
        with anyio.fail_after(2), pytest.raises(dlvclient.ProtocolError, match="not JSON"):
            async with dlvclient.connect(server.address):
                pass


async def test_reply_of_the_wrong_shape_fails_only_its_call() -> None:
    async def scenario(conn: FakeConnection, server: FakeServer) -> None:
        await conn.handshake()
        request = await conn.request()
        await conn.reply(request, {"Variable": ["not", "an", "object"]})
        await conn.serve_forever()

    async with fake_delve(scenario) as server, dlvclient.connect(server.address) as client:
        with anyio.fail_after(2), pytest.raises(dlvclient.ResponseValidationError):
            await client.eval("shape")
        assert (await client.eval("next")).value == "next"


async def test_error_reply_is_typed_and_the_session_goes_on() -> None:
    async def scenario(conn: FakeConnection, server: FakeServer) -> None:
        await conn.handshake()
        request = await conn.request()
        await conn.reply(request, error="unknown goroutine 77")
        await conn.serve_forever()

    async with fake_delve(scenario) as server, dlvclient.connect(server.address) as client:
        with anyio.fail_after(2), pytest.raises(dlvclient.UnknownGoroutineError):
            await client.eval("x", goroutine_id=77)
        assert (await client.eval("next")).value == "next"


async def test_late_reply_to_an_abandoned_call_is_dropped() -> None:
    async def scenario(conn: FakeConnection, server: FakeServer) -> None:
        await conn.handshake()
        slow = await conn.request()
        # Answer only once the client has given up on it and sent the next call.
        following = await conn.request()
        await conn.answer(slow)
        await conn.answer(following)
        await conn.serve_forever()

    async with fake_delve(scenario) as server, dlvclient.connect(server.address) as client:
        with pytest.raises(dlvclient.DlvTimeoutError):
            await client.eval("slow", timeout=0.2)
        assert (await client.eval("following")).value == "following"
        assert (await client.eval("after")).value == "after"
        assert client.pending_calls == 0


async def test_server_that_stops_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    """A peer that reads nothing makes a send block: its deadline fails the connection."""
    # The real deadline is 10 s; the mechanism, not the number, is under test.
    monkeypatch.setattr(dlvclient._connection, "_SEND_TIMEOUT", 0.5)

    async def scenario(conn: FakeConnection, server: FakeServer) -> None:
        await conn.handshake()
        await anyio.sleep_forever()

    async with fake_delve(scenario, unix=True) as server:
        async with dlvclient.connect(server.address) as client, anyio.create_task_group() as tg:
            background = Background(tg)
            start_evals(background, client, 4)
            # Far more than the socket buffers of both ends hold, so this send blocks.
            background.start(partial(client.eval, "x" * (64 << 20)))
            with anyio.fail_after(0.5 + 2):
                await background.settled()
        assert all(isinstance(e, dlvclient.TransportError) for e in background.errors)


async def test_broken_pipe_reports_why_the_server_went_away() -> None:
    """dlv exiting at start-up breaks the pipe of the first request about as often as it ends
    the stream: both must give the same explanation (its exit status and stderr)."""
    why = dlvclient.InvalidTargetError("dlv could not open the executable or the core")

    async def closed_reason() -> DlvError:
        return why

    # A peer that has exited: the request breaks the pipe before any reply is read.
    ours, peer = socket.socketpair()
    peer.close()
    conn = Connection(ours, closed_reason=closed_reason)
    with anyio.fail_after(2), pytest.raises(dlvclient.InvalidTargetError) as caught:
        await (await conn.start("GetVersion", {})).reply()
    assert caught.value is why
    assert conn.pending == 0
    assert conn.closed


async def test_stack_replies_are_judged_when_their_frames_are_read() -> None:
    """A stack's frames are validated when read: a malformed one raises there, typed, and a
    goroutine Delve cannot unwind comes with its error while the walk goes on."""

    async def scenario(conn: FakeConnection, server: FakeServer) -> None:
        await conn.handshake()
        listing = await conn.request()
        assert listing.method == "ListGoroutines"
        goroutines = [{"id": 1}, {"id": 2}, {"id": 3}]
        await conn.reply(listing, {"Goroutines": goroutines, "Nextg": -1})
        stacks = await conn.requests(3)
        frame = {"pc": 1, "file": "main.go", "line": 3, "function": {"name": "main.main"}}
        await conn.reply(stacks[0], {"Locations": [frame]})
        await conn.reply(stacks[1], {"Locations": "not a list"})
        await conn.reply(stacks[2], error="could not unwind")
        await conn.serve_forever()

    async with fake_delve(scenario) as server, dlvclient.connect(server.address) as client:
        first, malformed, broken = [s async for s in client.goroutine_stacks()]
        assert [f.function_name for f in first.frames] == ["main.main"]
        assert malformed.error is None
        with pytest.raises(dlvclient.ResponseValidationError):
            malformed.frames  # noqa: B018
        assert isinstance(broken.error, dlvclient.DelveReplyError)
        assert broken.frames == []
        assert "could not unwind" in str(broken.error)
        goroutine, frames = first
        assert goroutine.id == 1
        assert frames == first.frames
