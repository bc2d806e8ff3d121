"""Go values printed as the dlv terminal's ``print`` does (Delve's service/api/prettyprint.go)."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Protocol

from ._kinds import VariableKind
from ._quoting import go_quote

__all__ = ["GoValue", "variable_text"]


class GoValue(Protocol):
    """What printing reads of a value: :class:`~dlvclient.Variable` qualifies (this module
    does not import the models, so that ``Variable.format`` can use it)."""

    @property
    def name(self) -> str: ...
    @property
    def addr(self) -> int: ...
    @property
    def only_addr(self) -> bool: ...
    @property
    def type(self) -> str: ...
    @property
    def kind(self) -> VariableKind: ...
    @property
    def value(self) -> str: ...
    @property
    def value_bytes(self) -> bytes: ...
    @property
    def len(self) -> int: ...
    @property
    def cap(self) -> int: ...
    @property
    def base(self) -> int: ...
    @property
    def unreadable(self) -> str: ...
    @property
    def children(self) -> Sequence[GoValue]: ...


class _Pretty(enum.IntFlag):
    NONE = 0
    TOP = 1
    NEWLINES = 2
    INCLUDE_TYPE = 4


# Strings longer than this put the elements of arrays and structs on lines of their own.
_MAX_SHORT_STRING_LEN = 7
_INDENT = "\t"
_NESTING_KINDS = frozenset(
    {
        VariableKind.SLICE,
        VariableKind.ARRAY,
        VariableKind.STRUCT,
        VariableKind.MAP,
        VariableKind.INTERFACE,
    }
)


def variable_text(var: GoValue, *, multiline: bool = True) -> str:
    """A value as dlv's ``print`` shows it (``multiline``), or on one line as in ``locals``."""
    flags = _Pretty.TOP | _Pretty.INCLUDE_TYPE
    if multiline:
        flags |= _Pretty.NEWLINES
    out: list[str] = []
    _write(out, var, flags, "")
    return "".join(out)


def _quoted_type(var: GoValue) -> str:
    # Delve quotes type names with a package path in them, so they read as one token.
    return go_quote(var.type) if "/" in var.type else var.type


def _write(out: list[str], var: GoValue, flags: _Pretty, indent: str) -> None:
    if var.unreadable:
        out.append(f"(unreadable {var.unreadable})")
        return
    if not flags & _Pretty.TOP and var.addr == 0 and var.value == "":
        typed = flags & _Pretty.INCLUDE_TYPE and var.type != "void"
        out.append(f"{var.type} nil" if typed else "nil")
        return
    kind = var.kind
    if kind is VariableKind.SLICE:
        if flags & _Pretty.INCLUDE_TYPE:
            out.append(f"{var.type} len: {var.len}, cap: {var.cap}, ")
        if var.base == 0 and not var.children:
            out.append("nil")
        else:
            _write_elements(out, var, flags, indent)
    elif kind is VariableKind.ARRAY:
        if flags & _Pretty.INCLUDE_TYPE:
            out.append(f"{var.type} ")
        _write_elements(out, var, flags, indent)
    elif kind is VariableKind.PTR:
        _write_pointer(out, var, flags, indent)
    elif kind is VariableKind.UNSAFE_POINTER:
        target = f"{var.children[0].addr:#x}" if var.children else "nil"
        out.append(f"unsafe.Pointer({target})")
    elif kind is VariableKind.CHAN:
        if flags & _Pretty.NEWLINES:
            _write_struct(out, var, flags, indent)
        elif len(var.children) < 2:
            out.append(f"{var.type} nil")
        else:
            out.append(f"{var.type} {var.children[0].value}/{var.children[1].value}")
    elif kind is VariableKind.STRUCT:
        if var.value:  # a type Delve formats itself, such as time.Time
            out.append(f"{var.type}({var.value})")
            flags &= ~_Pretty.INCLUDE_TYPE
        _write_struct(out, var, flags, indent)
    elif kind is VariableKind.INTERFACE:
        _write_interface(out, var, flags, indent)
    elif kind is VariableKind.MAP:
        _write_map(out, var, flags, indent)
    elif kind is VariableKind.FUNC:
        _write_func(out, var, flags, indent)
    else:
        out.append(_basic_text(var))


def _write_func(out: list[str], var: GoValue, flags: _Pretty, indent: str) -> None:
    out.append(var.value or "nil")
    if var.value and flags & _Pretty.NEWLINES and var.children:
        # A closure: its captured variables.
        out.append(" {\n")
        for child in var.children:
            out.append(f"{indent}{_INDENT}{child.name} {child.type} = ")
            _write(out, child, flags & _Pretty.NEWLINES, indent + _INDENT)
            out.append("\n")
        out.append(f"{indent}}}")


def _write_pointer(out: list[str], var: GoValue, flags: _Pretty, indent: str) -> None:
    if not var.type or not var.children:
        out.append("nil")
        return
    target = var.children[0]
    if target.only_addr and target.addr != 0:
        out.append(f"({_quoted_type(var)})({target.addr:#x})")
        return
    if flags & _Pretty.TOP and flags & _Pretty.NEWLINES and target.addr != 0:
        out.append(f"({_quoted_type(var)})({target.addr:#x})\n")
    out.append("*")
    _write(out, target, flags & ~_Pretty.TOP, indent)


