"""The CLI reads cookies made by the real gorilla/securecookie (Go), and Go reads ours."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import Keys, Run, output_json

GOPATH = "/usr/share/gocode"

PROGRAM = r"""
package main

import (
	"encoding/hex"
	"fmt"
	"os"

	"github.com/gorilla/securecookie"
)

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func main() {
	hashKey, err := hex.DecodeString(os.Args[2])
	must(err)
	blockKey, err := hex.DecodeString(os.Args[3])
	must(err)
	s := securecookie.New(hashKey, blockKey)
	if os.Args[1] == "decode" {
		s.SetSerializer(securecookie.JSONEncoder{})
		var value map[string]interface{}
		must(s.Decode("session", os.Args[4], &value))
		fmt.Println(value["from"], value["n"])
		return
	}
	if os.Args[1] == "json" {
		s.SetSerializer(securecookie.JSONEncoder{})
	}
	encoded, err := s.Encode("session", map[string]interface{}{"from": "go", "n": 7})
	must(err)
	fmt.Println(encoded)
}
"""


@pytest.fixture(scope="module")
def go_program(tmp_path_factory: pytest.TempPathFactory) -> Path:
    go = shutil.which("go")
    if go is None or not Path(GOPATH, "src/github.com/gorilla/securecookie").is_dir():
        pytest.skip("Go and gorilla/securecookie are needed: run `make system-deps`")
    folder = tmp_path_factory.mktemp("go")
    (folder / "main.go").write_text(PROGRAM)
    env = {
        **os.environ,
        "GOPATH": GOPATH,
        "GO111MODULE": "off",
        "GOCACHE": str(folder / "cache"),
        "GOPROXY": "off",
    }
    binary = folder / "cookies"
    subprocess.run([go, "build", "-o", str(binary), "main.go"], cwd=folder, env=env, check=True)
    return binary


def go(binary: Path, *args: str) -> str:
    return subprocess.run(
        [str(binary), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_decodes_a_go_json_cookie(run: Run, keys: Keys, go_program: Path) -> None:
    assert keys.block_key is not None
    cookie = go(go_program, "json", keys.hash_key.hex(), keys.block_key.hex())
    result = run("decode", "-n", "session", cookie, env={"WEBSESSIONS_KEYS": keys.text})
    assert result.exit_code == 0, result.stderr
    assert output_json(result)["values"] == {"from": "go", "n": 7}


def test_a_go_gob_cookie_verifies(run: Run, keys: Keys, go_program: Path) -> None:
    """gorilla's default serializer is gob: verified always; read if a gob serializer exists."""
    assert keys.block_key is not None
    cookie = go(go_program, "gob", keys.hash_key.hex(), keys.block_key.hex())
    result = run("decode", "-n", "session", cookie, env={"WEBSESSIONS_KEYS": keys.text})
    data = output_json(result)
    assert (data["verified"], data["key_pair"], data["encrypted"]) == (True, 1, True)
    if data["values"] is None:
        assert result.exit_code == 1
        assert "no serializer could read its payload" in result.stderr
    else:
        assert result.exit_code == 0
        assert (data["serializer"], data["values"]) == ("gob", {"from": "go", "n": 7})


def test_go_decodes_what_the_cli_encodes(run: Run, keys: Keys, go_program: Path) -> None:
    assert keys.block_key is not None
    args = ["encode", "-n", "session", "--serializer", "json", '{"from": "python", "n": 8}']
    cookie = run(*args, env={"WEBSESSIONS_KEYS": keys.text}).stdout.strip()
    assert go(go_program, "decode", keys.hash_key.hex(), keys.block_key.hex(), cookie) == (
        "python 8"
    )
