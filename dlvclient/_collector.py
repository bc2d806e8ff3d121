"""The cyclic garbage collector of a ``dlvclient`` command's process: paused at start-up.

Start-up (the interpreter, anyio, pydantic, the models and their validators) makes some
200,000 objects that live until exit. The collector would walk them about a hundred times
for nothing (30 ms of a small core's report), and once more at exit (0.1 s). So the command
pauses it until start-up is over, the first session open, and then leaves those objects out
of every later collection. Only the command does this: a library must not change its host
process's collector.
"""

from __future__ import annotations

import gc

__all__ = ["freeze_for_exit", "pause", "resume"]

_paused = False


def pause() -> None:
    """Stop collecting until :func:`resume`."""
    global _paused
    gc.disable()
    _paused = True


def resume() -> None:
    """Start-up is over: collect again, leaving out every object made so far.

    Does nothing unless :func:`pause` stopped the collector (so a test calling the command's
    ``main`` in its own process keeps that process's collector as it was).
    """
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()


def freeze_for_exit() -> None:
    """The process is about to exit: leave every object out of the last collections."""
    gc.freeze()
