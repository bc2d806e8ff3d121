"""Finding, starting, watching and stopping a headless ``dlv core`` process."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import signal
import subprocess
import tempfile
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import anyio
from anyio.abc import Process, TaskGroup

from ._children import signal_group
from ._delve import choose_delve
from ._errors import (
    INSTALL_HINT,
    ConnectionClosedError,
    DlvError,
    DlvNotFoundError,
    DlvTimeoutError,
    GoVersionError,
    InvalidArgumentError,
    InvalidTargetError,
    LaunchError,
    install_advice,
)
from ._transport import Address, LineBuffer, is_loopback, parse_address
from ._version import UNIX_LISTEN, Version, delve_release, parse_go_version

__all__ = ["DlvProcess", "LaunchOptions"]

logger = logging.getLogger("dlvclient")

_LISTENING = b"API server listening at: "
_STDERR_TAIL = 60


@dataclass(frozen=True)
class LaunchOptions:
    """How to start dlv; see :func:`dlvclient.open_core` for each option."""

    dlv: str | os.PathLike[str] | None = None
    listen: str | None = None
    allow_remote: bool = False
    check_go_version: bool = True
    extra_args: Sequence[str] = ()
    startup_timeout: float = 30.0
    env: dict[str, str] | None = None


def _signal_group(process: Process, signum: int) -> None:
    """Signal a process started with ``start_new_session`` and everything it forked."""
    signal_group(process.pid, signum)  # not once reaped: the pid may be another's by then


# What dlv prints on stderr when it gives up, mapped to the error a user can act on.
_GO_TOO_NEW = re.compile(
    r"Version of Delve is too old for Go version (\S+) \(maximum supported version (\S+)"
)
_GO_TOO_OLD = re.compile(
    r"Go version (\S+) is too old for this version of Delve \(minimum supported version (\S+)"
)
_BAD_TARGET = re.compile(
    r"unrecognized core format|bad magic number|no such file or directory|permission denied"
    r"|could not open debug info|no debug info found|not an ELF|ELF"
    # All dlv says when the executable or the core ends before its headers do.
    r"|^(unexpected )?EOF$",
    re.IGNORECASE | re.MULTILINE,
)


@dataclass
class DlvProcess:
    """A running ``dlv core --headless``, its output drained all along."""

    process: Process
    dlv: Path
    version: Version | None
    socket_dir: str | None = None
    stderr_lines: deque[str] = field(default_factory=lambda: deque(maxlen=_STDERR_TAIL))
    address: Address | None = None
    serving: bool = False
    _address_seen: anyio.Event = field(default_factory=anyio.Event)
    _exited: anyio.Event = field(default_factory=anyio.Event)

    @classmethod
    async def start(
        cls,
        task_group: TaskGroup,
        executable: Path,
        core: Path,
        options: LaunchOptions,
        while_loading: Callable[[], object] | None = None,
    ) -> DlvProcess:
        """Spawn dlv on ``executable`` and ``core``, and wait until it says where it listens.

        ``while_loading`` runs as soon as dlv is started: dlv reads the core meanwhile, so work
        done there (importing what the session needs) costs no time.
        """
        # Absolute paths cannot be taken for flags, whatever their name starts with.
        command = ["core", str(executable), str(core)]
        return await cls.spawn(
            task_group, command, options, executable=executable, while_loading=while_loading
        )

    @classmethod
    async def spawn(
        cls,
        task_group: TaskGroup,
        command: Sequence[str],
        options: LaunchOptions,
        *,
        executable: str | os.PathLike[str] | None,
        target_args: Sequence[str] = (),
        cwd: str | os.PathLike[str] | None = None,
        pass_fds: Sequence[int] = (),
        while_loading: Callable[[], object] | None = None,
    ) -> DlvProcess:
        """Spawn ``dlv COMMAND... --headless`` (``-- TARGET_ARGS`` last) until it listens.

        ``command`` is the subcommand and its operands (``core EXE CORE``, ``exec EXE``…);
        the Delve is chosen for ``executable``'s Go (any, when it is not known yet).
        ``pass_fds`` stay open in dlv (the target's output pipes of a launch).
        """
        # The newest Delve here that supports the target's Go (or the one named): _delve.
        chosen = await anyio.to_thread.run_sync(
            partial(
                choose_delve,
                executable,
                options.dlv,
                check_go_version=options.check_go_version,
                timeout=options.startup_timeout,
            )
        )
        dlv, version = chosen.path, chosen.version
        listen, socket_dir = _listen_argument(options, version)
        argv = [str(dlv), *command, "--headless", "--api-version=2"]
        check = str(options.check_go_version).lower()
        argv += [f"--listen={listen}", f"--check-go-version={check}"]
        argv += list(options.extra_args)
        if target_args:
            argv += ["--", *target_args]
        env = dict(os.environ if options.env is None else options.env)
        # dlv >= 1.24 forks a telemetry crash monitor that would outlive the session; "2" tells
        # golang.org/x/telemetry that this process must not start one.
        env["GO_TELEMETRY_CHILD"] = "2"
        try:
            process = await anyio.open_process(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=env,
                cwd=cwd,
                pass_fds=pass_fds,
                # Ctrl-C in a terminal must reach Python (which then closes the session), not dlv.
                start_new_session=True,
            )
        except OSError as exc:
            _remove_dir(socket_dir)
            raise DlvNotFoundError(f"could not run {dlv}: {exc}; {INSTALL_HINT}") from None
        except BaseException:
            _remove_dir(socket_dir)  # cancelled while dlv was being started
            raise
        self = cls(process, dlv, version, socket_dir)
        task_group.start_soon(self._drain_stdout)
        task_group.start_soon(self._drain_stderr)
        task_group.start_soon(self._watch_exit)
        try:
            if while_loading is not None:
                while_loading()
            with anyio.fail_after(options.startup_timeout):
                await self._wait_address()
        except TimeoutError:
            await self.stop()
            raise DlvTimeoutError(
                f"dlv did not report its address within {options.startup_timeout} s"
                f"{self._stderr_suffix()}; raise startup_timeout or check the dlv binary"
            ) from None
        except BaseException:
            with anyio.CancelScope(shield=True):
                await self.stop()
            raise
        return self

    @property
    def exited(self) -> bool:
        """True once the process has exited (and was reaped)."""
        return self._exited.is_set()

    @property
    def stderr(self) -> str:
        """The last lines dlv wrote to stderr."""
        return "\n".join(self.stderr_lines)

    def _stderr_suffix(self) -> str:
        return f"; dlv said: {self.stderr}" if self.stderr_lines else ""

    async def _wait_address(self) -> None:
        async with anyio.create_task_group() as tg:

            async def first(event: anyio.Event) -> None:
                await event.wait()
                tg.cancel_scope.cancel()

            tg.start_soon(first, self._address_seen)
            tg.start_soon(first, self._exited)
        if self.address is None:
            raise await self.exit_error()

    async def _drain_stdout(self) -> None:
        assert self.process.stdout is not None
        buffer = LineBuffer()
        with contextlib.suppress(anyio.ClosedResourceError, anyio.BrokenResourceError):
            async for chunk in self.process.stdout:
                if self.address is not None:
                    continue  # keep the pipe empty so dlv never blocks on a write
                for line in buffer.feed(chunk):
                    if line.startswith(_LISTENING) and self.address is None:
                        self.address = parse_address(line[len(_LISTENING) :].decode().strip())
                        self._address_seen.set()
        self._address_seen.set()

    async def _drain_stderr(self) -> None:
        assert self.process.stderr is not None
        buffer = LineBuffer()
        with contextlib.suppress(anyio.ClosedResourceError, anyio.BrokenResourceError):
            async for chunk in self.process.stderr:
                for line in buffer.feed(chunk):
                    text = line.decode(errors="replace").rstrip()
                    self.stderr_lines.append(text)
                    # e.g. "WARNING: undefined behavior - version of Delve is too old for Go ..."
                    level = logging.WARNING if text.startswith("WARNING") else logging.DEBUG
                    logger.log(level, "dlv: %s", text)

    async def _watch_exit(self) -> None:
        await self.process.wait()
        self._exited.set()

    async def exit_error(
        self, grace: float = 2.0, *, what: str = "dlv closed the connection"
    ) -> DlvError:
        """The error that explains why dlv went away (waits ``grace`` s for it to exit).

        If dlv is still running after all, the error says ``what`` happened instead.
        """
        with anyio.move_on_after(grace):
            await self._exited.wait()
        # stderr is drained by another task: give it a moment to catch the last lines.
        await anyio.sleep(0.05)
        code = self.process.returncode
        if code is None:
            return ConnectionClosedError(
                f"{what}, though dlv (pid {self.process.pid}) is still running"
                f"{self._stderr_suffix()}"
            )
        return classify_exit(code, self.stderr, self.version)

    async def closed_error(self) -> DlvError:
        """Why the connection closed: a launch failure before serving, a lost session after."""
        error = await self.exit_error()
        if self.serving and isinstance(error, LaunchError):
            return ConnectionClosedError(f"dlv stopped serving the session: {error}")
        return error

    async def stop(self, grace: float | None = None) -> None:
        """Make sure dlv is gone: wait ``grace`` s, then SIGTERM, then SIGKILL; always reaped.

        By default dlv gets 2 s to exit once it served a session (a detach ends it), none
        before (nothing will). The signals go to dlv's process group, so whatever dlv forked
        goes with it.
        """
        if grace is None:
            grace = 2.0 if self.serving else 0.0
        with anyio.CancelScope(shield=True):
            steps = ((None, grace), (signal.SIGTERM, 3.0), (signal.SIGKILL, 30.0))
            for signum, wait in steps:
                if self.process.returncode is not None:
                    break
                if signum is not None:
                    _signal_group(self.process, signum)
                # Not self._exited: the task that sets it is gone when a cancellation of the
                # caller's task group brought us here.
                with anyio.move_on_after(wait):
                    await self.process.wait()
            await self.process.aclose()
            _remove_dir(self.socket_dir)


def classify_exit(code: int, stderr: str, version: Version | None) -> LaunchError:
    """Turn dlv's exit status and stderr into the most helpful :class:`LaunchError`."""
    delve = str(version) if version else "unknown"
    said = f"dlv exited with status {code}: {stderr.strip() or '(nothing on stderr)'}"
    for pattern, limit in ((_GO_TOO_NEW, "newest"), (_GO_TOO_OLD, "oldest")):
        match = pattern.search(stderr)
        if match:
            go_version, bound = match.groups()
            go_version = go_version.removeprefix("go")
            release = delve_release(version) if version else None
            supported = release.window if release else None
            what = (
                f"Go {supported[0]} to {supported[1]}"
                if supported
                else f"Go {bound} as its {limit}"
            )
            return GoVersionError(
                f"the target was built with Go {go_version}, but Delve {delve} supports "
                f"{what}; {install_advice(parse_go_version(go_version))}; or pass "
                f"check_go_version=False (dlv --check-go-version=false) to try anyway. {said}",
                go_version=go_version,
                delve_version=delve,
                supported=supported,
                exit_code=code,
                stderr=stderr,
            )
    if _BAD_TARGET.search(stderr):
        return InvalidTargetError(
            f"dlv could not open the executable or the core; check that both are the files of "
            f"one crash. {said}",
            exit_code=code,
            stderr=stderr,
        )
    return LaunchError(said, exit_code=code, stderr=stderr)


def _listen_argument(options: LaunchOptions, version: Version | None) -> tuple[str, str | None]:
    """The ``--listen`` value, and the private directory made for a unix socket."""
    listen = options.listen
    unix_ok = version is not None and version >= UNIX_LISTEN.since
    if listen is None:
        listen = "unix" if unix_ok else "tcp"
    if listen == "tcp":
        return "127.0.0.1:0", None
    if listen == "unix":
        if not unix_ok:
            raise InvalidArgumentError(
                f"listen='unix' needs Delve {UNIX_LISTEN.since} or newer "
                f"(this dlv is {version or 'of unknown version'}); use listen='tcp'"
            )
        # mkdtemp makes the directory 0700: only this user can reach the socket inside. The
        # pid in its name tells whose it is (and lets a process find the ones it left).
        socket_dir = tempfile.mkdtemp(prefix=f"dlvclient-{os.getpid()}-")
        return f"unix:{socket_dir}/dlv.sock", socket_dir
    address = parse_address(listen)
    # To a listener an empty host (":0") means every interface, not the loopback it means
    # to a client.
    if isinstance(address, tuple) and not (listen.rpartition(":")[0] and is_loopback(address[0])):
        if not options.allow_remote:
            raise InvalidArgumentError(
                f"listen={listen!r} is not a loopback address: Delve's server has no "
                f"authentication, so anyone who reaches it can read the whole core. "
                f"Pass allow_remote=True if that is what you want"
            )
        logger.warning("dlv will listen on %s: anyone who can reach it can read the core", listen)
    return listen, None


def _remove_dir(path: str | None) -> None:
    if path is not None:
        shutil.rmtree(path, ignore_errors=True)
