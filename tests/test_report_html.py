"""The HTML report of real cores, opened in a real headless Chromium: it renders, its stack
toggles open and close on a click, its Blocked on section lists what a hung program's
goroutines wait on, and nothing overflows the page sideways, on a desktop and on a phone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dlvclient._cli_output import reason_lines, report_html
from dlvclient._schema import CrashReport
from tests.chromium import Chromium, Page, find_chromium
from tests.support import CoreFactory, Leg, cli, target

pytestmark = pytest.mark.needs_dlv

WIDTHS = (1280, 375)
# Elements that stick out of the viewport, ignoring what scrolls inside a <pre>.
OUTSIDE = (
    "[...document.querySelectorAll('body *')]"
    ".filter(e => e.getBoundingClientRect().right > innerWidth + 1 && !e.closest('pre'))"
    ".map(e => e.tagName + '.' + e.className + ': ' + e.textContent.slice(0, 60))"
)


def report_files(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, case_args: list[str]
) -> tuple[Path, CrashReport]:
    page = tmp_path / "report.html"
    run = cli(capsys, "report", *case_args, "--json", "--html", page)
    assert run.code == 0, run.err
    return page, CrashReport.model_validate_json(run.out)


def assert_fits(page: Page) -> None:
    width, client = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert width <= client, page.evaluate(OUTSIDE)
    assert page.evaluate(OUTSIDE) == []


def blocked_on(page: Page, report: CrashReport) -> list[list[str]]:
    """The Blocked on rows' cells (waiters, kind, object), checked against the report's waits."""
    shown: list[list[str]] = page.evaluate(
        "[...document.querySelectorAll('tr.wait')].map(r => [...r.cells].map(c => c.innerText))"
    )
    assert len(shown) == len(report.waits)
    for (waiters, kind, cell), obj in zip(shown, report.waits, strict=True):
        assert (int(waiters), kind) == (obj.waiters, obj.kind.value.replace("_", " "))
        if obj.address:
            assert f"at {obj.address:#x}" in cell
        if obj.expression:
            assert f"({obj.expression}" in cell
        if obj.frame is not None:
            assert f"in {obj.frame.function} (" in cell
        assert f" {obj.goroutine_ids[0]}" in cell
        assert all(hint in cell for hint in obj.hints)
    hints = page.evaluate("[...document.querySelectorAll('li.hint')].map(h => h.innerText)")
    assert len(hints) == sum(len(o.hints) for o in report.waits) + len(report.wait_hints)
    assert all(hint.startswith("hint: ") for hint in hints)
    text = page.evaluate("document.body.innerText")
    blocked = sum(o.waiters for o in report.waits)
    summary = f"{blocked} blocked goroutines in {len(report.waits)} groups"
    assert (summary in text) == bool(report.waits)
    return shown


def stack_shown(page: Page, index: int) -> list[bool]:
    """Whether the bucket's <details> is open, and whether its stack can be seen."""
    result: list[bool] = page.evaluate(
        f"(() => {{ const d = document.querySelectorAll('tr.bucket details')[{index}];"
        " const pre = d.querySelector('pre');"
        " return [d.open, pre.checkVisibility() && pre.getBoundingClientRect().height > 0]; })()"
    )
    return result


def toggle(page: Page, index: int) -> list[bool]:
    page.click("tr.bucket details summary", index)
    return stack_shown(page, index)


@pytest.mark.parametrize("program", ["display", "healthy", "waits"])
def test_report_renders_toggles_and_fits(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    chromium: Chromium,
    leg: Leg,
    cores: CoreFactory,
    program: str,
) -> None:
    path, report = report_files(capsys, tmp_path, target(cores(leg, program)))
    for width in WIDTHS:
        page = chromium.page(path, width=width)
        assert report.reason.message in page.evaluate("document.title")
        assert (
            page.evaluate("document.querySelector('h1').textContent")
            == (reason_lines(report.reason)[0])
        )
        assert page.evaluate("document.querySelectorAll('tr.bucket').length") == len(report.buckets)
        text = page.evaluate("document.body.innerText")
        for bucket in report.buckets:  # ids to go on with, and who started them
            assert ", ".join(map(str, bucket.ids[:5])) in text
            if bucket.creator is not None:
                assert f"created by {bucket.creator.function}" in text
        rows = blocked_on(page, report)
        if program == "waits":  # its fixed counts: go-cache's RWMutex first, then the program's
            assert report.waits
            assert [row[:2] for row in rows[:2]] == [["5", "rwmutex"], ["4", "rwmutex"]]
            mutex = next(row for row in rows if row[1] == "mutex")
            assert (mutex[0], "(s.mu, a field of *main.Store)" in mutex[2]) == ("3", True)
        for index in range(min(3, len(report.buckets))):
            assert stack_shown(page, index) == [False, False]
            assert toggle(page, index) == [True, True]
            assert_fits(page)
            assert toggle(page, index) == [False, False]
        assert_fits(page)
        assert page.errors() == []


def test_long_names_wrap_instead_of_overflowing(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    chromium: Chromium,
    leg: Leg,
    cores: CoreFactory,
) -> None:
    _, report = report_files(capsys, tmp_path, target(cores(leg, "display")))
    # An instantiated generic's name, as Go spells it, is one long word.
    long = "example.com/very/long/module/path/pkg.(*Cache[go.shape.struct { Key string; " + (
        "Value example.com/very/long/module/path/pkg.Entry }]).Lookup" * 4
    )
    data = json.loads(report.model_dump_json())
    for frame in [*data["frames"], *(f for b in data["buckets"] for f in b["frames"])]:
        frame["function"] = long if not frame["is_runtime"] else frame["function"]
    frame = {"function": long, "file": "/src/" + "deep/" * 30 + "x.go", "line": 1, "index": 2}
    data["waits"] = [
        {"kind": "select_no_cases", "address": 0xC000123456, "type": long, "waiters": 40,
         "goroutine_ids": list(range(1000000, 1000040)), "frame": frame, "expression": long,
         "expression_owner": long, "hints": ["hint: " + long]},
    ]  # fmt: skip
    data["wait_hints"] = ["hint: " + long]
    page_path = tmp_path / "long.html"
    page_path.write_text(report_html(CrashReport.model_validate(data)), encoding="utf-8")
    for width in WIDTHS:
        page = chromium.page(page_path, width=width)
        assert_fits(page)
        toggle(page, 0)
        assert_fits(page)


def test_chromium_leaves_no_process_behind(chromium: Chromium) -> None:
    binary = find_chromium()
    assert binary is not None  # the fixture would have skipped or failed
    with Chromium(binary) as browser:
        profile = browser.profile
        assert browser.page(Path(__file__), width=800).evaluate("1 + 1") == 2
    left = [
        proc.name
        for proc in Path("/proc").iterdir()
        if proc.name.isdigit() and profile.encode() in _cmdline(proc)
    ]
    assert left == []
    assert not Path(profile).exists()


def _cmdline(proc: Path) -> bytes:
    try:
        return (proc / "cmdline").read_bytes()
    except OSError:  # gone meanwhile
        return b""
