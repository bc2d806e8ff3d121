"""What blocked goroutines wait on, checked against the addresses the hung programs print.

programs/waits parks goroutines on every kind of object (fixed counts, see its main.go), the
RWMutex inside a real dependency (patrickmn/go-cache) among them, and prints ``addr NAME 0x...``
lines before dumping itself. Every leg, optimised and ``-N -l``, asyncio and trio.
"""

from __future__ import annotations

import json
import re

import pytest

from dlvclient import WaitKind, WaitObject, Waits, crash_report, waits
from dlvclient._cli_output import report_text
from tests.support import CoreCase, CoreFactory, Leg, cli, session

pytestmark = pytest.mark.needs_dlv


def printed(case: CoreCase) -> dict[str, int]:
    """The ``addr NAME 0x...`` and ``fd NAME N`` lines the program printed."""
    out: dict[str, int] = {}
    for kind, name, value in re.findall(r"^(addr|fd) (\S+) (\S+)$", case.capture.stdout, re.M):
        out[name] = int(value, 16 if kind == "addr" else 10)
    return out


def at(result: Waits, kind: WaitKind, address: int) -> WaitObject:
    found = [o for o in result.objects if o.kind is kind and o.address == address]
    assert len(found) == 1, f"{kind.value} at {address:#x}: {found or result.objects}"
    return found[0]


def at_frame(result: Waits, kind: WaitKind, function: str) -> WaitObject:
    found = [
        o for o in result.objects if o.kind is kind and o.frame and o.frame.function == function
    ]
    assert len(found) == 1, f"{kind.value} in {function}: {found or result.objects}"
    return found[0]


async def analyse(case: CoreCase) -> Waits:
    async with session(case) as client:
        return await waits(client)


@pytest.mark.anyio
@pytest.mark.parametrize("optimize", [False, True], ids=["N-l", "optimised"])
async def test_waits_names_every_object(leg: Leg, cores: CoreFactory, optimize: bool) -> None:
    case = cores(leg, "waits", optimize=optimize)
    addr = printed(case)
    result = await analyse(case)

    mutex = at(result, WaitKind.MUTEX, addr["store.mu"])
    assert (mutex.waiters, mutex.type) == (3, "sync.Mutex")
    assert mutex.frame is not None
    assert mutex.frame.function == "main.(*Store).Get"
    assert len(mutex.goroutine_ids) == 3

    rw = at(result, WaitKind.RWMUTEX, addr["reg.mu"])
    assert rw.waiters == 4
    assert rw.readers is not None
    assert rw.writers is not None
    assert (len(rw.readers), len(rw.writers)) == (2, 2)
    assert sorted(rw.readers + rw.writers) == rw.goroutine_ids

    cond = at(result, WaitKind.COND, addr["queue.ready"])
    assert (cond.waiters, cond.type) == (3, "sync.Cond")
    assert cond.frame is not None
    assert cond.frame.function == "main.(*Queue).Pop"

    wg = at(result, WaitKind.WAITGROUP, addr["group"])
    assert (wg.waiters, wg.counter) == (2, 1)

    channels = {
        "jobs": (WaitKind.CHAN_RECV, 4, "main.worker", "int", 0, 0),
        "results": (WaitKind.CHAN_SEND, 2, "main.producer", "string", 0, 0),
        "full": (WaitKind.CHAN_SEND, 1, "main.fill", "int", 2, 2),
        "empty": (WaitKind.CHAN_RECV, 2, "main.drain", "*main.Store", 0, 3),
        "stall": (WaitKind.CHAN_RECV, 1, "main.hold", "struct {}", 0, 0),
    }
    for name, (kind, count, function, element, length, capacity) in channels.items():
        obj = at(result, kind, addr[name])
        assert obj.waiters == count, name
        assert obj.frame is not None, name
        assert obj.frame.function == function, name
        assert obj.channel is not None
        info = obj.channel
        assert (info.element_type, info.len, info.cap) == (element, length, capacity), name
        assert not info.closed, name
        mine, other = (
            (info.receivers, info.senders)
            if kind is WaitKind.CHAN_RECV
            else (info.senders, info.receivers)
        )
        assert (mine, other) == (count, 0), name

    alarm = at_frame(result, WaitKind.CHAN_RECV, "main.alarm")
    assert alarm.channel is not None
    assert (alarm.waiters, alarm.channel.element_type, alarm.channel.cap) == (1, "time.Time", 1)

    select = at(result, WaitKind.SELECT, min(addr["selA"], addr["selB"]))
    assert select.waiters == 2
    assert select.channels is not None
    cases = {(c.address, c.direction) for c in select.channels}
    assert cases == {(addr["selA"], "recv"), (addr["selB"], "send")}

    for function in ("main.nilRecv", "main.nilSend"):
        assert at_frame(result, WaitKind.NIL_CHAN, function).waiters == 1
    assert at_frame(result, WaitKind.SLEEP, "main.nap").waiters == 1
    assert at_frame(result, WaitKind.SYSCALL, "main.readPipe").waiters == 1
    io = at_frame(result, WaitKind.IO_WAIT, "main.serve")
    assert io.waiters == 1
    assert io.fd == addr["conn"]

    # Hints from the stacks: main.hold took store.mu and waits elsewhere with it. Who else has
    # a channel on its stack depends on stale slots: only that some hint is given, as a hint.
    assert any("in main.hold" in h and "may hold it" in h for h in mutex.hints), mutex.hints
    jobs = at(result, WaitKind.CHAN_RECV, addr["jobs"])
    assert jobs.hints
    assert all(h.startswith("hint: ") for h in jobs.hints)

    sizes = [o.waiters for o in result.objects]
    assert sizes == sorted(sizes, reverse=True)
    ids = [i for o in result.objects for i in o.goroutine_ids]
    assert len(ids) == len(set(ids)), "a goroutine is in two groups"

    if not optimize:  # every receiver and argument is readable
        names = {
            (WaitKind.MUTEX, "store.mu"): ("s.mu", "*main.Store"),
            (WaitKind.RWMUTEX, "reg.mu"): ("r.mu", "*main.Registry"),
            (WaitKind.COND, "queue.ready"): ("q.ready", "*main.Queue"),
            (WaitKind.WAITGROUP, "group"): ("wg", None),
            (WaitKind.CHAN_RECV, "jobs"): ("jobs", None),
        }
        for (kind, name), (expression, owner) in names.items():
            obj = at(result, kind, addr[name])
            assert (obj.expression, obj.expression_owner) == (expression, owner), name


