"""One benchmark variant, run in a fresh process: ``python workers.py VARIANT DLV EXE CORE``.

bench.py starts one of these per variant and run, so every measurement pays for interpreter
start-up, imports and dlv's loading of the core, as a user's script does, and so that peak
memory is this process's own. The worker prints one JSON line: what it saw (goroutines,
frames), the moment it had the last stack (``time.monotonic()``, which is system-wide, so
bench.py compares it with the moment it started the process), and peak RSS of itself and
of dlv read just then, before anything is torn down.

Variants import only what they use: the raw baseline must not pay for pydantic or anyio.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

DEPTH = 50
# (f): calls per client in blocks of RTT_BLOCK, after one block of warm-up.
RTT_ROUNDS = 20
RTT_BLOCK = 100

Result = dict[str, Any]


def vm_hwm_kb(pid: int | str = "self") -> int | None:
    """Peak resident set size of a live process, in KiB (``VmHWM`` of /proc/PID/status)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def child_pids() -> list[int]:
    """This process's children, from every thread's ``children`` list (Linux 3.5+)."""
    pids: list[int] = []
    for task in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{task}/children") as children:
                pids.extend(int(pid) for pid in children.read().split())
        except OSError:
            continue
    return pids


def dlv_pid() -> int | None:
    """The dlv this process started (its only child named dlv)."""
    for pid in child_pids():
        try:
            with open(f"/proc/{pid}/comm") as comm:
                if comm.read().strip() == "dlv":
                    return pid
        except OSError:
            continue
    return None


