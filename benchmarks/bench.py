"""Measure dlvclient against the raw baseline and the dlv terminal; write docs/performance.md.

Run it through ``benchmarks/run`` (which prepares .venv and the pinned Delve first)::

    benchmarks/run --sizes 1k,10k,100k --runs 3

Each variant of each run is a fresh process (workers.py), timed from outside: from the
moment it is started to the moment it holds the last stack. See README.md for the variants.
"""

from __future__ import annotations

import argparse
import compileall
import datetime
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cores import CACHE, BenchCore, get_core, get_seed_core, go_version, parse_size, size_label

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORKERS = HERE / "workers.py"
DEFAULT_OUTPUT = ROOT / "docs" / "performance.md"

# The order of a run; (f) "rtt" is timed in-process, the others from outside. "cli" and "bt"
# are (h): the command line's report to its first line, next to the terminal's bt.
VARIANTS = ("raw", "async", "sync", "terminal", "report", "waits", "rtt", "cli", "bt")
# (g), on the seed core: the command line's report to its exit, next to the terminal's
# goroutines + goroutine 1 bt. A run of both takes half a second, and one run's figure moves
# by a tenth with the scheduler: they get more runs than the others (--seed-runs).
SEED_VARIANTS = ("cli", "gbt")
SEED_RUNS = 15
TIMED = ("raw", "async", "sync", "terminal", "report", "waits")
LABELS = {
    "raw": "(a) raw socket + json",
    "async": "(b) dlvclient async",
    "sync": "(c) dlvclient.sync",
    "terminal": "(d) dlv terminal",
    "report": "(e) crash_report",
    "waits": "(i) waits",
    "rtt": "(f) GetVersion round trip",
    "cli": "dlvclient report",
    "bt": "dlv terminal bt",
    "gbt": "dlv terminal goroutines + bt",
}

# The targets; judged on the core sizes named here.
TARGET_SIZE = 10_000
BIG_SIZE = 100_000
MAX_ASYNC_OVER_RAW = 1.15
MIN_TERMINAL_OVER_ASYNC = 1.65
MAX_SYNC_OVER_ASYNC = 1.10
MAX_RTT_OVER_RAW = 1.3
MAX_WAITS_OVER_ASYNC = 1.3
MAX_BIG_CLIENT_RSS_MB = 250.0
MAX_CLI_OVER_TERMINAL = 3.5  # (g), on the seed core
MAX_FIRST_LINE_OVER_BT = 5.0  # (h), on the 10k and 100k cores


@dataclass
class VariantRuns:
    """Every run of one variant on one core."""

    seconds: list[float] = field(default_factory=list)
    # The run each of ``seconds`` came from: a failed run leaves no time.
    run_of: list[int] = field(default_factory=list)
    results: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def available(self) -> bool:
        return bool(self.results) and not any(r.get("status") == "n/a" for r in self.results)

    def median(self) -> float | None:
        return statistics.median(self.seconds) if self.seconds else None

    def peak_mb(self, key: str) -> float | None:
        values = [r[key] for r in self.results if r.get(key) is not None]
        return max(values) / 1024 if values else None

    def median_of(self, key: str) -> float | None:
        values = [r[key] for r in self.results if r.get(key) is not None]
        return statistics.median(values) if values else None

    def goroutine_counts(self) -> list[int]:
        return [int(r["goroutines"]) for r in self.results if r.get("goroutines") is not None]


@dataclass
class CoreRuns:
    core: BenchCore
    variants: dict[str, VariantRuns] = field(default_factory=dict)
    # Share of the machine's CPU time that other processes used during the runs: their work
    # shows up in wall times (much less in CPU times), and the report says so.
    foreign: float = 0.0

    def ratio(self, top: str, bottom: str) -> float | None:
        """The median of the runs' own ``top``/``bottom`` ratios.

        The two variants of a run ran a minute apart at most, so how much faster or slower the
        machine was in one run than in another (on a shared host, often 10-20%) cancels out;
        a ratio of the two medians would pair times taken many minutes apart.
        """
        a, b = self.variants[top], self.variants[bottom]
        theirs = dict(zip(b.run_of, b.seconds, strict=True))
        mine = zip(a.run_of, a.seconds, strict=True)
        pairs = [seconds / theirs[run] for run, seconds in mine if theirs.get(run)]
        return statistics.median(pairs) if pairs else None

    def first_line_ratio(self) -> float | None:
        """(h): the report's first line over the terminal's ``bt``."""
        cli, bt = self.variants.get("cli"), self.variants.get("bt")
        a = cli.median_of("first_s") if cli else None
        b = bt.median() if bt else None
        return a / b if a is not None and b else None

    def rtt_ratio(self, top: str = "async_us", bottom: str = "raw_us") -> float | None:
        rtt = self.variants.get("rtt")
        if rtt is None:
            return None
        a, b = rtt.median_of(top), rtt.median_of(bottom)
        return a / b if a is not None and b else None


