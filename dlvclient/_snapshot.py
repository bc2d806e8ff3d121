"""Snapshots: a core of a running process, taken by attaching, dumping and detaching."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import anyio

from ._errors import InvalidArgumentError
from ._launch import DlvOptions, attach

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._models import DumpState
    from ._schema import SnapshotReport

__all__ = ["snapshot"]


def _process_executable(pid: int) -> str:
    try:
        return os.readlink(f"/proc/{pid}/exe").removesuffix(" (deleted)")
    except OSError:
        return ""


def _paths(
    pid: int, path: str | os.PathLike[str], executable: str | os.PathLike[str] | None
) -> tuple[Path, str]:
    """The core's absolute path (checked) and the executable to open it with."""
    core = Path(os.path.abspath(path))
    if core.is_dir():
        raise InvalidArgumentError(f"{core} is a directory; give the path of the core to write")
    if not core.parent.is_dir():
        raise InvalidArgumentError(f"the directory of {core} does not exist; create it first")
    exe = os.path.abspath(executable) if executable is not None else _process_executable(pid)
    return core, exe


async def snapshot(
    pid: int,
    path: str | os.PathLike[str],
    *,
    executable: str | os.PathLike[str] | None = None,
    progress: Callable[[DumpState], object] | None = None,
    timeout: float | None = 600.0,
    **options: Unpack[DlvOptions],
) -> SnapshotReport:
    """Write a core of the running process ``pid`` to ``path`` and let it run on.

    Delve attaches (the process stops), dumps it (``progress`` gets each poll's
    :class:`DumpState`) and detaches; the process then continues as if nothing happened,
    except for the pause the report measures. The core opens with :func:`open_core` and
    the report's ``executable``. Attach refusals raise :class:`AttachError`; a failed dump,
    :class:`DumpError`; on a cancellation the dump is cancelled and the process detached.
    ``timeout`` bounds each call and the dump; the other options are :class:`DlvOptions`.
    """
    core, exe = await anyio.to_thread.run_sync(_paths, pid, path, executable)
    began = time.monotonic()
    async with attach(pid, executable, timeout=timeout, **options) as client:
        dump_began = time.monotonic()
        state = await client.dump(core, progress=progress, timeout=timeout)
        dump_seconds = time.monotonic() - dump_began
        await client.detach(kill=False)
        stopped = time.monotonic() - began
        version = str(client.server_version or "unknown")
    # Imported here, after the process runs on: importing an opener must not load the models.
    from ._schema import SnapshotReport

    return SnapshotReport(
        pid=pid,
        core=str(core),
        executable=exe,
        core_bytes=(await anyio.Path(core).stat()).st_size,
        stopped_seconds=round(stopped, 4),
        dump_seconds=round(dump_seconds, 4),
        delve_version=version,
        threads=state.threads_total,
        memory_bytes=state.mem_total,
    )
