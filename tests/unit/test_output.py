"""Reading the runtime's header back from a long program output, at either end."""

from __future__ import annotations

from pathlib import Path

import pytest

from dlvclient import _output
from dlvclient._output import read_runtime_header

HEADER = "panic: boom\n\ngoroutine 1 gp=0x1 m=0 mp=0x2 [running]:\nmain.main()\n"
TRACE = "goroutine 7 gp=0x3 m=nil [chan receive]:\nmain.wait()\n\t/src/main.go:9 +0x1d\n\n"
LOG = "INFO serving\n"


@pytest.fixture(autouse=True)
def small_window(monkeypatch: pytest.MonkeyPatch) -> None:
    # The windows are 16 MiB; 1 KiB makes the same shapes in a few kilobytes.
    monkeypatch.setattr(_output, "_READ_LIMIT", 1024)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "core.log"
    path.write_text(text)
    return path


def test_header_before_a_traceback_longer_than_the_window(tmp_path: Path) -> None:
    header = read_runtime_header(write(tmp_path, LOG * 3 + HEADER + TRACE * 200))
    assert header is not None
    assert header.line == "panic: boom"


def test_header_after_a_log_longer_than_the_window(tmp_path: Path) -> None:
    header = read_runtime_header(write(tmp_path, LOG * 500 + HEADER + TRACE * 3))
    assert header is not None
    assert header.message == "boom"


def test_header_between_two_long_stretches_is_out_of_reach(tmp_path: Path) -> None:
    assert read_runtime_header(write(tmp_path, LOG * 500 + HEADER + TRACE * 200)) is None


def test_a_header_at_the_very_start_of_a_window(tmp_path: Path) -> None:
    header = read_runtime_header(write(tmp_path, "SIGQUIT: quit\nPC=0x1 m=0 sigcode=0\n\n"))
    assert header is not None
    assert (header.signal, header.signal_code) == ("SIGQUIT", 0)


def test_a_line_that_only_looks_like_a_header_is_passed_over(tmp_path: Path) -> None:
    decoy = "panic: not really\n" + LOG * 4
    header = read_runtime_header(write(tmp_path, decoy + HEADER))
    assert header is not None
    assert header.message == "boom"


def test_a_window_cut_inside_a_line_does_not_start_with_a_header(tmp_path: Path) -> None:
    # The last 1 KiB starts with "SIGSEGV: ...", cut out of a "[signal SIGSEGV: ..." line.
    tail = "SIGSEGV: segmentation violation]\n\tpanic: x\n" + TRACE * 20
    tail = tail[: 1024 - 1] + "\n"
    assert read_runtime_header(write(tmp_path, LOG * 500 + "[signal " + tail)) is None
