"""Reports of real cores: goroutine dumps of real servers, and a crash inside a dependency."""

from __future__ import annotations

import html
import os

import pytest

import dlvclient
from dlvclient import CrashReport, OriginKind, ReasonKind
from dlvclient._cli_output import report_html, report_text

from .catalogue import (
    CRONFAULT,
    HTTPBIN,
    NATS,
    SELFQUIT,
    SIGABRT,
    SIGQUIT,
    CorpusCore,
    CorpusFactory,
    Program,
)

pytestmark = [pytest.mark.needs_dlv, pytest.mark.anyio]


async def _report(leg, case: CorpusCore) -> CrashReport:
    async with dlvclient.open_core(case.exe, case.core, dlv=leg.dlv) as client:
        report = await client.crash_report(program_output=case.output)
    # The runtime's header in the program's output agrees with what the core says.
    assert report.notes == [], report.notes
    assert report.reason.runtime_header is not None
    return report


def _assert_dump(report: CrashReport, signal: str) -> None:
    reason = report.reason
    assert reason.kind is ReasonKind.GOROUTINE_DUMP
    assert (reason.signal, reason.message.split(":")[0]) == (signal, signal)
    assert report.goroutine_id is None
    assert report.frames == []
    assert report.top_user_frame is None
    assert not any(b.crashed for b in report.buckets)
    assert report.fingerprint_version == "dump/v1"
    text = report_text(report)
    # The summary comes right after what was sent: no signal machinery in between.
    head = text.split("\n\nGoroutines: ", 1)[0]
    assert "runtime.sighandler" not in text
    assert "Backtrace" not in head


@pytest.mark.parametrize("signal", [SIGQUIT, SIGABRT], ids=["SIGQUIT", "SIGABRT"])
async def test_dump_of_a_broker_under_load_names_the_signal_sent_and_its_sender(
    leg, corpus: CorpusFactory, signal: int
) -> None:
    case = corpus(leg, NATS, signal=signal)
    report = await _report(leg, case)
    name = "SIGQUIT" if signal == SIGQUIT else "SIGABRT"
    _assert_dump(report, name)
    # The core's own siginfo says SIGABRT (the runtime's re-raise); the dump's signal and its
    # sender (this process, by kill(2): SI_USER) come from the handler's frame.
    assert (report.reason.signal_code, report.reason.sender_pid) == (0, os.getpid())
    assert f"{name} was sent by pid {os.getpid()}" in report_text(report)
    assert report.reason.runtime_header == report.reason.message
    assert report.goroutines.total >= 240
    # The largest buckets are the clients' read and write loops: the server's own code.
    largest = sorted(report.buckets, key=lambda b: -b.count)[:2]
    for bucket in largest:
        assert bucket.count >= 100
        assert bucket.culprit is not None
        assert bucket.culprit.origin is not None
        assert bucket.culprit.origin.kind is OriginKind.MAIN
        assert bucket.culprit.function.startswith("github.com/nats-io/nats-server/v2/server.")
    assert {b.culprit.function.rsplit(".", 1)[-1] for b in largest if b.culprit} == {
        "readLoop",
        "writeLoop",
    }


async def test_two_dumps_of_the_same_hang_share_a_fingerprint_no_crash_has(
    leg, corpus: CorpusFactory
) -> None:
    quit_ = await _report(leg, corpus(leg, NATS, signal=SIGQUIT))
    abort = await _report(leg, corpus(leg, NATS, signal=SIGABRT))
    crash = await _report(leg, corpus(leg, CRONFAULT))
    assert quit_.fingerprint == abort.fingerprint
    assert crash.fingerprint not in (quit_.fingerprint, abort.fingerprint)
    assert crash.fingerprint_version == "crash/v2"


@pytest.mark.parametrize("program", [HTTPBIN], ids=lambda p: p.name)
async def test_dump_of_an_http_server_with_requests_in_its_handlers(
    leg, corpus: CorpusFactory, program: Program
) -> None:
    report = await _report(leg, corpus(leg, program, signal=SIGQUIT))
    _assert_dump(report, "SIGQUIT")
    assert report.goroutines.total >= 220
    culprits = {b.culprit.function for b in report.buckets if b.culprit is not None}
    # The slow requests wait in go-httpbin's own handler (main module); the idle keep-alive
    # connections in net/http, the first non-runtime code on their stacks.
    handler = [b for b in report.buckets if b.culprit and b.culprit.origin.kind is OriginKind.MAIN]
    assert any(b.count >= 20 and "httpbin" in b.culprit.function for b in handler), culprits
    idle = max(report.buckets, key=lambda b: b.count)
    assert idle.count >= 190
    assert idle.culprit is not None
    assert idle.culprit.origin.kind is OriginKind.STDLIB


async def test_program_that_signals_itself_is_a_dump_sent_by_itself(
    leg, corpus: CorpusFactory
) -> None:
    case = corpus(leg, SELFQUIT)
    report = await _report(leg, case)
    _assert_dump(report, "SIGQUIT")
    assert report.reason.sender_pid == case.pid == report.pid
    assert "SIGQUIT was sent by the program itself" in report_text(report)
    blocked = max(report.buckets, key=lambda b: b.count)
    assert blocked.count == 16
    assert blocked.culprit is not None
    assert blocked.culprit.function == "main.worker"


async def test_fault_inside_a_dependency_blames_the_programs_frame(
    leg, corpus: CorpusFactory
) -> None:
    report = await _report(leg, corpus(leg, CRONFAULT))
    assert report.reason.kind is ReasonKind.PANIC
    assert report.reason.signal == "SIGSEGV"
    assert report.reason.runtime_header == f"panic: {report.reason.message}"
    top, site = report.top_user_frame, report.crash_site
    assert top is not None
    assert site is not None
    assert top.origin is not None
    assert top.origin.kind is OriginKind.MAIN
    assert top.function.startswith("main.")
    assert top.file.endswith("main.go")
    # The fault itself is in golang.org/x/time/rate (or the sync.Mutex it inlines).
    assert site.origin is not None
    assert site.origin.kind in (
        OriginKind.DEPENDENCY,
        OriginKind.STDLIB,
    )
    assert site.function.startswith(("golang.org/x/time/rate.", "sync.", "internal/sync."))
    rate = next(f for f in report.frames if f.function.startswith("golang.org/x/time/rate."))
    assert rate.origin is not None
    assert (rate.origin.module, rate.origin.version) == ("golang.org/x/time", "v0.3.0")
    # One sentence says both, in text and in HTML.
    page = report_html(report)
    assert html.escape(f"reached from the program's {top.function}") in page
    line = next(s for s in report_text(report).splitlines() if s.startswith("crashed in"))
    assert site.function in line
    assert f"reached from the program's {top.function}" in line
    assert report.buckets[0].crashed
    assert report.buckets[0].culprit is not None
    assert report.buckets[0].culprit.function == top.function


@pytest.mark.parametrize("program", [NATS], ids=lambda p: p.name)
async def test_corpus_report_json_round_trips(leg, corpus: CorpusFactory, program: Program) -> None:
    report = await _report(leg, corpus(leg, program, signal=SIGQUIT))
    assert CrashReport.model_validate_json(report.model_dump_json()) == report
