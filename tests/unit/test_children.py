"""dlvclient._children: a child's pid is signalled only while it is still ours."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from dlvclient._children import is_unreaped_child, signal_group

_SLEEP = [sys.executable, "-c", "import time; time.sleep(30)"]


def _wait_until_exited(pid: int) -> None:
    deadline = time.monotonic() + 10
    while os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None:
        assert time.monotonic() < deadline, f"pid {pid} did not exit"
        time.sleep(0.01)


def test_a_running_child_is_signalled_with_its_group() -> None:
    child = subprocess.Popen(_SLEEP, start_new_session=True)
    try:
        assert is_unreaped_child(child.pid)
        assert signal_group(child.pid, signal.SIGKILL)
        assert child.wait(10) == -signal.SIGKILL
    finally:
        child.kill()
        child.wait()


def test_a_zombie_child_is_still_ours() -> None:
    child = subprocess.Popen([sys.executable, "-c", ""], start_new_session=True)
    _wait_until_exited(child.pid)
    assert is_unreaped_child(child.pid)  # unreaped: the pid cannot have been given away
    assert signal_group(child.pid, signal.SIGTERM)
    assert child.wait(10) == 0


def test_a_reaped_child_is_never_signalled() -> None:
    # What an asyncio child watcher's thread does before it tells the loop (returncode None).
    child = subprocess.Popen([sys.executable, "-c", ""], start_new_session=True)
    os.waitpid(child.pid, 0)
    assert not is_unreaped_child(child.pid)
    assert not signal_group(child.pid, signal.SIGKILL)
    assert not is_unreaped_child(os.getpid())  # not a child at all
    assert not is_unreaped_child(0)
    child.returncode = 0  # reaped above: keep Popen from waiting on a pid that is not its own
