"""Goroutine-leak diff: which kinds of goroutine grew between two dumps, and where they start.

Dump the same program twice, some time apart (a core of a live process: ``dlvclient capture
--signal-after SECONDS -- ./prog``, Delve's ``dump`` command, or SIGQUIT with
``GOTRACEBACK=crash``), then compare:

    python leak_diff.py OLD_EXE OLD_CORE NEW_EXE NEW_CORE [--min-growth N]

Goroutines are bucketed by the functions on their stacks (not lines: a rebuild with unrelated
edits still matches). Each bucket that grew by at least N goroutines is printed with the
``go`` statement that started a sample member, which is usually the line to fix. The exit
status is 1 when something grew, so a soak test can fail on a leak.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import anyio

import dlvclient
from dlvclient import BucketChange, CrashReport

# Function-level buckets: a leaking goroutine can block on different lines of one function.
LEVEL = "function"


def where(location: dlvclient.Location) -> str:
    return f"{location.function_name} ({Path(location.file).name}:{location.line})"


async def report_of(executable: str, core: str) -> CrashReport:
    async with dlvclient.open_core(executable, core) as client:
        return await client.crash_report(similarity=LEVEL)


async def leak_diff(old: tuple[str, str], new: tuple[str, str], min_growth: int) -> int:
    """Print the buckets that grew by ``min_growth`` or more; return how many did."""
    # One core after the other: two large cores open at once would double the peak memory.
    before = await report_of(*old)
    async with dlvclient.open_core(*new) as client:
        after = await client.crash_report(similarity=LEVEL)
        diff = dlvclient.diff_reports(before, after, similarity=LEVEL)
        grown = [c for c in diff.appeared + diff.grew if c.delta >= min_growth]
        grown.sort(key=lambda change: -change.delta)
        # The diff names stacks, not goroutines: the new report's bucket of the same signature
        # holds sample ids, and a goroutine knows the `go` statement that started it.
        samples = {b.signature: b.ids[0] for b in after.buckets if b.ids}
        wanted = {samples[c.signature] for c in grown if c.signature in samples}
        started_at = {g.id: g.go_statement_loc async for g in client.goroutines() if g.id in wanted}

    delta = after.goroutines.total - before.goroutines.total
    print(f"goroutines: {before.goroutines.total} -> {after.goroutines.total} ({delta:+d})")
    for change in grown:
        print_change(change, started_at.get(samples.get(change.signature, 0)))
    if not grown:
        print(f"no kind of goroutine grew by {min_growth} or more")
    return len(grown)


def print_change(change: BucketChange, go_statement: dlvclient.Location | None) -> None:
    state = change.state or "mixed states"
    if change.wait_reason:
        state += f": {change.wait_reason}"
    print(f"\n{change.delta:+d} ({change.old_count} -> {change.new_count})  {state}")
    user_frames = [frame for frame in change.frames if not frame.is_runtime]
    for frame in user_frames[:5]:
        print(f"    {frame.function}  {Path(frame.file).name}:{frame.line}")
    if go_statement is not None and go_statement.function_name:
        print(f"  started by the go statement in {where(go_statement)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old_executable", metavar="OLD_EXE")
    parser.add_argument("old_core", metavar="OLD_CORE")
    parser.add_argument("new_executable", metavar="NEW_EXE")
    parser.add_argument("new_core", metavar="NEW_CORE")
    parser.add_argument(
        "--min-growth", type=int, default=1, help="ignore buckets that grew by fewer goroutines"
    )
    args = parser.parse_args(argv)
    old = (args.old_executable, args.old_core)
    new = (args.new_executable, args.new_core)
    try:
        grown = anyio.run(leak_diff, old, new, args.min_growth)
    except dlvclient.DlvError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 1 if grown else 0


if __name__ == "__main__":
    sys.exit(main())
