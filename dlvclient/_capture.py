"""Make a crash scene: build a Go program, run it until it dies, and find its core file.

:func:`make_core` does all three and is what the CLI's demo, the tests and the benchmark
use. Its parts: :func:`build_go_program` compiles a program the way Delve likes it (no
optimizations, no inlining); :func:`run_and_capture` runs it with ``GOTRACEBACK=crash`` and
core dumps enabled, then finds where the kernel wrote the core by reading
``kernel.core_pattern``; :func:`require_core` turns a run that left no core into a
:class:`CaptureError`. :func:`resolve_core_pattern` is the pure part of the lookup.
"""

from __future__ import annotations

import glob
import os
import resource
import shutil
import signal as _signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ._errors import CaptureError, NoCoreError
from ._output import Tee, output_path
from ._signals import CORE_SIGNALS, signal_name

__all__ = [
    "CORE_SIGNALS",
    "Capture",
    "CaptureError",
    "CoreFile",
    "CorePipe",
    "CoreTarget",
    "Crash",
    "DumpFacts",
    "build_go_program",
    "make_core",
    "read_core_pattern",
    "require_core",
    "resolve_core_pattern",
    "run_and_capture",
]

CORE_PATTERN_FILE = Path("/proc/sys/kernel/core_pattern")
CORE_USES_PID_FILE = Path("/proc/sys/kernel/core_uses_pid")

_FIX_PATTERN = "echo core > /proc/sys/kernel/core_pattern (as root)"

# Files a little older than the start still count: file systems store coarse timestamps.
_MTIME_SLACK = 2.0

# Runs in the child before the program: raises RLIMIT_CORE there only, then execs. A separate
# interpreter instead of preexec_fn, which is unsafe when the parent has threads.
_LIMIT_AND_EXEC = """\
import os, resource, sys
inf = resource.RLIM_INFINITY
try:
    resource.setrlimit(resource.RLIMIT_CORE, (inf, inf))
except (ValueError, OSError):
    hard = resource.getrlimit(resource.RLIMIT_CORE)[1]
    resource.setrlimit(resource.RLIMIT_CORE, (hard, hard))
try:
    os.execv(sys.argv[1], sys.argv[2:])
except OSError as exc:
    sys.stderr.write(f"dlvclient: cannot execute {sys.argv[1]}: {exc}\\n")
    os._exit(127)
"""


# --- building ------------------------------------------------------------------------------------


def build_go_program(
    source_dir: Path,
    output: Path,
    *,
    go: str = "go",
    optimize: bool = False,
    pie: bool = False,
    extra_flags: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
) -> Path:
    """Run ``go build`` in ``source_dir`` and return the absolute path of the executable.

    Unless ``optimize`` is set, the program is built with ``-gcflags=all=-N -l`` so that every
    variable and frame survives for the debugger. ``pie`` adds ``-buildmode=pie``;
    ``extra_flags`` go after the other flags. ``env`` replaces the environment of ``go``
    (default: this process's). Raises :class:`CaptureError` with the compiler's output when
    the build fails.
    """
    output = Path(output).absolute()
    go_path = shutil.which(go)
    if go_path is None:
        raise CaptureError(
            f"the Go toolchain {go!r} was not found; install Go (https://go.dev/doc/install)"
        )
    argv = [go_path, "build", "-o", str(output)]
    if not optimize:
        argv.append("-gcflags=all=-N -l")
    if pie:
        argv.append("-buildmode=pie")
    argv.extend(extra_flags)
    argv.append(".")
    try:
        done = subprocess.run(
            argv,
            cwd=source_dir,
            env=None if env is None else dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            check=False,
        )
    except OSError as exc:
        raise CaptureError(f"could not run {go_path} in {source_dir}: {exc}") from exc
    text = done.stdout.decode(errors="replace")
    if done.returncode != 0:
        raise CaptureError(
            f"go build failed in {source_dir} (exit status {done.returncode})", output=text
        )
    if not output.is_file():
        raise CaptureError(f"go build succeeded but wrote no {output}", output=text)
    return output


# --- where the kernel puts cores -----------------------------------------------------------------


@dataclass(frozen=True)
class DumpFacts:
    """What the kernel knows about a dying process when it names the core file.

    Fields left as ``None`` are unknown; the specifiers they answer become wildcards.
    """

    pid: int
    cwd: Path
    #: The path the program was started from; its name (up to 15 bytes) is ``%e``.
    exec_path: Path | None = None
    uid: int | None = None
    gid: int | None = None
    signal: int | None = None
    hostname: str | None = None
    #: RLIMIT_CORE's soft limit in the process (``%c``).
    core_limit: int | None = None
    #: The pid in the initial pid namespace (``%P``); not knowable from inside a container.
    global_pid: int | None = None


