"""Buckets, bucket diffs and fingerprints (dlvclient._buckets): pure functions over frames."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from dlvclient._buckets import Bucketer, coarsen, diff_buckets, fingerprint, normalize_message
from dlvclient._schema import Bucket, Similarity


@dataclass(frozen=True)
class Frame:
    function_name: str
    line: int = 1
    file: str = "main.go"

    @property
    def is_runtime(self) -> bool:
        return self.function_name.startswith("runtime.")


def _stack(*names: str, line: int = 1) -> list[Frame]:
    return [Frame(name, line) for name in names]


def test_bucketer_levels_and_order() -> None:
    exact = Bucketer(Similarity.EXACT, max_ids=2)
    function = Bucketer(Similarity.FUNCTION)
    goroutines = [
        (1, _stack("main.a", "main.main"), "running", ""),
        (2, _stack("runtime.gopark", "runtime.bgsweep"), "waiting", "GC sweep wait"),
        (3, _stack("runtime.gopark", "main.b", line=5), "waiting", "chan receive"),
        (4, _stack("runtime.gopark", "main.b", line=6), "waiting", "chan receive"),
        (5, _stack("runtime.gopark", "main.b", line=6), "waiting", "select"),
        (6, _stack("runtime.gopark", "main.b", line=6), "waiting", "chan receive"),
        (7, _stack("runtime.gopark", "main.b", line=6), "waiting", "chan receive"),
    ]
    for gid, frames, state, wait in goroutines:
        for bucketer in (exact, function):
            bucketer.add(gid, frames, state=state, wait_reason=wait, crashed=gid == 1)
    first, *_, last = buckets = exact.buckets()
    assert [b.count for b in buckets] == [1, 3, 1, 1, 1]
    assert first.crashed
    assert first.ids == [1]
    assert last.runtime
    assert last.ids == [2]
    assert buckets[1].ids == [4, 6]
    assert buckets[1].ids_truncated
    assert [b.count for b in function.buckets()] == [1, 5, 1]
    mixed = function.buckets()[1]
    assert (mixed.state, mixed.wait_reason) == ("waiting", None)
    assert [b.count for b in coarsen(buckets, Similarity.FUNCTION)] == [1, 5, 1]
    with pytest.raises(ValueError, match="refined"):
        coarsen(function.buckets(), Similarity.EXACT)


def test_function_level_collapses_recursion() -> None:
    shallow = Bucketer(Similarity.FUNCTION)
    shallow.add(1, _stack("main.walk", "main.walk", "main.main"))
    shallow.add(2, _stack("main.walk", "main.walk", "main.walk", "main.main"))
    assert [b.count for b in shallow.buckets()] == [2]
    assert shallow.buckets()[0].frames[0].function_name == "main.walk"


def test_diff_buckets() -> None:
    def buckets(*counts: tuple[str, int]) -> list[Bucket]:
        bucketer = Bucketer(Similarity.EXACT)
        gid = 0
        for name, count in counts:
            for _ in range(count):
                gid += 1
                bucketer.add(gid, _stack(name))
        return bucketer.buckets()

    diff = diff_buckets(
        buckets(("main.a", 2), ("main.b", 5), ("main.c", 1), ("main.d", 1)),
        buckets(("main.a", 2), ("main.b", 9), ("main.c", 0), ("main.e", 4), ("main.d", 0)),
        Similarity.EXACT,
    )
    changes = {
        kind: sorted((c.frames[0].function, c.old_count, c.new_count) for c in getattr(diff, kind))
        for kind in ("appeared", "vanished", "grew", "shrank")
    }
    assert changes == {
        "appeared": [("main.e", 0, 4)],
        "vanished": [("main.c", 1, 0), ("main.d", 1, 0)],
        "grew": [("main.b", 5, 9)],
        "shrank": [],
    }
    assert diff.unchanged == 1


def test_fingerprint_normalization() -> None:
    assert normalize_message("index out of range [5] with length 3") == (
        "index out of range [?] with length ?"
    )
    assert (
        normalize_message("fault at 0xc000012345 in goroutine 17") == "fault at 0x? in goroutine ?"
    )
    site = ["main.pick", "main.worker"]
    one = fingerprint("panic", None, "index out of range [5] with length 3", site)
    assert one == fingerprint("panic", None, "index out of range [7] with length 4", site)
    assert one != fingerprint("panic", None, "index out of range [5] with length 3", site[:1])
    assert one != fingerprint("fatal_error", None, "index out of range [5] with length 3", site)
    assert one != fingerprint("panic", "SIGSEGV", "index out of range [5] with length 3", site)
    deep = ["main.walk"] * 50 + ["main.main"]
    assert fingerprint("fatal_error", None, "stack overflow", deep) == fingerprint(
        "fatal_error", None, "stack overflow", ["main.walk", "main.main"]
    )
