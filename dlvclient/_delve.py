"""The right Delve for each target: the candidates on this machine, their versions, installing one.

Each Delve release debugs a narrow window of Go releases (``_delve_releases``, generated from
Delve's own sources). The candidates are the ``dlv`` argument or ``$DLV`` (explicit: used as
given), the Delves installed into ``$DLVCLIENT_HOME/delve`` and every ``dlv`` on PATH; the newest
that supports the target's Go wins.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import signal
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ._children import signal_group
from ._elf import check_executable
from ._errors import (
    DelveInstallError,
    DlvNotFoundError,
    DlvTimeoutError,
    InvalidArgumentError,
    InvalidTargetError,
    NoSuitableDelveError,
    install_advice,
)
from ._home import dlvclient_home, read_json, write_json
from ._version import (
    RELEASES,
    DelveRelease,
    Version,
    delve_release,
    parse_delve_version,
    parse_go_version,
    release_for_go,
)

__all__ = ["DelveCandidate", "choose_delve", "delve_candidates", "install_delve"]

logger = logging.getLogger("dlvclient")

Origin = Literal["argument", "$DLV", "cache", "PATH"]
_MODULE = "github.com/go-delve/delve/cmd/dlv"
_PROBE_TIMEOUT = 30.0
# Go fetches toolchains (GOTOOLCHAIN=go1.N.0) only from Go 1.21 on.
_FIRST_FETCHABLE = Version(1, 21, 0)
_NETWORK = re.compile(
    r"dial tcp|lookup \S+|no such host|connection refused|network is unreachable|i/o timeout"
    r"|TLS handshake|proxyconnect",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class DelveCandidate:
    """A ``dlv`` binary found on this machine."""

    path: Path
    #: None when ``dlv version`` printed no version this SDK recognises.
    version: Version | None
    origin: Origin

    @property
    def release(self) -> DelveRelease | None:
        """The release's supported-Go window, when the version is known."""
        return delve_release(self.version) if self.version else None

    def supports(self, go: Version | None) -> bool:
        """True when this Delve debugs Go ``go`` (an unknown Go: assume so)."""
        if go is None:
            return True
        release = self.release
        return release is not None and release.supports(go)

    def describe(self) -> dict[str, object]:
        """Path, version, Go window and origin as JSON data (``dlvclient delve list --json``)."""
        release = self.release
        return {
            "path": str(self.path),
            "version": str(self.version) if self.version else None,
            "go": list(release.window) if release else None,
            "origin": self.origin,
        }


# --- versions, read once -----------------------------------------------------------------------


_VERSIONS_FILE = "delve-versions.json"
_memo: dict[tuple[str, int, int], Version | None] = {}


def _probe(path: Path, timeout: float, *, strict: bool = True) -> Version | None:
    """``dlv version`` of ``path``, cached by path, mtime and size here and in the home dir.

    A ``dlv version`` that hangs raises DlvTimeoutError when ``strict`` (a dlv the user named);
    otherwise (a ``dlv`` found on PATH that may be anything) it counts as no version, for good.
    """
    st = path.stat()
    key = (str(path), st.st_mtime_ns, st.st_size)
    if key in _memo:
        return _memo[key]
    cache_file = dlvclient_home() / _VERSIONS_FILE
    cached = read_json(cache_file)
    table: dict[str, list[object]] = cached if isinstance(cached, dict) else {}
    entry = table.get(str(path))
    if isinstance(entry, list) and entry[:2] == [st.st_mtime_ns, st.st_size]:
        version = Version.parse(str(entry[2])) if entry[2] else None
    else:
        try:
            version = _run_version(path, timeout)
        except DlvTimeoutError as exc:
            if strict:
                raise
            logger.warning("%s; it is not used", exc)
            version = None
        table[str(path)] = [st.st_mtime_ns, st.st_size, str(version) if version else None]
        with contextlib.suppress(OSError):  # a read-only home only costs a probe next time
            write_json(cache_file, table)
    _memo[key] = version
    return version


