"""The documentation: every public name documented, every page in the nav, a strict build."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from mkdocs.config import load_config

import websessions

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def config() -> Any:
    return load_config(str(ROOT / "mkdocs.yml"))


def roles_extension() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "griffe_sphinx_roles", ROOT / "scripts" / "griffe_sphinx_roles.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def nav_files(nav: object) -> list[str]:
    if isinstance(nav, str):
        return [nav]
    if isinstance(nav, list):
        return [f for item in nav for f in nav_files(item)]
    if isinstance(nav, dict):
        return [f for value in nav.values() for f in nav_files(value)]
    return []


def test_every_public_name_is_on_the_api_page() -> None:
    documented = set(re.findall(r"^::: websessions\.(\w+)$", (DOCS / "api.md").read_text(), re.M))
    public = set(websessions.__all__) - {"__version__"}
    assert public - documented == set(), "add these to docs/api.md"
    assert documented - public == set(), "docs/api.md documents names that are not public"


def test_the_nav_has_the_pages_the_issue_asks_for() -> None:
    files = nav_files(config()["nav"])
    for page in [
        "index.md",
        "getting-started.md",
        "frameworks.md",
        "stores.md",
        "cookies.md",
        "serializers.md",
        "key-rotation.md",
        "security.md",
        "interop.md",
        "migrating-gorilla.md",
        "cli.md",
        "api.md",
        "architecture.md",
        "benchmarks.md",
    ]:
        assert page in files
        assert (DOCS / page).is_file(), page
    assert len(files) == len(set(files))


def test_diagrams_are_mermaid_fences_mkdocs_renders() -> None:
    loaded = config()
    assert loaded["strict"] is True
    fences = loaded["mdx_configs"]["pymdownx.superfences"]["custom_fences"]
    [mermaid] = [fence for fence in fences if fence["name"] == "mermaid"]
    assert mermaid["class"] == "mermaid"
    assert mermaid["format"].__module__ == "pymdownx.superfences"
    assert mermaid["format"].__name__ == "fence_code_format"
    architecture = (DOCS / "architecture.md").read_text()
    assert architecture.count("```mermaid") == 3
    assert "flowchart" in architecture
    assert architecture.count("sequenceDiagram") == 2


def test_sphinx_roles_become_links_or_code() -> None:
    roles = roles_extension()
    rewrite = roles.rewrite
    public = roles.public_names()
    assert public == frozenset(websessions.__all__)
    text = "raises :class:`~websessions.UsageError`; see :meth:`save` and :mod:`websessions.cli`"
    assert rewrite(text, public) == (
        "raises [`UsageError`][websessions.UsageError]; see `save` and `websessions.cli`"
    )
    assert rewrite(":class:`DecodeError`", public) == "[`DecodeError`][websessions.DecodeError]"
    assert rewrite(":func:`new_session_id`", public) == "`new_session_id`"


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    site = tmp_path / "site"
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "build-docs.sh"), "--site-dir", str(site)],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(tmp_path)},
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    api = (site / "api" / "index.html").read_text()
    for name in ("CookieStore", "SecureCookie", "DecodeError", "Options"):
        assert f'id="websessions.{name}"' in api
    assert 'href="#websessions.UsageError"' in api  # a docstring role, resolved
    assert (site / "img" / "bench.svg").is_file()
    assert 'class="mermaid"' in (site / "architecture" / "index.html").read_text()
