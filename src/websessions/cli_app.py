"""The ``websessions`` command's click application (``pip install 'websessions[cli]'``).

Exit codes, for every command:

- 0: done.
- 1: a cookie did not verify or decode (``decode``), or old keys are still
  needed (``rotate-check --exit-code``).
- 2: usage: bad options, unreadable key text, no keys, nothing to read.
- 3: the store failed (I/O, connection).
- 4: not supported here: the store cannot purge yet, or no store for that URL.
"""

from __future__ import annotations

import asyncio
import base64
import inspect
import json
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import urlsplit

import click
from click.core import ParameterSource

import websessions

from .__about__ import __version__
from .cli_cookies import (
    FoundCookie,
    RawSerializer,
    describe_age,
    find_cookies,
    iso_time,
    split_cookie,
    to_json,
)
from .cli_keys import KeyPair, KeyTextError, check_usable, flatten, parse_keys, read_key_file
from .codec import DEFAULT_MAX_AGE, DEFAULT_MAX_LENGTH, SecureCookie, decode_multi_index
from .cookies import check_name
from .errors import (
    DecodeError,
    MacInvalid,
    MalformedValue,
    SessionError,
    StoreError,
    TimestampInvalid,
    UsageError,
)
from .serializers import Serializer
from .stores.server import is_valid_session_id

EXIT_NOT_VERIFIED = 1
EXIT_USAGE = 2
EXIT_STORE = 3
EXIT_UNSUPPORTED = 4

KEYS_ENV = "WEBSESSIONS_KEYS"
F = TypeVar("F", bound=Callable[..., Any])

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class CommandError(click.ClickException):
    """An error for people: ``Error: message`` on stderr and a documented exit code."""


class NotVerified(CommandError):
    exit_code = EXIT_NOT_VERIFIED


class BadUsage(CommandError):
    exit_code = EXIT_USAGE


class StoreFailed(CommandError):
    exit_code = EXIT_STORE


class Unsupported(CommandError):
    exit_code = EXIT_UNSUPPORTED


def warn(message: str) -> None:
    click.echo(f"warning: {message}", err=True)


# -- serializers ----------------------------------------------------------------


def serializers() -> dict[str, Callable[[], Serializer]]:
    """The serializers this installation has, by CLI name."""
    found: dict[str, Callable[[], Serializer]] = {
        "default": websessions.DefaultSerializer,
        "json": websessions.JSONSerializer,
    }
    gob = getattr(websessions, "GobSerializer", None)
    if gob is not None:
        found["gob"] = gob
    return found


def serializer_option(*, auto: bool) -> Callable[[F], F]:
    names = list(serializers())
    if auto:
        help_text = (
            "How the payload was serialized; 'auto' tries each in turn "
            "(default reads plain JSON too)."
        )
        return click.option(
            "--serializer",
            type=click.Choice(["auto", *names]),
            default="auto",
            show_default=True,
            help=help_text,
        )
    return click.option(
        "--serializer",
        type=click.Choice(names),
        default="default",
        show_default=True,
        help="DefaultSerializer, gorilla's JSONEncoder ('json') or Go's gob ('gob', if installed).",
    )


# -- keys -----------------------------------------------------------------------


def key_options(
    flag: str = "keys", envvar: str = KEYS_ENV, what: str = "the key set"
) -> Callable[[F], F]:
    """``--{flag}`` (also from ``envvar``) and ``--{flag}-file``."""

    def decorate(func: F) -> F:
        func = click.option(
            f"--{flag}-file",
            type=click.Path(dir_okay=False, path_type=Path),
            help=f"Read {what} from a file (the same format; newlines and # comments allowed).",
        )(func)
        return click.option(
            f"--{flag}",
            envvar=envvar,
            show_envvar=True,
            metavar="PAIRS",
            help=(
                f"{what.capitalize()}: 'hash[:block],hash[:block],...', newest first; hex, or "
                "'base64:...' per key. Prefer the file or the environment variable: "
                "command lines show in 'ps' and shell history."
            ),
        )(func)

    return decorate


def _envvar(ctx: click.Context, param: str) -> str:
    return str(next(p.envvar for p in ctx.command.params if p.name == param))


