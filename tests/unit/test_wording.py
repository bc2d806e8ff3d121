"""Words for Delve's codes: goroutine states, waits, unreadable values, hidden frames
(dlvclient._wording)."""

from __future__ import annotations

import pytest

from dlvclient._models import GoroutineStatus
from dlvclient._wording import (
    hidden_frames_line,
    status_words,
    unreadable_words,
    variable_lines,
    wait_text,
    waited_ns,
    waited_text,
)


def test_statuses_in_words() -> None:
    assert status_words("deadextra") == "dead (held for cgo callbacks)"
    assert status_words(GoroutineStatus.SYSCALL) == "in a system call"
    assert status_words(3) == "in a system call"
    assert status_words("waiting") == "waiting"
    assert status_words("unknown_42") == "unknown 42"  # Goroutine.status_name of a new state
    assert status_words(42) == "in state 42"


def test_unreadable_words() -> None:
    loclist = "could not find loclist entry at 0x33d96 for address 0x415525"
    assert unreadable_words(loclist) == "optimized away"
    assert unreadable_words("empty OP stack") == "optimized away"
    other = "error while reading spliced memory at 0x3: EOF"
    assert unreadable_words(other) == other


def test_unreadable_variables_are_said_once() -> None:
    lines = variable_lines(
        [
            ("ctx", "(unreadable could not find loclist entry at 0x1 for address 0x2)"),
            ("n", "3"),
            ("req", "(unreadable empty OP stack)"),
            ("p", "(unreadable read out of bounds)"),
            ("~r0", "(unreadable empty OP stack)"),
            ("~r0", "(unreadable empty OP stack)"),
            ("t", "(unreadable could not read 8 bytes from register 3 (size: 0))"),
        ]
    )
    assert lines == [
        "    n = 3",
        "    optimized away: ctx, req, ~r0",
        "    unreadable (read out of bounds): p",
        "    in a register not saved in this frame: t",
    ]


@pytest.mark.parametrize(
    ("ns", "text"),
    [
        (None, ""),
        (999_999_999, ""),
        (1_500_000_000, "1.5s+"),
        (150 * 10**9, "2m30s+"),
        (3 * 3600 * 10**9 + 5 * 60 * 10**9, "3h5m+"),
    ],
)
def test_waited_text_is_a_lower_bound_from_a_second_on(ns: int | None, text: str) -> None:
    assert waited_text(ns) == text


def test_wait_stamps_are_measured_against_the_latest_collection() -> None:
    assert waited_ns(100, 1_600_000_100) == 1_600_000_000
    assert waited_ns(0, 5) is None  # never seen blocked by a collection
    assert waited_ns(10, None) is None
    assert waited_ns(10, 5) is None  # stamped after the clock reading: no bound
    assert wait_text("chan receive", 2 * 10**9) == "chan receive, 2.0s+"
    assert wait_text("chan receive", 10) == "chan receive"


def test_hidden_frames_line() -> None:
    assert hidden_frames_line(range(10)).startswith("frames 0-9: the runtime's signal and abort")
    assert hidden_frames_line([0]).startswith("frame 0: ")
    assert hidden_frames_line([]) == ""
