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
    assert [b.count for b in buckets] == [1, 4, 1, 1]  # states do not split a bucket
    assert first.crashed
    assert first.ids == [1]
    assert last.runtime
    assert last.ids == [2]
    assert buckets[1].ids == [4, 5]
    assert buckets[1].ids_truncated
    assert [(s.wait_reason, s.count) for s in buckets[1].states] == [
        ("chan receive", 3),
        ("select", 1),
    ]
    assert (buckets[1].state, buckets[1].wait_reason) == ("waiting", None)
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


# --- buckets a reader acts on: states, creators, culprits -------------------------------------

READER = [Frame("runtime.gopark"), Frame("runtime.netpollblock"), Frame("main.readLoop", 26)]
SERVE = Frame("main.serve", 38)


def fill(level: Similarity) -> Bucketer:
    bucketer = Bucketer(level)
    for gid, state, wait in [
        (5, "waiting", "IO wait"),
        (6, "runnable", ""),
        (7, "waiting", "IO wait"),
        (8, "waiting", "IO wait"),
    ]:
        bucketer.add(gid, READER, state=state, wait_reason=wait, creator=SERVE)
    return bucketer


@pytest.mark.parametrize("level", list(Similarity))
def test_states_are_counted_not_split(level: Similarity) -> None:
    (bucket,) = fill(level).buckets()
    assert bucket.count == 4
    assert bucket.ids == [5, 6, 7, 8]
    assert [(s.state, s.wait_reason, s.count) for s in bucket.states] == [
        ("waiting", "IO wait", 3),
        ("runnable", None, 1),
    ]
    assert (bucket.state, bucket.wait_reason) == (None, None)  # members differ
    assert bucket.creator is not None
    assert (bucket.creator.function, bucket.creator.line) == ("main.serve", 38)
    assert bucket.culprit is not None
    assert bucket.culprit.function == "main.readLoop"


def test_the_go_statement_tells_exact_buckets_apart() -> None:
    exact, function = Bucketer(Similarity.EXACT), Bucketer(Similarity.FUNCTION)
    for bucketer in (exact, function):
        bucketer.add(1, READER, state="waiting", creator=SERVE)
        bucketer.add(2, READER, state="waiting", creator=Frame("main.serveTLS", 51))
        bucketer.add(3, READER, state="waiting", creator=Frame("runtime.newproc"))  # main's
    assert [b.count for b in exact.buckets()] == [1, 1, 1]
    assert [b.count for b in function.buckets()] == [3]
    assert [b.creator for b in exact.buckets()][2] is None


def test_coarsening_keeps_states_and_creator() -> None:
    (bucket,) = coarsen(fill(Similarity.EXACT).buckets(), Similarity.FUNCTION)
    assert [(s.state, s.count) for s in bucket.states] == [("waiting", 3), ("runnable", 1)]
    assert bucket.creator is not None
    assert bucket.creator.function == "main.serve"


def test_buckets_saved_before_states_and_creators_still_load() -> None:
    (bucket,) = fill(Similarity.EXACT).buckets()
    old = bucket.model_dump(mode="json", exclude={"states", "creator"})
    loaded = Bucket.model_validate(old)
    assert loaded.states == []
    assert loaded.creator is None
    assert [b.count for b in coarsen([loaded], Similarity.FUNCTION)] == [4]


def test_runtime_buckets_have_no_culprit() -> None:
    bucketer = Bucketer(Similarity.EXACT)
    bucketer.add(2, [Frame("runtime.gopark"), Frame("runtime.forcegchelper")])
    assert bucketer.buckets()[0].culprit is None


def test_a_bucket_keeps_its_longest_wait_through_coarsening() -> None:
    exact = Bucketer(Similarity.EXACT)
    exact.add(1, READER, state="waiting", creator=SERVE, waited=2_000_000_000)
    exact.add(2, READER, state="waiting", creator=SERVE, waited=None)
    exact.add(3, READER, state="waiting", creator=Frame("main.other", 9), waited=5_000_000_000)
    assert sorted(b.longest_wait_ns or 0 for b in exact.buckets()) == [2 * 10**9, 5 * 10**9]
    (coarse,) = coarsen(exact.buckets(), Similarity.FUNCTION)
    assert coarse.longest_wait_ns == 5 * 10**9
    never = Bucketer(Similarity.EXACT)
    never.add(1, READER, state="runnable")
    assert never.buckets()[0].longest_wait_ns is None