def cpu_seconds(pid: int) -> float | None:
    """User plus system CPU time a live process has used (fields 14 and 15 of its stat)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            # The command name (field 2) may hold spaces; the fields after it may not.
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _finish(goroutines: int, frames: int, **extra: Any) -> Result:
    """The measurement at the last stack: called before any teardown.

    CPU seconds are reported besides wall time because they barely move when other
    processes compete for the machine, and they show who the bottleneck is.
    """
    t_last = time.monotonic()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    dlv = dlv_pid()
    return {
        "t_last": t_last,
        "goroutines": goroutines,
        "frames": frames,
        "client_hwm_kb": vm_hwm_kb(),
        "client_cpu_s": usage.ru_utime + usage.ru_stime,
        "dlv_hwm_kb": vm_hwm_kb(dlv) if dlv else None,
        "dlv_cpu_s": cpu_seconds(dlv) if dlv else None,
        **extra,
    }


# --- (a) the raw baseline ------------------------------------------------------------------------


def run_raw(dlv: str, exe: Path, core: Path) -> Result:
    from rawclient import RawDelve

    with RawDelve(dlv, exe, core) as raw:
        goroutines = frames = 0
        for _, stack in raw.stacks(depth=DEPTH):
            goroutines += 1
            frames += len(stack)
        return _finish(goroutines, frames)


# --- (b) the async client, (c) the sync facade, (e) the crash report ------------------------------


def run_async(dlv: str, exe: Path, core: Path) -> Result:
    import anyio

    import dlvclient

    async def main() -> Result:
        async with dlvclient.open_core(exe, core, dlv=dlv) as client:
            goroutines = frames = 0
            async for stack in client.goroutine_stacks(depth=DEPTH):
                goroutines += 1
                frames += len(stack.frames)
            return _finish(goroutines, frames)

    return anyio.run(main, backend="asyncio")


def run_sync(dlv: str, exe: Path, core: Path) -> Result:
    import dlvclient.sync

    with dlvclient.sync.open_core(exe, core, dlv=dlv) as client:
        goroutines = frames = 0
        for stack in client.goroutine_stacks(depth=DEPTH):
            goroutines += 1
            frames += len(stack.frames)
        return _finish(goroutines, frames)


def find_crash_report() -> tuple[Callable[..., Any] | None, str]:
    """``crash_report`` if this checkout has it (it is being written alongside), or why not."""
    import importlib

    import dlvclient

    found = getattr(dlvclient, "crash_report", None)
    if found is None:
        try:
            found = getattr(importlib.import_module("dlvclient._report"), "crash_report", None)
        except ImportError as exc:
            return None, f"dlvclient._report does not import: {exc}"
    if not callable(found):
        return None, "dlvclient has no crash_report yet"
    return found, ""


def _report_size(report: Any) -> tuple[int | None, int | None]:
    """``(buckets, goroutines covered)`` of a report, read defensively: the report's shape
    may still change while this harness is meant to work before and after."""
    buckets = getattr(report, "buckets", None)
    if buckets is None:
        return None, None
    total = getattr(getattr(report, "goroutines", None), "total", None)
    if not isinstance(total, int):
        counts = [getattr(bucket, "count", None) for bucket in buckets]
        total = sum(c for c in counts if isinstance(c, int)) if None not in counts else None
    return len(buckets), total


def run_report(dlv: str, exe: Path, core: Path) -> Result:
    crash_report, why = find_crash_report()
    if crash_report is None:
        return {"status": "n/a", "why": why}
    import anyio

    import dlvclient

    async def main() -> Result:
        async with dlvclient.open_core(exe, core, dlv=dlv) as client:
            report = await crash_report(client)
            buckets, goroutines = _report_size(report)
            return _finish(goroutines or 0, 0, buckets=buckets, report_goroutines=goroutines)

    return anyio.run(main, backend="asyncio")


def run_waits(dlv: str, exe: Path, core: Path) -> Result:
    import anyio

    import dlvclient
    from dlvclient._waits import waits

    async def main() -> Result:
        async with dlvclient.open_core(exe, core, dlv=dlv) as client:
            result = await waits(client)
            return _finish(result.goroutines, 0, objects=len(result.objects))

    return anyio.run(main, backend="asyncio")


# --- (d) the dlv terminal -------------------------------------------------------------------------

_GOROUTINE_LINE = re.compile(rb"^\s*\*?\s*Goroutine \d+ - ", re.MULTILINE)


def run_terminal(dlv: str, exe: Path, core: Path) -> Result:
    """``dlv core --init`` with ``goroutines -t 50``: what people script today."""
    return _terminal(dlv, exe, core, f"goroutines -t {DEPTH}")


def run_bt(dlv: str, exe: Path, core: Path) -> Result:
    """(h)'s baseline: the terminal's ``bt`` of the crashed (current) goroutine."""
    return _terminal(dlv, exe, core, "bt")


def run_gbt(dlv: str, exe: Path, core: Path) -> Result:
    """(g)'s baseline: the terminal's ``goroutines``, then ``goroutine 1 bt``."""
    return _terminal(dlv, exe, core, "goroutines\ngoroutine 1 bt")


def _terminal(dlv: str, exe: Path, core: Path, script: str) -> Result:
    """``dlv core --init`` running ``script`` then ``exit``.

    Timed from the spawn of dlv to its exit, since dlv is the process under test here. Its
    output goes to a file rather than /dev/null so the goroutines it printed can be counted;
    writing ~30 MB into the page cache costs a few milliseconds.
    """
    with tempfile.TemporaryDirectory(prefix="dlvbench-") as tmp:
        init = Path(tmp, "init")
        init.write_text(f"{script}\nexit\n")
        out_path, err_path = Path(tmp, "out"), Path(tmp, "err")
        # Without a terminal dlv refuses to start unless told that is intended.
        argv = [dlv, "core", str(exe), str(core), f"--init={init}"]
        argv.append("--allow-non-terminal-interactive=true")
        env = {**os.environ, "GO_TELEMETRY_CHILD": "2"}
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            begin = time.monotonic()
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env)
            # wait4 gives this one child's peak RSS, which is the whole terminal (client and
            # debugger live in one process).
            _, status, usage = os.wait4(proc.pid, 0)
            end = time.monotonic()
            proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            stderr = err_path.read_text(errors="replace")
            raise RuntimeError(f"dlv exited with status {proc.returncode}: {stderr[-2000:]}")
        text = out_path.read_bytes()
    return {
        "t_begin": begin,
        "t_last": end,
        "goroutines": len(_GOROUTINE_LINE.findall(text)),
        "frames": None,
        "client_hwm_kb": None,
        "client_cpu_s": None,
        "dlv_hwm_kb": usage.ru_maxrss,
        "dlv_cpu_s": usage.ru_utime + usage.ru_stime,
    }


# --- (g), (h) the command line's report ---------------------------------------------------------

_GOROUTINES_LINE = re.compile(rb"^Goroutines: (\d+) ", re.MULTILINE)


def run_cli(dlv: str, exe: Path, core: Path) -> Result:
    """``dlvclient report EXE CORE``, as a person runs it: timed from its spawn to its first
    line on stdout (``first_s``, for (h)) and to its exit (for (g))."""
    argv = [sys.executable, "-m", "dlvclient", "report", str(exe), str(core), "--dlv", dlv]
    begin = time.monotonic()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
    assert proc.stdout is not None
    first = proc.stdout.readline()
    t_first = time.monotonic()
    rest = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    end = time.monotonic()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0 or not first:
        raise RuntimeError(f"dlvclient report exited with status {proc.returncode}")
    found = _GOROUTINES_LINE.search(rest)
    return {
        "t_begin": begin,
        "t_last": end,
        "first_s": t_first - begin,
        "goroutines": int(found[1]) if found else 0,
        "frames": None,
        # One process tree: the CLI and its dlv, as wait4 sums them.
        "client_hwm_kb": usage.ru_maxrss,
        "client_cpu_s": usage.ru_utime + usage.ru_stime,
        "dlv_hwm_kb": None,
        "dlv_cpu_s": None,
    }


# --- (f) one trivial call's round trip ------------------------------------------------------------


class AsyncioFloor:
    """The least any asyncio client does for one call: send, wait for the socket in the event
    loop, read the line, ``json.loads`` it. No cancel scopes, no reader task, no models: what
    an event loop costs by itself, next to the blocking raw client."""

    _REQUEST = b'{"method":"RPCServer.GetVersion","params":[{}],"id":1}\n'

    def __init__(self, address: str) -> None:
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.connect(address)
        self._sock.setblocking(False)

    async def call(self) -> Any:
        import asyncio

        loop = asyncio.get_running_loop()
        await loop.sock_sendall(self._sock, self._REQUEST)
        data = await loop.sock_recv(self._sock, 1 << 16)
        while not data.endswith(b"\n"):
            data += await loop.sock_recv(self._sock, 1 << 16)
        return json.loads(data)["result"]

    def __enter__(self) -> AsyncioFloor:
        return self

    def __exit__(self, *exc: object) -> None:
        self._sock.close()


def run_rtt(dlv: str, exe: Path, core: Path) -> Result:
    """Median GetVersion round trip through each client, timed in-process.

    Besides the raw client and dlvclient's two faces, :class:`AsyncioFloor` shows what an
    event loop costs by itself. All four clients talk to one multi-client dlv and take turns
    in blocks of calls, in an order that turns each round, so that whatever else the machine
    does, and wherever the scheduler puts dlv's threads, affects them alike.
    """
    import anyio
    from rawclient import RawDelve

    import dlvclient
    import dlvclient.sync

    samples: dict[str, list[float]] = {
        "raw_us": [],
        "floor_us": [],
        "async_us": [],
        "sync_us": [],
    }

    async def main(raw: RawDelve) -> None:
        floor = AsyncioFloor(raw.address)
        async with dlvclient.connect(raw.address) as aclient:
            with dlvclient.sync.connect(raw.address) as sclient, floor:
                clients: list[tuple[str, Callable[[], Any]]] = [
                    ("raw_us", lambda: raw.call("GetVersion")),
                    ("sync_us", sclient.version),
                    ("floor_us", floor.call),
                    ("async_us", aclient.version),
                ]
                for round_ in range(RTT_ROUNDS + 1):
                    # The order turns each round: a client's figure moves with what ran just
                    # before it (by some 20 us here), so none may always follow the same one.
                    turn = round_ % len(clients)
                    for key, call in clients[turn:] + clients[:turn]:
                        for _ in range(RTT_BLOCK):
                            start = time.perf_counter()
                            result = call()
                            if inspect.isawaitable(result):
                                await result
                            if round_:  # the first round warms up
                                samples[key].append(time.perf_counter() - start)

    with RawDelve(dlv, exe, core, multiclient=True) as raw:
        anyio.run(main, raw, backend="asyncio")
    return {key: statistics.median(times) * 1e6 for key, times in samples.items()}


VARIANTS: dict[str, Callable[[str, Path, Path], Result]] = {
    "raw": run_raw,
    "async": run_async,
    "sync": run_sync,
    "terminal": run_terminal,
    "report": run_report,
    "waits": run_waits,
    "rtt": run_rtt,
    "cli": run_cli,
    "bt": run_bt,
    "gbt": run_gbt,
}


def main(argv: list[str]) -> int:
    if len(argv) != 4 or argv[0] not in VARIANTS:
        print(f"usage: workers.py {{{','.join(VARIANTS)}}} DLV EXE CORE", file=sys.stderr)
        return 2
    variant, dlv, exe, core = argv
    result = VARIANTS[variant](dlv, Path(exe), Path(core))
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
