"""Goroutine buckets and crash fingerprints: pure functions over stack frames, no I/O.

A *bucket* is a set of goroutines whose stacks look the same at a *similarity level*:

* ``exact``: same functions at the same lines, started by the same ``go`` statement;
* ``function``: same functions only (lines and creator ignored, and runs of one function, as
  in a recursion, collapsed to one frame).

Neither level keys on the goroutine's state or wait reason: a dump taken while goroutines of
one kind move between runnable and IO wait shows them as one bucket, with a count per state
(``Bucket.states``).

File paths never enter a signature (the function names them, and a binary rebuilt in another
directory must still match). Only one representative stack is kept per bucket, with counts and
a capped list of ids, so a core with 100k goroutines costs memory per *kind* of stack.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence

from ._schema import (
    Bucket,
    BucketChange,
    BucketDiff,
    BucketFrame,
    BucketState,
    FrameLike,
    Similarity,
)

__all__ = [
    "Bucketer",
    "coarsen",
    "collapse_repeats",
    "diff_buckets",
    "fingerprint",
    "normalize_message",
]

DEFAULT_MAX_IDS = 100


def collapse_repeats(names: Iterable[str]) -> list[str]:
    """Drop consecutive duplicates: a recursion counts once, whatever its depth."""
    out: list[str] = []
    for name in names:
        if not out or out[-1] != name:
            out.append(name)
    return out


def _digest(parts: object, length: int = 16) -> str:
    text = json.dumps(parts, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:length]


_Key = tuple[object, ...]


def _key(level: Similarity, frames: Sequence[FrameLike], creator: FrameLike | None) -> _Key:
    if level is Similarity.EXACT:
        made = _frozen(creator)
        go = ("go", made.function, made.line) if made else ("go",)
        return (*((f.function_name, f.line) for f in frames), go)
    return tuple(collapse_repeats(f.function_name for f in frames))


class _Acc:
    """A bucket under construction (mutable, cheap to update)."""

    __slots__ = ("count", "crashed", "creator", "frames", "ids", "states", "waited")

    def __init__(self, frames: list[BucketFrame], creator: BucketFrame | None):
        self.frames = frames
        self.creator = creator
        self.states: dict[tuple[str, str], int] = {}
        self.count = 0
        self.ids: list[int] = []
        self.crashed = False
        self.waited: int | None = None

    def shared(self, part: int) -> str | None:
        """The state (``part`` 0) or wait reason (1) of every member; None when they differ
        or there is none."""
        values = {which[part] for which in self.states}
        return values.pop() or None if len(values) == 1 else None


# Where Delve finds the "go statement" of a goroutine no go statement started: the main one.
_NOT_A_GO_STATEMENT = frozenset({"runtime.newproc", "runtime.rt0_go"})


def _frozen(frame: FrameLike | None) -> BucketFrame | None:
    if frame is None or frame.function_name in _NOT_A_GO_STATEMENT or not frame.function_name:
        return None
    return frame if isinstance(frame, BucketFrame) else BucketFrame.of(frame)


class Bucketer:
    """Accumulates goroutines into buckets at one similarity level, streaming.

    Memory grows with the number of distinct stacks, not with the number of goroutines: each
    bucket keeps one representative stack and at most ``max_ids`` ids.
    """

    def __init__(self, level: Similarity, *, max_ids: int = DEFAULT_MAX_IDS) -> None:
        self.level = level
        self.max_ids = max_ids
        self._buckets: dict[_Key, _Acc] = {}

    def add(
        self,
        goroutine_id: int,
        frames: Sequence[FrameLike],
        *,
        state: str = "",
        wait_reason: str = "",
        crashed: bool = False,
        creator: FrameLike | None = None,
        count: int = 1,
        ids: Sequence[int] | None = None,
        states: Sequence[BucketState] | None = None,
        waited: int | None = None,
    ) -> None:
        """Count one goroutine (or, with ``count``/``ids``/``states``, a whole finer bucket)
        in; ``creator`` is the location of the ``go`` statement that started it, ``waited``
        how long it has waited at least (nanoseconds), when known."""
        key = _key(self.level, frames, creator)
        acc = self._buckets.get(key)
        if acc is None:
            frozen = [f if isinstance(f, BucketFrame) else BucketFrame.of(f) for f in frames]
            acc = self._buckets[key] = _Acc(frozen, _frozen(creator))
        for each in states or (BucketState(state=state, wait_reason=wait_reason, count=count),):
            which = (each.state, each.wait_reason or "")
            acc.states[which] = acc.states.get(which, 0) + each.count
        acc.count += count
        acc.crashed = acc.crashed or crashed
        if waited is not None and (acc.waited is None or waited > acc.waited):
            acc.waited = waited
        room = self.max_ids - len(acc.ids)
        if room > 0:
            acc.ids.extend((goroutine_id,) if ids is None else ids[:room])

    def buckets(self) -> list[Bucket]:
        """The buckets: the crashed one first, then user buckets, then runtime ones, each
        group largest first (ties: lowest goroutine id first)."""
        out = [_bucket(self.level, key, acc) for key, acc in self._buckets.items()]
        out.sort(key=lambda b: (not b.crashed, b.runtime, -b.count, b.ids[:1]))
        return out


def _bucket(level: Similarity, key: _Key, acc: _Acc) -> Bucket:
    states = sorted(acc.states.items(), key=lambda item: (-item[1], item[0]))
    return Bucket(
        signature=_digest([level.value, *key]),
        level=level,
        count=acc.count,
        ids=acc.ids,
        ids_truncated=len(acc.ids) < acc.count,
        state=acc.shared(0),
        wait_reason=acc.shared(1),
        states=[
            BucketState(state=state, wait_reason=reason or None, count=count)
            for (state, reason), count in states
        ],
        frames=acc.frames,
        creator=acc.creator,
        longest_wait_ns=acc.waited,
        crashed=acc.crashed,
        runtime=bool(acc.frames) and all(f.is_runtime for f in acc.frames),
    )


def coarsen(
    buckets: Iterable[Bucket], level: Similarity, *, max_ids: int = DEFAULT_MAX_IDS
) -> list[Bucket]:
    """Regroup buckets at a coarser (or the same) level: ``exact`` buckets can become
    ``function`` buckets, because their representative stacks hold every function."""
    bucketer = Bucketer(level, max_ids=max_ids)
    for bucket in buckets:
        if _FINENESS[bucket.level] > _FINENESS[level]:
            raise ValueError(
                f"a {bucket.level.value!r} bucket cannot be refined to {level.value!r}"
            )
        bucketer.add(
            bucket.ids[0] if bucket.ids else 0,
            bucket.frames,
            state=bucket.state or "",
            wait_reason=bucket.wait_reason or "",
            crashed=bucket.crashed,
            creator=bucket.creator,
            count=bucket.count,
            ids=bucket.ids,
            # Reports saved before buckets counted states have none: one state, or mixed.
            states=bucket.states or None,
            waited=bucket.longest_wait_ns,
        )
    return bucketer.buckets()


_FINENESS = {Similarity.EXACT: 0, Similarity.FUNCTION: 1}


# --- comparing dumps -----------------------------------------------------------------------------


def diff_buckets(old: Iterable[Bucket], new: Iterable[Bucket], level: Similarity) -> BucketDiff:
    """Match two dumps' buckets by signature at ``level`` and report what changed."""
    before = {b.signature: b for b in coarsen(old, level)}
    after = {b.signature: b for b in coarsen(new, level)}
    changes: dict[str, list[BucketChange]] = {
        "appeared": [],
        "vanished": [],
        "grew": [],
        "shrank": [],
    }
    unchanged = 0
    for sig in before.keys() | after.keys():
        was, now = before.get(sig), after.get(sig)
        shown = now or was
        assert shown is not None
        old_count, new_count = (was.count if was else 0), (now.count if now else 0)
        if old_count == new_count:
            unchanged += 1
            continue
        if was is None:
            kind = "appeared"
        elif now is None:
            kind = "vanished"
        else:
            kind = "grew" if new_count > old_count else "shrank"
        changes[kind].append(
            BucketChange(
                signature=sig,
                frames=shown.frames,
                state=shown.state,
                wait_reason=shown.wait_reason,
                runtime=shown.runtime,
                old_count=old_count,
                new_count=new_count,
                delta=new_count - old_count,
            )
        )
    for items in changes.values():
        items.sort(key=lambda c: (-abs(c.delta), c.signature))
    return BucketDiff(level=level, unchanged=unchanged, **changes)


