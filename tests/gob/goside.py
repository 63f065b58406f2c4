"""The Go side of the gob tests: the helper program, and typed values for it.

Values cross as typed JSON, ``{"t": <Go type>, "v": ...}`` (see
gohelper/main.go), so a test states the exact Go type it expects. ``py()``
gives the Python value websessions should map a typed value to, written
independently of the decoder from the documented table.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import math
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from websessions.serializers import gob as g

HERE = Path(__file__).parent
BUILD = HERE / "_build"
GOPATH = "/usr/share/gocode"


def go_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        GO111MODULE="off",
        GOPATH=GOPATH,
        GOPROXY="off",
        GOTOOLCHAIN="local",
        GOFLAGS="",
        GOCACHE=str(BUILD / "gocache"),
    )
    return env


def build_helper() -> Path | None:
    """Build gohelper offline (GOPATH mode); None if Go or gorilla is missing."""
    go = shutil.which("go")
    if go is None or not Path(GOPATH, "src/github.com/gorilla/sessions").is_dir():
        return None
    BUILD.mkdir(exist_ok=True)
    binary = BUILD / "gohelper"
    source = HERE / "gohelper" / "main.go"
    if binary.exists() and binary.stat().st_mtime >= source.stat().st_mtime:
        return binary
    subprocess.run(
        [go, "build", "-o", str(binary), "./gohelper"],
        cwd=HERE,
        env=go_env(),
        check=True,
        capture_output=True,
        timeout=600,
    )
    return binary


class GoHelper:
    """A running gohelper: one JSON request per line, one answer per line."""

    def __init__(self, binary: Path) -> None:
        self.binary = binary
        self.proc = subprocess.Popen(
            [str(binary)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def __call__(self, **request: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, "gohelper died"
        return json.loads(line)  # type: ignore[no-any-return]

    def fresh(self, **request: Any) -> dict[str, Any]:
        """The answer of a new process: gob type ids as a fresh Go program numbers them."""
        out = subprocess.run(
            [str(self.binary)],
            input=json.dumps(request) + "\n",
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        return json.loads(out.stdout)  # type: ignore[no-any-return]

    def close(self) -> None:
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=30)
        self.proc.stdout.close()

    def encode(self, tv: dict[str, Any]) -> bytes:
        answer = self(op="gob-encode", value=tv)
        assert "error" not in answer, answer
        return base64.b64decode(answer["data"])

    def decode(self, data: bytes, into: str = "map") -> dict[str, Any]:
        return self(op="gob-decode", data=base64.b64encode(data).decode(), into=into)


# -- typed values ----------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


NIL: dict[str, Any] = {"t": "nil"}


def S(text: str) -> dict[str, Any]:
    return {"t": "string", "v": _b64(text.encode("utf-8", "surrogateescape"))}


def B(data: bytes) -> dict[str, Any]:
    return {"t": "[]uint8", "v": _b64(data)}


def I(go_type: str, value: int) -> dict[str, Any]:  # noqa: E743
    return {"t": go_type, "v": str(value)}


def F(go_type: str, value: float) -> dict[str, Any]:
    return {"t": go_type, "v": repr(value)}


def C(go_type: str, value: complex) -> dict[str, Any]:
    return {"t": go_type, "v": [repr(value.real), repr(value.imag)]}


def BOOL(value: bool) -> dict[str, Any]:
    return {"t": "bool", "v": value}


def T(value: dt.datetime) -> dict[str, Any]:
    return {"t": "time.Time", "v": value.isoformat().replace("+00:00", "Z")}


def L(go_type: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"t": go_type, "v": items}


def M(go_type: str, pairs: list[tuple[dict[str, Any], dict[str, Any]]]) -> dict[str, Any]:
    return {"t": go_type, "v": [list(p) for p in pairs]}


def VALUES(pairs: list[tuple[dict[str, Any], dict[str, Any]]]) -> dict[str, Any]:
    return M("map[interface {}]interface {}", pairs)


def STRUCT(go_type: str, fields: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {"t": go_type, "v": fields}


# -- the Python side of the Go test types ---------------------------------------


ZERO_TIME = dt.datetime(1, 1, 1, tzinfo=dt.UTC)


@dataclasses.dataclass(frozen=True)
class Address:
    city: str = ""
    zip_code: str = ""


@dataclasses.dataclass
class Person:
    name: str
    age: int = 0
    height: float = 0.0
    admin: bool = False
    tags: list[str] = dataclasses.field(default_factory=list)
    home: Address = dataclasses.field(default_factory=Address)
    meta: dict[str, Any] = dataclasses.field(default_factory=dict)
    born: dt.datetime = dataclasses.field(default_factory=lambda: ZERO_TIME)
    rank: int = 0
    boss: Address | None = None


def register_types(registry: g.GobRegistry | None = None) -> None:
    g.gob_register("*main.Address", Address, fields={"zip_code": "Zip"}, registry=registry)
    g.gob_register("main.Person", Person, types={"rank": "uint16"}, registry=registry)


def address_tv(city: str = "", zip_code: str = "") -> dict[str, Any]:
    return STRUCT("main.Address", {"City": S(city), "Zip": S(zip_code)})


def person_tv(name: str, **kw: Any) -> dict[str, Any]:
    """A full main.Person, as gohelper dumps it (every field, zero ones too)."""
    boss = kw.get("boss")
    return STRUCT(
        "main.Person",
        {
            "Name": S(name),
            "Age": I("int", kw.get("age", 0)),
            "Height": F("float64", kw.get("height", 0.0)),
            "Admin": BOOL(kw.get("admin", False)),
            "Tags": L("[]string", [S(t) for t in kw.get("tags", [])]),
            "Home": address_tv(*kw.get("home", ("", ""))),
            "Meta": M("map[string]interface {}", kw.get("meta", [])),
            "Born": T(kw.get("born", ZERO_TIME)),
            "Rank": I("uint16", kw.get("rank", 0)),
            "Boss": NIL if boss is None else {**address_tv(*boss), "t": "*main.Address"},
        },
    )


_WRAPPERS: dict[str, Any] = {
    "int8": g.Int8,
    "int16": g.Int16,
    "int32": g.Int32,
    "int64": g.Int64,
    "uint": g.Uint,
    "uint8": g.Uint8,
    "uint16": g.Uint16,
    "uint32": g.Uint32,
    "uint64": g.Uint64,
    "uintptr": g.Uintptr,
}
_INTS = {"int", *_WRAPPERS}


def py(tv: dict[str, Any], *, boxed: bool = True, top: bool = True) -> Any:
    """The Python value websessions maps a Go value to (the documented table).

    ``boxed``: the value sits in an interface (keeps its Go type in Python);
    ``top``: it is the value passed to Encode (session.Values itself).
    """
    t: str = tv["t"]
    v: Any = tv.get("v")
    if t == "nil":
        return None
    if t == "bool":
        return v
    if t in _INTS:
        return _WRAPPERS[t](int(v)) if boxed and t in _WRAPPERS else int(v)
    if t in ("float64", "float32"):
        return g.Float32(float(v)) if boxed and t == "float32" else float(v)
    if t in ("complex64", "complex128"):
        c = complex(float(v[0]), float(v[1]))
        return g.Complex64(c) if boxed and t == "complex64" else c
    if t == "string":
        return base64.b64decode(v).decode("utf-8", "surrogateescape")
    if t == "[]uint8":
        return base64.b64decode(v)
    if t == "time.Time":
        return dt.datetime.fromisoformat(v)
    if t == "main.Person":
        f = v
        boss = f["Boss"]
        return Person(
            name=py(f["Name"], boxed=False),
            age=py(f["Age"], boxed=False),
            height=py(f["Height"], boxed=False),
            admin=f["Admin"]["v"],
            tags=[py(x, boxed=False) for x in f["Tags"]["v"]],
            home=py(f["Home"], boxed=False),
            meta=py(f["Meta"], boxed=False),
            born=py(f["Born"], boxed=False),
            rank=py(f["Rank"], boxed=False),
            boss=None if boss["t"] == "nil" else py(boss, boxed=False),
        )
    if t in ("main.Address", "*main.Address"):
        return Address(city=py(v["City"]), zip_code=py(v["Zip"]))
    if t.startswith("map["):
        elem_boxed = t.endswith("interface {}")
        key_boxed = t.startswith("map[interface {}]")
        result = {
            py(k, boxed=key_boxed, top=False): py(x, boxed=elem_boxed, top=False) for k, x in v
        }
        plain = (t == "map[string]interface {}" and not top) or (
            t == "map[interface {}]interface {}"
            and (top or any(type(k) is not str for k in result))
        )
        return result if plain or not boxed else g.GoMap(t, result)
    if t.startswith("["):
        elem_boxed = t.endswith("interface {}")
        items = [py(x, boxed=elem_boxed, top=False) for x in v]
        return items if t == "[]interface {}" or not boxed else g.GoSlice(t, items)
    raise AssertionError(f"no Python mapping for {t}")


def sig(value: Any) -> Any:
    """The exact Python types inside ``value``, for comparing more than ``==``."""
    kind = type(value).__name__
    if isinstance(value, g.GoSlice | g.GoMap):
        kind += ":" + value.go_type
    if isinstance(value, dict):
        return (kind, sorted((repr(sig(k)), repr(sig(v))) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return (kind, [sig(v) for v in value])
    if dataclasses.is_dataclass(value):
        return (kind, [sig(getattr(value, f.name)) for f in dataclasses.fields(value)])
    if isinstance(value, float) and math.isnan(value):
        return (kind, "nan")
    return kind


def canon(tv: dict[str, Any]) -> Any:
    """A typed value in a form that compares equal however Go ordered or spelled it."""
    t: str = tv["t"]
    v: Any = tv.get("v")
    if t in ("float32", "float64"):
        f = float(v) if t == "float64" else float(g.Float32(float(v)))
        return (t, "nan" if math.isnan(f) else repr(f))
    if t in ("complex64", "complex128"):
        c = complex(float(v[0]), float(v[1]))
        return (t, repr(c if t == "complex128" else complex(g.Complex64(c))))
    if t == "time.Time":
        return (t, dt.datetime.fromisoformat(v))
    if isinstance(v, list) and t.startswith("map["):
        return (t, sorted(json.dumps([canon(k), canon(x)], default=str) for k, x in v))
    if isinstance(v, list):
        return (t, [canon(x) for x in v])
    if isinstance(v, dict):
        return (t, {k: canon(x) for k, x in sorted(v.items())})
    return (t, v)
