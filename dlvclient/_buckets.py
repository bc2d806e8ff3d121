"""Goroutine buckets and crash fingerprints: pure functions over stack frames, no I/O.

A *bucket* is a set of goroutines whose stacks look the same at a *similarity level*:

* ``exact``: same state, same wait reason, same functions at the same lines;
* ``function``: same functions only (lines, state and wait reason ignored, and runs of one
  function, as in a recursion, collapsed to one frame).

File paths never enter a signature (the function names them, and a binary rebuilt in another
directory must still match). Only one representative stack is kept per bucket, with counts and
a capped list of ids, so a core with 100k goroutines costs memory per *kind* of stack.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence

from ._schema import Bucket, BucketChange, BucketDiff, BucketFrame, FrameLike, Similarity

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


def _key(level: Similarity, frames: Sequence[FrameLike], state: str, wait_reason: str) -> _Key:
    if level is Similarity.EXACT:
        return (state, wait_reason, *((f.function_name, f.line) for f in frames))
    return tuple(collapse_repeats(f.function_name for f in frames))


class _Acc:
    """A bucket under construction (mutable, cheap to update)."""

    __slots__ = ("count", "crashed", "frames", "ids", "state", "wait_reason")

    def __init__(self, frames: list[BucketFrame], state: str | None, wait_reason: str | None):
        self.frames = frames
        self.state = state
        self.wait_reason = wait_reason
        self.count = 0
        self.ids: list[int] = []
        self.crashed = False


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
        count: int = 1,
        ids: Sequence[int] | None = None,
    ) -> None:
        """Count one goroutine (or, with ``count``/``ids``, a whole finer bucket) in."""
        key = _key(self.level, frames, state, wait_reason)
        acc = self._buckets.get(key)
        if acc is None:
            frozen = [f if isinstance(f, BucketFrame) else BucketFrame.of(f) for f in frames]
            acc = self._buckets[key] = _Acc(frozen, state, wait_reason)
        else:
            # At the function level members may differ; a mixed bucket has no single state.
            if acc.state != state:
                acc.state = None
            if acc.wait_reason != wait_reason:
                acc.wait_reason = None
        acc.count += count
        acc.crashed = acc.crashed or crashed
        room = self.max_ids - len(acc.ids)
        if room > 0:
            acc.ids.extend((goroutine_id,) if ids is None else ids[:room])

    def buckets(self) -> list[Bucket]:
        """The buckets: the crashed one first, then user buckets, then runtime ones, each
        group largest first (ties: lowest goroutine id first)."""
        out = [
            Bucket(
                signature=_digest([self.level.value, *key]),
                level=self.level,
                count=acc.count,
                ids=acc.ids,
                ids_truncated=len(acc.ids) < acc.count,
                state=acc.state or None,
                wait_reason=acc.wait_reason or None,
                frames=acc.frames,
                crashed=acc.crashed,
                runtime=bool(acc.frames) and all(f.is_runtime for f in acc.frames),
            )
            for key, acc in self._buckets.items()
        ]
        out.sort(key=lambda b: (not b.crashed, b.runtime, -b.count, b.ids[:1]))
        return out


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
            count=bucket.count,
            ids=bucket.ids,
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
