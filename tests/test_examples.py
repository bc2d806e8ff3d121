"""The examples, run the way their readers run them, against real cores of every Delve leg.

Command-line examples run as subprocesses with ``$DLV`` pointing at the leg's Delve; the HTTP
service is driven in-process through Starlette's TestClient. The quickstarts of the README and
of the site run too, in a folder holding ``./main`` and ``core`` as the text says.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from dlvclient import CrashReport, ReasonKind
from dlvclient._capture import build_go_program, run_and_capture
from tests.support import ROOT, CoreCase, CoreFactory, Leg

pytestmark = pytest.mark.needs_dlv

EXAMPLES = ROOT / "examples"


def run_example(
    leg: Leg, script: str, *args: object, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(EXAMPLES / script), *map(str, args)],
        capture_output=True,
        text=True,
        env={**os.environ, "DLV": str(leg.dlv)},
        cwd=cwd,
        timeout=300,
        check=False,
    )


def link(target: Path, link_path: Path) -> None:
    link_path.parent.mkdir(parents=True, exist_ok=True)
    link_path.symlink_to(target)


def require_module(name: str, extra: str) -> ModuleType:
    """Import an optional dependency; missing, it skips the test (fails it under CI)."""
    try:
        return importlib.import_module(name)
    except ImportError:
        message = f"{name} is not installed: pip install -e '.[{extra}]'"
        if os.environ.get("CI", "").lower() not in ("", "0", "false"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


# --- batch_triage.py -----------------------------------------------------------------------------


@pytest.fixture
def crash_folder(leg: Leg, cores: CoreFactory, tmp_path: Path) -> Path:
    """A folder as the example's docstring describes: flat pairs, a nested one, two bad ones."""
    folder = tmp_path / "crashes"
    for name in ("seed", "nilptr", "index"):
        case = cores(leg, name)
        link(case.exe, folder / name)
        link(case.core, folder / f"{name}.core")
    seed = cores(leg, "seed")
    link(seed.core, folder / "seed.core.4712")  # a second core of the same bug
    nilptr = cores(leg, "nilptr")
    link(nilptr.exe, folder / "incident-7" / "server")
    link(nilptr.core, folder / "incident-7" / "server.core")
    (folder / "notes.txt").write_text("not an executable\n")
    link(seed.core, folder / "notes.txt.core")  # the "executable" is a text file
    link(seed.core, folder / "orphan.core")  # no executable at all
    return folder


