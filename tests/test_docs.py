"""The documentation site: it builds strictly and offline, and it cannot drift from the code.

The API reference is generated from docstrings, so every public name needs one; the crash
report's key table is generated from the model and committed, so the committed copy must be
current; Python snippets on the pages must at least compile.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import dlvclient
import dlvclient.sync
from dlvclient import AsyncClient, CrashReport
from dlvclient.sync import Client
from tests.support import ROOT, load_script

DOCS = ROOT / "docs"
# Pages other people own: built and link-checked with the site, but their snippets are theirs.
OTHER_OWNERS = {"cli.md", "errors.md", "reliability.md", "performance.md", "compatibility.md"}


def _load_hook(name: str) -> ModuleType:
    return load_script(DOCS / "_hooks" / f"{name}.py", f"docs_hook_{name}")


def _require_mkdocs() -> None:
    if importlib.util.find_spec("mkdocs") and importlib.util.find_spec("mkdocstrings_handlers"):
        return
    message = "mkdocs is not installed: pip install -e '.[docs]'"
    if os.environ.get("CI", "").lower() not in ("", "0", "false"):  # CI may skip nothing
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def _pages() -> list[Path]:
    return sorted(p for p in DOCS.rglob("*.md") if "_hooks" not in p.parts)


# --- the site --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built with ``mkdocs build --strict`` and every proxy pointing nowhere, so a
    build step that reached for the network would fail here."""
    _require_mkdocs()
    out = tmp_path_factory.mktemp("site")
    nowhere = "http://127.0.0.1:9"
    env = {
        **os.environ,
        **dict.fromkeys(("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"), nowhere),
        "NO_PROXY": "",
        "no_proxy": "",
        "NO_MKDOCS_2_WARNING": "1",
    }
    config = str(ROOT / "mkdocs.yml")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", config, "-d", str(out)],
        capture_output=True,
        text=True,
        env=env,
        cwd=out,  # paths in mkdocs.yml must not depend on where the build runs
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stderr[-6000:]}"
    return out


def test_site_builds_strictly_offline(site: Path) -> None:
    for page in ("index.html", "getting-started/index.html", "api/client/index.html"):
        assert (site / page).is_file(), page


def test_every_client_method_is_in_the_api_reference(site: Path) -> None:
    client_page = (site / "api" / "client" / "index.html").read_text()
    sync_page = (site / "api" / "sync" / "index.html").read_text()
    for name in _public_members(AsyncClient):
        assert f'id="dlvclient.AsyncClient.{name}"' in client_page, name
    for name in _public_members(Client):
        assert f'id="dlvclient.sync.Client.{name}"' in sync_page, name


def test_sync_openers_are_shown_with_their_parameters(site: Path) -> None:
    text = re.sub(r"<[^>]+>", "", (site / "api" / "sync" / "index.html").read_text())
    # Built from the async openers, they would otherwise show as opaque assignments.
    assert "_blocking_session(" not in text
    assert "_blocking(" not in text
    assert "-&gt; AbstractContextManager[Client]" in text
    assert "-&gt; AbstractContextManager[LiveClient]" in text


def test_site_publishes_the_report_json_schema(site: Path) -> None:
    published = json.loads((site / "report.schema.json").read_text())
    assert published == _load_hook("report_schema").report_schema()


def test_links_to_repository_files_become_paths() -> None:
    rewrite = _load_hook("repo_links").rewrite_page
    page_dir = DOCS / "recipes"
    text = (
        "See [the runner](../../benchmarks/run), [`examples/`](../../examples/),"
        " [gone](../../nowhere.md), [FAQ](../faq.md#x), [web](https://example.org/a.md),"
        " [examples/service.py](../../examples/service.py).\n"
        "```\n[kept](../../benchmarks/run)\n```\n"
    )
    assert rewrite(text, page_dir, DOCS, ROOT) == (
        "See the runner (`benchmarks/run`), `examples/`,"
        " [gone](../../nowhere.md), [FAQ](../faq.md#x), [web](https://example.org/a.md),"
        " `examples/service.py`.\n"
        "```\n[kept](../../benchmarks/run)\n```\n"
    )


# --- docstrings ------------------------------------------------------------------------------


def _public_members(cls: type) -> dict[str, Any]:
    """Methods and properties a class itself defines (blocking twins included)."""
    out = {}
    for name, member in vars(cls).items():
        if name.startswith("_"):
            continue
        if isinstance(member, (classmethod, staticmethod)):
            out[name] = member.__func__
        elif isinstance(member, property):
            out[name] = member.fget
        elif inspect.isfunction(member):
            out[name] = member
        elif hasattr(member, "_method"):  # dlvclient.sync's descriptors: the async method
            out[name] = member._method
    return out


