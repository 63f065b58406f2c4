"""``python -m websessions``: the same as the ``websessions`` command."""

from __future__ import annotations

from .cli import main

if __name__ == "__main__":
    main(prog_name="python -m websessions")
