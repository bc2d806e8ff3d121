"""Go values printed as the dlv terminal's print does (dlvclient._goprint)."""

from __future__ import annotations

import pytest

from dlvclient._goprint import variable_text
from dlvclient._models import Variable, VariableKind


def var(kind: VariableKind, **fields: object) -> Variable:
    return Variable.model_validate({"kind": kind, **fields})


@pytest.mark.parametrize(
    ("variable", "single", "multi"),
    [
        (var(VariableKind.STRING, value="hi\n", len=3, type="string"), '"hi\\n"', '"hi\\n"'),
        (var(VariableKind.STRING, value="abc", len=10), '"abc...+7 more"', '"abc...+7 more"'),
        (
            var(
                VariableKind.SLICE,
                type="[]int",
                len=3,
                cap=4,
                base=1,
                children=[
                    var(VariableKind.INT, value="1", addr=1),
                    var(VariableKind.INT, value="2", addr=2),
                ],
            ),
            "[]int len: 3, cap: 4, [1,2,...+1 more]",
            "[]int len: 3, cap: 4, [1,2,...+1 more]",
        ),
        (var(VariableKind.SLICE, type="[]int"), "[]int len: 0, cap: 0, nil", None),
        (var(VariableKind.PTR, type="*int", value="0"), "nil", None),
        (
            var(
                VariableKind.MAP,
                type="map[string]int",
                len=1,
                base=1,
                children=[
                    var(VariableKind.STRING, value="k", len=1, addr=1),
                    var(VariableKind.INT, value="7", addr=2),
                ],
            ),
            'map[string]int ["k": 7, ]',
            'map[string]int [\n\t"k": 7, \n]',
        ),
        (
            var(
                VariableKind.STRUCT,
                type="main.T",
                len=2,
                children=[
                    var(VariableKind.INT, name="N", value="1", addr=1),
                    var(VariableKind.STRING, name="S", value="a long string", len=13, addr=2),
                ],
            ),
            'main.T {N: 1, S: "a long string"}',
            'main.T {\n\tN: 1,\n\tS: "a long string",}',
        ),
        (var(VariableKind.INT, unreadable="gone"), "(unreadable gone)", None),
    ],
)
def test_values_print_as_in_dlv(variable: Variable, single: str, multi: str | None) -> None:
    assert variable_text(variable, multiline=False) == single
    assert variable_text(variable) == (single if multi is None else multi)


# --- Variable.format: raw bytes, byte lengths ---------------------------------------------------


def string(value: str, **fields: object) -> Variable:
    return Variable.model_validate(
        {"kind": VariableKind.STRING, "type": "string", "value": value,
         "len": len(value.encode()), **fields}
    )  # fmt: skip


def test_format_quotes_the_raw_bytes_delve_sends() -> None:
    bad = Variable.model_validate(
        {"kind": 24, "type": "string", "value": "\ufffd\ufffdab", "StringValueBytes": "//5hYg==",
         "len": 4}
    )  # fmt: skip
    assert bad.format() == '"\\xff\\xfeab"'
    truncated = string("ab", len=10)
    assert truncated.format() == '"ab...+8 more"'


def test_containers_break_by_length_in_bytes() -> None:
    # "éééé" is 4 characters but 8 bytes: longer than Delve's 7-byte short string.
    wide = string("éééé", name="Wide")
    names = Variable.model_validate(
        {"kind": VariableKind.STRUCT, "type": "main.Names", "len": 1, "children": [wide]}
    )
    assert names.format() == 'main.Names {\n\tWide: "éééé",}'
    assert names.format(multiline=False) == 'main.Names {Wide: "éééé"}'
    short = names.model_copy(update={"children": [string("ééé", name="Wide")]})
    assert short.format() == 'main.Names {Wide: "ééé"}'
