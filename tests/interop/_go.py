"""The Go peer: build the gohelper program and talk to it in JSON batches.

``gohelper/main.go`` runs every operation through the real
gorilla/securecookie and gorilla/sessions (Debian's sources, GOPATH mode,
offline). One process answers a whole list of ops, so a test costs one
process start, not one per value.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SOURCE_DIR = HERE / "gohelper"
BUILD_DIR = HERE / "_build"
BINARY = BUILD_DIR / "gohelper"
GOPATH = Path("/usr/share/gocode")
GORILLA = GOPATH / "src" / "github.com" / "gorilla"
FIX = "run `make system-deps` (installs golang-go and Debian's gorilla securecookie/sessions)"


class GoHelperError(RuntimeError):
    """The helper could not be built or crashed: a broken test setup, never a finding."""


def go_env() -> dict[str, str]:
    """Offline GOPATH-mode build settings, cache kept under ``_build/``."""
    env = dict(os.environ)
    env.update(
        GO111MODULE="off",
        GOPATH=str(GOPATH),
        GOCACHE=str(BUILD_DIR / "gocache"),
        GOTOOLCHAIN="local",
        GOPROXY="off",
        GOFLAGS="",
        CGO_ENABLED="0",
    )
    return env


def missing_prerequisites() -> list[str]:
    missing = []
    if shutil.which("go") is None:
        missing.append("the `go` command")
    for package in ("securecookie", "sessions"):
        if not (GORILLA / package).is_dir():
            missing.append(f"gorilla/{package} sources in {GORILLA / package}")
    return missing


def build() -> Path:
    """Compile the helper into ``_build/gohelper`` (incremental thanks to GOCACHE)."""
    BUILD_DIR.mkdir(exist_ok=True)
    # Build beside the target and rename: concurrent test runs never see half a binary.
    tmp = BUILD_DIR / f"gohelper.tmp.{os.getpid()}"
    proc = subprocess.run(
        ["go", "build", "-o", str(tmp), "."],
        cwd=SOURCE_DIR,
        env=go_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if proc.returncode != 0:
        tmp.unlink(missing_ok=True)
        raise GoHelperError(f"go build failed ({FIX}):\n{proc.stderr}")
    os.replace(tmp, BINARY)
    return BINARY


class GoHelper:
    """A built gohelper binary; :meth:`run` sends one batch of ops."""

    def __init__(self, binary: Path) -> None:
        self.binary = binary

    def run(self, ops: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Run ``ops`` in one Go process; one result dict per op, in order."""
        request = json.dumps({"ops": ops}, allow_nan=False)  # ASCII: lone surrogates survive
        proc = subprocess.run(
            [str(self.binary)],
            input=request.encode("ascii"),
            capture_output=True,
            timeout=60,
            check=False,
        )
        if proc.returncode != 0:
            raise GoHelperError(
                f"gohelper exited with {proc.returncode}: {proc.stderr.decode(errors='replace')}"
            )
        results: list[dict[str, Any]] = json.loads(proc.stdout)["results"]
        assert len(results) == len(ops)
        return results

    def one(self, op: dict[str, Any]) -> dict[str, Any]:
        return self.run([op])[0]


# -- values on the wire ------------------------------------------------------


def wire(value: Any) -> Any:
    """A Python value as gohelper reads it: bytes become ``{"$bytes": b64}``.

    Floats keep their ``.``/exponent in ``json.dumps`` (``1.0``), so Go
    rebuilds a float64; ints stay ints (int64, uint64 or *big.Int).
    """
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode("ascii")}
    if isinstance(value, dict):
        return {k: wire(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [wire(v) for v in value]
    return value


def canon(value: Any, *, go_numbers: bool = False) -> Any:
    """A comparable form that keeps bool apart from int (``True == 1`` in Python).

    Numbers compare by exact value (``1 == 1.0``, but ``2**63-1 != 2.0**63``);
    with ``go_numbers`` every number first becomes a float64, which is what
    Go's JSON decoding into ``interface{}`` holds. bytes travel as base64 text.
    """
    if value is None or isinstance(value, bool | str):
        return (type(value).__name__, value)
    if isinstance(value, int | float):
        return ("num", float(value) if go_numbers else value)
    if isinstance(value, bytes):
        return ("str", base64.b64encode(value).decode("ascii"))
    if isinstance(value, list | tuple):
        return ("list", [canon(v, go_numbers=go_numbers) for v in value])
    if isinstance(value, dict):
        return ("dict", {k: canon(v, go_numbers=go_numbers) for k, v in value.items()})
    raise TypeError(f"no canonical form for {type(value).__name__}")


def hexkeys(*keys: bytes | None) -> list[str | None]:
    return [None if k is None else k.hex() for k in keys]


def derive_key(label: str, size: int) -> bytes:
    """Deterministic test keys, so a failure reproduces."""
    return hashlib.shake_256(label.encode()).digest(size)


# (hash key, block key) per mode: sign only, AES-128, AES-192, AES-256.
KEY_MODES: dict[str, tuple[bytes, bytes | None]] = {
    "hash-only": (derive_key("hash-only", 32), None),
    "aes128": (derive_key("hash-128", 64), derive_key("block-128", 16)),
    "aes192": (derive_key("hash-192", 32), derive_key("block-192", 24)),
    "aes256": (derive_key("hash-256", 64), derive_key("block-256", 32)),
}
