"""The command line without a core: help, usage errors, progress, saved reports."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from dlvclient import GoroutineField, _cli
from tests.support import ROOT, cli, loaded_by


def test_help_as_a_program() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "dlvclient", "--help"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0
    for command in ("report", "goroutines", "stack", "eval", "diff", "capture", "demo"):
        assert command in done.stdout
    assert "exit codes:" in done.stdout
    assert "130" in done.stdout


@pytest.mark.parametrize(
    "command", ["report", "goroutines", "stack", "eval", "diff", "capture", "demo"]
)
def test_every_subcommand_has_help(capsys: pytest.CaptureFixture[str], command: str) -> None:
    run = cli(capsys, command, "--help")
    assert run.code == 0
    assert "examples:" in run.out
    assert "exit codes:" in run.out


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["report"],
        ["report", "exe"],
        ["stack", "exe", "core", "not-a-number"],
        ["goroutines", "exe", "core", "--group-by", "label"],
        ["goroutines", "exe", "core", "--group-key", "worker"],
        ["goroutines", "exe", "core", "--user", "--system"],
        ["diff", "a", "b", "c"],
        ["diff", "a", "b", "c", "d", "--reports", "x.json", "y.json"],
        ["report", "exe", "core", "--substitute-path", "no-equals-sign"],
        ["report", "exe", "core", "--timeout", "-1"],
        ["capture"],
        ["no-such-command"],
    ],
)
def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    run = cli(capsys, *argv)
    assert run.code == 2
    assert run.out == ""
    assert "usage:" in run.err


def test_progress_only_on_a_terminal() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    for stream, shown in ((io.StringIO(), False), (Terminal(), True)):
        with _cli._Progress("goroutines", stream) as progress:
            progress(5)
        assert ("goroutines: 5" in stream.getvalue()) is shown


def test_diff_of_bad_report_files(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text('{"not": "a report"}')
    run = cli(capsys, "diff", "--reports", tmp_path / "bad.json", tmp_path / "bad.json")
    assert run.code == 1
    assert "is not a report saved by `dlvclient report --json`" in run.err
    run = cli(capsys, "diff", "--reports", tmp_path / "none.json", tmp_path / "bad.json")
    assert run.code == 1
    assert "cannot read" in run.err


def test_demo_finds_the_seed_in_the_checkout() -> None:
    assert _cli._seed_dir() == ROOT / "examples" / "seed"


def test_similarity_choices_are_the_levels() -> None:
    # The parser names them without importing the models.
    from dlvclient._schema import Similarity

    assert tuple(level.value for level in Similarity) == _cli._SIMILARITY_LEVELS
    assert set(_cli._GROUP_BY.values()) <= set(GoroutineField.__members__)


def test_the_command_line_starts_without_pydantic() -> None:
    assert loaded_by("dlvclient._cli", ["pydantic"]) == []
