"""Go string literals, as ``strconv.Quote`` (``%q``) writes them: one home for quoting.

Type names in expressions (``*(*"net/http.Request")(0x...)``), string values and custom
string types in panic messages are all quoted here.
"""

from __future__ import annotations

__all__ = ["go_quote"]

_GO_ESCAPES = {
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
    '"': '\\"',
    "\\": "\\\\",
}


def go_quote(text: str | bytes) -> str:
    """``text`` as Go's ``%q`` (``strconv.Quote``) writes it; bytes that are not valid UTF-8
    (given as ``bytes``) become ``\\xNN``, as Go writes them."""
    if isinstance(text, bytes):
        # Each byte that is not part of a valid UTF-8 sequence becomes one lone surrogate
        # U+DC80..U+DCFF, as Go's decoder yields one RuneError per such byte.
        text = text.decode("utf-8", "surrogateescape")
    out = ['"']
    for char in text:
        if "\udc80" <= char <= "\udcff":
            out.append(f"\\x{ord(char) - 0xDC00:02x}")
        elif char in _GO_ESCAPES:
            out.append(_GO_ESCAPES[char])
        elif char.isprintable():
            out.append(char)
        elif ord(char) < 0x80:
            out.append(f"\\x{ord(char):02x}")
        elif ord(char) < 0x10000:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    out.append('"')
    return "".join(out)
