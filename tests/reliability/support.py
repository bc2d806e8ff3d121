"""Helpers of the reliability tests: fake dlv scripts, hang guards, calls run in the background."""

from __future__ import annotations

import stat
import textwrap
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import anyio
from anyio.abc import TaskGroup


def fake_dlv(directory: Path, body: str, name: str = "dlv") -> Path:
    """Write an executable bash script standing in for dlv; ``body`` is its code."""
    script = directory / name
    script.write_text("#!/bin/bash\n" + textwrap.dedent(body).lstrip())
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


@contextmanager
def hang_guard(seconds: float) -> Iterator[None]:
    """``anyio.fail_after(seconds)``, which also fails when the deadline passed while the
    body sat in shielded code (closing dlv is shielded, so the deadline cannot cut it short)."""
    with anyio.fail_after(seconds) as scope:
        yield
    assert not scope.cancel_called, f"not done within {seconds} s"


class Background:
    """Calls run in the background, each recording how it ended instead of cancelling the rest.

    A test starts them, injects a fault, then waits for :meth:`settled` under
    ``anyio.fail_after(2)``: every one of them must have ended by then.
    """

    def __init__(self, tg: TaskGroup) -> None:
        self._tg = tg
        self._done: list[anyio.Event] = []
        self.values: list[object] = []
        self.errors: list[BaseException | None] = []

    def start(self, call: Callable[[], Awaitable[object]]) -> None:
        index = len(self._done)
        self._done.append(anyio.Event())
        self.values.append(None)
        self.errors.append(None)
        self._tg.start_soon(self._run, index, call)

    async def _run(self, index: int, call: Callable[[], Awaitable[object]]) -> None:
        try:
            self.values[index] = await call()
        except Exception as exc:
            self.errors[index] = exc
        finally:
            self._done[index].set()

    async def settled(self) -> None:
        """Return once every call has ended, one way or the other."""
        for done in self._done:
            await done.wait()
