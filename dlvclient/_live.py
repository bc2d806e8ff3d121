"""The client of a live process: execution control, breakpoints, changes, calls and dumps."""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from typing import Any

import anyio

from . import _models as m
from ._client import AsyncClient
from ._connection import Connection, PendingCall
from ._errors import (
    CallError,
    DlvError,
    DlvTimeoutError,
    DumpError,
    InvalidArgumentError,
    TargetRunningError,
    UsageError,
)
from ._launcher import DlvProcess
from ._target_output import TargetOutput

__all__ = ["LiveClient", "process_start_time"]

# What Delve serves while the target runs without taking the target lock (a locking call
# would wait on the connection's reader, so even a halt behind it would never be read).
_WHILE_RUNNING = frozenset(
    {"State", "GetVersion", "IsMulticlient", "DumpWait", "DumpCancel", "CancelDownloads"}
)
# What is safe while a dump runs: Delve 1.27's non-blocking State would leave a mutex locked
# and wedge the dump and dlv for good.
_WHILE_DUMPING = frozenset({"GetVersion", "IsMulticlient", "DumpWait", "DumpCancel"})
# How long a cancelled or timed-out command waits for the halt that stops the target.
_HALT_GRACE = 10.0
# DumpWait's wait per poll: short, so a cancellation reaches DumpCancel soon.
_DUMP_POLL_MS = 200


