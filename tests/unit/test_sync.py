"""The blocking facade's surface, checked without a session."""

from __future__ import annotations

import inspect

from dlvclient import AsyncClient
from dlvclient.sync import Client


def _public_methods(cls: type) -> dict[str, object]:
    return {
        name: member
        for name, member in vars(cls).items()
        if not name.startswith("_") and (inspect.isfunction(member) or hasattr(member, "_method"))
    }


def test_surfaces_in_step() -> None:
    """Every async method has a blocking twin with the same signature, and nothing more."""
    asynchronous = _public_methods(AsyncClient)
    blocking = _public_methods(Client)
    assert set(asynchronous) == set(blocking)
    for name, method in asynchronous.items():
        twin = blocking[name]
        wrapped = getattr(twin, "_method", twin)
        assert inspect.signature(wrapped) == inspect.signature(method), name  # type: ignore[arg-type]
