"""Tests of dlvclient._elf: the checks on the executable and the core made before dlv starts.

They need only Go (no Delve): programs from tests/programs are built and crashed here.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from dlvclient import InvalidTargetError, _elf
from dlvclient._capture import build_go_program, make_core
from dlvclient._elf import check_core, check_executable, check_inputs, check_match

PROGRAMS = Path(__file__).resolve().parent / "programs"
ENV = {**os.environ, "GOTOOLCHAIN": "local"}

# Every test builds and crashes Go programs.
pytestmark = pytest.mark.needs_dlv


@dataclass(frozen=True)
class Built:
    exe: Path  # nilmap, crashed into core
    core: Path
    pie_exe: Path  # nilmap -buildmode=pie, crashed into pie_core
    pie_core: Path
    other_exe: Path  # nilptr: another program
    stripped: Path  # nilmap -ldflags='-s -w'


def _crash(
    name: str, scene: Path, *, pie: bool = False, optimize: bool = False
) -> tuple[Path, Path]:
    scene.mkdir(parents=True, exist_ok=True)
    crash = make_core(PROGRAMS / name, scene, pie=pie, optimize=optimize, env=ENV)
    return crash.exe, crash.core


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("elf")
    exe, core = _crash("nilmap", root / "plain")
    pie_exe, pie_core = _crash("nilmap", root / "pie", pie=True)
    other_exe = build_go_program(PROGRAMS / "nilptr", root / "nilptr", env=ENV)
    stripped = build_go_program(
        PROGRAMS / "nilmap", root / "stripped", extra_flags=["-ldflags=-s -w"], env=ENV
    )
    return Built(exe, core, pie_exe, pie_core, other_exe, stripped)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _patched(src: Path, dst: Path, at: int, data: bytes) -> Path:
    shutil.copyfile(src, dst)
    with open(dst, "r+b") as f:
        f.seek(at)
        f.write(data)
    return dst


def _core_head(core: Path) -> bytes:
    """The core's headers and notes: everything before its memory."""
    with open(core, "rb") as f:
        return f.read(min(s.offset for s in check_core(core).loads))


def _sparse_core(core: Path, dst: Path, patch: tuple[int, bytes] | None = None) -> Path:
    """Copy the core's headers and notes only; its memory reads back as zeros."""
    head = bytearray(_core_head(core))
    if patch is not None:
        head[patch[0] : patch[0] + len(patch[1])] = patch[1]
    with open(dst, "wb") as f:
        f.write(head)
        f.truncate(core.stat().st_size)
    return dst


@pytest.mark.parametrize("pie", [False, True], ids=["exec", "pie"])
def test_matching_pair(built: Built, pie: bool) -> None:
    exe_path, core_path = (built.pie_exe, built.pie_core) if pie else (built.exe, built.core)
    exe, core = check_inputs(str(exe_path), core_path)

    assert (exe.machine, exe.pie, core.machine) == ("amd64", pie, "amd64")
    assert ".debug_info" in exe.debug_sections
    assert exe.go_version is not None
    assert exe.go_version.startswith("go")
    assert exe.go_build_id is not None
    assert exe.gnu_build_id is not None
    buildid = subprocess.run(
        ["go", "tool", "buildid", str(exe_path)], capture_output=True, text=True, env=ENV
    )
    assert exe.go_build_id.value == buildid.stdout.strip()

    assert core.size == core.expected_size
    assert core.loads
    assert core.threads >= 1
    assert (core.signal, core.signal_name) == (6, "SIGABRT")  # GOTRACEBACK=crash aborts
    assert core.program == "nilmap"
    assert core.page_size == 4096
    assert any(m.path == str(exe_path) and m.file_offset == 0 for m in core.files)
    assert core.entry is not None
    assert any(m.start <= core.entry < m.end for m in core.files)