class LiveClient(AsyncClient):
    """A session with a live process, from :func:`dlvclient.launch`, :func:`~dlvclient.attach`,
    :func:`~dlvclient.debug` or :func:`~dlvclient.test`.

    Every reading method of :class:`AsyncClient` works while the target is stopped. While it
    runs (a :meth:`continue_` or step in flight, in any task) Delve serves only what needs no
    target lock, so every other call raises :class:`TargetRunningError` at once instead of
    hanging the connection: :meth:`halt` it first, or wait for the command to return.
    :meth:`halt`, :meth:`state` and :meth:`pid` work at any time. While :meth:`dump` runs,
    only the dump's own calls do.

    Commands that resume the target (:meth:`continue_`, :meth:`next`, :meth:`step`,
    :meth:`step_out`, :meth:`step_instruction`, :meth:`call_function`) wait without a limit by
    default (``timeout=None``); a given ``timeout``, like a cancellation, halts the target
    before the command raises.
    """

    def __init__(
        self,
        connection: Connection,
        *,
        default_timeout: float | None = 120.0,
        process: DlvProcess | None = None,
        output: TargetOutput | None = None,
        attached: bool = False,
        kill_on_close: bool = True,
        redirects: Sequence[str] = ("", "", ""),
    ) -> None:
        super().__init__(connection, default_timeout=default_timeout, process=process)
        self._output = output or TargetOutput()
        self._attached = attached
        #: Whether closing the session kills the target (launched: always; attached: if asked).
        self.kill_on_close = kill_on_close
        self._redirects = list(redirects)
        self._running: str | None = None  # the resuming command in flight
        self._dumping = False
        self._pid = 0
        self._pid_started: str | None = None
        self._exit_status: int | None = None

    # --- plumbing ---------------------------------------------------------------------------------

    async def _handshake(self, timeout: float | None) -> None:
        await super()._handshake(timeout)
        await self._learn_pid(timeout)

    async def _learn_pid(self, timeout: float | None) -> None:
        self._pid = (await self._call("ProcessPid", {}, m.ProcessPidOut, timeout)).pid
        # Which process that pid is, so the launcher can kill it (and no later namesake).
        self._pid_started = process_start_time(self._pid)

    def _check_state(self, method: str, params: Mapping[str, Any]) -> None:
        if self._dumping and method not in _WHILE_DUMPING:
            raise TargetRunningError(
                f"{method} cannot be called while a core dump is being written (Delve holds "
                f"the target for the whole dump); wait for dump() to return"
            )
        if self._running is not None and method not in _WHILE_RUNNING:
            if method == "Command" and params.get("name") == "halt":
                return
            raise TargetRunningError(
                f"{method} needs the target stopped, but {self._running} is running it; "
                f"call halt() first, or wait for {self._running} to return"
            )

    async def _start(self, method: str, params: Mapping[str, Any]) -> PendingCall:
        self._check_state(method, params)
        return await super()._start(method, params)

    async def _start_many(
        self, method: str, params: Mapping[str, Any], key: str, values: Iterable[int]
    ) -> list[PendingCall]:
        self._check_state(method, params)
        return await super()._start_many(method, params, key, values)

    async def _close_session(self) -> None:
        # Delve serves no Detach while the target runs: stop it first.
        if self._running is not None:
            await self.halt(timeout=5)
        await self.detach(kill=self.kill_on_close, timeout=5)

    @property
    def output(self) -> TargetOutput:
        """The target's stdout and stderr: ``async for chunk in client.output`` (launches only)."""
        return self._output

    @property
    def running(self) -> bool:
        """True while a command of this client has the target running."""
        return self._running is not None

    @property
    def attached(self) -> bool:
        """True for a process this session attached to (it keeps running when the session ends)."""
        return self._attached

    @property
    def exit_status(self) -> int | None:
        """The target's exit status once a command saw it exit, else None."""
        return self._exit_status

    async def pid(self, *, timeout: float | None = None) -> int:
        """The target's process id (known without asking Delve, so it works while running)."""
        return self._pid

    # --- execution control ------------------------------------------------------------------------

    async def _resume(
        self, name: str, extra: Mapping[str, Any], timeout: float | None
    ) -> m.DebuggerState:
        """Send a command that resumes the target; return the state it stopped in."""
        self._check_state("Command", {"name": name})
        self._running = name
        try:
            call = await super()._start("Command", {"name": name, **extra})
            try:
                line = await call.reply(math.inf if timeout is None else timeout)
            except DlvTimeoutError:
                await self._halt_after(name)
                raise DlvTimeoutError(
                    f"{name} did not stop within {timeout} s; the target was halted. Pass a "
                    f"larger timeout, or timeout=None to wait as long as it runs"
                ) from None
            except anyio.get_cancelled_exc_class():
                await self._halt_after(name)
                raise
        finally:
            self._running = None
        state = self._decode("Command", line, m.CommandOut).state
        if state.exited and self._exit_status is None:
            self._exit_status = state.exit_status
            self._output.target_exited()
        return state

    async def _halt_after(self, name: str) -> None:
        """Stop the target a command left running (shielded: this runs while cancelled)."""
        # dlv gone or broken: the connection's failure tells the rest.
        with (
            anyio.CancelScope(shield=True),
            anyio.move_on_after(_HALT_GRACE),
            contextlib.suppress(DlvError),
        ):
            await self.halt(timeout=_HALT_GRACE)

    async def continue_(self, *, timeout: float | None = None) -> m.DebuggerState:
        """Run until a breakpoint, a halt, a panic, a fatal error or the end of the program.

        Returns the state the target stopped in: ``exited``/``exit_status`` when it ended,
        :attr:`~DebuggerState.panicked`, :attr:`~DebuggerState.fatal_throw` and
        :attr:`~DebuggerState.breakpoint` for why it stopped. Tracepoints stop it too (their
        state carries what they loaded): :meth:`stops` goes on past each stop.
        """
        return await self._resume("continue", {}, timeout)

    async def next(self, *, timeout: float | None = None) -> m.DebuggerState:
        """Step over to the next source line of the selected goroutine."""
        return await self._resume("next", {}, timeout)

    async def step(self, *, timeout: float | None = None) -> m.DebuggerState:
        """Step to the next source line, into calls."""
        return await self._resume("step", {}, timeout)

    async def step_out(
        self, *, load: m.LoadConfig | None = None, timeout: float | None = None
    ) -> m.DebuggerState:
        """Run until the current function returns; its return values are in
        ``state.current_thread.return_values`` (loaded with ``load``)."""
        cfg = (load or m.LoadConfig.LONG).to_wire()
        return await self._resume("stepOut", {"ReturnInfoLoadConfig": cfg}, timeout)

    async def step_instruction(self, *, timeout: float | None = None) -> m.DebuggerState:
        """Execute one machine instruction."""
        return await self._resume("stepInstruction", {}, timeout)

    async def halt(self, *, timeout: float | None = None) -> m.DebuggerState:
        """Stop the running target (from any task, while a command runs); returns its state.

        The command in flight then returns, stopped with reason ``manual``. Halting a stopped
        target does nothing and returns its state.
        """
        call = await self._start("Command", {"name": "halt"})
        return (await self._finish(call, m.CommandOut, timeout)).state

    async def stops(self, *, timeout: float | None = None) -> AsyncIterator[m.DebuggerState]:
        """Continue, and yield each state the target stops in, until it exits.

        The last state yielded is the exit's. Breaking out leaves the target stopped where it
        was last yielded.
        """
        while True:
            state = await self.continue_(timeout=timeout)
            yield state
            if state.exited:
                return

    async def restart(
        self,
        args: Sequence[str] | None = None,
        *,
        rebuild: bool = False,
        timeout: float | None = None,
    ) -> list[m.DiscardedBreakpoint]:
        """Start the launched program again from the beginning (``args`` replace its arguments).

        Breakpoints are kept; those that no longer resolve (after ``rebuild``, for ``debug``
        and ``test`` sessions) are returned. Not possible for an attached process.
        """
        if self._attached:
            raise UsageError(
                "restart() needs a process Delve launched, not an attached one; detach and "
                "start the program yourself"
            )
        params: dict[str, Any] = {"Rebuild": rebuild}
        if args is not None:
            # Resetting the arguments resets the redirects too: the output pipes must stay.
            params.update(ResetArgs=True, NewArgs=list(args), NewRedirects=self._redirects)
        out = await self._call("Restart", params, m.RestartOut, timeout)
        await self._learn_pid(timeout)
        self._exit_status = None
        return out.discarded_breakpoints

    # --- breakpoints ------------------------------------------------------------------------------

    async def create_breakpoint(
        self,
        location: str,
        *,
        condition: str | None = None,
        hit_condition: str | None = None,
        name: str | None = None,
        tracepoint: bool = False,
        stacktrace: int = 0,
        goroutine: bool = False,
        load_args: m.LoadConfig | None = None,
        load_locals: m.LoadConfig | None = None,
        variables: Sequence[str] = (),
        timeout: float | None = None,
    ) -> m.Breakpoint:
        """Set a breakpoint at a Delve location spec and return it as Delve made it.

        ``location`` is what the dlv terminal's ``break`` takes: ``main.handler``,
        ``file.go:42``, ``*0x4a2f10``, ``+3`` (lines after the selected frame's)… A spec
        that matches several places (a ``/regexp/``) is refused: name one. ``condition`` is
        a Go boolean expression; ``hit_condition`` is ``"N"`` or ``"op N"`` (``"> 3"``,
        ``"% 2"``). ``tracepoint`` marks a breakpoint whose stops only report (a tracer
        continues past them). ``stacktrace`` frames, the ``goroutine``, ``load_args``,
        ``load_locals`` and the ``variables`` expressions are collected at each hit into
        ``state.current_thread.breakpoint_info``.
        """
        if name is not None and (not name.isalnum() or name.isdigit()):
            raise InvalidArgumentError(
                f"breakpoint name {name!r} must be letters and digits, not only digits"
            )
        locations = await self.find_location(location, timeout=timeout)
        if len(locations) != 1:
            places = ", ".join(f"{loc.function_name} ({loc.file}:{loc.line})" for loc in locations)
            raise InvalidArgumentError(
                f"location {location!r} matches {len(locations)} places ({places}); give "
                f"one of them (function name or file:line)"
            )
        loc = locations[0]
        bp = m.Breakpoint(
            name=name or "",
            addr=loc.pc,
            addrs=loc.pcs or [loc.pc],
            cond=condition or "",
            hit_cond=hit_condition or "",
            tracepoint=tracepoint,
            stacktrace=stacktrace,
            goroutine=goroutine,
            load_args=load_args,
            load_locals=load_locals,
            variables=list(variables),
        )
        params = {"Breakpoint": _breakpoint_wire(bp), "LocExpr": location}
        out = await self._call("CreateBreakpoint", params, m.BreakpointOut, timeout)
        assert out.breakpoint is not None
        return out.breakpoint

    async def create_watchpoint(
        self,
        expr: str,
        kind: m.WatchType = m.WatchType.WRITE,
        *,
        goroutine_id: int = -1,
        frame: int = 0,
        timeout: float | None = None,
    ) -> m.Breakpoint:
        """Stop when the memory of ``expr`` (evaluated in that frame) is written (or read)."""
        params = {"Scope": self._scope(goroutine_id, frame, 0), "Expr": expr, "Type": int(kind)}
        # CreateWatchpointOut embeds the breakpoint: its fields are the reply's own.
        return await self._call("CreateWatchpoint", params, m.Breakpoint, timeout)

    async def breakpoints(
        self, *, all: bool = False, timeout: float | None = None
    ) -> list[m.Breakpoint]:
        """The breakpoints set; ``all`` adds Delve's internal ones (panic, fatal throw)."""
        out = await self._call("ListBreakpoints", {"All": all}, m.ListBreakpointsOut, timeout)
        # Delve 1.27 lists its panic and fatal-throw breakpoints (ids < 0) even without All.
        return out.breakpoints if all else [bp for bp in out.breakpoints if bp.id > 0]

    @staticmethod
    def _which(breakpoint: int | str | m.Breakpoint) -> dict[str, Any]:
        if isinstance(breakpoint, m.Breakpoint):
            return {"Id": breakpoint.id}
        if isinstance(breakpoint, str):
            return {"Name": breakpoint}
        return {"Id": breakpoint}

    async def breakpoint(
        self, breakpoint: int | str, *, timeout: float | None = None
    ) -> m.Breakpoint:
        """One breakpoint by id or name."""
        return await self._breakpoint_call("GetBreakpoint", breakpoint, timeout)

    async def clear_breakpoint(
        self, breakpoint: int | str | m.Breakpoint, *, timeout: float | None = None
    ) -> m.Breakpoint:
        """Remove a breakpoint (by id, name or the object); returns it as it was."""
        return await self._breakpoint_call("ClearBreakpoint", breakpoint, timeout)

    async def toggle_breakpoint(
        self, breakpoint: int | str | m.Breakpoint, *, timeout: float | None = None
    ) -> m.Breakpoint:
        """Disable an enabled breakpoint or enable a disabled one; returns its new state."""
        return await self._breakpoint_call("ToggleBreakpoint", breakpoint, timeout)

    async def _breakpoint_call(
        self, method: str, breakpoint: int | str | m.Breakpoint, timeout: float | None
    ) -> m.Breakpoint:
        """``method`` on one breakpoint (by id, name or the object); the breakpoint it returns."""
        out = await self._call(method, self._which(breakpoint), m.BreakpointOut, timeout)
        assert out.breakpoint is not None
        return out.breakpoint

    async def amend_breakpoint(
        self, breakpoint: m.Breakpoint, *, timeout: float | None = None
    ) -> None:
        """Change a breakpoint (condition, hit condition, what it loads…) to ``breakpoint``."""
        params = {"Breakpoint": _breakpoint_wire(breakpoint)}
        await self._call("AmendBreakpoint", params, m.EmptyOut, timeout)

    # --- changing the target ----------------------------------------------------------------------

    async def set_variable(
        self,
        expr: str,
        value: str,
        *,
        goroutine_id: int = -1,
        frame: int = 0,
        timeout: float | None = None,
    ) -> None:
        """Assign ``value`` (a Go expression: ``"42"``, ``"other"``, ``"nil"``) to ``expr``."""
        params = {"Scope": self._scope(goroutine_id, frame, 0), "Symbol": expr, "Value": value}
        await self._call("Set", params, m.EmptyOut, timeout)

    async def call_function(
        self,
        expr: str,
        *,
        goroutine_id: int = -1,
        unsafe: bool = False,
        load: m.LoadConfig | None = None,
        timeout: float | None = None,
    ) -> list[m.Variable]:
        """Call a function in the target (``"double(21)"``) and return its return values.

        The call runs on the selected goroutine (or ``goroutine_id``), which must be stopped
        at a point where the Go runtime allows calls: Delve's refusals raise
        :class:`CallError`. ``unsafe`` lets arguments point into the stack.
        """
        params: dict[str, Any] = {
            "expr": expr,
            "unsafeCall": unsafe,
            "ReturnInfoLoadConfig": (load or m.LoadConfig.LONG).to_wire(),
        }
        if goroutine_id > 0:
            params["goroutineID"] = goroutine_id
        state = await self._resume("call", params, timeout)
        thread = state.current_thread
        if thread is None or not thread.call_return:
            raise CallError(
                f"the call of {expr} did not return: the target stopped first "
                f"({state.stop_reason or 'at a breakpoint or exit'})",
                method="Command",
            )
        return thread.return_values

    # --- snapshots --------------------------------------------------------------------------------

    async def dump(
        self,
        path: str | os.PathLike[str],
        *,
        progress: Callable[[m.DumpState], object] | None = None,
        timeout: float | None = None,
    ) -> m.DumpState:
        """Write a core of the stopped target to ``path``; returns the dump's final state.

        The core opens with :func:`dlvclient.open_core`. ``progress`` is called with each
        state polled while Delve writes. Cancelled (or past ``timeout``), the dump is
        cancelled in Delve before this raises. Raises :class:`DumpError` if Delve failed.
        """
        destination = str(await anyio.Path(path).absolute())
        start = await self._start("DumpStart", {"Destination": destination})
        self._dumping = True
        try:
            state = (await self._finish(start, m.DumpStateOut, timeout)).state
            with anyio.fail_after(math.inf if timeout is None else timeout):
                while state.dumping:
                    if progress is not None:
                        progress(state)
                    state = await self._dump_wait()
        except BaseException:
            with (
                anyio.CancelScope(shield=True),
                anyio.move_on_after(_HALT_GRACE),
                contextlib.suppress(DlvError),
            ):
                await self._call("DumpCancel", {}, m.EmptyOut, _HALT_GRACE)
                while (await self._dump_wait()).dumping:
                    pass
            raise
        finally:
            self._dumping = False
        if progress is not None:
            progress(state)
        if state.err:
            raise DumpError(f"Delve could not write the core {destination}: {state.err}", state)
        if not state.all_done:
            raise DumpError(f"the dump to {destination} was cancelled before it was done", state)
        return state

    async def _dump_wait(self) -> m.DumpState:
        params = {"Wait": _DUMP_POLL_MS}
        return (await self._call("DumpWait", params, m.DumpStateOut, _HALT_GRACE)).state


def process_start_time(pid: int) -> str | None:
    """The process's start time in clock ticks (field 22 of /proc/PID/stat), or None if gone."""
    try:
        with open(f"/proc/{pid}/stat") as file:
            stat = file.read()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after its last ")".
    return stat[stat.rindex(")") + 2 :].split()[19]


def _breakpoint_wire(bp: m.Breakpoint) -> dict[str, Any]:
    """The breakpoint as Delve takes it: what Delve fills in itself left out."""
    wire = bp.to_wire()
    for key in ("hitCount", "totalHitCount", "VerboseDescr", "ExprString", "addrpid"):
        wire.pop(key, None)
    return {key: value for key, value in wire.items() if value is not None}
