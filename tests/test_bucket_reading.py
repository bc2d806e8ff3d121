"""Buckets a reader acts on, on real cores: goroutine ids, the go statement that started them,
a count per state, the first frame worth reading, and --similarity on the command line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dlvclient._report import crash_report
from dlvclient._schema import CrashReport
from tests.support import CoreFactory, Leg, cli, line_of, session, target

pytestmark = pytest.mark.needs_dlv


@pytest.mark.anyio
async def test_report_buckets_name_ids_creators_and_states(leg: Leg, cores: CoreFactory) -> None:
    case = cores(leg, "display")
    async with session(case) as client:
        report = await crash_report(client)
        readers = [s.goroutine.id async for s in client.goroutine_stacks(stack_contains="readLoop")]
    by_culprit = {b.culprit.function: b for b in report.buckets if b.culprit is not None}
    reader = next(b for b in report.buckets if "main.readLoop" in [f.function for f in b.frames])
    assert sorted(reader.ids) == sorted(readers)
    assert reader.creator is not None
    assert (reader.creator.function, reader.creator.line) == (
        "main.serve",
        line_of(case, "go readLoop(conn)"),
    )
    worker = by_culprit["main.worker"]
    assert worker.count == 4
    assert worker.creator is not None
    assert (worker.creator.function, worker.creator.line) == (
        "main.main",
        line_of(case, "go worker(jobs)"),
    )
    # The workers blocked before two collections 1.5 s apart.
    assert worker.longest_wait_ns is not None
    assert worker.longest_wait_ns >= 1_400_000_000
    crashed = report.buckets[0]
    assert crashed.crashed
    assert crashed.creator is None  # the main goroutine: no go statement started it
    for bucket in report.buckets:
        assert sum(s.count for s in bucket.states) == bucket.count
        assert bucket.states


def test_cli_buckets_show_ids_creators_and_take_similarity(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, leg: Leg, cores: CoreFactory
) -> None:
    case = cores(leg, "display")
    run = cli(capsys, "report", *target(case), "--buckets", "0")
    assert run.code == 0, run.err
    serve = line_of(case, "go readLoop(conn)")
    assert f"created by main.serve at main.go:{serve}" in run.out
    assert "goroutines " in run.out
    assert re.search(r"^ +4  waiting: chan receive, 1\.[4-9]s\+$", run.out, re.MULTILINE)
    assert "(exact stacks)" in run.out
    saved = []
    for level in ("function", "exact"):
        run = cli(capsys, "report", *target(case), "--similarity", level, "--json")
        assert run.code == 0, run.err
        report = CrashReport.model_validate_json(run.out)
        assert report.similarity.value == level
        saved.append(tmp_path / f"{level}.json")
        saved[-1].write_text(run.out)
    run = cli(capsys, "diff", "--reports", *saved, "--similarity", "exact")
    assert run.code == 1  # a function-level report cannot be compared at the exact level
    assert "refined" in run.err
    run = cli(capsys, "diff", "--reports", *reversed(saved), "--similarity", "function")
    assert run.code == 0, run.err
    assert "same crash" in run.out
    run = cli(capsys, "report", *target(case), "--similarity", "lines")
    assert run.code == 2
