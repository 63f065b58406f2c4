"""``python -m examples.demo [--host H] [--port P] [--sessions-dir DIR]``."""

import sys

from .app import main

raise SystemExit(main(sys.argv[1:]))
