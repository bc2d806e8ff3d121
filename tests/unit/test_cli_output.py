"""The CLI's text and HTML renderings of reports (dlvclient._cli_output), on made-up reports."""

from __future__ import annotations

from dlvclient._cli_output import crash_text, facts_text, goroutines_text, report_html, report_text
from dlvclient._schema import CrashPart, CrashReport, GoroutinesPart


def made_up_report(message: str, **changes: object) -> CrashReport:
    """A report as crash_report returns it, without a core."""
    frame = {"function": "main.<lambda>", "file": "/src/a&b/main.go", "line": 3}
    data: dict[str, object] = {
        "goroutine_id": 7,
        "reason": {"kind": "panic", "message": message},
        "top_user_frame": frame,
        "frames": [
            {
                **frame,
                "pc": 0x401000,
                "is_runtime": False,
                "locals": [{"name": "s", "type": "string", "value": '"</pre>"'}],
                "source": [{"line": 3, "text": '\tpanic("<script>")'}],
            }
        ],
        "goroutines": {"total": 1, "by_status": {"running": 1}, "by_wait_reason": {}},
        "similarity": "exact",
        "buckets": [],
        "fingerprint": "f" * 32,
        "go_version": "1.26.8",
        "delve_version": "1.27.2",
        "build_id": None,
        **changes,
    }
    return CrashReport.model_validate(data)


def test_html_escapes_everything() -> None:
    page = report_html(made_up_report("<script>alert('x')</script> & more"))
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; more" in page
    assert "main.&lt;lambda&gt;" in page
    assert "/src/a&amp;b/main.go" in page
    assert "&quot;&lt;/pre&gt;&quot;" in page
    assert "<script" not in page
    assert page.count("<pre") == page.count("</pre>")


def test_text_of_reports_without_a_crash_or_goroutine() -> None:
    text = report_text(
        made_up_report(
            "",
            reason={"kind": "none", "message": ""},
            goroutine_id=None,
            top_user_frame=None,
            frames=[],
        )
    )
    assert text.startswith("no crash: ")
    assert "crashed" not in text
    assert "Backtrace:" not in text
    signal = made_up_report(
        "SIGQUIT: quit",
        reason={"kind": "signal", "message": "SIGQUIT: quit", "signal": "SIGQUIT"},
        goroutine_id=None,
    )
    assert report_text(signal).startswith(
        "SIGQUIT: quit\n\ncrashed in a system stack (no goroutine), in main."
    )


def test_text_folds_deep_recursion() -> None:
    frames = [
        {
            "function": "main.f",
            "file": "/src/f.go",
            "line": 9,
            "pc": 0x401000 + i,
            "is_runtime": False,
        }
        for i in range(10)
    ]
    text = report_text(made_up_report("boom", frames=frames))
    backtrace = text.split("Backtrace:\n")[1].split("\n\n")[0]
    numbers = [line.split()[0] for line in backtrace.splitlines() if line[0].isdigit()]
    assert numbers == ["0", "1", "9"]
    assert "   ... 7 more frames of main.f\n9  0x" in backtrace


def test_a_bucket_shows_its_culprit_below_the_frames_it_shows() -> None:
    def frame(function: str, kind: str) -> dict[str, object]:
        return {"function": function, "file": f"/src/{kind}.go", "line": 1,
                "is_runtime": kind == "runtime",
                "origin": {"kind": kind, "package": function.rsplit(".", 1)[0]}}  # fmt: skip

    stack = [
        frame("runtime.gopark", "runtime"),
        frame("sync.(*Mutex).Lock", "stdlib"),
        frame("example.com/dep.(*Limiter).reserveN", "dependency"),
        frame("example.com/dep.(*Limiter).AllowN", "dependency"),
        frame("example.com/dep.(*Limiter).Allow", "dependency"),
        frame("main.poll", "main"),
    ]
    bucket = {"signature": "0" * 16, "level": "exact", "count": 3, "ids": [4, 5, 6],
              "ids_truncated": False, "state": "waiting", "wait_reason": "sync.Mutex.Lock",
              "frames": stack, "crashed": False, "runtime": False,
              "creator": frame("main.main", "main")}  # fmt: skip
    text = report_text(made_up_report("boom", buckets=[bucket]))
    shown = text.split("Goroutines: ", 1)[1].splitlines()[1:7]
    assert [line.split()[0] for line in shown] == [
        "3",
        "sync.(*Mutex).Lock",
        "example.com/dep.(*Limiter).reserveN",
        "...",
        "main.poll",
        "created",
    ]
    assert shown[-1].strip() == "created by main.main at main.go:1"
    assert "goroutines 4, 5, 6" in text
    assert "main.poll" in report_html(made_up_report("boom", buckets=[bucket]))


def test_the_text_report_is_its_parts_in_order() -> None:
    report = made_up_report("boom", notes=["pid: not in this core"])
    parts = (crash_text(report), goroutines_text(report), facts_text(report))
    assert report_text(report) == "\n\n".join(parts)
    assert parts[2].endswith("note: pid: not in this core")


def test_a_report_is_made_of_its_parts() -> None:
    report = made_up_report("boom", notes=["build id: none"])
    crash = CrashPart.model_validate(report.model_dump(include=set(CrashPart.model_fields)))
    goroutines = GoroutinesPart.model_validate(
        {**report.model_dump(include=set(GoroutinesPart.model_fields)), "notes": ["waits: x"]}
    )
    made = CrashReport.of(crash, goroutines)
    assert made.notes == ["build id: none", "waits: x"]
    assert made.model_dump(exclude={"notes"}) == report.model_dump(exclude={"notes"})


def test_html_has_the_blocked_on_section_escaped() -> None:
    mutex = {"kind": "mutex", "address": 0xC000012345, "type": "sync.Mutex", "waiters": 11,
             "goroutine_ids": list(range(20, 31)), "wait_reason": "sync.Mutex.Lock",
             "frame": {"function": "main.(*Store[<T>]).Get", "file": "/src/a&b/store.go",
                       "line": 31, "index": 3},
             "expression": "s.mu", "expression_owner": "*main.Store[<T>]",
             "hints": ["hint: goroutine 9 in main.hold may hold it <b>"]}  # fmt: skip
    sleep = {"kind": "sleep", "address": 0, "waiters": 1, "goroutine_ids": [7],
             "wait_reason": "sleep"}  # fmt: skip
    report = made_up_report(
        "boom", waits=[mutex, sleep], wait_hints=["hint: every goroutine is blocked & none runs"]
    )
    page = report_html(report)
    section = page.split("<h2>Blocked on</h2>", 1)[1].split("<h2>", 1)[0]
    assert "12 blocked goroutines in 2 groups" in section
    assert section.count('<tr class="wait">') == 2
    assert '<td class="num">11</td><td class="kind">mutex</td>' in section
    assert "sync.Mutex at 0xc000012345 (s.mu, a field of *main.Store[&lt;T&gt;])" in section
    assert "in main.(*Store[&lt;T&gt;]).Get (store.go:31)" in section
    assert "goroutines 20 21 22 23 24 25 26 27 +3 more" in section
    assert '<li class="hint">hint: goroutine 9 in main.hold may hold it &lt;b&gt;</li>' in section
    assert '<li class="hint">hint: every goroutine is blocked &amp; none runs</li>' in section
    assert "goroutine 7<" in section
    assert "<b>" not in page
    text = report_text(report)
    assert "in main.(*Store[<T>]).Get (store.go:31); goroutines 20 21 22" in text
    assert "<h2>Blocked on</h2>" not in report_html(made_up_report("boom"))
