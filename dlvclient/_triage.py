"""Triage a fleet's cores into the crash registry: find, pair, analyse concurrently, record.

Each core is paired with its executable by build id (in the core's own folder, the build
folders, where the program ran, then debuginfod), analysed with the Delve that supports its Go
release, and recorded from this one process, so the registry has a single writer whatever runs
the analyses: anyio tasks here (``engine="local"``) or Ray tasks (``engine="ray"``, see
``_ray_engine``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import anyio

from ._buildstore import CoreBuildIds, Index, find_executable
from ._elf import StrPath, is_core_file
from ._errors import DlvError, InvalidArgumentError

if TYPE_CHECKING:
    from ._jobs import CoreJob
    from ._registry import CoreRecord, CrashGroup

# The analysis, the registry and their models are imported by the functions that use them:
# importing dlvclient.sync (which offers triage) must not load them.

__all__ = ["TriageResult", "find_cores", "triage"]

Engine = Literal["local", "ray"]


def find_cores(paths: Sequence[StrPath]) -> list[Path]:
    """The ELF core files among ``paths`` and under the folders in it, sorted, each once."""
    found: set[Path] = set()
    for path in (os.fspath(p) for p in paths):
        if os.path.isdir(path):
            for dirpath, _dirs, names in os.walk(path):
                found.update(
                    Path(dirpath, n).absolute()
                    for n in names
                    if is_core_file(os.path.join(dirpath, n))
                )
        elif is_core_file(path):
            found.add(Path(path).absolute())
        elif not os.path.exists(path):
            raise InvalidArgumentError(f"triage: {path} does not exist: pass core files or folders")
    return sorted(found)


@dataclass
class TriageResult:
    """What one triage run did, and the registry's groups after it."""

    processed: int = 0
    skipped: int = 0
    failed: int = 0
    groups: list[CrashGroup] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        """``{"processed", "skipped", "failed", "groups": [...]}`` for ``triage --json``."""
        return {
            "processed": self.processed,
            "skipped": self.skipped,
            "failed": self.failed,
            "groups": [g.model_dump() for g in self.groups],
            "failures": [{"core": c, "error": e} for c, e in self.failures],
        }


def _pair(
    core: Path,
    exe_dirs: Sequence[StrPath],
    debuginfod: Sequence[str],
    dlv: str | None,
    memo: dict[str, Index],
) -> CoreJob:
    from ._jobs import CoreJob, program_version
    from ._origin import read_build_info

    st = core.stat()
    try:
        ids = CoreBuildIds.of(core)
        # The core's own folder first: executables often sit next to their cores.
        exe = find_executable(core, [core.parent, *exe_dirs], debuginfod, ids=ids, memo=memo)
        build = read_build_info(exe)  # checks the executable, too
    except DlvError as exc:
        return CoreJob(
            str(core),
            st.st_size,
            st.st_mtime_ns,
            None,
            error=f"{type(exc).__name__}: {exc}",
            dlv=dlv,
        )
    version = program_version(build)
    return CoreJob(
        str(core), st.st_size, st.st_mtime_ns, str(exe), dlv=dlv, program_version=version
    )


def default_jobs() -> int:
    """Concurrent analyses by default: one per CPU (memory is bounded separately)."""
    return max(
        1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    )


def available_memory() -> int:
    """MemAvailable from /proc/meminfo, in bytes (a large number where it cannot be read)."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 1 << 40


class _MemoryBudget:
    """Admits analyses while their estimated memory fits; one that fits nowhere runs alone."""

    def __init__(self, total: int) -> None:
        self._free = self._total = total
        self._changed = anyio.Condition()

    async def acquire(self, amount: int) -> int:
        amount = min(amount, self._total)
        async with self._changed:
            while self._free < amount:
                await self._changed.wait()
            self._free -= amount
        return amount

    async def release(self, amount: int) -> None:
        async with self._changed:
            self._free += amount
            self._changed.notify_all()


Progress = Callable[[int, int, int], None]


async def triage(
    paths: Sequence[StrPath],
    *,
    db: StrPath,
    exe_dirs: Sequence[StrPath] = (),
    debuginfod: Sequence[str] = (),
    jobs: int | None = None,
    memory: int | None = None,
    dlv: str | None = None,
    retry_failed: bool = False,
    engine: Engine = "local",
    ray_address: str | None = None,
    progress: Progress | None = None,
) -> TriageResult:
    """Triage the cores under ``paths`` into the registry ``db``; see ``dlvclient triage``.

    Cores already recorded (same path, size and mtime) are skipped, failed ones too unless
    ``retry_failed``. At most ``jobs`` analyses run at once (default: the CPUs) and their
    estimated memory stays within ``memory`` (default: MemAvailable). ``progress(done, total,
    failed)`` is called as cores finish.
    """
    from ._registry import CrashRegistry

    result = TriageResult()
    with CrashRegistry(db) as registry:
        cores = await anyio.to_thread.run_sync(find_cores, paths)
        todo: list[Path] = []
        for core in cores:
            st = core.stat()
            if registry.is_recorded(
                str(core), st.st_size, st.st_mtime_ns, failed_too=not retry_failed
            ):
                result.skipped += 1
            else:
                todo.append(core)

        def record(rec: CoreRecord) -> None:
            registry.record(rec)  # one transaction: an interruption never leaves half a core
            result.processed += 1
            if rec.error is not None:
                result.failed += 1
                result.failures.append((rec.path, rec.error))
            if progress is not None:
                progress(result.processed, len(todo), result.failed)

        memo: dict[str, Index] = {}  # each folder indexed once per run
        pairs = [
            await anyio.to_thread.run_sync(_pair, c, exe_dirs, debuginfod, dlv, memo) for c in todo
        ]
        if engine == "ray":
            from ._ray_engine import run_on_ray

            # Blocking, in this thread: Ray's driver wants the main thread (its signal
            # handlers, Ctrl-C), and the registry is written from here alone.
            run_on_ray(pairs, record, ray_address)
        elif engine == "local":
            await _run_local(pairs, record, jobs or default_jobs(), memory or available_memory())
        else:
            raise InvalidArgumentError(f"engine={engine!r}: choose 'local' or 'ray'")
        result.groups = registry.groups()
    return result


async def _run_local(
    pairs: Sequence[CoreJob], record: Callable[[CoreRecord], None], jobs: int, memory: int
) -> None:
    from ._jobs import analyse_core

    limiter = anyio.CapacityLimiter(jobs)
    budget = _MemoryBudget(memory)

    async def one(job: CoreJob) -> None:
        async with limiter:
            held = await budget.acquire(job.memory)
            try:
                rec = await analyse_core(job)
            finally:
                await budget.release(held)
        record(rec)

    async with anyio.create_task_group() as tg:
        for job in pairs:
            tg.start_soon(one, job)
