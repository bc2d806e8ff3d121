"""No leaks: hundreds of sessions opened and closed, many cut short at random points of start-up.

After every cycle, however it ended, no dlv may be left running, and after all of them this
process must hold no more file descriptors and no more threads than before (the blocking facade
runs a portal thread per session, which must be gone with the session).
"""

from __future__ import annotations

import random
import time

import anyio
import pytest

import dlvclient
import dlvclient.sync
from tests.support import CoreCase, CoreFactory, require_leg

from . import procs
from .support import hang_guard

pytestmark = [pytest.mark.slow, pytest.mark.needs_dlv]

# Cycles per API: the async one runs on both backends, half of them each.
CYCLES = 200


def both_legs(cores: CoreFactory) -> list[CoreCase]:
    return [cores(require_leg("current"), "seed"), cores(require_leg("bookworm"), "seed")]


def dlvs_running() -> list[procs.Proc]:
    return [p for p in procs.ours() if p.argv[1:2] == ("core",) and p.state not in "ZX"]


class Baseline:
    """This process's descriptors and threads, to come back to."""

    def __init__(self) -> None:
        self.fds = procs.open_fds()
        self.threads = procs.os_threads()
        self.names = procs.thread_names()

    def check(self) -> None:
        procs.settle(
            lambda: (
                not dlvs_running()
                and len(procs.open_fds()) <= len(self.fds)
                and procs.os_threads() <= self.threads
            )
        )
        assert not dlvs_running(), dlvs_running()
        now = procs.open_fds()
        new = {fd: target for fd, target in now.items() if self.fds.get(fd) != target}
        assert len(now) <= len(self.fds), f"descriptors opened and never closed: {new}"
        assert procs.os_threads() <= self.threads, (self.names, procs.thread_names())


@pytest.mark.anyio
async def test_async_open_close_cycles_with_random_cancellation(
    cores: CoreFactory, anyio_backend: str
) -> None:
    cases = both_legs(cores)
    rng = random.Random(f"async-{anyio_backend}")
    cycles = CYCLES // 2

    async def cycle(case: CoreCase) -> None:
        async with dlvclient.open_core(case.exe, case.core, dlv=case.leg.dlv) as client:
            assert (await client.eval("6*7")).value == "42"

    # Warm up (thread pools, the dlv version probe), then learn how long a whole cycle takes.
    for case in cases:
        await cycle(case)
    started = time.monotonic()
    for case in cases:
        await cycle(case)
    span = (time.monotonic() - started) / len(cases)
    baseline = Baseline()
    cut_short = 0
    for i in range(cycles):
        case = cases[i % 2]
        with hang_guard(30):
            if i % 2:
                # Anywhere from the file checks to closing: start-up, handshake, the call.
                with anyio.move_on_after(rng.uniform(0, 1.2 * span)) as scope:
                    await cycle(case)
                cut_short += scope.cancelled_caught
            else:
                await cycle(case)
        # A cut inside asyncio's process creation leaves the killing of that dlv to asyncio:
        # it is SIGKILLed, and gone a moment later.
        procs.settle(lambda: not dlvs_running(), timeout=5)
        assert not dlvs_running(), (i, dlvs_running())
    # The random cuts did land (most of them before the session was up).
    assert cut_short >= cycles // 8, cut_short
    baseline.check()


def test_sync_open_close_cycles_with_random_startup_timeouts(cores: CoreFactory) -> None:
    cases = both_legs(cores)
    rng = random.Random("sync")

    def cycle(case: CoreCase, startup_timeout: float = 30.0) -> None:
        with dlvclient.sync.open_core(
            case.exe, case.core, dlv=case.leg.dlv, startup_timeout=startup_timeout
        ) as client:
            assert client.eval("6*7").value == "42"

    for case in cases:
        cycle(case)
    started = time.monotonic()
    for case in cases:
        cycle(case)
    span = (time.monotonic() - started) / len(cases)
    baseline = Baseline()
    timed_out = 0
    for i in range(CYCLES):
        case = cases[i % 2]
        if i % 2:
            # A start-up deadline that may expire anywhere in start-up or the handshake.
            try:
                cycle(case, startup_timeout=rng.uniform(0.001, span))
            except dlvclient.DlvTimeoutError:
                timed_out += 1
        else:
            cycle(case)
        assert not dlvs_running(), (i, dlvs_running())
    assert timed_out >= CYCLES // 8, timed_out
    baseline.check()
