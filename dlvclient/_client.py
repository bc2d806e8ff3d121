"""The async client: every read-only RPC of Delve's API v2, typed."""

from __future__ import annotations

import importlib
import types
from collections.abc import AsyncGenerator, AsyncIterator, Iterable, Mapping, Sequence
from contextlib import aclosing
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel

from . import _models as m
from ._codec import decode_reply, peek_nextg, prepare_decoders, succeeded
from ._connection import Connection, PendingCall
from ._errors import (
    ClientClosedError,
    DelveReplyError,
    InvalidArgumentError,
    UnknownGoroutineError,
    UnsupportedFeatureError,
)
from ._pipeline import InFlight, pipelined
from ._results import GoroutineStack, GroupedGoroutines
from ._version import FEATURES, LONG_MEMORY_READS, Feature, Version

if TYPE_CHECKING:
    from ._launcher import DlvProcess
    from ._origin import GoBuildInfo
    from ._report import crash_report
    from ._waits import waits
else:

    class _Analysis:
        """An analysis function bound as a method, its module imported on first use: a
        session that never analyses never loads the analysis."""

        def __init__(self, module: str, name: str) -> None:
            self._module, self._name = module, name

        def __get__(self, client: object, owner: type | None = None) -> Any:
            function = getattr(importlib.import_module(self._module, __package__), self._name)
            return function if client is None else types.MethodType(function, client)

    crash_report = _Analysis("._report", "crash_report")
    waits = _Analysis("._waits", "waits")

__all__ = ["AsyncClient"]

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

# Calls a client must never make: this one crashes Delve 1.26 to 1.27 (a reflect panic).
_FORBIDDEN = frozenset({"DownloadLibraryDebugInfo"})


# ExamineMemory requests in flight at once when reading memory in chunks.
_MEMORY_WINDOW = 64
# Delve reserves room for depth + 1 frames before it unwinds: 10**7 takes seconds, 2**31 makes
# it run out of memory and die.
_MAX_DEPTH = 10_000_000


def _check_depth(depth: int) -> None:
    if depth > _MAX_DEPTH:
        raise InvalidArgumentError(
            f"depth must be at most {_MAX_DEPTH:_}, got {depth}: Delve reserves memory for every "
            f"frame of the depth asked before it unwinds, and dies of a depth like 2**31"
        )