@pytest.mark.anyio
@pytest.mark.parametrize("optimize", [False, True], ids=["N-l", "optimised"])
async def test_waits_on_a_dependencys_lock(leg: Leg, cores: CoreFactory, optimize: bool) -> None:
    case = cores(leg, "waits", optimize=optimize)
    result = await analyse(case)
    rw = at(result, WaitKind.RWMUTEX, printed(case)["cache.mu"])
    assert rw.readers is not None
    assert rw.writers is not None
    assert (rw.waiters, len(rw.readers), len(rw.writers)) == (5, 3, 2)
    assert rw.frame is not None
    assert rw.frame.function.startswith("github.com/patrickmn/go-cache.(*cache).")
    if not optimize:
        assert rw.expression == "c.mu"
        assert rw.expression_owner == "*github.com/patrickmn/go-cache.cache"


# --- the report and the command line -------------------------------------------------------------


@pytest.mark.anyio
async def test_report_has_the_blocked_on_section(leg: Leg, cores: CoreFactory) -> None:
    case = cores(leg, "waits")
    addr = printed(case)
    async with session(case) as client:
        report = await crash_report(client)
    mutex = next(o for o in report.waits if o.address == addr["store.mu"])
    assert (mutex.kind, mutex.waiters, mutex.expression) == (WaitKind.MUTEX, 3, "s.mu")
    sizes = [o.waiters for o in report.waits]
    assert sizes == sorted(sizes, reverse=True)
    text = report_text(report)
    blocked = text.split("Blocked on (largest first):\n", 1)[1]
    assert blocked.splitlines()[0].split()[:2] == ["5", "rwmutex"]  # go-cache's lock
    rw = f"at {addr['reg.mu']:#x} (r.mu, a field of *main.Registry): 2 readers, 2 writers"
    assert rw in blocked
    assert f"sync.Mutex at {addr['store.mu']:#x} (s.mu, a field of *main.Store)" in blocked
    assert json.loads(report.model_dump_json())["waits"][0]["kind"] == "rwmutex"


def test_waits_command_prints_text_and_json(
    leg: Leg, cores: CoreFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    case = cores(leg, "waits", optimize=True)
    addr = printed(case)
    target = (case.exe, case.core, "--dlv", case.leg.dlv)
    run = cli(capsys, "waits", *target)
    assert run.code == 0, run.err
    assert run.out.startswith("Blocked on: ")
    assert f"waitgroup sync.WaitGroup at {addr['group']:#x}" in run.out
    assert ": counter 1" in run.out
    run = cli(capsys, "waits", *target, "--json")
    assert run.code == 0, run.err
    data = json.loads(run.out)
    first = data["objects"][0]
    assert {"kind", "address", "waiters", "goroutine_ids", "frame"} <= set(first)
    assert (first["kind"], first["address"], first["waiters"]) == ("rwmutex", addr["cache.mu"], 5)