def _doc(obj: Any) -> str:
    # A class's own docstring only: inspect.getdoc would borrow a base class's.
    doc = vars(obj).get("__doc__") if isinstance(obj, type) else getattr(obj, "__doc__", None)
    return (doc or "").strip()


@pytest.mark.parametrize("name", [n for n in dlvclient.__all__ if n != "__version__"])
def test_public_name_has_a_docstring(name: str) -> None:
    assert _doc(getattr(dlvclient, name)), f"dlvclient.{name} has no docstring"


@pytest.mark.parametrize("name", dlvclient.sync.__all__)
def test_sync_name_has_a_docstring(name: str) -> None:
    assert _doc(getattr(dlvclient.sync, name)), f"dlvclient.sync.{name} has no docstring"


@pytest.mark.parametrize("cls", [AsyncClient, Client], ids=lambda c: c.__name__)
def test_client_methods_have_docstrings(cls: type) -> None:
    members = _public_members(cls)
    assert members
    assert [name for name, member in members.items() if not _doc(member)] == []


def test_methods_of_public_classes_have_docstrings() -> None:
    undocumented = [
        f"{name}.{member_name}"
        for name in dlvclient.__all__
        if isinstance(getattr(dlvclient, name), type)
        for member_name, member in _public_members(getattr(dlvclient, name)).items()
        if not _doc(member)
    ]
    assert undocumented == []


def test_api_reference_covers_every_public_name() -> None:
    directives = set()
    for page in (DOCS / "api").glob("*.md"):
        directives |= set(re.findall(r"^::: (\S+)$", page.read_text(), re.M))
    public = {f"dlvclient.{n}" for n in dlvclient.__all__ if n != "__version__"}
    public |= {f"dlvclient.sync.{n}" for n in dlvclient.sync.__all__}
    assert sorted(public - directives) == [], "add them to a page under docs/api/"
    assert sorted(directives - public) == [], "not public: export them or drop the directive"


# --- the crash report's JSON contract --------------------------------------------------------

_EXAMPLE = re.compile(
    r'^\?\?\? example "dlvclient report[^"]*"\n\n    ```json\n(.*?)^    ```', re.S | re.M
)


def test_report_schema_page_is_current() -> None:
    hook = _load_hook("report_schema")
    page = hook.PAGE.read_text(encoding="utf-8")
    assert page == hook.refresh(page), "run: python docs/_hooks/report_schema.py"


def test_report_schema_page_lists_every_key() -> None:
    page = (DOCS / "report-schema.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `([^`]+)` \|", page, re.M))
    for key in CrashReport.model_fields:
        assert key in listed, key
    required = {"goroutine_id", "reason.kind", "reason.message", "reason.signal"}
    required |= {"reason.fault_address", "top_user_frame.function", "top_user_frame.file"}
    required |= {"top_user_frame.line", "buckets[].count", "buckets[].frames[].function"}
    required |= {"fingerprint", "go_version", "delve_version"}
    assert required <= listed


def test_report_schema_examples_are_valid_reports() -> None:
    page = (DOCS / "report-schema.md").read_text(encoding="utf-8")
    kinds = set()
    for match in _EXAMPLE.finditer(page):
        text = "\n".join(line.removeprefix("    ") for line in match[1].splitlines())
        report = CrashReport.model_validate_json(text)
        # Every key, at every level, as `report --json` writes it: a new field must show up here.
        assert json.loads(text) == report.model_dump(mode="json")
        kinds.add(report.reason.kind.value)
    assert kinds == {"fatal_error", "goroutine_dump"}  # the seed's crash and a real dump


# --- pages -----------------------------------------------------------------------------------

_PYTHON_BLOCK = re.compile(r"^(?P<indent> *)```python\n(?P<code>.*?)^(?P=indent)```", re.S | re.M)


def _python_blocks() -> list[tuple[str, str]]:
    blocks = []
    for page in _pages():
        if page.name in OTHER_OWNERS:
            continue
        for number, match in enumerate(_PYTHON_BLOCK.finditer(page.read_text()), 1):
            code = "\n".join(
                line.removeprefix(match["indent"]) for line in match["code"].split("\n")
            )
            if "--8<--" not in code:  # included example files are tested as programs
                blocks.append((f"{page.relative_to(DOCS)}#{number}", code))
    return blocks


@pytest.mark.parametrize(("where", "code"), _python_blocks(), ids=[w for w, _ in _python_blocks()])
def test_python_snippets_compile(where: str, code: str) -> None:
    # Snippets show the body of an async function: top-level await is how they read.
    compile(code, where, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)


def test_every_example_is_shown_on_the_site() -> None:
    included = set()
    for page in _pages():
        included |= set(re.findall(r'--8<-- "examples/([^"]+)"', page.read_text()))
    examples = {p.name for p in (ROOT / "examples").glob("*.py")}
    assert sorted(examples - included) == []
