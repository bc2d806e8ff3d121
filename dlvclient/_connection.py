"""One JSON-RPC connection to a Delve server: pipelined calls, replies matched by id."""

from __future__ import annotations

import math
import socket
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, NoReturn

import anyio

from ._codec import RequestEncoder, reply_id
from ._errors import (
    ClientClosedError,
    ConnectionClosedError,
    DlvError,
    DlvTimeoutError,
    ProtocolError,
    TransportError,
)
from ._transport import LineBuffer

__all__ = ["Connection", "PendingCall"]

# Big enough that an 80 MB reply is read in few system calls, small enough not to matter.
_READ_SIZE = 1 << 20
# Replies taken without waiting between two checks for a pending cancellation.
_READY_PER_CHECKPOINT = 16
# Reads in a row before the reader lets other tasks run: a long reply must not starve them.
_READS_PER_WAKEUP = 16
# A request is a few hundred bytes; a send that takes this long means the peer stopped reading.
_SEND_TIMEOUT = 10.0


async def _raise(error: DlvError) -> NoReturn:
    """Raise ``error`` to a caller, unless the caller is being cancelled.

    Cancelling a session fails its connection; a call cancelled with it must end with its
    cancellation, not with the failure that follows.
    """
    await anyio.lowlevel.checkpoint_if_cancelled()
    raise error


class PendingCall:
    """A request that was sent; await :meth:`reply` for its raw reply line.

    The call holds only its own state; when and by whom the socket is read is the
    connection's business (:meth:`Connection.wait`).
    """

    __slots__ = ("_conn", "_event", "done", "error", "id", "line", "method")

    def __init__(self, conn: Connection, request_id: int, method: str) -> None:
        self._conn = conn
        self.id = request_id
        self.method = method
        self.line: bytes | None = None
        self.error: DlvError | None = None
        #: True once the reply (or the connection's failure) is in.
        self.done = False
        # Made only when someone has to wait: pipelined replies are mostly in before they are
        # asked for.
        self._event: anyio.Event | None = None

    def finish(self, line: bytes | None, error: DlvError | None) -> None:
        """Record the reply (or the error that ends the call) and wake its waiter."""
        self.line, self.error, self.done = line, error, True
        self.wake()

    def alarm(self) -> anyio.Event:
        """A new event, set when this call's reply is in or it is its turn to read."""
        self._event = event = anyio.Event()
        return event

    def wake(self) -> None:
        """Wake the task waiting for this call, if one is."""
        if self._event is not None:
            self._event.set()

    async def reply(self, timeout: float | None = None) -> bytes:
        """Wait for the reply; on timeout or cancellation the call is abandoned."""
        return await self._conn.wait(self, timeout)

    def abandon(self) -> None:
        """Give up on the reply: it will be dropped when it arrives."""
        self._conn._abandon(self)


