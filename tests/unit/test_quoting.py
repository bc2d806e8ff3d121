"""Go string literals (dlvclient._quoting)."""

from __future__ import annotations

from dlvclient._quoting import go_quote


def test_go_quote() -> None:
    assert go_quote('a"b\\c\x01é\u2028') == '"a\\"b\\\\c\\x01é\\u2028"'
