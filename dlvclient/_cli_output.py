"""Text and HTML renderings of what the CLI shows: values, stacks, goroutines, crash reports.

The text forms follow the dlv terminal (``print``, ``bt``, ``frame N``, ``goroutines``) so that
people who know Delve read them at a glance. Nothing here talks to Delve.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from pathlib import PurePath
from typing import NamedTuple

from ._culprit import culprit_sentence, dump_sentence
from ._goprint import variable_text
from ._models import Goroutine, GoroutineStatus, Location, Stackframe
from ._origin import culprit_index
from ._schema import (
    Bucket,
    BucketFrame,
    CrashPart,
    CrashReport,
    GoroutinesPart,
    Reason,
    ReasonKind,
    ReportDiff,
    ReportFrame,
    SnapshotReport,
    WaitChannel,
    WaitKind,
    WaitObject,
    Waits,
)
from ._wording import (
    hidden_frames_line,
    status_words,
    variable_lines,
    wait_text,
    waited_ns,
    waited_text,
)

__all__ = [
    "diff_text",
    "goroutine_line",
    "reason_lines",
    "report_html",
    "report_text",
    "snapshot_text",
    "source_text",
    "stack_text",
    "waits_text",
]


# --- stacks, sources, goroutines -----------------------------------------------------------------


class _Row(NamedTuple):
    """One frame of a backtrace, whichever model it came from."""

    number: int
    pc: int
    function: str
    file: str
    line: int
    details: list[str]
    #: Printed instead of the frame: an unwinding error, or frames left out.
    note: str = ""


def _backtrace(rows: Sequence[_Row]) -> list[str]:
    """dlv's ``bt`` layout: ``N  0xPC in function`` then ``at file:line`` and any details."""
    width = len(str(max((row.number for row in rows), default=0)))
    pad = " " * (width + 2)
    spaced = any(row.details for row in rows)
    lines: list[str] = []
    for row in rows:
        if row.note:
            lines.append(f"{pad}{row.note}")
        else:
            lines.append(f"{row.number:>{width}}  0x{row.pc:016x} in {row.function}")
            lines.append(f"{pad}at {row.file}:{row.line}")
            lines.extend(f"{pad}{detail}" for detail in row.details)
        if spaced:
            lines.append("")
    return lines


def stack_text(frames: Sequence[Stackframe]) -> str:
    """Frames as dlv's ``bt`` (``stack``) prints them.

    Deferred calls and loaded arguments and locals (``--full``) follow their frame.
    """
    rows = []
    for number, frame in enumerate(frames):
        details = [
            line
            for j, defer in enumerate(frame.defers, 1)
            for line in _defer_lines(f"    defer {j}: ", defer.deferred_loc, defer.defer_loc)
        ]
        details += variable_lines(
            (var.name, variable_text(var, multiline=False))
            for var in [*(frame.arguments or ()), *(frame.locals or ())]
        )
        rows.append(
            _Row(
                number,
                frame.pc,
                frame.function_name,
                frame.file,
                frame.line,
                details,
                f"error: {frame.err}" if frame.err else "",
            )
        )
    lines = _backtrace(rows)
    if frames and not frames[-1].bottom:
        lines.append("(truncated)")
    return "\n".join(lines)


def _defer_lines(header: str, deferred: Location, by: Location) -> list[str]:
    indent = " " * len(header)
    return [
        f"{header}0x{deferred.pc:016x} in {deferred.function_name}",
        f"{indent}at {deferred.file}:{deferred.line}",
        f"{indent}deferred by {by.function_name} at {by.file}:{by.line}",
    ]


def source_text(lines: Iterable[tuple[int, str]], current: int) -> str:
    """Numbered source lines as dlv's ``list``, with ``=>`` on the ``current`` one."""
    return "\n".join(
        f"{'=>' if number == current else '  '} {number:>4}:\t{text}" for number, text in lines
    )


def _location_text(loc: Location) -> str:
    """``file:line function (0xPC)``, as dlv's ``goroutines`` prints a location."""
    return f"{loc.file}:{loc.line} {loc.function_name or '?'} ({loc.pc:#x})"


# States dlv's goroutines line tells by itself: by a wait reason, or a thread.
_STATES_DLV_SHOWS = frozenset({GoroutineStatus.WAITING, GoroutineStatus.RUNNING})


