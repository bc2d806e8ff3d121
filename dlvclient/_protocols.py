"""The client calls analysis makes, as a :class:`typing.Protocol`.

Analysis (:mod:`dlvclient._report` and what comes after it) is typed against
:class:`ReadClient`, never against :class:`~dlvclient.AsyncClient`: it sits above the client
without importing it, and it can run on anything that answers these calls (recorded replies,
a wrapper that counts calls). :class:`~dlvclient.AsyncClient` satisfies it as is.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol

from . import _models as m
from ._origin import GoBuildInfo
from ._results import GoroutineStack

__all__ = ["ReadClient", "versions"]


class ReadClient(Protocol):
    """The read-only calls of a Delve session that analysis needs (a subset of AsyncClient's)."""

    @property
    def version_info(self) -> m.VersionInfo | None: ...

    async def version(self, *, timeout: float | None = None) -> m.VersionInfo: ...

    async def state(self, *, timeout: float | None = None) -> m.DebuggerState: ...

    async def pid(self, *, timeout: float | None = None) -> int: ...

    async def build_id(self, *, timeout: float | None = None) -> str: ...

    async def threads(self, *, timeout: float | None = None) -> list[m.Thread]: ...

    async def switch_thread(
        self, thread_id: int, *, timeout: float | None = None
    ) -> m.DebuggerState: ...

    async def go_build_info(self) -> GoBuildInfo | None: ...

    async def stacktrace(
        self,
        goroutine_id: int = -1,
        *,
        depth: int = 50,
        options: m.StacktraceOptions = m.StacktraceOptions.NONE,
        timeout: float | None = None,
    ) -> list[m.Stackframe]: ...

    def goroutine_stacks(
        self,
        *filters: m.GoroutineFilter,
        depth: int = 50,
        timeout: float | None = None,
    ) -> AsyncIterator[GoroutineStack]: ...

    async def eval(
        self,
        expr: str,
        *,
        goroutine_id: int = -1,
        frame: int = 0,
        load: m.LoadConfig | None = None,
        timeout: float | None = None,
    ) -> m.Variable: ...

    async def args(
        self,
        *,
        goroutine_id: int = -1,
        frame: int = 0,
        load: m.LoadConfig | None = None,
        timeout: float | None = None,
    ) -> list[m.Variable]: ...

    async def locals(
        self,
        *,
        goroutine_id: int = -1,
        frame: int = 0,
        load: m.LoadConfig | None = None,
        timeout: float | None = None,
    ) -> list[m.Variable]: ...

    async def examine_memory(
        self, address: int, length: int, *, timeout: float | None = None
    ) -> bytes: ...

    async def disassemble(
        self,
        start_pc: int,
        end_pc: int = 0,
        *,
        timeout: float | None = None,
    ) -> list[m.AsmInstruction]: ...


async def versions(client: ReadClient) -> m.VersionInfo:
    """The server's versions: those its session read at connect time, asked for only if not."""
    return client.version_info or await client.version()
