"""Go string literals (dlvclient._quoting)."""

from __future__ import annotations

from dlvclient._quoting import go_quote


def test_go_quote() -> None:
    assert go_quote('a"b\\c\x01é\u2028') == '"a\\"b\\\\c\\x01é\\u2028"'


def test_go_quote_writes_invalid_utf8_bytes_as_go_does() -> None:
    # Each byte outside a valid sequence is one \xNN, as Go decodes one RuneError per byte.
    assert go_quote(b"\xff\xfeab") == '"\\xff\\xfeab"'
    assert go_quote(b"\xc3\x28 \xe2\x82") == '"\\xc3( \\xe2\\x82"'
    assert go_quote("é\u2028".encode()) == '"é\\u2028"'
