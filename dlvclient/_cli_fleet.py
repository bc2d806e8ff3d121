"""The fleet commands of ``dlvclient``: ``delve list|install``, ``triage``, and ``report``'s
executable found by build id (``--exe-dir``, ``--debuginfod``)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import anyio

from . import _collector as collector
from ._delve import delve_candidates, install_delve
from ._progress import StatusLine

if TYPE_CHECKING:
    from ._registry import CrashGroup
    from ._triage import TriageResult

__all__ = ["add_build_store_options", "add_fleet_commands", "resolve_executable"]

Handler = Callable[[argparse.Namespace], int]


def add_build_store_options(parser: argparse.ArgumentParser) -> None:
    """``--exe-dir DIR`` (repeatable) and ``--debuginfod URL`` (repeatable)."""
    group = parser.add_argument_group("executables by build id")
    group.add_argument(
        "--exe-dir",
        action="append",
        default=[],
        metavar="DIR",
        help="a folder of builds to find the core's executable in by build id (repeatable)",
    )
    group.add_argument(
        "--debuginfod",
        action="append",
        default=[],
        metavar="URL",
        help="a debuginfod server to fetch the executable from (default: $DEBUGINFOD_URLS)",
    )


def resolve_executable(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    """Turn report's ``[EXE] CORE`` into ``args.exe`` and ``args.core`` (by build id if needed)."""
    if len(args.targets) == 2:
        args.exe, args.core = args.targets
        return
    if len(args.targets) != 1:
        parser.error("report: give EXE CORE, or CORE with --exe-dir DIR or --debuginfod URL")
    (args.core,) = args.targets
    # Only a report by build id needs the build store (hashing, HTTP): not imported before.
    from ._buildstore import debuginfod_urls

    if not args.exe_dir and not debuginfod_urls(args.debuginfod):
        parser.error("report: without EXE, give --exe-dir DIR or --debuginfod URL to find it")
    args.exe = None


def executable_for(args: argparse.Namespace) -> str:
    """The executable of ``args.core``: given, or found in the build store."""
    if args.exe is not None:
        return str(args.exe)
    from ._buildstore import find_executable

    return str(find_executable(args.core, args.exe_dir, args.debuginfod))


# --- delve -------------------------------------------------------------------------------------


def _cmd_delve_list(args: argparse.Namespace) -> int:
    candidates = delve_candidates(args.dlv)
    if args.json:
        print(json.dumps([c.describe() for c in candidates], indent=2))
        return 0
    if not candidates:
        print("no dlv found: install one with `dlvclient delve install VERSION`", file=sys.stderr)
    for c in candidates:
        release = c.release
        window = f"Go {'–'.join(release.window)}" if release else "Go ?"
        print(f"{c.version or '?'!s:<8} {window:<12} {c.origin:<8} {c.path}")
    return 0


def _cmd_delve_install(args: argparse.Namespace) -> int:
    if (args.version is None) == (args.for_exe is None):
        print("dlvclient delve install: error: give VERSION or --for EXE", file=sys.stderr)
        return 2
    print("installing Delve (go install) ...", file=sys.stderr)
    installed = install_delve(args.version, for_executable=args.for_exe)
    if args.json:
        print(json.dumps(installed.describe(), indent=2))
    else:
        print(f"installed Delve {installed.version} at {installed.path}")
    return 0


# --- triage ------------------------------------------------------------------------------------


