"""Importing websessions (and its adapters) imports no web framework."""

from __future__ import annotations

import json
import subprocess
import sys

FRAMEWORKS = ("flask", "werkzeug", "starlette", "fastapi", "django", "aiohttp")


def test_import_websessions_imports_no_framework() -> None:
    script = (
        "import json, sys, websessions, websessions.adapters, websessions.integrations\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({FRAMEWORKS!r}))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert json.loads(result.stdout) == []