def load_keys(ctx: click.Context, flag: str = "keys", *, hint: str = "") -> list[KeyPair]:
    """The key pairs from ``--flag``, ``--flag-file`` or the environment, checked."""
    param = flag.replace("-", "_")
    text: str | None = ctx.params.get(param)
    file: Path | None = ctx.params.get(f"{param}_file")
    source = ctx.get_parameter_source(param)
    if file is not None and text and source is ParameterSource.COMMANDLINE:
        raise BadUsage(f"give --{flag} or --{flag}-file, not both")
    if file is not None:
        origin = f"--{flag}-file"
    elif text:
        origin = f"--{flag}" if source is ParameterSource.COMMANDLINE else f"${_envvar(ctx, param)}"
    else:
        raise BadUsage(
            f"no keys: pass --{flag}-file FILE, set {_envvar(ctx, param)}, or pass --{flag}{hint}"
        )
    try:
        if file is not None:
            pairs, warning = read_key_file(file)
            if warning:
                warn(warning)
        else:
            pairs = parse_keys(text or "")
        check_usable(pairs)
    except KeyTextError as exc:
        raise BadUsage(f"{origin}: {exc}") from None
    return pairs


# -- reading input --------------------------------------------------------------


def read_argument(value: str, what: str) -> str:
    """``value``, or standard input when it is ``-``."""
    if value != "-":
        return value
    text = sys.stdin.read()
    if not text.strip():
        raise BadUsage(f"no {what} on standard input")
    return text


def pick_cookies(found: list[FoundCookie], name: str | None) -> tuple[str, list[str]]:
    """The cookie name and the candidate values for it, from what was found."""
    if not found:
        raise BadUsage("no cookie found in the input")
    names = sorted({c.name for c in found if c.name is not None})
    if name is None:
        if any(c.name is None for c in found):
            raise BadUsage(
                "--name is required for a bare value: the cookie's name is part of its signature"
            )
        if len(names) > 1:
            raise BadUsage(f"the input holds cookies {', '.join(names)}: pick one with --name")
        name = names[0]
    values = [c.value for c in found if c.name in (name, None)]
    if not values:
        raise BadUsage(f"no cookie named {name!r} in the input (found: {', '.join(names)})")
    return name, values


def deserialize(payload: bytes, choice: str) -> tuple[str, Any] | None:
    """``(serializer name, value)`` from the first serializer that reads ``payload``."""
    available = serializers()
    names = list(available) if choice == "auto" else [choice]
    for serializer_name in names:
        try:
            return serializer_name, available[serializer_name]().loads(payload)
        except Exception:  # noqa: S112 - any failure means "not this serializer"
            continue
    return None


def describe_holding(value: Any) -> str:
    if isinstance(value, dict):
        return "session values"
    if is_valid_session_id(value):
        return "a server-side session ID (the values are in the store)"
    return f"a {type(value).__name__}"


def emit_json(data: Any, compact: bool) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=None if compact else 2)
    click.echo(text)


# -- the commands ---------------------------------------------------------------


@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version", prog_name="websessions")
def cli() -> None:
    """Keys, cookies and stores of websessions (gorilla/sessions for Python).

    Keys for decode, encode, gc and rotate-check come from --keys-file, the
    WEBSESSIONS_KEYS environment variable or --keys: comma-separated pairs
    'hash[:block]', newest first, each key hex or 'base64:...'. Keys are
    never printed.

    Exit codes: 0 done; 1 a cookie did not verify (or old keys still needed,
    with rotate-check --exit-code); 2 usage; 3 store failure; 4 not
    supported by this store.
    """
    # Warnings (a short key, say) as one line of ours, not Python's file:line form.
    shown = warnings.showwarning
    warnings.showwarning = _show_warning
    click.get_current_context().call_on_close(lambda: setattr(warnings, "showwarning", shown))


def _show_warning(message: Warning | str, *_: object, **__: object) -> None:
    click.echo(f"websessions: warning: {message}", err=True)


