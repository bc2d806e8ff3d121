"""Sessions with live processes: ``dlv exec``, ``attach``, ``debug`` and ``test``, headless."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import signal
import tempfile
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

import anyio

from ._errors import AttachError, DlvError, InvalidArgumentError, InvalidTargetError, LaunchError
from ._launcher import DlvProcess, LaunchOptions
from ._session import served, task_group
from ._target_output import OutputChunk, TargetOutput

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._connection import Connection
    from ._live import LiveClient

__all__ = ["BuildOptions", "DlvOptions", "ProgramOptions", "attach", "debug", "go_test", "launch"]

# How long the target's last output may take to come out of its pipes after dlv is gone.
_LAST_OUTPUT = 1.0
_YAMA = Path("/proc/sys/kernel/yama/ptrace_scope")


def _load_client() -> None:
    """Import the live client and its models while dlv starts, not before (see _session)."""
    from . import _live  # noqa: F401


def _kill_if_same(pid: int, started: str | None) -> None:
    """SIGKILL ``pid`` if it is still the process that started at ``started``."""
    from ._live import process_start_time

    if pid > 0 and started is not None and process_start_time(pid) == started:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


@asynccontextmanager
async def _live_session(
    command: Sequence[str],
    *,
    options: LaunchOptions,
    timeout: float | None,
    executable: str | None = None,
    target_args: Sequence[str] = (),
    cwd: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    attached: bool = False,
    kill_on_close: bool = True,
    on_output: Callable[[OutputChunk], object] | None = None,
    dlv_cwd: str | os.PathLike[str] | None = None,
) -> AsyncIterator[LiveClient]:
    """Start dlv on a live target and yield its client; no dlv or launched target outlives it."""
    output = TargetOutput(on_output)
    extra: list[str] = []
    redirects = ["", "", ""]
    if not attached:
        extra = output.make_pipes()
        redirects = ["", *(flag.split(":", 1)[1] for flag in extra)]
        if cwd is not None:
            extra.append(f"--wd={await anyio.Path(cwd).absolute()}")
    if env is not None:
        options = dataclasses.replace(options, env=dict(env))
    client: LiveClient | None = None
    try:
        async with task_group() as tg:
            try:
                process = await DlvProcess.spawn(
                    tg,
                    [*command, *extra],
                    options,
                    executable=executable,
                    target_args=target_args,
                    cwd=dlv_cwd,
                    pass_fds=output.write_fds,
                    while_loading=_load_client,
                )
            except LaunchError as exc:
                raise _attach_error(command, exc) if attached else exc from None
            output.start(tg)

            def make_client(conn: Connection) -> LiveClient:
                from ._live import LiveClient

                live = LiveClient(
                    conn,
                    default_timeout=timeout,
                    process=process,
                    output=output,
                    attached=attached,
                    kill_on_close=kill_on_close,
                    redirects=redirects,
                )
                live._executable = Path(executable) if executable else None  # its build info
                return live

            try:
                async with served(
                    process, make_client, startup_timeout=options.startup_timeout
                ) as client:
                    yield client
            except LaunchError as exc:
                raise _attach_error(command, exc) if attached else exc from None
            finally:
                with anyio.CancelScope(shield=True):
                    if client is not None and client.kill_on_close:
                        # dlv kills what it launched, but not when it was killed itself. (An
                        # attached process runs on by itself when its tracer dies.)
                        _kill_if_same(client._pid, client._pid_started)
                    await output.drain(_LAST_OUTPUT)
                tg.cancel_scope.cancel()
    finally:
        output.close()


class DlvOptions(TypedDict, total=False):
    """How dlv is started for a live session: the keywords of :func:`open_core` of the
    same names (``dlv``, ``startup_timeout`` — 30 s, 120 s for the builds of :func:`debug`
    and :func:`test` —, ``check_go_version``, ``listen``, ``allow_remote``, ``extra_args``)."""

    dlv: str | os.PathLike[str] | None
    startup_timeout: float
    check_go_version: bool
    listen: str | None
    allow_remote: bool
    extra_args: Sequence[str]


class ProgramOptions(DlvOptions, total=False):
    """A launched program's surroundings, with :class:`DlvOptions`: ``cwd`` (its working
    directory), ``env`` (its whole environment; default this process's, plus
    ``GO_TELEMETRY_CHILD=2``, which keeps dlv's telemetry child away) and ``on_output``
    (called with each :class:`OutputChunk` instead of keeping it for :attr:`LiveClient.output`)."""

    cwd: str | os.PathLike[str] | None
    env: Mapping[str, str] | None
    on_output: Callable[[OutputChunk], object] | None


class BuildOptions(ProgramOptions, total=False):
    """:class:`ProgramOptions` for a program Delve builds: ``build_flags`` go to ``go build``
    (``"-tags=integration"``); it builds without optimizations in any case."""

    build_flags: str


def _keys(options: type[Any]) -> frozenset[str]:
    """The keys a TypedDict of options has, its bases' included."""
    return frozenset(options.__required_keys__ | options.__optional_keys__)


def _options(
    options: Mapping[str, Any], allowed: type[Any], *, startup_timeout: float = 30.0
) -> tuple[LaunchOptions, dict[str, Any]]:
    """Check ``options`` against the TypedDict ``allowed``; return dlv's part and the rest."""
    known = _keys(allowed)
    unknown = sorted(set(options) - known)
    if unknown:
        raise InvalidArgumentError(
            f"unknown option(s) {', '.join(unknown)}; the options are {', '.join(sorted(known))}"
        )
    dlv_keys = _keys(DlvOptions)
    launch = {key: value for key, value in options.items() if key in dlv_keys}
    launch.setdefault("startup_timeout", startup_timeout)
    launch["extra_args"] = tuple(launch.get("extra_args", ()))
    rest = {key: value for key, value in options.items() if key not in dlv_keys}
    return LaunchOptions(**launch), rest


def _executable(path: str | os.PathLike[str]) -> str:
    exe = os.path.abspath(path)
    if not os.path.isfile(exe):
        raise InvalidTargetError(f"the executable {exe} does not exist; build it first")
    if not os.access(exe, os.X_OK):
        raise InvalidTargetError(f"{exe} is not executable (chmod +x it, or build it again)")
    return exe


def _proc_exe(pid: int) -> str | None:
    """The executable of the running process ``pid``, when it can be read."""
    path = f"/proc/{pid}/exe"
    return path if os.access(path, os.R_OK) else None


def _package_dir(path: str | os.PathLike[str]) -> str:
    directory = os.path.abspath(path)
    if not os.path.isdir(directory):
        raise InvalidArgumentError(
            f"the package directory {directory} does not exist; pass the directory of a Go "
            f"main package (debug) or of a package with tests (test)"
        )
    return directory


@asynccontextmanager
async def launch(
    executable: str | os.PathLike[str],
    args: Sequence[str] = (),
    *,
    timeout: float | None = 120.0,
    **options: Unpack[ProgramOptions],
) -> AsyncIterator[LiveClient]:
    """Start ``executable`` with ``args`` under ``dlv exec --headless``; yield its client.

    The program starts stopped at its entry: set breakpoints, then :meth:`~LiveClient.continue_`.
    Its stdout and stderr come through :attr:`LiveClient.output` (or ``on_output``); its
    stdin is ``/dev/null``. ``timeout`` is the default per-call timeout; the other options
    are :class:`ProgramOptions`. On exit, error or cancellation the program is killed and
    dlv stopped.
    """
    launch_options, program = _options(options, ProgramOptions)
    exe = await anyio.to_thread.run_sync(_executable, executable)
    async with _live_session(
        ["exec", exe],
        executable=exe,
        target_args=args,
        options=launch_options,
        timeout=timeout,
        **program,
    ) as client:
        yield client


@asynccontextmanager
async def attach(
    pid: int,
    executable: str | os.PathLike[str] | None = None,
    *,
    kill_on_close: bool = False,
    timeout: float | None = 120.0,
    **options: Unpack[DlvOptions],
) -> AsyncIterator[LiveClient]:
    """Attach ``dlv attach --headless`` to the running process ``pid``; yield its client.

    The process stops while attached. On exit, error or cancellation Delve detaches and the
    process runs on, unless ``kill_on_close``. ``executable`` is needed only when
    ``/proc/PID/exe`` is not the binary with debug info. Refusals (no such process, a
    kernel ptrace restriction, another tracer, another user) raise :class:`AttachError`.
    Its output stays where it went: :attr:`LiveClient.output` is empty. The other options
    are :class:`DlvOptions`.
    """
    if isinstance(pid, bool) or not isinstance(pid, int) or pid <= 0:
        raise InvalidArgumentError(f"pid must be a positive process id, got {pid!r}")
    launch_options, _ = _options(options, DlvOptions)
    command = ["attach", str(pid)]
    exe = None
    if executable is not None:
        exe = await anyio.to_thread.run_sync(_executable, executable)
        command.append(exe)
    async with _live_session(
        command,
        # The process's own binary tells which Delve reads its Go.
        executable=exe or await anyio.to_thread.run_sync(_proc_exe, pid),
        options=launch_options,
        timeout=timeout,
        attached=True,
        kill_on_close=kill_on_close,
    ) as client:
        yield client


@asynccontextmanager
async def debug(
    package_dir: str | os.PathLike[str],
    args: Sequence[str] = (),
    *,
    timeout: float | None = 120.0,
    **options: Unpack[BuildOptions],
) -> AsyncIterator[LiveClient]:
    """Build the main package in ``package_dir`` and launch it (``dlv debug --headless``).

    Delve builds it into a private directory removed afterwards; ``startup_timeout``
    (default 120 s) covers the build. Otherwise like :func:`launch`, with
    :class:`BuildOptions`; :meth:`~LiveClient.restart` can ``rebuild``.
    """
    async with _built_session("debug", package_dir, args, timeout, options) as client:
        yield client


@asynccontextmanager
async def go_test(
    package_dir: str | os.PathLike[str],
    run: str | None = None,
    args: Sequence[str] = (),
    *,
    timeout: float | None = 120.0,
    **options: Unpack[BuildOptions],
) -> AsyncIterator[LiveClient]:
    """Build the tests of the package in ``package_dir`` and launch them (``dlv test``).

    ``run`` is a ``-test.run`` regexp choosing the tests; ``args`` go to the test binary
    (``["-test.v"]``). Otherwise like :func:`debug`.
    """
    test_args = ([f"-test.run={run}"] if run is not None else []) + list(args)
    async with _built_session("test", package_dir, test_args, timeout, options) as client:
        yield client


@asynccontextmanager
async def _built_session(
    subcommand: str,
    package_dir: str | os.PathLike[str],
    args: Sequence[str],
    timeout: float | None,
    options: Mapping[str, Any],
) -> AsyncIterator[LiveClient]:
    launch_options, program = _options(options, BuildOptions, startup_timeout=120.0)
    build_flags = program.pop("build_flags", "")
    directory = _package_dir(package_dir)
    program.setdefault("cwd", directory)
    # The binary goes to a private directory, not into the user's package.
    with tempfile.TemporaryDirectory(prefix="dlvclient-build-") as build_dir:
        command = [subcommand, f"--output={build_dir}/{subcommand}.bin"]
        if build_flags:
            command.append(f"--build-flags={build_flags}")
        async with _live_session(
            command,
            options=launch_options,
            timeout=timeout,
            target_args=args,
            dlv_cwd=directory,
            **program,
        ) as client:
            yield client


# --- why an attach failed ------------------------------------------------------------------------

_NO_PROCESS = re.compile(r"could not attach to pid \d+: no such process", re.IGNORECASE)
_REFUSED = re.compile(
    r"could not attach to pid \d+: (operation not permitted|already being debugged|this could "
    r"be caused by a kernel security setting)",
    re.IGNORECASE,
)


def _tracer_pid(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("TracerPid:"):
                return int(line.split()[1]) or None
    except (OSError, ValueError, IndexError):
        pass
    return None


def _attach_error(command: Sequence[str], error: DlvError) -> DlvError:
    """The typed error for an attach Delve refused, with what to do about it."""
    if not isinstance(error, LaunchError) or len(command) < 2:
        return error
    pid = int(command[1])
    stderr = error.stderr
    common = {"pid": pid, "exit_code": error.exit_code, "stderr": stderr}
    if _NO_PROCESS.search(stderr):
        return AttachError(
            f"there is no process {pid} to attach to; check the pid (it may have exited)",
            reason="no-such-process",
            **common,  # type: ignore[arg-type]
        )
    if not _REFUSED.search(stderr):
        return error
    tracer = _tracer_pid(pid)
    if tracer is not None:
        return AttachError(
            f"process {pid} is already traced by pid {tracer} (a debugger, strace or another "
            f"dlv); only one tracer can attach: stop that one first",
            reason="traced",
            tracer_pid=tracer,
            **common,  # type: ignore[arg-type]
        )
    try:
        owner = os.stat(f"/proc/{pid}").st_uid
    except OSError:
        owner = os.getuid()
    if owner != os.getuid() and os.getuid() != 0:
        return AttachError(
            f"process {pid} belongs to another user (uid {owner}); run as that user or as "
            f"root (or with CAP_SYS_PTRACE)",
            reason="other-user",
            **common,  # type: ignore[arg-type]
        )
    try:
        scope = int(_YAMA.read_text())
    except (OSError, ValueError):
        scope = 0
    if scope > 0:
        return AttachError(
            f"the kernel's Yama ptrace_scope is {scope}, which forbids attaching to process "
            f"{pid}; run as root, or allow it with `sysctl kernel.yama.ptrace_scope=0`",
            reason="ptrace-scope",
            **common,  # type: ignore[arg-type]
        )
    return AttachError(
        f"Delve was not allowed to attach to process {pid}: {stderr.strip()}; check that no "
        f"other tracer holds it and that you may ptrace it",
        reason="refused",
        **common,  # type: ignore[arg-type]
    )
