"""A griffe extension for the docs build: Sphinx roles in docstrings become links or code.

The package's docstrings use Sphinx roles (``:class:`~websessions.UsageError```).
mkdocstrings would show them as they are; this turns a role naming a public
name (one in ``websessions.__all__``, all of which docs/api.md documents) into
an autorefs link (classes, exceptions and functions: ``:meth:`save``` is a
method, not ``websessions.save``), and any other role into inline code, so a strict build never
meets a reference it can't resolve. Loaded from mkdocs.yml.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import griffe

ROLE = re.compile(r":(class|meth|func|mod|attr|exc|obj|data|const):`(~?)([^`<>]+)`")
# Roles whose bare name means a top-level name; ``:meth:`save``` means a method.
LINKABLE = frozenset({"class", "exc", "func", "obj", "data"})
INIT = Path(__file__).resolve().parent.parent / "src" / "websessions" / "__init__.py"


def public_names(init: Path = INIT) -> frozenset[str]:
    """``websessions.__all__``, read without importing the package."""
    for node in ast.parse(init.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "__all__" for target in node.targets
        ):
            return frozenset(ast.literal_eval(node.value))
    return frozenset()


def rewrite(text: str, public: frozenset[str]) -> str:
    """Replace each Sphinx role in ``text`` with a link (public names) or code."""

    def replace(match: re.Match[str]) -> str:
        role, short, target = match.group(1), match.group(2) == "~", match.group(3).strip()
        name = target.removeprefix("websessions.")
        shown = target.rsplit(".", 1)[-1] if short else target
        if role in LINKABLE and "." not in name and name in public:
            return f"[`{shown}`][websessions.{name}]"
        return f"`{shown}`"

    return ROLE.sub(replace, text)


class SphinxRoles(griffe.Extension):
    """Rewrites the roles of every docstring as it is loaded."""

    def __init__(self) -> None:
        super().__init__()
        self.public = public_names()

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = rewrite(obj.docstring.value, self.public)
