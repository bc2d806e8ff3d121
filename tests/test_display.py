"""What the CLI shows of real cores: hidden frames said in one line, values that could not be
read said once, wait reasons with how long they have lasted (not Delve's raw stamp), states in
words, and eval's advice on a core where no goroutine crashed."""

from __future__ import annotations

import re

import pytest

from tests.support import CoreFactory, Leg, cli, target

pytestmark = pytest.mark.needs_dlv

MACHINERY = re.compile(r"^ +frames 0-(\d+): the runtime's signal and abort machinery")
FRAME = re.compile(r"^ *(\d+)  0x[0-9a-f]{16} in ")


def test_report_says_which_frames_it_leaves_out(
    capsys: pytest.CaptureFixture[str], leg: Leg, cores: CoreFactory
) -> None:
    run = cli(capsys, "report", *target(cores(leg, "display")))
    assert run.code == 0, run.err
    lines = run.out.splitlines()
    start = lines.index("Backtrace:") + 1
    hidden = MACHINERY.match(lines[start])
    assert hidden, lines[start]
    first = next(m for line in lines[start:] if (m := FRAME.match(line)))
    assert int(first[1]) == int(hidden[1]) + 1
    assert "deadextra" not in run.out


def test_unreadable_values_are_said_short_and_once(
    capsys: pytest.CaptureFixture[str], leg: Leg, cores: CoreFactory
) -> None:
    case = cores(leg, "display", optimize=True)
    for command in ("report", "stack"):
        extra = ["1", "--full"] if command == "stack" else []
        run = cli(capsys, command, *target(case), *extra)
        assert run.code == 0, run.err
        assert "could not find loclist entry" not in run.out
        assert "empty OP stack" not in run.out
    assert re.search(r"^ +optimized away: \w", run.out, re.MULTILINE), run.out


def test_goroutines_say_how_long_they_waited(
    capsys: pytest.CaptureFixture[str], leg: Leg, cores: CoreFactory
) -> None:
    # The workers blocked before two collections 1.5 s apart: they waited 1.5 s at least.
    run = cli(capsys, "goroutines", *target(cores(leg, "display")))
    assert run.code == 0, run.err
    workers = [line for line in run.out.splitlines() if " main.worker " in line]
    assert len(workers) == 4
    assert all(re.search(r"\[chan receive, 1\.[5-9]s\+\]$", line) for line in workers), workers
    assert not re.search(r"\[[^]]* \d{6,}\]", run.out)  # no raw waitSince stamps
    if leg.name == "current":  # Go 1.26 keeps a dead goroutine for cgo callbacks
        assert "[dead (held for cgo callbacks)]" in run.out


def test_eval_without_goroutine_on_a_dump_says_to_pass_one(
    capsys: pytest.CaptureFixture[str], leg: Leg, cores: CoreFactory
) -> None:
    case = cores(leg, "healthy")  # dumped with SIGQUIT: no goroutine crashed
    run = cli(capsys, "eval", *target(case), "jobs")
    assert run.code == 1
    assert "no goroutine crashed" in run.err
    assert "Pass -g GID" in run.err
    assert "check the spelling" not in run.err
