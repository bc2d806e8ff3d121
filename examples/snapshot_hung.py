"""Snapshot a hung service and report on it, without stopping it for longer than the dump.

python snapshot_hung.py 4242                 # the pid of the service
python snapshot_hung.py 4242 --output hung.core --json

Attaches to the process, writes a core, detaches (the service runs on), then reads the core:
how long the service stood still, and which goroutines are blocked where, biggest pile first.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import anyio

import dlvclient
from dlvclient import GoroutineField, GoroutineFilter


async def report(pid: int, core: Path) -> dict[str, object]:
    """Snapshot ``pid`` into ``core``; return what is stuck in it, as data."""
    taken = await dlvclient.snapshot(pid, core)
    async with dlvclient.open_core(taken.executable, taken.core) as client:
        grouped = await client.group_goroutines(
            GoroutineField.USER_LOC, GoroutineFilter.user(), max_members=1
        )
        piles = []
        for group in sorted(grouped.groups, key=lambda g: -g.total):
            (sample,) = grouped.members(group)
            go = client.target_go_version
            waiting = sample.wait_reason_name(go) if sample.wait_reason else ""
            piles.append({"where": group.name, "goroutines": group.total, "waiting": waiting})
        total = len([g async for g in client.goroutines()])
    return {
        "pid": pid,
        "core": taken.core,
        "stopped_seconds": taken.stopped_seconds,
        "goroutines": total,
        "piles": piles,
    }


def text(found: dict[str, object]) -> str:
    lines = [
        f"pid {found['pid']} stood still {found['stopped_seconds']:.3f} s for the snapshot; "
        f"{found['goroutines']} goroutines, these in user code:",
    ]
    for pile in found["piles"]:  # type: ignore[attr-defined]
        waiting = f"  ({pile['waiting']})" if pile["waiting"] else ""
        lines.append(f"{pile['goroutines']:6}  {pile['where']}{waiting}")
    return "\n".join(lines)


async def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pid", type=int, help="the process to snapshot")
    parser.add_argument("--output", help="where to keep the core (default: a temporary file)")
    parser.add_argument("--json", action="store_true", help="print the findings as JSON")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="snapshot-") as scratch:
        core = Path(args.output or Path(scratch) / "core")
        found = await report(args.pid, core)
        if not args.output:
            found["core"] = None  # removed with the scratch directory
    print(json.dumps(found, indent=2) if args.json else text(found))
    return 0


if __name__ == "__main__":
    sys.exit(anyio.run(main, sys.argv[1:]))
