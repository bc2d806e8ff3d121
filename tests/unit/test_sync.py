"""The blocking facade's surface, checked without a session."""

from __future__ import annotations

import inspect

import pytest

import dlvclient
import dlvclient.sync
from dlvclient import AsyncClient, LiveClient
from dlvclient.sync import Client
from tests.support import loaded_by


def _public_methods(cls: type) -> dict[str, object]:
    # Through getattr: AsyncClient's analysis methods are descriptors that import on demand.
    members = {name: getattr(cls, name) for name in vars(cls) if not name.startswith("_")}
    return {
        name: member
        for name, member in members.items()
        if inspect.isfunction(member) or hasattr(member, "_method")
    }


@pytest.mark.parametrize(
    ("async_class", "blocking_class"),
    [(AsyncClient, Client), (LiveClient, dlvclient.sync.LiveClient)],
    ids=["Client", "LiveClient"],
)
def test_surfaces_in_step(async_class: type, blocking_class: type) -> None:
    """Every async method has a blocking twin with the same signature, and nothing more."""
    asynchronous = _public_methods(async_class)
    blocking = _public_methods(blocking_class)
    assert set(asynchronous) == set(blocking)
    for name, method in asynchronous.items():
        twin = blocking[name]
        wrapped = getattr(twin, "_method", twin)
        assert inspect.signature(wrapped) == inspect.signature(method), name  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["open_core", "connect", "launch", "attach", "debug", "test"])
def test_openers_in_step(name: str) -> None:
    twin = getattr(dlvclient.sync, name)
    assert inspect.signature(twin) == inspect.signature(getattr(dlvclient, name))


def test_snapshot_in_step() -> None:
    assert inspect.signature(dlvclient.sync.snapshot) == inspect.signature(dlvclient.snapshot)


def test_importing_sync_loads_no_client_and_no_analysis() -> None:
    """Opening a core starts dlv before the client's modules load (they load while it reads
    the core), as with the async openers: importing the facade must not load them first."""
    heavy = ["pydantic", "dlvclient._client", "dlvclient._live", "dlvclient._blocking"]
    assert loaded_by("dlvclient.sync", [*heavy, "dlvclient._jobs", "dlvclient._registry"]) == []


def test_sync_serves_the_client_classes() -> None:
    from dlvclient import _blocking

    assert (Client, dlvclient.sync.LiveClient) == (_blocking.Client, _blocking.LiveClient)
    with pytest.raises(AttributeError, match="NoSuchThing"):
        dlvclient.sync.NoSuchThing  # noqa: B018
