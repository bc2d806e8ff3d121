"""The benchmark harness still runs: every variant, on a small core, once (no timings judged).

benchmarks/run measures performance; this only keeps it working as the library changes, so
it checks that each variant ran to the end and saw every goroutine. The harness tolerates a
missing ``crash_report``; when there is one, its buckets must cover every goroutine.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ROOT, require_leg

pytestmark = pytest.mark.needs_dlv

BENCH = ROOT / "benchmarks" / "bench.py"
PARKED = 200


def test_every_variant_runs_and_sees_every_goroutine(tmp_path: Path) -> None:
    leg = require_leg("current")
    results = tmp_path / "results.json"
    done = subprocess.run(
        [
            sys.executable,
            str(BENCH),
            f"--sizes={PARKED}",
            "--runs=1",
            "--seed-runs=1",
            "--no-output",
            f"--json={results}",
            f"--cache={tmp_path / 'cores'}",
        ],
        env={**os.environ, "DLV": str(leg.dlv)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    measured = json.loads(results.read_text())
    variants = measured[str(PARKED)]
    assert set(variants) == {
        "raw", "async", "sync", "terminal", "report", "waits", "rtt", "cli", "bt"
    }  # fmt: skip
    for name, variant in variants.items():
        assert not variant["errors"], (name, variant["errors"])
        assert len(variant["results"]) == 1, name

    # The program parks PARKED goroutines; main and the runtime's own come on top.
    (raw,) = variants["raw"]["results"]
    expected = raw["goroutines"]
    assert PARKED < expected < PARKED + 20
    for name in ("async", "sync", "terminal", "waits"):
        (result,) = variants[name]["results"]
        assert result["goroutines"] == expected, name
        assert result["t_last"] > 0, name
    for name in ("raw", "async", "sync"):
        (result,) = variants[name]["results"]
        assert result["frames"] == raw["frames"], name

    (report,) = variants["report"]["results"]
    if report.get("status") != "n/a":
        assert report["buckets"] > 0
        assert report["report_goroutines"] == expected

    (waits,) = variants["waits"]["results"]
    assert waits["objects"] > 0  # the program's six blocking states

    # (h) the report's first line, and (g) on the seed core, each with its terminal baseline.
    (cli,) = variants["cli"]["results"]
    assert 0 < cli["first_s"] < cli["t_last"] - cli["t_begin"]
    assert cli["goroutines"] == expected
    for name in ("cli", "gbt"):
        (seed,) = measured["seed"][name]["results"]
        assert not measured["seed"][name]["errors"], name
        assert seed["t_last"] > seed["t_begin"], name

    (rtt,) = variants["rtt"]["results"]
    assert all(rtt[key] > 0 for key in ("raw_us", "floor_us", "async_us", "sync_us"))
