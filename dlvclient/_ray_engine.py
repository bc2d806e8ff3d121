"""``dlvclient triage --engine ray``: each core's analysis is a Ray task (``dlvclient[ray]``).

The driver pairs cores with executables and writes the registry; a task only opens the core
with Delve and returns its record, asking Ray for memory according to the core's size. Cores
and builds must be on storage every worker sees at the same paths.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ._errors import DlvError
from ._jobs import CoreJob, analyse_core_sync
from ._registry import CoreRecord

__all__ = ["memory_request", "run_on_ray"]


def _ray() -> Any:
    try:
        return importlib.import_module("ray")  # an optional extra: typed as Any here
    except ImportError:
        raise DlvError(
            "--engine ray needs Ray: pip install 'dlvclient[ray]' (on the driver and every worker)"
        ) from None


def memory_request(wanted: int, nodes: Sequence[Mapping[str, Any]]) -> int:
    """The memory to ask Ray for: ``wanted``, but no more than the largest live node has.

    A task asking more than any node has would wait for ever for one to join.
    """
    largest = max((n["Resources"].get("memory", 0) for n in nodes if n.get("Alive")), default=0)
    return min(wanted, int(largest)) if largest else wanted


def run_on_ray(
    jobs: Sequence[CoreJob], record: Callable[[CoreRecord], None], address: str | None = None
) -> None:
    """Analyse ``jobs`` as Ray tasks on the cluster at ``address`` and ``record`` each result.

    Without ``address`` (and ``$RAY_ADDRESS``), Ray joins the cluster this machine runs or
    starts a local one. Results are recorded as tasks finish, in this process only.
    """
    ray = _ray()
    started_here = not ray.is_initialized()
    if started_here:
        ray.init(address=address, include_dashboard=False, log_to_driver=False)
    try:
        remote = ray.remote(num_cpus=1, max_retries=0)(analyse_core_sync)
        nodes = ray.nodes()
        pending = {}
        for job in jobs:
            if job.executable is None:
                record(job.failed(job.error or "no executable"))
                continue
            memory = memory_request(job.memory, nodes)
            pending[remote.options(memory=memory).remote(job)] = job
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            for ref in ready:
                job = pending.pop(ref)
                try:
                    rec = ray.get(ref)
                except Exception as exc:  # a worker died or Ray refused the task
                    rec = job.failed(f"{type(exc).__name__}: {exc}")
                record(rec)
    finally:
        if started_here:
            ray.shutdown()
