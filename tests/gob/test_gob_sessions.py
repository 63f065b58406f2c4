"""Session-level interop: real gorilla CookieStore / FilesystemStore <-> websessions.

A matrix of value shapes x keys (hash only, AES-128, AES-256) x store
(cookie, filesystem), in both directions, with default settings on both
sides and the same keys; flashes read on one side are gone on the other;
FilesystemStore files are shared (``session_<ID>``, same content format).
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

import websessions as ws

from .goside import VALUES, I, L, S, canon, py, sig
from .shapes import SHAPES

NAME = "sess"
HASH = bytes(range(32))
KEYS = {
    "hash-only": (HASH, None),
    "aes128": (HASH, bytes(range(100, 116))),
    "aes256": (HASH, bytes(range(200, 232))),
}
MATRIX_SHAPES = [
    "unicode",
    "ints",
    "floats",
    "bytes",
    "nested",
    "int-keys",
    "struct",
    "typed-containers",
    "time",
    "bools-and-nil",
]


def _go_keys(mode: str) -> list[str]:
    return [base64.b64encode(k).decode() for k in KEYS[mode] if k is not None]


def _store(kind: str, mode: str, path: Path, gob: Any) -> ws.Store:
    hash_key, block_key = KEYS[mode]
    if kind == "fs":
        return ws.FilesystemStore(path, hash_key, block_key, serializer=gob)
    return ws.CookieStore(hash_key, block_key, serializer=gob)


def _cookie_value(header: str) -> str:
    name, _, rest = header.partition("=")
    assert name == NAME
    return rest.split(";", 1)[0]


class Python:
    """One request to the Python service."""

    def __init__(self, store: ws.Store, cookie: str | None = None) -> None:
        self.environ: dict[str, Any] = {"REQUEST_METHOD": "GET"}
        if cookie:
            self.environ["HTTP_COOKIE"] = f"{NAME}={cookie}"
        self.session = store.get(self.environ, NAME)

    def save(self) -> str:
        headers: list[tuple[str, str]] = []
        self.session.save(self.environ, headers)
        [(header, value)] = headers
        assert header == "Set-Cookie"
        return _cookie_value(value)


def go_session(gohelper, kind: str, mode: str, path: Path, **kw: Any) -> dict[str, Any]:
    keys = _go_keys(mode)
    answer: dict[str, Any] = gohelper(
        op="session", store=kind, dir=str(path), keys=keys, name=NAME, **kw
    )
    assert not answer.get("error"), answer
    return answer


def _go_values(answer: dict[str, Any]) -> dict[str, Any]:
    return VALUES([tuple(p) for p in answer.get("values") or []])


@pytest.fixture(params=["cookie", "fs"])
def kind(request):
    return request.param


@pytest.fixture(params=sorted(KEYS))
def mode(request):
    return request.param


@pytest.mark.parametrize("shape", MATRIX_SHAPES)
def test_go_writes_python_reads(gohelper, gob, tmp_path, kind, mode, shape):
    tv = SHAPES[shape]
    answer = go_session(gohelper, kind, mode, tmp_path, set=tv["v"], save=True)
    [header] = answer["set_cookie"]
    request = Python(_store(kind, mode, tmp_path, gob), _cookie_value(header))
    session = request.session
    assert session.error is None
    assert not session.is_new
    expected = py(tv)
    assert sig(session.values) == sig(expected)
    if shape != "floats":
        assert session.values == expected
    if kind == "fs":
        assert session.id == answer["id"]
        assert (tmp_path / f"session_{answer['id']}").is_file()


@pytest.mark.parametrize("shape", MATRIX_SHAPES)
def test_python_writes_go_reads(gohelper, gob, tmp_path, kind, mode, shape):
    tv = SHAPES[shape]
    request = Python(_store(kind, mode, tmp_path, gob))
    request.session.values.update(py(tv))
    cookie = request.save()
    answer = go_session(gohelper, kind, mode, tmp_path, cookie=cookie)
    assert answer["is_new"] is False
    assert canon(_go_values(answer)) == canon(tv)
    if kind == "fs":
        assert answer["id"] == request.session.id
        assert sorted(p.name for p in tmp_path.iterdir()) == [f"session_{request.session.id}"]


def test_flashes_read_in_python_are_gone_for_go(gohelper, gob, tmp_path, kind, mode):
    answer = go_session(
        gohelper, kind, mode, tmp_path, add_flashes=[S("Saved!"), I("int", 2)], save=True
    )
    request = Python(_store(kind, mode, tmp_path, gob), _cookie_value(answer["set_cookie"][0]))
    assert request.session.flashes() == ["Saved!", 2]
    request.session.values["seen"] = True
    cookie = request.save()
    answer = go_session(gohelper, kind, mode, tmp_path, cookie=cookie, take_flashes=True)
    assert answer.get("flashes") is None
    keys = [py(k) for k, _ in answer["values"]]
    assert keys == ["seen"]


def test_flashes_read_in_go_are_gone_for_python(gohelper, gob, tmp_path, kind, mode):
    store = _store(kind, mode, tmp_path, gob)
    request = Python(store)
    request.session.add_flash("hello")
    request.session.add_flash({"level": "warn"})
    request.session.values[7] = "kept"
    cookie = request.save()
    answer = go_session(gohelper, kind, mode, tmp_path, cookie=cookie, take_flashes=True, save=True)
    assert [py(f) for f in answer["flashes"]] == ["hello", {"level": "warn"}]
    request = Python(store, _cookie_value(answer["set_cookie"][0]))
    assert request.session.flashes() == []
    assert request.session.values == {7: "kept"}


def test_both_services_edit_one_filesystem_session(gohelper, gob, tmp_path, mode):
    """Go creates, Python edits, Go edits, Python reads: one file, one ID throughout."""
    store = _store("fs", mode, tmp_path, gob)
    answer = go_session(gohelper, "fs", mode, tmp_path, set=[[S("a"), I("int", 1)]], save=True)
    cookie = _cookie_value(answer["set_cookie"][0])
    request = Python(store, cookie)
    request.session.values["b"] = [1, "two"]
    python_cookie = request.save()
    answer = go_session(
        gohelper, "fs", mode, tmp_path, cookie=python_cookie, set=[[S("c"), S("go")]], save=True
    )
    request = Python(store, _cookie_value(answer["set_cookie"][0]))
    assert request.session.values == {"a": 1, "b": [1, "two"], "c": "go"}
    assert [p.name for p in tmp_path.iterdir()] == [f"session_{request.session.id}"]


def test_filesystem_files_have_the_same_content_format(gohelper, gob, tmp_path, mode):
    """A file either side wrote is a secure-cookie value of the values under the session name."""
    hash_key, block_key = KEYS[mode]
    codec = ws.SecureCookie(hash_key, block_key, serializer=gob)
    go_dir, py_dir = tmp_path / "go", tmp_path / "py"
    go_dir.mkdir()
    values_tv = VALUES([(S("who"), S("gopher")), (I("int", 1), L("[]interface {}", [S("x")]))])
    answer = go_session(gohelper, "fs", mode, go_dir, set=values_tv["v"], save=True)
    go_file = go_dir / f"session_{answer['id']}"
    assert codec.decode(NAME, go_file.read_text()) == py(values_tv)
    request = Python(_store("fs", mode, py_dir, gob))
    request.session.values.update(py(values_tv))
    request.save()
    py_file = py_dir / f"session_{request.session.id}"
    assert codec.decode(NAME, py_file.read_text()) == py(values_tv)
    assert oct(py_file.stat().st_mode & 0o777) == oct(go_file.stat().st_mode & 0o777) == "0o600"
    # The cookie carries the gob-encoded ID, as gorilla's does.
    assert request.session.id is not None
    assert len(answer["id"]) == len(request.session.id) == 52


def test_wrong_keys_give_a_new_session_on_both_sides(gohelper, gob, tmp_path, kind):
    answer = go_session(gohelper, kind, "aes128", tmp_path, set=[[S("a"), S("b")]], save=True)
    request = Python(_store(kind, "aes256", tmp_path, gob), _cookie_value(answer["set_cookie"][0]))
    assert request.session.is_new
    assert isinstance(request.session.error, ws.DecodeError)


def test_python_deleting_a_filesystem_session_is_seen_by_go(gohelper, gob, tmp_path, mode):
    store = _store("fs", mode, tmp_path, gob)
    request = Python(store)
    request.session.values["x"] = 1
    cookie = request.save()
    request = Python(store, cookie)
    request.session.options.max_age = -1
    request.save()
    assert list(tmp_path.iterdir()) == []
    answer = gohelper(
        op="session", store="fs", dir=str(tmp_path), keys=_go_keys(mode), name=NAME, cookie=cookie
    )
    assert answer["is_new"] is True
    assert "no such file" in answer["error"]