_Case = Callable[[Path, Built], tuple[Path, Path]]
ERRORS: dict[str, tuple[_Case, str]] = {
    "missing exe": (lambda t, b: (t / "nope", b.core), r"^executable \S+/nope does not exist: "),
    "missing core": (lambda t, b: (b.exe, t / "nope"), r"^core file \S+/nope does not exist: "),
    "exe is a dir": (lambda t, b: (t, b.core), r"^executable \S+ is a directory, not a file"),
    "core is a dir": (lambda t, b: (b.exe, t), r"^core file \S+ is a directory, not a file"),
    "empty exe": (lambda t, b: (_write(t / "e", b""), b.core), r"executable \S+ is empty"),
    "empty core": (
        lambda t, b: (b.exe, _write(t / "c", b"")),
        r"core file \S+ is empty \(0 bytes\).*ulimit -c unlimited",
    ),
    "text exe": (
        lambda t, b: (_write(t / "e", b"package main\n"), b.core),
        r"is not an ELF executable \(it looks like a text file\); "
        r"pass the Go program that produced the core$",
    ),
    "text core": (
        lambda t, b: (b.exe, _write(t / "c", b"hello\n")),
        r"core file \S+ is not a core file \(it looks like a text file\)",
    ),
    "zstd core": (
        lambda t, b: (b.exe, _write(t / "c.zst", b"\x28\xb5\x2f\xfd" + bytes(64))),
        r"is a core compressed with zstd, as systemd-coredump stores them: "
        r"decompress it first, with `coredumpctl dump -o FILE` or `zstd -dc \S+ > FILE`",
    ),
    "xz core": (
        lambda t, b: (b.exe, _write(t / "c.xz", b"\xfd7zXZ\x00" + bytes(64))),
        r"is a core compressed with xz",
    ),
    "core as exe": (
        lambda t, b: (b.core, b.exe),
        r"executable \S+ looks like a core file: pass the executable first and the core second",
    ),
    "exe as core": (
        lambda t, b: (b.exe, b.exe),
        r"core file \S+ is an executable, not a core: pass the executable first",
    ),
    "stripped": (
        lambda t, b: (b.stripped, b.core),
        r"was built without debug info .*-ldflags='-s -w' or stripped.*unstripped copy",
    ),
    "32-bit exe": (
        lambda t, b: (_patched(b.exe, t / "e", 4, b"\x01"), b.core),
        r"is a 32-bit ELF file: Delve reads only linux/amd64 and linux/arm64 cores",
    ),
    "riscv exe": (
        lambda t, b: (_patched(b.exe, t / "e", 18, (243).to_bytes(2, "little")), b.core),
        r"is built for RISC-V: Delve reads only linux/amd64 and linux/arm64 cores",
    ),
    "mismatch": (
        lambda t, b: (b.other_exe, b.core),
        r"^the core was not produced by this executable: the core's Go build id is \S+, the "
        r"executable's is \S+; the core came from \S+/nilmap, pid \d+; "
        r"pass the exact binary that crashed \(same build\)$",
    ),
    "pie core, exec exe": (lambda t, b: (b.exe, b.pie_core), r"not produced by this executable"),
    "arm64 core": (
        lambda t, b: (b.exe, _sparse_core(b.core, t / "c", (18, (183).to_bytes(2, "little")))),
        r"core file \S+ is from an arm64 process, but executable \S+ is built for amd64",
    ),
}


@pytest.mark.parametrize("case", ERRORS.values(), ids=ERRORS.keys())
def test_errors(built: Built, tmp_path: Path, case: tuple[_Case, str]) -> None:
    make, pattern = case
    exe, core = make(tmp_path, built)
    with pytest.raises(InvalidTargetError, match=pattern):
        check_inputs(exe, core)


def test_split_debug_info_is_found(
    built: Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_elf, "_DEBUG_DIRS", (tmp_path,))
    gnu = _elf._scan(built.stripped.read_bytes()[:8192], "gnu")
    assert gnu is not None
    debug = tmp_path / ".build-id" / gnu[:2] / f"{gnu[2:]}.debug"
    debug.parent.mkdir(parents=True)
    debug.touch()  # only its existence is checked; Delve reads it
    info = check_executable(built.stripped)
    assert (info.debug_file, info.debug_sections) == (debug, ())


def test_unreadable(built: Built, monkeypatch: pytest.MonkeyPatch) -> None:
    # Root reads anything whatever its mode, so fake the permission check.
    monkeypatch.setattr(os, "access", lambda *args, **kwargs: False)
    with pytest.raises(InvalidTargetError, match=r"is not readable by this user"):
        check_core(built.core)


def test_truncated_core(built: Built, tmp_path: Path) -> None:
    size = built.core.stat().st_size
    with open(built.core, "rb") as src, open(tmp_path / "core", "wb") as dst:
        dst.write(src.read(size // 2))
    with pytest.raises(InvalidTargetError) as raised:
        check_core(tmp_path / "core")
    assert f"is truncated (expected {size} bytes, the file has {size // 2})" in str(raised.value)
    assert "ulimit -c unlimited" in str(raised.value)


def test_rebuilt_since_the_crash(tmp_path: Path) -> None:
    exe, core = _crash("nilptr", tmp_path)
    build_go_program(PROGRAMS / "nilptr", exe, optimize=True, env=ENV)
    with pytest.raises(InvalidTargetError, match="has been rebuilt since the crash"):
        check_inputs(exe, core)


def test_nothing_to_compare_is_not_an_error(built: Built, tmp_path: Path) -> None:
    # Without the first text page in the core (coredump_filter), a match cannot be judged.
    core = check_core(_sparse_core(built.core, tmp_path / "core"))
    check_match(check_executable(built.other_exe), core)


def _bytes_read() -> int:
    """Bytes this process has read so far (0 where the kernel does not account them)."""
    try:
        with open("/proc/self/io") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("rchar:"))
    except OSError:
        return 0


def test_big_core_is_not_read_whole(built: Built) -> None:
    assert built.core.stat().st_size > 30_000_000
    read = _bytes_read()
    check_inputs(built.exe, built.core)
    read = _bytes_read() - read
    assert read < 1 << 20, f"read {read} bytes: the core must not be read whole"


def test_malformed_files_raise_only_invalid_target(built: Built, tmp_path: Path) -> None:
    rnd = random.Random(7)
    exe_bytes = built.exe.read_bytes()
    core_head = _core_head(built.core)
    size = built.core.stat().st_size
    for i in range(300):
        data = bytearray(exe_bytes if i % 2 else core_head)
        for _ in range(rnd.randint(1, 6)):
            data[rnd.randrange(rnd.choice([64, 1024, 4096]))] = rnd.randrange(256)
        path = tmp_path / str(i)
        with open(path, "wb") as f:
            f.write(data[: rnd.choice([len(data), len(data) // 3, 40])])
            if i % 2 == 0:
                f.truncate(size)
        try:
            if i % 2:
                check_match(check_executable(path), check_core(built.core))
            else:
                check_match(check_executable(built.exe), check_core(path))
        except InvalidTargetError:
            pass
        path.unlink()
