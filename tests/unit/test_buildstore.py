"""The build-id index of build folders, and debuginfod errors, on system binaries."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from dlvclient._buildstore import fetch_from_debuginfod, find_executable, index_exe_dir
from dlvclient._elf import executable_build_ids
from dlvclient._errors import ExecutableNotFoundError, InvalidTargetError


def _elf_with_gnu_id() -> Path:
    """This Python's interpreter: distributions link their binaries with a GNU build id."""
    interpreter = Path(sys.executable).resolve()
    ids = executable_build_ids(interpreter)
    assert ids is not None, f"{interpreter} is not an ELF executable"
    if ids[1] is None:
        pytest.skip(f"{interpreter} carries no GNU build id")
    return interpreter


def test_index_finds_executables_and_rereads_only_what_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    builds = tmp_path / "builds"
    (builds / "sub").mkdir(parents=True)
    shutil.copy(_elf_with_gnu_id(), builds / "sub" / "prog")
    (builds / "README").write_text("not an executable " * 10)
    first = index_exe_dir(builds)
    assert list(first) == [str(builds / "sub" / "prog")]
    assert first[str(builds / "sub" / "prog")][1]

    reads: list[str] = []
    import dlvclient._buildstore as store

    def counting(path: str) -> object:
        reads.append(path)
        return executable_build_ids(path)

    monkeypatch.setattr(store, "executable_build_ids", counting)
    assert index_exe_dir(builds) == first
    assert reads == []  # nothing changed: nothing read
    (builds / "README").write_text("changed " * 20)
    index_exe_dir(builds)
    assert reads == [str(builds / "README")]


def test_index_of_a_missing_folder_is_a_typed_error(tmp_path: Path) -> None:
    with pytest.raises(ExecutableNotFoundError, match="is not a directory"):
        index_exe_dir(tmp_path / "nope")


def test_unreachable_debuginfod_is_a_typed_error() -> None:
    with pytest.raises(ExecutableNotFoundError, match="no debuginfod server could be asked"):
        fetch_from_debuginfod("ab" * 20, ["http://127.0.0.1:9"], timeout=5)


def test_find_executable_of_a_non_core_is_a_typed_error(tmp_path: Path) -> None:
    (tmp_path / "core").write_bytes(b"\x7fELF" + b"\0" * 100)
    with pytest.raises(InvalidTargetError, match="invalid ELF class"):
        find_executable(tmp_path / "core", [tmp_path])