def run_variant(variant: str, dlv: str, core: BenchCore, runs: VariantRuns, run: int) -> str:
    """One fresh worker process (of run number ``run``); records its time from start to last
    stack, or its error.

    Returns what to show for it on the console.
    """
    argv = [sys.executable, str(WORKERS), variant, dlv, str(core.exe), str(core.core)]
    started = time.monotonic()
    done = subprocess.run(argv, cwd=HERE, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        runs.errors.append(f"exit status {done.returncode}: {done.stderr.strip()[-1500:]}")
        return f"error: {runs.errors[-1]}"
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["t_exit"] = time.monotonic()
    runs.results.append(result)
    if result.get("status") == "n/a":
        return f"n/a ({result.get('why', '')})"
    if "t_last" not in result:  # (f): timed in-process
        return ", ".join(f"{k} {v:.0f} µs" for k, v in result.items() if k.endswith("_us"))
    seconds = result["t_last"] - result.get("t_begin", started)
    runs.seconds.append(seconds)
    runs.run_of.append(run)
    return f"{seconds:.3f} s, {result['goroutines']} goroutines"


def machine_busy_seconds() -> float:
    """CPU seconds all CPUs have spent not idle since boot (the first line of /proc/stat)."""
    with open("/proc/stat") as stat:
        fields = [int(v) for v in stat.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal ...: all but idle and iowait are busy.
    busy = sum(fields[:8]) - fields[3] - fields[4]
    return busy / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    """CPU seconds of this process and of its finished children (workers and their dlv)."""
    me, children = (
        resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def warm_page_cache(core: BenchCore) -> None:
    """Read the core once, so the first variant does not pay for the disk alone."""
    with open(core.core, "rb") as f:
        while f.read(1 << 24):
            pass


def turn(variants: list[str], run: int) -> list[str]:
    """The order of one run: each starts one variant further on, and every other one goes
    backwards, so that no variant always runs just after the same one (a variant's figure
    moves with what ran before it, and (c) used to follow (b) every time)."""
    start = run % len(variants)
    order = variants[start:] + variants[:start]
    return order[::-1] if run % 2 else order


def measure(
    core: BenchCore, dlv: str, variants: list[str], runs: int, *, label: str | None = None
) -> CoreRuns:
    result = CoreRuns(core, {v: VariantRuns() for v in variants})
    warm_page_cache(core)
    busy, own, started = machine_busy_seconds(), own_cpu_seconds(), time.monotonic()
    for run in range(runs):
        for variant in turn(variants, run):
            shown = run_variant(variant, dlv, core, result.variants[variant], run)
            name = label or size_label(core.n)
            print(f"  {name:>5} run {run + 1} {LABELS[variant]:<26} {shown}")
    elapsed = (time.monotonic() - started) * (os.cpu_count() or 1)
    other = machine_busy_seconds() - busy - (own_cpu_seconds() - own)
    result.foreign = max(0.0, other) / elapsed if elapsed > 0 else 0.0
    if result.foreign > 0.1:
        print(
            f"bench: warning: other processes used {result.foreign:.0%} of the CPUs meanwhile; "
            "wall times are noisy"
        )
    return result


# What each timed client does before it starts dlv: the raw client imports the standard library;
# the async client imports anyio and dlvclient, starts its event loop (asyncio and anyio's
# backend are imported then) and reaches open_core (which imports its module).
STARTUP = {
    "raw": "import rawclient",
    "async": "import anyio, dlvclient; dlvclient.open_core; anyio.run(anyio.lowlevel.checkpoint)",
    # (g)'s floor: the least a report made of pydantic models over anyio loads before it can
    # read anything (the event loop, the API models and the report's parts, the validators
    # of the replies and parts a report reads), with the collector paused as the command's.
    "floor": "import gc; gc.disable(); import anyio, dlvclient._codec as c, "
    "dlvclient._models as m, dlvclient._schema as s; anyio.run(anyio.lowlevel.checkpoint); "
    "c.prepare_decoders(m.VersionInfo, m.StateOut, m.StacktraceOut, m.EvalOut, "
    "m.ListFunctionArgsOut, m.DisassembleOut, m.ExamineMemoryOut, m.ListLocalVarsOut, "
    "m.ListGoroutinesOut, s.CrashPart, s.GoroutinesPart); gc.freeze()",
}


def measure_startup(runs: int) -> dict[str, float]:
    """Median seconds from spawning Python to its exit, for what each client does before it
    starts dlv.

    Every timed run pays this before dlv is even started, so it shows how much of (b)'s lead
    over (a) is interpreter start-up and imports rather than reading stacks.
    """
    times: dict[str, list[float]] = {key: [] for key in STARTUP}
    for _ in range(runs):
        for key, code in STARTUP.items():
            started = time.monotonic()
            subprocess.run([sys.executable, "-c", code], cwd=HERE, check=True)
            times[key].append(time.monotonic() - started)
    return {key: statistics.median(values) for key, values in times.items()}


# --- reporting ------------------------------------------------------------------------------------


# The parts whose import time the report shows, each imported after the package itself.
IMPORT_PARTS = (
    "dlvclient",
    "dlvclient._cli",
    "dlvclient._launcher",
    "dlvclient._session",
    "dlvclient.sync",
    "dlvclient._models",
    "dlvclient._client",
    "dlvclient._report",
    "dlvclient._cli_output",
    "dlvclient._elf",
)


def measure_imports(runs: int) -> dict[str, float]:
    """Median cumulative import time (ms) of each part, each in a fresh interpreter."""
    out: dict[str, float] = {}
    for part in IMPORT_PARTS:
        samples = []
        for _ in range(runs):
            done = subprocess.run(
                [sys.executable, "-X", "importtime", "-c", f"import dlvclient, {part}"],
                capture_output=True,
                text=True,
                check=True,
            )
            for line in done.stderr.splitlines():
                fields = [f.strip() for f in line.removeprefix("import time:").split("|")]
                if len(fields) == 3 and fields[2] == part:
                    samples.append(int(fields[1]) / 1000)
        out[part] = statistics.median(samples) if samples else float("nan")
    return out


def _command(argv: list[str]) -> str:
    try:
        return subprocess.run(argv, capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return ""


def machine() -> dict[str, str]:
    """What the numbers were measured on."""
    cpu = "unknown"
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    with open("/proc/meminfo") as info:
        for line in info:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    dlv_version = _command([os.environ.get("DLV", "dlv"), "version"]).splitlines()
    commit = _command(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    dirty = _command(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"])
    import dlvclient

    # A copy of the package elsewhere (PYTHONPATH, to try a patch) must not pass for the checkout.
    package = Path(dlvclient.__file__).resolve().parent
    where = "" if package == ROOT / "dlvclient" else f", from {package}"
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "ram": f"{mem_kb / 1024**2:.1f} GiB",
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "go": go_version(),
        "delve": dlv_version[1].removeprefix("Version: ") if len(dlv_version) > 1 else "?",
        "dlvclient": f"{dlvclient.__version__} ({commit}{', modified' if dirty else ''}{where})",
    }


def _s(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f} s"


def _spread(vr: VariantRuns) -> str:
    """The median, and the range when there were several runs."""
    median = _s(vr.median())
    if len(vr.seconds) < 2:
        return median
    return f"{median} ({min(vr.seconds):.2f}–{max(vr.seconds):.2f})"


def _cpu(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _mb(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f}"


def _x(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}×"


def _verdict(ok: bool | None) -> str:
    return "not measured" if ok is None else ("met" if ok else "**missed**")


def targets(
    measured: dict[int, CoreRuns], seed: CoreRuns | None = None
) -> list[tuple[str, str, str]]:
    """``(target, measured, verdict)`` rows for the issues' targets."""
    rows: list[tuple[str, str, str]] = []
    mid, big = measured.get(TARGET_SIZE), measured.get(BIG_SIZE)
    label = size_label(TARGET_SIZE)

    def ratio(top: str, bottom: str) -> float | None:
        if mid is None or top not in mid.variants or bottom not in mid.variants:
            return None
        return mid.ratio(top, bottom)

    checks = [
        ("(b)/(a) ≤", MAX_ASYNC_OVER_RAW, ratio("async", "raw"), False),
        ("(d)/(b) ≥", MIN_TERMINAL_OVER_ASYNC, ratio("terminal", "async"), True),
        ("(c)/(b) ≤", MAX_SYNC_OVER_ASYNC, ratio("sync", "async"), False),
        ("(f) dlvclient/raw ≤", MAX_RTT_OVER_RAW, mid.rtt_ratio() if mid else None, False),
        ("(i)/(b) ≤", MAX_WAITS_OVER_ASYNC, ratio("waits", "async"), False),
    ]
    for name, bound, value, at_least in checks:
        ok = None if value is None else (value >= bound if at_least else value <= bound)
        rows.append((f"{label}: {name} {bound}", _x(value), _verdict(ok)))

    label = size_label(BIG_SIZE)
    async_runs = big.variants.get("async") if big else None
    rss = async_runs.peak_mb("client_hwm_kb") if async_runs else None
    rows.append(
        (
            f"{label}: (b) client peak RSS < {MAX_BIG_CLIENT_RSS_MB:.0f} MB",
            "n/a" if rss is None else f"{rss:.0f} MB",
            _verdict(None if rss is None else rss < MAX_BIG_CLIENT_RSS_MB),
        )
    )
    report = big.variants.get("report") if big else None
    name = f"{label}: (e) finishes with its buckets"
    if report is None:
        rows.append((name, "n/a", _verdict(None)))
    elif not report.available:
        rows.append((name, "error" if report.errors else "n/a (no crash_report yet)", "n/a"))
    else:
        buckets = report.median_of("buckets")
        shown = "no buckets" if buckets is None else f"{buckets:.0f} buckets"
        rows.append((name, shown, _verdict(bool(buckets) and not report.errors)))
    g = seed.ratio("cli", "gbt") if seed else None
    ok = None if g is None else g <= MAX_CLI_OVER_TERMINAL
    rows.append((f"seed: (g) report / terminal ≤ {MAX_CLI_OVER_TERMINAL}", _x(g), _verdict(ok)))
    for n in (TARGET_SIZE, BIG_SIZE):
        cr = measured.get(n)
        h = cr.first_line_ratio() if cr else None
        ok = None if h is None else h <= MAX_FIRST_LINE_OVER_BT
        name = f"{size_label(n)}: (h) report's first line / terminal bt ≤ {MAX_FIRST_LINE_OVER_BT}"
        rows.append((name, _x(h), _verdict(ok)))
    return rows


def _pair_table(
    title: str,
    intro: str,
    measured: dict[int, CoreRuns],
    sizes: list[int],
    cell: Callable[[VariantRuns], str],
) -> list[str]:
    """A section with one row per core: ``cell`` of each timed variant, "n/a" where it did
    not run."""
    header = "| core | " + " | ".join(LABELS[v] for v in TIMED) + " |"
    rows = ["", f"## {title}", "", intro, "", header, "|---|" + "---:|" * len(TIMED)]
    for n in sizes:
        cells = []
        for v in TIMED:
            vr = measured[n].variants.get(v)
            cells.append("n/a" if vr is None or not vr.available else cell(vr))
        rows.append(f"| {size_label(n)} | " + " | ".join(cells) + " |")
    return rows


def runs_said(measured: dict[int, CoreRuns]) -> str:
    """How many runs each core had, as the report's header says it."""
    runs = {
        n: max((len(vr.results) for vr in cr.variants.values()), default=0)
        for n, cr in measured.items()
    }
    if not runs:
        return ""
    if len(set(runs.values())) == 1:
        each = f"{next(iter(runs.values()))} runs"
    else:
        each = " and ".join(
            f"{count} runs on the {size_label(n)} core" for n, count in runs.items()
        )
    return f"Medians of {each}, the variants in an order that turns from run to run."


def render(
    measured: dict[int, CoreRuns],
    info: dict[str, str],
    startup: dict[str, float] | None = None,
    seed: CoreRuns | None = None,
    imports: dict[str, float] | None = None,
) -> str:
    """docs/performance.md."""
    sizes = sorted(measured)
    out: list[str] = [
        "# Performance",
        "",
        "Generated by `benchmarks/run` (see [benchmarks/README.md](../benchmarks/README.md)); "
        "do not edit by hand, re-run it.",
        "",
        f"Measured {info['date']} on {info['cpu']}, {info['cores']} cores, {info['ram']} RAM, "
        f"{info['os']}; Python {info['python']}, Go {info['go']}, Delve {info['delve']}, "
        f"dlvclient {info['dlvclient']}. {runs_said(measured)}",
        "",
        "Every core is the crash of `benchmarks/program` with N goroutines parked in six "
        "blocking states at recursion depths of 0–71 (a median of ~16 frames per stack, one "
        "in seven deeper than 50); every variant fetches every goroutine's stack at depth 50, "
        "without variables.",
        "",
        "## Wall time: fresh process to last stack",
        "",
        "Median (and range) over the runs.",
        "",
        "| core | goroutines | core file | " + " | ".join(LABELS[v] for v in TIMED) + " |",
        "|---|---:|---:|" + "---:|" * len(TIMED),
    ]
    for n in sizes:
        cr = measured[n]
        counts = cr.variants["raw"].goroutine_counts() if "raw" in cr.variants else []
        cells = []
        for v in TIMED:
            vr = cr.variants.get(v)
            if vr is None:
                cells.append("–")
            elif vr.errors:
                cells.append("error")
            elif not vr.available:
                cells.append("n/a")
            else:
                cells.append(_spread(vr))
        out.append(
            f"| {size_label(n)} | {counts[0] if counts else '?'} | "
            f"{cr.core.core_bytes / 1e6:.0f} MB | " + " | ".join(cells) + " |"
        )
    out += [
        "",
        "## Ratios",
        "",
        "Medians of each run's own ratio (the variants of a run ran a minute apart at most, so "
        "the host's drift from run to run cancels out), as are the targets (g) and (i) below.",
        "",
        "| core | (b)/(a) | (d)/(b) | (c)/(b) |",
        "|---|---:|---:|---:|",
    ]
    for n in sizes:
        cr = measured[n]

        def ratio(top: str, bottom: str, cr: CoreRuns = cr) -> str:
            if top not in cr.variants or bottom not in cr.variants:
                return "–"
            return _x(cr.ratio(top, bottom))

        out.append(
            f"| {size_label(n)} | {ratio('async', 'raw')} | {ratio('terminal', 'async')} | "
            f"{ratio('sync', 'async')} |"
        )
    if startup:
        mid = measured.get(TARGET_SIZE)
        net = None
        if mid and "raw" in mid.variants and "async" in mid.variants:
            a, b = mid.variants["raw"].median(), mid.variants["async"].median()
            if a is not None and b is not None and a > startup["raw"]:
                net = (b - startup["async"]) / (a - startup["raw"])
        out += [
            "",
            "## Start-up",
            "",
            "Interpreter start-up, imports and (for (b)) the event loop's start, paid by every "
            "timed run before dlv is even started (medians of spawning `python -c` to its exit): "
            f"(a)'s `{STARTUP['raw']}` "
            f"{startup['raw']:.3f} s, (b)'s `{STARTUP['async']}` {startup['async']:.3f} s. "
            f"Net of start-up, (b)/(a) on the {size_label(TARGET_SIZE)} core is {_x(net)}.",
        ]
    out += [
        "",
        "## (f) One call's round trip",
        "",
        "Medians of GetVersion calls. The asyncio floor is the least any asyncio client does "
        "(send, wait for the socket in the event loop, read, `json.loads`): what the event "
        "loop costs by itself next to the blocking raw client.",
        "",
        "| core | raw | asyncio floor | dlvclient async | dlvclient.sync | async/raw "
        "| floor/raw | async/floor |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n in sizes:
        cr = measured[n]
        rtt = cr.variants.get("rtt")

        def us(key: str, rtt: VariantRuns | None = rtt) -> str:
            value = rtt.median_of(key) if rtt else None
            return "n/a" if value is None else f"{value:.0f} µs"

        out.append(
            f"| {size_label(n)} | {us('raw_us')} | {us('floor_us')} | {us('async_us')} | "
            f"{us('sync_us')} | {_x(cr.rtt_ratio())} | {_x(cr.rtt_ratio('floor_us'))} | "
            f"{_x(cr.rtt_ratio('async_us', 'floor_us'))} |"
        )
    out += _pair_table(
        "CPU seconds: client process / dlv process",
        "Medians, up to the last stack. CPU time hardly changes when other processes compete "
        "for the machine, so it is the steadier measure of what each variant costs.",
        measured,
        sizes,
        lambda vr: f"{_cpu(vr.median_of('client_cpu_s'))} / {_cpu(vr.median_of('dlv_cpu_s'))}",
    )
    out += _pair_table(
        "Peak RSS (MB): client process / dlv process",
        "The terminal is one process (client and debugger), shown in the dlv column. "
        "The highest of the runs.",
        measured,
        sizes,
        lambda vr: f"{_mb(vr.peak_mb('client_hwm_kb'))} / {_mb(vr.peak_mb('dlv_hwm_kb'))}",
    )
    foreign = ", ".join(f"{size_label(n)}: {measured[n].foreign:.0%}" for n in sizes)
    out += [
        "",
        f"Share of the machine's CPU time used by other processes during the runs: {foreign}. "
        "Much above 0% means other work competed for the CPUs, and wall times are "
        "pessimistic and noisier than CPU times.",
    ]
    out += _first_answer(measured, sizes, seed, startup)
    if imports:
        out += _imports_section(imports)
    out += ["", "## Targets", "", "| target | measured | verdict |", "|---|---:|---|"]
    rows = targets(measured, seed)
    out += [f"| {name} | {value} | {verdict} |" for name, value, verdict in rows]
    out += [
        "",
        "(a) is the limit Delve sets: a plain socket client that pipelines the same requests "
        "and parses replies with `json.loads`. (d) is `dlv core EXE CORE --init FILE` running "
        "`goroutines -t 50` and `exit`. (e) is `crash_report(client)` with its defaults "
        "(stacks 64 deep, bucketed, plus the crash's own analysis). (i) is `waits(client)`: the "
        "same stack pass as (b) plus what names every blocked goroutine's object. (f) is timed "
        "in-process: "
        "the median of 2000 sequential calls per client, the clients taking turns on one "
        "multi-client dlv. (g) and (h) time `dlvclient report EXE CORE` (the command line, a "
        "fresh process) against the dlv terminal with an `--init` file: on the seed core to "
        "its exit, against `goroutines` + `goroutine 1 bt`; on the big cores to its first line "
        "on stdout, against `bt`.",
        "",
    ]
    return "\n".join(out)


def _runs(runs: CoreRuns | None) -> int:
    """How many runs each variant of ``runs`` had (the most any had)."""
    return max((len(vr.results) for vr in runs.variants.values()), default=0) if runs else 0


def _first_answer(
    measured: dict[int, CoreRuns],
    sizes: list[int],
    seed: CoreRuns | None,
    startup: dict[str, float] | None,
) -> list[str]:
    """(g) and (h): how soon the command line answers, next to the terminal."""
    out = [
        "",
        "## (g), (h) The first answer",
        "",
        "`dlvclient report` prints the crash (reason, culprit, backtrace) before it walks every "
        "goroutine's stack for the buckets. Medians (and ranges), fresh processes; on the "
        f"seed core, of {_runs(seed)} runs.",
        "",
        "| core | report: first line | report: exit | terminal | ratio |",
        "|---|---:|---:|---:|---:|",
    ]
    if seed is not None:
        cli, gbt = seed.variants.get("cli"), seed.variants.get("gbt")
        first = cli.median_of("first_s") if cli else None
        out.append(
            f"| seed | {_s(first)} | {_spread(cli) if cli else 'n/a'} | "
            f"{_spread(gbt) if gbt else 'n/a'} (goroutines + bt) | "
            f"(g) {_x(seed.ratio('cli', 'gbt'))} |"
        )
    for n in sizes:
        cr = measured[n]
        cli, bt = cr.variants.get("cli"), cr.variants.get("bt")
        if cli is None or bt is None:
            continue
        out.append(
            f"| {size_label(n)} | {_s(cli.median_of('first_s'))} | {_spread(cli)} | "
            f"{_spread(bt)} (bt) | (h) {_x(cr.first_line_ratio())} |"
        )
    gbt_s = seed.variants["gbt"].median() if seed and "gbt" in seed.variants else None
    if startup and "floor" in startup and gbt_s:
        out += [
            "",
            f"(g)'s floor: `python -c` loading only what any report built of pydantic models "
            f"over anyio must load before it reads a reply (the event loop, the API models, the "
            f"report's parts and the validators a report uses) takes {startup['floor']:.3f} s, "
            f"{_x(startup['floor'] / gbt_s)} the terminal's {gbt_s:.3f} s on the seed core, "
            "before dlv is started, a call made or a line printed.",
        ]
    return out


def _imports_section(imports: dict[str, float]) -> list[str]:
    """What each part of the package costs to import (``python -X importtime``)."""
    out = [
        "",
        "## Import time",
        "",
        "Cumulative import time of each part, in a fresh interpreter after the package itself "
        "(medians of `python -X importtime`): what a regression would show in.",
        "",
        "| module | ms |",
        "|---|---:|",
    ]
    out += [f"| `{name}` | {ms:.1f} |" for name, ms in imports.items()]
    return out


def summary(measured: dict[int, CoreRuns]) -> dict[str, Any]:
    """Machine-readable results (``--json``), used by the smoke test."""
    return {
        size_label(n): {
            variant: {
                "median_s": vr.median(),
                "available": vr.available,
                "errors": vr.errors,
                "results": vr.results,
            }
            for variant, vr in cr.variants.items()
        }
        for n, cr in measured.items()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1k,10k", help="cores to measure (default: 1k,10k)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each variant (default: 3)")
    parser.add_argument(
        "--big-runs",
        type=int,
        help=f"runs on the cores above {size_label(TARGET_SIZE)}, whose runs take minutes "
        "(default: --runs)",
    )
    parser.add_argument(
        "--seed-runs",
        type=int,
        default=SEED_RUNS,
        help=f"runs of (g) on the seed core (default: {SEED_RUNS})",
    )
    parser.add_argument(
        "--variants",
        default=",".join(VARIANTS),
        help=f"which of {','.join(VARIANTS)} to run (default: all)",
    )
    parser.add_argument(
        "--output", type=Path, default=DEFAULT_OUTPUT, help="markdown report to write"
    )
    parser.add_argument("--no-output", action="store_true", help="write no markdown report")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    parser.add_argument(
        "--cache", type=Path, default=CACHE, help=f"where cores are kept (default: {CACHE})"
    )
    args = parser.parse_args(argv)
    try:
        sizes = sorted({parse_size(s) for s in args.sizes.split(",") if s.strip()})
    except ValueError as exc:
        parser.error(f"--sizes: {exc}")
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = sorted(set(variants) - set(VARIANTS))
    if unknown or not variants:
        parser.error(f"--variants: unknown {unknown}; choose from {','.join(VARIANTS)}")
    big_runs = args.runs if args.big_runs is None else args.big_runs
    if min(args.runs, big_runs, args.seed_runs) < 1:
        parser.error("--runs, --big-runs and --seed-runs must be at least 1")
    dlv = os.environ.get("DLV") or str(ROOT / ".tools" / "bin" / "dlv")
    os.environ["DLV"] = dlv
    # An installed package has its bytecode compiled; a checkout run with
    # PYTHONDONTWRITEBYTECODE would compile every module in every fresh process instead.
    compileall.compile_dir(ROOT / "dlvclient", quiet=1)

    measured: dict[int, CoreRuns] = {}
    for n in sizes:
        core = get_core(n, cache=args.cache)
        print(f"bench: core with {n} goroutines: {core.core} ({core.core_bytes / 1e6:.0f} MB)")
        measured[n] = measure(core, dlv, variants, args.runs if n <= TARGET_SIZE else big_runs)
    seed = None
    if "cli" in variants:
        seed_core = get_seed_core(cache=args.cache)
        print(f"bench: the seed core: {seed_core.core} ({seed_core.core_bytes / 1e6:.0f} MB)")
        seed = measure(seed_core, dlv, list(SEED_VARIANTS), args.seed_runs, label="seed")
    imports = measure_imports(max(5, args.runs))
    print(f"bench: import times (ms) {imports}")
    startup = measure_startup(max(5, args.runs))
    print(f"bench: start-up {startup}")
    text = render(measured, machine(), startup, seed, imports)
    print()
    print(text)
    if not args.no_output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text)
        print(f"bench: wrote {args.output}")
    if args.json:
        results = summary(measured)
        if seed is not None:
            results["seed"] = next(iter(summary({0: seed}).values()))
        args.json.write_text(json.dumps(results, indent=1))
    everything = [*measured.values(), *([seed] if seed else [])]
    failed = any(vr.errors for cr in everything for vr in cr.variants.values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