class AsyncClient:
    """A session with one Delve server. Get one from :func:`open_core` or :func:`connect`.

    Every method takes an optional ``timeout`` in seconds: ``None`` means the client's
    default (``default_timeout``), ``math.inf`` means no limit for that call.
    """

    def __init__(
        self,
        connection: Connection,
        *,
        default_timeout: float | None = 120.0,
        process: DlvProcess | None = None,
    ) -> None:
        self._conn = connection
        self._process = process
        self.default_timeout = default_timeout
        self._version_info: m.VersionInfo | None = None
        #: The executable open_core was given (for its embedded build info).
        self._executable: Path | None = None
        self._build: GoBuildInfo | None = None

    # --- plumbing ---------------------------------------------------------------------------------

    @property
    def version_info(self) -> m.VersionInfo | None:
        """What the server said of its versions at connect time (or at the last ``version()``)."""
        return self._version_info

    @property
    def server_version(self) -> Version | None:
        """The Delve version the server reported at connect time."""
        return self._version_info.delve if self._version_info else None

    @property
    def target_go_version(self) -> Version | None:
        """The Go version the target was built with (from its DWARF producer)."""
        return self._version_info.target_go if self._version_info else None

    @property
    def pending_calls(self) -> int:
        """Calls sent whose replies have not arrived (for monitoring)."""
        return self._conn.pending

    def _timeout(self, timeout: float | None) -> float | None:
        return self.default_timeout if timeout is None else timeout

    def require(self, feature: Feature | str) -> None:
        """Raise :class:`UnsupportedFeatureError` if the server is older than ``feature``."""
        if isinstance(feature, str):
            feature = FEATURES[feature]
        version = self.server_version
        if version is not None and version < feature.since:
            raise UnsupportedFeatureError(
                feature.name, since=str(feature.since), delve_version=str(version)
            )

    def supports(self, feature: Feature | str) -> bool:
        """True if the server is recent enough for ``feature``."""
        try:
            self.require(feature)
        except UnsupportedFeatureError:
            return False
        return True

    async def _start(self, method: str, params: Mapping[str, Any]) -> PendingCall:
        self._check_allowed(method)
        return await self._conn.start(method, params)

    async def _start_many(
        self, method: str, params: Mapping[str, Any], key: str, values: Iterable[int]
    ) -> list[PendingCall]:
        self._check_allowed(method)
        return await self._conn.start_many(method, params, key, values)

    @staticmethod
    def _check_allowed(method: str) -> None:
        if method in _FORBIDDEN:
            raise InvalidArgumentError(f"{method} crashes Delve; dlvclient never calls it")

    async def _finish(self, call: PendingCall, out: type[T], timeout: float | None) -> T:
        return self._decode(call.method, await call.reply(self._timeout(timeout)), out)

    def _decode(self, method: str, line: bytes, out: type[T]) -> T:
        try:
            return decode_reply(method, line, out)
        except DelveReplyError as exc:
            if exc.message.startswith("unknown method"):
                feature = FEATURES.get(method)
                raise UnsupportedFeatureError(
                    feature.name if feature else method,
                    since=str(feature.since) if feature else None,
                    delve_version=str(self.server_version or "unknown"),
                ) from None
            raise

    async def _call(
        self, method: str, params: Mapping[str, Any], out: type[T], timeout: float | None
    ) -> T:
        call = await self._start(method, params)
        # Built while Delve works on the call, not after its reply (a model builds its
        # validator on first use, which for the bulk replies takes milliseconds).
        prepare_decoders(out)
        return await self._finish(call, out, timeout)

    async def call(
        self, method: str, params: Mapping[str, Any] | None = None, *, timeout: float | None = None
    ) -> Any:
        """Call any ``RPCServer`` method and return its JSON result as plain Python data.

        An escape hatch for methods this client has no typed wrapper for (for example
        those that only make sense on a live process).
        """
        return await self._call(method, params or {}, m.AnyOut, timeout)

    # --- session ----------------------------------------------------------------------------------

    async def version(self, *, timeout: float | None = None) -> m.VersionInfo:
        """Delve's version, the API version, the backend and the target's Go version."""
        info = await self._call("GetVersion", {}, m.VersionInfo, timeout)
        self._version_info = info
        return info

    async def _handshake(self, timeout: float | None) -> None:
        info = self._version_info = await self._call("GetVersion", {}, m.VersionInfo, timeout)
        if info.api_version != 2:
            # A server started without --api-version=2 by Delve < 1.24 speaks v1 until told.
            await self._call("SetApiVersion", {"APIVersion": 2}, m.EmptyOut, timeout)
            await self.version(timeout=timeout)

    async def state(self, *, timeout: float | None = None) -> m.DebuggerState:
        """The debugger state: current thread and goroutine, all threads."""
        out = await self._call("State", {"NonBlocking": True}, m.StateOut, timeout)
        return out.state

    async def pid(self, *, timeout: float | None = None) -> int:
        """The pid of the process the core was taken from."""
        return (await self._call("ProcessPid", {}, m.ProcessPidOut, timeout)).pid

    async def build_id(self, *, timeout: float | None = None) -> str:
        """The GNU build id of the executable image."""
        return (await self._call("BuildID", {}, m.BuildIDOut, timeout)).build_id

    async def targets(self, *, timeout: float | None = None) -> list[m.Target]:
        """The debugged processes (one for a core). Delve 1.21+."""
        self.require("ListTargets")
        return (await self._call("ListTargets", {}, m.ListTargetsOut, timeout)).targets

    async def detach(self, *, kill: bool = False, timeout: float | None = None) -> None:
        """Tell the server to detach and shut down (for every client of it); ends the session."""
        await self._call("Detach", {"Kill": kill}, m.EmptyOut, timeout)
        await self._conn.aclose(ClientClosedError("the session was detached; open a new one"))

    async def _close_session(self) -> None:
        """End a session this client owns, on the way out of its ``async with``."""
        await self.detach(timeout=5)

    # --- goroutines and threads -------------------------------------------------------------------

    def _list_params(
        self,
        filters: Sequence[m.GoroutineFilter],
        scope: m.EvalScope | None,
    ) -> dict[str, Any]:
        params: dict[str, Any] = {"Filters": [f.to_wire() for f in filters]}
        if any(f.kind == m.GoroutineField.WAITING_ON_CHANNEL for f in filters):
            self.require("the WaitingOnChannel goroutine filter")
            scope = scope or m.EvalScope()
        if scope is not None:
            self.require("ListGoroutines with an EvalScope")
            params["EvalScope"] = scope.to_wire()
        return params

    async def _goroutine_pages(
        self,
        filters: Sequence[m.GoroutineFilter],
        page_size: int,
        scope: m.EvalScope | None,
        timeout: float | None,
        prepare: Sequence[type[Any]] = (),
    ) -> AsyncGenerator[list[m.Goroutine], None]:
        """Pages of goroutines, each asked for before the last is decoded; ``prepare``: the
        validators to build while Delve lists the first page."""
        if page_size <= 0:
            raise InvalidArgumentError(f"page_size must be positive, got {page_size}")
        params = self._list_params(filters, scope)

        async def ask(start: int) -> None:
            page = {**params, "Start": start, "Count": page_size}
            pages.add(start, await self._start("ListGoroutines", page))

        with InFlight[int]() as pages:
            await ask(0)
            prepare_decoders(m.ListGoroutinesOut, *prepare)
            while pages:
                _, line = await pages.next(self._timeout(timeout))
                # The next page is asked for before this one is even decoded, so Delve lists
                # it while this process decodes and works on this one.
                asked = peek_nextg(line)
                if asked is not None and asked >= 0:
                    await ask(asked)
                out = self._decode("ListGoroutines", line, m.ListGoroutinesOut)
                if out.nextg != asked:  # the peek missed: ask for the right page
                    pages.abandon()
                    if out.nextg >= 0:
                        await ask(out.nextg)
                # Filters apply per page, so a page can be empty while more follow.
                if out.goroutines:
                    yield out.goroutines

    async def goroutines(
        self,
        *filters: m.GoroutineFilter,
        page_size: int = 1000,
        scope: m.EvalScope | None = None,
        timeout: float | None = None,
    ) -> AsyncIterator[m.Goroutine]:
        """Iterate over the goroutines that match every filter (server-side), page by page.

        ``scope`` is where a ``GoroutineFilter.waiting_on_channel`` expression is evaluated.
        """
        async for page in self._goroutine_pages(filters, page_size, scope, timeout):
            for goroutine in page:
                yield goroutine

    async def group_goroutines(
        self,
        group_by: m.GoroutineField,
        *filters: m.GoroutineFilter,
        label_key: str = "",
        max_members: int = 5,
        max_groups: int = 0,
        timeout: float | None = None,
    ) -> GroupedGoroutines:
        """Group all goroutines server-side by location, label, running or user state."""
        if max_members < 1:
            # Delve returns no groups at all when MaxGroupMembers is 0.
            raise InvalidArgumentError(f"max_members must be at least 1, got {max_members}")
        params = self._list_params(filters, None)
        grouping = m.GoroutineGroupingOptions(
            group_by=group_by,
            group_by_key=label_key,
            max_group_members=max_members,
            max_groups=max_groups,
        )
        params.update(grouping.to_wire(), Start=0, Count=0)
        out = await self._call("ListGoroutines", params, m.ListGoroutinesOut, timeout)
        return GroupedGoroutines(out.groups or [], out.goroutines, out.too_many_groups)

    async def goroutine(self, goroutine_id: int, *, timeout: float | None = None) -> m.Goroutine:
        """One goroutine by id. Delve has no direct call for it: this pages until found."""
        async for page in self._goroutine_pages((), 1000, None, timeout):
            for goroutine in page:
                if goroutine.id == goroutine_id:
                    return goroutine
        raise UnknownGoroutineError(f"unknown goroutine {goroutine_id}", method="ListGoroutines")

    async def switch_thread(
        self, thread_id: int, *, timeout: float | None = None
    ) -> m.DebuggerState:
        """Make ``thread_id`` the current thread, so ``-1`` scopes and stacks refer to it."""
        params = {"name": "switchThread", "threadID": thread_id}
        return (await self._call("Command", params, m.CommandOut, timeout)).state

    async def threads(self, *, timeout: float | None = None) -> list[m.Thread]:
        """The OS threads recorded in the core."""
        return (await self._call("ListThreads", {}, m.ListThreadsOut, timeout)).threads

    async def thread(self, thread_id: int, *, timeout: float | None = None) -> m.Thread:
        """One thread by its OS thread id."""
        return (await self._call("GetThread", {"Id": thread_id}, m.GetThreadOut, timeout)).thread

    # --- stacks -----------------------------------------------------------------------------------

    def _stack_params(
        self,
        goroutine_id: int,
        depth: int,
        full: bool,
        defers: bool,
        load: m.LoadConfig | None,
        skip: int,
        options: m.StacktraceOptions,
    ) -> dict[str, Any]:
        if depth < 0:
            raise InvalidArgumentError(f"depth must be 0 or more, got {depth}")
        _check_depth(depth)
        if skip < 0:
            raise InvalidArgumentError(f"skip must be 0 or more, got {skip}")
        params: dict[str, Any] = {
            "Id": goroutine_id,
            "Depth": depth,
            "Full": full,
            "Defers": defers,
            "Opts": int(options),
        }
        if load is not None:
            params["Cfg"] = load.to_wire()
        if skip:
            self.require("Stacktrace with Skip")
            params["Skip"] = skip
        return params

    async def stacktrace(
        self,
        goroutine_id: int = -1,
        *,
        depth: int = 50,
        full: bool = False,
        defers: bool = False,
        load: m.LoadConfig | None = None,
        skip: int = 0,
        options: m.StacktraceOptions = m.StacktraceOptions.NONE,
        timeout: float | None = None,
    ) -> list[m.Stackframe]:
        """The stack of a goroutine (``-1``: the selected one), innermost frame first.

        Up to ``depth + 1`` frames. ``full`` loads arguments and locals (with ``load``, or the
        terminal's defaults); ``defers`` reads deferred calls; ``skip`` drops the first frames.
        """
        params = self._stack_params(goroutine_id, depth, full, defers, load, skip, options)
        return (await self._call("Stacktrace", params, m.StacktraceOut, timeout)).locations

    async def goroutine_stacks(
        self,
        *filters: m.GoroutineFilter,
        depth: int = 50,
        full: bool = False,
        load: m.LoadConfig | None = None,
        window: int = 64,
        page_size: int = 1000,
        stack_contains: str | Sequence[str] = (),
        stack_without: str | Sequence[str] = (),
        scope: m.EvalScope | None = None,
        timeout: float | None = None,
    ) -> AsyncIterator[GoroutineStack]:
        """Every matching goroutine with its stack, streamed in goroutine order.

        ``filters`` run in Delve. ``stack_contains`` and ``stack_without`` (a text or several)
        then keep the goroutines whose stack has a frame holding each ``stack_contains`` text
        in its function name or ``file:line``, and no frame holding a ``stack_without`` text
        (see :class:`StackMatch`): unlike Delve's location filters they read every frame, up
        to ``depth``. ``scope`` is where a ``GoroutineFilter.waiting_on_channel`` expression
        is evaluated.

        Stack requests are pipelined ``window`` deep so Delve never waits for this process;
        only the window is held in memory, however many goroutines the core has.
        """
        if window < 1:
            raise InvalidArgumentError(f"window must be at least 1, got {window}")
        # Imported here: with _schema it is a tenth of this module's import, which the CLI
        # pays while dlv loads the core.
        from ._stackmatch import StackMatch

        match = StackMatch.of(stack_contains, stack_without)
        base = self._stack_params(0, depth, full, False, load, 0, m.StacktraceOptions.NONE)

        # Requests go out in batches of half a window, one write each: Delve always has at
        # least that many queued, and this process makes a system call per batch, not per stack.
        async def start(goroutines: list[m.Goroutine]) -> list[PendingCall]:
            return await self._start_many("Stacktrace", base, "Id", [g.id for g in goroutines])

        pages = self._goroutine_pages(filters, page_size, scope, timeout, (m.StacktraceOut,))
        replies = pipelined(
            pages, start, window=window, batch=max(1, window // 2), timeout=self._timeout(timeout)
        )
        async with aclosing(pages), aclosing(replies):
            async for goroutine, line in replies:
                stack = self._stack(goroutine, line)
                if not match or match(stack.frames):
                    yield stack

    def _stack(self, goroutine: m.Goroutine, line: bytes) -> GoroutineStack:
        if succeeded(line):
            return GoroutineStack(goroutine, reply=line)
        try:
            out = self._decode("Stacktrace", line, m.StacktraceOut)
        except DelveReplyError as exc:
            return GoroutineStack(goroutine, [], exc)
        return GoroutineStack(goroutine, out.locations)

    async def ancestors(
        self,
        goroutine_id: int,
        *,
        count: int = 10,
        depth: int = 20,
        timeout: float | None = None,
    ) -> list[m.Ancestor]:
        """The goroutines that started this one (needs ``GODEBUG=tracebackancestors=N``)."""
        if count < 0 or depth < 0:
            raise InvalidArgumentError("count and depth must be 0 or more")
        _check_depth(depth)
        params = {"GoroutineID": goroutine_id, "NumAncestors": count, "Depth": depth}
        return (await self._call("Ancestors", params, m.AncestorsOut, timeout)).ancestors

    # --- variables and memory ---------------------------------------------------------------------

    @staticmethod
    def _scope(goroutine_id: int, frame: int, deferred_call: int) -> dict[str, Any]:
        if frame < 0 or deferred_call < 0:
            raise InvalidArgumentError(
                f"frame and deferred_call must be 0 or more, got {frame} and {deferred_call}"
            )
        scope = m.EvalScope(goroutine_id=goroutine_id, frame=frame, deferred_call=deferred_call)
        return scope.to_wire()

    @classmethod
    def _frame_params(
        cls, goroutine_id: int, frame: int, deferred_call: int, load: m.LoadConfig | None
    ) -> dict[str, Any]:
        # Always an explicit LoadConfig: Delve's zero value would load almost nothing.
        load = load or m.LoadConfig.LONG
        return {"Scope": cls._scope(goroutine_id, frame, deferred_call), "Cfg": load.to_wire()}

    async def eval(
        self,
        expr: str,
        *,
        goroutine_id: int = -1,
        frame: int = 0,
        deferred_call: int = 0,
        load: m.LoadConfig | None = None,
        timeout: float | None = None,
    ) -> m.Variable:
        """Evaluate a Go expression in a goroutine's frame (``-1``: the selected goroutine)."""
        params = {**self._frame_params(goroutine_id, frame, deferred_call, load), "Expr": expr}
        return (await self._call("Eval", params, m.EvalOut, timeout)).variable

    async def locals(
        self,
        *,
        goroutine_id: int = -1,
        frame: int = 0,
        deferred_call: int = 0,
        load: m.LoadConfig | None = None,
        timeout: float | None = None,
    ) -> list[m.Variable]:
        """The local variables of a frame."""
        params = self._frame_params(goroutine_id, frame, deferred_call, load)
        return (await self._call("ListLocalVars", params, m.ListLocalVarsOut, timeout)).variables

    async def args(
        self,
        *,
        goroutine_id: int = -1,
        frame: int = 0,
        deferred_call: int = 0,
        load: m.LoadConfig | None = None,
        timeout: float | None = None,
    ) -> list[m.Variable]:
        """The arguments (and named results) of a frame's function."""
        params = self._frame_params(goroutine_id, frame, deferred_call, load)
        return (await self._call("ListFunctionArgs", params, m.ListFunctionArgsOut, timeout)).args

    async def package_vars(
        self,
        filter: str = "",
        *,
        load: m.LoadConfig | None = None,
        timeout: float | None = None,
    ) -> list[m.Variable]:
        """Package-level variables whose qualified name matches the regexp ``filter``."""
        params = {"Filter": filter, "Cfg": (load or m.LoadConfig.LONG).to_wire()}
        out = await self._call("ListPackageVars", params, m.ListPackageVarsOut, timeout)
        return out.variables

    async def load_more(
        self,
        variable: m.Variable,
        *,
        goroutine_id: int = -1,
        frame: int = 0,
        load: m.LoadConfig | None = None,
        timeout: float | None = None,
    ) -> m.Variable:
        """Load the part of ``variable`` that the load limits left out.

        Returns a variable holding the rest (the remaining elements of a slice or map, the
        fields of a struct, the pointee of a pointer), evaluated where ``variable`` was.
        """
        expr = variable.reload_expr()
        if expr is None:
            raise InvalidArgumentError(
                f"variable {variable.name!r} is fully loaded, or has no address to reload from"
            )
        return await self.eval(
            expr, goroutine_id=goroutine_id, frame=frame, load=load, timeout=timeout
        )

    async def examine_memory(
        self, address: int, length: int, *, timeout: float | None = None
    ) -> bytes:
        """Read ``length`` bytes of the core's memory at ``address``.

        Long reads are split into the chunks the server accepts (1000 bytes before Delve 1.24).
        """
        if address < 0 or length < 0:
            raise InvalidArgumentError("address and length must be 0 or more")
        if address + length > 2**64:
            raise InvalidArgumentError("the range must end at or below 2**64, the address space")
        chunk = 65536 if self.supports(LONG_MEMORY_READS) else 1000

        # Pipelined like goroutine_stacks, so a long read neither waits on every chunk nor
        # queues them all at Delve at once.
        async def start(offsets: list[int]) -> list[PendingCall]:
            return [
                await self._start(
                    "ExamineMemory",
                    {"Address": address + offset, "Length": min(chunk, length - offset)},
                )
                for offset in offsets
            ]

        parts: list[bytes] = []
        replies = pipelined(
            [range(0, length, chunk)], start, window=_MEMORY_WINDOW, timeout=self._timeout(timeout)
        )
        async with aclosing(replies):
            async for _, line in replies:
                parts.append(self._decode("ExamineMemory", line, m.ExamineMemoryOut).mem)
        return b"".join(parts)

    async def registers(
        self,
        *,
        thread_id: int = 0,
        goroutine_id: int | None = None,
        frame: int = 0,
        include_fp: bool = False,
        timeout: float | None = None,
    ) -> list[m.Register]:
        """CPU registers of a thread (0: the current one), or of a goroutine's frame."""
        params: dict[str, Any] = {"ThreadID": thread_id, "IncludeFp": include_fp}
        if goroutine_id is not None:
            params["Scope"] = self._scope(goroutine_id, frame, 0)
        return (await self._call("ListRegisters", params, m.ListRegistersOut, timeout)).regs

    async def disassemble(
        self,
        start_pc: int,
        end_pc: int = 0,
        *,
        flavour: m.AssemblyFlavour = m.AssemblyFlavour.GNU,
        goroutine_id: int = -1,
        frame: int = 0,
        timeout: float | None = None,
    ) -> list[m.AsmInstruction]:
        """Disassemble ``[start_pc, end_pc)``; with ``end_pc`` 0, the whole function at start_pc."""
        params = {
            "Scope": self._scope(goroutine_id, frame, 0),
            "StartPC": start_pc,
            "EndPC": end_pc,
            "Flavour": int(flavour),
        }
        return (await self._call("Disassemble", params, m.DisassembleOut, timeout)).disassemble

    # --- symbols ----------------------------------------------------------------------------------

    async def sources(self, filter: str = "", *, timeout: float | None = None) -> list[str]:
        """Source files of the executable whose path matches the regexp ``filter``."""
        return (
            await self._call("ListSources", {"Filter": filter}, m.ListSourcesOut, timeout)
        ).sources

    async def functions(
        self, filter: str = "", *, follow_calls: int = 0, timeout: float | None = None
    ) -> list[str]:
        """Function names matching the regexp ``filter`` (and their callees to ``follow_calls``)."""
        params: dict[str, Any] = {"Filter": filter}
        if follow_calls:
            self.require("ListFunctions with FollowCalls")
            params["FollowCalls"] = follow_calls
        return (await self._call("ListFunctions", params, m.ListFunctionsOut, timeout)).funcs

    async def types(self, filter: str = "", *, timeout: float | None = None) -> list[str]:
        """Type names matching the regexp ``filter``."""
        return (await self._call("ListTypes", {"Filter": filter}, m.ListTypesOut, timeout)).types

    async def type_info(self, name: str, *, timeout: float | None = None) -> m.TypeInfo:
        """Kind, size, fields and methods of a type. Delve 1.26.2+."""
        self.require("TypeInfo")
        return (await self._call("TypeInfo", {"Name": name}, m.TypeInfoOut, timeout)).type_info

    async def find_location(
        self,
        location: str,
        *,
        goroutine_id: int = -1,
        frame: int = 0,
        include_non_executable_lines: bool = False,
        substitute_path_rules: Sequence[tuple[str, str]] = (),
        timeout: float | None = None,
    ) -> list[m.Location]:
        """Resolve a location spec (``file:line``, ``func``, ``/regexp/``, ``*addr``…)."""
        params = {
            "Scope": self._scope(goroutine_id, frame, 0),
            "Loc": location,
            "IncludeNonExecutableLines": include_non_executable_lines,
            "SubstitutePathRules": [list(rule) for rule in substitute_path_rules],
        }
        return (await self._call("FindLocation", params, m.FindLocationOut, timeout)).locations

    async def dynamic_libraries(self, *, timeout: float | None = None) -> list[m.Image]:
        """Shared libraries loaded in the process (empty for static Go programs)."""
        return (
            await self._call("ListDynamicLibraries", {}, m.ListDynamicLibrariesOut, timeout)
        ).list

    async def build_info(
        self, filter: str = "", *, include_files: bool = False, timeout: float | None = None
    ) -> list[m.PackageBuildInfo]:
        """Packages the executable was built from, with their directories (and files)."""
        params: dict[str, Any] = {"IncludeFiles": include_files}
        if filter:
            self.require("ListPackagesBuildInfo with a Filter")
            params["Filter"] = filter
        out = await self._call("ListPackagesBuildInfo", params, m.ListPackagesBuildInfoOut, timeout)
        return out.list

    async def go_build_info(self) -> GoBuildInfo | None:
        """The program's modules (main module, dependencies and versions), read once.

        From the executable's embedded build info when this session opened it, otherwise
        inferred from Delve's package list; None when neither says anything. Pass it to
        :meth:`Stackframe.origin_in` to tell the program's own frames from its dependencies'.
        """
        if self._build is None:
            from ._origin import load_build_info

            self._build = await load_build_info(self, self._executable)
        return self._build

    # --- triage -----------------------------------------------------------------------------------

    crash_report = crash_report
    waits = waits