def _run_version(path: Path, timeout: float) -> Version | None:
    try:
        process = subprocess.Popen(
            [str(path), "version"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            env={**os.environ, "GO_TELEMETRY_CHILD": "2"},
        )
    except OSError:
        return None
    try:
        out, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        signal_group(process.pid, signal.SIGKILL)
        process.communicate()
        raise DlvTimeoutError(
            f"`{path} version` did not finish within {timeout} s; check the dlv binary"
        ) from None
    return parse_delve_version(out.decode(errors="replace"))


# --- candidates --------------------------------------------------------------------------------


def _cache_dir() -> Path:
    return dlvclient_home() / "delve"


def _explicit(value: str | os.PathLike[str], origin: Origin) -> Path:
    found = shutil.which(str(value))
    if found is None:
        label = "dlv=" if origin == "argument" else "$DLV="
        raise DlvNotFoundError(
            f"{label}{value} is not an executable dlv binary; {install_advice(None)}"
        )
    return Path(found).resolve()


def _explicit_place(dlv: str | os.PathLike[str] | None) -> tuple[Path, Origin] | None:
    """The ``dlv`` argument, else ``$DLV``, resolved; None when neither is given."""
    if dlv is not None and str(dlv) != "":
        return _explicit(dlv, "argument"), "argument"
    env_dlv = os.environ.get("DLV")
    return (_explicit(env_dlv, "$DLV"), "$DLV") if env_dlv else None


def delve_candidates(
    dlv: str | os.PathLike[str] | None = None, *, timeout: float = _PROBE_TIMEOUT
) -> list[DelveCandidate]:
    """Every Delve this machine offers: ``dlv`` or ``$DLV``, the cache, then PATH.

    Each binary appears once (the first place it is found wins) with its version, read once
    and remembered by path, modification time and size.
    """
    explicit = _explicit_place(dlv)
    places: list[tuple[Path, Origin]] = [explicit] if explicit else []
    cache = _cache_dir()
    if cache.is_dir():
        installed = [p / "dlv" for p in cache.iterdir() if os.access(p / "dlv", os.X_OK)]
        places += [(p.resolve(), "cache") for p in sorted(installed)]
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        path = Path(folder or ".") / "dlv"
        if path.is_file() and os.access(path, os.X_OK):
            places.append((path.resolve(), "PATH"))
    seen: set[Path] = set()
    out = []
    for path, origin in places:
        if path not in seen:
            seen.add(path)
            strict = origin in ("argument", "$DLV")
            out.append(DelveCandidate(path, _probe(path, timeout, strict=strict), origin))
    return out


def _target_go(
    executable: str | os.PathLike[str] | None, *, strict: bool = False
) -> Version | None:
    """The Go release that built ``executable``; None when unknown (or, unless ``strict``,
    when the file cannot be read: the checks before dlv starts say what is wrong with it)."""
    if executable is None:
        return None
    try:
        return parse_go_version(check_executable(executable).go_version)
    except InvalidTargetError:
        if strict:
            raise
        return None


def choose_delve(
    executable: str | os.PathLike[str] | None = None,
    dlv: str | os.PathLike[str] | None = None,
    *,
    check_go_version: bool = True,
    timeout: float = _PROBE_TIMEOUT,
) -> DelveCandidate:
    """The Delve to read ``executable``'s cores with.

    An explicit ``dlv`` (or ``$DLV``) is used as given, with a warning when it does not support
    the Go release that built the executable. Otherwise the newest candidate that supports it
    wins; when none does, :class:`~dlvclient.NoSuitableDelveError` names the release to install
    and the command that installs it (with ``check_go_version=False``, the newest is used).
    """
    go = _target_go(executable)
    explicit = _explicit_place(dlv)
    if explicit is not None:  # used as given: the other candidates are not even probed
        chosen = DelveCandidate(explicit[0], _probe(explicit[0], timeout), explicit[1])
        if not chosen.supports(go):
            logger.warning(
                "%s (Delve %s, from %s) does not support Go %s, which built %s; %s",
                chosen.path,
                chosen.version or "of unknown version",
                chosen.origin,
                go,
                executable,
                install_advice(go),
            )
        return chosen
    candidates = delve_candidates(timeout=timeout)
    if not candidates:
        raise DlvNotFoundError(f"dlv (Delve) was not found; {install_advice(go)}")
    # A dlv whose version cannot be read may not be Delve at all: the last resort only.
    usable = [c for c in candidates if c.version is not None] or candidates
    ranked = sorted(usable, key=lambda c: c.version or Version(0, 0), reverse=True)
    for candidate in ranked:
        if candidate.supports(go):
            return candidate
    if not check_go_version:
        logger.warning("no Delve found supports Go %s; trying %s anyway", go, ranked[0].path)
        return ranked[0]
    assert go is not None
    release = release_for_go(go)
    found = ", ".join(_summary(c) for c in candidates)
    raise NoSuitableDelveError(
        f"{executable} was built with Go {go}, and no Delve found supports it: {found}; "
        f"{install_advice(go)}",
        go_version=str(go),
        delve_version=", ".join(str(c.version) for c in candidates),
        release=str(release.version) if release else None,
        command=_install_command(release),
        supported=release.window if release else None,
    )


def _summary(candidate: DelveCandidate) -> str:
    release = candidate.release
    window = "–".join(release.window) if release else "?"
    return f"{candidate.path} (Delve {candidate.version or '?'}, Go {window})"


def _install_command(release: DelveRelease | None) -> str:
    return f"dlvclient delve install {release.version}" if release else "dlvclient delve install"


# --- installing --------------------------------------------------------------------------------


def _local_go(go: str | None) -> tuple[Path, Version]:
    found = shutil.which(go or "go")
    if found is None:
        raise DelveInstallError(
            "installing Delve needs Go, and `go` is not on PATH: install Go "
            "(https://go.dev/doc/install) and put it on PATH"
        )
    done = subprocess.run(
        [found, "env", "GOVERSION"], capture_output=True, text=True, check=False, timeout=60
    )
    version = parse_go_version(done.stdout.strip())
    if done.returncode != 0 or version is None:
        raise DelveInstallError(f"`{found} env GOVERSION` failed: {done.stderr.strip()}")
    return Path(found), version


def _toolchain(release: DelveRelease, local: Version) -> str:
    """GOTOOLCHAIN for building ``release``: the local Go when it fits, else a Go in its window.

    A Delve builds with Go from its go.mod's directive on; one newer than the newest Go it
    debugs may not build it (or read DWARF that Go writes), so then Go fetches one that fits.
    """
    if release.builds_with <= local and local[:2] <= release.newest_go[:2]:
        return "local"
    wanted = Version(release.newest_go[0], release.newest_go[1], 0)
    if wanted < _FIRST_FETCHABLE:
        return "local"  # Go cannot fetch toolchains this old: try the local one
    return f"go{wanted}"


def install_delve(
    version: str | None = None,
    *,
    for_executable: str | os.PathLike[str] | None = None,
    go: str | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 1800.0,
) -> DelveCandidate:
    """``go install`` Delve ``version`` (or the one ``for_executable`` needs) into the cache.

    The release lands in ``$DLVCLIENT_HOME/delve/vVERSION/dlv``, built by the Go toolchain it
    needs (fetched through GOTOOLCHAIN when the local Go does not fit). Raises
    :class:`~dlvclient.DelveInstallError` without Go, without network, or when the build fails.
    """
    if (version is None) == (for_executable is None):
        raise InvalidArgumentError("install_delve: pass a version or for_executable, not both")
    if for_executable is not None:
        target = _target_go(for_executable, strict=True)
        if target is None:
            raise DelveInstallError(
                f"{for_executable} carries no Go version in its build info: name the Delve "
                "version to install"
            )
        release = release_for_go(target)
        if release is None:
            raise DelveInstallError(
                f"{for_executable} was built with Go {target}, and no Delve release known to "
                f"this dlvclient supports it: {install_advice(target)}"
            )
    else:
        assert version is not None
        try:
            wanted = Version.parse(version.removeprefix("v"))
        except ValueError:
            raise InvalidArgumentError(
                f"{version!r} is not a Delve version: pass one like 1.27.2"
            ) from None
        release = delve_release(wanted)
        if release is None:
            raise InvalidArgumentError(
                f"Delve {wanted} is older than every release this dlvclient supports "
                f"({RELEASES[0].version} and newer)"
            )
        if release.version != wanted:
            # A patch release newer than the generated table: its window is its minor's.
            release = DelveRelease(
                wanted, release.oldest_go, release.newest_go, release.builds_with
            )
    go_path, local = _local_go(go)
    target_dir = _cache_dir() / f"v{release.version}"
    toolchain = _toolchain(release, local)
    run_env = {**(os.environ if env is None else env)}
    run_env.update(GOBIN=str(target_dir), GOTOOLCHAIN=toolchain, GOFLAGS="")
    argv = [str(go_path), "install", f"{_MODULE}@v{release.version}"]
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, env=run_env, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise DelveInstallError(f"`{' '.join(argv)}` did not finish within {timeout} s") from None
    if done.returncode != 0:
        said = done.stderr.strip()[-2000:]
        why = (
            "the Go module proxy could not be reached (no network?): connect, or set GOPROXY "
            "to a proxy you can reach"
            if _NETWORK.search(said)
            else "the build failed"
        )
        raise DelveInstallError(
            f"installing Delve {release.version} (GOTOOLCHAIN={toolchain}) failed: {why}. "
            f"go said: {said}"
        )
    path = (target_dir / "dlv").resolve()
    return DelveCandidate(path, _probe(path, _PROBE_TIMEOUT), "cache")
