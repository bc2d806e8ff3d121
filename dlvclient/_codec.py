"""Sans-I/O JSON-RPC 1.0 codec, as Delve's ``net/rpc/jsonrpc`` server speaks it.

Requests are built with :mod:`jsonrpcclient`; replies are judged here, never with its ``parse()``:
Delve's replies carry both ``result`` and ``error``, and ``error`` is a plain string.
"""

from __future__ import annotations

import gc
import itertools
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any, Protocol, TypeVar, cast

import jsonrpcclient
from pydantic import BaseModel, TypeAdapter, ValidationError

from ._errors import InvalidArgumentError, ProtocolError, ResponseValidationError, delve_error

__all__ = [
    "RequestEncoder",
    "decode_reply",
    "peek_nextg",
    "prepare_decoders",
    "reply_id",
    "succeeded",
]

T = TypeVar("T")

# One encoder for every request: json.dumps with options builds a new one per call.
_dumps = json.JSONEncoder(separators=(",", ":")).encode


class RequestEncoder:
    """Turns calls into newline-terminated request bytes with unique integer ids."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)

    def encode(self, method: str, params: Mapping[str, Any]) -> tuple[int, bytes]:
        """Return ``(id, bytes)`` for ``RPCServer.<method>`` with ``params`` as the one argument.

        ``params`` is always sent as a one-element list: Delve before 1.26.1 stops reading a
        connection whose request has no ``params`` array, instead of answering it.
        """
        _check_integers(method, params)
        request_id = next(self._ids)
        return request_id, _request(method, params, request_id).encode() + b"\n"

    def encode_many(
        self, method: str, params: Mapping[str, Any], key: str, values: Iterable[int]
    ) -> list[tuple[int, bytes]]:
        """:meth:`encode` once per integer in ``values``, each as ``params[key]``.

        The request is built once, with markers where the value and the id go, and filled
        in per value: a thousand stack requests cost one JSON encoding, not a thousand.
        """
        values = list(values)
        _check_integers(method, {**params, key: values})
        text = _request(method, {**params, key: _VALUE_MARK}, _ID_MARK).replace("%", "%%")
        value_at, id_at = text.index(_VALUE_JSON), text.index(_ID_JSON)
        template = text.replace(_VALUE_JSON, "%d").replace(_ID_JSON, "%d").encode() + b"\n"
        requests = []
        # values come first, so an id is drawn only for a value (the ids never run out).
        for value, request_id in zip(values, self._ids, strict=False):
            filled = (value, request_id) if value_at < id_at else (request_id, value)
            requests.append((request_id, template % filled))
        return requests


# Delve's integers are Go int64 and uint64: a value past both does not decode, which Delve
# before 1.26.1 answers by dropping the session.
_INT_MIN, _INT_MAX = -(2**63), 2**64 - 1


def _check_integers(method: str, value: object, where: str = "") -> None:
    if isinstance(value, int):
        if not _INT_MIN <= value <= _INT_MAX:
            raise InvalidArgumentError(
                f"{method}: {where or 'a parameter'} is {value}, past the 64-bit integers "
                f"Delve takes ({_INT_MIN} to {_INT_MAX})"
            )
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _check_integers(method, item, key)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _check_integers(method, item, where)


def _request(method: str, params: Mapping[str, Any], request_id: object) -> str:
    request = jsonrpcclient.request(f"RPCServer.{method}", params=(dict(params),), id=request_id)
    return _dumps(request)


# Stand-ins no real parameter holds, replaced after encoding.
_VALUE_MARK, _ID_MARK = "\x00value\x00", "\x00id\x00"
_VALUE_JSON, _ID_JSON = _dumps(_VALUE_MARK), _dumps(_ID_MARK)


# Go's json.Encoder writes the fields of rpc's serverResponse in declaration order, so a Delve
# reply always starts with its id; reading it here keeps whole-line JSON parsing out of dispatch.
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


# How every successful reply ends: Go's encoder writes serverResponse's fields in order, and a
# failed call's error is a string.
_NO_ERROR = b',"error":null}'


def succeeded(line: bytes) -> bool:
    """True if the reply line is a success, read from its end without decoding it.

    Such a reply can wait to be validated until its result is used (a malformed result is
    reported then); any other line must be decoded now, for its error.
    """
    return line.endswith(_NO_ERROR)


_NEXTG = re.compile(rb'"Nextg":(-?\d+)')


def peek_nextg(line: bytes) -> int | None:
    """``Nextg`` of a ``ListGoroutines`` reply, read without decoding the page (or None).

    Go writes ListGoroutinesOut's fields in order, so the last ``"Nextg":`` is the reply's own,
    after every goroutine (a label called Nextg inside one comes before it).
    """
    at = line.rfind(b'"Nextg":')
    match = _NEXTG.match(line, at) if at >= 0 else None
    return int(match.group(1)) if match else None


# Go writes rpc's serverResponse fields in order, with no spaces: a successful reply is
# {"id":N,"result":R,"error":null}, and R can be cut out of it and validated by itself.
_RESULT_AT = re.compile(rb'\{"id":-?\d+,"result":')


def _result_json(line: bytes) -> bytes | None:
    """The ``result`` of a successful reply, as JSON, or None for any other line."""
    if not succeeded(line):
        return None
    match = _RESULT_AT.match(line)
    return line[match.end() : -len(_NO_ERROR)] if match else None


class _Validator(Protocol):
    def validate_json(self, data: bytes, /) -> Any: ...
    def validate_python(self, data: Any, /) -> Any: ...


_validators: dict[Any, _Validator] = {}


def _validator(result_type: type[Any]) -> _Validator:
    validator = _validators.get(result_type)
    if validator is None:
        if isinstance(result_type, type) and issubclass(result_type, BaseModel):
            # A model's own validator (built now, if its build was deferred): not a second one.
            result_type.model_rebuild()
            validator = result_type.__pydantic_validator__
        else:
            validator = TypeAdapter(result_type).validator
        _validators[result_type] = validator
    return validator


def prepare_decoders(*result_types: type[Any]) -> None:
    """Build the validators of these results now (models build theirs on first use).

    Worth doing while the server is busy anyway, so the first replies do not wait for it.
    """
    for result_type in result_types:
        _validator(result_type)


def decode_reply(method: str, line: bytes, result_type: type[T]) -> T:
    """Validate one reply line into ``result_type``, raising Delve's error as a typed exception.

    A successful reply's result is validated straight from the line; any other line (an
    error, or JSON written another way) is decoded whole first, which costs little: it is
    short, or not from Delve.
    """
    result = _result_json(line)
    if result is None:
        reply = _envelope(method, line)
        if reply.get("error") is not None:
            raise delve_error(method, str(reply["error"]))
        result = reply.get("result")
    if result is None or result == b"null":
        raise ResponseValidationError(
            f"{method}: the reply has neither a result nor an error", method=method
        )
    validator = _validator(result_type)
    # Inside one big reply the cyclic collector would run again and again over the objects the
    # reply has made so far, none of them garbage: it tripled the time to decode a page of
    # goroutines. Paused here, one collection after the reply does that work once. It is
    # re-enabled only if it was enabled.
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        if isinstance(result, bytes):
            return cast(T, validator.validate_json(result))
        return cast(T, validator.validate_python(result))
    except ValidationError as exc:
        if exc.error_count() and exc.errors()[0]["type"] == "json_invalid":
            raise ProtocolError(f"{method}: the reply is not valid JSON: {exc}") from None
        raise ResponseValidationError(
            f"{method}: the reply does not have the expected shape: {exc}", method=method
        ) from None
    finally:
        if paused:
            gc.enable()


def _envelope(method: str, line: bytes) -> dict[str, Any]:
    try:
        reply = json.loads(line)
    except ValueError as exc:
        raise ProtocolError(f"{method}: the reply is not valid JSON: {exc}") from None
    if not isinstance(reply, dict):
        raise ResponseValidationError(
            f"{method}: the reply is not a JSON-RPC reply object: {line[:200]!r}", method=method
        )
    if not isinstance(reply.get("error"), (str, type(None))):
        raise ResponseValidationError(
            f"{method}: the reply's error is not a string: {reply['error']!r}", method=method
        )
    return reply
