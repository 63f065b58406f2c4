"""The ``websessions`` command: ``websessions --help`` or ``python -m websessions --help``.

This module imports without click, so a core install gets a clear message
instead of a traceback; the commands are in :mod:`websessions.cli_app` and
need ``pip install 'websessions[cli]'``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

MISSING_CLICK = (
    "websessions: the command line needs click, which this install lacks:\n"
    "    pip install 'websessions[cli]'\n"
)
EXIT_MISSING_DEPENDENCY = 1


def main(argv: Sequence[str] | None = None, prog_name: str | None = None) -> None:
    """Run the command with ``argv`` (default: ``sys.argv[1:]``); exits the process."""
    try:
        from .cli_app import cli
    except ModuleNotFoundError as exc:
        if exc.name != "click":
            raise
        sys.stderr.write(MISSING_CLICK)
        raise SystemExit(EXIT_MISSING_DEPENDENCY) from None
    cli.main(args=None if argv is None else list(argv), prog_name=prog_name)