@cli.command()
@click.option(
    "--hash-bytes",
    type=click.IntRange(32, 1024),
    default=64,
    show_default=True,
    help="Length of the HMAC-SHA256 hash key (32 or 64 recommended).",
)
@click.option(
    "--block-bytes",
    type=click.Choice(["0", "16", "24", "32"]),
    default="32",
    show_default=True,
    help="Length of the AES block key (AES-128/192/256); 0 for signed-only cookies.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["hex", "base64", "env"]),
    default="hex",
    show_default=True,
    help="hex/base64: the hash key then the block key, one per line; "
    "env: a WEBSESSIONS_KEYS=... line.",
)
def keygen(*, hash_bytes: int, block_bytes: str, fmt: str) -> None:
    """Make a new hash key and block key from the OS's CSPRNG (secrets).

    Keep them secret: in a secrets manager or an environment file readable by
    the service only. For rotation, put the new pair first and keep the old
    pair after it (see 'websessions rotate-check').
    """
    pair = KeyPair(
        websessions.generate_random_key(hash_bytes),
        websessions.generate_random_key(int(block_bytes)) if block_bytes != "0" else None,
    )
    keys = [key for key in (pair.hash_key, pair.block_key) if key is not None]
    if fmt == "env":
        click.echo(f"{KEYS_ENV}=" + ":".join(key.hex() for key in keys))
        return
    for key in keys:
        click.echo(key.hex() if fmt == "hex" else _b64(key))
    roles = f"hash key ({hash_bytes} bytes)"
    if pair.block_key is not None:
        roles += f", then block key ({block_bytes} bytes)"
    prefix = "" if fmt == "hex" else "base64:"
    click.echo(
        f"# {roles}; as --keys or {KEYS_ENV}: '{prefix}HASH"
        + (f":{prefix}BLOCK'" if pair.block_key is not None else "'"),
        err=True,
    )


def _b64(key: bytes) -> str:
    return base64.b64encode(key).decode("ascii")


@cli.command()
@click.argument("cookie")
@click.option("--name", "-n", help="The cookie's name (signed with the value). Read from headers.")
@key_options()
@click.option(
    "--no-verify",
    is_flag=True,
    help="Show what can be read without keys. Nothing shown is trustworthy.",
)
@click.option(
    "--max-age",
    type=click.IntRange(min=0),
    default=DEFAULT_MAX_AGE,
    show_default=True,
    help="Seconds a cookie is valid after signing (the store's max_age); 0: no limit.",
)
@serializer_option(auto=True)
@click.option("--compact", is_flag=True, help="Print the JSON on one line.")
@click.pass_context
def decode(
    ctx: click.Context,
    /,
    *,
    cookie: str,
    name: str | None,
    keys: str | None,
    keys_file: Path | None,
    no_verify: bool,
    max_age: int,
    serializer: str,
    compact: bool,
) -> None:
    """Verify a cookie and print its session as JSON.

    COOKIE is a bare value, 'name=value' pairs, a 'Cookie:' or 'Set-Cookie:'
    header (or a block of response headers), or '-' to read standard input,
    which keeps the cookie out of shell history.

    Prints the values, which key pair verified it (1 is the newest), when it
    was signed and its age. Exits 1 if it does not verify or has expired.
    """
    name, candidates = pick_cookies(find_cookies(read_argument(cookie, "cookie")), name)
    now = int(time.time())
    if no_verify:
        _decode_unverified(name, candidates[0], serializer, now, compact)
        return
    pairs = load_keys(ctx, hint="; or pass --no-verify to read it without keys")
    codecs = websessions.codecs_from_pairs(
        *flatten(pairs), serializer=RawSerializer(), max_age=0, max_length=0
    )
    failure: DecodeError | None = None
    for value in candidates:
        try:
            payload, index = decode_multi_index(name, value, codecs)
        except DecodeError as exc:
            failure = failure or exc
            continue
        _decode_verified(
            name=name,
            value=value,
            payload=payload,
            index=index,
            pairs=pairs,
            max_age=max_age,
            serializer=serializer,
            now=now,
            compact=compact,
        )
        return
    assert failure is not None
    if isinstance(failure, MalformedValue | TimestampInvalid):
        raise NotVerified(f"cookie {name!r} is not a secure cookie value ({failure})")
    count = f"{len(pairs)} key pair" + ("s" if len(pairs) > 1 else "")
    hint = ""
    if isinstance(failure, MacInvalid):
        hint = ": wrong keys or --name, or the cookie was changed"
    raise NotVerified(f"cookie {name!r} did not verify with the {count} given ({failure}){hint}")