def _write_interface(out: list[str], var: GoValue, flags: _Pretty, indent: str) -> None:
    if var.addr == 0 or not var.children:
        # An escaped interface that points nowhere: out of scope, in practice.
        out.append("nil")
        return
    data = var.children[0]
    if flags & _Pretty.INCLUDE_TYPE:
        if data.kind is VariableKind.INVALID:
            out.append(f"{var.type} ")
            if data.addr == 0:
                out.append("nil")
                return
        else:
            out.append(f"{var.type}({data.type}) ")
    inner = (flags & ~_Pretty.TOP) ^ _Pretty.INCLUDE_TYPE
    if data.kind is VariableKind.PTR:
        if not data.children:
            out.append("...")
        elif data.children[0].addr == 0:
            out.append("nil")
        elif data.children[0].only_addr:
            out.append(f"0x{data.addr:x}")
        else:
            _write(out, data, inner, indent)
    elif data.only_addr:
        out.append(f"*(*{_quoted_type(var)})({var.addr:#x})")
    else:
        _write(out, data, inner, indent)


def _recursive_kind(var: GoValue) -> tuple[VariableKind, bool]:
    """The kind under any pointers, and whether there were pointers."""
    has_pointer = False
    while var.kind is VariableKind.PTR:
        has_pointer = True
        if not var.children:
            break
        var = var.children[0]
    return var.kind, has_pointer


def _nests(child: GoValue) -> bool:
    """Whether ``child`` makes its container break onto several lines."""
    kind, has_pointer = _recursive_kind(child)
    if kind in _NESTING_KINDS:
        return True
    if kind is VariableKind.STRING:
        # Delve measures Go strings: bytes, not characters.
        return has_pointer or len(child.value_bytes) > _MAX_SHORT_STRING_LEN
    return False


def _more(out: list[str], var: GoValue, loaded: int, newline: bool, indent: str) -> None:
    """The ``...+N more`` marker of a partly loaded container."""
    if newline:
        out.append(f"\n{indent}{_INDENT}")
    else:
        out.append(",")
    out.append(f"...+{var.len - loaded} more")


def _write_elements(out: list[str], var: GoValue, flags: _Pretty, indent: str) -> None:
    children = var.children
    newline = False
    if flags & _Pretty.NEWLINES and children:
        # Delve judges by the first element, but by every element's length for strings.
        first = children[0]
        newline = (
            any(_nests(child) for child in children)
            if first.kind is VariableKind.STRING
            else _nests(first)
        )
    child_flags = _Pretty.NEWLINES if newline else _Pretty.NONE
    out.append("[")
    for i, child in enumerate(children):
        if newline:
            out.append(f"\n{indent}{_INDENT}")
        _write(out, child, child_flags, indent + _INDENT)
        if i != len(children) - 1 or newline:
            out.append(",")
    if len(children) != var.len:
        if children:
            _more(out, var, len(children), newline, indent)
        else:
            out.append("...")
    if newline:
        out.append(f"\n{indent}")
    out.append("]")


def _write_struct(out: list[str], var: GoValue, flags: _Pretty, indent: str) -> None:
    children = var.children
    if var.len != len(children) and not children:
        out.append(f"(*{_quoted_type(var)})({var.addr:#x})")
        return
    if flags & _Pretty.INCLUDE_TYPE:
        out.append(f"{var.type} ")
    newline = bool(flags & _Pretty.NEWLINES) and any(_nests(child) for child in children)
    child_flags = _Pretty.INCLUDE_TYPE | (_Pretty.NEWLINES if newline else _Pretty.NONE)
    out.append("{")
    for i, child in enumerate(children):
        if newline:
            out.append(f"\n{indent}{_INDENT}")
        out.append(f"{child.name}: ")
        _write(out, child, child_flags, indent + _INDENT)
        if i != len(children) - 1 or newline:
            out.append("," if newline else ", ")
    if len(children) != var.len:
        _more(out, var, len(children), newline, indent)
    out.append("}")


def _write_map(out: list[str], var: GoValue, flags: _Pretty, indent: str) -> None:
    if flags & _Pretty.INCLUDE_TYPE:
        out.append(f"{var.type} ")
    children = var.children
    if var.base == 0 and not children:
        out.append("nil")
        return
    newline = bool(flags & _Pretty.NEWLINES) and bool(children)
    value_flags = _Pretty.NEWLINES if newline else _Pretty.NONE
    out.append("[")
    for i in range(0, len(children) - 1, 2):
        if newline:
            out.append(f"\n{indent}{_INDENT}")
        _write(out, children[i], _Pretty.NONE, indent + _INDENT)
        out.append(": ")
        _write(out, children[i + 1], value_flags, indent + _INDENT)
        if i != len(children) - 1 or newline:
            out.append(", ")
    loaded = len(children) // 2
    if loaded != var.len:
        if children:
            _more(out, var, loaded, newline, indent)
        else:
            out.append("...")
    if newline:
        out.append(f"\n{indent}")
    out.append("]")


def _basic_text(var: GoValue) -> str:
    if var.kind is VariableKind.STRING:
        text = var.value_bytes
        if len(text) != var.len:
            text += f"...+{var.len - len(text)} more".encode()
        return go_quote(text)
    if not var.value:
        return f"(unknown {var.kind.name.lower()})"
    if var.kind in (VariableKind.COMPLEX64, VariableKind.COMPLEX128) and len(var.children) == 2:
        return f"({var.children[0].value} + {var.children[1].value}i)"
    return var.value
