#!/usr/bin/env bash
# Build the documentation site into ./site with `mkdocs build --strict`:
# a broken link, anchor or API reference fails the build (and `make test`).
#
#   scripts/build-docs.sh [extra mkdocs build options]
#
# Uses .venv/bin when it exists, else whatever python3 is on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -x .venv/bin/python ]]; then
    PY=.venv/bin/python
else
    PY=${PYTHON:-python3}
fi

# The benchmarks page shows docs/img/bench.svg; until `make bench` has drawn
# the real chart, draw a placeholder so the page (and the build) never breaks.
if [[ ! -f docs/img/bench.svg ]]; then
    "$PY" -m benchmarks.chart --out docs/img/bench.svg
fi

# mkdocs-material prints a notice about its future on stderr at every build;
# it is not a warning about these docs.
export NO_MKDOCS_2_WARNING=1
exec "$PY" -m mkdocs build --strict --clean --site-dir site "$@"