def _timing(timestamp: int, now: int, max_age: int) -> dict[str, Any]:
    age = now - timestamp
    timing: dict[str, Any] = {
        "timestamp": timestamp,
        "signed_at": iso_time(timestamp),
        "age_seconds": age,
        "age": describe_age(age),
        "max_age": max_age,
    }
    if max_age:
        timing["expires_at"] = iso_time(timestamp + max_age)
        timing["expired"] = age > max_age
    return timing


def _values(data: dict[str, Any], payload: bytes, serializer: str) -> tuple[dict[str, Any], bool]:
    """Fill in the deserialized values; ``False`` if no serializer could read them."""
    result = deserialize(payload, serializer)
    if result is None:
        data["values"] = None
        data["payload_base64"] = _b64(payload)
        return data, False
    data["serializer"], value = result
    data["holds"] = describe_holding(value)
    data["values"], lossy = to_json(value)
    if lossy:
        data["not_exact_json"] = lossy
    return data, True


def _decode_verified(
    *,
    name: str,
    value: str,
    payload: bytes,
    index: int,
    pairs: list[KeyPair],
    max_age: int,
    serializer: str,
    now: int,
    compact: bool,
) -> None:
    parts = split_cookie(value)
    data: dict[str, Any] = {
        "name": name,
        "verified": True,
        "key_pair": index + 1,
        "key_pairs": len(pairs),
        "encrypted": pairs[index].encrypts,
        **_timing(parts.timestamp, now, max_age),
    }
    data, readable = _values(data, payload, serializer)
    emit_json(data, compact)
    if data.get("expired"):
        raise NotVerified(
            f"cookie {name!r} verified but has expired: signed "
            f"{describe_age(now - parts.timestamp)} ago, over --max-age {describe_age(max_age)}"
        )
    if not readable:
        raise NotVerified(
            f"cookie {name!r} verified, but no serializer could read its payload; "
            "try another --serializer"
        )


def _decode_unverified(name: str, value: str, serializer: str, now: int, compact: bool) -> None:
    try:
        parts = split_cookie(value)
    except DecodeError as exc:
        raise NotVerified(f"not a secure cookie value: {exc}") from None
    data: dict[str, Any] = {
        "name": name,
        "verified": False,
        **{k: v for k, v in _timing(parts.timestamp, now, 0).items() if k != "max_age"},
        "payload_bytes": len(parts.payload),
        "mac_bytes": len(parts.mac),
    }
    data, readable = _values(data, parts.payload, serializer)
    if not readable:
        data["note"] = "the payload is not readable without keys: encrypted, or another serializer"
    emit_json(data, compact)
    click.echo(
        "warning: UNVERIFIED: the signature was not checked; anyone can forge what is shown",
        err=True,
    )


@cli.command()
@click.argument("values")
@click.option("--name", "-n", required=True, help="The cookie's name (part of the signature).")
@key_options()
@serializer_option(auto=False)
@click.option(
    "--max-length",
    type=click.IntRange(min=0),
    default=DEFAULT_MAX_LENGTH,
    show_default=True,
    help="Refuse values longer than this once encoded (as stores do); 0: no limit.",
)
@click.option(
    "--timestamp",
    type=click.IntRange(min=0),
    help="Sign with this Unix time instead of now (for tests of expiry).",
)
@click.option(
    "--any-value",
    is_flag=True,
    help="Accept any JSON value, not only an object (e.g. a session ID string).",
)
@click.pass_context
def encode(
    ctx: click.Context,
    /,
    *,
    values: str,
    name: str,
    keys: str | None,
    keys_file: Path | None,
    serializer: str,
    max_length: int,
    timestamp: int | None,
    any_value: bool,
) -> None:
    """Encode JSON VALUES into a cookie value signed (and encrypted) with the newest pair.

    VALUES is a JSON object (the session's values), or '-' to read standard
    input. For tests and migrations: the output is what a store would put in
    the cookie, e.g. curl -b "session=$(websessions encode -n session '{...}')".
    """
    try:
        value = json.loads(read_argument(values, "JSON"))
    except json.JSONDecodeError as exc:
        raise BadUsage(f"VALUES is not valid JSON: {exc}") from None
    if not isinstance(value, dict) and not any_value:
        raise BadUsage(
            f"VALUES must be a JSON object (the session's values), not {_json_type(value)}; "
            "pass --any-value to encode it anyway"
        )
    pairs = load_keys(ctx)
    clock = time.time if timestamp is None else (lambda: float(timestamp))
    try:
        codec = SecureCookie(
            pairs[0].hash_key,
            pairs[0].block_key,
            serializer=serializers()[serializer](),
            max_length=max_length,
            clock=clock,
        )
        click.echo(codec.encode(check_name(name), value))
    except UsageError as exc:
        raise BadUsage(str(exc)) from None


