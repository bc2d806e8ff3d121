"""Crash triage: why a Go program died, read from its core and returned as data.

:func:`crash_report` finds the crash on the core's current thread (for a ``GOTRACEBACK=crash``
core that is the thread that raised the fatal signal), classifies it, recovers the message
the runtime printed, details the crashed goroutine's user frames and buckets every goroutine
by stack. :func:`diff_reports` compares the buckets of two dumps.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import anyio

from ._buckets import Bucketer, diff_buckets
from ._culprit import CRASH_FINGERPRINT, DUMP_FINGERPRINT, crash_fingerprint
from ._culprit import dump_fingerprint as _dump_fingerprint
from ._errors import DlvError, InvalidArgumentError
from ._goprint import variable_text
from ._models import (
    LoadConfig,
    Stackframe,
    StacktraceOptions,
    Variable,
    VariableKind,
    VersionInfo,
)
from ._origin import GoBuildInfo, OriginKind, culprit_index, frame_origin
from ._output import RuntimeHeader, read_runtime_header
from ._protocols import ReadClient, versions
from ._quoting import go_quote
from ._schema import (
    Bucket,
    CodeLocation,
    CrashPart,
    CrashReport,
    FrameVariable,
    GoroutinesPart,
    GoroutineSummary,
    Reason,
    ReasonKind,
    ReportDiff,
    ReportFrame,
    Similarity,
    SourceLine,
)
from ._signals import go_signal_name, go_signal_text
from ._waits import WaitsCollector
from ._wording import waited_ns

_T = TypeVar("_T")

__all__ = [
    "CrashAnalysis",
    "crash_report",
    "diff_reports",
    "panic_message",
]

# --- rendering values ----------------------------------------------------------------------------

_VALUE_LIMIT = 256


def _clip(text: str, limit: int = _VALUE_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _value_text(var: Variable) -> str:
    """A value on one line, as dlv's ``locals`` prints it."""
    return variable_text(var, multiline=False)


def _is_named(type_name: str) -> bool:
    return "." in type_name.lstrip("*")


# --- panic values, as Go prints them -------------------------------------------------------------

# runtime.boundsError formats by code (runtime/error.go, unchanged from Go 1.19 to 1.26 but for
# the conversion message, given here as Go 1.20+ prints it).
_BOUNDS_FORMATS = (
    "index out of range [%x] with length %y",
    "slice bounds out of range [:%x] with length %y",
    "slice bounds out of range [:%x] with capacity %y",
    "slice bounds out of range [%x:%y]",
    "slice bounds out of range [::%x] with length %y",
    "slice bounds out of range [::%x] with capacity %y",
    "slice bounds out of range [:%x:%y]",
    "slice bounds out of range [%x:%y:]",
    "cannot convert slice with length %y to array or pointer to array with length %x",
)
_BOUNDS_NEGATIVE_FORMATS = (
    "index out of range [%x]",
    "slice bounds out of range [:%x]",
    "slice bounds out of range [:%x]",
    "slice bounds out of range [%x:]",
    "slice bounds out of range [::%x]",
    "slice bounds out of range [::%x]",
    "slice bounds out of range [:%x:]",
    "slice bounds out of range [%x::]",
)
# Error types whose Error() is one of their string fields: the field's name.
_MESSAGE_FIELDS = {
    "*errors.errorString": "s",
    "*fmt.wrapError": "msg",
    "*fmt.wrapErrors": "msg",
    "runtime.errorAddressString": "msg",
}
_RUNTIME_ERROR_TYPES = frozenset({"runtime.errorString", "runtime.errorAddressString"})


def _fields(var: Variable) -> dict[str, Variable]:
    struct = var.children[0] if var.kind is VariableKind.PTR and var.children else var
    return {c.name: c for c in struct.children}


def _bounds_message(var: Variable) -> str:
    fields = {name: child.to_python() for name, child in _fields(var).items()}
    x, y, signed, code = fields.get("x"), fields.get("y"), fields.get("signed"), fields.get("code")
    negative = isinstance(x, int) and bool(signed) and x < 0
    table = _BOUNDS_NEGATIVE_FORMATS if negative else _BOUNDS_FORMATS
    if not (isinstance(x, int) and isinstance(y, int) and isinstance(code, int)) or not (
        0 <= code < len(table)
    ):
        return f"runtime error: {_value_text(var)}"
    shown_x = x if signed else x % (1 << 64)
    return "runtime error: " + table[code].replace("%x", str(shown_x)).replace("%y", str(y))


