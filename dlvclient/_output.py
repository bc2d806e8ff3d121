"""The program's own output around a crash: kept next to its core, and read back for the report.

``capture`` passes what the program prints through (to stderr, so stdout stays the report's)
and saves it as ``CORE.log`` beside the core (:func:`output_path`). Go's runtime prints a header
before its traceback (``panic: ...``, ``fatal error: ...``, ``SIGQUIT: quit``); a report of the
core finds it there (:func:`runtime_header`) and checks its own reading against it.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import IO, BinaryIO

__all__ = ["RuntimeHeader", "Tee", "output_path", "read_runtime_header", "runtime_header"]

# Only this much of each end of a long log is read back. The crash is at the end, but its
# traceback can be longer than that (30 MB for 10,000 goroutines): then its header, which comes
# first, is near the start of the log, unless the program printed a great deal before it.
_READ_LIMIT = 16 << 20
# How a header line starts. One regular expression finds them all in a pass over a window, at
# nearly memory speed (a bytes.find per start is a pass each, a line split far slower).
_HEADER_STARTS = (b"panic: ", b"fatal error: ", b"SIG")
_LINE_START = re.compile(rb"\n(?:" + b"|".join(map(re.escape, _HEADER_STARTS)) + rb")")
_HEADER = re.compile(r"^(?:(panic|fatal error): (.*)|(SIG[A-Z0-9]+): (.*))$")
# A header is followed within a few lines by one of these (a log line that looks like one is not).
_FOLLOWERS = ("goroutine ", "[signal ", "PC=", "runtime stack:", "panic: ", "\t")
_SIGNAL_LINE = re.compile(r"^\[signal (SIG[A-Z0-9]+)")
_SIGCODE = re.compile(r"\bsigcode=(-?\d+)")


def output_path(core: str | os.PathLike[str]) -> Path:
    """Where the output of the program that left ``core`` is kept: ``CORE.log`` beside it."""
    path = Path(os.fspath(core))
    return path.with_name(path.name + ".log")


@dataclass(frozen=True)
class RuntimeHeader:
    """The line Go's runtime printed before its traceback, and what it says."""

    #: "panic", "fatal_error" or "signal" (``SIGQUIT: quit``).
    kind: str
    #: The text after ``panic: ``/``fatal error: ``, or the whole ``SIGQUIT: quit`` line.
    message: str
    #: The signal: of a ``[signal ...]`` line, or of the ``SIG...:`` header.
    signal: str | None
    #: ``sigcode=`` of a signal header (0: sent by a process).
    signal_code: int | None
    #: The header line as printed.
    line: str


def runtime_header(text: str) -> RuntimeHeader | None:
    """The first runtime header in a program's output, or None when it printed none."""
    lines = text.splitlines()
    return next(
        (header for index in range(len(lines)) if (header := _header_at(lines, index))), None
    )


def _header_at(lines: Sequence[str], index: int) -> RuntimeHeader | None:
    """The runtime header that is ``lines[index]``, if it is one."""
    line = lines[index]
    match = _HEADER.match(line)
    if match is None:
        return None
    after = lines[index + 1 : index + 5]
    if not any(follow.startswith(_FOLLOWERS) for follow in after):
        return None
    if match[1] is not None:
        signal = next((m[1] for m in map(_SIGNAL_LINE.match, after) if m), None)
        kind = "panic" if match[1] == "panic" else "fatal_error"
        return RuntimeHeader(kind, match[2], signal, None, line)
    code = next((int(m[1]) for m in map(_SIGCODE.search, after) if m), None)
    return RuntimeHeader("signal", line, match[3], code, line)


def _header_in(data: bytes, *, whole_first_line: bool = True) -> RuntimeHeader | None:
    """:func:`runtime_header` of ``data``, looking only at the lines that start like one.

    A window cut from the middle of a file starts in the middle of a line (``[signal
    SIGSEGV: ...`` cut after its ``[signal ``), which is not taken for a header.
    """
    first = [0] if whole_first_line and data.startswith(_HEADER_STARTS) else []
    for at in chain(first, (match.start() + 1 for match in _LINE_START.finditer(data))):
        # The line and the few after it that tell a header from a log line that looks like one.
        end = at
        for _ in range(5):
            end = data.find(b"\n", end + 1)
            if end < 0:
                end = len(data)
                break
        header = _header_at(data[at:end].decode("utf-8", "replace").splitlines(), 0)
        if header is not None:
            return header
    return None


def read_runtime_header(path: str | os.PathLike[str]) -> RuntimeHeader | None:
    """The runtime header in the output file at ``path``, if any: the first in its last 16 MiB,
    else the first in its first 16 MiB."""
    with open(path, "rb") as f:
        size = f.seek(0, os.SEEK_END)
        f.seek(max(0, size - _READ_LIMIT))
        header = _header_in(f.read(), whole_first_line=size <= _READ_LIMIT)
        if header is None and size > _READ_LIMIT:
            f.seek(0)
            header = _header_in(f.read(min(_READ_LIMIT, size - _READ_LIMIT)))
        return header


class Tee:
    """Copies a child's pipes to one log file (in arrival order), to ``echo`` and to tails."""

    def __init__(
        self, pipes: Sequence[IO[bytes]], log: BinaryIO, *, echo: BinaryIO | None, limit: int
    ) -> None:
        self._log = log
        self._echo = echo
        self._limit = limit
        self._lock = threading.Lock()
        self.tails = [bytearray() for _ in pipes]
        self._threads = [
            threading.Thread(target=self._copy, args=(pipe, tail), daemon=True)
            for pipe, tail in zip(pipes, self.tails, strict=True)
        ]
        for thread in self._threads:
            thread.start()

    def _copy(self, pipe: IO[bytes], tail: bytearray) -> None:
        fd = pipe.fileno()
        while chunk := os.read(fd, 65536):
            with self._lock:
                self._log.write(chunk)
                if self._echo is not None:
                    self._echo.write(chunk)
                    self._echo.flush()
            tail += chunk
            if len(tail) > 2 * self._limit:
                del tail[: len(tail) - self._limit]

    def join(self, timeout: float = 5.0) -> list[str]:
        """Wait for the pipes to close (the child and what it started are gone); the tails."""
        for thread in self._threads:
            thread.join(timeout)
        with self._lock:
            self._log.flush()
        return [bytes(tail[-self._limit :]).decode(errors="replace") for tail in self.tails]
