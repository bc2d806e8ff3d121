"""A status line the CLI redraws in place on stderr, shown only when stderr is a terminal."""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import TextIO, TypeVar

__all__ = ["StatusLine"]

_S = TypeVar("_S", bound="StatusLine")


class StatusLine:
    """One line redrawn in place; ``close()`` (or leaving the ``with``) erases it."""

    _INTERVAL = 0.1  # seconds between redraws: 100k updates must not cost 100k writes

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream or sys.stderr
        self._enabled = self._stream.isatty()
        self._last = 0.0
        self._shown = False

    def show(self, text: str, *, final: bool = False) -> None:
        """Draw ``text``, unless the last redraw was too recent (a ``final`` one always is)."""
        now = time.monotonic()
        if not self._enabled or (not final and now - self._last < self._INTERVAL):
            return
        self._last = now
        self._stream.write(f"\r{text}\x1b[K")
        self._stream.flush()
        self._shown = True

    def close(self) -> None:
        """Erase the line, if it was drawn."""
        if self._shown:
            self._stream.write("\r\x1b[K")
            self._stream.flush()
            self._shown = False

    def __enter__(self: _S) -> _S:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