@dataclass(frozen=True)
class CoreFile:
    """The kernel writes the core to a file: exactly ``path``, or the newest match of ``glob``."""

    path: Path | None
    glob: str


@dataclass(frozen=True)
class CorePipe:
    """The kernel pipes the core to a helper program (``|command args``)."""

    command: str

    @property
    def is_systemd_coredump(self) -> bool:
        """Whether the helper is systemd-coredump, whose cores ``coredumpctl`` can retrieve."""
        return "systemd-coredump" in self.command


CoreTarget = CoreFile | CorePipe


@dataclass(frozen=True)
class _Wild:
    """An expansion whose value cannot be known in advance (a time, a thread id)."""


_WILD = _Wild()


def _escaped(value: str) -> str:
    # As the kernel's cn_esc_printf: no component may be empty or hold a slash.
    return value.replace("/", "!") or "!"


def _expand(spec: str, facts: DumpFacts) -> str | _Wild:
    if spec == "%":
        return "%"
    numbers = {
        "p": facts.pid,
        "P": facts.global_pid,
        "u": facts.uid,
        "g": facts.gid,
        "s": facts.signal,
        "c": facts.core_limit,
    }
    if spec in numbers:
        number = numbers[spec]
        return _WILD if number is None else str(number)
    if spec == "h":
        return _WILD if facts.hostname is None else _escaped(facts.hostname)
    if spec in ("e", "f", "E"):
        if facts.exec_path is None:
            return _WILD
        if spec == "e":  # the task's comm: the exec'd file name, cut to TASK_COMM_LEN - 1 bytes
            comm = os.fsencode(facts.exec_path.name)[:15]
            return _escaped(comm.decode(errors="replace"))
        real = Path(os.path.realpath(facts.cwd / facts.exec_path))
        return _escaped(real.name if spec == "f" else str(real))
    # %i %I (thread ids), %t (time), %d (dump mode), and specifiers newer than this code.
    return _WILD


def resolve_core_pattern(pattern: str, facts: DumpFacts, *, uses_pid: bool = False) -> CoreTarget:
    """Work out where the kernel puts the core of the process ``facts`` describes.

    ``pattern`` is the text of ``kernel.core_pattern`` and ``uses_pid`` that of
    ``kernel.core_uses_pid``, which appends ``.PID`` when the pattern has no ``%p``
    (see core(5)). Specifiers whose value is unknown become ``*`` in :attr:`CoreFile.glob`,
    and :attr:`CoreFile.path` is then ``None``.
    """
    pattern = pattern.rstrip("\n")
    if pattern.startswith("|"):
        return CorePipe(pattern[1:].strip())
    literal: list[str] = []
    globbed: list[str] = []
    exact = True
    has_pid = False
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "%":
            if i + 1 == len(pattern):  # a lone trailing % expands to nothing
                break
            spec = pattern[i + 1]
            has_pid = has_pid or spec == "p"
            value = _expand(spec, facts)
            i += 2
        else:
            value = char
            i += 1
        if isinstance(value, _Wild):
            exact = False
            globbed.append("*")
        else:
            literal.append(value)
            globbed.append(glob.escape(value))
    if uses_pid and not has_pid:
        literal.append(f".{facts.pid}")
        globbed.append(f".{facts.pid}")
    # A relative pattern is relative to the dying process's working directory.
    path = facts.cwd / "".join(literal) if exact else None
    return CoreFile(path=path, glob=os.path.join(glob.escape(str(facts.cwd)), "".join(globbed)))


def read_core_pattern() -> tuple[str, bool]:
    """Return this machine's ``kernel.core_pattern`` and ``kernel.core_uses_pid``."""
    try:
        pattern = CORE_PATTERN_FILE.read_text()
    except OSError as exc:
        raise CaptureError(f"cannot read {CORE_PATTERN_FILE}: {exc} (is this Linux?)") from exc
    try:
        uses_pid = CORE_USES_PID_FILE.read_text().strip() not in ("", "0")
    except OSError:
        uses_pid = False
    return pattern.rstrip("\n"), uses_pid


