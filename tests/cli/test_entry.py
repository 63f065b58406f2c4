"""--help everywhere, --version, and the real entry points in a real process."""

from __future__ import annotations

import subprocess
import sys

import pytest

import websessions
from websessions.cli_app import cli

from .conftest import Run

COMMANDS = sorted(cli.commands)


def test_the_commands_the_issue_asks_for() -> None:
    assert COMMANDS == ["decode", "encode", "gc", "keygen", "rotate-check"]


@pytest.mark.parametrize("command", [[], *([c] for c in COMMANDS)], ids=["top", *COMMANDS])
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_everywhere(run: Run, command: list[str], flag: str) -> None:
    result = run(*command, flag)
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: ")
    assert "Show this message and exit." in result.stdout


@pytest.mark.parametrize("command", ["decode", "encode", "gc"])
def test_help_names_every_key_source(run: Run, command: str) -> None:
    text = " ".join(run(command, "--help").stdout.split())
    assert "--keys PAIRS" in text
    assert "--keys-file FILE" in text
    assert "env var: WEBSESSIONS_KEYS" in text


def test_version_comes_from_about(run: Run) -> None:
    result = run("--version")
    assert result.stdout == f"websessions, version {websessions.__version__}\n"


def test_unknown_command_is_a_usage_error(run: Run) -> None:
    result = run("frobnicate")
    assert result.exit_code == 2
    assert "No such command 'frobnicate'" in result.stderr


def test_python_dash_m() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "websessions", "--help"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Usage: python -m websessions [OPTIONS] COMMAND [ARGS]...")
    done = subprocess.run(
        [sys.executable, "-m", "websessions", "decode", "-n", "s", "x"],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 2
    assert "Error: no keys" in done.stderr


def test_without_click_the_command_says_what_to_install() -> None:
    code = (
        "import sys; sys.modules['click'] = None\n"
        "from websessions.cli import main\n"
        "main(['--help'])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert "pip install 'websessions[cli]'" in done.stderr
    assert "Traceback" not in done.stderr


def test_main_runs_the_group(capsys: pytest.CaptureFixture[str]) -> None:
    from websessions.cli import main

    with pytest.raises(SystemExit) as info:
        main(["keygen", "--format", "env"], prog_name="websessions")
    assert info.value.code == 0
    assert capsys.readouterr().out.startswith("WEBSESSIONS_KEYS=")


def test_a_short_key_warns_in_one_plain_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "websessions", "encode", "--keys", "01" * 8, "-n", "s", "{}"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stderr.startswith("websessions: warning: the hash key is 8 bytes")
    assert len(result.stderr.splitlines()) == 1  # no file:line, no source line


def test_warnings_are_python_s_own_again_after_a_command(run: Run) -> None:
    import warnings

    shown = warnings.showwarning
    assert run("encode", "--keys", "01" * 32, "-n", "s", "{}").exit_code == 0
    assert warnings.showwarning is shown
