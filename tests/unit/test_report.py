"""The parts of crash analysis that need no core (dlvclient._report): panic messages."""

from __future__ import annotations

import pytest

from dlvclient import InvalidArgumentError, Variable, VariableKind
from dlvclient._report import CrashAnalysis, panic_message


def _var(
    type_: str, kind: VariableKind, value: str = "", *children: Variable, **kw: object
) -> Variable:
    return Variable(type=type_, kind=kind, value=value, children=list(children), **kw)


def _field(name: str, var: Variable) -> Variable:
    return var.model_copy(update={"name": name})


def _iface(data: Variable) -> Variable:
    return _var("interface {}", VariableKind.INTERFACE, "", _field("data", data))


def _str(text: str, type_: str = "string") -> Variable:
    return _var(type_, VariableKind.STRING, text, len=len(text.encode()))


def _int(n: int, type_: str = "int") -> Variable:
    return _var(type_, VariableKind.INT, str(n))


def _ptr_to(type_: str, *fields: Variable) -> Variable:
    struct = _var(type_.lstrip("*"), VariableKind.STRUCT, "", *fields, len=len(fields), addr=1)
    return _var(type_, VariableKind.PTR, "", struct, addr=2)


def _bounds(x: int, y: int, signed: bool, code: int) -> Variable:
    fields = (
        _field("x", _int(x, "int64")),
        _field("y", _int(y)),
        _field("signed", _var("bool", VariableKind.BOOL, str(signed).lower())),
        _field(
            "code", _var("runtime.boundsErrorCode", VariableKind.UINT8, f"boundsIndex ({code})")
        ),
    )
    return _var("runtime.boundsError", VariableKind.STRUCT, "", *fields, len=4)


def test_panic_message_of_unprinted_values() -> None:
    """The panic value as it was before the runtime turned it into text."""
    wrapped = _ptr_to(
        "*fmt.wrapError",
        _field("msg", _str("loading config: file does not exist")),
        _field("err", _iface(_str("x"))),
    )
    cases = {
        "runtime error: index out of range [5] with length 3": _bounds(5, 3, True, 0),
        "runtime error: index out of range [-1]": _bounds(-1, 3, True, 0),
        "runtime error: slice bounds out of range [:7] with capacity 4": _bounds(7, 4, False, 2),
        "runtime error: integer divide by zero": _str(
            "integer divide by zero", "runtime.errorString"
        ),
        "assignment to entry in nil map": _str(
            "assignment to entry in nil map", "runtime.plainError"
        ),
        "EOF": _ptr_to("*errors.errorString", _field("s", _str("EOF"))),
        "loading config: file does not exist": wrapped,
        'main.Status("down")': _str("down", "main.Status"),
        "main.Code(42)": _int(42, "main.Code"),
        "42": _int(42),
        "plain text": _str("plain text"),
        'main.MyErr {Code: 42, Reason: "boom"}': _var(
            "main.MyErr",
            VariableKind.STRUCT,
            "",
            _field("Code", _int(42)),
            _field("Reason", _str("boom")),
            len=2,
        ),
    }
    for expected, value in cases.items():
        assert panic_message(_iface(value)) == expected
    assert panic_message(_var("interface {}", VariableKind.INTERFACE)) == "nil"


def test_analysis_options_are_checked() -> None:
    with pytest.raises(InvalidArgumentError, match="depth"):
        CrashAnalysis(object(), depth=0)  # type: ignore[arg-type]
