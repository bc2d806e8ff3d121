"""Every report and bucket model: the JSON a report is, described field by field.

These are data only (no I/O, no analysis); :mod:`dlvclient._buckets` and
:mod:`dlvclient._report` fill them in, the CLI renders them, and `docs/report-schema.md`
is generated from their field descriptions.
"""

from __future__ import annotations

from enum import Enum
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from ._origin import FrameOrigin, culprit_index

__all__ = [
    "Bucket",
    "BucketChange",
    "BucketDiff",
    "BucketFrame",
    "BucketState",
    "CodeLocation",
    "CrashPart",
    "CrashReport",
    "FrameLike",
    "FrameVariable",
    "GoroutineSummary",
    "GoroutinesPart",
    "Reason",
    "ReasonKind",
    "ReportDiff",
    "ReportFrame",
    "ReportModel",
    "Similarity",
    "SnapshotReport",
    "SourceLine",
    "WaitChannel",
    "WaitFrame",
    "WaitKind",
    "WaitObject",
    "Waits",
]


class Similarity(str, Enum):
    """How alike two stacks must be to share a bucket (finest first)."""

    EXACT = "exact"
    FUNCTION = "function"


class FrameLike(Protocol):
    """What bucketing reads of a frame; :class:`~dlvclient.Stackframe` and
    :class:`BucketFrame` both qualify."""

    @property
    def function_name(self) -> str: ...
    @property
    def file(self) -> str: ...
    @property
    def line(self) -> int: ...
    @property
    def is_runtime(self) -> bool: ...


class ReportModel(BaseModel):
    """Base of the analysis models: validators are built on first use, not at import."""

    model_config = ConfigDict(defer_build=True)


class BucketFrame(ReportModel):
    """One frame of a bucket's representative stack."""

    function: str = Field(description="Fully qualified function name, e.g. 'main.worker'.")
    file: str = Field(description="Source file as recorded in the executable's debug info.")
    line: int = Field(description="Line number in that file.")
    is_runtime: bool = Field(
        description="True for Go runtime internals (unexported runtime.*, internal/...)."
    )
    origin: FrameOrigin | None = Field(
        None,
        description="Where the code comes from ('runtime', 'stdlib', 'dependency', 'main', "
        "'c'), as for the report's frames; null when not classified.",
    )

    @property
    def function_name(self) -> str:
        """Alias of ``function``, so a bucket's frames can be bucketed again."""
        return self.function

    @classmethod
    def of(cls, frame: FrameLike) -> BucketFrame:
        """The compact copy of any frame."""
        return cls(
            function=frame.function_name,
            file=frame.file,
            line=frame.line,
            is_runtime=frame.is_runtime,
        )


class BucketState(ReportModel):
    """How many goroutines of a bucket are in one state."""

    state: str = Field(description="Goroutine state ('waiting', 'runnable', ...).")
    wait_reason: str | None = Field(
        description="Wait reason ('IO wait', ...), null when there is none."
    )
    count: int = Field(description="Goroutines of the bucket in this state.")