def panic_message(value: Variable) -> str:
    """The text Go prints after ``panic: `` for a panic value (an ``interface{}`` or its
    dynamic value), rendering types Go would format with their ``Error`` method.

    A value that is neither an error Go knows nor a basic type is shown with its type and
    fields as dlv prints it, ``main.MyErr {Code: 42, Reason: "boom"}``, where Go prints only
    ``(main.MyErr) 0x...``.
    """
    var = value
    if var.kind is VariableKind.INTERFACE:
        if var.is_nil or not var.children:
            return "nil"
        var = var.children[0]
    type_name = var.type
    if type_name == "runtime.boundsError":
        return _bounds_message(var)
    message = _fields(var).get(_MESSAGE_FIELDS.get(type_name, ""))
    if message is not None:
        text = message.value
    elif var.kind is VariableKind.STRING:
        text = var.value
        if _is_named(type_name) and type_name not in _RUNTIME_ERROR_TYPES | {"runtime.plainError"}:
            return f"{type_name}({go_quote(text)})"  # how Go prints a custom string type
    elif not var.children and var.value and _is_named(type_name):
        return f"{type_name}({var.value})"
    else:
        return _value_text(var)
    return f"runtime error: {text}" if type_name in _RUNTIME_ERROR_TYPES else text


# --- finding the crash ---------------------------------------------------------------------------

# Frames that raise a crash, and what kind of crash each means. The topmost one on the crashing
# thread decides: a throw during a panic is a fatal error, a panic caused by a signal a panic.
_MARKERS = {
    "runtime.throw": ReasonKind.FATAL_ERROR,
    "runtime.fatal": ReasonKind.FATAL_ERROR,
    "runtime.gopanic": ReasonKind.PANIC,
    "runtime.sighandler": ReasonKind.SIGNAL,
}
# Seen when an unwinder skipped the frame above, or in a goroutine caught mid-crash.
_WEAK_MARKERS = {
    "runtime.fatalthrow": ReasonKind.FATAL_ERROR,
    "runtime.fatalpanic": ReasonKind.PANIC,
    "runtime.sigpanic": ReasonKind.SIGNAL,
}
# The runtime's crash machinery above the marker: left out of the report's frames.
_MACHINERY = frozenset(
    {
        "runtime.raise",
        "runtime.dieFromSignal",
        "runtime.sigfwdgo",
        "runtime.sigtrampgo",
        "runtime.sigtramp",
        "runtime.sigreturn",
        "runtime.sigreturn__sigaction",
        "runtime.crash",
        "runtime.fatalthrow",
        "runtime.fatalthrow.func1",
        "runtime.fatalpanic",
        "runtime.fatalpanic.func1",
        "runtime.systemstack",
        "runtime.systemstack_switch",
    }
)
_SIGNAL_FRAMES = frozenset({"runtime.sigtrampgo", "runtime.sigtramp", "runtime.sigreturn"})


def _find_marker(frames: Sequence[Stackframe]) -> tuple[int, ReasonKind] | None:
    for table in (_MARKERS, _WEAK_MARKERS):
        for index, frame in enumerate(frames):
            kind = table.get(frame.function_name)
            if kind is not None:
                return index, kind
    return None


@dataclass
class _Site:
    """Where the crash was found."""

    goroutine_id: int | None
    thread_id: int | None
    frames: list[Stackframe]  # the stack the marker is on
    index: int  # of the marker in ``frames``
    kind: ReasonKind
    scoped: bool  # frame numbers of ``frames`` are valid eval scopes of ``scope``
    report_frames: list[Stackframe]  # the goroutine's (or thread's) ordinary stack

    @property
    def scope(self) -> int:
        return -1 if self.goroutine_id is None else self.goroutine_id

    @property
    def marker(self) -> Stackframe:
        return self.frames[self.index]


# Crash frames sit at the top of the thread's stack: a short unwind finds them.
_MARKER_DEPTH = 32


