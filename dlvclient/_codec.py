"""Sans-I/O JSON-RPC 1.0 codec, as Delve's ``net/rpc/jsonrpc`` server speaks it.

Requests are built with :mod:`jsonrpcclient`; replies are judged here, never with its ``parse()``:
Delve's replies carry both ``result`` and ``error``, and ``error`` is a plain string.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Mapping
from typing import Any, Generic, TypeVar, cast

import jsonrpcclient
from pydantic import BaseModel, ValidationError

from ._errors import ProtocolError, ResponseValidationError, delve_error

__all__ = ["LineBuffer", "RequestEncoder", "decode_reply", "reply_id"]

T = TypeVar("T")


class RequestEncoder:
    """Turns calls into newline-terminated request bytes with unique integer ids."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)

    def encode(self, method: str, params: Mapping[str, Any]) -> tuple[int, bytes]:
        """Return ``(id, bytes)`` for ``RPCServer.<method>`` with ``params`` as the one argument.

        ``params`` is always sent as a one-element list: Delve before 1.26.1 stops reading a
        connection whose request has no ``params`` array, instead of answering it.
        """
        request_id = next(self._ids)
        request = jsonrpcclient.request(
            f"RPCServer.{method}", params=(dict(params),), id=request_id
        )
        return request_id, json.dumps(request, separators=(",", ":")).encode() + b"\n"


class LineBuffer:
    """Splits a byte stream into lines, with no limit on a line's length."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._size = 0

    @property
    def buffered(self) -> int:
        """Bytes received of a line that is not complete yet."""
        return self._size

    def feed(self, data: bytes) -> list[bytes]:
        """Add ``data`` and return the lines it completes, without their ``\\n``."""
        lines: list[bytes] = []
        start = 0
        end = data.find(b"\n")
        while end >= 0:
            if self._parts:
                self._parts.append(data[start:end])
                lines.append(b"".join(self._parts))
                self._parts.clear()
                self._size = 0
            else:
                lines.append(data[start:end])
            start = end + 1
            end = data.find(b"\n", start)
        if start < len(data):
            self._parts.append(data[start:] if start else data)
            self._size += len(data) - start
        return lines


# Go's json.Encoder writes the fields of rpc's serverResponse in declaration order, so a Delve
# reply always starts with its id; reading it here keeps whole-line JSON parsing off the reader.
_ID_PREFIX = re.compile(rb'\s*\{\s*"id"\s*:\s*(-?\d+)\s*[,}]')


def reply_id(line: bytes) -> Any:
    """Return the id of a reply line, or raise :class:`ProtocolError` if it is not one."""
    match = _ID_PREFIX.match(line)
    if match is not None:
        return int(match.group(1))
    try:
        reply = json.loads(line)
    except ValueError:
        raise ProtocolError(f"the server sent a line that is not JSON: {line[:200]!r}") from None
    if not isinstance(reply, dict) or "id" not in reply:
        raise ProtocolError(f"the server sent JSON that is not a JSON-RPC reply: {line[:200]!r}")
    return reply["id"]


class _Reply(BaseModel, Generic[T]):
    """The reply envelope; the result is validated in the same pass as the envelope."""

    result: T | None = None
    error: str | None = None


_reply_types: dict[type[Any], type[_Reply[Any]]] = {}


def decode_reply(method: str, line: bytes, result_type: type[T]) -> T:
    """Validate one reply line into ``result_type``, raising Delve's error as a typed exception."""
    reply_type = _reply_types.get(result_type)
    if reply_type is None:
        reply_type = _reply_types[result_type] = _Reply[result_type]  # type: ignore[valid-type]
    try:
        reply = reply_type.model_validate_json(line)
    except ValidationError as exc:
        if exc.error_count() and exc.errors()[0]["type"] == "json_invalid":
            raise ProtocolError(f"{method}: the reply is not valid JSON: {exc}") from None
        raise ResponseValidationError(
            f"{method}: the reply does not have the expected shape: {exc}", method=method
        ) from None
    if reply.error is not None:
        raise delve_error(method, reply.error)
    if reply.result is None:
        raise ResponseValidationError(
            f"{method}: the reply has neither a result nor an error", method=method
        )
    return cast(T, reply.result)
