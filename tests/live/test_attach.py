"""Attached processes and snapshots: they stop while attached and run on afterwards."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import anyio
import pytest

import dlvclient
from tests.live_support import alive, gone_soon, running, state_letter
from tests.support import ROOT, Leg

pytestmark = [pytest.mark.anyio, pytest.mark.needs_dlv]


def _ticks(proc: subprocess.Popen[bytes]) -> int:
    """CPU time the process used so far, in clock ticks (utime + stime)."""
    stat = Path(f"/proc/{proc.pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[11]) + int(fields[12])


async def _runs_on(proc: subprocess.Popen[bytes]) -> bool:
    """True if the process is not stopped and keeps running its loop."""
    with anyio.fail_after(10):
        while state_letter(proc.pid) in "tT":  # noqa: ASYNC110 (a process, not a task)
            await anyio.sleep(0.02)
    assert proc.stdout is not None
    return proc.poll() is None


async def test_attach_stops_the_process_and_leaves_it_running(leg: Leg, exe: Path) -> None:
    with running(exe, "serve") as proc:
        async with dlvclient.attach(proc.pid, dlv=leg.dlv) as client:
            assert client.attached
            assert await client.pid() == proc.pid
            assert state_letter(proc.pid) == "t"
            await client.create_breakpoint("main.add")
            state = await client.continue_()
            assert state.breakpoint is not None
            (arg,) = [v for v in await client.args() if v.name == "b"]
            assert arg.value == "1"
            with pytest.raises(dlvclient.UsageError, match="attached"):
                await client.restart()
        assert await _runs_on(proc)
        # The breakpoint went with Delve: the process neither traps nor dies.
        await anyio.sleep(0.3)
        assert proc.poll() is None


async def test_attach_can_kill_on_close(leg: Leg, exe: Path) -> None:
    with running(exe, "serve") as proc:
        async with dlvclient.attach(proc.pid, dlv=leg.dlv, kill_on_close=True):
            pass
        assert gone_soon(proc.pid)


async def test_attach_refusals_are_typed(leg: Leg, exe: Path) -> None:
    with running(exe, "serve") as proc:
        with pytest.raises(dlvclient.AttachError) as missing:
            async with dlvclient.attach(2**22 + 17, dlv=leg.dlv):
                pass
        assert missing.value.reason == "no-such-process"
        async with dlvclient.attach(proc.pid, dlv=leg.dlv):
            with pytest.raises(dlvclient.AttachError) as traced:
                async with dlvclient.attach(proc.pid, dlv=leg.dlv):
                    pass
        assert traced.value.reason == "traced"
        assert traced.value.tracer_pid is not None
        assert "only one tracer" in str(traced.value)
        assert await _runs_on(proc)
    with pytest.raises(dlvclient.InvalidArgumentError):
        async with dlvclient.attach(0):
            pass


async def test_dump_writes_a_core_that_opens(leg: Leg, exe: Path, tmp_path: Path) -> None:
    core = tmp_path / "live.core"
    seen: list[dlvclient.DumpState] = []
    async with dlvclient.launch(exe, ["serve"], dlv=leg.dlv) as client:
        await client.create_breakpoint("main.add")
        await client.continue_()
        state = await client.dump(core, progress=seen.append)
        assert state.all_done
        assert not state.err
        assert seen[-1] == state
        assert state.threads_done == state.threads_total
    async with dlvclient.open_core(exe, core, dlv=leg.dlv) as post:
        # Delve 1.20 does not keep the selected goroutine in the core: look up goroutine 1.
        frames = await post.stacktrace(1)
        assert frames[0].function_name == "main.add"


async def test_a_cancelled_dump_leaves_a_usable_session(
    leg: Leg, exe: Path, tmp_path: Path
) -> None:
    async with dlvclient.launch(exe, ["serve"], dlv=leg.dlv) as client:
        await client.create_breakpoint("main.add")
        await client.continue_()
        for wait in (0, 0.001, 0.01):
            with anyio.move_on_after(wait):
                await client.dump(tmp_path / "cancelled.core")
            assert not (await client.state()).running
        state = await client.dump(tmp_path / "whole.core")
        assert state.all_done
        assert [g async for g in client.goroutines()]


async def test_snapshot_leaves_the_process_running(leg: Leg, exe: Path, tmp_path: Path) -> None:
    with running(exe, "hang", ready=b"live: hung") as proc:
        report = await dlvclient.snapshot(proc.pid, tmp_path / "hung.core", dlv=leg.dlv)
        assert await _runs_on(proc)
        assert alive(proc.pid)
    assert report.pid == proc.pid
    assert report.executable == str(exe)
    assert report.core_bytes == (await anyio.Path(report.core).stat()).st_size > 0
    assert 0 < report.dump_seconds <= report.stopped_seconds
    async with dlvclient.open_core(report.executable, report.core, dlv=leg.dlv) as post:
        blocked = [g async for g in post.goroutines() if g.wait_reason]
        assert len(blocked) >= 4


def test_cli_snapshot_reports_the_pause(leg: Leg, exe: Path, tmp_path: Path) -> None:
    core = tmp_path / "cli.core"
    with running(exe, "hang", ready=b"live: hung") as proc:
        done = subprocess.run(
            [sys.executable, "-m", "dlvclient", "snapshot", str(proc.pid), "--output", str(core),
             "--report", "--json", "--dlv", str(leg.dlv)],
            cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert proc.poll() is None
    out = json.loads(done.stdout)
    assert out["snapshot"]["pid"] == proc.pid
    assert out["snapshot"]["stopped_seconds"] > 0
    assert out["report"]["goroutines"]["total"] >= 5
    assert out["report"]["pid"] == proc.pid
    assert f"core: {core}" in done.stderr
