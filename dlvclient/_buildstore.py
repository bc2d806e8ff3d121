"""Finding the executable of a core by build id: in build folders, or from a debuginfod server.

A pipeline keeps builds apart from cores; the core names its program by the build-id notes the
kernel dumped with the program's first page (Go's build id always, a GNU build id when the
program was linked with one: ``-ldflags=-B=gobuildid`` or external linking). Each folder's
index of build ids is kept under ``$DLVCLIENT_HOME/exe-index`` and refreshed file by file when a
file's size or modification time changes; debuginfod downloads land in
``$DLVCLIENT_HOME/debuginfod/ID/executable``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias

from ._elf import StrPath, check_core, core_build_ids, executable_build_ids
from ._errors import ExecutableNotFoundError
from ._home import dlvclient_home, read_json, write_json

__all__ = [
    "DEBUGINFOD_ENV",
    "CoreBuildIds",
    "debuginfod_urls",
    "fetch_from_debuginfod",
    "find_executable",
    "index_exe_dir",
]

DEBUGINFOD_ENV = "DEBUGINFOD_URLS"
_HEX = re.compile(r"[0-9a-f]{2,}")
_FETCH_TIMEOUT = 60.0

#: Executable path -> (Go build id, GNU build id).
Index: TypeAlias = "dict[str, tuple[str | None, str | None]]"


@dataclass(frozen=True)
class CoreBuildIds:
    """The build ids a core carries for the program that crashed."""

    go: str | None
    gnu: str | None
    #: Where the executable was when it crashed (NT_FILE), if the core says.
    path: str | None = None

    @classmethod
    def of(cls, core: StrPath) -> CoreBuildIds:
        """Read them from ``core`` (raises InvalidTargetError when it is not a usable core)."""
        return cls(*core_build_ids(check_core(core)))

    def __bool__(self) -> bool:
        return bool(self.go or self.gnu)

    def __str__(self) -> str:
        parts = [
            f"Go build id {self.go}" if self.go else "",
            f"GNU build id {self.gnu}" if self.gnu else "",
        ]
        return ", ".join(p for p in parts if p) or "no build id"


# --- build folders -------------------------------------------------------------------------------


def _index_file(folder: Path) -> Path:
    digest = hashlib.sha256(os.fsencode(folder)).hexdigest()[:24]
    return dlvclient_home() / "exe-index" / f"{digest}.json"


def index_exe_dir(folder: StrPath) -> Index:
    """Map each ELF executable under ``folder`` (recursively) to its (Go, GNU) build ids.

    Files whose size and modification time are unchanged since the last call are not read
    again; the index is kept in ``$DLVCLIENT_HOME/exe-index``.
    """
    root = Path(os.path.abspath(folder))
    if not root.is_dir():
        raise ExecutableNotFoundError(
            f"--exe-dir {root} is not a directory: pass the folder that holds the builds"
        )
    cache_file = _index_file(root)
    cached = read_json(cache_file)
    old: dict[str, list[object]] = {}
    if isinstance(cached, dict) and cached.get("dir") == str(root):
        old = cached.get("files") or {}
    files: dict[str, list[object]] = {}
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            path = os.path.join(dirpath, name)
            try:
                st = os.stat(path)
            except OSError:
                continue
            if not os.path.isfile(path) or st.st_size < 64:
                continue
            entry = old.get(path)
            if isinstance(entry, list) and entry[:2] == [st.st_mtime_ns, st.st_size]:
                files[path] = entry
                continue
            ids = executable_build_ids(path)
            files[path] = [st.st_mtime_ns, st.st_size, *(ids or (None, None))]
    if files != old:
        with contextlib.suppress(OSError):  # a read-only home costs a rescan next time
            write_json(cache_file, {"dir": str(root), "files": files})
    return {
        path: (entry[2], entry[3])  # type: ignore[misc]
        for path, entry in files.items()
        if entry[2] or entry[3]
    }


def _in_folders(
    ids: CoreBuildIds, folders: Iterable[StrPath], memo: dict[str, Index] | None
) -> Path | None:
    for folder in folders:
        key = os.path.abspath(folder)
        index = memo.get(key) if memo is not None else None
        if index is None:
            index = index_exe_dir(folder)
            if memo is not None:
                memo[key] = index
        for path, (go, gnu) in index.items():
            if (ids.go and go == ids.go) or (ids.gnu and gnu == ids.gnu):
                return Path(path)
    return None


# --- debuginfod ----------------------------------------------------------------------------------


def debuginfod_urls(explicit: Sequence[str] = ()) -> list[str]:
    """The servers to ask: ``explicit``, else ``$DEBUGINFOD_URLS`` (space-separated)."""
    urls = list(explicit) or os.environ.get(DEBUGINFOD_ENV, "").split()
    return [url.rstrip("/") for url in urls if url]


def fetch_from_debuginfod(
    build_id: str, urls: Sequence[str], *, timeout: float = _FETCH_TIMEOUT
) -> Path | None:
    """Download ``/buildid/ID/executable`` from the first server that has it, into the cache.

    Only GNU build ids (hex) are served by debuginfod. Returns None when no server has it; an
    earlier download is reused without asking.
    """
    if not _HEX.fullmatch(build_id):
        return None
    target = dlvclient_home() / "debuginfod" / build_id / "executable"
    if target.is_file():
        return target
    # Imported here: urllib.request costs every command line start-up a few ms (email, http).
    import urllib.error
    import urllib.request

    failures = []
    for url in urls:
        try:
            with urllib.request.urlopen(
                f"{url}/buildid/{build_id}/executable", timeout=timeout
            ) as r:
                target.parent.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".executable.")
                with os.fdopen(fd, "wb") as f:
                    shutil.copyfileobj(r, f)
                os.chmod(tmp, 0o755)
                os.replace(tmp, target)
                return target
        except urllib.error.HTTPError as exc:
            if exc.code != 404:
                failures.append(f"{url}: HTTP {exc.code}")
        except (OSError, ValueError) as exc:
            failures.append(f"{url}: {getattr(exc, 'reason', exc)}")
    if failures and len(failures) == len(urls):
        raise ExecutableNotFoundError(
            f"no debuginfod server could be asked for build id {build_id}: "
            f"{'; '.join(failures)}; check --debuginfod / ${DEBUGINFOD_ENV}",
            build_ids=(build_id,),
        )
    return None


# --- the whole search ----------------------------------------------------------------------------


def _where_it_ran(ids: CoreBuildIds) -> Path | None:
    """The file at the path the program ran from, if it is still that build (or unknowable)."""
    if not ids.path:
        return None
    # The kernel marks a file replaced while the process ran as "PATH (deleted)".
    path = Path(ids.path.removesuffix(" (deleted)"))
    if not path.is_file():
        return None
    theirs = executable_build_ids(path)
    if theirs is None:
        return None
    if not ids:
        return path  # nothing to compare: check_match runs again when the session opens
    same = (ids.go is not None and theirs[0] == ids.go) or (
        ids.gnu is not None and theirs[1] == ids.gnu
    )
    return path if same else None


def find_executable(
    core: StrPath,
    exe_dirs: Sequence[StrPath] = (),
    debuginfod: Sequence[str] = (),
    *,
    ids: CoreBuildIds | None = None,
    memo: dict[str, Index] | None = None,
) -> Path:
    """The executable whose build id matches ``core``'s: in ``exe_dirs``, at the path the
    program ran from, then on debuginfod.

    ``debuginfod`` defaults to ``$DEBUGINFOD_URLS``; ``ids`` are the core's, when already read;
    ``memo`` keeps each folder's index for the next call (one triage run reads each once). Raises
    :class:`~dlvclient.ExecutableNotFoundError` naming the build ids and the places searched.
    """
    ids = ids if ids is not None else CoreBuildIds.of(core)
    known = tuple(i for i in (ids.go, ids.gnu) if i)
    recorded = _where_it_ran(ids)
    if not ids:
        if recorded is not None:
            return recorded
        raise ExecutableNotFoundError(
            f"core {core} carries no build id of its program (its first page was not dumped: "
            "coredump_filter bit 4 must be set, as it is by default): pass the executable",
            build_ids=known,
        )
    found = _in_folders(ids, exe_dirs, memo) or recorded
    urls = debuginfod_urls(debuginfod)
    if found is None and ids.gnu and urls:
        found = fetch_from_debuginfod(ids.gnu, urls)
    if found is not None:
        return found
    searched = [f"--exe-dir {d}" for d in exe_dirs] + [f"debuginfod {u}" for u in urls]
    hint = (
        ""
        if ids.gnu or not urls
        else " (debuginfod serves GNU build ids only: link with -ldflags=-B=gobuildid)"
    )
    raise ExecutableNotFoundError(
        f"no executable with the {ids} of core {core} was found in "
        f"{', '.join(searched) or 'no build store (give --exe-dir DIR or --debuginfod URL)'}"
        f"{hint}: add the folder that holds that build, or pass the executable",
        build_ids=known,
    )
