"""The stdout and stderr of a launched target: pipes of their own, drained all along."""

from __future__ import annotations

import contextlib
import errno
import math
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Literal

import anyio
from anyio.abc import TaskGroup
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

__all__ = ["OutputChunk", "TargetOutput"]

# A pipe holds 64 KB: reading that much at once empties it in one system call.
_READ_SIZE = 1 << 16

StreamName = Literal["stdout", "stderr"]


@dataclass(frozen=True)
class OutputChunk:
    """Bytes the target wrote to ``stream`` (``"stdout"`` or ``"stderr"``), as they came."""

    stream: StreamName
    data: bytes

    @property
    def text(self) -> str:
        """The bytes decoded as UTF-8 (invalid bytes replaced)."""
        return self.data.decode(errors="replace")


class TargetOutput:
    """What the target writes to stdout and stderr, in order per stream, none of it lost.

    Delve opens the write ends of two pipes as the target's stdout and stderr (its ``-r``
    redirects, which Restart reuses); a task reads them from the start, so the target and dlv
    never block on a full pipe. Each chunk goes to ``on_output`` if one was given, or else is
    kept until read with ``async for chunk in output`` (kept without limit: a target that
    writes a lot and is never read costs memory, so pass ``on_output`` to drop or forward it).

    An ``async for`` ends when the target has exited (seen by a command of the session) and
    everything it wrote was read, or when the session ends; after a restart, the next
    ``async for`` reads the new run's output. An attached process keeps the output it had:
    this stream is then empty and ends at once.
    """

    def __init__(self, on_output: Callable[[OutputChunk], object] | None = None) -> None:
        self._on_output = on_output
        # None marks the end of one run of the target.
        self._send: MemoryObjectSendStream[OutputChunk | None]
        self._receive: MemoryObjectReceiveStream[OutputChunk | None]
        self._send, self._receive = anyio.create_memory_object_stream[OutputChunk | None](math.inf)
        self._fds: dict[StreamName, tuple[int, int]] = {}
        self._open = 0
        self._drained = anyio.Event()

    def make_pipes(self) -> list[str]:
        """Make the two pipes; return the ``-r`` flags that give dlv's target their write ends."""
        flags = []
        for stream in ("stdout", "stderr"):
            read_fd, write_fd = os.pipe()
            os.set_blocking(read_fd, False)
            self._fds[stream] = (read_fd, write_fd)
            flags.append(f"--redirect={stream}:/dev/fd/{write_fd}")
        return flags

    @property
    def write_fds(self) -> list[int]:
        """The write ends, to be passed to dlv."""
        return [write for _, write in self._fds.values()]

    def start(self, task_group: TaskGroup) -> None:
        """Close this process's write ends (dlv has its own) and start draining the pipes."""
        for stream, (read_fd, write_fd) in self._fds.items():
            os.close(write_fd)
            self._fds[stream] = (read_fd, -1)
            self._open += 1
            task_group.start_soon(self._drain, stream, read_fd)
        if not self._open:
            self._send.close()
            self._drained.set()

    async def _drain(self, stream: StreamName, fd: int) -> None:
        try:
            while True:
                try:
                    data = os.read(fd, _READ_SIZE)
                except BlockingIOError:
                    try:
                        await anyio.wait_readable(fd)
                    except anyio.ClosedResourceError:
                        break  # closed by close(): the session is over
                    continue
                except OSError as exc:
                    if exc.errno == errno.EBADF:
                        break  # closed by close(): the session is over
                    raise
                if not data:
                    break  # every writer (dlv and the target) is gone
                self._deliver(OutputChunk(stream, data))
        finally:
            self._open -= 1
            if self._open == 0:
                self._send.close()
                self._drained.set()

    def _deliver(self, chunk: OutputChunk | None) -> None:
        if self._on_output is not None:
            if chunk is not None:
                self._on_output(chunk)
        else:
            with contextlib.suppress(anyio.BrokenResourceError, anyio.ClosedResourceError):
                self._send.send_nowait(chunk)

    def target_exited(self) -> None:
        """The target is gone: read what is left in the pipes, then end this run's stream."""
        for stream, (read_fd, _) in self._fds.items():
            # Its writes are all in the pipe by now; dlv's copies of the write ends keep the
            # pipe open, so no end of file will say so.
            while read_fd >= 0:
                try:
                    data = os.read(read_fd, _READ_SIZE)
                except OSError:  # BlockingIOError: empty
                    break
                if not data:
                    break
                self._deliver(OutputChunk(stream, data))
        self._deliver(None)

    def __aiter__(self) -> AsyncIterator[OutputChunk]:
        return self._chunks()

    async def _chunks(self) -> AsyncIterator[OutputChunk]:
        with contextlib.suppress(anyio.EndOfStream, anyio.ClosedResourceError):
            while (chunk := await self._receive.receive()) is not None:
                yield chunk

    def read_nowait(self) -> list[OutputChunk]:
        """Every chunk that is in now, without waiting (empty if none)."""
        chunks = []
        with contextlib.suppress(anyio.WouldBlock, anyio.EndOfStream, anyio.ClosedResourceError):
            while True:
                chunk = self._receive.receive_nowait()
                if chunk is not None:
                    chunks.append(chunk)
        return chunks

    async def drain(self, timeout: float) -> None:
        """Wait up to ``timeout`` s for the last writer to go (the target's last words)."""
        with anyio.move_on_after(timeout):
            await self._drained.wait()

    def close(self) -> None:
        """Close the pipes this process holds (idempotent)."""
        for stream, (read_fd, write_fd) in list(self._fds.items()):
            for fd in (read_fd, write_fd):
                if fd >= 0:
                    # Wake a drain waiting on it before the descriptor goes.
                    with contextlib.suppress(Exception):
                        anyio.notify_closing(fd)
                    with contextlib.suppress(OSError):
                        os.close(fd)
            self._fds[stream] = (-1, -1)