def _check_supported(pattern: str, uses_pid: bool) -> None:
    """Raise :class:`CaptureError` unless cores can be fetched under this core_pattern."""
    target = resolve_core_pattern(pattern, DumpFacts(pid=0, cwd=Path()), uses_pid=uses_pid)
    if isinstance(target, CorePipe):
        if not target.is_systemd_coredump:
            raise CaptureError(
                f"kernel.core_pattern pipes cores to {target.command!r}, whose cores cannot be "
                f"retrieved from here; have the kernel write core files: {_FIX_PATTERN}"
            )
        if shutil.which("coredumpctl") is None:
            raise CaptureError(
                "kernel.core_pattern pipes cores to systemd-coredump but coredumpctl is not "
                f"installed; install systemd, or have the kernel write core files: {_FIX_PATTERN}"
            )
    elif not pattern and not uses_pid:
        raise CaptureError(f"kernel.core_pattern is empty, so no core is written; {_FIX_PATTERN}")


# --- running -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Capture:
    """How a program ended, and where its core file is.

    ``core`` is ``None`` when no core was found; ``reason`` then says why.
    """

    argv: tuple[str, ...]
    cwd: Path
    pid: int
    #: The exit status, when the program exited rather than being killed.
    returncode: int | None
    #: The signal that killed the program, if one did.
    signal: int | None
    #: Whether the kernel reported that it dumped a core.
    core_dumped: bool
    #: The end of what the program wrote (bounded by ``output_limit``).
    stdout: str
    stderr: str
    core: Path | None
    reason: str | None
    #: Seconds from start to exit.
    duration: float
    #: The signal ``run_and_capture`` sent (``signal_after``), if it sent one.
    sent_signal: int | None = None
    #: Everything the program printed, kept beside the core (``CORE.log``), when there is one.
    output: Path | None = None

    @property
    def signal_name(self) -> str | None:
        """The killing signal's name, such as ``"SIGABRT"``."""
        return None if self.signal is None else signal_name(self.signal)

    @property
    def sent_signal_name(self) -> str | None:
        """The name of the signal that was sent, such as ``"SIGQUIT"``."""
        return None if self.sent_signal is None else signal_name(self.sent_signal)

    @property
    def ending(self) -> str:
        """How the program ended, for a message: ``was killed by SIGABRT after 0.3 s``, or
        ``was sent SIGQUIT by capture after 30.0 s and died of SIGABRT``."""
        sent = self.sent_signal_name
        if sent is not None and self.signal_name is not None:
            # Go prints its goroutines on SIGQUIT and then aborts itself: say what was sent.
            died = "" if self.signal_name == sent else f" and died of {self.signal_name}"
            return f"was sent {sent} by capture after {self.duration:.1f} s{died}"
        if self.signal_name is not None:
            return f"was killed by {self.signal_name} after {self.duration:.1f} s"
        return f"exited with status {self.returncode} after {self.duration:.1f} s"


def _resolve_executable(program: str, cwd: Path, env: Mapping[str, str]) -> Path:
    if os.sep in program:
        path = Path(program)
        found = path if path.is_absolute() else cwd / path
        if not (found.is_file() and os.access(found, os.X_OK)):
            raise CaptureError(f"{found} is not an executable file")
        return found
    which = shutil.which(program, path=env.get("PATH", os.defpath))
    if which is None:
        raise CaptureError(f"{program!r} was not found on PATH")
    return Path(which)


def _wait_exit(
    proc: subprocess.Popen[bytes], timeout: float, signal_after: float | None, sig: int
) -> tuple[int, int, bool]:
    """Wait for the child to end, leaving it unreaped; return (si_code, si_status, sent)."""
    start = time.monotonic()
    signal_at = None if signal_after is None else start + signal_after
    while True:
        # WNOWAIT: peek, so Popen still reaps it; waitid, because only it tells CLD_DUMPED.
        try:
            info = os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            # Popen would make up an exit status 0 for it: say what happened instead.
            raise CaptureError(
                f"the program (pid {proc.pid}) was reaped by someone else in this process "
                "(a waitpid(-1) or a SIGCHLD set to SIG_IGN), so how it ended is unknown; "
                "capture in a process that leaves its children alone"
            ) from None
        if info is not None:
            if info.si_pid != proc.pid:
                raise CaptureError(f"waitid reported pid {info.si_pid}, not {proc.pid}")
            return info.si_code, info.si_status, signal_after is not None and signal_at is None
        now = time.monotonic()
        if signal_at is not None and now >= signal_at:
            # Not proc.send_signal(): it polls first, and a poll would reap the child.
            os.kill(proc.pid, sig)  # unreaped (only Popen reaps it): still ours
            signal_at = None
        if now - start >= timeout:
            raise TimeoutError
        time.sleep(0.01)