class _TriageProgress(StatusLine):
    """``triage: 3/10 cores, 1 failed`` redrawn on stderr when it is a terminal."""

    def __call__(self, done: int, total: int, failed: int) -> None:
        bar = "#" * (20 * done // max(total, 1))
        self.show(f"triage [{bar:<20}] {done}/{total} cores, {failed} failed", final=done >= total)


def _programs(group: CrashGroup) -> str:
    names = ", ".join(group.programs)
    return f"{names} {', '.join(group.versions)}" if group.versions else names


def _group_lines(result: TriageResult) -> Iterator[str]:
    """The groups as text lines, largest first (``dlvclient triage`` without ``--json``)."""
    yield f"{result.processed} analysed, {result.skipped} skipped, {result.failed} failed"
    for group in result.groups:
        yield (
            f"{group.count:>6}  {group.fingerprint}  {group.reason or ''}\n"
            f"        at {group.location or '?'}  ({_programs(group)}; Go "
            f"{', '.join(group.go_versions) or '?'}; {group.first_seen} .. {group.last_seen})\n"
            f"        e.g. {group.exemplar}"
        )
    for core, error in result.failures:
        yield f"failed: {core}: {error}"


def _cmd_triage(args: argparse.Namespace) -> int:
    # Imported here: the analysis and the registry must not slow every command's start.
    from ._triage import triage

    # Many sessions in one process: the collector must not stay paused for all of them.
    collector.resume()
    progress = _TriageProgress()
    try:
        result = anyio.run(
            lambda: triage(
                args.paths,
                db=args.db,
                exe_dirs=args.exe_dir,
                debuginfod=args.debuginfod,
                jobs=args.jobs,
                dlv=args.dlv,
                retry_failed=args.retry_failed,
                engine=args.engine,
                ray_address=args.ray_address,
                progress=progress,
            )
        )
    finally:
        progress.close()
    if args.json:
        print(json.dumps(result.as_json(), indent=2))
    else:
        print("\n".join(_group_lines(result)))
    return 0


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def add_fleet_commands(sub: Any, add: Callable[..., argparse.ArgumentParser]) -> None:
    """Add ``delve`` and ``triage`` to the subcommands; ``add`` is ``_cli._add``."""
    delve = add(
        sub,
        "delve",
        lambda args: 2,  # never called: an ACTION is required
        "list the Delves found, or install one into dlvclient's cache",
        "Each Delve release reads a narrow window of Go releases; dlvclient picks, per core, the\n"
        "newest Delve found that supports the Go that built it: --dlv/$DLV, its own cache\n"
        "($DLVCLIENT_HOME/delve) and every dlv on PATH.",
        "  dlvclient delve list --json\n"
        "  dlvclient delve install 1.27.2\n"
        "  dlvclient delve install --for ./server",
    )
    actions = delve.add_subparsers(dest="delve_command", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="each Delve found: path, version, Go window, origin")
    listing.add_argument("--dlv", metavar="PATH", help="also this dlv binary (default: $DLV)")
    listing.add_argument("--json", action="store_true", help="print JSON on stdout")
    listing.set_defaults(handler=_cmd_delve_list)
    install = actions.add_parser("install", help="go install a Delve release into the cache")
    install.add_argument("version", nargs="?", metavar="VERSION", help="e.g. 1.27.2")
    install.add_argument(
        "--for", dest="for_exe", metavar="EXE", help="the release that supports EXE's Go"
    )
    install.add_argument("--json", action="store_true", help="print the new Delve as JSON")
    install.set_defaults(handler=_cmd_delve_install)

    tri = add(
        sub,
        "triage",
        _cmd_triage,
        "analyse every core under PATHs into a crash registry, grouped by bug",
        "Find the cores under the PATHs, pair each with its executable (next to it, or by build\n"
        "id), analyse them concurrently with the Delve each needs, and record every report in a\n"
        "SQLite registry grouped by fingerprint. Cores already recorded are skipped; one that\n"
        "fails is recorded with its error and the run goes on.",
        "  dlvclient triage /var/crash --exe-dir /srv/builds\n"
        "  dlvclient triage cores/ --db fleet.db --json\n"
        "  dlvclient triage /shared/cores --exe-dir /shared/builds --engine ray",
    )
    tri.add_argument("paths", nargs="+", metavar="PATH", help="core files or folders of them")
    add_build_store_options(tri)
    tri.add_argument(
        "--db",
        default="crashes.db",
        metavar="FILE",
        help="the SQLite crash registry (default: %(default)s)",
    )
    tri.add_argument(
        "--jobs",
        type=_positive,
        metavar="N",
        help="analyses at once (default: one per CPU; memory bounds it too)",
    )
    tri.add_argument("--dlv", metavar="PATH", help="use this dlv for every core")
    tri.add_argument(
        "--retry-failed", action="store_true", help="analyse again the cores that failed before"
    )
    tri.add_argument(
        "--engine",
        choices=("local", "ray"),
        default="local",
        help="where analyses run: here, or as Ray tasks (dlvclient[ray]) (default: local)",
    )
    tri.add_argument(
        "--ray-address", metavar="ADDR", help="the Ray cluster (default: $RAY_ADDRESS or local)"
    )
    tri.add_argument("--json", action="store_true", help="print the run and the groups as JSON")