async def _locate(client: ReadClient, depth: int) -> _Site | None:
    """The crash on the core's current thread, if that thread was crashing."""
    state = await client.state()
    thread = state.current_thread
    goroutine_id = state.current_goroutine.id if state.current_goroutine else None
    if thread is None and goroutine_id is None:
        return None
    scope = -1 if goroutine_id is None else goroutine_id
    stack = await client.stacktrace(scope, depth=depth)
    thread_id = thread.id if thread else None
    found = _find_marker(stack)
    if found is not None:
        return _Site(goroutine_id, thread_id, stack, found[0], found[1], True, stack)
    # Delve 1.20 jumps from the signal frame straight to the goroutine's stack and so loses
    # the system-stack frames of e.g. a stack overflow; an unwind without stack switches
    # keeps them (their frame numbers are no eval scopes, though).
    simple = await client.stacktrace(scope, depth=_MARKER_DEPTH, options=StacktraceOptions.SIMPLE)
    found = _find_marker(simple)
    if found is not None:
        return _Site(goroutine_id, thread_id, simple, found[0], found[1], False, stack)
    return None


# --- recovering the message ----------------------------------------------------------------------

_LOAD_VARS = LoadConfig.model_construct(
    follow_pointers=True,
    max_variable_recurse=1,
    max_string_len=64,
    max_array_values=8,
    max_struct_fields=8,
)
_LOAD_PANIC = LoadConfig.model_construct(
    follow_pointers=True,
    max_variable_recurse=2,
    max_string_len=4096,
    max_array_values=16,
    max_struct_fields=16,
)
_LOAD_FIELDS = LoadConfig.fields()
_THROW_NAMES = ("throw", "fatal")


async def _arg(client: ReadClient, site: _Site, index: int, name: str) -> Variable | None:
    if not site.scoped:
        return None
    try:
        args = await client.args(goroutine_id=site.scope, frame=index, load=_LOAD_PANIC)
    except DlvError:
        return None
    return next((a for a in args if a.name == name and not a.unreadable), None)


async def _call_site_string(
    client: ReadClient, frames: Sequence[Stackframe], index: int
) -> str | None:
    """The string constant the caller of ``frames[index]`` passed it (amd64 only).

    The optimized runtime keeps no location for ``runtime.throw``'s argument, but every
    call site loads a constant the same way just before the call: ``LEAQ str(IP), AX`` and
    ``MOVL $len, BX`` (register ABI). Linkname wrappers (``internal/runtime/maps.fatal``)
    only pass their argument on, so the search starts at the first caller that is not one.
    """
    caller = index + 1
    while caller < len(frames) and frames[caller].function_name.rsplit(".", 1)[-1] in _THROW_NAMES:
        caller += 1
    if caller >= len(frames):
        return None
    ret = frames[caller].pc
    # The few bytes before the call first: Delve disassembles them in a fraction of the time
    # it takes over the whole function (0.3 ms against 2-7). Decoding from inside an
    # instruction falls back into step within a few; when no constant is found there (out of
    # step, or none passed, which is rare), the whole function, decoded from its entry.
    operands = await _call_operands(client, ret, max(0, ret - _CALL_WINDOW), ret)
    if operands is None:
        operands = await _call_operands(client, ret, ret, 0)
    if operands is None:
        return None
    try:
        return (await client.examine_memory(*operands)).decode("utf-8", "replace")
    except DlvError:
        return None


# Bytes before a return address disassembled to find the call and the constant it passed.
_CALL_WINDOW = 64


async def _call_operands(
    client: ReadClient, ret: int, start: int, end: int
) -> tuple[int, int] | None:
    """The string constant's address and length loaded before the call that returns to
    ``ret``, from the code disassembled over ``[start, end)`` (``end`` 0: the function)."""
    try:
        code = await client.disassemble(start, end)
    except DlvError:
        return None
    call = next((k for k, ins in enumerate(code) if ins.loc.pc + len(ins.bytes) == ret), None)
    if call is None:
        return None
    address = length = None
    for ins in reversed(code[max(0, call - 4) : call]):
        raw = ins.bytes
        if address is None and len(raw) == 7 and raw[:3] == b"\x48\x8d\x05":  # LEAQ d(IP), AX
            address = ins.loc.pc + 7 + int.from_bytes(raw[3:], "little", signed=True)
        elif length is None and len(raw) == 5 and raw[0] == 0xBB:  # MOVL $n, BX
            length = int.from_bytes(raw[1:], "little")
    if address is None or not length or length > 4096:
        return None
    return address, length


async def _g_fields(client: ReadClient, goroutine_id: int | None) -> dict[str, int]:
    """The signal fields of the goroutine's ``g`` (``sig``, ``sigcode0``, ``sigcode1``,
    ``sigpc``), which sigpanic's preparation sets and Go's ``[signal ...]`` line prints."""
    if goroutine_id is None:
        return {}
    try:
        g = await client.eval("runtime.curg", goroutine_id=goroutine_id, load=_LOAD_FIELDS)
    except DlvError:
        return {}
    wanted = ("sig", "sigcode0", "sigcode1", "sigpc")
    values = {c.name: c.to_python() for c in g.children if c.name in wanted}
    return {name: value for name, value in values.items() if isinstance(value, int)}


