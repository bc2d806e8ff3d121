"""``python -m dlvclient``: the command-line interface."""

from ._cli import entry

entry()
