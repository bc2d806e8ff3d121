"""The blocking facade: the async client, run in an event loop thread by anyio's portal.

Every method of :class:`Client` is the :class:`~dlvclient.AsyncClient` method of the same
name; async iterators become plain generators. Nothing here re-implements the client.

Importing this module loads only what starting dlv needs: the clients' modules (the models,
pydantic) load while dlv reads the core, as they do for the async openers.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager, AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from anyio.from_thread import BlockingPortal, start_blocking_portal

from . import _launch, _session, _snapshot, _triage

if TYPE_CHECKING:
    from ._blocking import Client, LiveClient
    from ._client import AsyncClient
    from ._live import LiveClient as AsyncLiveClient

__all__ = [
    "Client",
    "LiveClient",
    "attach",
    "connect",
    "debug",
    "launch",
    "open_core",
    "snapshot",
    "test",
    "triage",
]

P = ParamSpec("P")
R = TypeVar("R")


def __getattr__(name: str) -> Any:
    # The client classes: importing them imports the async client's modules.
    if name not in ("Client", "LiveClient"):
        raise AttributeError(f"module 'dlvclient.sync' has no attribute {name!r}")
    from . import _blocking

    value = getattr(_blocking, name)
    globals()[name] = value
    return value


def _core_client(portal: BlockingPortal, client: AsyncClient) -> Client:
    from ._blocking import Client

    return Client(portal, client)


def _live_client(portal: BlockingPortal, client: AsyncLiveClient) -> LiveClient:
    from ._blocking import LiveClient

    return LiveClient(portal, client)


C = TypeVar("C", bound="Client")
A = TypeVar("A", bound="AsyncClient")


def _blocking_session(
    opener: Callable[P, AbstractAsyncContextManager[A]],
    client_class: Callable[[BlockingPortal, A], C],
) -> Callable[P, AbstractContextManager[C]]:
    """Turn an async session opener into a blocking one with the same parameters."""

    @contextmanager
    def open_session(*args: P.args, **kwargs: P.kwargs) -> Iterator[C]:
        with start_blocking_portal("asyncio") as portal:
            client: C | None = None
            try:
                with portal.wrap_async_context_manager(opener(*args, **kwargs)) as aclient:
                    client = client_class(portal, aclient)
                    yield client
            finally:
                if client is not None:
                    client._portal_closed = True

    functools.update_wrapper(open_session, opener)
    return open_session


open_core = _blocking_session(_session.open_core, _core_client)
"""Blocking :func:`dlvclient.open_core`: ``with open_core(exe, core) as client: ...``."""

connect = _blocking_session(_session.connect, _core_client)
"""Blocking :func:`dlvclient.connect`."""


def _blocking(fn: Callable[P, Awaitable[R]]) -> Callable[P, R]:
    """Turn an async function into a blocking one with the same parameters (run in a portal)."""

    @functools.wraps(fn)
    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        with start_blocking_portal("asyncio") as portal:
            return portal.call(functools.partial(fn, *args, **kwargs))

    return call


triage = _blocking(_triage.triage)
"""Blocking :func:`dlvclient.triage`: ``result = triage(["/var/crash"], db="crashes.db")``."""
launch = _blocking_session(_launch.launch, _live_client)
"""Blocking :func:`dlvclient.launch`: ``with launch("./server") as client: ...``."""

attach = _blocking_session(_launch.attach, _live_client)
"""Blocking :func:`dlvclient.attach`."""

debug = _blocking_session(_launch.debug, _live_client)
"""Blocking :func:`dlvclient.debug`."""

test = _blocking_session(_launch.go_test, _live_client)
"""Blocking :func:`dlvclient.test`."""

snapshot = _blocking(_snapshot.snapshot)
"""Blocking :func:`dlvclient.snapshot`: ``report = snapshot(pid, "hung.core")``."""