async def _reason(client: ReadClient, site: _Site, notes: list[str]) -> Reason:
    g = await _g_fields(client, site.goroutine_id)
    if site.kind is ReasonKind.SIGNAL and site.marker.function_name == "runtime.sighandler":
        return await _handler_reason(client, site, notes)
    sig = g.get("sig", 0)
    if site.kind is ReasonKind.PANIC:
        message = await _panic_text(client, site)
    elif site.kind is ReasonKind.FATAL_ERROR:
        message = await _throw_text(client, site)
    else:  # caught in sigpanic, before it decided to panic or throw
        message = go_signal_text(sig) if sig else "signal"
    if not message:
        notes.append(f"the message of this {site.kind.value} could not be read from the core")
        message = f"unknown {site.kind.value.replace('_', ' ')}"
    if not sig:
        return Reason(kind=site.kind, message=message)
    # As Go's dopanic_m: a non-zero g.sig means a signal caused this crash.
    return Reason(
        kind=site.kind,
        message=message,
        signal=go_signal_name(sig),
        signal_code=g.get("sigcode0"),
        fault_address=g.get("sigcode1"),
        pc=g.get("sigpc"),
    )


async def _panic_text(client: ReadClient, site: _Site) -> str:
    # Before printing, the runtime replaces an error or Stringer panic value by its text
    # (preprintpanics), so _panic.arg mostly holds exactly what Go printed.
    if site.goroutine_id is not None:
        try:
            arg = await client.eval(
                "runtime.curg._panic.arg", goroutine_id=site.goroutine_id, load=_LOAD_PANIC
            )
            return panic_message(arg)
        except DlvError:
            pass
    if site.marker.function_name == "runtime.gopanic":
        value = await _arg(client, site, site.index, "e")
        if value is not None:
            return panic_message(value)
    return ""


async def _throw_text(client: ReadClient, site: _Site) -> str:
    if site.marker.function_name.rsplit(".", 1)[-1] not in _THROW_NAMES:
        return ""
    value = await _arg(client, site, site.index, "s")
    if value is not None and value.kind is VariableKind.STRING:
        return value.value
    return await _call_site_string(client, site.frames, site.index) or ""


async def _handler_reason(client: ReadClient, site: _Site, notes: list[str]) -> Reason:
    # Only a crash in the signal handler (a goroutine dump) reads the signal's siginfo.
    from ._dump import original_signal, read_sent_signal

    sent = (
        await read_sent_signal(client, site.scope, site.frames, site.index) if site.scoped else None
    )
    if sent is not None and sent.sent:
        pid = await _optional(client.pid(), "pid", notes)
        sent = await original_signal(client, sent, pid=pid, thread_id=site.thread_id)
        return Reason(
            kind=ReasonKind.GOROUTINE_DUMP,
            message=go_signal_text(sent.number),
            signal=go_signal_name(sent.number),
            signal_code=sent.code,
            sender_pid=sent.sender_pid,
            sender_uid=sent.sender_uid,
        )
    value = await _arg(client, site, site.index, "sig")
    number = value.to_python() if value is not None else None
    if not isinstance(number, int) and sent is not None:
        number = sent.number
    if not isinstance(number, int):
        notes.append("the signal number is not readable in runtime.sighandler")
        return Reason(kind=ReasonKind.SIGNAL, message="unknown signal")
    # The frame under the signal frame is where the signal arrived; Delve 1.20 shows
    # sigtramp/sigreturn frames instead and then skips that frame, so no pc is reported there.
    below = site.frames[site.index + 1 : site.index + 3]
    pc = None
    if (
        len(below) == 2
        and below[0].function_name == "runtime.sigtrampgo"
        and below[1].function_name not in _SIGNAL_FRAMES
    ):
        pc = below[1].pc
    return Reason(
        kind=ReasonKind.SIGNAL,
        message=go_signal_text(number),
        signal=go_signal_name(number),
        pc=pc,
    )


# --- frames --------------------------------------------------------------------------------------


