"""The ``dlvclient`` command: why did this Go program crash, answered from its core dump.

A thin layer over the library: it parses arguments, opens a session, calls one library
function and prints the result. Exit codes are listed in :data:`EXIT_CODES`.

Start-up is kept short: this module imports only what parsing and starting dlv need; the
session imports the client (and pydantic) once dlv is started, while dlv loads the core,
and the commands import the analysis and the renderers once the session is open.
``report`` prints the crash as soon as it is known, before the walk over every goroutine's
stack that the buckets need.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import os
import shutil
import sys
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import anyio

from . import _collector as collector
from ._cli_fleet import (
    add_build_store_options,
    add_fleet_commands,
    executable_for,
    resolve_executable,
)
from ._errors import (
    CaptureError,
    DlvError,
    InvalidArgumentError,
    NoCoreError,
    SymbolNotFoundError,
)
from ._output import output_path
from ._progress import StatusLine
from ._session import open_core
from ._version import __version__

if TYPE_CHECKING:
    from pydantic import BaseModel

    from ._client import AsyncClient
    from ._models import EvalScope, Goroutine, GoroutineFilter
    from ._schema import CrashReport

__all__ = ["EXIT_CODES", "main"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_NO_CORE = 3
EXIT_INTERRUPTED = 130

EXIT_CODES = {
    EXIT_OK: "success",
    EXIT_FAILED: "the analysis failed (the message says what to do)",
    EXIT_USAGE: "usage error (bad or missing arguments)",
    EXIT_NO_CORE: "capture/demo: the program did not crash, or its crash left no core",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C)",
}

_EXIT_EPILOG = "exit codes:\n" + "\n".join(
    f"  {code:<4} {meaning}" for code, meaning in EXIT_CODES.items()
)

# The seed crash program: the repository's examples/seed, shipped in a wheel as dlvclient/_seed.
_PACKAGE = Path(__file__).resolve().parent
_SEED_DIRS = (_PACKAGE / "_seed", _PACKAGE.parent / "examples" / "seed")

# --group-by choices -> GoroutineField members (named, so parsing needs no models).
_GROUP_BY = {
    "curloc": "CURRENT_LOC",
    "userloc": "USER_LOC",
    "goloc": "GO_LOC",
    "startloc": "START_LOC",
    "running": "RUNNING",
    "user": "USER",
    "label": "LABEL",
}
# Similarity's values (a unit test keeps them so), for parsing without the models.
_SIMILARITY_LEVELS = ("exact", "function")


class _NoCore(Exception):
    """A capture that ended without a core file: exit code 3."""


# --- output ----------------------------------------------------------------------------------


def _say(text: str, *, flush: bool = False) -> None:
    """A result line: stdout."""
    print(text, file=sys.stdout, flush=flush)


def _note(text: str) -> None:
    """Everything that is not the result (paths, progress, errors): stderr."""
    print(text, file=sys.stderr)


def _print_json(data: Any) -> None:
    _say(json.dumps(data, indent=2))


class _Progress(StatusLine):
    """A counter redrawn in place on stderr, shown only when stderr is a terminal."""

    def __init__(self, what: str, stream: TextIO | None = None) -> None:
        super().__init__(stream)
        self._what = what

    def __call__(self, done: int) -> None:
        self.show(f"{self._what}: {done}")


# --- sessions --------------------------------------------------------------------------------


@asynccontextmanager
async def _session(args: argparse.Namespace, exe: str, core: str) -> AsyncIterator[AsyncClient]:
    """``open_core`` with the session options every analysing command takes."""
    async with open_core(
        exe,
        core,
        dlv=args.dlv,
        timeout=args.timeout or None,
        check_go_version=args.check_go_version,
    ) as client:
        # The client, its models and pydantic are imported by now: start-up is over.
        collector.resume()
        yield client


def _run(fn: Callable[..., Any], *args: Any) -> Any:
    """Run an async function to completion (Ctrl-C cancels it, then raises KeyboardInterrupt)."""
    return anyio.run(fn, *args, backend="asyncio")


def _substitute_rules(args: argparse.Namespace) -> list[tuple[str, str]]:
    rules = []
    for rule in args.substitute_path or ():
        source, sep, target = rule.partition("=")
        if not sep or not source:
            raise argparse.ArgumentTypeError(
                f"--substitute-path {rule!r}: expected FROM=TO, e.g. /build/src=/home/me/src"
            )
        rules.append((source, target))
    return rules


# --- goroutines, stack, eval -----------------------------------------------------------------


def _goroutine_filters(args: argparse.Namespace) -> list[GoroutineFilter]:
    from ._models import GoroutineFilter

    filters: list[GoroutineFilter] = []
    if args.user:
        filters.append(GoroutineFilter.user())
    if args.system:
        filters.append(~GoroutineFilter.user())
    if args.running:
        filters.append(GoroutineFilter.running())
    filters += [GoroutineFilter.label(label) for label in args.label or ()]
    for text, make in (
        (args.location, GoroutineFilter.user_loc),
        (args.start, GoroutineFilter.start_loc),
        (args.go, GoroutineFilter.go_loc),
        (args.waiting_on_channel, GoroutineFilter.waiting_on_channel),
    ):
        if text is not None:
            filters.append(make(text))
    return filters


async def _goroutines(args: argparse.Namespace) -> None:
    from ._cli_output import goroutine_line
    from ._models import EvalScope
    from ._protocols import versions
    from ._report import gc_clock

    filters = _goroutine_filters(args)
    async with _session(args, args.exe, args.core) as client:
        go_version = (await versions(client)).target_go_version or None
        state = await client.state()
        current = state.current_goroutine.id if state.current_goroutine else 0
        clock = await gc_clock(client)
        if args.group_by:
            await _print_groups(client, args, filters, go_version, current, clock)
            return
        scope = EvalScope(goroutine_id=args.goroutine, frame=args.frame)
        scope_or_none = scope if args.waiting_on_channel else None
        if args.stack_contains or args.stack_without:
            goroutines = _stack_matches(client, args, filters, scope_or_none)
        else:
            goroutines = client.goroutines(*filters, scope=scope_or_none)
        if args.json:
            await _stream_json_array(goroutines)
            return
        count = 0
        with _Progress("goroutines") as progress:
            async for goroutine in goroutines:
                reason = goroutine.wait_reason_name(go_version)
                _say(
                    goroutine_line(
                        goroutine, reason, current=goroutine.id == current, gc_clock=clock
                    )
                )
                count += 1
                progress(count)
        _say(f"[{count} goroutines]")


async def _stack_matches(
    client: AsyncClient,
    args: argparse.Namespace,
    filters: list[GoroutineFilter],
    scope: EvalScope | None,
) -> AsyncIterator[Goroutine]:
    """The goroutines whose stacks, read in full, pass --stack-contains and --stack-without."""
    stacks = client.goroutine_stacks(
        *filters,
        depth=args.depth,
        stack_contains=args.stack_contains or (),
        stack_without=args.stack_without or (),
        scope=scope,
    )
    async for stack in stacks:
        yield stack.goroutine


async def _stream_json_array(items: AsyncIterator[BaseModel]) -> None:
    """A JSON array written item by item, so a core's 100k goroutines need no big list."""
    out = sys.stdout
    separator = "[\n"
    with _Progress("goroutines") as progress:
        count = 0
        async for item in items:
            out.write(separator + item.model_dump_json(indent=2))
            separator = ",\n"
            count += 1
            progress(count)
    out.write("[]\n" if separator == "[\n" else "\n]\n")


