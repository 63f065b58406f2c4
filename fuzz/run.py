"""Run one fuzz target under atheris (libFuzzer) for a bounded time.

    python -m fuzz.run TARGET [-max_total_time=30] [libFuzzer flags...]

TARGET is one of fuzz.targets.TARGETS. ``make fuzz`` runs each for a short
while; a crash leaves its input as ``crash-*`` in the current directory.
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    import websessions  # noqa: F401  (instrumented for coverage feedback)
    from fuzz.targets import TARGETS


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        sys.exit(f"usage: python -m fuzz.run {{{','.join(TARGETS)}}} [libFuzzer flags]")
    target = TARGETS[sys.argv[1]]
    atheris.Setup([sys.argv[0], *sys.argv[2:]], target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
