"""Crash triage against real cores (every Delve leg, both backends), and its pure parts."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from dlvclient import InvalidArgumentError
from dlvclient._buckets import coarsen
from dlvclient._capture import run_and_capture
from dlvclient._report import CrashAnalysis, crash_report, diff_reports
from dlvclient._schema import Bucket, CrashReport, ReasonKind, Similarity
from tests.support import CoreCase, CoreFactory, Leg, line_of, session

pytestmark = pytest.mark.needs_dlv

# --- the crash programs --------------------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    """What the report of a program's core must say."""

    program: str
    kind: ReasonKind
    message: str
    function: str | None = None  # of the top user frame
    marker: str | None = None  # text on the top user frame's line in main.go
    goroutine: str = "main"  # "main" (1), "other" (a goroutine it started), or "none"
    signal: str | None = None
    optimize: bool = False
    pie: bool = False


NIL_DEREF = "runtime error: invalid memory address or nil pointer dereference"
CASES = [
    Expected(
        "seed", ReasonKind.FATAL_ERROR, "fault", "main.Modify", "b[0] = 'H'", signal="SIGSEGV"
    ),
    Expected(
        "nilptr",
        ReasonKind.PANIC,
        NIL_DEREF,
        "main.(*Server).Addr",
        "return fmt.Sprintf",
        signal="SIGSEGV",
    ),
    Expected(
        "recursion",
        ReasonKind.PANIC,
        NIL_DEREF,
        "main.recurse",
        "return leaf.value",
        signal="SIGSEGV",
    ),
    Expected(
        "index",
        ReasonKind.PANIC,
        "runtime error: index out of range [5] with length 3",
        "main.pick",
        "return items[i]",
        goroutine="other",
    ),
    Expected(
        "panicerr",
        ReasonKind.PANIC,
        'loading config "app.yaml": file does not exist',
        "main.mustLoadConfig",
        "panic(err)",
    ),
    Expected(
        "custom",
        ReasonKind.PANIC,
        'main.MyErr {Code: 42, Reason: "boom"}',
        "main.validate",
        "panic(MyErr{",
    ),
    Expected(
        "nilmap",
        ReasonKind.PANIC,
        "assignment to entry in nil map",
        "main.handle",
        "s.counts[path]++",
    ),
    Expected(
        "concmap",
        ReasonKind.FATAL_ERROR,
        "concurrent map writes",
        "main.writer",
        "m[i%1024] = id",
        goroutine="other",
    ),
    Expected(
        "deadlock",
        ReasonKind.FATAL_ERROR,
        "all goroutines are asleep - deadlock!",
        goroutine="none",
    ),
    Expected("overflow", ReasonKind.FATAL_ERROR, "stack overflow", "main.descend", "func descend("),
    Expected(
        "healthy", ReasonKind.GOROUTINE_DUMP, "SIGQUIT: quit", goroutine="none", signal="SIGQUIT"
    ),
    Expected("snapshot", ReasonKind.NONE, "", goroutine="none"),
    Expected(
        "stuck",
        ReasonKind.PANIC,
        'open store "orders": file does not exist',
        "main.openStore",
        "panic(fmt.Errorf(",
        goroutine="other",
    ),
]
# The same crashes built optimized (inlined frames, unreadable runtime arguments) and as PIE.
_BY_NAME = {expected.program: expected for expected in CASES}
CASES += [
    replace(_BY_NAME["nilptr"], optimize=True),
    replace(_BY_NAME["concmap"], optimize=True),
    replace(_BY_NAME["index"], pie=True),
]


def _case_id(expected: Expected) -> str:
    return (
        expected.program + ("-opt" if expected.optimize else "") + ("-pie" if expected.pie else "")
    )


async def report_of(case: CoreCase, **options: object) -> CrashReport:
    async with session(case) as client:
        return await crash_report(client, **options)  # type: ignore[arg-type]