def goroutine_line(
    goroutine: Goroutine, wait_reason: str, *, current: bool = False, gc_clock: int | None = None
) -> str:
    """One line of dlv's ``goroutines``: id, user location, thread and why it waits.

    Where dlv prints the raw ``waitSince`` stamp, this says how long the goroutine has
    waited at least, given ``gc_clock`` (``runtime.work.tstart``; see :func:`waited_text`).
    """
    text = f"Goroutine {goroutine.id} - User: {_location_text(goroutine.user_current_loc)}"
    if goroutine.unreadable:
        text = f"Goroutine {goroutine.id} - (unreadable {goroutine.unreadable})"
    if goroutine.thread_id:
        text += f" (thread {goroutine.thread_id})"
    if wait_reason and goroutine.wait_reason:
        text += f" [{wait_text(wait_reason, waited_ns(goroutine.wait_since, gc_clock))}]"
    elif goroutine.status_enum not in _STATES_DLV_SHOWS and not goroutine.unreadable:
        text += f" [{status_words(goroutine.status_enum)}]"
    return f"{'*' if current else ' '} {text}"


# --- crash reports -------------------------------------------------------------------------------


def reason_lines(reason: Reason) -> list[str]:
    """What ended the program, worded as the Go runtime prints it."""
    if reason.kind is ReasonKind.NONE:
        return ["no crash: the core shows no panic, fatal error or fatal signal"]
    if reason.kind is ReasonKind.GOROUTINE_DUMP:
        return [reason.message]  # the sentence under it says who sent which signal
    prefix = {ReasonKind.PANIC: "panic: ", ReasonKind.FATAL_ERROR: "fatal error: "}
    lines = [prefix.get(reason.kind, "") + reason.message]
    if reason.signal is not None and reason.kind is not ReasonKind.SIGNAL:
        lines.append(f"[signal {_signal_details(reason)}]")
    elif reason.signal is not None and reason.pc is not None:
        lines.append(f"PC={reason.pc:#x}")
    return lines


def _signal_details(reason: Reason) -> str:
    parts = [reason.signal or "?"]
    for name, value in (
        ("code", reason.signal_code),
        ("addr", reason.fault_address),
        ("pc", reason.pc),
    ):
        if value is not None:
            parts.append(f"{name}={value:#x}")
    return " ".join(parts)


def _crash_site(report: CrashPart) -> str:
    """Which goroutine crashed, and in which user function; empty when nothing crashed."""
    if report.reason.kind is ReasonKind.NONE:
        return ""
    if report.reason.kind is ReasonKind.GOROUTINE_DUMP:
        return dump_sentence(report)
    who = (
        f"goroutine {report.goroutine_id}"
        if report.goroutine_id is not None
        else "a system stack (no goroutine)"
    )
    if report.thread_id is not None:
        who += f" (thread {report.thread_id})"
    top = report.top_user_frame
    if top is None:
        return f"crashed in {who}"
    return f"crashed in {who}, {culprit_sentence(report)}\n    at {top.file}:{top.line}"


def _frame_number(report: CrashPart, index: int) -> int:
    """The number a backtrace shows for ``report.frames[index]``: Delve's, where it has one."""
    frame = report.frames[index].frame
    return index if frame is None else frame


def _report_rows(report: CrashPart) -> list[_Row]:
    rows = []
    for index, frame in enumerate(report.frames):
        variables = [*(frame.arguments or ()), *(frame.locals or ())]
        details = variable_lines((var.name, var.value) for var in variables)
        number = _frame_number(report, index)
        rows.append(_Row(number, frame.pc, frame.function, frame.file, frame.line, details))
    hidden = _hidden_frames(report)
    if hidden and rows:
        rows.insert(0, rows[0]._replace(note=hidden))
    return rows


def _hidden_frames(report: CrashPart) -> str:
    """The line said for the crashed stack's frames the report leaves out (those above its
    first frame: the signal and abort machinery)."""
    first = report.frames[0].frame if report.frames else None
    return hidden_frames_line(range(first)) if first else ""