def _crash_frames(site: _Site) -> list[tuple[Stackframe, int | None]]:
    """The frames to report, each with its eval frame number (None: not an eval scope)."""
    frames = site.report_frames
    if site.scoped:
        return [(f, n) for n, f in enumerate(frames) if n >= site.index]
    # The marker is on a system stack only the simple unwind showed: report it and the
    # function that raised it, then the goroutine's own frames past the crash machinery.
    raised: list[tuple[Stackframe, int | None]] = [
        (f, None) for f in site.frames[site.index : site.index + 2]
    ]
    start = 0
    while start < len(frames) and frames[start].function_name in _MACHINERY:
        start += 1
    return raised + [(f, n) for n, f in enumerate(frames) if n >= start]


def _variables(variables: Sequence[Variable]) -> list[FrameVariable]:
    return [FrameVariable(name=v.name, type=v.type, value=_clip(_value_text(v))) for v in variables]


class _Sources:
    """Source files read on demand (once each), with substitute-path rules applied."""

    def __init__(self, rules: Sequence[tuple[str, str]], context: int) -> None:
        self._rules = rules
        self._context = context
        self._files: dict[str, list[str] | None] = {}

    def local_path(self, path: str) -> str:
        """The path after the first rule whose ``from`` is a directory prefix of it."""
        for old, new in self._rules:
            prefix = old.rstrip("/")
            if path == prefix or path.startswith(prefix + "/"):
                return new.rstrip("/") + path[len(prefix) :]
        return path

    async def around(self, path: str, line: int) -> list[SourceLine] | None:
        """The lines around ``line`` of the file, or None when it cannot be read."""
        if path not in self._files:
            self._files[path] = await anyio.to_thread.run_sync(_read_lines, self.local_path(path))
        lines = self._files[path]
        if lines is None or not 0 < line <= len(lines):
            return None
        first, last = max(1, line - self._context), min(len(lines), line + self._context)
        return [SourceLine(line=n, text=lines[n - 1]) for n in range(first, last + 1)]


def _read_lines(path: str) -> list[str] | None:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None


async def _report_frames(
    client: ReadClient,
    site: _Site,
    *,
    detail_frames: int,
    sources: _Sources,
    build: GoBuildInfo | None,
) -> list[ReportFrame]:
    out: list[ReportFrame] = []
    detailed = 0
    for frame, number in _crash_frames(site):
        report = ReportFrame(
            function=frame.function_name,
            file=frame.file,
            line=frame.line,
            pc=frame.pc,
            is_runtime=frame.is_runtime,
            frame=number,
            origin=frame.origin_in(build),
        )
        if number is not None and not frame.is_runtime and detailed < detail_frames:
            detailed += 1
            try:
                args = await client.args(goroutine_id=site.scope, frame=number, load=_LOAD_VARS)
                local = await client.locals(goroutine_id=site.scope, frame=number, load=_LOAD_VARS)
            except DlvError:
                pass
            else:
                report.arguments, report.locals = _variables(args), _variables(local)
            report.source = await sources.around(frame.file, frame.line)
        out.append(report)
    return out


# --- goroutines ----------------------------------------------------------------------------------


async def _scan_goroutines(
    client: ReadClient,
    *,
    go_version: str | None,
    bucketer: Bucketer,
    depth: int,
    crashed_id: int | None,
    find_crash: bool,
    progress: Callable[[int], None] | None,
    waits: WaitsCollector | None = None,
    gc_clock: int | None = None,
) -> tuple[GoroutineSummary, _Site | None]:
    """One streamed pass over every goroutine's stack: counts, buckets and, when the current
    thread showed no crash, the first goroutine caught crashing."""
    by_status: Counter[str] = Counter()
    by_wait: Counter[str] = Counter()
    total = 0
    found: _Site | None = None
    async for goroutine, frames in client.goroutine_stacks(depth=depth):
        total += 1
        if progress is not None:
            progress(total)
        status = goroutine.status_name
        wait = goroutine.wait_reason_name(go_version) if goroutine.wait_reason else ""
        by_status[status] += 1
        if wait:
            by_wait[wait] += 1
        crashed = goroutine.id == crashed_id
        if find_crash and found is None:
            marker = _find_marker(frames)
            if marker is not None:
                found = _Site(goroutine.id, None, frames, marker[0], marker[1], True, frames)
                crashed = True
        bucketer.add(
            goroutine.id,
            frames,
            state=status,
            wait_reason=wait,
            crashed=crashed,
            creator=goroutine.go_statement_loc,
            waited=waited_ns(goroutine.wait_since, gc_clock),
        )
        if waits is not None:
            waits.add(goroutine, frames)
    summary = GoroutineSummary(total=total, by_status=dict(by_status), by_wait_reason=dict(by_wait))
    return summary, found


