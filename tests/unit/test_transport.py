"""dlvclient._transport without a server: addresses, and lines split out of a byte stream."""

from __future__ import annotations

import pytest

from dlvclient import InvalidArgumentError
from dlvclient._transport import LineBuffer, is_loopback, parse_address


def test_lines_of_any_length_split_across_reads() -> None:
    buffer = LineBuffer()
    big = b"x" * (3 << 20)
    assert buffer.feed(b"a\nb") == [b"a"]
    assert buffer.feed(big) == []
    assert buffer.buffered == 1 + len(big)
    assert buffer.feed(b"\nc\n\n") == [b"b" + big, b"c", b""]
    assert buffer.buffered == 0


def test_addresses_parse_as_tcp_or_unix() -> None:
    assert parse_address("127.0.0.1:4040") == ("127.0.0.1", 4040)
    assert parse_address("[::1]:4040") == ("::1", 4040)
    assert parse_address(":4040") == ("127.0.0.1", 4040)
    assert parse_address("unix:/run/dlv.sock") == "/run/dlv.sock"
    assert parse_address("/run/dlv.sock") == "/run/dlv.sock"
    with pytest.raises(InvalidArgumentError, match="neither host:port nor a unix socket"):
        parse_address("localhost")


def test_loopback_is_known_without_resolving_names() -> None:
    assert is_loopback("localhost")
    assert is_loopback("127.0.0.2")
    assert is_loopback("::1")
    assert not is_loopback("10.0.0.1")
    assert not is_loopback("example.com")