def _fold_recursion(rows: list[_Row], keep: int = 2) -> list[_Row]:
    """Rows with each long run of one function (a deep recursion) cut to its first ``keep``
    frames and its last, so a stack overflow reads in a screenful."""
    out: list[_Row] = []
    start = 0
    while start < len(rows):
        end = start
        while end + 1 < len(rows) and rows[end + 1].function == rows[start].function:
            end += 1
        run = rows[start : end + 1]
        if len(run) > keep + 2:
            left_out = len(run) - keep - 1
            note = f"... {left_out} more frames of {run[0].function}"
            out += [*run[:keep], run[keep]._replace(note=note), run[-1]]
        else:
            out += run
        start = end + 1
    return out


def _source_frame(report: CrashPart) -> tuple[int, ReportFrame] | None:
    """The innermost frame whose source was read (the line a reader looks at first), with
    its number."""
    return next(
        ((_frame_number(report, i), f) for i, f in enumerate(report.frames) if f.source), None
    )


def _bucket_state(state: str | None, wait_reason: str | None) -> str:
    text = status_words(state) if state else "mixed states"
    return f"{text}: {wait_reason}" if wait_reason else text


def _bucket_frames(frames: Sequence[BucketFrame], limit: int = 3) -> list[BucketFrame | None]:
    """The frames that tell buckets apart: the innermost user frames, down to the culprit
    (the program's own frame) when it is further down, ``None`` standing for the frames left
    out between; for the runtime's own goroutines, the function the goroutine started in."""
    user: list[BucketFrame] = []
    for frame in frames:
        # A recursion shows once: the frames after it say more about the goroutine.
        if not frame.is_runtime and (not user or user[-1].function != frame.function):
            user.append(frame)
    if not user:
        started = [frame for frame in frames if frame.function != "runtime.goexit"]
        return list(started[-1:])
    index = culprit_index(frames)
    culprit = frames[index] if index is not None else None
    shown: list[BucketFrame | None] = list(user[:limit])
    if culprit is not None and culprit not in shown:
        shown[-1:] = [None, culprit]
    return shown


def _bucket_lines(
    head: str,
    frames: Sequence[BucketFrame],
    state: str | None,
    wait_reason: str | None,
    *,
    states: str = "",
    more: Sequence[str] = (),
) -> list[str]:
    lines = [f"{head}  {states or _bucket_state(state, wait_reason)}"]
    pad = " " * len(head)
    lines += [
        f"{pad}  {_short_location(frame) if frame else '...'}" for frame in _bucket_frames(frames)
    ]
    lines += [f"{pad}  {line}" for line in more]
    return lines


def _short_location(frame: BucketFrame) -> str:
    return f"{frame.function}  {PurePath(frame.file).name}:{frame.line}"


def _bucket_states(bucket: Bucket) -> str:
    """``40 waiting: IO wait, 4 runnable``; just the state when every member shares it; then
    how long the longest waiter has waited, from a second on (``waiting: chan receive,
    2m30s+``)."""
    if len(bucket.states) < 2:
        text = _bucket_state(bucket.state, bucket.wait_reason)
    else:
        text = ", ".join(
            f"{s.count} {_bucket_state(s.state, s.wait_reason)}" for s in bucket.states
        )
    waited = waited_text(bucket.longest_wait_ns)
    return f"{text}, {waited}" if waited else text


def _bucket_ids(bucket: Bucket, shown: int = 5) -> str:
    """``goroutines 5, 6, 7, 8, 9 and 39 more``: ids to go on with (``dlvclient stack``)."""
    ids = ", ".join(map(str, bucket.ids[:shown]))
    rest = bucket.count - min(shown, len(bucket.ids))
    if bucket.count == 1:
        return f"goroutine {ids}"
    return f"goroutines {ids}" + (f" and {rest} more" if rest else "")


def _creator_text(bucket: Bucket) -> str:
    creator = bucket.creator
    if creator is None:
        return ""
    return f"created by {creator.function} at {PurePath(creator.file).name}:{creator.line}"


def _bucket_details(bucket: Bucket) -> list[str]:
    """What follows a bucket's frames: where its goroutines were started, and their ids."""
    return [line for line in (_creator_text(bucket), _bucket_ids(bucket)) if line]


def report_text(report: CrashReport, *, buckets: int = 5) -> str:
    """The report as a person reads it: the reason, where, the backtrace, the source around
    the crashing line and the ``buckets`` largest groups of goroutines (0: all)."""
    parts = (crash_text(report), goroutines_text(report, buckets=buckets), facts_text(report))
    return "\n\n".join(parts)