async def _print_groups(
    client: AsyncClient,
    args: argparse.Namespace,
    filters: list[GoroutineFilter],
    go_version: str | None,
    current: int,
    clock: int | None,
) -> None:
    from ._cli_output import goroutine_line
    from ._models import GoroutineField

    grouped = await client.group_goroutines(
        GoroutineField[_GROUP_BY[args.group_by]],
        *filters,
        label_key=args.group_key or "",
        max_members=args.group_members,
    )
    if args.json:
        _print_json(
            {
                "groups": [
                    {
                        "name": group.name,
                        "total": group.total,
                        "members": [g.model_dump(mode="json") for g in grouped.members(group)],
                    }
                    for group in grouped.groups
                ],
                "too_many_groups": grouped.too_many_groups,
            }
        )
        return
    blocks = []
    for group in grouped.groups:
        lines = [group.name]
        for goroutine in grouped.members(group):
            reason = goroutine.wait_reason_name(go_version)
            is_current = goroutine.id == current
            line = goroutine_line(goroutine, reason, current=is_current, gc_clock=clock)
            lines.append("\t" + line)
        lines.append(f"\tTotal: {group.total}")
        blocks.append("\n".join(lines))
    _say("\n\n".join(blocks))
    if grouped.too_many_groups:
        _say("Too many groups")


