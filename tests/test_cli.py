"""The ``dlvclient`` command line, run in-process and as a program, on real cores."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from dlvclient import _cli
from dlvclient._capture import build_go_program
from tests.support import CoreCase, CoreFactory, Leg, Run, cli, target

pytestmark = pytest.mark.needs_dlv

SEED_LINE = "b[0] = 'H'"
# A frame as dlv's bt prints it: "N  0xPC in function".
BACKTRACE_MODIFY = re.compile(r" *\d+  0x[0-9a-f]{16} in main\.Modify$")


def frame_of(capsys: pytest.CaptureFixture[str], case: CoreCase, function: str) -> int:
    run = cli(capsys, "stack", *target(case), "1", "--json")
    assert run.code == 0, run.err
    names = [frame["function"]["name"] for frame in json.loads(run.out)]
    return names.index(function)


# --- usage ---------------------------------------------------------------------------------------


def test_bad_input_exits_1_with_one_line(
    capsys: pytest.CaptureFixture[str], seed: CoreCase, tmp_path: Path
) -> None:
    run = cli(capsys, "stack", seed.exe, tmp_path / "no-such-core", "1")
    assert run.code == 1
    assert run.out == ""
    assert run.err.startswith("dlvclient: error: ")
    assert run.err.count("\n") == 1
    assert "no-such-core" in run.err
    assert "Traceback" not in run.err


def test_delve_errors_exit_1(capsys: pytest.CaptureFixture[str], seed: CoreCase) -> None:
    run = cli(capsys, "eval", *target(seed), "no_such_variable")
    assert run.code == 1
    assert run.err.startswith("dlvclient: error: ")
    assert "no_such_variable" in run.err


def test_interrupt_exits_130(
    capsys: pytest.CaptureFixture[str], seed: CoreCase, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(_cli, "open_core", interrupted)
    run = cli(capsys, "stack", *target(seed), "1")
    assert run.code == 130
    assert "interrupted" in run.err


# --- goroutines, stack, eval ---------------------------------------------------------------------


def test_goroutines_list(capsys: pytest.CaptureFixture[str], leg: Leg, cores: CoreFactory) -> None:
    goroutines_case = cores(leg, "goroutines")
    run = cli(capsys, "goroutines", *target(goroutines_case))
    assert run.code == 0, run.err
    lines = run.out.splitlines()
    assert lines[-1].startswith("[")
    assert lines[-1].endswith(" goroutines]")
    total = int(lines[-1][1:].split()[0])
    assert total == len(lines) - 1 >= 43
    crashed = [line for line in lines if line.startswith("* Goroutine 1 ")]
    assert len(crashed) == 1
    assert "main.main" in crashed[0]
    assert sum("[chan receive]" in line for line in lines) == 13  # 10 receivers, 3 labelled


def count(run: Run) -> int:
    assert run.code == 0, run.err
    return int(run.out.splitlines()[-1][1:].split()[0])


def test_goroutines_filters(
    capsys: pytest.CaptureFixture[str], leg: Leg, cores: CoreFactory
) -> None:
    goroutines_case = cores(leg, "goroutines")

    def listed(*flags: str) -> int:
        return count(cli(capsys, "goroutines", *target(goroutines_case), *flags))

    everything = listed()
    user, system = listed("--user"), listed("--system")
    assert user + system == everything
    assert system > 0
    assert listed("--location", "main.blockRecv") == 10
    assert listed("--location", "main.blockRecv", "--running") == 0
    assert listed("--running") >= 1
    assert listed("--label", "worker=w2") == 1
    assert listed("--label", "worker") == 3
    assert listed("--start", "main.blockSend") == 5
    assert listed("--go", "main.go") >= 38
    assert listed("--location", "no-such-place") == 0


def test_goroutines_waiting_on_channel(
    capsys: pytest.CaptureFixture[str], leg: Leg, cores: CoreFactory
) -> None:
    goroutines_case = cores(leg, "goroutines")
    main_frame = frame_of(capsys, goroutines_case, "main.main")
    run = cli(
        capsys,
        "goroutines",
        *target(goroutines_case),
        "--waiting-on-channel",
        "recvCh",
        "-g",
        "1",
        "-f",
        str(main_frame),
    )
    if goroutines_case.leg.name == "bookworm":  # Delve 1.20.2 has no such filter
        assert run.code == 1
        assert "needs Delve 1.21.1 or newer" in run.err
    else:
        assert count(run) == 10


def test_goroutines_grouped(
    capsys: pytest.CaptureFixture[str], leg: Leg, cores: CoreFactory
) -> None:
    goroutines_case = cores(leg, "goroutines")
    run = cli(capsys, "goroutines", *target(goroutines_case), "--group-by", "userloc")
    assert run.code == 0, run.err
    blocks = {block.splitlines()[0]: block for block in run.out.split("\n\n")}
    recv = next(block for name, block in blocks.items() if "main.blockRecv" in name)
    assert recv.rstrip().endswith("Total: 10")
    assert recv.count("Goroutine ") == 5  # sample members, as in dlv

    run = cli(
        capsys,
        "goroutines",
        *target(goroutines_case),
        "--group-by",
        "label",
        "--group-key",
        "worker",
        "--json",
    )
    assert run.code == 0, run.err
    groups = {g["name"]: g for g in json.loads(run.out)["groups"]}
    assert groups["worker=w1"]["total"] == 1
    assert groups["worker=w1"]["members"][0]["labels"] == {"worker": "w1"}


def test_goroutines_json(capsys: pytest.CaptureFixture[str], leg: Leg, cores: CoreFactory) -> None:
    goroutines_case = cores(leg, "goroutines")
    run = cli(capsys, "goroutines", *target(goroutines_case), "--user", "--json")
    assert run.code == 0, run.err
    goroutines = json.loads(run.out)
    assert len(goroutines) >= 38
    assert {"id", "current_loc", "user_current_loc", "status", "labels"} <= set(goroutines[0])
    empty = cli(capsys, "goroutines", *target(goroutines_case), "--location", "nowhere", "--json")
    assert json.loads(empty.out) == []


def test_stack(capsys: pytest.CaptureFixture[str], leg: Leg, cores: CoreFactory) -> None:
    seed_case = cores(leg, "seed")
    run = cli(capsys, "stack", *target(seed_case), "1")
    assert run.code == 0, run.err
    lines = run.out.splitlines()
    modify = next(i for i, line in enumerate(lines) if line.endswith(" in main.Modify"))
    number, pc = lines[modify].split()[:2]
    assert number.isdigit()
    assert pc.startswith("0x")
    assert len(pc) == 18
    assert lines[modify + 1].strip() == f"at {seed_case.source_dir.resolve() / 'main.go'}:19"
    assert lines[modify + 2].endswith(" in main.main")

    short = cli(capsys, "stack", *target(seed_case), "1", "--depth", "1")
    assert short.out.count(" in ") == 2
    assert short.out.rstrip().endswith("(truncated)")


def test_stack_full_shows_locals(
    capsys: pytest.CaptureFixture[str], leg: Leg, cores: CoreFactory
) -> None:
    seed_case = cores(leg, "seed")
    run = cli(capsys, "stack", *target(seed_case), "1", "--full")
    assert run.code == 0, run.err
    modify = run.out[run.out.index(" in main.Modify") :]
    assert '    a = "hello"' in modify.split(" in main.main")[0]


def test_eval_in_the_modify_frame(
    capsys: pytest.CaptureFixture[str], leg: Leg, cores: CoreFactory
) -> None:
    seed_case = cores(leg, "seed")
    frame = frame_of(capsys, seed_case, "main.Modify")
    run = cli(capsys, "eval", *target(seed_case), "a", "-g", "1", "-f", str(frame))
    assert run.code == 0, run.err
    assert run.out == '"hello"\n'

    run = cli(capsys, "eval", *target(seed_case), "a", "-f", str(frame), "--json")
    assert run.code == 0, run.err
    variable = json.loads(run.out)
    assert variable["value"] == "hello"
    assert variable["type"] == "string"

    run = cli(capsys, "eval", *target(seed_case), "b", "-f", str(frame))
    assert run.out.startswith("[]uint8 len: 5, cap: 5, [")


# --- capture and demo ----------------------------------------------------------------------------


def test_capture_finds_the_core(
    capsys: pytest.CaptureFixture[str],
    seed: CoreCase,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    exe = build_go_program(seed.source_dir, tmp_path / "seed")
    monkeypatch.chdir(tmp_path)
    run = cli(capsys, "capture", "--json", "--", "./seed")
    assert run.code == 0, run.err
    core = Path(json.loads(run.out)["core"])
    assert core.is_file()
    assert core.parent == tmp_path
    assert f"core: {core}" in run.err
    assert "SIGABRT" in run.err
    assert json.loads(run.out)["exe"] == str(exe)


def test_capture_of_a_program_that_exits_0(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    run = cli(capsys, "capture", "--cwd", tmp_path, "--", "true")
    assert run.code == 3
    assert run.out == ""
    assert "exited with status 0" in run.err
    assert run.err.startswith("dlvclient: error: ")


def test_capture_of_a_missing_program(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    run = cli(capsys, "capture", "--cwd", tmp_path, "--", "./not-there")
    assert run.code == 3
    assert "not-there" in run.err


# --- rendering -----------------------------------------------------------------------------------


# --- report, diff, demo --------------------------------------------------------------------------

CONTRACT_KEYS = {
    "goroutine_id",
    "reason",
    "top_user_frame",
    "frames",
    "goroutines",
    "buckets",
    "fingerprint",
    "go_version",
    "delve_version",
    "build_id",
}


def assert_seed_report(text: str, case: CoreCase) -> None:
    """The text report of the seed crash: reason, backtrace, source with the arrow, buckets."""
    lines = text.splitlines()
    assert lines[0] == "fatal error: fault"
    assert lines[1].startswith("[signal SIGSEGV ")
    assert "crashed in goroutine 1 " in text
    modify = next(i for i, line in enumerate(lines) if BACKTRACE_MODIFY.match(line))
    number = lines[modify].split()[0]
    assert lines[modify + 1].strip() == f"at {case.source_dir.resolve() / 'main.go'}:19"
    assert 'a = "hello"' in [line.strip() for line in lines[modify + 2 : modify + 5]]
    assert any(line.endswith(" in main.main") for line in lines[modify:])
    arrows = [line for line in lines if line.startswith("=>")]
    assert arrows == ["=>   19:\t\t" + SEED_LINE]
    assert f"Source (frame {number}, main.Modify):" in lines
    assert any(line.startswith("Goroutines: 5 ") for line in lines)
    crashed = next(i for i, line in enumerate(lines) if line.endswith("<- crashed"))
    assert "running" in lines[crashed]
    assert "main.Modify  main.go:19" in lines[crashed + 1]


def test_report_text(capsys: pytest.CaptureFixture[str], leg: Leg, cores: CoreFactory) -> None:
    seed_case = cores(leg, "seed")
    run = cli(capsys, "report", *target(seed_case))
    assert run.code == 0, run.err
    assert_seed_report(run.out, seed_case)
    assert run.err == ""  # progress only goes to a terminal


def test_report_json(capsys: pytest.CaptureFixture[str], leg: Leg, cores: CoreFactory) -> None:
    seed_case = cores(leg, "seed")
    run = cli(capsys, "report", *target(seed_case), "--json")
    assert run.code == 0, run.err
    report = json.loads(run.out)
    assert set(report) >= CONTRACT_KEYS
    assert report["goroutine_id"] == 1
    assert report["reason"]["kind"] == "fatal_error"
    assert report["reason"]["message"] == "fault"
    assert report["reason"]["signal"] == "SIGSEGV"
    assert report["top_user_frame"]["function"] == "main.Modify"
    assert report["top_user_frame"]["line"] == 19
    assert report["buckets"][0]["count"] == 1
    assert report["buckets"][0]["frames"]


def test_report_html_is_escaped(
    capsys: pytest.CaptureFixture[str], leg: Leg, cores: CoreFactory, tmp_path: Path
) -> None:
    case = cores(leg, "custom")  # panics with MyErr{Code: 42, Reason: "boom"}: quotes to escape
    page = tmp_path / "report.html"
    run = cli(capsys, "report", *target(case), "--html", page)
    assert run.code == 0, run.err
    assert run.out.startswith("panic: ")  # the text report still goes to stdout
    assert f"html: {page}" in run.err
    text = page.read_text()
    assert text.startswith("<!DOCTYPE html>")
    assert "Reason: &quot;boom&quot;" in text
    assert 'Reason: "boom"' not in text
    assert "<style>" in text
    assert "<script" not in text
    assert "http://" not in text
    assert "https://" not in text
    assert "main.validate" in text


def test_report_json_and_html_together(
    capsys: pytest.CaptureFixture[str], seed: CoreCase, tmp_path: Path
) -> None:
    page = tmp_path / "seed.html"
    run = cli(capsys, "report", *target(seed), "--json", "--html", page)
    assert run.code == 0, run.err
    assert json.loads(run.out)["reason"]["message"] == "fault"  # stdout holds only JSON
    assert "b[0] = &#x27;H&#x27;" in page.read_text()


def test_report_substitute_path(
    capsys: pytest.CaptureFixture[str], seed: CoreCase, tmp_path: Path
) -> None:
    """Sources moved since the build are found through --substitute-path."""
    moved = tmp_path / "moved"
    moved.mkdir()
    (moved / "main.go").write_text((seed.source_dir / "main.go").read_text().upper())
    built_in = str(seed.source_dir.resolve())
    run = cli(capsys, "report", *target(seed), "--substitute-path", f"{built_in}={moved}")
    assert run.code == 0, run.err
    assert "=>   19:\t\tB[0] = 'H'" in run.out


def test_report_as_a_program(seed: CoreCase) -> None:
    """The console script that pyproject.toml installs."""
    script = Path(sys.executable).parent / "dlvclient"
    done = subprocess.run(
        [script, "report", seed.exe, seed.core, "--dlv", seed.leg.dlv],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert_seed_report(done.stdout, seed)


def test_diff_of_cores_and_of_reports(
    capsys: pytest.CaptureFixture[str], leg: Leg, cores: CoreFactory, tmp_path: Path
) -> None:
    seed_case, goroutines_case = cores(leg, "seed"), cores(leg, "goroutines")
    run = cli(capsys, "diff", *target(seed_case)[:2], *target(goroutines_case))
    assert run.code == 0, run.err
    assert run.out.startswith("different crashes\ngoroutines: 5 -> 43 (+38)\n")
    appeared = run.out.split("\nappeared:\n")[1]
    assert appeared.lstrip().startswith("+10 (0 -> 10)")
    assert "main.blockRecv" in appeared.split("\n\n")[0]

    saved = []
    for case in (seed_case, goroutines_case, goroutines_case):
        run = cli(capsys, "report", *target(case), "--json")
        saved.append(tmp_path / f"{len(saved)}.json")
        saved[-1].write_text(run.out)
    run = cli(capsys, "diff", "--reports", saved[1], saved[2])
    assert run.code == 0, run.err
    assert run.out.startswith("same crash (equal fingerprints)\ngoroutines: 43 -> 43 (+0)\n")
    assert "0 appeared, 0 vanished, 0 grew, 0 shrank" in run.out
    run = cli(capsys, "diff", "--reports", saved[0], saved[1], "--json")
    diff = json.loads(run.out)
    assert diff["same_crash"] is False
    assert diff["appeared"][0]["new_count"] == 10


def test_capture_then_report(
    capsys: pytest.CaptureFixture[str], seed: CoreCase, tmp_path: Path
) -> None:
    exe = build_go_program(seed.source_dir, tmp_path / "seed")
    run = cli(capsys, "capture", "--report", "--cwd", tmp_path, "--dlv", seed.leg.dlv, "--", exe)
    assert run.code == 0, run.err
    assert f"core: {tmp_path / 'core'}" in run.err
    assert_seed_report(run.out, seed)


def test_demo(capsys: pytest.CaptureFixture[str], seed: CoreCase, tmp_path: Path) -> None:
    """The README's main job: build the seed program, crash it, report."""
    run = cli(capsys, "demo", "--keep", tmp_path / "scene", "--dlv", seed.leg.dlv)
    assert run.code == 0, run.err
    assert (tmp_path / "scene" / "seed").is_file()
    assert f"core: {tmp_path / 'scene' / 'core'}" in run.err
    assert "=>   19:\t\t" + SEED_LINE in run.out
    assert "fatal error: fault" in run.out