def crash_text(crash: CrashPart) -> str:
    """The crash part of the text report: the reason, where, the backtrace and the source."""
    out = reason_lines(crash.reason)
    site = _crash_site(crash)
    if site:
        out += ["", site]
    if crash.frames:
        out += ["", "Backtrace:", *_backtrace(_fold_recursion(_report_rows(crash)))]
    found = _source_frame(crash)
    if found is not None:
        number, frame = found
        assert frame.source is not None
        if out[-1]:
            out.append("")
        out.append(f"Source (frame {number}, {frame.function}):")
        out.append(source_text(((s.line, s.text) for s in frame.source), frame.line))
    return "\n".join(out)


def goroutines_text(part: GoroutinesPart, *, buckets: int = 5) -> str:
    """The goroutine counts, the ``buckets`` largest buckets (0: all) and what blocked
    goroutines wait on."""
    summary = part.goroutines
    states = ", ".join(
        f"{count} {status_words(state)}" for state, count in summary.by_status.items()
    )
    shown = part.buckets if buckets <= 0 else part.buckets[:buckets]
    out = [
        f"Goroutines: {summary.total} ({states}) in {len(part.buckets)} buckets "
        f"({part.similarity.value} stacks); the largest:",
    ]
    width = len(str(max((b.count for b in shown), default=0)))
    for bucket in shown:
        head = f"  {bucket.count:>{width}}"
        lines = _bucket_lines(
            head,
            bucket.frames,
            bucket.state,
            bucket.wait_reason,
            states=_bucket_states(bucket),
            more=_bucket_details(bucket),
        )
        if bucket.crashed:
            lines[0] += "  <- crashed"
        out += lines
    if len(shown) < len(part.buckets):
        out.append(f"  ... {len(part.buckets) - len(shown)} more (--buckets 0 shows all)")
    if part.waits:
        out += ["", "Blocked on (largest first):", *_waits_lines(part.waits, limit=buckets)]
        out += [f"  {hint}" for hint in part.wait_hints]
    return "\n".join(out)


def facts_text(crash: CrashPart, more_notes: Sequence[str] = ()) -> str:
    """What was analysed with what, on one line, and the notes on what could not be read
    (the crash part's, then ``more_notes``: the goroutine part's)."""
    out = [" · ".join(f"{name} {value}" for name, value in _facts(crash))]
    out += [f"note: {note}" for note in (*crash.notes, *more_notes)]
    return "\n".join(out)


def _facts(report: CrashPart) -> list[tuple[str, str]]:
    """What was analysed with what: versions, pid, build id, fingerprint (those known)."""
    facts = [
        ("Go", report.go_version),
        ("Delve", report.delve_version),
        ("pid", None if report.pid is None else str(report.pid)),
        ("build id", report.build_id),
        ("fingerprint", report.fingerprint),
    ]
    return [(name, value) for name, value in facts if value]


# --- what blocked goroutines wait on ------------------------------------------------------------

_CHANNEL_VERBS = {WaitKind.CHAN_RECV: "receive from", WaitKind.CHAN_SEND: "send on"}


def _channel_text(channel: WaitChannel) -> str:
    kind = f"chan {channel.element_type}" if channel.element_type else "chan"
    details = [f"len {channel.len}/cap {channel.cap}" if channel.cap else "unbuffered"]
    details += [
        word for word, on in (("closed", channel.closed), ("a timer's", channel.timer)) if on
    ]
    return f"{kind} at {channel.address:#x} ({', '.join(details)})"


def _wait_object_text(obj: WaitObject) -> str:
    """What one group's goroutines wait on, in a few words."""
    if obj.kind in _CHANNEL_VERBS and obj.channel is not None:
        what = f"{_CHANNEL_VERBS[obj.kind]} {_channel_text(obj.channel)}"
    elif obj.kind is WaitKind.SELECT and obj.channels:
        what = "select: " + "; ".join(f"{c.direction} {_channel_text(c)}" for c in obj.channels)
    elif obj.address:
        what = " ".join(filter(None, (obj.kind.value, obj.type, f"at {obj.address:#x}")))
    else:
        what = obj.wait_reason or obj.kind.value
    if obj.expression:
        owner = f", a field of {obj.expression_owner}" if obj.expression_owner else ""
        what += f" ({obj.expression}{owner})"
    extra = []
    if obj.readers is not None and obj.writers is not None:
        extra.append(f"{len(obj.readers)} readers, {len(obj.writers)} writers")
    if obj.counter is not None:
        extra.append(f"counter {obj.counter}")
    if obj.fd is not None:
        extra.append(f"fd {obj.fd}")
    return what + (f": {', '.join(extra)}" if extra else "")