async def _stack(args: argparse.Namespace) -> None:
    from ._cli_output import stack_text

    async with _session(args, args.exe, args.core) as client:
        frames = await client.stacktrace(args.gid, depth=args.depth, full=args.full)
    if args.json:
        _print_json([frame.model_dump(mode="json") for frame in frames])
    else:
        _say(stack_text(frames))


async def _eval(args: argparse.Namespace) -> None:
    from ._goprint import variable_text

    async with _session(args, args.exe, args.core) as client:
        try:
            value = await client.eval(args.expr, goroutine_id=args.goroutine, frame=args.frame)
        except SymbolNotFoundError:
            if args.goroutine == -1 and (await client.state()).current_goroutine is None:
                raise InvalidArgumentError(
                    f"{args.expr!r} was evaluated on the thread the core stopped on, which runs "
                    "no goroutine: no goroutine crashed (a goroutine dump, or a crash on a "
                    "system stack). Pass -g GID (and -f N); `dlvclient goroutines` lists them"
                ) from None
            raise
    if args.json:
        _say(value.model_dump_json(indent=2))
    else:
        _say(variable_text(value))


async def _waits(args: argparse.Namespace) -> None:
    from ._cli_output import waits_text
    from ._waits import waits

    async with _session(args, args.exe, args.core) as client:
        with _Progress("reading goroutine stacks") as progress:
            result = await waits(client, depth=args.depth, progress=progress)
    _say(result.model_dump_json(indent=2) if args.json else waits_text(result, limit=args.limit))


# --- capture and demo ------------------------------------------------------------------------


def _capture(argv: Sequence[str], cwd: Path, args: argparse.Namespace) -> tuple[Path, Path]:
    """Run ``argv`` until it crashes; return its executable and core, or raise _NoCore.

    What the program prints goes to stderr as it prints it (stdout is the report's) and to
    CORE.log beside the core."""
    from ._capture import require_core, run_and_capture

    try:
        capture = run_and_capture(
            argv,
            cwd=cwd,
            timeout=args.run_timeout,
            signal_after=args.signal_after,
            echo=sys.stderr.buffer,
        )
        core = require_core(capture)
    except CaptureError as exc:
        raise _NoCore(str(exc)) from None
    _note(f"{argv[0]} {capture.ending}")
    _note(f"core: {core}")
    if capture.output is not None:
        _note(f"its output: {capture.output}")
    return _executable(argv[0], cwd), core


def _executable(program: str, cwd: Path) -> Path:
    """The file ``program`` ran from, found as the kernel did (a path, or PATH)."""
    found = (cwd / program) if os.sep in program else shutil.which(program)
    return Path(os.path.abspath(found or program))


def _seed_dir() -> Path:
    for directory in _SEED_DIRS:
        if (directory / "main.go").is_file():
            return directory
    raise DlvError(
        "the seed program is missing: looked in "
        + " and ".join(str(d) for d in _SEED_DIRS)
        + "; reinstall dlvclient, or run the demo from a checkout of its repository"
    )


@contextmanager
def _scene(keep: str | None) -> Iterator[Path]:
    """The directory a demo crash happens in: ``--keep DIR``, or a temporary one."""
    if keep is not None:
        path = Path(keep).absolute()
        path.mkdir(parents=True, exist_ok=True)
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="dlvclient-demo-") as tmp:
        yield Path(tmp)


def _cmd_capture(args: argparse.Namespace) -> int:
    argv = list(args.command)
    cwd = Path(args.cwd).absolute()
    exe, core = _capture(argv, cwd, args)
    if args.report:
        return _cmd_report_files(args, str(exe), str(core))
    if args.json:
        _print_json({"exe": str(exe), "core": str(core)})
    return EXIT_OK