class Bucket(ReportModel):
    """Goroutines that share one stack signature."""

    signature: str = Field(
        description="Hex digest of the stack signature at `level`; equal signatures mean the "
        "same kind of stack, also across cores of the same program."
    )
    level: Similarity = Field(description="The similarity level the bucket was formed at.")
    count: int = Field(description="How many goroutines are in the bucket.")
    ids: list[int] = Field(
        description="Goroutine ids in the bucket, in the order seen; at most the report's "
        "id cap (see `ids_truncated`)."
    )
    ids_truncated: bool = Field(description="True when `ids` lists fewer than `count` ids.")
    state: str | None = Field(
        description="Goroutine state ('waiting', 'running', ...) shared by every member, "
        "or null when members differ (see `states`)."
    )
    wait_reason: str | None = Field(
        description="Wait reason ('chan receive', ...) shared by every member; null when "
        "there is none or members differ (see `states`)."
    )
    states: list[BucketState] = Field(
        default_factory=list,
        description="Goroutines per state and wait reason, largest first; one entry when "
        "every member is alike.",
    )
    frames: list[BucketFrame] = Field(
        description="The stack of the first goroutine seen, innermost frame first."
    )
    creator: BucketFrame | None = Field(
        None,
        description="The `go` statement that started the first goroutine seen (the same for "
        "every member at the 'exact' level); null for the main goroutine and where Delve "
        "does not know it.",
    )
    longest_wait_ns: int | None = Field(
        None,
        description="How long the member blocked longest has waited at least, in "
        "nanoseconds: from the start of the first garbage collection that found it blocked "
        "(the runtime's g.waitsince) to the start of the latest one (runtime.work.tstart); "
        "Go's traceback gives it in minutes. Null when no collection saw a member blocked.",
    )
    crashed: bool = Field(description="True for the bucket holding the crashed goroutine.")
    runtime: bool = Field(
        description="True when every frame is runtime-internal (GC workers, finalizers...): "
        "such buckets are listed after all user buckets."
    )

    @property
    def culprit(self) -> BucketFrame | None:
        """The frame to read first: the innermost frame of the program's own main module, else
        of a dependency, else of the standard library (by the frames' ``origin``); without
        origins, the innermost frame outside the Go runtime."""
        index = culprit_index(self.frames)
        if index is not None:
            return self.frames[index]
        return next((frame for frame in self.frames if not frame.is_runtime), None)


# --- comparing dumps -----------------------------------------------------------------------------


class BucketChange(ReportModel):
    """How one kind of stack changed between two dumps."""

    signature: str = Field(description="The bucket signature at the diff's level.")
    frames: list[BucketFrame] = Field(description="Representative stack, innermost first.")
    state: str | None = Field(description="Shared goroutine state, if any.")
    wait_reason: str | None = Field(description="Shared wait reason, if any.")
    runtime: bool = Field(description="True for runtime-internal stacks.")
    old_count: int = Field(description="Goroutines with this stack in the old dump.")
    new_count: int = Field(description="Goroutines with this stack in the new dump.")
    delta: int = Field(description="new_count - old_count.")


class BucketDiff(ReportModel):
    """Buckets that appeared, vanished, grew or shrank (each list: largest change first)."""

    level: Similarity = Field(description="Similarity level the buckets were matched at.")
    appeared: list[BucketChange] = Field(description="Stacks only in the new dump.")
    vanished: list[BucketChange] = Field(description="Stacks only in the old dump.")
    grew: list[BucketChange] = Field(description="Stacks with more goroutines than before.")
    shrank: list[BucketChange] = Field(description="Stacks with fewer goroutines than before.")
    unchanged: int = Field(description="How many buckets kept their size.")


# --- the crash report ----------------------------------------------------------------------------


class ReasonKind(str, Enum):
    """What ended the program."""

    PANIC = "panic"
    FATAL_ERROR = "fatal_error"
    SIGNAL = "signal"
    GOROUTINE_DUMP = "goroutine_dump"
    NONE = "none"