def _coredumpctl(pid: int, output: Path, timeout: float = 10.0) -> str | None:
    """Fetch the core of ``pid`` from systemd-coredump; return why not on failure."""
    deadline = time.monotonic() + timeout
    while True:
        # systemd-coredump stores the core asynchronously; retry until it shows up.
        done = subprocess.run(
            ["coredumpctl", "--no-pager", "--quiet", "dump", str(pid), "--output", str(output)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            check=False,
        )
        if done.returncode == 0 and output.is_file():
            return None
        if time.monotonic() >= deadline:
            return f"coredumpctl dump {pid} failed: {done.stderr.decode(errors='replace').strip()}"
        time.sleep(0.2)


def _find_core(target: CoreTarget, pid: int, cwd: Path, started: float) -> tuple[Path | None, str]:
    """Look for the core where ``target`` says; return it, or None and what was looked for."""
    if isinstance(target, CorePipe):
        output = cwd / f"core.{pid}"
        failure = _coredumpctl(pid, output)
        return (None, failure) if failure else (output, "")
    fresh = [
        Path(name)
        for name in ([str(target.path)] if target.path else glob.glob(target.glob))
        if _mtime(Path(name)) >= started - _MTIME_SLACK
    ]
    if fresh:
        return max(fresh, key=_mtime), ""
    return None, f"no new file matches {target.path or target.glob}"


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return float("-inf")


def _no_core_reason(returncode: int | None, sig: int | None, dumped: bool, looked: str) -> str:
    if sig is None:
        why = (
            f"the program exited with status {returncode}; only a crash (a fatal signal such as "
            "SIGABRT or SIGSEGV) writes a core"
        )
        if returncode == 0:
            # runtime.main waits only briefly for a panic in flight once main.main returns.
            why += (
                " (a Go program exits 0 when main returns while another goroutine is still "
                "panicking, e.g. released by a deferred WaitGroup.Done)"
            )
        return why
    name = signal_name(sig)
    if sig not in CORE_SIGNALS:
        return f"the program was killed by {name}, which does not dump core"
    if not dumped:
        limit = resource.getrlimit(resource.RLIMIT_CORE)[1]
        shown = "unlimited" if limit == resource.RLIM_INFINITY else str(limit)
        return (
            f"the program was killed by {name} but the kernel wrote no core (the RLIMIT_CORE "
            f"hard limit is {shown}; the core's directory must exist and be writable)"
        )
    return f"the kernel reports a core was dumped, but {looked}"


def run_and_capture(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    timeout: float = 60,
    signal_after: float | None = None,
    signal: int = _signal.SIGQUIT,
    output_limit: int = 1 << 20,
    echo: BinaryIO | None = None,
) -> Capture:
    """Run a program until it dies and find the core it leaves.

    The program runs in ``cwd`` with ``GOTRACEBACK=crash`` (so Go panics abort and dump core)
    and with RLIMIT_CORE raised as far as allowed, in the child only. ``env`` replaces the
    environment (default: this process's). With ``signal_after``, ``signal`` is sent after
    that many seconds, for dumping a program that would not crash by itself. A program still
    running after ``timeout`` seconds is killed and :class:`CaptureError` raised; so it is
    when ``kernel.core_pattern`` sends cores where they cannot be fetched from. Of the
    program's stdout and stderr the last ``output_limit`` bytes are kept in the result, and
    all of both, interleaved as printed, in ``CORE.log`` beside the core; ``echo`` (a binary
    stream such as ``sys.stderr.buffer``) also gets everything as it is printed.
    """
    if not argv:
        raise CaptureError("argv is empty: nothing to run")
    cwd = Path(cwd).absolute()
    child_env = dict(os.environ if env is None else env)
    child_env["GOTRACEBACK"] = "crash"
    exe = _resolve_executable(argv[0], cwd, child_env)
    pattern, uses_pid = read_core_pattern()
    _check_supported(pattern, uses_pid)  # before the run: a misconfigured machine fails fast

    started_wall = time.time()
    started = time.monotonic()
    with tempfile.TemporaryFile() as log:
        try:
            proc = subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", _LIMIT_AND_EXEC, str(exe), *argv],
                cwd=cwd,
                env=child_env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        except OSError as exc:
            raise CaptureError(f"could not start {argv[0]}: {exc}") from exc
        assert proc.stdout is not None
        assert proc.stderr is not None
        tee = Tee([proc.stdout, proc.stderr], log, echo=echo, limit=output_limit)
        try:
            code, status, sent = _wait_exit(proc, timeout, signal_after, signal)
        except BaseException as exc:  # a timeout or an interrupt: leave no process behind
            proc.kill()
            proc.wait()
            if isinstance(exc, TimeoutError):
                raise CaptureError(
                    f"{argv[0]} was still running after {timeout:g} s and was killed",
                    output=tee.join()[1],
                ) from None
            raise
        stdout, stderr = tee.join()
        proc.stdout.close()
        proc.stderr.close()
        proc.wait()
        log.seek(0)
        printed = log.read()
    duration = time.monotonic() - started

    killed = code in (os.CLD_KILLED, os.CLD_DUMPED)
    returncode, sig = (None, status) if killed else (status, None)
    dumped = code == os.CLD_DUMPED
    core: Path | None = None
    reason: str | None = None
    looked = ""
    if sig in CORE_SIGNALS:
        facts = DumpFacts(
            pid=proc.pid,
            cwd=cwd,
            exec_path=exe,
            uid=os.getuid(),
            gid=os.getgid(),
            signal=sig,
            hostname=socket.gethostname(),
            core_limit=_child_core_limit(),
        )
        target = resolve_core_pattern(pattern, facts, uses_pid=uses_pid)
        core, looked = _find_core(target, proc.pid, cwd, started_wall)
    kept: Path | None = None
    if core is None:
        reason = _no_core_reason(returncode, sig, dumped, looked)
    else:
        kept = output_path(core)
        kept.write_bytes(printed)
    return Capture(
        argv=tuple(argv),
        cwd=cwd,
        pid=proc.pid,
        returncode=returncode,
        signal=sig,
        core_dumped=dumped,
        stdout=stdout,
        stderr=stderr,
        core=core,
        reason=reason,
        duration=duration,
        sent_signal=signal if sent else None,
        output=kept,
    )


def _child_core_limit() -> int | None:
    """The soft RLIMIT_CORE that _LIMIT_AND_EXEC leaves in the child, when certain."""
    hard = resource.getrlimit(resource.RLIMIT_CORE)[1]
    if hard == resource.RLIM_INFINITY:
        return 2**64 - 1  # the kernel prints RLIM_INFINITY as an unsigned long
    # root may or may not be allowed to raise the hard limit
    return None if os.geteuid() == 0 else hard


# --- all at once ---------------------------------------------------------------------------------


def require_core(capture: Capture) -> Path:
    """The core of ``capture``; :class:`NoCoreError` (with the program's stderr) if none."""
    if capture.core is None:
        raise NoCoreError(
            f"{capture.argv[0]} {capture.ending}, and left no core: {capture.reason}",
            output=capture.stderr[-2000:],
        )
    return capture.core


@dataclass(frozen=True)
class Crash:
    """A crash scene: the program built, and the core its crash left."""

    exe: Path
    core: Path
    capture: Capture


def make_core(
    source_dir: Path,
    scene: Path,
    *,
    name: str | None = None,
    args: Sequence[str] = (),
    go: str = "go",
    optimize: bool = False,
    pie: bool = False,
    env: Mapping[str, str] | None = None,
    timeout: float = 60,
    signal_after: float | None = None,
) -> Crash:
    """Build the Go program in ``source_dir`` into ``scene``, run it there until it dies and
    return its executable and core.

    ``name`` is the executable's (default: the directory's name), ``args`` its arguments; the
    build options are :func:`build_go_program`'s and the run options
    :func:`run_and_capture`'s, ``env`` serving both. Raises :class:`CaptureError` when the
    build fails, :class:`NoCoreError` when the run leaves no core (whatever the reason).
    """
    exe = build_go_program(
        source_dir,
        Path(scene) / (name or Path(source_dir).name),
        go=go,
        optimize=optimize,
        pie=pie,
        env=env,
    )
    try:
        capture = run_and_capture(
            [str(exe), *args], cwd=scene, env=env, timeout=timeout, signal_after=signal_after
        )
    except CaptureError as exc:  # it ran (or tried to) and left no core
        raise NoCoreError(str(exc)) from None
    return Crash(exe, require_core(capture), capture)