# --- fingerprints --------------------------------------------------------------------------------

_NUMBER = re.compile(r"0x[0-9a-fA-F]+|\d+")
FINGERPRINT_FRAMES = 5


def normalize_message(message: str) -> str:
    """The message with what varies between cores of one bug masked: hex numbers (addresses)
    become ``0x?`` and decimal numbers (indices, lengths, ids, sizes) ``?``.

    ``index out of range [5] with length 3`` and ``[7] with length 4`` normalise alike: the
    same bad index expression is the same bug whatever data reached it. Quoted text is kept.
    """
    return _NUMBER.sub(lambda m: "0x?" if m[0].startswith("0x") else "?", message)


def fingerprint(
    kind: str,
    signal: str | None,
    message: str,
    functions: Iterable[str],
    *,
    version: str = "crash/v1",
) -> str:
    """A stable id of a crash site (32 hex digits of a SHA-256).

    It covers the reason kind, the signal name, the :func:`normalize_message` of the message
    and the first :data:`FINGERPRINT_FRAMES` distinct user functions of the crashed stack
    (innermost first, recursion collapsed). Lines and paths are left out, so an unrelated edit
    or a build elsewhere keeps the fingerprint; addresses, goroutine ids and timing never
    enter it.
    """
    names = collapse_repeats(functions)[:FINGERPRINT_FRAMES]
    return _digest([version, kind, signal or "", normalize_message(message), names], 32)