class Reason(ReportModel):
    """Why the program died, as the Go runtime reported it."""

    kind: ReasonKind = Field(
        description="'panic' (an unrecovered panic), 'fatal_error' (the runtime threw: "
        "'fatal error: ...'), 'signal' (a fault signal the runtime does not turn into a panic, "
        "e.g. SIGSEGV in C code), 'goroutine_dump' (a signal that was sent, not caused by a "
        "fault: `kill -QUIT`, the program signalling itself, `capture --signal-after`; no "
        "goroutine crashed) or 'none' (a snapshot of a process that was not crashing)."
    )
    message: str = Field(
        description="The text after 'panic: ' or 'fatal error: ' (for a signal, Go's "
        "'SIGQUIT: quit' line); empty only for kind 'none'."
    )
    signal: str | None = Field(
        None,
        description="Name of the signal behind the crash ('SIGSEGV', 'SIGQUIT'), as Go's "
        "'[signal ...]' line; null when no signal was involved.",
    )
    signal_code: int | None = Field(
        None, description="The signal's si_code (Go's 'code='), when known."
    )
    fault_address: int | None = Field(
        None, description="The faulting memory address (Go's 'addr='), when known."
    )
    pc: int | None = Field(
        None,
        description="Program counter where the signal struck (Go's 'pc=' or 'PC='); null "
        "without a signal or when Delve cannot unwind the signal frame exactly.",
    )
    sender_pid: int | None = Field(
        None,
        description="For a signal sent by a process (si_code SI_USER, SI_TKILL, SI_QUEUE): "
        "the sender's pid (the dumped pid itself when the program signalled itself).",
    )
    sender_uid: int | None = Field(None, description="The sender's uid, with `sender_pid`.")
    runtime_header: str | None = Field(
        None,
        description="The header Go's runtime printed before its traceback ('panic: ...', "
        "'SIGQUIT: quit'), from the program's output kept beside the core (`capture` writes "
        "CORE.log); null without that file.",
    )


class SourceLine(ReportModel):
    """One line of source code."""

    line: int = Field(description="1-based line number.")
    text: str = Field(description="The line, without its newline.")


class FrameVariable(ReportModel):
    """An argument or local variable of a frame, rendered compactly."""

    name: str = Field(description="Variable name.")
    type: str = Field(description="Go type.")
    value: str = Field(
        description="The value on one line as dlv's 'locals' prints it, loaded with small "
        "limits and clipped to 256 characters; '(unreadable why)' when Delve could not read it."
    )


class CodeLocation(ReportModel):
    """A function, file and line."""

    function: str = Field(description="Fully qualified function name.")
    file: str = Field(description="Source file as recorded in the executable.")
    line: int = Field(description="Line number.")
    origin: FrameOrigin | None = Field(
        None,
        description="Where the code comes from: 'runtime', 'stdlib', 'dependency' (with "
        "module and version), 'main' (the program's own main module) or 'c'.",
    )


class ReportFrame(CodeLocation):
    """A frame of the crashed goroutine."""

    pc: int = Field(description="Program counter (a return address for outer frames).")
    is_runtime: bool = Field(description="True for Go runtime internals.")
    frame: int | None = Field(
        None,
        description="Delve's number of this frame in the crashed goroutine's stack: the frame "
        "that AsyncClient.eval(frame=...) and `dlvclient eval -f` take; null when Delve cannot "
        "evaluate in it.",
    )
    arguments: list[FrameVariable] | None = Field(
        None, description="Function arguments; null for runtime frames and frames not detailed."
    )
    locals: list[FrameVariable] | None = Field(
        None, description="Local variables; null for runtime frames and frames not detailed."
    )
    source: list[SourceLine] | None = Field(
        None, description="Lines around `line`, when the source file was found locally."
    )


class GoroutineSummary(ReportModel):
    """Counts over every goroutine in the core."""

    total: int = Field(description="Number of goroutines.")
    by_status: dict[str, int] = Field(description="Goroutines per state ('waiting': 12, ...).")
    by_wait_reason: dict[str, int] = Field(
        description="Waiting goroutines per wait reason ('chan receive': 10, ...)."
    )


# --- what blocked goroutines wait on -------------------------------------------------------------


class WaitKind(str, Enum):
    """What a group of blocked goroutines waits on."""

    MUTEX = "mutex"
    RWMUTEX = "rwmutex"
    CHAN_SEND = "chan_send"
    CHAN_RECV = "chan_recv"
    SELECT = "select"
    COND = "cond"
    WAITGROUP = "waitgroup"
    #: A runtime semaphore that no ``sync`` frame explains (``internal/poll``, the runtime).
    SEMAPHORE = "semaphore"
    #: A send or receive on a nil channel: blocked for good.
    NIL_CHAN = "nil_chan"
    SELECT_NO_CASES = "select_no_cases"
    SLEEP = "sleep"
    IO_WAIT = "io_wait"
    SYSCALL = "syscall"
    GC = "gc"
    OTHER = "other"


