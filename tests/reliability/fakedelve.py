"""A fake Delve server that misbehaves on purpose: for fault injection only.

Everything the client does against a real core is tested against a real dlv; this server only
exists to produce the faults a real dlv produces rarely or never on demand (replies out of
order or cut in pieces, a 200 MB line, garbage, an unknown id, EOF mid-reply, silence).

A scenario is an async function given a :class:`FakeConnection` for each accepted client. It
reads requests and writes whatever it likes; :meth:`FakeConnection.handshake` answers the
``GetVersion`` every client sends first, as Delve 1.27.2 would.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio
from anyio.abc import SocketStream

__all__ = ["FakeConnection", "FakeServer", "Request", "Scenario", "fake_delve", "reply_line"]

VERSION = {
    "DelveVersion": "Version: 1.27.2\nBuild: $Id: 360e7b2181d3da54115aaee4f569954bca95cfe3 $",
    "APIVersion": 2,
    "Backend": "core",
    "TargetGoVersion": "Go cmd/compile go1.26.8",
    "MinSupportedVersionOfGo": "1.25.0",
    "MaxSupportedVersionOfGo": "1.27.0",
}


@dataclass(frozen=True)
class Request:
    """One request as the client sent it."""

    id: Any
    method: str
    params: dict[str, Any]

    @property
    def expr(self) -> str:
        """The expression of an ``Eval`` request."""
        return str(self.params["Expr"])


def reply_line(request_id: Any, result: Any = None, error: str | None = None) -> bytes:
    """A reply as Go's json.Encoder writes it: id first, then result and error, one line."""
    body = {"id": request_id, "result": result, "error": error}
    return json.dumps(body, separators=(",", ":")).encode() + b"\n"


def eval_result(expr: str, value: str | None = None) -> dict[str, Any]:
    """An ``Eval`` result whose value is ``value`` (by default the expression itself)."""
    return {"Variable": {"name": expr, "kind": 24, "type": "string", "value": value or expr}}


class FakeConnection:
    """The server side of one client connection."""

    def __init__(self, stream: SocketStream) -> None:
        self.stream = stream
        self._lines: deque[bytes] = deque()
        self._partial = b""

    async def request(self) -> Request:
        """The next request; raises ``anyio.EndOfStream`` when the client hung up."""
        while not self._lines:
            data = self._partial + await self.stream.receive()
            *complete, self._partial = data.split(b"\n")
            self._lines.extend(line for line in complete if line.strip())
        message = json.loads(self._lines.popleft())
        params = message.get("params") or [{}]
        return Request(message["id"], message["method"].removeprefix("RPCServer."), params[0])

    async def requests(self, count: int) -> list[Request]:
        """The next ``count`` requests."""
        return [await self.request() for _ in range(count)]

    async def send(self, data: bytes) -> None:
        await self.stream.send(data)

    async def reply(self, request: Request, result: Any = None, error: str | None = None) -> None:
        await self.send(reply_line(request.id, result, error))

    async def answer(self, request: Request) -> None:
        """Answer the way a healthy server would: ``Eval`` echoes its expression."""
        if request.method == "GetVersion":
            await self.reply(request, VERSION)
        elif request.method == "Eval":
            await self.reply(request, eval_result(request.expr))
        else:
            await self.reply(request, error=f"unknown method: RPCServer.{request.method}")

    async def handshake(self) -> None:
        """Answer the client's first request, the ``GetVersion`` every session starts with."""
        request = await self.request()
        assert request.method == "GetVersion", request
        await self.answer(request)

    async def serve_forever(self) -> None:
        """Behave from now on."""
        while True:
            await self.answer(await self.request())


@dataclass
class FakeServer:
    """A listening fake: ``address`` is what to pass to ``dlvclient.connect``."""

    address: str
    #: Set by a scenario right before it misbehaves, so a test can time the fallout.
    fault: anyio.Event = field(default_factory=anyio.Event)


Scenario = Callable[[FakeConnection, FakeServer], Awaitable[None]]


@asynccontextmanager
async def fake_delve(scenario: Scenario, *, unix: bool = False) -> AsyncIterator[FakeServer]:
    """Serve ``scenario`` for the duration of the block, on a loopback port or a unix socket.

    On asyncio a TCP server stream reads all it is sent into memory whether or not the
    scenario asks; a unix one reads only when asked, as Delve does: use it where a server that
    stops reading matters.
    """
    with tempfile.TemporaryDirectory(prefix="fakedelve-") as tmp:
        if unix:
            path = os.path.join(tmp, "dlv.sock")
            listener: anyio.abc.Listener[Any] = await anyio.create_unix_listener(path)
            server = FakeServer(path)
        else:
            listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=0)
            port = listener.extra(anyio.abc.SocketAttribute.local_port)
            server = FakeServer(f"127.0.0.1:{port}")
        async with _serving(listener, scenario, server):
            yield server


@asynccontextmanager
async def _serving(
    listener: anyio.abc.Listener[Any], scenario: Scenario, server: FakeServer
) -> AsyncIterator[None]:

    async def handle(stream: SocketStream) -> None:
        # The client hanging up ends a scenario: what it did up to then is what counts.
        hung_up = (anyio.EndOfStream, anyio.BrokenResourceError, anyio.ClosedResourceError)
        async with stream:
            with contextlib.suppress(*hung_up):
                await scenario(FakeConnection(stream), server)

    async with listener, anyio.create_task_group() as tg:
        tg.start_soon(listener.serve, handle)
        try:
            yield
        finally:
            tg.cancel_scope.cancel()
