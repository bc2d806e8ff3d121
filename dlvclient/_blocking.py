"""The blocking clients: each method runs its :class:`~dlvclient.AsyncClient` namesake in the
event loop thread of a session's anyio portal, and async iterators become generators.

Imported by :mod:`dlvclient.sync` only when a session has started: loading the async client's
modules here would delay starting dlv.
"""

from __future__ import annotations

import functools
import queue
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar, overload

import anyio
from anyio.from_thread import BlockingPortal

from ._client import AsyncClient
from ._errors import ClientClosedError
from ._live import LiveClient as AsyncLiveClient
from ._models import VersionInfo
from ._target_output import OutputChunk, TargetOutput
from ._version import Feature, Version

__all__ = ["Client", "LiveClient", "Output"]

P = ParamSpec("P")
R = TypeVar("R")
# How many items of an async iterator cross the thread boundary at once. One per item would
# cost a thread hand-off each; too many keep the two threads taking turns instead of working
# at once. Items that take the event loop long to make (stacks) come in small batches.
_BATCH = 256
_SMALL_BATCH = 16
# Batches the event loop may fetch before the thread using them has taken them.
_AHEAD = 4


class _Blocking(Generic[P, R]):
    """Descriptor: an ``AsyncClient`` coroutine method, as a blocking method of ``Client``."""

    def __init__(self, method: Callable[Concatenate[Any, P], Awaitable[R]]) -> None:
        self._method = method

    @overload
    def __get__(self, client: None, owner: type[Client]) -> _Blocking[P, R]: ...
    @overload
    def __get__(self, client: Client, owner: type[Client]) -> Callable[P, R]: ...
    def __get__(self, client: Client | None, owner: type[Client]) -> Any:
        if client is None:
            return self
        method = self._method

        @functools.wraps(method)
        def call(*args: P.args, **kwargs: P.kwargs) -> R:
            return client._run(method, client._async, *args, **kwargs)

        return call


class _BlockingIter(Generic[P, R]):
    """Descriptor: an ``AsyncClient`` async-iterator method, as a generator method.

    The generator runs a few batches ahead of its caller (:class:`_Pump`), or, ``on_demand``,
    fetches each item only when asked: for iterators that act on the target (each step of
    ``stops`` resumes it), running ahead would resume the target while the caller still looks
    at the last stop.
    """

    def __init__(
        self,
        method: Callable[Concatenate[Any, P], AsyncIterator[R]],
        *,
        batch: int = _BATCH,
        on_demand: bool = False,
    ) -> None:
        self._method = method
        self._batch = batch
        self._on_demand = on_demand

    @overload
    def __get__(self, client: None, owner: type[Client]) -> _BlockingIter[P, R]: ...
    @overload
    def __get__(self, client: Client, owner: type[Client]) -> Callable[P, Iterator[R]]: ...
    def __get__(self, client: Client | None, owner: type[Client]) -> Any:
        if client is None:
            return self
        method, size, on_demand = self._method, self._batch, self._on_demand

        @functools.wraps(method)
        def iterate(*args: P.args, **kwargs: P.kwargs) -> Iterator[R]:
            agen = method(client._async, *args, **kwargs)
            return _on_demand(client, agen) if on_demand else _ahead(client, agen, size)

        return iterate


def _ahead(client: Client, agen: AsyncIterator[R], size: int) -> Iterator[R]:
    pump = _Pump(client._portal, agen, size)
    try:
        while batch := pump.next_batch():
            # Handed out one by one and forgotten here, so each item (and the frames read from
            # it) dies as soon as the caller drops it.
            batch.reverse()
            while batch:
                yield batch.pop()
    finally:
        pump.close(wait=not client._portal_closed)