def test_batch_triage(leg: Leg, crash_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_example(leg, "batch_triage.py", crash_folder, "--out", out, "--jobs", "2")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("5 cores in 3 groups, 2 failed"), result.stdout

    summary = json.loads((out / "triage.json").read_text())
    assert (summary["analysed"], summary["failed"]) == (5, 2)
    groups = {g["top_user_frame"]["function"]: g for g in summary["groups"]}
    assert set(groups) == {"main.Modify", "main.(*Server).Addr", "main.pick"}
    seed = groups["main.Modify"]
    assert seed["count"] == 2
    assert seed["kind"] == ReasonKind.FATAL_ERROR.value
    assert sorted(Path(core).name for core in seed["cores"]) == ["seed.core", "seed.core.4712"]
    assert groups["main.(*Server).Addr"]["count"] == 2  # the flat pair and incident-7
    assert [g["count"] for g in summary["groups"]] == [2, 2, 1]  # largest first
    failures = {Path(f["core"]).name: f for f in summary["failures"]}
    assert set(failures) == {"notes.txt.core", "orphan.core"}
    assert {f["error"] for f in failures.values()} == {"InvalidTargetError"}
    assert "does not exist" in failures["orphan.core"]["message"]

    with (out / "triage.csv").open(newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert [row["count"] for row in rows] == ["2", "2", "1", "1", "1"]
    assert {row["fingerprint"] for row in rows[:3]} == {g["fingerprint"] for g in groups.values()}
    assert all(row["error"].startswith("InvalidTargetError: ") for row in rows[3:])


def test_batch_triage_records_timeouts_and_goes_on(
    leg: Leg, crash_folder: Path, tmp_path: Path
) -> None:
    result = run_example(leg, "batch_triage.py", crash_folder, "--out", tmp_path, "--timeout", 0)
    assert result.returncode == 0, result.stderr
    summary = json.loads((tmp_path / "triage.json").read_text())
    assert summary["analysed"] == 0
    errors = {f["error"] for f in summary["failures"]}
    assert "TimeoutError" in errors, summary["failures"]


def test_batch_triage_without_cores(leg: Leg, tmp_path: Path) -> None:
    result = run_example(leg, "batch_triage.py", tmp_path)
    assert result.returncode == 1
    assert "no NAME.core files" in result.stderr


# --- leak_diff.py --------------------------------------------------------------------------------

_LEAKY_DUMPS: dict[str, tuple[Path, Path, Path]] = {}
_LEAKY_LOCK = threading.Lock()


@pytest.fixture
def leaky(leg: Leg, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """examples/leaky built by the leg's Go, and dumps of it after 5 and after 25 requests."""
    with _LEAKY_LOCK:
        if leg.name not in _LEAKY_DUMPS:
            scene = tmp_path_factory.mktemp(f"leaky-{leg.name}")
            env = {**os.environ, "GOTOOLCHAIN": "local"}
            exe = build_go_program(EXAMPLES / "leaky", scene / "leaky", go=str(leg.go), env=env)
            dumps = []
            for requests in (5, 25):
                cwd = scene / str(requests)
                cwd.mkdir()
                capture = run_and_capture(
                    [str(exe), str(requests)], cwd=cwd, env=env, timeout=60, signal_after=1.0
                )
                assert capture.core is not None, capture.reason
                dumps.append(capture.core)
            _LEAKY_DUMPS[leg.name] = (exe, dumps[0], dumps[1])
        return _LEAKY_DUMPS[leg.name]


def test_leak_diff_finds_the_leak_and_its_go_statement(
    leg: Leg, leaky: tuple[Path, Path, Path]
) -> None:
    exe, before, after = leaky
    result = run_example(leg, "leak_diff.py", exe, before, exe, after)
    assert result.returncode == 1, result.stderr  # something grew
    out = result.stdout
    assert re.search(r"goroutines: (\d+) -> (\d+) \(\+20\)", out), out
    assert "+20 (5 -> 25)  waiting: chan receive" in out
    assert "main.handle  main.go:" in out
    assert re.search(r"started by the go statement in main\.serve \(main\.go:\d+\)", out), out
    assert "main.worker" not in out  # the steady pool did not grow


def test_leak_diff_quiet_when_nothing_grew(leg: Leg, leaky: tuple[Path, Path, Path]) -> None:
    exe, before, after = leaky
    result = run_example(leg, "leak_diff.py", exe, after, exe, before)
    assert result.returncode == 0, result.stderr
    assert "no kind of goroutine grew by 1 or more" in result.stdout
    result = run_example(leg, "leak_diff.py", exe, before, exe, after, "--min-growth", 21)
    assert result.returncode == 0, result.stderr


def test_leak_diff_reports_bad_input(leg: Leg, leaky: tuple[Path, Path, Path]) -> None:
    exe, before, _ = leaky
    result = run_example(leg, "leak_diff.py", exe, before, exe, exe)
    assert result.returncode == 2
    assert result.stderr.startswith("error: core file"), result.stderr


# --- service.py ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def service() -> ModuleType:
    require_module("starlette", "service")
    require_module("python_multipart", "service")
    path = EXAMPLES / "service.py"
    spec = importlib.util.spec_from_file_location("dlvclient_example_service", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def starlette_client(app: Any) -> Any:
    """Starlette's TestClient, which runs on httpx2 (Starlette 1.x) or, deprecated, httpx."""
    if importlib.util.find_spec("httpx2") is None:
        require_module("httpx", "test")
    from starlette.testclient import TestClient

    return TestClient(app)


@pytest.fixture
def http(service: ModuleType, leg: Leg) -> Iterator[Any]:
    with starlette_client(service.create_app(service.Settings(dlv=str(leg.dlv)))) as client:
        yield client


def _upload(http: Any, exe: Path, core: Path) -> Any:
    with exe.open("rb") as executable, core.open("rb") as dump:
        return http.post("/analyse", files={"executable": executable, "core": dump})


def _leftovers() -> set[str]:
    return {p for p in os.listdir(tempfile.gettempdir()) if p.startswith("dlvclient-service-")}


def test_service_answers_with_the_crash_report(http: Any, seed_case: CoreCase) -> None:
    before = _leftovers()
    response = _upload(http, seed_case.exe, seed_case.core)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    report = CrashReport.model_validate_json(response.content)
    assert report.reason.kind is ReasonKind.FATAL_ERROR
    assert report.top_user_frame is not None
    assert report.top_user_frame.function == "main.Modify"
    assert _leftovers() == before  # the uploads are gone with the answer


def test_service_runs_requests_concurrently(http: Any, seed_case: CoreCase) -> None:
    results: list[int] = []

    def one() -> None:
        results.append(_upload(http, seed_case.exe, seed_case.core).status_code)

    threads = [threading.Thread(target=one) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert results == [200, 200, 200]
    health = http.get("/healthz").json()
    assert health == {"sessions": 0, "max_sessions": 2}


def test_service_rejects_bad_input_with_the_error(
    http: Any, seed_case: CoreCase, cores: CoreFactory
) -> None:
    wrong = _upload(http, seed_case.exe, seed_case.exe)
    assert wrong.status_code == 422
    body = wrong.json()
    assert body["error"] == "InvalidTargetError"
    assert "/core is an executable, not a core" in body["message"]
    other = cores(seed_case.leg, "nilptr")
    mismatched = _upload(http, seed_case.exe, other.core)
    assert mismatched.status_code == 422
    assert "not produced by this executable" in mismatched.json()["message"]
    with seed_case.exe.open("rb") as executable:
        missing = http.post("/analyse", files={"executable": executable})
    assert missing.status_code == 400
    assert "'core'" in missing.json()["message"]
    assert http.post("/analyse", json={"executable": "/bin/true"}).status_code == 400


def test_service_limits_time_and_size(service: ModuleType, leg: Leg, seed_case: CoreCase) -> None:
    hurried = service.Settings(dlv=str(leg.dlv), timeout=0.001)
    with starlette_client(service.create_app(hurried)) as http:
        response = _upload(http, seed_case.exe, seed_case.core)
    assert response.status_code == 504
    assert response.json()["error"] == "TimeoutError"
    small = service.Settings(dlv=str(leg.dlv), max_upload_bytes=1 << 20)
    with starlette_client(service.create_app(small)) as http:
        response = _upload(http, seed_case.exe, seed_case.core)
    assert response.status_code == 413


# --- quickstarts ----------------------------------------------------------------------------------

_README_QUICKSTART = re.compile(r"^## Quickstart\n.*?```python\n(?P<code>.*?)```", re.S | re.M)
_FIRST_SNIPPET = re.compile(r"```python\n(?P<code>.*?)```", re.S)


def _quickstarts() -> list[tuple[str, str]]:
    """The README's quickstart and the site's."""
    found = []
    for path, pattern in (
        (ROOT / "README.md", _README_QUICKSTART),
        (ROOT / "docs" / "index.md", _FIRST_SNIPPET),
    ):
        match = pattern.search(path.read_text()) if path.is_file() else None
        if match:
            found.append((str(path.relative_to(ROOT)), match["code"]))
    return found


@pytest.mark.parametrize(("where", "code"), _quickstarts(), ids=[w for w, _ in _quickstarts()])
def test_quickstart_runs(where: str, code: str, seed_case: CoreCase, tmp_path: Path) -> None:
    assert len(code.splitlines()) <= 20, f"{where}: the quickstart is meant to stay short"
    # The folder the text describes: the crashed executable as ./seed (what `dlvclient demo
    # --keep DIR` leaves; ./main on the site's page), its core as ./core.
    link(seed_case.exe, tmp_path / "seed")
    link(seed_case.exe, tmp_path / "main")
    link(seed_case.core, tmp_path / "core")
    script = tmp_path / "quickstart.py"
    script.write_text(code)
    result = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "DLV": str(seed_case.leg.dlv)},
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "fatal_error" in result.stdout
    assert "main.Modify" in result.stdout