@pytest.mark.anyio
@pytest.mark.parametrize("expected", CASES, ids=_case_id)
async def test_crash_report(leg: Leg, cores: CoreFactory, expected: Expected) -> None:
    case = cores(leg, expected.program, optimize=expected.optimize, pie=expected.pie)
    report = await report_of(case)
    reason = report.reason
    assert reason.kind is expected.kind
    assert reason.message == expected.message
    assert reason.signal == expected.signal
    if expected.goroutine == "none":
        assert report.goroutine_id is None
    elif expected.goroutine == "main":
        assert report.goroutine_id == 1
    else:
        assert report.goroutine_id not in (None, 1)
    crashed = [b for b in report.buckets if b.crashed]
    if report.goroutine_id is None:
        assert crashed == []
    else:
        assert report.buckets[0] is crashed[0]
        assert report.goroutine_id in crashed[0].ids
    top = report.top_user_frame
    if expected.function is None:
        assert top is None
    else:
        assert expected.marker is not None
        assert top is not None
        assert (top.function, top.line) == (expected.function, line_of(case, expected.marker))
        assert Path(top.file).name == "main.go"
    if expected.kind in (ReasonKind.NONE, ReasonKind.GOROUTINE_DUMP):
        assert report.frames == []
    else:
        # Like Go's traceback, the frames start where the crash was raised.
        assert report.frames[0].is_runtime
    assert CrashReport.model_validate_json(report.model_dump_json()) == report


@pytest.mark.anyio
async def test_signal_details(leg: Leg, cores: CoreFactory) -> None:
    nilptr = await report_of(cores(leg, "nilptr"))
    assert nilptr.reason.fault_address == 0
    assert nilptr.reason.signal_code == 1  # SEGV_MAPERR
    addr = next(f for f in nilptr.frames if f.function == "main.(*Server).Addr")
    assert nilptr.reason.pc is not None
    assert nilptr.reason.pc == addr.pc  # the faulting instruction, exact in the top frame
    seed = await report_of(cores(leg, "seed"))
    assert seed.reason.fault_address  # "unexpected fault address 0x..."
    assert seed.reason.signal_code == 2  # SEGV_ACCERR: a write to read-only memory
    healthy = await report_of(cores(leg, "healthy"))
    # A dump: the signal this process sent (the core's own siginfo says SIGABRT), and by whom.
    assert (healthy.reason.signal, healthy.reason.signal_code) == ("SIGQUIT", 0)  # SI_USER
    assert healthy.reason.sender_pid == os.getpid()
    assert healthy.reason.fault_address is None


@pytest.mark.anyio
async def test_user_frames_detail(leg: Leg, cores: CoreFactory, tmp_path: Path) -> None:
    case = cores(leg, "nilptr")
    report = await report_of(case, detail_frames=1, context_lines=1)
    addr, main = (f for f in report.frames if not f.is_runtime)
    assert addr.arguments is not None
    receiver = next(v for v in addr.arguments if v.name == "s")
    assert receiver.type == "*main.Server"
    assert receiver.value == '*main.Server {Name: "api", cfg: *main.Config nil}'
    assert addr.source is not None
    assert [s.line for s in addr.source] == [addr.line - 1, addr.line, addr.line + 1]
    assert "s.cfg.Host" in addr.source[1].text
    assert main.arguments is None
    assert main.source is None
    assert all(f.arguments is None and f.source is None for f in report.frames if f.is_runtime)
    # A core from another machine: its sources are found through substitute_path.
    moved = tmp_path / "src"
    moved.mkdir()
    (moved / "main.go").write_text((case.source_dir / "main.go").read_text())
    source_dir = str(Path(addr.file).parent)
    elsewhere = await report_of(case, substitute_path=[(source_dir + "/", str(moved))])
    shown = next(f for f in elsewhere.frames if f.function == addr.function)
    assert shown.source is not None
    assert any("s.cfg.Host" in s.text for s in shown.source)
    (moved / "main.go").write_text("package main\n")  # too short: no line to show
    gone = await report_of(case, substitute_path=[(source_dir, str(moved))])
    assert next(f for f in gone.frames if f.function == addr.function).source is None