async def gc_clock(client: ReadClient) -> int | None:
    """When the latest garbage collection started, on the clock of ``Goroutine.wait_since``
    (``runtime.work.tstart``): the "now" that wait stamps are measured against (see
    :func:`~dlvclient._wording.waited_text`); None when it cannot be read."""
    try:
        value = (await client.eval("runtime.work.tstart")).to_python()
    except DlvError:
        return None
    return value if isinstance(value, int) else None


# --- the entry points ----------------------------------------------------------------------------


def _level(similarity: Similarity | str) -> Similarity:
    try:
        return Similarity(similarity)
    except ValueError:
        choices = ", ".join(repr(s.value) for s in Similarity)
        raise InvalidArgumentError(f"similarity must be one of {choices}") from None


class CrashAnalysis:
    """The crash report of the core behind ``client``, in parts, each computed once.

    :meth:`crash` is why the program died and where: for a core whose current thread was
    crashing (every ``GOTRACEBACK=crash`` core) it needs no goroutine walk, so it comes in a
    fraction of the time the walk takes on a big core. :meth:`goroutines` is the walk, with
    counts, buckets and what blocked goroutines wait on; :meth:`report` is both, as
    :func:`crash_report` returns it. :meth:`crash` waits for the walk when it needs it: when
    the current thread shows no crash (the walk finds the first goroutine caught crashing),
    and for a goroutine dump, whose fingerprint is made of its buckets.

    The options are :func:`crash_report`'s.
    """

    def __init__(
        self,
        client: ReadClient,
        *,
        similarity: Similarity | str = Similarity.EXACT,
        depth: int = 64,
        detail_frames: int = 8,
        context_lines: int = 2,
        max_ids: int = 100,
        substitute_path: Sequence[tuple[str, str]] = (),
        progress: Callable[[int], None] | None = None,
        waits: bool = True,
        program_output: str | os.PathLike[str] | None = None,
    ) -> None:
        self._level = _level(similarity)
        if depth < 1 or detail_frames < 0 or context_lines < 0 or max_ids < 1:
            raise InvalidArgumentError(
                "depth and max_ids must be positive, detail_frames and context_lines not negative"
            )
        self._client = client
        self._depth = depth
        self._detail_frames = detail_frames
        self._sources = _Sources(substitute_path, context_lines)
        self._max_ids = max_ids
        self._progress = progress
        self._waits = waits
        self._program_output = program_output
        self._notes: list[str] = []
        self._located = False
        self._info: VersionInfo | None = None
        self._build: GoBuildInfo | None = None
        self._site: _Site | None = None
        self._found: _Site | None = None
        self._reason: Reason | None = None
        self._crash: CrashPart | None = None
        self._goroutines: GoroutinesPart | None = None

    async def _locate(self) -> VersionInfo:
        """The versions, the build info, the crash on the current thread and its reason."""
        if self._info is None:
            client = self._client
            self._info = await versions(client)
            self._build = await client.go_build_info()
            self._site = await _locate(client, self._depth)
            # The reason first: a goroutine dump claims no crashed goroutine in its buckets.
            if self._site is not None:
                self._reason = await _reason(client, self._site, self._notes)
        return self._info

    @property
    def _dump(self) -> bool:
        return self._reason is not None and self._reason.kind is ReasonKind.GOROUTINE_DUMP

    async def goroutines(self) -> GoroutinesPart:
        """Counts, buckets and waits over every goroutine: one streamed pass over the stacks."""
        if self._goroutines is None:
            info = await self._locate()
            site, go_version = self._site, info.target_go_version or None
            bucketer = Bucketer(self._level, max_ids=self._max_ids)
            collector = WaitsCollector(go_version) if self._waits else None
            summary, self._found = await _scan_goroutines(
                self._client,
                go_version=go_version,
                bucketer=bucketer,
                depth=self._depth,
                crashed_id=site.goroutine_id if site is not None and not self._dump else None,
                find_crash=site is None,
                progress=self._progress,
                waits=collector,
                gc_clock=await gc_clock(self._client),
            )
            blocked = await collector.resolve(self._client) if collector is not None else None
            self._goroutines = GoroutinesPart(
                goroutines=summary,
                similarity=self._level,
                buckets=_with_origins(bucketer.buckets(), self._build),
                waits=blocked.objects if blocked else [],
                wait_hints=blocked.hints if blocked else [],
                notes=[f"waits: {note}" for note in blocked.notes] if blocked else [],
            )
        return self._goroutines

    async def crash(self) -> CrashPart:
        """Why the program died and where; before the goroutine walk when it can be."""
        if self._crash is None:
            output, notes = self._program_output, self._notes
            header: list[RuntimeHeader | OSError | None] = []
            async with anyio.create_task_group() as tg:
                if output is not None:
                    # Read while dlv works: scanning a long output takes tens of milliseconds.
                    tg.start_soon(_read_header, output, header)
                info, site, reason, frames, buckets = await self._scene()
            if output is not None:
                reason = _confirm(reason, output, header[0], notes)
            client, dump = self._client, self._dump
            top, crash_site = _culprit(frames)
            self._crash = CrashPart(
                goroutine_id=site.goroutine_id if site is not None and not dump else None,
                thread_id=site.thread_id if site else None,
                reason=reason,
                top_user_frame=top,
                crash_site=crash_site,
                frames=frames,
                fingerprint=_dump_fingerprint(buckets)
                if dump
                else crash_fingerprint(reason.kind.value, reason.signal, reason.message, frames),
                fingerprint_version=DUMP_FINGERPRINT if dump else CRASH_FINGERPRINT,
                go_version=str(info.target_go)
                if info.target_go
                else (info.target_go_version or None),
                delve_version=str(info.delve) if info.delve else None,
                build_id=await _optional(client.build_id(), "build id", notes),
                pid=await _optional(client.pid(), "pid", notes),
                notes=notes,
                program_output=os.fspath(output) if output is not None else None,
            )
        return self._crash

    async def _scene(
        self,
    ) -> tuple[VersionInfo, _Site | None, Reason, list[ReportFrame], list[Bucket]]:
        """The versions, the crash site, its reason and frames, and (for a dump or a core with
        no crash on its current thread) the buckets."""
        info = await self._locate()
        client, notes, dump = self._client, self._notes, self._dump
        buckets = (await self.goroutines()).buckets if self._site is None or dump else []
        site, reason = self._site or self._found, self._reason
        frames: list[ReportFrame] = []
        if site is None:
            reason = Reason(kind=ReasonKind.NONE, message="")
        elif reason is None:
            reason = await _reason(client, site, notes)
        if site is not None and not dump:
            frames = await _report_frames(
                client,
                site,
                detail_frames=self._detail_frames,
                sources=self._sources,
                build=self._build,
            )
        return info, site, reason, frames, buckets

    async def report(self) -> CrashReport:
        """Both parts in one report."""
        crash = await self.crash()
        return CrashReport.of(crash, await self.goroutines())