def _cmd_demo(args: argparse.Namespace) -> int:
    source = _seed_dir()
    with _scene(args.keep) as scene:
        kept = "" if args.keep else " (removed afterwards; --keep DIR keeps the files)"
        _note(f"building {source} in {scene}{kept}")
        from ._capture import make_core

        try:
            crash = make_core(
                source,
                scene,
                name="seed",
                timeout=args.run_timeout,
                signal_after=args.signal_after,
            )
        except NoCoreError as exc:
            raise _NoCore(str(exc)) from None
        _note(f"{crash.exe} {crash.capture.ending}")
        _note(f"core: {crash.core}")
        return _cmd_report_files(args, str(crash.exe), str(crash.core))


# --- snapshot ----------------------------------------------------------------------------------


async def _snapshot(args: argparse.Namespace) -> None:
    from ._cli_output import snapshot_text
    from ._snapshot import snapshot

    with _Progress(f"dumping pid {args.pid}") as progress:
        taken = await snapshot(
            args.pid,
            args.output,
            executable=args.exe,
            progress=lambda state: progress(state.mem_done),
            dlv=args.dlv,
            timeout=args.timeout or None,
            check_go_version=args.check_go_version,
        )
    _note(f"core: {taken.core}")
    if not args.report:
        if args.json:
            _print_json(json.loads(taken.model_dump_json()))
        return
    analysis = await _analyse(args, taken.executable, taken.core, args.substitute_rules)
    if args.json:
        _print_json(
            {
                "snapshot": json.loads(taken.model_dump_json()),
                "report": json.loads(analysis.model_dump_json()),
            }
        )
    else:
        _say(snapshot_text(taken) + "\n")
        _print_report(args, analysis)


# --- report and diff -------------------------------------------------------------------------


async def _analyse(
    args: argparse.Namespace,
    exe: str,
    core: str,
    rules: Sequence[tuple[str, str]] = (),
    *,
    stream: bool = False,
) -> CrashReport:
    """The crash report of one core; ``rules`` are the --substitute-path pairs.

    With ``stream`` the text report is printed as it is made: the crash as soon as it is
    known (flushed), the goroutine buckets after the walk over every stack.
    """
    printed = getattr(args, "program_output", None)
    if printed is None and output_path(core).is_file():
        printed = str(output_path(core))
    async with _session(args, exe, core) as client:
        # Imported once the session is open: before, they would delay starting dlv.
        from ._cli_output import crash_text, facts_text, goroutines_text
        from ._report import CrashAnalysis
        from ._schema import CrashReport

        progress = _Progress(f"reading goroutine stacks of {Path(core).name}")
        analysis = CrashAnalysis(
            client,
            similarity=args.similarity,
            substitute_path=rules,
            progress=progress,
            program_output=printed,
        )
        crash = await analysis.crash()
        if stream:
            _say(crash_text(crash), flush=True)
        with progress:
            goroutines = await analysis.goroutines()
    if stream:
        _say("\n" + goroutines_text(goroutines, buckets=args.buckets))
        _say("\n" + facts_text(crash, goroutines.notes))
    return CrashReport.of(crash, goroutines)


def _print_report(args: argparse.Namespace, report: CrashReport) -> None:
    """A report made before, printed whole (text, or JSON), with its HTML page if asked."""
    from ._cli_output import report_text

    _write_html(args, report)
    if args.json:
        _say(report.model_dump_json(indent=2))
    else:
        _say(report_text(report, buckets=args.buckets))


def _write_html(args: argparse.Namespace, report: CrashReport) -> None:
    """The report's HTML page, when --html asks for one."""
    from ._cli_output import report_html

    if args.html:
        page = report_html(report, generator=f"dlvclient {__version__}")
        Path(args.html).write_text(page, encoding="utf-8")
        _note(f"html: {os.path.abspath(args.html)}")


def _cmd_report_files(args: argparse.Namespace, exe: str, core: str) -> int:
    # The text is printed while the report is made; JSON is one document, at the end.
    report: CrashReport = _run(
        functools.partial(_analyse, stream=not args.json), args, exe, core, args.substitute_rules
    )
    _write_html(args, report)
    if args.json:
        _say(report.model_dump_json(indent=2))
    return EXIT_OK


def _cmd_report(args: argparse.Namespace) -> int:
    return _cmd_report_files(args, executable_for(args), args.core)


def _load_report(path: str) -> CrashReport:
    from pydantic import ValidationError

    from ._schema import CrashReport

    try:
        return CrashReport.model_validate_json(Path(path).read_bytes())
    except OSError as exc:
        raise DlvError(f"cannot read {path}: {exc.strerror or exc}") from None
    except ValidationError as exc:
        raise DlvError(
            f"{path} is not a report saved by `dlvclient report --json` "
            f"({exc.error_count()} problems, first: {exc.errors()[0]['msg']})"
        ) from None