def _wait_where(obj: WaitObject) -> str:
    """``in main.(*Store).Get (main.go:31)``: where the first waiter blocks; '' if unknown."""
    frame = obj.frame
    if frame is None:
        return ""
    return f"in {frame.function} ({PurePath(frame.file).name}:{frame.line})"


def _wait_ids(obj: WaitObject, shown: int = 8) -> str:
    """``goroutines 5 6 7 +3 more``: the first waiters' ids."""
    ids = " ".join(map(str, obj.goroutine_ids[:shown]))
    rest = len(obj.goroutine_ids) - shown
    noun = "goroutine" if obj.waiters == 1 else "goroutines"
    return f"{noun} {ids}" + (f" +{rest} more" if rest > 0 else "")


def _waits_lines(objects: Sequence[WaitObject], *, limit: int) -> list[str]:
    """Two lines per group, largest first: what it waits on, then where and who."""
    shown = objects if limit <= 0 else objects[:limit]
    width = len(str(max((o.waiters for o in shown), default=0)))
    out: list[str] = []
    for obj in shown:
        out.append(f"  {obj.waiters:>{width}}  {_wait_object_text(obj)}")
        where = _wait_where(obj)
        pad = " " * (width + 4)
        out.append(f"{pad}{where}; {_wait_ids(obj)}" if where else f"{pad}{_wait_ids(obj)}")
        out += [f"{pad}{hint}" for hint in obj.hints]
    if len(shown) < len(objects):
        out.append(f"  ... {len(objects) - len(shown)} more groups (--json has all)")
    return out


def waits_text(waits: Waits, *, limit: int = 20) -> str:
    """What blocked goroutines wait on (``dlvclient waits``): one group per object."""
    out = [f"Blocked on: {waits.blocked} of {waits.goroutines} goroutines, largest group first"]
    out += _waits_lines(waits.objects, limit=limit) or ["  no goroutine is blocked"]
    out += [f"  {hint}" for hint in waits.hints]
    out += [f"note: {note}" for note in waits.notes]
    return "\n".join(out)


# --- differences between two reports -------------------------------------------------------------


def diff_text(diff: ReportDiff) -> str:
    """Which buckets appeared, vanished, grew or shrank between two dumps."""
    change = diff.new_total - diff.old_total
    out = [
        "same crash (equal fingerprints)" if diff.same_crash else "different crashes",
        f"goroutines: {diff.old_total} -> {diff.new_total} ({change:+d})",
        f"buckets compared by {diff.level.value}: {len(diff.appeared)} appeared, "
        f"{len(diff.vanished)} vanished, {len(diff.grew)} grew, {len(diff.shrank)} shrank, "
        f"{diff.unchanged} unchanged",
    ]
    for title, changes in (
        ("appeared", diff.appeared),
        ("vanished", diff.vanished),
        ("grew", diff.grew),
        ("shrank", diff.shrank),
    ):
        if not changes:
            continue
        out += ["", f"{title}:"]
        heads = [f"  {c.delta:+d} ({c.old_count} -> {c.new_count})" for c in changes]
        width = max(map(len, heads))
        for head, c in zip(heads, changes, strict=True):
            out += _bucket_lines(head.ljust(width), c.frames, c.state, c.wait_reason)
    return "\n".join(out)


# --- the HTML page -------------------------------------------------------------------------------

_CSS = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 72em;
       padding: 0 1em; color: #1d2430; background: #fff; }