class _Pump(Generic[R]):
    """Runs an async iterator in the portal's thread, a few batches ahead of the thread using it.

    While this thread works through a batch, the event loop fetches the next ones, so neither
    waits for the other; at most ``_AHEAD + 1`` batches exist at once. A thread wakes the other
    only when that one waits: the event loop for a batch to be taken, this thread for a batch.
    """

    def __init__(self, portal: BlockingPortal, agen: AsyncIterator[R], size: int) -> None:
        self._portal = portal
        self._size = size
        # The batches, an empty one at the end; or the error that ends the iteration.
        self._batches: queue.SimpleQueue[tuple[list[R], BaseException | None]]
        self._batches = queue.SimpleQueue()
        # Batches fetched and batches taken: each count is written by one thread only.
        self._fetched = 0
        self._taken = 0
        # Set while the event loop waits for a batch to be taken.
        self._room: anyio.Event | None = None
        self._done = threading.Event()
        self._future = portal.start_task_soon(self._run, agen)

    async def _run(self, agen: AsyncIterator[R]) -> None:
        ended = False
        try:
            while True:
                try:
                    batch = await _next_batch(agen, self._size)
                except Exception as exc:
                    ended = True
                    self._batches.put(([], exc))
                    return
                self._batches.put((batch, None))
                self._fetched += 1
                if not batch:
                    ended = True
                    return
                while self._fetched - self._taken >= _AHEAD:
                    self._room = room = anyio.Event()
                    # A batch taken before the event was in place woke nobody: look again.
                    if self._fetched - self._taken < _AHEAD:
                        break
                    await room.wait()
                self._room = None
        finally:
            if not ended:  # cancelled: whoever still waits for a batch must not wait forever
                self._batches.put(([], ClientClosedError("the session closed")))
            with anyio.CancelScope(shield=True):
                await agen.aclose()  # type: ignore[attr-defined]
            self._done.set()

    def next_batch(self) -> list[R]:
        """The next batch; an empty list once the iterator is done."""
        batch, error = self._batches.get()
        if error is not None:
            raise error
        self._taken += 1
        room = self._room
        if room is not None:
            self._portal.start_task_soon(_set, room)
        return batch

    def close(self, *, wait: bool) -> None:
        """Stop fetching and close the iterator; ``wait`` until that is done."""
        self._future.cancel()
        if wait:
            self._done.wait()


async def _set(event: anyio.Event) -> None:
    event.set()


async def _next_batch(agen: AsyncIterator[R], size: int) -> list[R]:
    """Up to ``size`` items; an empty list once the iterator is done."""
    items: list[R] = []
    for _ in range(size):
        try:
            items.append(await agen.__anext__())
        except StopAsyncIteration:
            break
    return items


class Client:
    """The blocking twin of :class:`~dlvclient.AsyncClient`; get one from
    :func:`~dlvclient.sync.open_core`.

    Ctrl-C during a call cancels that call and leaves the session usable.
    """

    def __init__(self, portal: BlockingPortal, client: AsyncClient) -> None:
        self._portal = portal
        self._async = client
        self._portal_closed = False

    def _run(self, fn: Callable[..., Awaitable[R]], *args: Any, **kwargs: Any) -> R:
        future = self._portal.start_task_soon(functools.partial(fn, *args, **kwargs))
        try:
            return future.result()
        except BaseException:
            future.cancel()  # Ctrl-C: cancel the call in the event loop thread too
            raise

    @property
    def async_client(self) -> AsyncClient:
        """The async client this one drives (use it only from the portal's thread)."""
        return self._async

    @property
    def version_info(self) -> VersionInfo | None:
        """See :attr:`AsyncClient.version_info`."""
        return self._async.version_info

    @property
    def server_version(self) -> Version | None:
        """See :attr:`AsyncClient.server_version`."""
        return self._async.server_version

    @property
    def target_go_version(self) -> Version | None:
        """See :attr:`AsyncClient.target_go_version`."""
        return self._async.target_go_version

    def supports(self, feature: Feature | str) -> bool:
        """See :meth:`AsyncClient.supports`."""
        return self._async.supports(feature)

    def require(self, feature: Feature | str) -> None:
        """See :meth:`AsyncClient.require`."""
        self._async.require(feature)

    call = _Blocking(AsyncClient.call)
    version = _Blocking(AsyncClient.version)
    state = _Blocking(AsyncClient.state)
    pid = _Blocking(AsyncClient.pid)
    build_id = _Blocking(AsyncClient.build_id)
    targets = _Blocking(AsyncClient.targets)
    detach = _Blocking(AsyncClient.detach)
    goroutines = _BlockingIter(AsyncClient.goroutines)
    group_goroutines = _Blocking(AsyncClient.group_goroutines)
    goroutine = _Blocking(AsyncClient.goroutine)
    threads = _Blocking(AsyncClient.threads)
    thread = _Blocking(AsyncClient.thread)
    switch_thread = _Blocking(AsyncClient.switch_thread)
    stacktrace = _Blocking(AsyncClient.stacktrace)
    goroutine_stacks = _BlockingIter(AsyncClient.goroutine_stacks, batch=_SMALL_BATCH)
    ancestors = _Blocking(AsyncClient.ancestors)
    eval = _Blocking(AsyncClient.eval)
    locals = _Blocking(AsyncClient.locals)
    args = _Blocking(AsyncClient.args)
    package_vars = _Blocking(AsyncClient.package_vars)
    load_more = _Blocking(AsyncClient.load_more)
    examine_memory = _Blocking(AsyncClient.examine_memory)
    registers = _Blocking(AsyncClient.registers)
    disassemble = _Blocking(AsyncClient.disassemble)
    sources = _Blocking(AsyncClient.sources)
    functions = _Blocking(AsyncClient.functions)
    types = _Blocking(AsyncClient.types)
    type_info = _Blocking(AsyncClient.type_info)
    find_location = _Blocking(AsyncClient.find_location)
    dynamic_libraries = _Blocking(AsyncClient.dynamic_libraries)
    build_info = _Blocking(AsyncClient.build_info)
    go_build_info = _Blocking(AsyncClient.go_build_info)
    crash_report = _Blocking(AsyncClient.crash_report)
    waits = _Blocking(AsyncClient.waits)