def _cmd_diff(args: argparse.Namespace) -> int:
    from ._cli_output import diff_text
    from ._report import diff_reports

    if args.reports:
        old, new = (_load_report(path) for path in args.reports)
    else:
        old_exe, old_core, new_exe, new_core = args.targets
        old = _run(_analyse, args, old_exe, old_core)
        new = _run(_analyse, args, new_exe, new_core)
    diff = diff_reports(old, new, similarity=args.similarity)
    _say(diff.model_dump_json(indent=2) if args.json else diff_text(diff))
    return EXIT_OK


# --- the parser ------------------------------------------------------------------------------


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the line breaks of descriptions and epilogs (examples, exit codes)."""


def _non_negative(text: str) -> float:
    value = float(text)
    if value < 0 or math.isnan(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds (0 or more)")
    return value


def _option_group(title: str) -> tuple[argparse.ArgumentParser, Any]:
    """A parent parser holding one titled group of options, shared by several subcommands."""
    parent = argparse.ArgumentParser(add_help=False)
    return parent, parent.add_argument_group(title)


def _session_options() -> argparse.ArgumentParser:
    parent, group = _option_group("Delve session")
    group.add_argument(
        "--dlv",
        metavar="PATH",
        help="the dlv binary (default: $DLV, else the newest in dlvclient's cache or on PATH "
        "that supports the target's Go)",
    )
    group.add_argument(
        "--timeout",
        type=_non_negative,
        default=120.0,
        metavar="SECONDS",
        help="how long one Delve call may take; 0 for no limit (default: %(default)g)",
    )
    group.add_argument(
        "--check-go-version",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="refuse targets built by a Go this Delve does not support (default: check)",
    )
    return parent


def _report_options() -> argparse.ArgumentParser:
    parent, group = _option_group("report output")
    group.add_argument(
        "--json", action="store_true", help="print the report as JSON on stdout instead of text"
    )
    group.add_argument(
        "--html", metavar="FILE", help="also write the report as a self-contained HTML page"
    )
    group.add_argument(
        "--buckets",
        type=int,
        default=5,
        metavar="N",
        help="how many goroutine buckets the text report lists; 0 for all (default: 5)",
    )
    _similarity_option(group, "exact")
    group.add_argument(
        "--substitute-path",
        action="append",
        metavar="FROM=TO",
        help="read sources from TO where the binary says FROM (repeatable; first match wins)",
    )
    group.add_argument(
        "--program-output",
        metavar="FILE",
        help="the program's output, whose runtime header confirms the reason "
        "(default: CORE.log beside the core, as capture writes it, when present)",
    )
    return parent


def _similarity_option(group: Any, default: str) -> None:
    group.add_argument(
        "--similarity",
        choices=_SIMILARITY_LEVELS,
        default=default,
        help="how alike stacks must be to share a bucket: 'exact' (same functions at the same "
        "lines, started by the same go statement) or 'function' (same functions, lines "
        "ignored) (default: %(default)s)",
    )


def _capture_options() -> argparse.ArgumentParser:
    parent, group = _option_group("running the program")
    group.add_argument(
        "--run-timeout",
        type=_non_negative,
        default=60.0,
        metavar="SECONDS",
        help="kill the program if it runs longer than this (default: %(default)g)",
    )
    group.add_argument(
        "--signal-after",
        type=_non_negative,
        metavar="SECONDS",
        help="send SIGQUIT after this long, to dump a program that hangs instead of crashing",
    )
    return parent


def _scope_options(parser: Any, what: str) -> None:
    parser.add_argument(
        "-g",
        "--goroutine",
        type=int,
        default=-1,
        metavar="GID",
        help=f"the goroutine {what} (default: the one that crashed)",
    )
    parser.add_argument(
        "-f",
        "--frame",
        type=int,
        default=0,
        metavar="N",
        help=f"the frame of that goroutine {what}, 0 innermost (default: 0)",
    )


def _add(
    subparsers: Any,
    name: str,
    handler: Callable[[argparse.Namespace], int],
    summary: str,
    description: str,
    examples: str,
    parents: Sequence[argparse.ArgumentParser] = (),
    *,
    targets: bool = False,
) -> argparse.ArgumentParser:
    """One subcommand; ``targets`` gives it the EXE and CORE arguments."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name,
        help=summary,
        description=description,
        epilog=f"examples:\n{examples}\n\n{_EXIT_EPILOG}",
        formatter_class=_Formatter,
        parents=list(parents),
    )
    parser.set_defaults(handler=handler)
    if targets:
        parser.add_argument("exe", metavar="EXE", help="the Go executable that crashed")
        parser.add_argument("core", metavar="CORE", help="its core file")
    return parser