@pytest.mark.anyio
async def test_versions(leg: Leg, cores: CoreFactory) -> None:
    report = await report_of(cores(leg, "seed"))
    assert report.delve_version == ("1.27.2" if leg.name == "current" else "1.20.2")
    assert report.go_version is not None
    assert report.go_version.startswith("1.26" if leg.name == "current" else "1.19")
    assert report.build_id is None or isinstance(report.build_id, str)
    assert report.pid
    assert report.thread_id
    assert report.notes == [] or report.build_id is None


@pytest.mark.anyio
async def test_the_versions_are_the_handshakes_not_asked_again(
    leg: Leg, cores: CoreFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with session(cores(leg, "seed")) as client:
        assert client.version_info is not None

        async def asked(**_: object) -> None:
            raise AssertionError("GetVersion asked again")

        monkeypatch.setattr(client, "version", asked)
        report = await crash_report(client)
    assert report.delve_version == str(client.version_info.delve)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("program", "message"), [("seed", "fault"), ("overflow", "stack overflow")]
)
async def test_a_throws_message_is_read_from_the_bytes_before_its_call(
    leg: Leg, cores: CoreFactory, monkeypatch: pytest.MonkeyPatch, program: str, message: str
) -> None:
    """A ``fatal error`` whose message only the call to ``throw`` holds (its argument is not
    kept) is read from the constant loaded before that call, found in a few bytes
    disassembled, never the caller's whole function."""
    async with session(cores(leg, program)) as client:
        ranges: list[tuple[int, int]] = []
        disassemble = client.disassemble

        async def logged(start_pc: int, end_pc: int = 0, **kwargs: object) -> object:
            ranges.append((start_pc, end_pc))
            return await disassemble(start_pc, end_pc, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(client, "disassemble", logged)
        report = await crash_report(client)
    assert (report.reason.kind, report.reason.message) == (ReasonKind.FATAL_ERROR, message)
    assert ranges
    assert all(0 < end - start <= 64 for start, end in ranges)


# --- fingerprints --------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_fingerprint_same_bug(leg: Leg, cores: CoreFactory, tmp_path: Path) -> None:
    case = cores(leg, "index")
    first = await report_of(case)
    # Another build (PIE: other addresses) and another run of the same bug.
    pie = await report_of(cores(leg, "index", pie=True))
    rerun = run_and_capture([str(case.exe)], cwd=tmp_path, timeout=60)
    assert rerun.core is not None
    again = await report_of(
        CoreCase(case.leg, case.name, case.source_dir, case.exe, rerun.core, rerun)
    )
    assert first.fingerprint == pie.fingerprint == again.fingerprint
    assert len(first.fingerprint) == 32


@pytest.mark.anyio
async def test_fingerprint_different_bugs(leg: Leg, cores: CoreFactory) -> None:
    programs = ["nilptr", "recursion", "index", "seed", "panicerr", "nilmap", "concmap"]
    prints = [(await report_of(cores(leg, name))).fingerprint for name in programs]
    # nilptr and recursion share kind, signal and message: only their functions differ.
    assert len(set(prints)) == len(programs)


# --- buckets and diffs ---------------------------------------------------------------------------


def _user_functions(bucket: Bucket) -> list[str]:
    return [f.function for f in bucket.frames if not f.is_runtime]


@pytest.mark.anyio
@pytest.mark.parametrize("level", list(Similarity), ids=lambda s: s.value)
async def test_buckets(leg: Leg, cores: CoreFactory, level: Similarity) -> None:
    report = await report_of(cores(leg, "goroutines"), similarity=level, max_ids=4)
    buckets = report.buckets
    assert report.similarity is level
    assert all(b.level is level for b in buckets)
    assert buckets[0].crashed
    assert buckets[0].ids == [1]
    assert "main.main" in _user_functions(buckets[0])
    recv = [b for b in buckets if "main.blockRecv" in _user_functions(b)]
    assert len(recv) == 1
    assert recv[0].count == 10
    assert recv[0].ids_truncated
    assert len(recv[0].ids) == 4
    assert (recv[0].state, recv[0].wait_reason) == ("waiting", "chan receive")
    assert sum(b.count for b in buckets) == report.goroutines.total == 43
    flags = [b.runtime for b in buckets]
    assert flags == sorted(flags)  # runtime buckets after every user bucket
    assert any(flags)
    user_sizes = [b.count for b in buckets[1:] if not b.runtime]
    assert user_sizes == sorted(user_sizes, reverse=True)
    summary = report.goroutines
    assert summary.by_status == {"running": 1, "waiting": 42}
    assert summary.by_wait_reason["chan receive"] == 13  # 10 blockRecv, 3 labelled
    assert summary.by_wait_reason["sleep"] == 5


@pytest.mark.anyio
async def test_diff_reports(leg: Leg, cores: CoreFactory) -> None:
    crashed = await report_of(cores(leg, "goroutines"))
    healthy = await report_of(cores(leg, "healthy"))
    same = diff_reports(crashed, crashed)
    assert same.same_crash
    assert (same.appeared, same.vanished, same.grew, same.shrank) == ([], [], [], [])
    assert same.unchanged == len(coarsen(crashed.buckets, Similarity.FUNCTION))
    diff = diff_reports(crashed, healthy)
    assert not diff.same_crash
    assert (diff.old_total, diff.new_total) == (43, healthy.goroutines.total)
    workers = next(c for c in diff.appeared if "main.worker" in [f.function for f in c.frames])
    assert (workers.old_count, workers.new_count, workers.delta) == (0, 3, 3)
    recv = next(c for c in diff.vanished if "main.blockRecv" in [f.function for f in c.frames])
    assert recv.delta == -10
    assert diff.vanished[0].delta == -10  # largest change first
    # The runtime's own goroutines are in both dumps.
    assert not any(c.runtime for c in diff.appeared + diff.vanished)
    coarse = await report_of(cores(leg, "healthy"), similarity="function")
    with pytest.raises(InvalidArgumentError, match="refined"):
        diff_reports(coarse, healthy, similarity=Similarity.EXACT)
    with pytest.raises(InvalidArgumentError, match="similarity must be one of"):
        diff_reports(coarse, healthy, similarity="lines")


# --- pure parts ----------------------------------------------------------------------------------


# --- a report in parts --------------------------------------------------------------------------


@pytest.mark.anyio
async def test_the_crash_part_needs_no_goroutine_walk(seed_case: CoreCase) -> None:
    """The crash is on the core's current thread: CrashAnalysis.crash() reads no goroutine's
    stack but that one, and the report made of both parts is the one crash_report makes."""
    async with session(seed_case) as client:
        walks: list[int] = []
        walk = client.goroutine_stacks

        def counted(*args: object, **kwargs: object) -> object:
            walks.append(1)
            return walk(*args, **kwargs)  # type: ignore[arg-type]

        client.goroutine_stacks = counted  # type: ignore[assignment,method-assign]
        analysis = CrashAnalysis(client)
        crash = await analysis.crash()
        assert walks == []
        assert (crash.reason.kind, crash.reason.message) == (ReasonKind.FATAL_ERROR, "fault")
        assert crash.top_user_frame is not None
        assert crash.top_user_frame.function == "main.Modify"
        report = await analysis.report()
        assert walks == [1]
        assert await analysis.crash() is crash  # each part is made once
        again = await crash_report(client)
    assert report.model_dump(exclude={"notes"}) == again.model_dump(exclude={"notes"})
    assert report.goroutines.total == 5
    assert CrashReport.model_validate_json(report.model_dump_json()) == report
