"""The ``dlvclient`` command (``python -m dlvclient``) in a process of its own."""

from __future__ import annotations

from typing import NoReturn

from . import _collector


def entry() -> NoReturn:
    """Run :func:`dlvclient._cli.main` and exit with its status (the console script)."""
    # Before the command line's imports: they are most of a small core's report.
    _collector.pause()
    from ._cli import main

    try:
        status = main()
    finally:
        _collector.freeze_for_exit()
    raise SystemExit(status)


if __name__ == "__main__":
    entry()