async def crash_report(
    client: ReadClient,
    *,
    similarity: Similarity | str = Similarity.EXACT,
    depth: int = 64,
    detail_frames: int = 8,
    context_lines: int = 2,
    max_ids: int = 100,
    substitute_path: Sequence[tuple[str, str]] = (),
    progress: Callable[[int], None] | None = None,
    waits: bool = True,
    program_output: str | os.PathLike[str] | None = None,
) -> CrashReport:
    """Analyse the core behind ``client``: why the program died, where, and what every
    goroutine was doing.

    ``similarity`` is the bucket level (``"exact"`` or ``"function"``); ``depth`` bounds every
    stack read (frames past it neither show nor count in bucket signatures); the first
    ``detail_frames`` user frames of the crashed goroutine get arguments, locals and
    ``context_lines`` lines of source either side; buckets list at most ``max_ids`` ids;
    ``substitute_path`` maps ``(from, to)`` directory prefixes for finding sources of a
    binary built elsewhere. Goroutine stacks are streamed, so memory stays bounded by the
    number of distinct stacks; ``progress`` is called with the count of stacks read so far.
    With ``waits``, the same pass also finds what every blocked goroutine waits on
    (:func:`dlvclient.waits`).
    ``program_output`` is the program's output saved beside the core (``capture`` writes
    ``CORE.log``): the runtime's header there confirms the reason, or fills in what the core
    could not tell. :class:`CrashAnalysis` gives the crash part without waiting for the
    goroutine walk.
    """
    analysis = CrashAnalysis(
        client,
        similarity=similarity,
        depth=depth,
        detail_frames=detail_frames,
        context_lines=context_lines,
        max_ids=max_ids,
        substitute_path=substitute_path,
        progress=progress,
        waits=waits,
        program_output=program_output,
    )
    return await analysis.report()


