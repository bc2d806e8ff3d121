"""The sans-I/O codec: requests as Delve reads them, replies judged by us, lines unbounded."""

from __future__ import annotations

import json

import pytest

import dlvclient
from dlvclient import _models as m
from dlvclient._codec import RequestEncoder, decode_reply, peek_nextg, reply_id


def test_a_request_is_json_rpc_1_with_one_params_element() -> None:
    request_id, data = RequestEncoder().encode("Stacktrace", {"Id": 1, "Depth": 5})
    assert data.endswith(b"\n")
    assert b"\n" not in data[:-1]
    body = json.loads(data)
    assert body["method"] == "RPCServer.Stacktrace"
    assert body["params"] == [{"Id": 1, "Depth": 5}]
    assert body["id"] == request_id


def test_a_series_is_the_same_requests_from_one_template() -> None:
    params = {"Id": 0, "Depth": 50, "Full": False, "Cfg": None, "Note": "50% of %d"}
    one, many = RequestEncoder(), RequestEncoder()
    expected = [one.encode("Stacktrace", {**params, "Id": g}) for g in (1, 42, 10**12)]
    assert many.encode_many("Stacktrace", params, "Id", [1, 42, 10**12]) == expected
    # Ids go on from where the series stopped: none is drawn for a value that is not there.
    assert many.encode("GetVersion", {})[0] == one.encode("GetVersion", {})[0]


@pytest.mark.parametrize("value", [2**64, -(2**63) - 1, [1, 2**70]])
def test_integers_past_64_bits_are_refused_before_sending(value: object) -> None:
    encoder = RequestEncoder()
    with pytest.raises(dlvclient.InvalidArgumentError, match="past the 64-bit integers"):
        encoder.encode("Stacktrace", {"Id": 1, "Extra": {"Nested": value}})
    with pytest.raises(dlvclient.InvalidArgumentError, match="past the 64-bit integers"):
        encoder.encode_many("Stacktrace", {"Depth": 1}, "Id", [1, 2**64])
    # The largest uint64 and the smallest int64 are fine.
    encoder.encode("ExamineMemory", {"Address": 2**64 - 1, "Length": -(2**63)})


def test_replies_are_judged_here_not_by_jsonrpcclient() -> None:
    ok = b'{"id":7,"result":{"Locations":null},"error":null}'
    assert reply_id(ok) == 7
    assert decode_reply("Stacktrace", ok, m.StacktraceOut).locations == []
    failed = b'{"id":8,"result":null,"error":"unknown goroutine 99"}'
    with pytest.raises(dlvclient.UnknownGoroutineError, match="unknown goroutine 99"):
        decode_reply("Stacktrace", failed, m.StacktraceOut)
    with pytest.raises(dlvclient.ProtocolError):
        reply_id(b"not json")


def test_nextg_is_read_from_the_end_without_decoding_the_page() -> None:
    labelled = {"id": 1, "labels": {"Nextg": "7"}}
    line = json.dumps(
        {"id": 3, "result": {"Goroutines": [labelled], "Nextg": 42, "Groups": None}, "error": None}
    ).replace(" ", "")
    assert peek_nextg(line.encode()) == 42
    assert peek_nextg(line.replace('"Nextg":42', '"Nextg":-1').encode()) == -1
    assert peek_nextg(b'{"id":3,"result":null,"error":"boom"}') is None
