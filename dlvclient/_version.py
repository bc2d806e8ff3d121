"""Versions: Delve releases and the features each introduced, the pinned Delve, dlvclient's own."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from ._delve_releases import RELEASES as _GENERATED

#: dlvclient's own version (the wheel's, read from here by the build).
__version__ = "0.1.0"

__all__ = [
    "FEATURES",
    "LONG_MEMORY_READS",
    "PINNED_DELVE",
    "RELEASES",
    "UNIX_LISTEN",
    "DelveRelease",
    "Feature",
    "Version",
    "delve_for_go",
    "delve_release",
    "install_command",
    "parse_delve_version",
    "parse_go_version",
    "release_for_go",
]


class Version(NamedTuple):
    """A ``major.minor.patch`` version that compares as a tuple."""

    major: int
    minor: int
    patch: int = 0

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"

    @classmethod
    def parse(cls, text: str) -> Version:
        """Parse ``"1.27.2"``; raises ValueError if there is no version in ``text``."""
        match = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", text)
        if match is None:
            raise ValueError(f"no version in {text!r}")
        major, minor, patch = match.groups()
        return cls(int(major), int(minor), int(patch or 0))


def parse_delve_version(text: str) -> Version | None:
    """The version in ``GetVersion.DelveVersion`` or ``dlv version`` (``Version: 1.27.2``)."""
    match = re.search(r"Version:\s*v?(\d+\.\d+(?:\.\d+)?)", text)
    return Version.parse(match.group(1)) if match else None


_GO_VERSION = re.compile(r"go(\d+\.\d+(?:\.\d+)?)")
# GetVersion's MinSupportedVersionOfGo and MaxSupportedVersionOfGo carry no "go" prefix.
_BARE_VERSION = re.compile(r"\s*(\d+\.\d+(?:\.\d+)?)")


def parse_go_version(text: str | None) -> Version | None:
    """The Go version in what Delve reports, or None when there is none.

    Accepts ``"go1.26.8"``, the DWARF producer ``"Go cmd/compile go1.26.8"``, pre-releases
    (``"go1.25rc1"`` is 1.25.0), development builds that name their version and a bare
    ``"1.25.0"``; old ``"devel +hash"`` builds carry no version.
    """
    if not text:
        return None
    match = _GO_VERSION.search(text) or _BARE_VERSION.match(text)
    return Version.parse(match.group(1)) if match else None


@dataclass(frozen=True)
class Feature:
    """Something a Delve release added: ``name`` is what an error shows a user."""

    name: str
    since: Version


UNIX_LISTEN = Feature("listening on a unix socket (--listen=unix:)", Version(1, 22, 1))
# ExamineMemory refuses more than 1000 bytes a call before this release (65536 since).
LONG_MEMORY_READS = Feature("ExamineMemory reads of more than 1000 bytes", Version(1, 24, 0))

# Methods and fields added after Delve 1.20, the oldest release dlvclient supports.
FEATURES: dict[str, Feature] = {
    feature.name: feature
    for feature in (
        UNIX_LISTEN,
        LONG_MEMORY_READS,
        Feature("ListTargets", Version(1, 21, 0)),
        Feature("FollowExec", Version(1, 21, 0)),
        Feature("DebugInfoDirectories", Version(1, 21, 0)),
        Feature("ListGoroutines with an EvalScope", Version(1, 21, 1)),
        Feature("the WaitingOnChannel goroutine filter", Version(1, 21, 1)),
        Feature("ListPackagesBuildInfo with a Filter", Version(1, 21, 1)),
        Feature("ListFunctions with FollowCalls", Version(1, 23, 0)),
        Feature("GuessSubstitutePath", Version(1, 24, 0)),
        Feature("GetEvents", Version(1, 25, 2)),
        Feature("the stop reason in DebuggerState", Version(1, 26, 1)),
        Feature("Stacktrace with Skip", Version(1, 26, 2)),
        Feature("TypeInfo", Version(1, 26, 2)),
    )
}


@dataclass(frozen=True)
class DelveRelease:
    """A Delve release, the Go releases it debugs and the oldest Go that builds it."""

    version: Version
    oldest_go: Version
    newest_go: Version
    builds_with: Version

    def supports(self, go: Version) -> bool:
        """True when this release debugs programs built by Go ``go`` (compared by minor)."""
        return self.oldest_go[:2] <= go[:2] <= self.newest_go[:2]

    @property
    def window(self) -> tuple[str, str]:
        """``("1.25", "1.27")``: the oldest and newest Go release it debugs."""
        return (
            f"{self.oldest_go[0]}.{self.oldest_go[1]}",
            f"{self.newest_go[0]}.{self.newest_go[1]}",
        )


# Every release since 1.20.0 with its Go window: generated from Delve's own compat.go at each
# tag (scripts/gen_delve_releases.py); a target outside the window makes dlv refuse to start
# unless --check-go-version=false.
RELEASES: tuple[DelveRelease, ...] = tuple(
    DelveRelease(*(Version.parse(field) for field in row)) for row in _GENERATED
)


def delve_release(version: Version) -> DelveRelease | None:
    """The release ``version`` is, or the newest known one before it (a patch not yet listed).

    None for a version older than every release dlvclient knows (before 1.20.0).
    """
    known = [r for r in RELEASES if r.version <= version]
    return known[-1] if known else None


def release_for_go(go: Version) -> DelveRelease | None:
    """The newest Delve release that debugs programs built by Go ``go``."""
    fits = [r for r in RELEASES if r.supports(go)]
    return fits[-1] if fits else None


#: The Delve release dlvclient is developed and tested against (scripts/_setup.sh reads it here).
PINNED_DELVE = Version(1, 27, 2)

_DLV_PACKAGE = "github.com/go-delve/delve/cmd/dlv"


def install_command(version: str | None = None) -> str:
    """The ``go install`` of Delve at ``version`` (``"v1.22"``, ``"latest"``; default: pinned)."""
    return f"go install {_DLV_PACKAGE}@{version or f'v{PINNED_DELVE}'}"


def delve_for_go(go: Version) -> str:
    """The Delve to install for a target built by Go ``go``, as a ``go install`` version.

    The pinned release when it supports that Go, else the newest release that does
    (``"v1.22.1"``); ``"latest"`` for a Go newer than every release, the oldest release for a
    Go older than that.
    """
    pinned = delve_release(PINNED_DELVE)
    if pinned is not None and pinned.supports(go):
        return f"v{PINNED_DELVE}"
    release = release_for_go(go)
    if release is not None:
        return f"v{release.version}"
    return "latest" if go[:2] > RELEASES[-1].newest_go[:2] else f"v{RELEASES[0].version}"
