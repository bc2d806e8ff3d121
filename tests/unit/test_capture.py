"""dlvclient._capture without Go: core_pattern resolution, finding cores, running programs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dlvclient import _capture
from dlvclient._capture import (
    CaptureError,
    CoreFile,
    CorePipe,
    DumpFacts,
    resolve_core_pattern,
    run_and_capture,
)
from tests.support import PROGRAMS

FACTS = DumpFacts(
    pid=4242,
    cwd=Path("/work/scene"),
    exec_path=Path("/opt/bin/a-very-long-proogram-name"),
    uid=1000,
    gid=100,
    signal=6,
    hostname="box",
    core_limit=2**64 - 1,
    global_pid=97,
)


def exact(pattern: str, facts: DumpFacts = FACTS, *, uses_pid: bool = False) -> Path | None:
    target = resolve_core_pattern(pattern, facts, uses_pid=uses_pid)
    assert isinstance(target, CoreFile)
    return target.path


def globbed(pattern: str, facts: DumpFacts = FACTS) -> str:
    target = resolve_core_pattern(pattern, facts)
    assert isinstance(target, CoreFile)
    assert target.path is None
    return target.glob


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("core", "/work/scene/core"),
        ("/var/crash/core", "/var/crash/core"),
        ("core.%p", "/work/scene/core.4242"),
        ("core.%P", "/work/scene/core.97"),
        ("core-%u-%g", "/work/scene/core-1000-100"),
        ("core.%s", "/work/scene/core.6"),
        ("core.%c", "/work/scene/core.18446744073709551615"),
        ("%h.core", "/work/scene/box.core"),
        ("%e.core", "/work/scene/a-very-long-pro.core"),
        ("%f.core", "/work/scene/a-very-long-proogram-name.core"),
        ("%E.core", "/work/scene/!opt!bin!a-very-long-proogram-name.core"),
        ("100%%-%p", "/work/scene/100%-4242"),
        ("core%", "/work/scene/core"),
        ("dumps/%e/%p", "/work/scene/dumps/a-very-long-pro/4242"),
    ],
)
def test_known_specifiers_resolve_exactly(pattern: str, expected: str) -> None:
    assert exact(pattern) == Path(expected)


def test_hostname_slashes_are_escaped() -> None:
    facts = DumpFacts(pid=1, cwd=Path("/c"), hostname="a/b")
    assert exact("%h", facts) == Path("/c/a!b")


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("core.%t", "/work/scene/core.*"),
        ("core.%i.%I", "/work/scene/core.*.*"),
        ("core.%d", "/work/scene/core.*"),
        ("core.%Z", "/work/scene/core.*"),  # a specifier newer than this code
        ("/tmp/[x]/%e-%t", "/tmp/[[]x]/a-very-long-pro-*"),
    ],
)
def test_unknowable_specifiers_become_wildcards(pattern: str, expected: str) -> None:
    assert globbed(pattern) == expected


def test_unknown_facts_become_wildcards() -> None:
    assert globbed("core.%P.%e.%u", DumpFacts(pid=5, cwd=Path("/c"))) == "/c/core.*.*.*"


def test_core_uses_pid_appends_the_pid_unless_the_pattern_has_it() -> None:
    assert exact("core", uses_pid=True) == Path("/work/scene/core.4242")
    assert exact("core.%p", uses_pid=True) == Path("/work/scene/core.4242")
    assert exact("core.%P", uses_pid=True) == Path("/work/scene/core.97.4242")
    target = resolve_core_pattern("core.%t", FACTS, uses_pid=True)
    assert target == CoreFile(path=None, glob="/work/scene/core.*.4242")


def test_pipes_are_recognised() -> None:
    pattern = "|/usr/lib/systemd/systemd-coredump %P %u %g %s %t %c %h"
    target = resolve_core_pattern(pattern, FACTS, uses_pid=True)
    assert target == CorePipe("/usr/lib/systemd/systemd-coredump %P %u %g %s %t %c %h")
    assert target.is_systemd_coredump
    assert not CorePipe("/usr/share/apport/apport -p%p").is_systemd_coredump


def test_unsupported_pipe_fails_before_running(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(_capture, "read_core_pattern", lambda: ("|/usr/bin/apport %p", False))
    marker = tmp_path / "ran"
    with pytest.raises(CaptureError, match=r"apport.*core_pattern"):
        run_and_capture([sys.executable, "-c", f"open({str(marker)!r}, 'w')"], cwd=tmp_path)
    assert not marker.exists()


def test_wildcard_lookup_takes_the_newest_fresh_match(tmp_path: Path) -> None:
    started = time.time()
    for name, age in (("core.1.7", 3600), ("core.2.7", 0), ("core.3.8", 0), ("core.0.7", 0)):
        (tmp_path / name).write_bytes(b"")
        os.utime(tmp_path / name, (started - age, started - age + (name == "core.2.7")))
    target = resolve_core_pattern("core.%t", DumpFacts(pid=7, cwd=tmp_path), uses_pid=True)
    assert _capture._find_core(target, 7, tmp_path, started) == (tmp_path / "core.2.7", "")


def test_stale_core_is_not_taken(tmp_path: Path) -> None:
    old = tmp_path / "core"
    old.write_bytes(b"")
    os.utime(old, (time.time() - 3600,) * 2)
    target = resolve_core_pattern("core", DumpFacts(pid=7, cwd=tmp_path))
    core, looked = _capture._find_core(target, 7, tmp_path, time.time())
    assert core is None
    assert str(old) in looked


def test_clean_exit_leaves_no_core_and_says_why(tmp_path: Path) -> None:
    capture = run_and_capture([sys.executable, "-c", "print('bye')"], cwd=tmp_path)
    assert capture.returncode == 0
    assert capture.signal is None
    assert capture.core is None
    assert capture.stdout == "bye\n"
    assert capture.reason is not None
    assert "exited with status 0" in capture.reason


def test_program_sees_its_own_argv(tmp_path: Path) -> None:
    capture = run_and_capture(["sh", "-c", 'echo "$0"'], cwd=tmp_path)  # not /usr/bin/sh
    assert capture.stdout == "sh\n"


def test_non_dumping_signal_says_so(tmp_path: Path) -> None:
    capture = run_and_capture(
        ["sleep", "30"], cwd=tmp_path, signal_after=0.1, signal=signal.SIGTERM
    )
    assert capture.signal_name == "SIGTERM"
    assert capture.core is None
    assert capture.reason is not None
    assert "does not dump core" in capture.reason


def test_a_child_reaped_by_someone_else_is_not_taken_for_a_clean_exit() -> None:
    # Popen reports 0 for a child it finds reaped; a capture must not say "exited with 0".
    child = subprocess.Popen([sys.executable, "-c", "import os; os.abort()"])
    os.waitpid(child.pid, 0)  # as a waitpid(-1) elsewhere in the process would
    with pytest.raises(CaptureError, match=r"reaped by someone else"):
        _capture._wait_exit(child, timeout=10, signal_after=None, sig=signal.SIGQUIT)
    child.returncode = -signal.SIGABRT  # reaped above


def test_timeout_kills_the_program(tmp_path: Path) -> None:
    with pytest.raises(CaptureError, match=r"still running after 0\.3 s"):
        run_and_capture(["sleep", "30"], cwd=tmp_path, timeout=0.3)


def test_missing_program_is_reported(tmp_path: Path) -> None:
    with pytest.raises(CaptureError, match="not an executable"):
        run_and_capture(["./nothing-here"], cwd=tmp_path)


def test_seed_lives_in_examples() -> None:
    link = PROGRAMS / "seed"
    assert link.is_symlink()
    assert not Path(link.readlink()).is_absolute()
    assert link.resolve() == (PROGRAMS.parent.parent / "examples" / "seed").resolve()
