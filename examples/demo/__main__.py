"""``python -m examples.demo [--port P] [--store URL] [--secure] ...`` (``--help`` for all)."""

import sys

from .server import main

raise SystemExit(main(sys.argv[1:]))
