"""The blocking facade of live sessions: the same LiveClient, run by anyio's portal."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

import dlvclient
import dlvclient.sync
from tests.live_support import alive, running
from tests.support import Leg


@pytest.mark.needs_dlv
def test_halt_from_another_thread(leg: Leg, exe: Path) -> None:
    with dlvclient.sync.launch(exe, ["serve"], dlv=leg.dlv) as client:
        result: list[dlvclient.DebuggerState] = []
        runner = threading.Thread(target=lambda: result.append(client.continue_()))
        runner.start()
        deadline = time.monotonic() + 10
        while not client.running and time.monotonic() < deadline:
            time.sleep(0.01)
        client.halt()
        runner.join(10)
        assert not runner.is_alive()
        assert result
        assert not result[0].exited
        pid = client.pid()
    assert not alive(pid)


@pytest.mark.needs_dlv
def test_stops_do_not_run_ahead(leg: Leg, exe: Path) -> None:
    with dlvclient.sync.launch(exe, ["calls", "3"], dlv=leg.dlv) as client:
        client.create_breakpoint("main.add")
        hits = []
        for state in client.stops():
            if state.exited:
                break
            assert not client.running  # the next continue waits for the loop to ask
            hits.append(next(v.value for v in client.args() if v.name == "a"))
        assert hits == ["0", "1", "2"]
        text = "".join(c.text for c in client.output if c.stream == "stdout")
        assert text.endswith("done 6\n")


@pytest.mark.needs_dlv
def test_sync_snapshot(leg: Leg, exe: Path, tmp_path: Path) -> None:
    with running(exe, "serve") as proc:
        report = dlvclient.sync.snapshot(proc.pid, tmp_path / "core", dlv=leg.dlv)
        assert proc.poll() is None
    assert report.core_bytes > 0
