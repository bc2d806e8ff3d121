"""Signalling our own child processes, and never a stranger that inherited a reaped child's pid.

Once a child is reaped its pid is free, and on a busy machine (``pid_max`` is often 32768) the
kernel hands it to another process: a signal sent by that number, or to the process group of
that number, then hits whoever got it. A child's pid stays ours while the child is unreaped,
running or a zombie, and a peek with ``waitid(WNOWAIT)`` tells which without reaping it.
"""

from __future__ import annotations

import contextlib
import os

__all__ = ["is_unreaped_child", "signal_group"]


def is_unreaped_child(pid: int) -> bool:
    """Whether ``pid`` is a child of this process that nobody has reaped yet."""
    if pid <= 0:
        return False
    try:
        os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return False
    return True


def signal_group(pid: int, signum: int) -> bool:
    """Send ``signum`` to the process group led by our child ``pid`` (started with
    ``start_new_session``), unless the child was reaped already; return whether it was sent.

    An asyncio child watcher reaps in a thread and only later sets ``returncode``: in between,
    ``returncode is None`` does not mean the pid is still ours.
    """
    if not is_unreaped_child(pid):
        return False
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signum)
    return True
