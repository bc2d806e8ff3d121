"""Where dlvclient keeps what it fetches and learns: ``$DLVCLIENT_HOME``."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["HOME_ENV", "dlvclient_home", "read_json", "write_json"]

HOME_ENV = "DLVCLIENT_HOME"


def dlvclient_home() -> Path:
    """``$DLVCLIENT_HOME``, else the user's cache directory (``~/.cache/dlvclient``).

    It holds installed Delves (``delve/``), the versions read from each dlv found, the build-id
    index of each ``--exe-dir`` and executables fetched from debuginfod; all of it can be
    deleted at any time.
    """
    explicit = os.environ.get(HOME_ENV)
    if explicit:
        return Path(explicit).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "dlvclient"


def read_json(path: Path) -> Any:
    """The JSON in ``path``, or None when it is missing or unreadable (a cache: start over)."""
    try:
        return json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` to ``path`` atomically, so concurrent readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
