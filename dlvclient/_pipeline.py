"""Pipelining: many calls in flight on one connection, their replies taken in order.

Delve answers each call in turn, so a caller that waits for every reply before sending the
next leaves Delve idle for a round trip each time. :func:`pipelined` keeps up to ``window``
calls unanswered and yields their replies in the order the calls were made;
:class:`InFlight` is the queue underneath, for a loop whose next call depends on a reply
(paging). Either way, calls still unanswered when the consumer stops are abandoned: their
late replies are dropped by the connection, and nothing waits for them.

>>> async with aclosing(pipelined(pages, start_stacks, window=64, batch=32)) as replies:
...     async for goroutine, line in replies:
...         ...
"""

from __future__ import annotations

from collections import deque
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    Awaitable,
    Callable,
    Iterable,
    Sequence,
)
from types import TracebackType
from typing import Generic, TypeVar

from ._connection import PendingCall

__all__ = ["InFlight", "pipelined"]

T = TypeVar("T")


class InFlight(Generic[T]):
    """Calls sent and not yet taken, oldest first, each with the item it was made for.

    Use it as a context manager: on the way out (end, error, cancellation) every call left
    is abandoned.
    """

    __slots__ = ("_calls",)

    def __init__(self) -> None:
        self._calls: deque[tuple[T, PendingCall]] = deque()

    def __len__(self) -> int:
        return len(self._calls)

    def __bool__(self) -> bool:
        return bool(self._calls)

    def add(self, item: T, call: PendingCall) -> None:
        """Queue ``call``, made for ``item``, behind the others."""
        self._calls.append((item, call))

    def extend(self, items: Iterable[T], calls: Iterable[PendingCall]) -> None:
        """Queue one call per item, in order."""
        self._calls.extend(zip(items, calls, strict=True))

    async def next(self, timeout: float | None = None) -> tuple[T, bytes]:
        """The oldest call's item and raw reply line (waiting for it up to ``timeout`` s)."""
        item, call = self._calls.popleft()
        return item, await call.reply(timeout)

    def abandon(self) -> None:
        """Give up on every call left: their replies are dropped when they arrive."""
        while self._calls:
            self._calls.popleft()[1].abandon()

    def __enter__(self) -> InFlight[T]:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.abandon()


async def pipelined(
    groups: Iterable[Sequence[T]] | AsyncIterable[Sequence[T]],
    start: Callable[[list[T]], Awaitable[Sequence[PendingCall]]],
    *,
    window: int,
    batch: int = 1,
    timeout: float | None = None,
) -> AsyncGenerator[tuple[T, bytes], None]:
    """Make one call per item, at most ``window`` unanswered at once; yield ``(item, reply)``
    in the items' order, ``reply`` being the raw reply line.

    Items come in groups (a page of goroutines; one list for items known up front), read
    only as the window has room. ``start(chunk)`` sends the calls of a chunk of items, one
    each in order, and returns them. Calls go out when at least ``batch`` fit in the window,
    as many as fit, so a ``start`` that writes a chunk at once
    (:meth:`~dlvclient._connection.Connection.start_many`) makes one system call per chunk
    while Delve always has the rest of the window queued. ``timeout`` bounds each reply.
    Close the generator (``contextlib.aclosing``) to abandon what is in flight when stopping
    early.
    """
    if not 1 <= batch <= window:
        raise ValueError(f"need 1 <= batch <= window, got batch={batch} and window={window}")
    with InFlight[T]() as calls:
        waiting: deque[T] = deque()
        source = groups if isinstance(groups, AsyncIterable) else _Groups(groups)
        async for group in source:
            waiting.extend(group)
            while waiting:
                room = window - len(calls)
                if room < batch:
                    yield await calls.next(timeout)
                    continue
                chunk = [waiting.popleft() for _ in range(min(room, len(waiting)))]
                calls.extend(chunk, await start(chunk))
        while calls:
            yield await calls.next(timeout)


class _Groups(Generic[T]):
    """A plain iterable of groups, iterated as an async one (no generator to finalize)."""

    __slots__ = ("_groups",)

    def __init__(self, groups: Iterable[Sequence[T]]) -> None:
        self._groups = iter(groups)

    def __aiter__(self) -> _Groups[T]:
        return self

    async def __anext__(self) -> Sequence[T]:
        try:
            return next(self._groups)
        except StopIteration:
            raise StopAsyncIteration from None
