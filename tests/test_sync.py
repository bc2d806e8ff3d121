"""The blocking facade: the same client, run by anyio's portal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import types
from pathlib import Path

import pytest

import dlvclient
import dlvclient.sync
from dlvclient import GoroutineFilter
from tests.support import ROOT, CoreCase, CoreFactory, Leg

pytestmark = pytest.mark.needs_dlv


def test_seed_walk_sync(seed_case: CoreCase) -> None:
    with dlvclient.sync.open_core(seed_case.exe, seed_case.core, dlv=seed_case.leg.dlv) as c:
        goroutines = c.goroutines()
        assert isinstance(goroutines, types.GeneratorType)
        assert 1 in [g.id for g in goroutines]
        frames = c.stacktrace(1)
        modify = next(i for i, f in enumerate(frames) if f.function_name == "main.Modify")
        assert c.eval("a", goroutine_id=1, frame=modify).value == "hello"
        with pytest.raises(dlvclient.ExpressionError):
            c.eval("a +", goroutine_id=1, frame=modify)
        assert c.version().api_version == 2
        assert c.version_info is not None
        assert c.server_version is not None


def test_generators_stream_and_stop_early(leg: Leg, cores: CoreFactory) -> None:
    case = cores(leg, "goroutines")
    with dlvclient.sync.open_core(case.exe, case.core, dlv=leg.dlv) as c:
        stacks = list(c.goroutine_stacks(GoroutineFilter.start_loc("blockRecv"), depth=8))
        assert len(stacks) == 10
        goroutine, frames = stacks[0]
        assert goroutine.id == stacks[0].goroutine.id
        assert any(f.function_name == "main.blockRecv" for f in frames)
        for _ in c.goroutine_stacks(depth=5):
            break
        assert c.eval("6*7").value == "42"
    # The portal's thread is gone with the session.
    assert not [t for t in threading.enumerate() if "portal" in t.name.lower()]


def test_ctrl_c_cancels_the_call_in_flight(seed: CoreCase) -> None:
    """SIGINT during a call that never returns: KeyboardInterrupt, and the session lives on."""
    with dlvclient.sync.open_core(seed.exe, seed.core, dlv=seed.leg.dlv) as c:
        # GetEvents never answers on a core (Delve 1.25.2+): a call that would hang forever.
        timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            c.call("GetEvents", timeout=30)
        timer.join()
        assert c.eval("1+2").value == "3"


@pytest.mark.parametrize("example", ["seed_walk.py", "seed_walk_sync.py"])
def test_examples_walk_the_seed(seed_case: CoreCase, example: str) -> None:
    env = {**os.environ, "DLV": str(seed_case.leg.dlv)}
    script = Path(ROOT, "examples", example)
    out = subprocess.run(
        [sys.executable, str(script), str(seed_case.exe), str(seed_case.core)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    ).stdout
    assert "main.Modify" in out
    assert "a = 'hello'" in out