class WaitFrame(CodeLocation):
    """The frame where a goroutine blocks: its first frame outside the runtime and stdlib."""

    index: int = Field(description="The frame's index in the goroutine's stack (0: innermost).")


class WaitChannel(ReportModel):
    """A channel that goroutines wait on, as its ``runtime.hchan`` says."""

    address: int = Field(description="Address of the runtime.hchan.")
    direction: str | None = Field(
        None, description="For a select case: 'recv' or 'send'; None for a whole channel."
    )
    element_type: str = Field("", description="Go type of the elements ('' when unknown).")
    len: int = Field(0, description="Elements in the buffer.")
    cap: int = Field(0, description="Buffer size (0: unbuffered).")
    closed: bool = Field(False, description="Whether the channel is closed.")
    timer: bool = Field(False, description="A time.Timer's or Ticker's channel (Go 1.23+).")
    receivers: int = Field(0, description="Goroutines queued to receive (select cases included).")
    senders: int = Field(0, description="Goroutines queued to send (select cases included).")


class WaitObject(ReportModel):
    """One object (or one kind of wait) and the goroutines blocked on it."""

    kind: WaitKind = Field(description="How the goroutines wait (see WaitKind).")
    address: int = Field(
        description="The object's address (a sync value, a runtime.hchan); 0 for waits on no "
        "object (sleep, syscall, ...) and where it could not be read."
    )
    type: str = Field("", description="The object's Go type, e.g. 'sync.Mutex', 'chan int'.")
    waiters: int = Field(description="How many goroutines wait on it.")
    goroutine_ids: list[int] = Field(description="Their ids, ascending.")
    frame: WaitFrame | None = Field(
        None, description="Where the first of them blocks (first frame outside runtime/stdlib)."
    )
    wait_reason: str = Field("", description="The runtime's wait reason of the first waiter.")
    expression: str | None = Field(
        None,
        description="An expression naming the object in a waiter's frame, e.g. 's.mu' "
        "(evaluate it there with frame.index).",
    )
    expression_owner: str | None = Field(
        None, description="Type of the variable the expression starts from, e.g. '*main.Store'."
    )
    readers: list[int] | None = Field(None, description="rwmutex: goroutines in RLock.")
    writers: list[int] | None = Field(None, description="rwmutex: goroutines in Lock.")
    counter: int | None = Field(None, description="waitgroup: the counter Wait waits on.")
    channel: WaitChannel | None = Field(None, description="chan_send/chan_recv: the channel.")
    channels: list[WaitChannel] | None = Field(None, description="select: every case's channel.")
    fd: int | None = Field(None, description="io_wait: the file descriptor, where readable.")
    hints: list[str] = Field(
        default_factory=list, description="Hints: guesses worth checking, not facts."
    )


class Waits(ReportModel):
    """Every blocked goroutine grouped by what it waits on, largest group first."""

    goroutines: int = Field(0, description="Goroutines in the core.")
    blocked: int = Field(0, description="Of them, blocked (the runtime's own left out).")
    objects: list[WaitObject] = Field(description="Groups, largest first, then by address.")
    hints: list[str] = Field(
        default_factory=list, description="Hints about the whole program (labelled as such)."
    )
    notes: list[str] = Field(default_factory=list, description="What could not be read, and why.")


