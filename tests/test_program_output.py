"""capture keeps the program's output beside the core, and report reads the runtime's header."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from dlvclient._capture import run_and_capture
from dlvclient._output import output_path, read_runtime_header, runtime_header
from tests.support import CoreFactory, Leg

PANIC = """\
starting
panic: runtime error: invalid memory address or nil pointer dereference
[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4be30e]

goroutine 17 gp=0xc000 m=0 mp=0x5c34c0 [running]:
"""
DUMP = """\
INFO listening
SIGQUIT: quit
PC=0x483261 m=0 sigcode=0

goroutine 0 gp=0x5c3 m=0 mp=0x5c3 [idle]:
"""
RELAYED = """\
SIGABRT: abort
PC=0x46aaf2 m=3 sigcode=0

goroutine 0 [idle]:
runtime.futex()

-----

SIGQUIT: quit
PC=0x46aaf2 m=0 sigcode=0
"""


def test_runtime_header_of_a_panic() -> None:
    header = runtime_header(PANIC)
    assert header is not None
    assert (header.kind, header.signal) == ("panic", "SIGSEGV")
    assert header.message == "runtime error: invalid memory address or nil pointer dereference"


def test_runtime_header_of_a_dump_says_who_sent_it() -> None:
    header = runtime_header(DUMP)
    assert header is not None
    assert (header.kind, header.line, header.signal, header.signal_code) == (
        "signal", "SIGQUIT: quit", "SIGQUIT", 0,
    )  # fmt: skip


def test_runtime_header_is_the_first_one_not_the_relays() -> None:
    header = runtime_header(RELAYED)
    assert header is not None
    assert header.signal == "SIGABRT"


def test_a_log_line_that_looks_like_a_header_is_not_one() -> None:
    assert runtime_header("panic: not really\nINFO next line\n") is None
    assert runtime_header("") is None


def test_output_path_is_beside_the_core(tmp_path: Path) -> None:
    assert output_path(tmp_path / "core") == tmp_path / "core.log"
    assert output_path("core.1234") == Path("core.1234.log")


def test_capture_saves_and_echoes_both_streams(tmp_path: Path) -> None:
    echo = io.BytesIO()
    script = "echo to-stdout; echo to-stderr >&2; kill -ABRT $$"
    capture = run_and_capture(["sh", "-c", script], cwd=tmp_path, echo=echo)
    assert capture.core is not None, capture.reason
    assert capture.sent_signal is None
    assert capture.output == output_path(capture.core)
    saved = capture.output.read_text()
    assert "to-stdout\n" in saved
    assert "to-stderr\n" in saved
    assert echo.getvalue().decode() == saved
    assert (capture.stdout, capture.stderr) == ("to-stdout\n", "to-stderr\n")


def test_capture_records_the_signal_it_sent(tmp_path: Path) -> None:
    capture = run_and_capture(
        ["sh", "-c", "echo ready; exec sleep 30"],
        cwd=tmp_path,
        signal_after=0.3,
        signal=signal.SIGABRT,
    )
    assert (capture.sent_signal_name, capture.signal_name) == ("SIGABRT", "SIGABRT")
    assert capture.output is not None
    assert capture.output.read_text() == "ready\n"


@pytest.mark.needs_dlv
def test_capture_of_a_dump_passes_output_through_and_report_confirms_it(
    leg: Leg, cores: CoreFactory, tmp_path: Path
) -> None:
    exe = cores(leg, "healthy").exe
    done = subprocess.run(
        [sys.executable, "-m", "dlvclient", "capture", "--signal-after", "1", "--report",
         "--json", "--dlv", str(leg.dlv), "--", str(exe)],
        cwd=tmp_path, capture_output=True, text=True, timeout=180,
        env={**os.environ, "GOTRACEBACK": "crash"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    # The program's own output, passed through on stderr; then what capture did, in words.
    assert "healthy: ready" in done.stderr
    assert "SIGQUIT: quit" in done.stderr
    assert "was sent SIGQUIT by capture after" in done.stderr
    assert "killed by" not in done.stderr
    kept = tmp_path / "core.log"
    assert f"its output: {kept}" in done.stderr
    assert read_runtime_header(kept) is not None
    report = json.loads(done.stdout)
    assert report["program_output"] == str(kept)
    assert report["reason"]["kind"] == "goroutine_dump"
    assert report["reason"]["runtime_header"] == "SIGQUIT: quit"
    assert report["notes"] == []
