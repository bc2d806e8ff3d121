"""Words for what Delve gives as codes: goroutine states, wait times, unreadable values and the
frames a report leaves out. Pure functions, shared by the text and HTML outputs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Final

from ._models import GoroutineStatus

__all__ = [
    "hidden_frames_line",
    "status_words",
    "unreadable_words",
    "variable_lines",
    "wait_text",
    "waited_ns",
    "waited_text",
]

_STATUS_WORDS: Final[dict[GoroutineStatus, str]] = {
    GoroutineStatus.IDLE: "idle (just allocated)",
    GoroutineStatus.RUNNABLE: "runnable",
    GoroutineStatus.RUNNING: "running",
    GoroutineStatus.SYSCALL: "in a system call",
    GoroutineStatus.WAITING: "waiting",
    GoroutineStatus.MORIBUND_UNUSED: "moribund",
    GoroutineStatus.DEAD: "dead",
    GoroutineStatus.ENQUEUE_UNUSED: "enqueued",
    GoroutineStatus.COPYSTACK: "copying its stack",
    GoroutineStatus.PREEMPTED: "preempted",
    GoroutineStatus.LEAKED: "leaked (found unreachable by the GC)",
    GoroutineStatus.DEADEXTRA: "dead (held for cgo callbacks)",
}


def status_words(status: str | int) -> str:
    """A goroutine state in words: ``"deadextra"`` (a :attr:`Goroutine.status_name`) or 11 (a
    :class:`GoroutineStatus`) reads ``"dead (held for cgo callbacks)"``."""
    if isinstance(status, str):
        known = GoroutineStatus.__members__.get(status.upper())
        if known is None:
            return status.replace("_", " ")
        status = known
    return _STATUS_WORDS.get(GoroutineStatus(status), f"in state {int(status)}")


# Delve's messages for a variable with no location at this pc: what C debuggers call optimised
# out. The location list of the variable has no entry for the pc, or its expression is empty.
_OPTIMIZED_AWAY: Final = re.compile(r"could not find loclist entry|empty OP stack")
OPTIMIZED_AWAY: Final = "optimized away"


# A value the unwinder cannot give back in an outer frame: the register it lived in was not
# saved by the calls below.
_REGISTER_LOST: Final = re.compile(r"could not read \d+ bytes from register \d+")
REGISTER_LOST: Final = "in a register not saved in this frame"


def unreadable_words(reason: str) -> str:
    """Why a value could not be read, short: ``"optimized away"`` for the messages that mean
    the compiler kept no location for it at this pc, a few words for a register the frame
    did not save, Delve's own message otherwise."""
    if _OPTIMIZED_AWAY.search(reason):
        return OPTIMIZED_AWAY
    return REGISTER_LOST if _REGISTER_LOST.search(reason) else reason


_UNREADABLE_VALUE: Final = re.compile(r"\(unreadable (.*)\)\Z", re.DOTALL)


def variable_lines(variables: Iterable[tuple[str, str]], indent: str = "    ") -> list[str]:
    """``name = value`` lines of a frame's variables (``value`` as dlv prints it), with every
    unreadable variable said once, on one line per reason: ``optimized away: ctx, req``."""
    lines: list[str] = []
    unreadable: dict[str, list[str]] = {}
    for name, value in variables:
        match = _UNREADABLE_VALUE.match(value)
        if match:
            names = unreadable.setdefault(unreadable_words(match[1]), [])
            if name not in names:  # results are all called ~r0 in some Go versions
                names.append(name)
        else:
            lines.append(f"{indent}{name} = {value}")
    for why, names in unreadable.items():
        label = why if why in (OPTIMIZED_AWAY, REGISTER_LOST) else f"unreadable ({why})"
        lines.append(f"{indent}{label}: {', '.join(names)}")
    return lines


def wait_text(wait_reason: str, waited_ns: int | None = None) -> str:
    """``chan receive`` and, when known to be at least a second, how long it has waited:
    ``chan receive, 1.5s+``."""
    waited = waited_text(waited_ns)
    return f"{wait_reason}, {waited}" if waited and wait_reason else wait_reason


def waited_text(waited_ns: int | None) -> str:
    """A lower bound on a wait, as ``1.5s+``, ``2m30s+`` or ``3h5m+``; ``""`` below a second.

    The runtime stamps a blocked goroutine (``g.waitsince``, Delve's ``waitSince``) with the
    start time of the first garbage collection that finds it blocked, on its monotonic clock;
    a core holds no "now" on that clock, but the start of the latest collection
    (``runtime.work.tstart``) came after, so their difference is how long, at least, the
    goroutine has waited. Go's own traceback says it in whole minutes.
    """
    if waited_ns is None or waited_ns < 1_000_000_000:
        return ""
    seconds = waited_ns / 1e9
    if seconds < 60:
        return f"{seconds:.1f}s+"
    minutes, second = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{second}s+"
    hours, minute = divmod(minutes, 60)
    return f"{hours}h{minute}m+"


def waited_ns(wait_since: int, gc_clock: int | None) -> int | None:
    """How long a goroutine stamped ``wait_since`` has waited at least, given the latest
    collection's start ``gc_clock``; None when either is unknown."""
    if wait_since <= 0 or not gc_clock or gc_clock < wait_since:
        return None
    return gc_clock - wait_since


def hidden_frames_line(numbers: Sequence[int]) -> str:
    """The line said in place of the first frames of a crashed stack, which are the runtime's
    own signal and abort machinery (numbers as Delve counts them)."""
    if not numbers:
        return ""
    span = f"frame {numbers[0]}" if len(numbers) == 1 else f"frames {numbers[0]}-{numbers[-1]}"
    return f"{span}: the runtime's signal and abort machinery (dlvclient stack shows them)"
