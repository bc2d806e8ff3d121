"""Benchmark cores: program/ built and crashed with N goroutines, cached under .cores/.

A core is keyed by N, the Go version and a hash of the program's source, so a new Go or an
edited program makes a new core and nothing stale is ever measured. A crash is captured in
a scratch directory and renamed into place only when complete, so an interrupted run
leaves no half-written entry behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from dlvclient._capture import make_core

HERE = Path(__file__).resolve().parent
PROGRAM = HERE / "program"
SEED = HERE.parent / "examples" / "seed"
CACHE = HERE / ".cores"


@dataclass(frozen=True)
class BenchCore:
    """One cached crash: the executable, its core and how many goroutines it parked."""

    n: int
    exe: Path
    core: Path

    @property
    def core_bytes(self) -> int:
        return self.core.stat().st_size


def go_version(go: str = "go") -> str:
    """``go1.26.8``-style version of the Go on PATH (also the cache key)."""
    out = subprocess.run(
        [go, "env", "GOVERSION"], capture_output=True, text=True, check=True
    ).stdout
    return out.strip()


def _source_hash(program: Path = PROGRAM) -> str:
    digest = hashlib.sha256()
    for name in ("go.mod", "main.go"):
        digest.update((program / name).read_bytes())
    return digest.hexdigest()[:12]


def parse_size(text: str) -> int:
    """``"1k"`` → 1000, ``"100k"`` → 100000, ``"250"`` → 250."""
    text = text.strip().lower()
    scale = 1000 if text.endswith("k") else 1
    number = int(text.removesuffix("k"))
    if number <= 0:
        raise ValueError(f"a core size must be positive, got {text!r}")
    return number * scale


def size_label(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)


def get_core(n: int, *, cache: Path = CACHE, log: bool = True) -> BenchCore:
    """The cached core with ``n`` parked goroutines, building and crashing it if missing."""
    entry = cache / f"{go_version()}-{_source_hash()}" / f"n{n}"
    exe, core = entry / "benchgoroutines", entry / "core"
    if exe.is_file() and core.is_file():
        return BenchCore(n, exe, core)
    probe = cache
    while not probe.exists():
        probe = probe.parent
    free = shutil.disk_usage(probe).free
    # A core holds every goroutine's stack plus the heap: ~15 KB a goroutine, 50 MB at least.
    needed = 50_000_000 + n * 15_000
    if free < 2 * needed:
        raise RuntimeError(
            f"a core with {n} goroutines needs about {needed / 1e9:.1f} GB and only "
            f"{free / 1e9:.1f} GB are free under {cache}"
        )
    scratch = entry.with_name(f"{entry.name}.tmp{os.getpid()}")
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    try:
        if log:
            print(f"bench: building and crashing a core with {n} goroutines", flush=True)
        # GOTOOLCHAIN=local: the go.mod's go line must not make go fetch another toolchain.
        env = {**os.environ, "GOTOOLCHAIN": "local"}
        # The dying runtime prints every goroutine's traceback before it dumps core.
        crash = make_core(
            PROGRAM, scratch, name=exe.name, args=[f"-n={n}"], env=env, timeout=120 + n / 200
        )
        crash.core.rename(scratch / core.name)
        capture = crash.capture
        (scratch / "capture.json").write_text(
            json.dumps({"n": n, "signal": capture.signal_name, "seconds": capture.duration})
        )
        shutil.rmtree(entry, ignore_errors=True)
        scratch.rename(entry)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return BenchCore(n, exe, core)


def get_seed_core(*, cache: Path = CACHE, log: bool = True) -> BenchCore:
    """The seed program's crash (examples/seed, what ``dlvclient demo`` crashes), cached."""
    entry = cache / f"{go_version()}-seed-{_source_hash(SEED)}"
    exe, core = entry / "seed", entry / "core"
    if exe.is_file() and core.is_file():
        return BenchCore(0, exe, core)
    scratch = entry.with_name(f"{entry.name}.tmp{os.getpid()}")
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    try:
        if log:
            print("bench: building and crashing the seed program", flush=True)
        env = {**os.environ, "GOTOOLCHAIN": "local"}
        crash = make_core(SEED, scratch, name=exe.name, env=env)
        crash.core.rename(scratch / core.name)
        shutil.rmtree(entry, ignore_errors=True)
        scratch.rename(entry)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return BenchCore(0, exe, core)
