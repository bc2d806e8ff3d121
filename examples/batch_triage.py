"""Batch triage: analyse a folder of Go crashes, several at once, into one JSON and one CSV summary.

How cores find their executable: a file named ``NAME.core`` or ``NAME.core.SUFFIX`` (say
``api.core.4711``) is a core of the executable ``NAME`` in the same directory. The folder is
searched recursively, so a flat folder and one folder per crash both work:

    crashes/                        crashes/
      api                             2024-05-01-api/
      api.core.4711                     api
      api.core.4712                     api.core
      worker                          2024-05-02-worker/
      worker.core                       worker
                                        worker.core

Crashes are grouped by fingerprint (the same bug gives the same fingerprint in every core).
A pair that cannot be analysed (executable missing or from another build, core truncated, a
Go release this Delve does not support, too slow...) is recorded with its error, and the rest
of the batch goes on.

    python batch_triage.py crashes/ --out triage/ --jobs 4

writes triage/triage.json and triage/triage.csv and prints the groups, largest first.
"""

from __future__ import annotations

import argparse
import csv
import functools
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import anyio
from pydantic import BaseModel

import dlvclient
from dlvclient import CodeLocation, CrashReport

_CORE_NAME = re.compile(r"(?P<executable>.+)\.core(?:\.[^.]+)?")


@dataclass(frozen=True)
class Pair:
    """An executable and one core it left."""

    executable: Path
    core: Path


class Failure(BaseModel):
    """A pair that could not be analysed, and why."""

    executable: str
    core: str
    error: str  # the exception class, e.g. "InvalidTargetError": what to filter on
    message: str


class Group(BaseModel):
    """Cores of one bug: the same fingerprint."""

    fingerprint: str
    count: int
    kind: str
    message: str
    signal: str | None
    top_user_frame: CodeLocation | None
    cores: list[str]


class Summary(BaseModel):
    """The batch's result, as written to triage.json."""

    folder: str
    analysed: int
    failed: int
    groups: list[Group]
    failures: list[Failure]


def find_pairs(folder: Path) -> list[Pair]:
    """Every core under ``folder`` with the executable its name points to (which may be missing:
    opening the pair then fails with InvalidTargetError, recorded like any other failure)."""
    pairs = []
    for path in sorted(folder.rglob("*.core*")):
        match = _CORE_NAME.fullmatch(path.name)
        if match and path.is_file():
            pairs.append(Pair(path.with_name(match["executable"]), path))
    return pairs


async def triage(
    pairs: list[Pair], *, jobs: int, timeout: float
) -> tuple[dict[Pair, CrashReport], list[Failure]]:
    """Analyse every pair, at most ``jobs`` Delve sessions at a time.

    Returns the reports by pair and the failures. ``timeout`` bounds one pair from start to
    report (a core can be gigabytes; one slow pair must not hold the batch up forever).
    """
    limiter = anyio.CapacityLimiter(jobs)
    reports: dict[Pair, CrashReport] = {}
    failures: list[Failure] = []

    async def analyse(pair: Pair) -> None:
        async with limiter:
            try:
                with anyio.fail_after(timeout):
                    async with dlvclient.open_core(pair.executable, pair.core) as client:
                        reports[pair] = await client.crash_report()
            except (dlvclient.DlvError, TimeoutError) as exc:
                # anyio's deadline raises a bare TimeoutError; dlvclient's own errors, its
                # DlvTimeoutError included, are all DlvError. Anything else is a bug: let it out.
                message = str(exc) or f"no report within {timeout:g} s"
                failures.append(
                    Failure(
                        executable=str(pair.executable),
                        core=str(pair.core),
                        error=type(exc).__name__,
                        message=message,
                    )
                )

    async with anyio.create_task_group() as tg:
        for pair in pairs:
            tg.start_soon(analyse, pair)
    return reports, failures


def summarize(folder: Path, reports: dict[Pair, CrashReport], failures: list[Failure]) -> Summary:
    """Group the reports by fingerprint, largest group first."""
    by_fingerprint: dict[str, list[tuple[Pair, CrashReport]]] = {}
    for pair, report in sorted(reports.items(), key=lambda item: str(item[0].core)):
        by_fingerprint.setdefault(report.fingerprint, []).append((pair, report))
    groups = [
        Group(
            fingerprint=fingerprint,
            count=len(members),
            kind=members[0][1].reason.kind.value,
            message=members[0][1].reason.message,
            signal=members[0][1].reason.signal,
            top_user_frame=members[0][1].top_user_frame,
            cores=[str(pair.core) for pair, _ in members],
        )
        for fingerprint, members in by_fingerprint.items()
    ]
    groups.sort(key=lambda group: (-group.count, group.fingerprint))
    return Summary(
        folder=str(folder),
        analysed=len(reports),
        failed=len(failures),
        groups=groups,
        failures=sorted(failures, key=lambda failure: failure.core),
    )


CSV_COLUMNS = [
    *("fingerprint", "count", "kind", "signal", "message"),
    *("function", "file", "line", "cores", "error"),
]


def write_summary(summary: Summary, out: Path) -> None:
    """triage.json (the whole summary) and triage.csv (a row per group, then per failure)."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "triage.json").write_text(summary.model_dump_json(indent=2) + "\n", encoding="utf-8")
    with (out / "triage.csv").open("w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for group in summary.groups:
            top = group.top_user_frame
            writer.writerow(
                {
                    "fingerprint": group.fingerprint,
                    "count": group.count,
                    "kind": group.kind,
                    "signal": group.signal or "",
                    "message": group.message,
                    "function": top.function if top else "",
                    "file": top.file if top else "",
                    "line": top.line if top else "",
                    "cores": " ".join(group.cores),
                    "error": "",
                }
            )
        for failure in summary.failures:
            error = f"{failure.error}: {failure.message}"
            writer.writerow({"count": 1, "cores": failure.core, "error": error})


def print_summary(summary: Summary) -> None:
    print(f"{summary.analysed} cores in {len(summary.groups)} groups, {summary.failed} failed")
    for group in summary.groups:
        top = group.top_user_frame
        where = f"{top.function} ({Path(top.file).name}:{top.line})" if top else "no user frame"
        print(f"{group.count:5}  {group.kind}: {group.message}")
        print(f"       {where}  [{group.fingerprint[:12]}]")
    for failure in summary.failures:
        print(f"failed: {failure.core}: {failure.error}: {failure.message}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="where the executables and cores are")
    parser.add_argument("--out", type=Path, default=Path("."), help="where to write the summary")
    parser.add_argument(
        "--jobs",
        type=int,
        default=min(4, os.cpu_count() or 1),
        help="Delve sessions at once (each holds a dlv process and its memory)",
    )
    parser.add_argument("--timeout", type=float, default=600, help="seconds allowed per core")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")

    pairs = find_pairs(args.folder)
    if not pairs:
        print(f"no NAME.core files under {args.folder}", file=sys.stderr)
        return 1
    reports, failures = anyio.run(
        functools.partial(triage, pairs, jobs=args.jobs, timeout=args.timeout)
    )
    summary = summarize(args.folder, reports, failures)
    write_summary(summary, args.out)
    print_summary(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
