"""Which goroutines to keep by what is anywhere on their stacks, not only at one location.

Delve's own location filters (``GoroutineFilter.user_loc`` and the like) look at one location
per goroutine, so a goroutine whose user location is ``net.(*conn).Read`` is not found by
``readLoop`` three frames below it. A :class:`StackMatch` reads every frame of the streamed
stacks (see ``AsyncClient.goroutine_stacks``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ._errors import InvalidArgumentError
from ._schema import FrameLike

__all__ = ["StackMatch"]


def _texts(value: str | Iterable[str]) -> tuple[str, ...]:
    # One string is one text to look for, not the letters of it.
    texts = (value,) if isinstance(value, str) else tuple(value)
    if any(not text for text in texts):
        raise InvalidArgumentError("a stack text to look for must not be empty")
    return texts


@dataclass(frozen=True)
class StackMatch:
    """Keeps a stack when each text of ``contains`` is in some frame and no text of
    ``without`` is in any frame.

    A frame holds a text when its function name (``main.(*Server).readLoop``) or its
    ``file:line`` (``/src/server/conn.go:88``) contains it, case sensitively.
    """

    contains: tuple[str, ...] = ()
    without: tuple[str, ...] = ()

    @classmethod
    def of(
        cls, contains: str | Iterable[str] = (), without: str | Iterable[str] = ()
    ) -> StackMatch:
        """The match of these texts (one string is one text)."""
        return cls(_texts(contains), _texts(without))

    def __bool__(self) -> bool:
        """False when it keeps every stack."""
        return bool(self.contains or self.without)

    def __call__(self, frames: Sequence[FrameLike]) -> bool:
        """Whether the stack ``frames`` is kept."""
        if not self:
            return True
        texts = [f"{f.function_name}\n{f.file}:{f.line}" for f in frames]
        return all(any(t in text for text in texts) for t in self.contains) and not any(
            t in text for text in texts for t in self.without
        )