class Connection:
    """Pipelined JSON-RPC over one connected socket.

    Any number of tasks may call :meth:`start` at once. Delve answers some methods out of
    order, so replies are matched to callers by id. When the socket closes, every pending call
    fails at once with the error ``closed_reason`` builds (the launcher adds dlv's exit status).

    The socket is used directly (non-blocking, waiting through anyio only when the kernel
    says so): a request the kernel takes at once costs no trip through the event loop. There
    is no reader task: a caller whose reply is not in reads the socket itself, dispatching
    every reply it meets, until its own arrives, and then hands reading on to another caller
    still waiting. A reply thus reaches its caller with no task switch in between.
    """

    def __init__(
        self,
        sock: socket.socket,
        *,
        closed_reason: Callable[[], Awaitable[DlvError]] | None = None,
    ) -> None:
        sock.setblocking(False)
        self._sock = sock
        self._closed_reason = closed_reason
        self._encoder = RequestEncoder()
        self._pending: dict[Any, PendingCall] = {}
        # Ids of calls whose caller gave up (timeout, cancellation): their late replies are dropped.
        self._abandoned: set[Any] = set()
        # Held while a request is only partly written, so the next one waits its turn.
        self._send_lock = anyio.Lock()
        self._error: DlvError | None = None
        self._buffer = LineBuffer()
        # Read into one buffer for the connection's life: recv() would allocate (and the
        # allocator map and unmap) a buffer of _READ_SIZE for every read, however short.
        self._chunk = memoryview(bytearray(_READ_SIZE))
        # The call whose task is reading the socket, and the calls waiting for a reply.
        self._reader: PendingCall | None = None
        self._waiting: set[PendingCall] = set()
        #: Replies that were in before their caller asked for them.
        self.ready_replies = 0

    @property
    def closed(self) -> bool:
        """True once the connection failed or was closed."""
        return self._error is not None

    @property
    def pending(self) -> int:
        """Calls sent whose replies have not arrived."""
        return len(self._pending)

    async def start(self, method: str, params: Mapping[str, Any]) -> PendingCall:
        """Send ``RPCServer.<method>`` and return the call without waiting for its reply."""
        return (await self._start(method, [self._encoder.encode(method, params)]))[0]

    async def start_many(
        self, method: str, params: Mapping[str, Any], key: str, values: Iterable[int]
    ) -> list[PendingCall]:
        """Send ``RPCServer.<method>`` once per value, as ``params[key]``, all in one write."""
        return await self._start(method, self._encoder.encode_many(method, params, key, values))

    async def _start(self, method: str, requests: list[tuple[int, bytes]]) -> list[PendingCall]:
        if self._error is not None:
            await _raise(self._error)
        calls = [PendingCall(self, request_id, method) for request_id, _ in requests]
        for call in calls:
            self._pending[call.id] = call
        try:
            await self._send(b"".join(data for _, data in requests))
        except BaseException:
            # Not written (cancelled while waiting its turn, or the connection failed): no
            # reply will come, so their ids must not wait among the abandoned ones forever.
            for call in calls:
                self._pending.pop(call.id, None)
            raise
        return calls

    async def wait(self, call: PendingCall, timeout: float | None = None) -> bytes:
        """The raw reply line of ``call``, or its error; abandoned on timeout or cancellation.

        The one place that decides who reads the socket: a caller whose reply is not in reads
        it (dispatching every reply it meets) unless another already does; then it sleeps
        until the reader hands it its reply, or its turn to read.
        """
        if call.done:
            # No deadline to arm. A pending cancellation is honoured within a few calls: checking
            # for one costs more than taking a reply that is already in.
            self.ready_replies += 1
            if self.ready_replies % _READY_PER_CHECKPOINT == 0:
                await anyio.lowlevel.checkpoint_if_cancelled()
        else:
            await self._wait_unfinished(call, timeout)
        if call.error is not None:
            await _raise(call.error)
        assert call.line is not None
        return call.line

    async def _wait_unfinished(self, call: PendingCall, timeout: float | None) -> None:
        # A scope of its own, not fail_after: this is every call's cost, and fail_after's
        # generator costs more than the scope (anyio 4).
        deadline = math.inf if timeout is None else anyio.current_time() + timeout
        try:
            with anyio.CancelScope(deadline=deadline) as scope:
                while not call.done:
                    if self._reader is None:
                        # Nobody reads the socket: this caller does, until its reply is in.
                        await self._read_for(call)
                    else:
                        # Whoever reads wakes this call when its reply is in, or when it is
                        # this call's turn to read.
                        event = call.alarm()
                        self._waiting.add(call)
                        try:
                            await event.wait()
                        finally:
                            self._waiting.discard(call)
        finally:
            if not call.done:
                call.abandon()
            if self._reader is None:
                self._pass_reading_on()
        if scope.cancelled_caught and not call.done:
            raise DlvTimeoutError(
                f"{call.method} got no reply within {timeout} s; pass a larger timeout, or "
                f"check that dlv is still serving (Delve before 1.26.1 stops reading a "
                f"connection after a malformed request)"
            )

    def _abandon(self, call: PendingCall) -> None:
        if self._pending.pop(call.id, None) is not None and self._error is None:
            self._abandoned.add(call.id)

    async def _send(self, data: bytes) -> None:
        try:
            if self._send_lock.locked():
                # Another request is half written: nothing of this one is out yet, so waiting
                # for the lock may be cancelled.
                async with self._send_lock:
                    await self._send_all(memoryview(data))
            else:
                rest = self._send_some(memoryview(data))
                if rest:
                    # No checkpoint since the lock was seen free, so this cannot wait.
                    self._send_lock.acquire_nowait()
                    try:
                        await self._send_all(rest)
                    finally:
                        self._send_lock.release()
        except (anyio.BrokenResourceError, anyio.ClosedResourceError, OSError) as exc:
            # dlv exiting at startup breaks the pipe as often as it ends the stream: either
            # way, why it went (its exit status, its stderr) is the error.
            if self._closed_reason is not None and self._error is None:
                error = await self._closed_reason()
            else:
                error = ConnectionClosedError(f"could not send to dlv: {exc!r}")
            self._fail(error)
        if self._error is not None:
            await _raise(self._error)

    def _send_some(self, data: memoryview) -> memoryview:
        """Write what the kernel takes now; return the rest."""
        try:
            return data[self._sock.send(data) :]
        except BlockingIOError:
            return data

    async def _send_all(self, data: memoryview) -> None:
        # A request cut in half by a cancellation would desynchronise Delve's decoder for every
        # later call, so the rest is written shielded; its own deadline still bounds it.
        with anyio.move_on_after(_SEND_TIMEOUT, shield=True) as scope:
            data = self._send_some(data)
            while data:
                await anyio.wait_writable(self._sock)
                data = self._send_some(data)
        if scope.cancelled_caught:
            self._fail(TransportError(f"dlv did not read a request for {_SEND_TIMEOUT} s"))

    async def _read_for(self, call: PendingCall) -> None:
        """Read and dispatch replies until ``call`` has its own (or the connection fails)."""
        self._reader = call
        buffer = self._buffer
        try:
            while not call.done:
                await anyio.wait_readable(self._sock)
                # Up to a few reads per wake-up, so a long reply cannot starve other tasks; a
                # short read means the socket is drained, so no read is made to learn that.
                for _ in range(_READS_PER_WAKEUP):
                    try:
                        size = self._sock.recv_into(self._chunk)
                    except BlockingIOError:
                        break
                    if not size:
                        raise anyio.EndOfStream
                    for line in buffer.feed(self._chunk[:size].tobytes()):
                        self._dispatch(line)
                    if size < _READ_SIZE:
                        break
        except (anyio.EndOfStream, anyio.BrokenResourceError, OSError):
            if self._error is None:
                self._fail(await self._lost_reason())
        except anyio.ClosedResourceError:
            self._fail(ClientClosedError("the connection was closed"))
        except ProtocolError as exc:
            self._fail(exc)
        finally:
            self._reader = None
            self._pass_reading_on()

    async def _lost_reason(self) -> DlvError:
        if self._buffer.buffered:
            return ConnectionClosedError(
                f"the connection closed in the middle of a reply ({self._buffer.buffered} bytes)"
            )
        if self._closed_reason is not None:
            return await self._closed_reason()
        return ConnectionClosedError("the Delve server closed the connection")

    def _pass_reading_on(self) -> None:
        """Wake one caller still waiting for its reply, to read in its turn."""
        for waiter in self._waiting:
            if not waiter.done:
                waiter.wake()
                return

    def _dispatch(self, line: bytes) -> None:
        if not line or line.isspace():
            return
        request_id = reply_id(line)
        call = self._pending.pop(request_id, None)
        if call is not None:
            call.finish(line, None)
        elif request_id in self._abandoned:
            self._abandoned.discard(request_id)
        else:
            raise ProtocolError(
                f"the server answered a request that was never sent (id {request_id!r})"
            )

    def _fail(self, error: DlvError) -> None:
        """Fail every pending call with ``error`` and close the socket."""
        if self._error is None:
            self._error = error
        for call in self._pending.values():
            call.finish(None, self._error)
        self._pending.clear()
        self._abandoned.clear()
        if self._sock.fileno() >= 0:
            # Wakes the caller reading (and one writing) before the socket goes.
            anyio.notify_closing(self._sock)
            self._sock.close()

    async def aclose(self, reason: DlvError | None = None) -> None:
        """Close the connection; pending calls fail with ``reason``."""
        self._fail(reason or ClientClosedError("the client is closed"))