def _json_type(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    return "a number"


# -- gc -------------------------------------------------------------------------

_REDIS_SCHEMES = frozenset({"redis", "rediss", "unix"})
_SQL_SCHEMES = frozenset(
    {"sqlite", "postgresql", "postgres", "mysql", "mariadb", "oracle", "mssql", "cockroachdb"}
)


def open_store(target: str, pairs: list[KeyPair]) -> Any:
    """The store behind ``target``: a directory, ``file://``, a Redis or SQL URL."""
    keys = flatten(pairs)
    scheme = urlsplit(target).scheme.lower() if "://" in target else ""
    if scheme in ("", "file"):
        path = Path(urlsplit(target).path if scheme else target)
        if not path.is_dir():
            raise BadUsage(f"{path} is not a directory")
        return websessions.FilesystemStore(path, *keys)
    base = scheme.split("+", 1)[0]
    if base in _REDIS_SCHEMES:
        kind = "RedisStore"
    elif base in _SQL_SCHEMES:
        kind = "SQLStore"
    else:
        raise BadUsage(
            f"don't know a store for {scheme}:// URLs; give a directory, a redis:// "
            "or an SQLAlchemy database URL"
        )
    cls = getattr(websessions, kind, None)
    if cls is None:
        raise Unsupported(f"this websessions has no {kind} for {scheme}:// URLs")
    from_url = getattr(cls, "from_url", None)
    if from_url is None:
        raise Unsupported(f"{kind} cannot be opened from a URL yet")
    return from_url(target, *keys)


@dataclass
class Progress:
    """Feeds a store's ``progress(done, total)`` calls to a click progress bar on stderr."""

    label: str
    shown: bool
    bar: Any = None
    done: int = 0
    calls: int = 0

    def __call__(self, done: int, total: int | None = None) -> None:
        self.calls += 1
        step, self.done = done - self.done, done
        if not self.shown:
            return
        if total is None:
            # No total to measure against: a running count, on terminals only.
            if sys.stderr.isatty():
                click.echo(f"\r{self.label}: {done}", err=True, nl=False)
            return
        if self.bar is None:
            self.bar = click.progressbar(
                length=total, label=self.label, file=sys.stderr, show_pos=True
            )
            self.bar.__enter__()
            step = done
        self.bar.update(step)

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.bar is not None:
            self.bar.__exit__(kind, exc, tb)


def _accepts_progress(method: Callable[..., Any]) -> bool:
    try:
        parameters = inspect.signature(method).parameters
    except (TypeError, ValueError):
        return False
    return "progress" in parameters or any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()
    )


def purge(store: Any, progress: Progress) -> Any:
    """Run the store's ``purge_expired`` (or ``apurge_expired``), with progress if it reports it."""
    method = getattr(store, "purge_expired", None) or getattr(store, "apurge_expired", None)
    if method is None:
        raise Unsupported(
            f"{type(store).__name__} cannot purge expired records yet (it has no "
            "purge_expired()); nothing was deleted"
        )
    kwargs = {"progress": progress} if _accepts_progress(method) else {}
    result = method(**kwargs)
    if inspect.isawaitable(result):
        result = asyncio.run(_wait(result))
    return result


async def _wait(awaitable: Any) -> Any:
    return await awaitable