h1 { font-size: 1.5em; color: #a31515; margin-bottom: .2em; word-break: break-word; }
h2 { font-size: 1.15em; border-bottom: 1px solid #d8dde6; padding-bottom: .2em; margin-top: 2em; }
pre, code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
                   font-size: 13px; }
pre { background: #f5f7fa; border: 1px solid #d8dde6; padding: .7em 1em; overflow-x: auto; }
.signal, .where { margin: .2em 0; }
.source .current { background: #ffe3a3; display: inline-block; min-width: 100%; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; }
col.num { width: 3em; } col.pc { width: 12.5em; }
col.count { width: 4.5em; } col.state { width: 22%; } col.kind { width: 7em; }
td code, td .file, td.kind, h1, .where { overflow-wrap: anywhere; }
@media (max-width: 40em) { col.pc { width: 0; } td.pc { display: none; }
                          col.kind { width: 6em; } }
td, th { text-align: left; vertical-align: top; padding: .3em .6em;
         border-bottom: 1px solid #edf0f4; }
th { font-weight: 600; color: #4a5568; }
tr.runtime td { color: #7b8494; }
.num { text-align: right; white-space: nowrap; }
.file { color: #4a5568; font-size: 12px; }
.vars { margin: .3em 0 0 1em; padding: 0; list-style: none; }
.crashed { color: #a31515; font-weight: 600; }
.hints { margin: .3em 0 0 0; padding: 0; list-style: none; }
.hint { color: #8a5a00; font-style: italic; font-size: 13px; overflow-wrap: anywhere; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2em 1em; }
dt { font-weight: 600; color: #4a5568; }
dd { margin: 0; word-break: break-all; }
details summary { cursor: pointer; color: #2b5797; }
footer { margin-top: 3em; color: #7b8494; font-size: 12px; }
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _html_source(report: CrashReport) -> str:
    found = _source_frame(report)
    if found is None:
        return ""
    number, frame = found
    assert frame.source is not None
    lines = []
    for source in frame.source:
        text = _e(f"{source.line:>6}:  {source.text.expandtabs(4)}")
        if source.line == frame.line:
            text = f'<span class="current">{text}</span>'
        lines.append(text)
    return (
        f"<h2>Source</h2><p>frame {number}, <code>{_e(frame.function)}</code> "
        f'<span class="file">{_e(frame.file)}</span></p>'
        f'<pre class="source">{chr(10).join(lines)}</pre>'
    )


def _html_frames(report: CrashReport) -> str:
    if not report.frames:
        return ""
    rows = []
    hidden = _hidden_frames(report)
    if hidden:
        rows.append(f'<tr class="runtime"><td colspan="3">{_e(hidden)}</td></tr>')
    for index, frame in enumerate(report.frames):
        number = _frame_number(report, index)
        variables = [*(frame.arguments or ()), *(frame.locals or ())]
        items = "".join(
            f"<li><code>{_e(line)}</code></li>"
            for line in variable_lines(((v.name, v.value) for v in variables), indent="")
        )
        listed = f'<ul class="vars">{items}</ul>' if items else ""
        rows.append(
            f'<tr class="{"runtime" if frame.is_runtime else "user"}">'
            f'<td class="num mono">{number}</td><td class="pc mono">0x{frame.pc:016x}</td>'
            f'<td><code>{_e(frame.function)}</code><br><span class="file">'
            f"{_e(frame.file)}:{frame.line}</span>"
            f"{listed}</td></tr>"
        )
    cols = '<colgroup><col class="num"><col class="pc"><col></colgroup>'
    return f"<h2>Backtrace</h2><table>{cols}{''.join(rows)}</table>"


def _html_buckets(report: CrashReport) -> str:
    summary = report.goroutines
    states = ", ".join(
        f"{count} {_e(status_words(state))}" for state, count in summary.by_status.items()
    )
    rows = []
    for bucket in report.buckets:
        top = "<br>".join(
            f"<code>{_e(f.function)}</code> "
            f'<span class="file">{_e(PurePath(f.file).name)}:{f.line}</span>'
            if f
            else '<span class="file">...</span>'
            for f in _bucket_frames(bucket.frames)
        )
        details = "".join(f'<div class="file">{_e(line)}</div>' for line in _bucket_details(bucket))
        crashed = ' <span class="crashed">crashed</span>' if bucket.crashed else ""
        rows.append(
            f'<tr class="bucket"><td class="num">{bucket.count}</td>'
            f"<td>{_e(_bucket_states(bucket))}{crashed}</td>"
            f"<td>{top}{details}{_html_bucket_stack(bucket)}</td></tr>"
        )
    return (
        f"<h2>Goroutines</h2><p>{summary.total} goroutines ({states}) in "
        f"{len(report.buckets)} buckets of {_e(report.similarity.value)} stacks.</p>"
        '<table class="buckets"><colgroup><col class="count"><col class="state"><col></colgroup>'
        "<tr><th>count</th><th>state</th><th>stack</th></tr>"
        f"{''.join(rows)}</table>"
    )


def _html_bucket_stack(bucket: Bucket) -> str:
    """The folded stack of a bucket, from its first frame outside the runtime on."""
    frames = bucket.frames
    start = next((i for i, f in enumerate(frames) if not f.is_runtime), 0)
    above = f"({start} runtime frames above: {frames[0].function} ...)\n" if start else ""
    stack = "\n".join(f"{f.function}\n    {f.file}:{f.line}" for f in frames[start:])
    return f"<details><summary>stack</summary><pre>{_e(above + stack)}</pre></details>"


def _html_hints(hints: Sequence[str]) -> str:
    items = "".join(f'<li class="hint">{_e(hint)}</li>' for hint in hints)
    return f'<ul class="hints">{items}</ul>' if items else ""


def _html_waits(report: CrashReport) -> str:
    """The Blocked on section: one row per object the blocked goroutines wait on."""
    if not report.waits:
        return ""
    rows = []
    for obj in report.waits:
        where = _wait_where(obj)
        details = "".join(
            f'<div class="file">{_e(line)}</div>' for line in (where, _wait_ids(obj)) if line
        )
        rows.append(
            f'<tr class="wait"><td class="num">{obj.waiters}</td>'
            f'<td class="kind">{_e(obj.kind.value.replace("_", " "))}</td>'
            f"<td><code>{_e(_wait_object_text(obj))}</code>{details}"
            f"{_html_hints(obj.hints)}</td></tr>"
        )
    blocked = sum(obj.waiters for obj in report.waits)
    return (
        f"<h2>Blocked on</h2><p>{blocked} blocked goroutines in {len(report.waits)} groups, "
        "largest first.</p>"
        '<table class="waits"><colgroup><col class="count"><col class="kind"><col></colgroup>'
        "<tr><th>waiters</th><th>kind</th><th>object</th></tr>"
        f"{''.join(rows)}</table>{_html_hints(report.wait_hints)}"
    )


def report_html(report: CrashReport, *, generator: str = "dlvclient") -> str:
    """The report as one self-contained HTML page: inline CSS, no scripts, nothing fetched."""
    reason = reason_lines(report.reason)
    build = "".join(f"<dt>{name}</dt><dd>{_e(value)}</dd>" for name, value in _facts(report))
    notes = "".join(f"<li>{_e(note)}</li>" for note in report.notes)
    site = _e(_crash_site(report)).replace("\n", "<br>")
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{_e(reason[0])} - {_e(generator)}</title>",
            f"<style>{_CSS}</style></head><body>",
            f"<h1>{_e(reason[0])}</h1>",
            *(f'<p class="signal mono">{_e(line)}</p>' for line in reason[1:]),
            f'<p class="where">{site}</p>',
            _html_source(report),
            _html_frames(report),
            _html_buckets(report),
            _html_waits(report),
            f"<h2>Build</h2><dl>{build}</dl>",
            f"<h2>Notes</h2><ul>{notes}</ul>" if notes else "",
            "<details><summary>The report as JSON</summary>"
            f"<pre>{_e(report.model_dump_json(indent=2))}</pre></details>",
            f"<footer>Made by {_e(generator)} from a core dump.</footer>",
            "</body></html>",
        ]
    )


def snapshot_text(report: SnapshotReport) -> str:
    """The snapshot's facts, one per line, as ``dlvclient snapshot --report`` prints them."""
    return (
        f"snapshot of pid {report.pid} ({report.executable})\n"
        f"core: {report.core} ({report.core_bytes / 1e6:.1f} MB, {report.threads} threads, "
        f"{report.memory_bytes / 1e6:.1f} MB of memory)\n"
        f"stopped for at most {report.stopped_seconds:.3f} s "
        f"(the dump took {report.dump_seconds:.3f} s), with Delve {report.delve_version}"
    )