def _on_demand(client: Client, agen: AsyncIterator[R]) -> Iterator[R]:
    try:
        while True:
            try:
                yield client._run(agen.__anext__)
            except StopAsyncIteration:
                return
    finally:
        if not client._portal_closed:
            client._run(agen.aclose)  # type: ignore[attr-defined]


class Output:
    """The blocking view of :class:`~dlvclient.TargetOutput`: ``for chunk in client.output``."""

    def __init__(self, client: Client, output: TargetOutput) -> None:
        self._client = client
        self._output = output

    def __iter__(self) -> Iterator[OutputChunk]:
        return _on_demand(self._client, self._output.__aiter__())

    def read_nowait(self) -> list[OutputChunk]:
        """See :meth:`TargetOutput.read_nowait`."""
        return self._client._run(_return, self._output.read_nowait)


async def _return(fn: Callable[[], R]) -> R:
    return fn()


class LiveClient(Client):
    """The blocking twin of :class:`~dlvclient.LiveClient`; get one from
    :func:`~dlvclient.sync.launch`, :func:`~dlvclient.sync.attach`,
    :func:`~dlvclient.sync.debug` or :func:`~dlvclient.sync.test`.

    :meth:`halt` may be called from another thread while :meth:`continue_` blocks. Callbacks
    (``progress=`` of :meth:`dump`, ``on_output=`` of the openers) run in the event loop's
    thread, not the caller's: they must be quick and thread-safe.
    """

    _async: AsyncLiveClient

    @property
    def async_client(self) -> AsyncLiveClient:
        """The async client this one drives (use it only from the portal's thread)."""
        return self._async

    @property
    def output(self) -> Output:
        """The target's stdout and stderr; iterating waits for each next chunk."""
        return Output(self, self._async.output)

    @property
    def running(self) -> bool:
        """See :attr:`dlvclient.LiveClient.running`."""
        return self._async.running

    @property
    def attached(self) -> bool:
        """See :attr:`dlvclient.LiveClient.attached`."""
        return self._async.attached

    @property
    def exit_status(self) -> int | None:
        """See :attr:`dlvclient.LiveClient.exit_status`."""
        return self._async.exit_status

    continue_ = _Blocking(AsyncLiveClient.continue_)
    next = _Blocking(AsyncLiveClient.next)
    step = _Blocking(AsyncLiveClient.step)
    step_out = _Blocking(AsyncLiveClient.step_out)
    step_instruction = _Blocking(AsyncLiveClient.step_instruction)
    halt = _Blocking(AsyncLiveClient.halt)
    stops = _BlockingIter(AsyncLiveClient.stops, on_demand=True)
    restart = _Blocking(AsyncLiveClient.restart)
    create_breakpoint = _Blocking(AsyncLiveClient.create_breakpoint)
    create_watchpoint = _Blocking(AsyncLiveClient.create_watchpoint)
    breakpoints = _Blocking(AsyncLiveClient.breakpoints)
    breakpoint = _Blocking(AsyncLiveClient.breakpoint)
    clear_breakpoint = _Blocking(AsyncLiveClient.clear_breakpoint)
    toggle_breakpoint = _Blocking(AsyncLiveClient.toggle_breakpoint)
    amend_breakpoint = _Blocking(AsyncLiveClient.amend_breakpoint)
    set_variable = _Blocking(AsyncLiveClient.set_variable)
    call_function = _Blocking(AsyncLiveClient.call_function)
    dump = _Blocking(AsyncLiveClient.dump)
    pid = _Blocking(AsyncLiveClient.pid)