def describe_purge(result: Any) -> tuple[str, dict[str, Any]]:
    """A summary line and JSON-ready fields from what ``purge_expired`` returned."""
    if isinstance(result, bool) or result is None:
        return "purged the expired records", {}
    if isinstance(result, int):
        return f"removed {result} expired record{'s' if result != 1 else ''}", {"removed": result}
    fields = {
        key: getattr(result, key)
        for key in ("scanned", "removed", "purged", "kept", "errors")
        if isinstance(getattr(result, key, None), int)
    }
    if fields:
        return ", ".join(f"{key} {value}" for key, value in fields.items()), fields
    return f"done: {result}", {"result": str(result)}


@cli.command()
@click.argument("target")
@key_options()
@click.option(
    "--max-age",
    type=click.IntRange(min=1),
    help="Seconds a record lives (the store's max_age); default: the store's, 30 days.",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar; print only the summary.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_context
def gc(
    ctx: click.Context,
    /,
    *,
    target: str,
    keys: str | None,
    keys_file: Path | None,
    max_age: int | None,
    quiet: bool,
    as_json: bool,
) -> None:
    """Purge expired records from a server-side store.

    TARGET is a FilesystemStore directory (or file:// URL), a redis:// URL
    or an SQLAlchemy database URL. Give the application's keys and --max-age:
    the store decides what has expired with them. Run it from cron or a
    systemd timer; Redis expires records by itself.
    """
    pairs = load_keys(ctx)
    started = time.monotonic()
    try:
        store = open_store(target, pairs)
        if max_age is not None:
            store.set_max_age(max_age)
        with Progress("purging", shown=not quiet and not as_json) as progress:
            result = purge(store, progress)
    except StoreError as exc:
        raise StoreFailed(f"the store failed: {exc}") from None
    except UsageError as exc:
        raise BadUsage(str(exc)) from None
    except (OSError, SessionError) as exc:
        raise StoreFailed(f"the store failed: {exc}") from None
    summary, fields = describe_purge(result)
    seconds = round(time.monotonic() - started, 3)
    if as_json:
        emit_json({"target": target, **fields, "seconds": seconds}, compact=True)
    else:
        click.echo(f"{target}: {summary} in {seconds:.1f}s")


# -- rotate-check ---------------------------------------------------------------


@dataclass
class RotationReport:
    """How the cookies of a file split between the new and the old keys."""

    name: str | None
    new: int = 0
    old: int = 0
    expired: int = 0
    invalid: int = 0
    skipped: int = 0
    by_old_pair: dict[int, int] = field(default_factory=dict)
    newest_old: int | None = None

    @property
    def checked(self) -> int:
        return self.new + self.old + self.expired + self.invalid


def _verifies(name: str, value: str, codecs: list[SecureCookie]) -> int | None:
    try:
        return decode_multi_index(name, value, codecs)[1]
    except DecodeError:
        return None


def check_rotation(
    *,
    found: list[FoundCookie],
    name: str | None,
    new: list[KeyPair],
    old: list[KeyPair],
    max_age: int,
    now: int,
) -> RotationReport:
    """Classify every cookie: verifies with the new keys, only the old, expired, or neither."""

    def codecs(pairs: list[KeyPair]) -> list[SecureCookie]:
        return websessions.codecs_from_pairs(
            *flatten(pairs), serializer=RawSerializer(), max_age=0, max_length=0
        )

    new_codecs, old_codecs = codecs(new), codecs(old)
    report = RotationReport(name)
    for cookie in found:
        cookie_name = cookie.name or name
        if cookie_name is None:
            raise BadUsage(
                f"line {cookie.line} is a bare value: give --name (it is part of the signature)"
            )
        if name is not None and cookie_name != name:
            report.skipped += 1
            continue
        in_new = _verifies(cookie_name, cookie.value, new_codecs)
        in_old = None if in_new is not None else _verifies(cookie_name, cookie.value, old_codecs)
        if in_new is None and in_old is None:
            report.invalid += 1
            continue
        stamp = split_cookie(cookie.value).timestamp
        if max_age and now - stamp > max_age:
            report.expired += 1
        elif in_new is not None:
            report.new += 1
        else:
            assert in_old is not None
            report.old += 1
            report.by_old_pair[in_old + 1] = report.by_old_pair.get(in_old + 1, 0) + 1
            report.newest_old = max(stamp, report.newest_old or stamp)
    return report


@cli.command("rotate-check")
@click.argument("cookie_file", type=click.File("r", encoding="utf-8", errors="replace"))
@click.option("--name", "-n", help="Check only cookies with this name (needed for bare values).")
@key_options("new-keys", "WEBSESSIONS_NEW_KEYS", "the new key set (what you keep)")
@key_options("old-keys", "WEBSESSIONS_OLD_KEYS", "the old key set (what you want to drop)")
@click.option(
    "--max-age",
    type=click.IntRange(min=0),
    default=DEFAULT_MAX_AGE,
    show_default=True,
    help="Seconds a cookie is valid (the store's max_age): older ones no longer count; 0: none.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--exit-code", is_flag=True, help="Exit 1 if any cookie still needs the old keys.")
@click.pass_context
def rotate_check(
    ctx: click.Context,
    /,
    *,
    cookie_file: Any,
    name: str | None,
    new_keys: str | None,
    new_keys_file: Path | None,
    old_keys: str | None,
    old_keys_file: Path | None,
    max_age: int,
    as_json: bool,
    exit_code: bool,
) -> None:
    """Count the cookies in COOKIE_FILE that still need the old keys.

    COOKIE_FILE ('-' for standard input) holds cookies, one per line: bare
    values, 'name=value' pairs, Cookie: or Set-Cookie: headers, or a
    curl/Netscape cookies.txt. Each is checked against the new key set
    first, then the old one. A cookie that verifies only with the old keys
    belongs to a user who would lose the session if the old keys were
    dropped now; the report says when the last of them expires.
    """
    new = load_keys(ctx, "new-keys")
    old = load_keys(ctx, "old-keys")
    now = int(time.time())
    report = check_rotation(
        found=find_cookies(cookie_file.read()),
        name=name,
        new=new,
        old=old,
        max_age=max_age,
        now=now,
    )
    safe_from = None if report.newest_old is None or not max_age else report.newest_old + max_age
    if as_json:
        emit_json(
            {
                "name": name,
                "checked": report.checked,
                "new_keys": report.new,
                "old_keys": report.old,
                "old_keys_by_pair": {str(k): v for k, v in sorted(report.by_old_pair.items())},
                "expired": report.expired,
                "invalid": report.invalid,
                "skipped_other_names": report.skipped,
                "newest_old_signed_at": None
                if report.newest_old is None
                else iso_time(report.newest_old),
                "old_keys_needed_until": None if safe_from is None else iso_time(safe_from),
            },
            compact=False,
        )
    else:
        _print_rotation(report, max_age, now, safe_from)
    if exit_code and report.old:
        ctx.exit(EXIT_NOT_VERIFIED)


def _print_rotation(report: RotationReport, max_age: int, now: int, safe_from: int | None) -> None:
    what = f"cookies named {report.name!r}" if report.name else "cookies"
    click.echo(f"checked {report.checked} {what}")
    breakdown = ", ".join(f"pair {k}: {v}" for k, v in sorted(report.by_old_pair.items()))
    old_meaning = "verify only with the old keys" + (f" ({breakdown})" if breakdown else "")
    rows = [
        (report.new, "new keys", "verify with the new key set"),
        (report.old, "old keys", old_meaning),
        (report.expired, "expired", f"verify but are older than --max-age {describe_age(max_age)}"),
        (report.invalid, "invalid", "verify with neither key set"),
    ]
    if report.skipped:
        rows.append((report.skipped, "skipped", "other cookie names"))
    for count, label, meaning in rows:
        click.echo(f"  {label + ':':<10}{count:>8}  {meaning}")
    if not report.old:
        click.echo("no cookie needs the old keys: they can be dropped")
    elif safe_from is not None:
        click.echo(
            f"the newest cookie on the old keys was signed {iso_time(report.newest_old or 0)}; "
            f"keep the old keys until {iso_time(safe_from)} "
            f"({describe_age(max(safe_from - now, 0))} from now)"
        )
    else:
        click.echo(
            f"{report.old} cookies still need the old keys (no --max-age: they never expire)"
        )
