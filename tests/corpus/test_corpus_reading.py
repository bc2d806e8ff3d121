"""What a reader acts on, on the corpus' real programs: the stack filter finds the goroutines
Delve's location filter misses, buckets name their ids, creators and states, optimised-away
values are said once, and the HTML report fits in a real browser."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import dlvclient
from dlvclient import CrashReport, OriginKind
from tests.chromium import Chromium
from tests.support import Leg, cli
from tests.test_report_html import assert_fits, stack_shown, toggle

from .catalogue import CRONFAULT, HTTPBIN, NATS, SIGQUIT, CorpusCore, CorpusFactory, Program

pytestmark = pytest.mark.needs_dlv

READ_LOOP = "server.(*client).readLoop"


def args(leg: Leg, case: CorpusCore) -> list[str]:
    return [str(case.exe), str(case.core), "--dlv", str(leg.dlv)]


def listed(out: str) -> int:
    match = re.search(r"\[(\d+) goroutines\]\n\Z", out)
    assert match, out[-300:]
    return int(match[1])


def test_stack_contains_finds_what_the_location_filter_misses(
    capsys: pytest.CaptureFixture[str], leg: Leg, corpus: CorpusFactory
) -> None:
    case = corpus(leg, NATS, signal=SIGQUIT)
    located = cli(capsys, "goroutines", *args(leg, case), "--location", "readLoop")
    found = cli(capsys, "goroutines", *args(leg, case), "--stack-contains", READ_LOOP)
    assert located.code == found.code == 0
    assert listed(located.out) == 0  # their user location is net.(*netFD).Read
    readers = listed(found.out)
    assert readers >= 100
    others = cli(capsys, "goroutines", *args(leg, case), "--stack-without", READ_LOOP)
    assert readers + listed(others.out) == listed(cli(capsys, "goroutines", *args(leg, case)).out)


@pytest.mark.anyio
async def test_buckets_of_a_broker_name_ids_creators_and_states(
    leg: Leg, corpus: CorpusFactory
) -> None:
    case = corpus(leg, NATS, signal=SIGQUIT)
    async with dlvclient.open_core(case.exe, case.core, dlv=leg.dlv) as client:
        report = await client.crash_report()
        readers = {s.goroutine.id async for s in client.goroutine_stacks(stack_contains=READ_LOOP)}
    reading = [b for b in report.buckets if any(f.function.endswith(READ_LOOP) for f in b.frames)]
    assert sum(b.count for b in reading) == len(readers)
    assert {i for b in reading for i in b.ids} <= readers  # the first 100 of each bucket
    for bucket in reading:
        assert bucket.culprit is not None
        assert bucket.culprit.function.endswith(READ_LOOP)  # below net's and runtime's frames
        assert bucket.creator is not None
        assert bucket.creator.function.endswith("server.(*Server).startGoRoutine")
        assert bucket.creator.origin is not None
        assert bucket.creator.origin.kind is OriginKind.MAIN  # nats-server's own go statement
    for bucket in report.buckets:
        assert sum(s.count for s in bucket.states) == bucket.count
        assert len(bucket.ids) == min(bucket.count, 100)


def test_optimised_away_values_are_said_once(
    capsys: pytest.CaptureFixture[str], leg: Leg, corpus: CorpusFactory
) -> None:
    case = corpus(leg, CRONFAULT)  # optimised, faults inside golang.org/x/time/rate
    for command in (["report"], ["stack", "--full"]):
        run = cli(capsys, command[0], *args(leg, case), *command[1:], *(
            [str(CrashReport.model_validate_json(cli(capsys, "report", *args(leg, case),
                                                     "--json").out).goroutine_id)]
            if command[0] == "stack" else []
        ))  # fmt: skip
        assert run.code == 0, run.err
        assert "could not find loclist entry" not in run.out
        assert "empty OP stack" not in run.out
        for line in run.out.splitlines():
            if line.lstrip().startswith("optimized away: "):
                names = line.split(": ", 1)[1].split(", ")
                assert len(names) == len(set(names)), line


@pytest.mark.parametrize(
    ("program", "signal"), [(NATS, SIGQUIT), (HTTPBIN, SIGQUIT), (CRONFAULT, None)],
    ids=["nats-server", "go-httpbin", "cronfault"],
)  # fmt: skip
def test_html_report_of_real_programs_fits_and_toggles(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    chromium: Chromium,
    leg: Leg,
    corpus: CorpusFactory,
    program: Program,
    signal: int | None,
) -> None:
    case = corpus(leg, program, signal=signal)
    page_path = tmp_path / "report.html"
    run = cli(capsys, "report", *args(leg, case), "--html", page_path, "--json")
    assert run.code == 0, run.err
    report = CrashReport.model_validate_json(run.out)
    for width in (1280, 375):
        page = chromium.page(page_path, width=width)
        assert page.evaluate("document.querySelectorAll('tr.bucket').length") == len(report.buckets)
        assert_fits(page)
        assert toggle(page, 0) == [True, True]
        assert_fits(page)
        assert toggle(page, 0) == [False, False]
        assert stack_shown(page, 0) == [False, False]
        assert page.errors() == []
