"""Unit tests of dlvclient._models and dlvclient._waitreason on real Delve replies.

The files in tests/data/ are reply lines captured from ``dlv core --headless --api-version=2``
over a raw socket: ``*_dlv1.20.2``/``*_go1.19`` from Debian's Delve 1.20.2 on a Go 1.19.8
program, everything else from Delve 1.27.2 on the same program built with Go 1.26.8 (and a
small SIGSEGV program for the FindLocation/ListTargets/... samples). Some large replies were
cut down to a few goroutines, frames or variables; nothing else was edited. No dlv is needed.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from dlvclient import _models as m
from dlvclient._version import parse_go_version
from dlvclient._waitreason import wait_reason_string

DATA = Path(__file__).resolve().parent / "data"

GO126 = "Go cmd/compile go1.26.8"
GO119 = "Go cmd/compile go1.19.8"


def result_json(name: str) -> str:
    """The ``result`` of a captured reply line, as JSON text."""
    reply = json.loads((DATA / f"{name}.json").read_text())
    assert reply["error"] is None
    return json.dumps(reply["result"])


def parse(model: type[m.DelveModel], name: str) -> Any:
    return model.model_validate_json(result_json(name))


def variables(name: str) -> dict[str, m.Variable]:
    return {v.name: v for v in parse(m.ListLocalVarsOut, name).variables}


def evaluated(name: str) -> m.Variable:
    variable: m.Variable = parse(m.EvalOut, f"eval_{name}").variable
    return variable


SAMPLES: list[tuple[str, type[m.DelveModel]]] = [
    ("version_dlv1.27.2", m.VersionInfo),
    ("version_dlv1.20.2", m.VersionInfo),
    ("state_dlv1.27.2", m.StateOut),
    ("state_dlv1.20.2", m.StateOut),
    ("goroutines_go1.26", m.ListGoroutinesOut),
    ("goroutines_go1.19", m.ListGoroutinesOut),
    ("goroutines_grouped", m.ListGoroutinesOut),
    ("stacktrace", m.StacktraceOut),
    ("stacktrace_full", m.StacktraceOut),
    ("locals", m.ListLocalVarsOut),
    ("locals_dlv1.20.2", m.ListLocalVarsOut),
    ("registers", m.ListRegistersOut),
    ("examine_memory", m.ExamineMemoryOut),
    ("disassemble", m.DisassembleOut),
    ("typeinfo", m.TypeInfoOut),
    ("findlocation", m.FindLocationOut),
    ("findlocation_dlv1.20.2", m.FindLocationOut),
    ("dynamic_libraries", m.ListDynamicLibrariesOut),
    ("targets", m.ListTargetsOut),
    ("guess_substitute_path", m.GuessSubstitutePathOut),
    ("dump_wait", m.DumpStateOut),
    ("packages_build_info", m.ListPackagesBuildInfoOut),
    *[
        (f"eval_{name}", m.EvalOut)
        for name in (
            "big_short",
            "bigm_short",
            "const",
            "err",
            "long_short",
            "n_short",
            "nilslice_sub",
            "o_short",
            "red",
        )
    ],
]


# --- parsing ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "model"), SAMPLES)
def test_samples_parse_alike_from_json_and_python(name: str, model: type[m.DelveModel]) -> None:
    text = result_json(name)
    from_json = model.model_validate_json(text)
    assert model.model_validate(json.loads(text)) == from_json


@pytest.mark.parametrize(("name", "model"), SAMPLES)
def test_samples_round_trip_through_wire_form(name: str, model: type[m.DelveModel]) -> None:
    parsed = model.model_validate_json(result_json(name))
    wire = parsed.to_wire()
    assert model.model_validate_json(json.dumps(wire)) == parsed
    assert set(wire) == set(_aliases(model))  # JSON keys, never Python names


def _aliases(model: type[BaseModel]) -> list[str]:
    return [field.alias or name for name, field in model.model_fields.items()]


def test_version_info() -> None:
    new = parse(m.VersionInfo, "version_dlv1.27.2")
    assert new.api_version == 2
    assert new.backend == "core"
    assert new.target_go_version == GO126
    assert new.delve == (1, 27, 2)
    assert new.target_go == (1, 26, 8)
    assert parse_go_version(new.min_supported_version_of_go) == (1, 25, 0)
    old = parse(m.VersionInfo, "version_dlv1.20.2")
    assert old.delve == (1, 20, 2)
    assert old.target_go == (1, 19, 8)
    assert m.VersionInfo().delve is None


def test_state_of_a_crash_core() -> None:
    state = parse(m.StateOut, "state_dlv1.27.2").state
    assert state.stop_reason == "attached"
    assert state.current_thread is not None
    assert state.current_thread.function_name == "runtime.raise"
    assert state.current_thread.is_runtime
    assert state.current_thread.goroutine_id == 1
    assert state.current_thread.return_values == []  # JSON null
    assert state.current_goroutine is not None
    assert state.current_goroutine.user_current_loc.function_name == "main.crash"
    assert state.watch_out_of_scope == []  # JSON null
    assert next(t.id for t in state.threads) == state.current_thread.id


def test_state_from_delve_1_20_lacks_newer_fields() -> None:
    raw = json.loads(result_json("state_dlv1.20.2"))["State"]
    assert "stopReason" not in raw
    assert "TargetCommandLine" not in raw
    state = parse(m.StateOut, "state_dlv1.20.2").state
    assert state.stop_reason == ""
    assert state.target_command_line == ""
    assert state.current_goroutine is not None
    assert state.current_goroutine.id == 1


def test_running_state_has_null_threads() -> None:
    state = m.StateOut.model_validate_json('{"State":{"Running":true,"Threads":null}}').state
    assert state.running
    assert state.threads == []
    assert state.current_thread is None


def test_unknown_fields_are_ignored() -> None:
    frame = m.Stackframe.model_validate_json(
        '{"pc":1,"file":"a.go","line":2,"FancyNewField":{"x":[1]},"function":{"name":"main.f",'
        '"inlinedAt":3},"Locals":null}'
    )
    assert frame.function_name == "main.f"
    assert not hasattr(frame, "FancyNewField")
    assert "FancyNewField" not in frame.to_wire()


def test_every_field_has_a_default() -> None:
    models = [v for v in vars(m).values() if isinstance(v, type) and issubclass(v, m.DelveModel)]
    assert len(models) > 50
    for model in models:
        model.model_validate({})  # raises if a field is required


def test_fields_added_after_delve_1_20_default() -> None:
    image = m.Image.model_validate_json('{"Path":"/lib/libc.so.6","Address":4096}')
    assert (image.load_error, image.trimpath) == ("", False)
    variable = m.Variable.model_validate_json('{"name":"s","kind":24,"value":"x","len":1}')
    assert variable.string_value_bytes is None
    out = m.ListDynamicLibrariesOut.model_validate_json('{"List":null}')
    assert (out.list, out.executable_trimpath) == ([], False)


def test_nil_slices_become_empty_lists() -> None:
    info = parse(m.TypeInfoOut, "typeinfo").type_info
    assert info.methods == []  # JSON null
    assert info.kind is m.VariableKind.STRUCT
    assert [f.name for f in info.fields] == ["Name", "Inner", "Ptr", "Any", "M", "Col"]
    assert m.PackageBuildInfo.model_validate_json('{"Files":null}').files == []
    assert m.Goroutine.model_validate_json('{"labels":null}').labels == {}
    out = m.ListGoroutinesOut.model_validate_json('{"Goroutines":null,"Groups":null}')
    assert (out.goroutines, out.groups) == ([], [])


def test_models_can_be_built_by_python_name_or_alias() -> None:
    by_name = m.Goroutine(id=3, thread_id=7, wait_reason=14)
    by_alias = m.Goroutine.model_validate({"id": 3, "threadID": 7, "waitReason": 14})
    assert by_name == by_alias
    assert by_name.to_wire()["threadID"] == 7


# --- request models ---------------------------------------------------------------------------


def test_load_config_presets_and_wire_form() -> None:
    assert m.LoadConfig.LONG.to_wire() == {
        "FollowPointers": True,
        "MaxVariableRecurse": 1,
        "MaxStringLen": 64,
        "MaxArrayValues": 64,
        "MaxStructFields": -1,
    }
    assert m.LoadConfig.SHORT.model_dump(by_alias=True) == {
        "FollowPointers": False,
        "MaxVariableRecurse": 0,
        "MaxStringLen": 64,
        "MaxArrayValues": 0,
        "MaxStructFields": 3,
    }
    assert m.LoadConfig() == m.LoadConfig.LONG
    assert m.LoadConfig.FULL.max_string_len > m.LoadConfig.LONG.max_string_len
    custom = m.LoadConfig.LONG.model_copy(update={"max_string_len": 4096})
    assert custom.max_string_len == 4096
    assert m.LoadConfig.LONG.max_string_len == 64


def test_load_config_presets_cannot_be_mutated() -> None:
    with pytest.raises(ValidationError):
        m.LoadConfig.LONG.max_string_len = 1  # type: ignore[misc]


def test_eval_scope_wire_form() -> None:
    assert m.EvalScope().to_wire() == {"GoroutineID": -1, "Frame": 0, "DeferredCall": 0}
    scope = m.EvalScope(goroutine_id=14, frame=2, deferred_call=1)
    assert scope.model_dump(by_alias=True) == {"GoroutineID": 14, "Frame": 2, "DeferredCall": 1}


def test_goroutine_filter_and_grouping_send_integers() -> None:
    flt = m.GoroutineFilter(kind=m.GoroutineField.LABEL, arg="job=indexer")
    assert flt.to_wire() == {"Kind": 5, "Negated": False, "Arg": "job=indexer"}
    assert json.dumps(flt.model_dump(by_alias=True)) == json.dumps(flt.to_wire())
    grouping = m.GoroutineGroupingOptions(group_by=m.GoroutineField.USER_LOC)
    assert grouping.to_wire() == {
        "GroupBy": 2,
        "GroupByKey": "",
        "MaxGroupMembers": 5,
        "MaxGroups": 50,
    }
    assert type(grouping.to_wire()["GroupBy"]) is int


# --- enums ------------------------------------------------------------------------------------


def test_unknown_enum_values_do_not_fail() -> None:
    variable = m.Variable.model_validate_json('{"kind":99,"flags":768}')
    assert variable.kind == 99
    assert variable.kind.name == "UNKNOWN_99"
    assert int(variable.flags) == 768
    assert variable.to_python() is None
    assert m.TypeInfo.model_validate({"Kind": 27}).kind == 27
    assert m.GoroutineFilter.model_validate({"Kind": 9}).kind.name == "UNKNOWN_9"


def test_enum_fields_give_names() -> None:
    variable = m.Variable.model_validate_json('{"kind":22,"flags":48}')
    assert variable.kind is m.VariableKind.PTR
    assert variable.flags == m.VariableFlags.RETURN_ARGUMENT | m.VariableFlags.FAKE_ADDRESS
    assert m.Variable().flags is m.VariableFlags.NONE


def test_goroutine_status_strips_gc_scan_bit() -> None:
    assert m.Goroutine(status=0x1004).status_enum is m.GoroutineStatus.WAITING
    assert m.Goroutine(status=0x1004).status_name == "waiting"
    assert m.Goroutine(status=2).status_name == "running"
    assert m.Goroutine(status=11).status_enum is m.GoroutineStatus.DEADEXTRA
    assert m.Goroutine(status=42).status_name == "unknown_42"


# --- goroutines and wait reasons --------------------------------------------------------------


def test_goroutines_go1_26() -> None:
    out = parse(m.ListGoroutinesOut, "goroutines_go1.26")
    assert out.nextg == -1
    assert out.groups == []  # JSON null: not grouping
    by_id = {g.id: g for g in out.goroutines}
    reasons = {gid: g.wait_reason_name(GO126) for gid, g in by_id.items()}
    assert reasons == {
        1: "",  # running: its stale waitReason (14) must not be shown
        7: "chan receive",
        10: "sync.Mutex.Lock",
        11: "sleep",
        12: "select (no cases)",
        13: "sync.WaitGroup.Wait",
        14: "sleep",
    }
    assert by_id[1].is_running
    assert by_id[1].status_enum is m.GoroutineStatus.RUNNING
    assert by_id[1].wait_reason == 14
    assert not by_id[7].is_running
    assert by_id[7].is_waiting
    assert by_id[14].labels == {"job": "indexer", "shard": "3"}
    assert by_id[7].labels == {}
    assert not any(g.is_system for g in out.goroutines)


def test_goroutines_go1_19() -> None:
    out = parse(m.ListGoroutinesOut, "goroutines_go1.19")
    reasons = {g.id: g.wait_reason_name(GO119) for g in out.goroutines}
    assert reasons == {
        1: "",
        18: "chan receive",
        21: "semacquire",  # Go 1.19 had no sync.Mutex.Lock reason
        22: "sleep",
        23: "select (no cases)",
        25: "sleep",
    }
    assert {g.id: g.wait_reason for g in out.goroutines}[22] == 19


def test_goroutine_grouping_reply() -> None:
    out = parse(m.ListGoroutinesOut, "goroutines_grouped")
    assert out.too_many_groups
    assert [(g.name, g.offset, g.count, g.total) for g in out.groups] == [
        ("/tmp/mcap/rich/main.go:42 in main.worker", 0, 1, 3),
        ("/tmp/mcap/rich/main.go:84 in main.crash", 1, 1, 1),
        ("/tmp/mcap/rich/main.go:98 in main.main.func3", 2, 1, 1),
    ]
    assert len(out.goroutines) == 3


def test_is_system_follows_delve() -> None:
    def g(start: str) -> m.Goroutine:
        return m.Goroutine(start_loc=m.Location(function=m.Function(name=start)))

    assert g("runtime.forcegchelper").is_system
    assert not g("runtime.main").is_system
    assert not g("main.worker").is_system
    assert not m.Goroutine().is_system


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        (
            "go1.26.8",
            {11: "force gc (idle)", 14: "sleep", 19: "chan receive", 22: "sync.Mutex.Lock"},
        ),
        ("go1.27.0", {14: "sleep", 19: "chan receive", 46: "cleanup wait"}),
        ("go1.25.3", {14: "chan receive", 18: "GOMAXPROCS updater (idle)", 20: "sleep"}),
        (
            "go1.24.1",
            {14: "chan receive", 18: "semacquire", 19: "sleep", 24: "sync.WaitGroup.Wait"},
        ),
        ("go1.23", {19: "sleep", 24: "trace reader (blocked)", 36: "coroutine"}),
        ("go1.22.0", {19: "sleep", 24: "trace reader (blocked)", 36: "coroutine"}),
        ("go1.21.5", {19: "sleep", 31: "stopping the world"}),
        ("go1.20", {19: "sleep", 21: "sync.Mutex.Lock", 31: "stopping the world"}),
        ("go1.19.8", {14: "chan receive", 19: "sleep", 21: "timer goroutine (idle)"}),
        ("go1.18", {19: "sleep", 26: "debug call"}),
    ],
)
def test_wait_reason_tables(version: str, expected: dict[int, str]) -> None:
    for reason, name in expected.items():
        assert wait_reason_string(version, reason) == name
        assert wait_reason_string(f"Go cmd/compile {version}", reason) == name


@pytest.mark.parametrize(
    ("version", "reason"),
    [
        ("go1.26.8", 0),  # 0 is "no reason": Delve prints it as unknown too
        ("go1.26.8", 47),
        ("go1.26.8", -1),
        ("go1.19.8", 27),
        ("go1.17.13", 19),  # no table before 1.18
        ("go1.28.0", 19),  # nor after what Delve 1.27 knows
        ("go2.0.0", 19),
        ("", 19),  # TargetGoVersion is empty while the target runs
        ("devel +abcdef", 19),
    ],
)
def test_unknown_wait_reasons(version: str, reason: int) -> None:
    assert wait_reason_string(version, reason) == f"unknown wait reason {reason}"


def test_wait_reason_without_version_uses_newest_table() -> None:
    assert wait_reason_string(None, 14) == "sleep"
    assert wait_reason_string(None, 19) == "chan receive"
    assert m.Goroutine(status=4, wait_reason=14).wait_reason_name(None) == "sleep"
    assert m.Goroutine(status=3, wait_reason=2).wait_reason_name(GO119) == "IO wait"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("go1.26.8", (1, 26, 8)),
        ("Go cmd/compile go1.26.8", (1, 26, 8)),
        ("Go cmd/compile go1.26.8; regabi", (1, 26, 8)),
        ("go1.21", (1, 21, 0)),
        ("go1.25rc1", (1, 25, 0)),
        ("go1.25-devel_abcdef Tue Jan 1", (1, 25, 0)),
        ("devel go1.24-abcdef Tue Jan 1", (1, 24, 0)),
        ("go1.22.3-X:nocoverageredesign", (1, 22, 3)),
        ("1.25.0", (1, 25, 0)),
        ("devel +abcdef", None),
        ("", None),
        (None, None),
        ("garbage", None),
    ],
)
def test_parse_go_version(text: str | None, expected: tuple[int, int, int] | None) -> None:
    assert parse_go_version(text) == expected


# --- stacks and locations ---------------------------------------------------------------------


def test_stacktrace_without_variables() -> None:
    frames = parse(m.StacktraceOut, "stacktrace").locations
    names = [f.function_name for f in frames]
    assert names[0] == "runtime.raise"
    first_user = next(f for f in frames if not f.is_runtime)
    assert first_user.function_name == "main.crash"
    assert (first_user.file, first_user.line) == ("/tmp/mcap/rich/main.go", 84)
    assert names.index("main.crash") == 10
    assert frames[-1].bottom
    assert not frames[0].bottom
    assert all(f.locals is None and f.arguments is None for f in frames)
    assert all(f.defers == [] for f in frames)


def test_stacktrace_with_variables_distinguishes_none_from_empty() -> None:
    frames = parse(m.StacktraceOut, "stacktrace_full").locations
    sleep, func5 = frames
    assert sleep.function_name == "time.Sleep"
    assert func5.locals == []  # loaded: there are none
    assert [a.name for a in func5.arguments or []] == ["ctx"]
    ns = sleep.var("ns")
    assert ns is not None
    assert ns.flags & m.VariableFlags.ARGUMENT
    assert ns.to_python() == 3600 * 10**9
    assert sleep.var("nope") is None


@pytest.mark.parametrize(
    ("name", "runtime"),
    [
        ("runtime.gopark", True),
        ("runtime.Goexit", False),  # exported runtime functions count as user code
        ("internal/poll.(*FD).Read", True),
        ("runtime/internal/atomic.Load", True),
        ("iter.Pull", True),
        ("main.main", False),
        ("sync.(*Mutex).Lock", False),
        ("github.com/x/runtime.Foo", False),
        ("", True),
    ],
)
def test_is_runtime(name: str, runtime: bool) -> None:
    function = m.Function(name=name) if name else None
    assert m.Location(function=function).is_runtime is runtime
    assert m.Location(function=function).function_name == name


def test_find_location() -> None:
    (loc,) = parse(m.FindLocationOut, "findlocation").locations
    assert loc.function_name == "main.Modify"
    assert loc.pcs == [loc.pc]
    assert loc.pcpids
    old = parse(m.FindLocationOut, "findlocation_dlv1.20.2")
    assert old.substitute_loc_expr == ""  # the key did not exist in 1.20.2


def test_misc_replies() -> None:
    (target,) = parse(m.ListTargetsOut, "targets").targets
    assert target.current_thread is not None
    assert target.current_thread.id == target.pid
    assert parse(m.ListDynamicLibrariesOut, "dynamic_libraries").list == []
    assert parse(m.GuessSubstitutePathOut, "guess_substitute_path").list == [
        ("/usr/local/go", "/usr/local/go")
    ]
    assert not parse(m.DumpStateOut, "dump_wait").state.dumping
    packages = parse(m.ListPackagesBuildInfoOut, "packages_build_info").list
    assert packages[0].import_path == "fmt"
    assert all(p.files for p in packages)


# --- registers, memory, disassembly -----------------------------------------------------------


def test_registers() -> None:
    out = parse(m.ListRegistersOut, "registers")
    regs = {r.name: r for r in out.regs}
    assert regs["Rip"].int_value == 0x48C3C1
    assert regs["Rip"].dwarf_number == 16
    assert regs["Rflags"].value.endswith("[PF ZF IF IOPL=0]")
    assert regs["Rflags"].int_value == 0x246
    assert "Rip = 0x000000000048c3c1" in out.registers
    assert m.Register(value="").int_value is None
    assert m.Register(value="1.5").int_value is None
    assert m.Register(value="0xzz").int_value is None


def test_examine_memory_decodes_base64() -> None:
    out = parse(m.ExamineMemoryOut, "examine_memory")
    assert out.mem == "héllo".encode() + b"bytes!Sund"
    assert out.is_little_endian
    assert out.to_wire()["Mem"] == "aMOpbGxvYnl0ZXMhU3VuZA=="
    assert m.ExamineMemoryOut.model_validate_json('{"Mem":null}').mem == b""
    assert m.ExamineMemoryOut(mem=b"\x00\x01").mem == b"\x00\x01"  # raw bytes kept as they are


def test_disassemble() -> None:
    instructions = parse(m.DisassembleOut, "disassemble").disassemble
    jump = instructions[0]
    assert jump.text == "JMP 0x4e30c4"
    assert jump.bytes == b"\xeb\x00"
    assert jump.dest_loc is not None
    assert jump.dest_loc.pc == 0x4E30C4
    assert instructions[1].dest_loc is None
    assert jump.loc.function_name == "main.crash"


# --- variables --------------------------------------------------------------------------------


def test_locals_to_python() -> None:
    v = variables("locals")
    assert {name: var.to_python() for name, var in v.items()} == {
        "s": "héllo",
        "bad": b"\xff\xfeab",  # not valid UTF-8: the exact bytes from StringValueBytes
        "long": "0123456789" * 6 + "0123",  # truncated at MaxStringLen 64
        "bs": b"bytes!",
        "m": {"a": 1, "b": 2},
        "mk": {(1, 2): "x"},  # array keys become tuples
        "f": 1.5,
        "f32": 2.25,
        "c": complex(1, -2),
        "b": True,
        "u8": 200,
        "nilp": None,
        "nilm": None,
        "nils": None,
        "iface": 42,
        "niliface": None,
        "fn": "main.worker",
        "col": 1,  # "Green (1)"
        "r": 120,
        "z": None,
    }


def test_locals_details() -> None:
    v = variables("locals")
    assert v["bad"].value == "\ufffd\ufffdab"
    assert v["bad"].string_value_bytes == b"\xff\xfeab"
    assert v["bad"].value_bytes == b"\xff\xfeab"
    assert v["s"].len == 6
    assert len(v["s"].value) == 5
    assert not v["s"].is_truncated
    assert v["col"].value == "Green (1)"
    assert v["u8"].kind is m.VariableKind.UINT  # Delve reports no integer widths
    assert v["c"].children[0].children == []  # JSON null in the real reply
    assert [c.name for c in v["c"].children] == ["real", "imaginary"]
    assert v["nilp"].is_nil
    assert v["nilm"].is_nil
    assert v["nils"].is_nil
    assert v["niliface"].is_nil
    assert not v["iface"].is_nil
    assert not v["m"].is_nil
    assert not v["fn"].is_nil
    assert v["iface"].children[0].name == "data"
    assert all(var.flags is m.VariableFlags.NONE for var in v.values())


def test_locals_from_delve_1_20() -> None:
    v = variables("locals_dlv1.20.2")
    raw = json.loads(result_json("locals_dlv1.20.2"))["Variables"]
    assert all("StringValueBytes" not in var for var in raw)
    assert v["bad"].string_value_bytes is None
    assert v["bad"].to_python() == "\ufffd\ufffdab"  # Delve 1.20 could not send the bytes
    assert v["s"].to_python() == "héllo"
    assert v["c"].to_python() == complex(1, -2)
    assert v["m"].to_python() == {"a": 1, "b": 2}
    assert v["nilp"].to_python() is None


def test_truncated_string() -> None:
    long = variables("locals")["long"]
    assert long.is_truncated
    assert long.reload_expr() == '(*(*"string")(0x361431187520))[64:]'
    short = evaluated("long_short")
    assert (short.value, short.len) == ("01234567", 100)
    assert short.reload_expr() == '(*(*"string")(0x361431187520))[8:]'


def test_truncated_slice() -> None:
    big = evaluated("big_short")
    assert big.is_truncated
    assert (big.len, len(big.children)) == (100, 5)
    assert big.to_python() == [0, 1, 2, 3, 4]
    assert big.reload_expr() == '(*(*"[]int")(0x361431187580))[5:]'


def test_truncated_map() -> None:
    bigm = evaluated("bigm_short")
    assert bigm.is_truncated
    assert (bigm.len, len(bigm.children)) == (100, 8)
    assert bigm.to_python() == {2: 4, 25: 625, 29: 841, 30: 900}
    assert bigm.reload_expr() == '(*(*"map[int]int")(0x361431187578))[4:]'
    assert not variables("locals")["m"].is_truncated


def test_struct_beyond_recursion_limit_and_interface_not_loaded() -> None:
    o = evaluated("o_short")  # *main.Outer with MaxVariableRecurse 0
    assert o.kind is m.VariableKind.PTR
    assert not o.is_truncated
    assert o.reload_expr() is None
    fields = {c.name: c for c in o.children[0].children}
    inner = fields["Inner"]
    assert inner.is_truncated
    assert inner.children == []
    assert inner.len == 2
    assert inner.reload_expr() == '*(*"main.Inner")(0x361431187e10)'
    any_ = fields["Any"]
    assert any_.is_truncated
    assert any_.children[0].only_addr
    assert any_.reload_expr() == '*(*"interface {}")(0x361431187e38)'
    assert any_.to_python() is None
    mp = fields["M"]
    assert mp.is_truncated
    assert mp.children == []
    assert mp.reload_expr() == '*(*"map[string]int")(0x361431187e48)'
    expected: dict[str, Any] = {
        "Name": "outer",
        "Inner": {},
        "Ptr": {},
        "Any": None,
        "M": {},
        "Col": 0,
    }
    assert o.to_python() == expected
    truncated = [v.name for v in o.walk() if v.is_truncated]
    assert truncated == ["Inner", "", "Any", "M"]  # "" is Ptr's pointee


def test_pointer_not_followed() -> None:
    n = evaluated("n_short")  # FollowPointers false
    assert n.flags & m.VariableFlags.ARGUMENT
    assert n.children[0].only_addr
    assert n.is_truncated
    assert not n.is_nil
    assert n.to_python() is None
    assert n.reload_expr() == '*(*"*main.Node")(0x361431187b88)'


def test_pointer_interface_chain() -> None:
    err = evaluated("err")
    assert err.to_python() == {"s": "boom"}
    assert [v.type for v in err.walk()] == [
        "error",
        "*errors.errorString",
        "errors.errorString",
        "string",
    ]


def test_computed_values() -> None:
    const = evaluated("const")
    assert const.flags is m.VariableFlags.CONSTANT
    assert (const.addr, const.to_python()) == (0, 3)
    assert const.reload_expr() is None
    red = evaluated("red")
    assert red.flags & m.VariableFlags.CONSTANT
    assert red.to_python() == 0
    tail = evaluated("nilslice_sub")  # big[98:]: no address of its own
    assert (tail.addr, tail.to_python()) == (0, [98, 99])
    truncated_tail = tail.model_copy(update={"len": 5})
    assert truncated_tail.reload_expr() is None
    assert truncated_tail.reload_expr("big[98:]") == "(big[98:])[2:]"


def test_reload_of_register_value_needs_expression() -> None:
    var = m.Variable(
        addr=0x10, flags=m.VariableFlags.FAKE_ADDRESS, kind=m.VariableKind.STRUCT, type="T", len=2
    )
    assert var.is_truncated
    assert var.reload_expr() is None
    assert var.reload_expr("x") == "x"


def test_reload_expr_quotes_type_names() -> None:
    var = m.Variable(
        addr=0xC000, kind=m.VariableKind.STRUCT, type='struct { A int "json:\\"a\\"" }', len=1
    )
    assert var.reload_expr() == '*(*"struct { A int \\"json:\\\\\\"a\\\\\\"\\" }")(0xc000)'


def _var(kind: m.VariableKind, value: str = "", **fields: Any) -> m.Variable:
    return m.Variable(kind=kind, value=value, **fields)


K = m.VariableKind


@pytest.mark.parametrize(
    ("variable", "expected"),
    [
        (_var(K.FLOAT64, "+Inf"), math.inf),
        (_var(K.FLOAT64, "-Inf"), -math.inf),
        (_var(K.INT, "A|B (3)"), 3),
        (_var(K.INT, "-7"), -7),
        (_var(K.UINT64, "18446744073709551615"), 2**64 - 1),
        (_var(K.INT, "weird"), "weird"),  # unparsable: Delve's text
        (_var(K.INT, ""), None),  # not loaded
        (_var(K.BOOL, "false"), False),
        (_var(K.INT, "1", unreadable="empty OP stack"), None),
        (_var(K.UNSAFE_POINTER, "4096"), 4096),
        (_var(K.FUNC, "", base=0), None),
        (_var(K.INVALID), None),
        (_var(K.STRING, "abc", string_value_bytes=b""), "abc"),
        (_var(K.ARRAY, real_type="[0]uint8", len=0), b""),
    ],
)
def test_to_python_scalars(variable: m.Variable, expected: Any) -> None:
    assert variable.to_python() == expected


def test_to_python_special_cases() -> None:
    nan = _var(K.FLOAT32, "NaN").to_python()
    assert math.isnan(nan)
    when = _var(K.STRUCT, "2024-01-02 03:04:05 +0000 UTC", type="time.Time", len=3)
    assert when.to_python() == "2024-01-02 03:04:05 +0000 UTC"
    key = _var(K.STRUCT, len=1, children=[_var(K.INT, "1", name="X")])
    struct_keyed = _var(K.MAP, base=1, len=1, children=[key, _var(K.STRING, "v")])
    assert struct_keyed.to_python() == {"{'X': 1}": "v"}
    unloaded_complex = _var(
        K.COMPLEX128, len=2, children=[_var(K.FLOAT64, "nil"), _var(K.FLOAT64, "nil")]
    )
    assert unloaded_complex.to_python() is None
