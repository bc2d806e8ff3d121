"""The pure parts of dlvclient.waits: telling app frames from the rest, sync roles, sorting."""

from __future__ import annotations

import pytest

from dlvclient import (
    Goroutine,
    WaitChannel,
    WaitFrame,
    WaitKind,
    WaitObject,
    Waits,
    WaitsCollector,
)
from dlvclient._cli_output import waits_text
from dlvclient._waits import _classify, _is_app, _sema_role


def test_is_app_tells_the_programs_code_from_the_standard_library() -> None:
    assert _is_app("main.main")
    assert _is_app("main.(*Store).Get")
    assert _is_app("github.com/patrickmn/go-cache.(*cache).Get")
    for name in ("sync.(*Mutex).Lock", "internal/poll.(*FD).Read", "net/http.(*conn).serve"):
        assert not _is_app(name), name
    assert not _is_app("runtime.gopark")


@pytest.mark.parametrize(
    ("frames", "role"),
    [
        (
            [
                "runtime.semacquire1",
                "sync.runtime_SemacquireMutex",
                "sync.(*Mutex).lockSlow",
                "sync.(*Mutex).Lock",
                "main.f",
            ],
            "mutex",
        ),
        (
            [
                "internal/sync.(*Mutex).lockSlow",
                "internal/sync.(*Mutex).Lock",
                "sync.(*Mutex).Lock",
                "sync.(*RWMutex).Lock",
                "main.f",
            ],
            "writer_w",
        ),
        (["sync.runtime_SemacquireRWMutex", "sync.(*RWMutex).Lock", "main.f"], "writer"),
        (["sync.runtime_SemacquireRWMutexR", "sync.(*RWMutex).RLock", "main.f"], "reader"),
        (["sync.runtime_Semacquire", "sync.(*WaitGroup).Wait", "main.f"], "waitgroup"),
        (["runtime.semacquire1", "internal/poll.(*fdMutex).rwlock"], "semaphore"),
    ],
)
def test_sema_role_reads_the_sync_frames(frames: list[str], role: str) -> None:
    assert _sema_role(frames) == role


def test_collector_skips_running_and_runtime_goroutines() -> None:
    collector = WaitsCollector("go1.26")
    running = Goroutine.model_validate({"id": 7, "status": 2})
    system = Goroutine.model_validate(
        {"id": 2, "status": 4, "startLoc": {"function": {"name": "runtime.forcegchelper"}}}
    )
    collector.add(running, [])
    collector.add(system, [])
    assert (collector.total, collector.active, collector.blocked) == (2, 1, 0)


def test_waits_text_names_each_object_where_its_goroutines_block() -> None:
    frame = WaitFrame(function="main.(*Store).Get", file="/src/main.go", line=27, index=7)
    mutex = WaitObject(
        kind=WaitKind.MUTEX,
        address=0x6742D0,
        type="sync.Mutex",
        waiters=3,
        goroutine_ids=[20, 21, 22],
        frame=frame,
        expression="s.mu",
        expression_owner="*main.Store",
        hints=["hint: goroutine 9 holds s"],
    )
    chan = WaitChannel(address=0xC0000820C0, element_type="int", cap=2, len=2, senders=1)
    send = WaitObject(
        kind=WaitKind.CHAN_SEND, address=chan.address, waiters=1, goroutine_ids=[5], channel=chan
    )
    sleep = WaitObject(
        kind=WaitKind.SLEEP, address=0, waiters=1, goroutine_ids=[1], wait_reason="sleep"
    )
    text = waits_text(Waits(goroutines=9, blocked=5, objects=[mutex, send, sleep]))
    assert text.splitlines() == [
        "Blocked on: 5 of 9 goroutines, largest group first",
        "  3  mutex sync.Mutex at 0x6742d0 (s.mu, a field of *main.Store)",
        "     in main.(*Store).Get (main.go:27); goroutines 20 21 22",
        "     hint: goroutine 9 holds s",
        "  1  send on chan int at 0xc0000820c0 (len 2/cap 2)",
        "     goroutine 5",
        "  1  sleep",
        "     goroutine 1",
    ]
    assert "no goroutine is blocked" in waits_text(Waits(objects=[]))


@pytest.mark.parametrize(
    ("status", "reason", "kind"),
    [
        (4, "chan receive", WaitKind.CHAN_RECV),
        (4, "chan send (durable)", WaitKind.CHAN_SEND),
        (4, "select", WaitKind.SELECT),
        (4, "semacquire", WaitKind.SEMAPHORE),
        (4, "sync.RWMutex.RLock", WaitKind.SEMAPHORE),
        (4, "sync.Cond.Wait", WaitKind.COND),
        (4, "chan receive (nil chan)", WaitKind.NIL_CHAN),
        (4, "IO wait", WaitKind.IO_WAIT),
        (4, "GC assist wait", WaitKind.GC),
        (4, "debug call", WaitKind.OTHER),
        (3, "", WaitKind.SYSCALL),
        (2, "", None),
    ],
)
def test_classify_by_status_and_wait_reason(
    status: int, reason: str, kind: WaitKind | None
) -> None:
    goroutine = Goroutine.model_validate({"id": 9, "status": status})
    assert _classify(goroutine, reason) is kind
