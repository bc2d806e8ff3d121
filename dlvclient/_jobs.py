"""One core's analysis as a job: what it needs, what it may cost, and its outcome as a record.

A :class:`CoreJob` is plain data, so it can travel to another process or machine (Ray); the
analysis opens the core with Delve and returns a :class:`~dlvclient.CoreRecord`, never raising
for the core's own faults, so a fleet run records the failure and goes on.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import anyio

from ._errors import DlvError
from ._origin import GoBuildInfo
from ._registry import CoreRecord
from ._report import crash_report
from ._session import open_core

__all__ = ["CoreJob", "analyse_core", "analyse_core_sync", "memory_estimate", "program_version"]

# What one dlv holds for a core, from the benchmark (docs/performance.md): a peak RSS of 3.1 GB
# on the 516 MB core of 100k goroutines, 0.33 GB on the 93 MB one of 10k. Six and a half times
# the core covers both with a margin; small cores still cost a dlv's floor.
_DLV_FLOOR = 256 << 20


def memory_estimate(core_size: int) -> int:
    """Bytes one dlv is expected to need for a core of ``core_size`` bytes."""
    return max(_DLV_FLOOR, 13 * core_size // 2)


def program_version(build: GoBuildInfo | None) -> str | None:
    """The version a build says it is: its main module's (``v2.9.25``), else its VCS revision.

    ``go install m@v`` and builds in a tagged checkout (Go 1.24+) stamp the module version;
    other builds in a checkout carry only ``vcs.revision`` (shown as 12 hex digits, ``+dirty``
    when modified). None when the build says neither.
    """
    if build is None:
        return None
    version = build.main.version if build.main else ""
    if version and version != "(devel)":
        return version
    revision = build.settings.get("vcs.revision")
    if not revision:
        return None
    return revision[:12] + ("+dirty" if build.settings.get("vcs.modified") == "true" else "")


@dataclass(frozen=True)
class CoreJob:
    """One core to analyse: what the analysis needs, picklable for another machine."""

    core: str
    size: int
    mtime_ns: int
    executable: str | None
    #: Why no executable was found, when none was.
    error: str | None = None
    dlv: str | None = None
    timeout: float | None = 600.0
    #: The program's own version (see :func:`program_version`), read where the job was made.
    program_version: str | None = None

    @property
    def memory(self) -> int:
        """Bytes to reserve for its dlv."""
        return memory_estimate(self.size)

    def failed(self, error: str) -> CoreRecord:
        """The record of this core when its analysis failed."""
        return CoreRecord(
            self.core, self.size, self.mtime_ns, executable=self.executable, error=error
        )


async def analyse_core(job: CoreJob) -> CoreRecord:
    """Analyse one core; a failure becomes a record with its error, never an exception."""
    if job.executable is None:
        return job.failed(job.error or "no executable")
    try:
        async with open_core(job.executable, job.core, dlv=job.dlv, timeout=job.timeout) as client:
            report = await crash_report(client)
    except DlvError as exc:
        return job.failed(f"{type(exc).__name__}: {exc}")
    top = report.top_user_frame
    return CoreRecord(
        job.core,
        job.size,
        job.mtime_ns,
        executable=job.executable,
        program=Path(job.executable).name,
        program_version=job.program_version,
        go_version=report.go_version,
        build_id=report.build_id or None,
        delve_version=report.delve_version,
        fingerprint=report.fingerprint,
        reason=f"{report.reason.kind.value}: {report.reason.message}",
        location=f"{top.function} {top.file}:{top.line}" if top else None,
        report=report.model_dump_json(),
    )


def analyse_core_sync(job: CoreJob) -> CoreRecord:
    """:func:`analyse_core` in a fresh event loop (for worker processes such as Ray's)."""
    return anyio.run(analyse_core, job)
