"""The culprit frame of a crash, and the fingerprints of crashes and goroutine dumps.

The *culprit* is the frame a person should read first: the innermost frame of the program's own
main module (*in-app*), else the innermost frame of a dependency, else of the standard library.
The *crash site* is the innermost frame outside the runtime, where the fault happened; when it
lies in a dependency or the standard library it differs from the culprit and both are reported.

Fingerprints (versioned; the version is in the report's JSON as ``fingerprint_version``):

* ``crash/v2``: :func:`~dlvclient._buckets.fingerprint` (the reason kind, the signal, the
  normalised message, the first few distinct functions) over the crashed stack's in-app frames
  only; without in-app frames from dependency frames only, then standard
  library frames. A dependency upgrade that reshuffles the dependency's internals keeps it.
* ``dump/v1``: SHA-256 over the word ``dump`` and the sorted function-level signatures of the
  :data:`DUMP_BUCKETS` largest blocked (waiting, not runtime-internal) buckets. Two dumps of
  the same hang share it whatever signal was sent; a crash never does (different tag).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from ._buckets import _digest, collapse_repeats, fingerprint
from ._origin import _PREFERENCE, FrameOrigin, OriginFrame, OriginKind, origin_kind

if TYPE_CHECKING:
    from ._schema import Bucket, CrashPart

__all__ = [
    "CRASH_FINGERPRINT",
    "DUMP_BUCKETS",
    "DUMP_FINGERPRINT",
    "crash_fingerprint",
    "culprit_sentence",
    "dump_fingerprint",
    "dump_sentence",
]

CRASH_FINGERPRINT = "crash/v2"
DUMP_FINGERPRINT = "dump/v1"
#: How many of a dump's largest blocked buckets its fingerprint covers.
DUMP_BUCKETS = 3


def crash_fingerprint(
    kind: str, signal: str | None, message: str, frames: Sequence[OriginFrame]
) -> str:
    """The ``crash/v2`` fingerprint (32 hex digits); see the module's docstring."""
    names: list[str] = []
    for preferred in _PREFERENCE:
        names = [f.function for f in frames if origin_kind(f) is preferred]
        if names:
            break
    return fingerprint(kind, signal, message, names, version=CRASH_FINGERPRINT)


def dump_fingerprint(buckets: Iterable[Bucket]) -> str:
    """The ``dump/v1`` fingerprint (32 hex digits) of a goroutine dump's buckets."""
    blocked = [b for b in buckets if b.state == "waiting" and not b.runtime]
    blocked.sort(key=lambda b: -b.count)
    signatures = sorted(
        _digest(collapse_repeats(f.function for f in b.frames)) for b in blocked[:DUMP_BUCKETS]
    )
    return _digest([DUMP_FINGERPRINT, "dump", signatures], 32)


def where(function: str, file: str, line: int, origin: FrameOrigin | None) -> str:
    """``function (file:line, in dependency MODULE VERSION)`` for a sentence."""
    base = file.rsplit("/", 1)[-1]
    said = f"{function} ({base}:{line}"
    if origin is not None and origin.kind is OriginKind.DEPENDENCY and origin.module:
        said += f", dependency {origin.module}" + (f" {origin.version}" if origin.version else "")
    elif origin is not None and origin.kind is OriginKind.STDLIB:
        said += ", standard library"
    return said + ")"


# --- sentences -----------------------------------------------------------------------------------


def culprit_sentence(report: CrashPart) -> str:
    """``in CULPRIT`` or, when the fault lies deeper, ``in SITE (…), reached from the program's
    CULPRIT (…)``: the crash site and the culprit in one sentence (text and HTML)."""
    top, site = report.top_user_frame, report.crash_site
    if top is None:
        return ""
    if site is None:
        return f"in {top.function}"
    reached = "the program's " if top.origin is not None and top.origin.in_app else ""
    return (
        f"in {where(site.function, site.file, site.line, site.origin)}, "
        f"reached from {reached}{where(top.function, top.file, top.line, top.origin)}"
    )


def dump_sentence(report: CrashPart) -> str:
    """What sent the signal of a goroutine dump, and that no goroutine crashed."""
    reason = report.reason
    said = f"goroutine dump: {reason.signal or 'a signal'} was sent"
    if reason.sender_pid is not None:
        if report.pid is not None and reason.sender_pid == report.pid:
            said += " by the program itself"
        else:
            said += f" by pid {reason.sender_pid}"
            if reason.sender_uid is not None:
                said += f" (uid {reason.sender_uid})"
    return said + "; no goroutine crashed, the buckets below say what each was doing"