_HEADER_KINDS = {
    "panic": ReasonKind.PANIC,
    "fatal_error": ReasonKind.FATAL_ERROR,
    "signal": ReasonKind.GOROUTINE_DUMP,
}


async def _read_header(
    path: str | os.PathLike[str], into: list[RuntimeHeader | OSError | None]
) -> None:
    """Appends the runtime header of the output at ``path`` to ``into``, or why it is unread."""
    try:
        into.append(await anyio.to_thread.run_sync(read_runtime_header, path))
    except OSError as exc:
        into.append(exc)


def _confirm(
    reason: Reason,
    path: str | os.PathLike[str],
    header: RuntimeHeader | OSError | None,
    notes: list[str],
) -> Reason:
    """The reason checked against the runtime's header read from the program's output."""
    if isinstance(header, OSError):
        notes.append(f"the program's output {os.fspath(path)} could not be read: {header}")
        return reason
    if header is None:
        notes.append(f"the program's output {os.fspath(path)} holds no runtime header")
        return reason
    kind = _HEADER_KINDS[header.kind]
    if header.kind == "signal" and header.signal_code is not None and header.signal_code > 0:
        kind = ReasonKind.SIGNAL  # a fault outside Go code, not a dump
    update: dict[str, object] = {"runtime_header": header.line}
    unread = reason.message.startswith("unknown ") or reason.kind is ReasonKind.NONE
    if unread and kind is not ReasonKind.GOROUTINE_DUMP:
        # The core could not tell; the runtime said it.
        update |= {"kind": kind, "message": header.message}
        update["signal"] = reason.signal or header.signal
        notes.append(f"the reason comes from the program's output: {header.line!r}")
    elif kind is not reason.kind or (header.signal and header.signal != reason.signal):
        if kind is ReasonKind.GOROUTINE_DUMP and reason.kind is ReasonKind.SIGNAL and unread:
            update |= {"kind": kind, "message": header.message, "signal": header.signal}
        else:
            notes.append(
                f"the program's output says {header.line!r}, but the core reads as a "
                f"{reason.kind.value}{f' ({reason.signal})' if reason.signal else ''}"
            )
    return reason.model_copy(update=update)


def _with_origins(buckets: list[Bucket], build: GoBuildInfo | None) -> list[Bucket]:
    """The buckets with each frame's origin filled in (which their culprits go by), and
    their creator's."""
    for bucket in buckets:
        bucket.frames = [
            f.model_copy(update={"origin": frame_origin(f.function, f.file, build)})
            for f in bucket.frames
        ]
        if bucket.creator is not None:
            origin = frame_origin(bucket.creator.function, bucket.creator.file, build)
            bucket.creator = bucket.creator.model_copy(update={"origin": origin})
    return buckets


def _location(frame: ReportFrame) -> CodeLocation:
    return CodeLocation(
        function=frame.function, file=frame.file, line=frame.line, origin=frame.origin
    )


def _culprit(frames: Sequence[ReportFrame]) -> tuple[CodeLocation | None, CodeLocation | None]:
    """The culprit (first in-app frame...) and the crash site when it is another frame."""
    index = culprit_index(frames)
    if index is None:
        return None, None
    site = next(
        (
            i
            for i, f in enumerate(frames)
            if f.origin is None or f.origin.kind is not OriginKind.RUNTIME
        ),
        index,
    )
    return _location(frames[index]), _location(frames[site]) if site != index else None


async def _optional(call: Awaitable[_T], what: str, notes: list[str]) -> _T | None:
    try:
        return await call
    except DlvError as exc:
        notes.append(f"{what}: {exc}")
        return None


def diff_reports(
    old: CrashReport, new: CrashReport, *, similarity: Similarity | str = Similarity.FUNCTION
) -> ReportDiff:
    """Compare two reports' goroutine buckets (matched by signature at ``similarity``): which
    stacks appeared, vanished, grew or shrank. For hunting leaks between two dumps.

    Both reports must have been made at ``similarity`` or a finer level.
    """
    level = _level(similarity)
    try:
        buckets = diff_buckets(old.buckets, new.buckets, level)
    except ValueError as exc:
        raise InvalidArgumentError(str(exc)) from None
    return ReportDiff(
        **buckets.model_dump(),
        same_crash=old.fingerprint == new.fingerprint,
        old_total=old.goroutines.total,
        new_total=new.goroutines.total,
    )
