"""What the goroutines of real servers' dumps wait on: every client's objects, named."""

from __future__ import annotations

import pytest

import dlvclient
from dlvclient import WaitKind, Waits

from .catalogue import HTTPBIN, NATS, SIGQUIT, CorpusCore, CorpusFactory, Program

pytestmark = [pytest.mark.needs_dlv, pytest.mark.anyio]


async def _waits(leg, case: CorpusCore) -> Waits:
    async with dlvclient.open_core(case.exe, case.core, dlv=leg.dlv) as client:
        return await client.waits()


def _each_goroutine_once(result: Waits) -> None:
    ids = [i for o in result.objects for i in o.goroutine_ids]
    assert len(ids) == len(set(ids)) == result.blocked
    assert sum(o.waiters for o in result.objects) == result.blocked


async def test_a_brokers_clients_each_wait_on_their_own_cond_and_socket(
    leg, corpus: CorpusFactory
) -> None:
    result = await _waits(leg, corpus(leg, NATS, signal=SIGQUIT))
    _each_goroutine_once(result)
    # Every client's writeLoop waits on its own sync.Cond (client.out.sg), read from its
    # notifyList: an optimised build, so found through the frame that holds it.
    conds = [o for o in result.objects if o.kind is WaitKind.COND]
    assert len(conds) >= 100
    assert len({o.address for o in conds}) == len(conds)
    for obj in conds:
        assert (obj.waiters, obj.type) == (1, "sync.Cond")
        assert obj.address != 0
        assert obj.frame is not None
        assert obj.frame.function.endswith(".(*client).writeLoop")
    assert {o.expression for o in conds} == {"c.out.sg"}
    # ... and its readLoop on its socket's FD.
    reads = [o for o in result.objects if o.kind is WaitKind.IO_WAIT]
    assert len(reads) >= 100
    fds = [o.fd for o in reads]
    assert None not in fds
    assert len(set(fds)) == len(fds)
    loops = [o for o in reads if o.frame and o.frame.function.endswith(".(*client).readLoop")]
    assert len(loops) >= 100


@pytest.mark.parametrize("program", [HTTPBIN], ids=["go-httpbin"])
async def test_a_web_servers_delayed_requests_each_select_on_a_timer_and_their_context(
    leg, corpus: CorpusFactory, program: Program
) -> None:
    result = await _waits(leg, corpus(leg, program, signal=SIGQUIT))
    _each_goroutine_once(result)
    delays = [
        o
        for o in result.objects
        if o.kind is WaitKind.SELECT and o.frame and o.frame.function.endswith(".Delay")
    ]
    assert len(delays) >= 20  # the requests in flight (the corpus' report sees as many)
    for obj in delays:
        assert obj.channels is not None
        cases = sorted((c.direction, c.element_type) for c in obj.channels)
        assert cases == [("recv", "struct {}"), ("recv", "time.Time")]
    # The idle keep-alive connections each wait to read their own socket.
    reads = [o for o in result.objects if o.kind is WaitKind.IO_WAIT]
    assert len(reads) >= 150
    fds = [o.fd for o in reads]
    assert None not in fds
    assert len(set(fds)) == len(fds)
