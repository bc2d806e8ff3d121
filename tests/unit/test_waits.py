"""The pure parts of dlvclient.waits: telling app frames from the rest, sync roles, sorting."""

from __future__ import annotations

import pytest

from dlvclient import Goroutine, WaitsCollector
from dlvclient._waits import _is_app, _sema_role


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
    assert (collector.total, collector.active, collector.blocked) == (2, 1, [])
