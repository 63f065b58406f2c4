"""scripts/check-package.sh: build, install in a fresh venv, import, run the command."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_the_wheel_installs_and_works_in_a_fresh_venv(tmp_path: Path) -> None:
    if importlib.util.find_spec("hatchling") is None:
        pytest.skip("an offline build needs hatchling in this environment ([test] extra)")
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "check-package.sh"), "--offline", "--keep", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHON": sys.executable},
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "== package OK: websessions" in done.stdout
    assert "checking the installed package" in done.stdout
    built = sorted(path.name for path in tmp_path.iterdir())
    assert len(built) == 2
    assert built[0].endswith("-py3-none-any.whl")
    assert built[1].endswith(".tar.gz")


def test_the_script_refuses_unknown_options() -> None:
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "check-package.sh"), "--frobnicate"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "unknown option --frobnicate" in done.stderr