class CrashPart(ReportModel):
    """The crash part of a report: why the program died and where (see :class:`CrashAnalysis`).

    Known before the goroutine walk when the crash is on the core's current thread, as in every
    ``GOTRACEBACK=crash`` core.
    """

    goroutine_id: int | None = Field(
        description="The crashed goroutine; null when the crash happened on a system stack "
        "with no goroutine (a deadlock, a signal on an idle thread) or there was no crash."
    )
    thread_id: int | None = Field(
        None, description="The OS thread the crash happened on, when known."
    )
    reason: Reason = Field(description="What ended the program.")
    top_user_frame: CodeLocation | None = Field(
        description="The culprit, where to start reading: the innermost frame of the "
        "program's own main module, else of a dependency, else of the standard library; null "
        "for a goroutine dump."
    )
    crash_site: CodeLocation | None = Field(
        None,
        description="The innermost frame outside the Go runtime, where the fault happened, "
        "when it is not `top_user_frame` (a crash inside a dependency or the standard library).",
    )
    frames: list[ReportFrame] = Field(
        description="The crashed stack, innermost first, starting at the frame that raised the "
        "crash (runtime.gopanic, runtime.throw, ...) as Go's own traceback does; the first user "
        "frames carry arguments, locals and source."
    )
    fingerprint: str = Field(
        description="Stable id of the crash: equal for two cores of the same bug, different "
        "for different bugs; for a goroutine dump, equal for two dumps of the same hang and "
        "never equal to a crash's (algorithm: see `fingerprint_version`)."
    )
    fingerprint_version: str = Field(
        "crash/v2",
        description="The fingerprint's algorithm: 'crash/v2' (in-app frames first) or "
        "'dump/v1' (the largest blocked buckets), as docs/report-schema.md describes.",
    )
    go_version: str | None = Field(description="Go version the program was built with.")
    delve_version: str | None = Field(description="Version of the Delve that read the core.")
    build_id: str | None = Field(description="GNU build id of the executable, when available.")
    pid: int | None = Field(None, description="Process id of the dumped process, when known.")
    notes: list[str] = Field(default_factory=list, description="What could not be read, and why.")
    program_output: str | None = Field(
        None, description="The file of the program's output the report read, if any."
    )


class GoroutinesPart(ReportModel):
    """The goroutine part of a report: counts and buckets, from a walk over every stack."""

    goroutines: GoroutineSummary = Field(description="Counts over all goroutines.")
    similarity: Similarity = Field(description="Similarity level of `buckets`.")
    buckets: list[Bucket] = Field(
        description="Goroutines grouped by stack: the crashed goroutine's bucket first, then "
        "user buckets, then runtime-internal ones, each largest first."
    )
    waits: list[WaitObject] = Field(
        default_factory=list,
        description="What the blocked goroutines wait on, one group per object, largest "
        "first (see dlvclient.waits); empty when the report was made without it.",
    )
    wait_hints: list[str] = Field(
        default_factory=list,
        description="Hints about the blocked goroutines as a whole (labelled 'hint:').",
    )
    notes: list[str] = Field(default_factory=list, description="What could not be read, and why.")


class CrashReport(GoroutinesPart, CrashPart):
    """Why the program died, as data (see :func:`crash_report`): the crash part and the
    goroutine part in one document, as ``dlvclient report --json`` writes it."""

    @classmethod
    def of(cls, crash: CrashPart, goroutines: GoroutinesPart) -> CrashReport:
        """The report made of its parts (no copy, no validation: the parts are valid); the
        notes of both."""
        fields = {**dict(crash), **dict(goroutines), "notes": [*crash.notes, *goroutines.notes]}
        return cls.model_construct(**fields)


class ReportDiff(BucketDiff):
    """What changed between two reports: the crash, the goroutine count, the buckets."""

    same_crash: bool = Field(description="True when both reports have the same fingerprint.")
    old_total: int = Field(description="Goroutines in the old dump.")
    new_total: int = Field(description="Goroutines in the new dump.")


class SnapshotReport(ReportModel):
    """What :func:`~dlvclient.snapshot` did: where the core is, how long the process stood still."""

    pid: int = Field(description="The process that was dumped.")
    core: str = Field(description="Absolute path of the core written.")
    executable: str = Field(description="The process's executable, to open the core with.")
    core_bytes: int = Field(description="The core's size on disk.")
    stopped_seconds: float = Field(
        description="How long the process was stopped, at most: from starting dlv to detaching."
    )
    dump_seconds: float = Field(description="How long Delve took to write the core.")
    delve_version: str = Field(description="The Delve that wrote it.")
    threads: int = Field(description="Threads dumped.")
    memory_bytes: int = Field(description="Bytes of memory dumped.")
