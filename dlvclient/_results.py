"""What the client's bulk calls return: goroutines with their stacks, goroutine groups."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

from . import _models as m
from ._codec import decode_reply
from ._errors import DelveReplyError

__all__ = ["GoroutineStack", "GroupedGoroutines"]


class GoroutineStack:
    """One goroutine with its stack frames, innermost first; unpacks as ``(goroutine, frames)``.

    ``error`` is set (and ``frames`` empty) when Delve could not unwind this goroutine: one
    unreadable goroutine in a damaged core does not end the whole walk.

    ``frames`` is validated from Delve's reply when first read, in the thread that reads it:
    the blocking facade hands stacks between threads as bytes, and frames nobody reads cost
    nothing. A reply that does not have the expected shape raises
    :class:`ResponseValidationError` there.
    """

    __slots__ = ("_frames", "_reply", "error", "goroutine")

    def __init__(
        self,
        goroutine: m.Goroutine,
        frames: list[m.Stackframe] | None = None,
        error: DelveReplyError | None = None,
        *,
        reply: bytes | None = None,
    ) -> None:
        self.goroutine = goroutine
        self.error = error
        self._frames = frames if frames is not None or reply is not None else []
        self._reply = reply

    @property
    def frames(self) -> list[m.Stackframe]:
        """The stack, innermost frame first (empty when ``error`` is set)."""
        if self._frames is None:
            assert self._reply is not None
            self._frames = decode_reply("Stacktrace", self._reply, m.StacktraceOut).locations
            self._reply = None
        return self._frames

    def __iter__(self) -> Iterator[Any]:
        yield self.goroutine
        yield self.frames

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, GoroutineStack):
            return NotImplemented
        return (self.goroutine, self.frames, self.error) == (
            other.goroutine,
            other.frames,
            other.error,
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        frames = "frames not read yet" if self._frames is None else f"{len(self._frames)} frames"
        return f"<GoroutineStack of goroutine {self.goroutine.id}: {frames}, error={self.error!r}>"


class GroupedGoroutines(NamedTuple):
    """Goroutines grouped by the server; each group keeps a few sample members."""

    groups: list[m.GoroutineGroup]
    goroutines: list[m.Goroutine]
    too_many_groups: bool

    def members(self, group: m.GoroutineGroup) -> list[m.Goroutine]:
        """The sample members Delve returned for ``group``."""
        return self.goroutines[group.offset : group.offset + group.count]
