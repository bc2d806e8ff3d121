"""Opening sessions: :func:`open_core` starts dlv on a core, :func:`connect` reaches a server.

Either way the session is a block: on the way out the server is detached (when this session
owns it) and the connection closed, whatever ended the block; a dlv this module started is
stopped and reaped.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import anyio
from anyio.abc import TaskGroup

from ._errors import ClientClosedError, DlvError, DlvTimeoutError
from ._launcher import DlvProcess, LaunchOptions
from ._transport import connect_socket, parse_address

if TYPE_CHECKING:
    from ._client import AsyncClient
    from ._connection import Connection

if sys.version_info < (3, 11):
    from exceptiongroup import BaseExceptionGroup

__all__ = ["connect", "open_core", "served", "task_group"]


@asynccontextmanager
async def task_group() -> AsyncIterator[TaskGroup]:
    """A task group whose lone error comes out as itself.

    The background tasks (reader, output drains) never raise, so the only error is the one
    the ``async with`` body raised: users should catch that ``DlvError``, not a group.
    """
    try:
        async with anyio.create_task_group() as tg:
            yield tg
    except BaseExceptionGroup as group:
        if len(group.exceptions) != 1:
            raise
        error = group.exceptions[0]
        raise error from error.__cause__


C = TypeVar("C", bound="AsyncClient")


def _load_client() -> None:
    """Import what a session needs (the client, its models, pydantic): done while dlv loads
    the core, it costs nothing; at import time it would delay starting dlv."""
    from . import _client  # noqa: F401


@asynccontextmanager
async def _session(
    sock: socket.socket,
    make_client: Callable[[Connection], C],
    *,
    process: DlvProcess | None,
    handshake_timeout: float,
    detach_on_close: bool,
) -> AsyncIterator[C]:
    """A client on a connection for the life of the block; detached and closed on the way out."""
    from ._connection import Connection

    conn = Connection(sock, closed_reason=process.closed_error if process else None)
    client = make_client(conn)
    try:
        await client._handshake(handshake_timeout)
        yield client
    except anyio.get_cancelled_exc_class():
        # Cancelled: no detach that would wait on a server that may be why it was cancelled.
        await conn.aclose(ClientClosedError("the session was cancelled"))
        raise
    finally:
        with anyio.CancelScope(shield=True):
            if detach_on_close and not conn.closed:
                with contextlib.suppress(DlvError):
                    await client._close_session()
            await conn.aclose()


@asynccontextmanager
async def served(
    process: DlvProcess, make_client: Callable[[Connection], C], *, startup_timeout: float
) -> AsyncIterator[C]:
    """A session with the dlv ``process`` started; dlv is gone when the block is left."""
    try:
        assert process.address is not None
        try:
            sock = await connect_socket(process.address)
        except DlvError as exc:
            raise await process.exit_error(what=str(exc)) from None
        async with _session(
            sock,
            make_client,
            process=process,
            handshake_timeout=startup_timeout,
            detach_on_close=True,
        ) as client:
            process.serving = True
            yield client
    finally:
        await process.stop()


def _checked_paths(
    executable: str | os.PathLike[str], core: str | os.PathLike[str]
) -> tuple[Path, Path]:
    """Both paths made absolute, after the ELF checks (file reads: run off the event loop)."""
    # An absolute path starts with "/", so no file name can be taken for a dlv flag.
    exe_path, core_path = Path(os.path.abspath(executable)), Path(os.path.abspath(core))
    from . import _elf

    _elf.check_inputs(exe_path, core_path)
    return exe_path, core_path


@asynccontextmanager
async def open_core(
    executable: str | os.PathLike[str],
    core: str | os.PathLike[str],
    *,
    dlv: str | os.PathLike[str] | None = None,
    timeout: float | None = 120.0,
    startup_timeout: float = 30.0,
    check_go_version: bool = True,
    listen: str | None = None,
    allow_remote: bool = False,
    extra_args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
) -> AsyncIterator[AsyncClient]:
    """Start ``dlv core EXECUTABLE CORE --headless`` and yield a client connected to it.

    Both files are checked first (present, readable, an ELF executable with debug info and an
    ELF core of it). ``dlv`` is the argument or ``$DLV``, else the newest Delve in dlvclient's
    cache or on PATH that supports the executable's Go (``choose_delve``). dlv listens on a
    private unix socket where it supports one, else on ``127.0.0.1``; ``listen`` overrides that
    (a non-loopback address needs ``allow_remote=True``). ``timeout`` is the default per-call
    timeout. On exit, error or cancellation dlv is detached, then terminated if it lingers: no
    process is left behind.
    """
    exe_path, core_path = await anyio.to_thread.run_sync(_checked_paths, executable, core)
    options = LaunchOptions(
        dlv=dlv,
        listen=listen,
        allow_remote=allow_remote,
        check_go_version=check_go_version,
        extra_args=tuple(extra_args),
        startup_timeout=startup_timeout,
        env=dict(env) if env is not None else None,
    )
    async with task_group() as tg:
        process = await DlvProcess.start(tg, exe_path, core_path, options, _load_client)

        def make_client(conn: Connection) -> AsyncClient:
            from ._client import AsyncClient

            client = AsyncClient(conn, default_timeout=timeout, process=process)
            client._executable = exe_path  # for its embedded build info
            return client

        try:
            async with served(process, make_client, startup_timeout=startup_timeout) as client:
                yield client
        finally:
            tg.cancel_scope.cancel()


@asynccontextmanager
async def connect(
    address: str,
    *,
    timeout: float | None = 120.0,
    connect_timeout: float = 10.0,
    detach_on_close: bool = False,
) -> AsyncIterator[AsyncClient]:
    """Connect to a headless Delve server someone else started (``host:port`` or a socket path).

    The client does not own that server: closing only disconnects, unless
    ``detach_on_close`` asks it to shut the server down.
    """
    target = parse_address(address)
    try:
        with anyio.fail_after(connect_timeout):
            sock = await connect_socket(target)
    except TimeoutError:
        raise DlvTimeoutError(
            f"could not connect to dlv at {address!r} within {connect_timeout} s; check that "
            f"a headless dlv listens there, or raise connect_timeout"
        ) from None
    async with _session(
        sock,
        _connected_client(timeout),
        process=None,
        handshake_timeout=connect_timeout,
        detach_on_close=detach_on_close,
    ) as client:
        yield client


def _connected_client(timeout: float | None) -> Callable[[Connection], AsyncClient]:
    """The client :func:`connect` makes on its connection."""
    from ._client import AsyncClient

    return lambda conn: AsyncClient(conn, default_timeout=timeout)