def _async_handler(fn: Callable[[argparse.Namespace], Any]) -> Callable[[argparse.Namespace], int]:
    def handler(args: argparse.Namespace) -> int:
        _run(fn, args)
        return EXIT_OK

    return handler


def build_parser() -> argparse.ArgumentParser:
    """The whole command line: one subcommand per question a core can answer."""
    parser = argparse.ArgumentParser(
        prog="dlvclient",
        description="Find out why a Go program crashed, from its core dump, with Delve.",
        epilog="examples:\n"
        "  dlvclient demo                          build, crash and explain the seed program\n"
        "  dlvclient capture --report -- ./server  run ./server until it crashes, then explain\n"
        "  dlvclient report ./server core          explain an existing core\n"
        "  dlvclient goroutines ./server core --group-by userloc\n\n"
        f"{_EXIT_EPILOG}",
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command_name", metavar="COMMAND", required=True)
    session, report_output, running = _session_options(), _report_options(), _capture_options()

    report = _add(
        sub,
        "report",
        _cmd_report,
        "explain a crash: reason, backtrace, source, goroutine buckets",
        "Explain why the program crashed: the reason, the crashed goroutine's backtrace, the "
        "source\naround the crashing line, and the largest buckets of goroutines stuck alike.",
        "  dlvclient report ./server core\n"
        "  dlvclient report ./server core --json > report.json\n"
        "  dlvclient report ./server core --html report.html\n"
        "  dlvclient report ./server core --substitute-path /build/src=$HOME/src\n"
        "  dlvclient report core --exe-dir /srv/builds --json",
        [session, report_output],
    )
    # [EXE] CORE: without EXE, the executable is found by build id (_cli_fleet).
    report.add_argument("targets", nargs="+", metavar="[EXE] CORE", help="the executable, its core")
    add_build_store_options(report)

    goroutines = _add(
        sub,
        "goroutines",
        _async_handler(_goroutines),
        "list or group the goroutines",
        "List the goroutines (as dlv's `goroutines`), filtered, or grouped with totals.\n"
        "Filters combine: a goroutine is listed when it matches all of them.",
        "  dlvclient goroutines ./server core --user\n"
        "  dlvclient goroutines ./server core --location handler.go --running\n"
        "  dlvclient goroutines ./server core --stack-contains readLoop --stack-without tls\n"
        "  dlvclient goroutines ./server core --label worker=w1\n"
        "  dlvclient goroutines ./server core --waiting-on-channel jobs -g 1 -f 3\n"
        "  dlvclient goroutines ./server core --group-by userloc\n"
        "  dlvclient goroutines ./server core --group-by label --group-key worker --json",
        [session],
        targets=True,
    )
    who = goroutines.add_argument_group("filters")
    kinds = who.add_mutually_exclusive_group()
    kinds.add_argument("--user", action="store_true", help="only goroutines running user code")
    kinds.add_argument("--system", action="store_true", help="only the runtime's goroutines")
    who.add_argument("--running", action="store_true", help="only goroutines on a thread")
    who.add_argument(
        "--label", action="append", metavar="K=V", help="with pprof label K=V (or K); repeatable"
    )
    who.add_argument("--location", metavar="TEXT", help="whose user location contains TEXT")
    who.add_argument("--start", metavar="TEXT", help="whose start function's location has TEXT")
    who.add_argument("--go", metavar="TEXT", help="whose go statement's location contains TEXT")
    who.add_argument(
        "--waiting-on-channel",
        metavar="EXPR",
        help="blocked on the channel EXPR evaluates to (in the scope of -g/-f; Delve 1.21.1+)",
    )
    _scope_options(who, "where --waiting-on-channel is evaluated")
    stacks = goroutines.add_argument_group(
        "stack filters (read every frame of every goroutine, up to --depth)"
    )
    stacks.add_argument(
        "--stack-contains",
        action="append",
        metavar="TEXT",
        help="with a frame whose function or file:line contains TEXT; repeatable (all must be)",
    )
    stacks.add_argument(
        "--stack-without",
        action="append",
        metavar="TEXT",
        help="with no frame whose function or file:line contains TEXT; repeatable",
    )
    stacks.add_argument(
        "--depth",
        type=int,
        default=50,
        metavar="N",
        help="how many frames of each stack the stack filters read (default: %(default)s)",
    )
    grouping = goroutines.add_argument_group("grouping")
    grouping.add_argument(
        "--group-by",
        choices=list(_GROUP_BY),
        help="group by a location (current, user, go statement, start), running, user "
        "or a label, and print each group's total",
    )
    grouping.add_argument("--group-key", metavar="K", help="the label key for --group-by label")
    grouping.add_argument(
        "--group-members",
        type=int,
        default=5,
        metavar="N",
        help="sample goroutines shown per group (default: %(default)s)",
    )
    goroutines.add_argument("--json", action="store_true", help="print JSON on stdout")

    stack = _add(
        sub,
        "stack",
        _async_handler(_stack),
        "print one goroutine's backtrace",
        "Print a goroutine's stack as dlv's `bt` does, innermost frame first.",
        "  dlvclient stack ./server core 1\n  dlvclient stack ./server core 17 --full --depth 10",
        [session],
        targets=True,
    )
    stack.add_argument("gid", metavar="GID", type=int, help="the goroutine id")
    stack.add_argument("--full", action="store_true", help="with each frame's arguments, locals")
    stack.add_argument(
        "--depth", type=int, default=50, metavar="N", help="at most N+1 frames (default: 50)"
    )
    stack.add_argument("--json", action="store_true", help="print the frames as JSON on stdout")

    blocked = _add(
        sub,
        "waits",
        _async_handler(_waits),
        "what every blocked goroutine waits on: mutexes, channels, WaitGroups...",
        "Name the object each blocked goroutine waits on (a sync.Mutex, RWMutex, WaitGroup,\n"
        "Cond, a channel or a select's channels), at its address, with every goroutine queued\n"
        "on it and where they block; waits on no object (sleep, IO, syscall) by where they are.",
        "  dlvclient waits ./server core\n  dlvclient waits ./server core --json > waits.json",
        [session],
        targets=True,
    )
    blocked.add_argument(
        "--limit", type=int, default=20, metavar="N", help="show the N largest groups (0: all)"
    )
    blocked.add_argument(
        "--depth", type=int, default=50, metavar="N", help="frames read per goroutine (default: 50)"
    )
    blocked.add_argument("--json", action="store_true", help="print every group as JSON on stdout")

    evaluate = _add(
        sub,
        "eval",
        _async_handler(_eval),
        "print the value of a Go expression",
        "Evaluate a Go expression in a goroutine's frame and print it as dlv's `print` does.",
        "  dlvclient eval ./server core 'req.URL.Path' -g 17 -f 2\n"
        "  dlvclient eval ./server core 'len(cache.items)' --json",
        [session],
        targets=True,
    )
    evaluate.add_argument("expr", metavar="EXPR", help="a Go expression (no function calls)")
    _scope_options(evaluate, "to evaluate in")
    evaluate.add_argument("--json", action="store_true", help="print the Variable as JSON")

    diff = _add(
        sub,
        "diff",
        _cmd_diff,
        "compare two crashes' goroutine buckets",
        "Compare two crashes: which buckets of goroutines appeared, vanished, grew or shrank.\n"
        "Give two executable/core pairs, or two reports saved with `report --json`.",
        "  dlvclient diff ./server-v1 core.1 ./server-v2 core.2\n"
        "  dlvclient diff --reports before.json after.json",
        [session],
    )
    diff.add_argument(
        "targets",
        nargs="*",
        metavar="OLD_EXE OLD_CORE NEW_EXE NEW_CORE",
        help="the old crash's executable and core, then the new one's",
    )
    diff.add_argument(
        "--reports", nargs=2, metavar=("OLD.json", "NEW.json"), help="compare saved reports"
    )
    diff.add_argument("--json", action="store_true", help="print the differences as JSON")
    _similarity_option(diff, "function")

    capture = _add(
        sub,
        "capture",
        _cmd_capture,
        "run a program until it crashes and find its core",
        "Run PROG with GOTRACEBACK=crash and core dumps enabled; when it crashes, find the core\n"
        "(where kernel.core_pattern puts it, systemd-coredump included) and print its path on\n"
        "stderr. With --report, go straight on to the report.",
        "  dlvclient capture -- ./server --port 8080\n"
        "  dlvclient capture --report --html crash.html -- ./server\n"
        "  dlvclient capture --signal-after 30 --report -- ./stuck-server",
        [session, report_output, running],
    )
    capture.add_argument(
        "--report", action="store_true", help="report on the crash (--json: the report's JSON)"
    )
    capture.add_argument(
        "--cwd", default=".", metavar="DIR", help="run in DIR, where the core lands (default: .)"
    )
    capture.add_argument("command", nargs="+", metavar="PROG ARGS", help="the program to run")

    snap = _add(
        sub,
        "snapshot",
        _async_handler(_snapshot),
        "write a core of a running process and let it run on",
        "Attach to the running process PID, write a core of it to CORE and detach: the process\n"
        "stops only for the dump, then runs on. The core opens with `dlvclient report`.\n"
        "With --report, say how long it was stopped and report on the core.",
        "  dlvclient snapshot 4242 --output server.core\n"
        "  dlvclient snapshot $(pidof server) --output hung.core --report\n"
        "  dlvclient snapshot 4242 --output server.core --report --json > snapshot.json",
        [session, report_output],
    )
    snap.add_argument("pid", metavar="PID", type=int, help="the running process")
    snap.add_argument(
        "--output", "-o", required=True, metavar="CORE", help="where to write the core"
    )
    snap.add_argument(
        "--exe", metavar="PATH", help="the executable with debug info (default: /proc/PID/exe)"
    )
    snap.add_argument(
        "--report",
        action="store_true",
        help="print how long the process was stopped, then the report on the core",
    )

    demo = _add(
        sub,
        "demo",
        _cmd_demo,
        "build the seed program, crash it and report",
        "Build the seed crash program (examples/seed: it writes to a string's read-only bytes),\n"
        "run it until it crashes, capture its core and print the report. Needs Go and Delve.",
        "  dlvclient demo\n  dlvclient demo --keep /tmp/seed --html seed.html",
        [session, report_output, running],
    )
    demo.add_argument(
        "--keep",
        metavar="DIR",
        help="build and crash in DIR and keep the files (default: a temp dir)",
    )
    add_fleet_commands(sub, _add)  # delve list|install, triage
    return parser


def _check(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Usage rules argparse cannot express; breaking one exits with status 2."""
    name = args.command_name
    if name == "goroutines" and (args.group_by == "label") != bool(args.group_key):
        parser.error("goroutines: --group-key K goes with --group-by label, and it needs one")
    if name == "goroutines" and args.group_by and (args.stack_contains or args.stack_without):
        parser.error(
            "goroutines: --group-by groups in Delve, which cannot read whole stacks: "
            "use --stack-contains/--stack-without without it"
        )
    if name == "diff" and (len(args.targets) != 4) == (args.reports is None):
        parser.error("diff: give OLD_EXE OLD_CORE NEW_EXE NEW_CORE, or --reports OLD NEW")
    if name == "report":
        resolve_executable(args, parser)
    if name in ("report", "capture", "demo", "snapshot"):
        try:
            args.substitute_rules = _substitute_rules(args)
        except argparse.ArgumentTypeError as exc:
            parser.error(str(exc))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (see ``dlvclient --help``)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        _check(parser, args)
    except SystemExit as exc:  # --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    # pydantic would look for plugins among every installed package's entry points when it
    # builds its first validator; the command line uses none (an explicit setting is kept).
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    try:
        status: int = args.handler(args)
    except DlvError as exc:
        _note(f"dlvclient: error: {exc}")
        return EXIT_FAILED
    except _NoCore as exc:
        _note(f"dlvclient: error: {exc}")
        return EXIT_NO_CORE
    except KeyboardInterrupt:
        _note("dlvclient: interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader stopped reading (`| head`): not an error. Python would complain again
        # when it flushes stdout at exit, so point stdout at /dev/null first.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    return status
