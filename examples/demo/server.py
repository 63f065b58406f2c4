"""``python -m examples.demo``: keys, cookie settings, the store, and a threaded wsgiref server."""

from __future__ import annotations

import argparse
import ipaddress
import os
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIServer, make_server

import websessions as ws

from .app import CART, SESSION, make_app
from .app import __doc__ as about
from .stores import (
    DEFAULT_STORE,
    REDIS_PREFIX,
    check_store,
    close_store,
    describe,
    make_cart_store,
    make_store,
)


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


def parse_keys(text: str, source: str) -> list[bytes | None]:
    """``hash:block`` in hex, as ``websessions keygen --format env`` prints; ``,`` between
    pairs for key rotation (newest first)."""
    keys: list[bytes | None] = []
    for pair in filter(None, (part.strip() for part in text.replace("\n", ",").split(","))):
        hash_hex, _, block_hex = pair.partition(":")
        try:
            keys += [bytes.fromhex(hash_hex), bytes.fromhex(block_hex) if block_hex else None]
        except ValueError:
            raise SystemExit(f"{source}: keys must be hex, as 'HASH:BLOCK'") from None
    if not keys:
        raise SystemExit(f"{source}: no keys")
    return keys


def load_keys(key_file: Path) -> list[bytes | None]:
    """Keys from $WEBSESSIONS_KEYS, else from ``key_file``, made on first run."""
    text = os.environ.get("WEBSESSIONS_KEYS")
    if text:
        return parse_keys(text, "WEBSESSIONS_KEYS")
    if not key_file.exists():
        pair = f"{ws.generate_random_key(32).hex()}:{ws.generate_random_key(32).hex()}\n"
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(pair)
    print(
        f"WARNING: development keys from {key_file} (mode 0600). Whoever reads that file "
        "can forge sessions. In production set WEBSESSIONS_KEYS (see 'websessions keygen')."
    )
    return parse_keys(key_file.read_text(), str(key_file))


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def cart_name_for(name: str) -> str:
    """``cart``, with the login cookie's ``__Host-`` or ``__Secure-`` prefix if it has one."""
    for prefix in ("__Host-", "__Secure-"):
        if name.lower().startswith(prefix.lower()):
            return name[: len(prefix)] + CART
    return CART


def parse_args(argv: list[str] | None) -> tuple[argparse.Namespace, ws.Options]:
    parser = argparse.ArgumentParser(
        prog="python -m examples.demo",
        description=about,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1", help="IPv4 address to listen on")
    parser.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    parser.add_argument(
        "--store",
        "--sessions-dir",
        default=DEFAULT_STORE,
        metavar="URL",
        help="redis://HOST:PORT/DB, sqlite:///FILE (or another SQLAlchemy URL), memory:, "
        f"or a directory (default: {DEFAULT_STORE})",
    )
    parser.add_argument("--prefix", default=REDIS_PREFIX, help="Redis key prefix")
    parser.add_argument("--key-file", type=Path, default=Path(".demo-keys"))
    parser.add_argument("--cookie-name", default=SESSION, help="e.g. __Host-demo (with --secure)")
    secure = parser.add_mutually_exclusive_group()
    secure.add_argument(
        "--secure",
        action="store_true",
        default=False,
        help="Secure cookies: browsers send them over http:// to localhost and 127.0.0.1 only",
    )
    secure.add_argument("--insecure", action="store_false", dest="secure", help="(the default)")
    parser.add_argument("--same-site", choices=["Lax", "Strict", "None"], default="Lax")
    parser.add_argument("--partitioned", action="store_true", help="CHIPS (needs --secure)")
    parser.add_argument(
        "--allow-external", action="store_true", help="allow a host other machines can reach"
    )
    args = parser.parse_args(argv)
    if not (is_loopback(args.host) or args.allow_external):
        parser.error(f"{args.host} is not a loopback address: add --allow-external to serve it")
    try:
        options = ws.Options(
            secure=args.secure, same_site=args.same_site, partitioned=args.partitioned
        )
        for name in (args.cookie_name, cart_name_for(args.cookie_name)):
            ws.format_set_cookie(name, "", options)  # a bad name or prefix fails here, not later
    except ws.UsageError as exc:
        parser.error(str(exc))
    return args, options


def main(argv: list[str] | None = None) -> int:
    args, options = parse_args(argv)
    keys = load_keys(args.key_file)
    try:
        store = make_store(args.store, keys, options, prefix=args.prefix)
        check_store(store)
    except Exception as exc:  # a bad URL, a missing driver, a server out of reach
        raise SystemExit(f"cannot set up the session store {args.store!r}: {exc}") from None
    cart_name = cart_name_for(args.cookie_name)
    cart_store = make_cart_store(keys, options)
    if args.secure:
        print(
            "Note: cookies are Secure. Browsers accept those over http:// only from "
            "localhost and 127.0.0.1; anywhere else, serve HTTPS."
        )
    else:
        print(
            "Note: cookies are sent without Secure (Options(secure=False)) because this demo "
            "serves plain http://. The library default is secure=True: keep it behind HTTPS."
        )
    print(f"Sessions ({args.cookie_name!r} cookie): {describe(store)}")
    print(f"Carts ({cart_name!r} cookie): {describe(cart_store)}")
    app = make_app(store, cart_store, name=args.cookie_name, cart_name=cart_name)
    try:
        with make_server(args.host, args.port, app, server_class=ThreadingWSGIServer) as server:
            print(
                f"Serving on http://{args.host}:{server.server_port}/ (Ctrl-C to stop)", flush=True
            )
            try:
                server.serve_forever()
            except KeyboardInterrupt:
                print("Stopped.")
    finally:
        close_store(store)
    return 0
