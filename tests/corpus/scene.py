"""Fetch, build, load and dump the corpus programs: the machinery behind the corpus fixtures.

A program from the module proxy is built the way it ships: ``go install PACKAGE@VERSION``
(optimised, ``-trimpath`` where the catalogue says so), into a directory of its own. A server is
started with core dumps enabled and ``GOTRACEBACK=crash``, loaded from this process over the
loopback until it holds hundreds of goroutines, then sent a signal; its output is kept next to
the core (``output.log``), as ``dlvclient capture`` keeps it.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal as _signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from dlvclient._capture import (
    CaptureError,
    CoreFile,
    DumpFacts,
    read_core_pattern,
    resolve_core_pattern,
)

#: A load: given the server's port, it opens connections and yields while they are held.
Load = Callable[[int], "contextlib.AbstractContextManager[None]"]

# Starts the program with an unlimited core size: the limit must be raised in the child.
_ULIMIT_EXEC = 'ulimit -c unlimited && exec "$@"'


def go_env(**extra: str) -> dict[str, str]:
    """The environment for every go command here: the local toolchain, go.sum may be updated."""
    return {**os.environ, "GOTOOLCHAIN": "local", "GOFLAGS": "-mod=mod", **extra}


def _run_go(argv: Sequence[str], *, cwd: Path, env: Mapping[str, str]) -> None:
    done = subprocess.run(
        list(argv),
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        check=False,
    )
    if done.returncode != 0:
        raise CaptureError(
            f"{' '.join(argv)} failed in {cwd} (exit status {done.returncode})",
            output=done.stdout.decode(errors="replace"),
        )


def install(go: Path, package: str, version: str, bindir: Path, *, trimpath: bool) -> Path:
    """``go install PACKAGE@VERSION`` into ``bindir``: the program as its authors ship it."""
    bindir.mkdir(parents=True, exist_ok=True)
    argv = [str(go), "install", *(["-trimpath"] if trimpath else []), f"{package}@{version}"]
    _run_go(argv, cwd=bindir, env=go_env(GOBIN=str(bindir)))
    parts = package.rstrip("/").split("/")
    if len(parts) > 1 and re.fullmatch(r"v[0-9]+", parts[-1]):  # a major-version suffix
        parts.pop()
    return bindir / parts[-1]


def build_local(
    go: Path,
    source: Path,
    output: Path,
    *,
    flags: Sequence[str] = (),
    vendor: bool = False,
    files: Sequence[str] = (),
) -> Path:
    """Build a program of ours (optimised): in module mode, vendored, or from file arguments.

    The source is copied next to ``output`` first, so ``go mod vendor`` and go.sum updates
    never touch the repository. ``files`` builds ``go build file.go``, which Go records as the
    package ``command-line-arguments``.
    """
    tree = output.parent / f"{output.name}-src"
    shutil.copytree(source, tree, dirs_exist_ok=True)
    env = go_env()
    if vendor:
        _run_go([str(go), "mod", "vendor"], cwd=tree, env=env)
        env["GOFLAGS"] = "-mod=vendor"
    _run_go([str(go), "build", "-o", str(output), *flags, *(files or ["."])], cwd=tree, env=env)
    return output


def free_port() -> int:
    """A TCP port on the loopback that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_listening(port: int, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    """Return once something accepts on ``port``; fail if the program exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise CaptureError(f"the program exited with status {proc.returncode} before listening")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise CaptureError(f"nothing listened on 127.0.0.1:{port} within {timeout:g} s")


@dataclass(frozen=True)
class Dump:
    """A program's core and what it printed."""

    exe: Path
    core: Path
    output: Path
    pid: int
    signal: int | None
    #: Seconds from start to core, build excluded.
    seconds: float


def run_to_core(
    argv: Sequence[str],
    *,
    cwd: Path,
    port: int | None = None,
    load: Load | None = None,
    signal: int | None = None,
    settle: float = 0.5,
    timeout: float = 60.0,
) -> Dump:
    """Run ``argv`` in ``cwd`` until it leaves a core.

    With ``port``, wait until the program listens there; with ``load``, hold the load while
    the signal is sent (after ``settle`` seconds, so every connection has its goroutine). A
    program that crashes by itself needs neither. Nothing outlives the call.
    """
    started, wall = time.monotonic(), time.time()
    output = cwd / "output.log"
    env = {**os.environ, "GOTRACEBACK": "crash"}
    with open(output, "wb") as log:
        proc = subprocess.Popen(
            ["bash", "-c", _ULIMIT_EXEC, "bash", *argv],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        with contextlib.ExitStack() as held:
            if port is not None:
                wait_listening(port, proc)
            if load is not None and port is not None:
                held.enter_context(load(port))
                time.sleep(settle)
            if signal is not None:
                proc.send_signal(signal)
            proc.wait(timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    dumped = proc.returncode < 0 and -proc.returncode in (_signal.SIGABRT, _signal.SIGSEGV)
    core = _find_core(proc.pid, cwd, Path(argv[0]), -proc.returncode, wall) if dumped else None
    if core is None:
        tail = output.read_text(errors="replace")[-2000:]
        raise CaptureError(f"{argv[0]} left no core (exit status {proc.returncode})", output=tail)
    return Dump(Path(argv[0]), core, output, proc.pid, signal, time.monotonic() - started)


def _find_core(pid: int, cwd: Path, exe: Path, sig: int, started: float) -> Path | None:
    pattern, uses_pid = read_core_pattern()
    facts = DumpFacts(pid=pid, cwd=cwd, exec_path=exe, signal=sig, uid=os.getuid())
    target = resolve_core_pattern(pattern, facts, uses_pid=uses_pid)
    if not isinstance(target, CoreFile):
        return None
    candidates = [target.path] if target.path else [Path(p) for p in cwd.glob("core*")]
    fresh = [p for p in candidates if p is not None and p.is_file()]
    fresh = [p for p in fresh if p.stat().st_mtime >= started - 2]
    return max(fresh, key=lambda p: p.stat().st_mtime) if fresh else None


# --- loads ----------------------------------------------------------------------------------------


def _recv_until(sock: socket.socket, marker: bytes, limit: int = 1 << 16) -> bytes:
    data = b""
    while marker not in data:
        chunk = sock.recv(4096)
        if not chunk or len(data) > limit:
            raise CaptureError(f"the server closed or rambled before sending {marker!r}")
        data += chunk
    return data


@contextlib.contextmanager
def nats_clients(port: int, count: int = 120) -> Iterator[None]:
    """``count`` NATS clients speaking the text protocol, each subscribed, all held open.

    The server runs a read and a write loop per client: 2 goroutines each.
    """
    with contextlib.ExitStack() as stack:
        for n in range(count):
            sock = stack.enter_context(socket.create_connection(("127.0.0.1", port), 5))
            _recv_until(sock, b"\r\n")  # INFO {...}
            sock.sendall(
                b'CONNECT {"verbose":false,"pedantic":false,"name":"corpus"}\r\n'
                + f"SUB corpus.{n % 8} {n}\r\nPUB corpus.{n % 8} 5\r\nhello\r\nPING\r\n".encode()
            )
            _recv_until(sock, b"PONG\r\n")
        yield


@contextlib.contextmanager
def http_clients(port: int, idle: int = 200, slow: int = 24) -> Iterator[None]:
    """``idle`` keep-alive connections that each finished a request, and ``slow`` requests
    still in a handler (``/delay/20``): a goroutine per connection, the slow ones in the
    program's own handler code."""
    request = "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n"
    with contextlib.ExitStack() as stack:
        for _ in range(idle):
            sock = stack.enter_context(socket.create_connection(("127.0.0.1", port), 5))
            sock.sendall(request.format(path="/get").encode())
            _recv_until(sock, b"\r\n\r\n")
        for _ in range(slow):
            sock = stack.enter_context(socket.create_connection(("127.0.0.1", port), 5))
            sock.sendall(request.format(path="/delay/20").encode())
        yield
