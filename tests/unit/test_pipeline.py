"""Pipelining (dlvclient._pipeline) over a real Connection, against an echoing peer socket."""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator, Sequence
from contextlib import aclosing, asynccontextmanager

import anyio
import anyio.lowlevel
import pytest

from dlvclient._connection import Connection, PendingCall
from dlvclient._pipeline import InFlight, pipelined
from dlvclient._transport import LineBuffer

pytestmark = pytest.mark.anyio


class Echo:
    """The far end of the connection: answers each request with its params, in order, and
    records how many requests were unanswered at most (what the window bounds)."""

    def __init__(self, sock: socket.socket) -> None:
        sock.setblocking(False)
        self.sock = sock
        self.received = 0
        self.answered = 0
        self.most_unanswered = 0

    async def serve(self) -> None:
        buffer = LineBuffer()
        while True:
            await anyio.wait_readable(self.sock)
            data = self.sock.recv(1 << 16)
            if not data:
                return
            lines = buffer.feed(data)
            self.received += len(lines)
            self.most_unanswered = max(self.most_unanswered, self.received - self.answered)
            for line in lines:
                request = json.loads(line)
                reply = {"id": request["id"], "result": request["params"][0], "error": None}
                await anyio.wait_writable(self.sock)
                self.sock.sendall(json.dumps(reply).encode() + b"\n")
                self.answered += 1
                # Let the client read: it must not send past its window meanwhile.
                await anyio.lowlevel.checkpoint()


@asynccontextmanager
async def connected() -> AsyncIterator[tuple[Connection, Echo]]:
    ours, theirs = socket.socketpair()
    echo = Echo(theirs)
    conn = Connection(ours)
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(echo.serve)
            try:
                yield conn, echo
            finally:
                await conn.aclose()
                tg.cancel_scope.cancel()
    finally:
        theirs.close()


def starter(conn: Connection, chunks: list[int]) -> object:
    async def start(items: Sequence[int]) -> list[PendingCall]:
        chunks.append(len(items))
        return await conn.start_many("Echo", {}, "N", list(items))

    return start


def value(line: bytes) -> int:
    return int(json.loads(line)["result"]["N"])


async def test_replies_come_in_order_with_at_most_window_in_flight() -> None:
    chunks: list[int] = []
    async with connected() as (conn, echo):
        groups = [range(0, 100), range(100, 150), [], range(150, 400)]
        seen = [
            (item, value(line))
            async for item, line in pipelined(
                groups,
                starter(conn, chunks),
                window=16,
                batch=8,  # type: ignore[arg-type]
            )
        ]
    assert seen == [(n, n) for n in range(400)]
    assert echo.most_unanswered <= 16
    # After the first fill, calls go out once half the window is free, half a window at once;
    # only the end of a group makes a smaller chunk.
    assert chunks[0] == 16
    assert max(chunks) == 16
    assert len([size for size in chunks if size < 8]) <= 3
    assert sum(chunks) == 400


async def test_items_are_read_only_as_the_window_has_room() -> None:
    asked: list[int] = []

    async def groups() -> AsyncIterator[list[int]]:
        for start in range(0, 1000, 10):
            asked.append(start)
            yield list(range(start, start + 10))

    async with connected() as (conn, _):
        replies = pipelined(groups(), starter(conn, []), window=4)  # type: ignore[arg-type]
        async with aclosing(replies):
            async for item, _line in replies:
                if item == 5:
                    break
    assert asked == [0]


async def test_stopping_early_abandons_what_is_in_flight() -> None:
    async with connected() as (conn, _):
        replies = pipelined([range(50)], starter(conn, []), window=8)  # type: ignore[arg-type]
        async with aclosing(replies):
            async for item, _line in replies:
                if item == 3:
                    break
        assert conn.pending == 0  # nobody waits for the rest
        # Their late replies are dropped, and the connection goes on.
        call = await conn.start("Echo", {"N": 99})
        assert value(await call.reply(5)) == 99


async def test_in_flight_abandons_on_error() -> None:
    async with connected() as (conn, _):
        calls = InFlight[int]()

        async def fail() -> None:
            with calls:
                calls.extend([1, 2, 3], await conn.start_many("Echo", {}, "N", [1, 2, 3]))
                assert value((await calls.next(5))[1]) == 1
                raise RuntimeError

        with pytest.raises(RuntimeError):
            await fail()
        assert not calls
        assert conn.pending == 0


@pytest.mark.parametrize(("window", "batch"), [(0, 1), (4, 0), (4, 5)])
async def test_window_and_batch_are_checked(window: int, batch: int) -> None:
    async with connected() as (conn, _):
        replies = pipelined([[1]], starter(conn, []), window=window, batch=batch)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="batch <= window"):
            await replies.__anext__()
