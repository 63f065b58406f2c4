"""A small site with websessions and no framework: plain WSGI, sessions in files.

Run it with ``make demo`` (or ``python -m examples.demo``) and open http://127.0.0.1:8000.
It shows a visit counter, flash messages, log in / log out with "remember me",
CSRF tokens kept in the session, and what the server makes of your cookie.
"""

from __future__ import annotations

import argparse
import hmac
import html
import ipaddress
import os
import secrets
from collections.abc import Callable, Iterable
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any, NamedTuple
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIServer, make_server

import websessions as ws

SESSION = "demo"  # the cookie's name
REMEMBER_ME = 30 * 86400  # how long a "remember me" cookie lives, in seconds
MAX_FORM_BYTES = 4096

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
Form = dict[str, str]


class Response(NamedTuple):
    status: str
    body: str = ""
    location: str | None = None


Handler = Callable[[Environ, ws.Session, Form], Response]


# -- the store ----------------------------------------------------------------


def make_store(
    sessions_dir: str | os.PathLike[str], keys: list[bytes | None]
) -> ws.FilesystemStore:
    """Sessions in ``sessions_dir``, one ``session_<ID>`` file each; the cookie holds the ID."""
    # secure=False because this demo serves plain http://: a Secure cookie is meant
    # never to travel over it, and a browser that holds to that starts a new session
    # on every request. websessions defaults to secure=True: keep it behind HTTPS.
    return ws.FilesystemStore(sessions_dir, *keys, options=ws.Options(secure=False))


def apply_remember_me(session: ws.Session) -> None:
    """Set the cookie's lifetime from the choice made at login.

    Options are not stored with the session: every request starts from the
    store's defaults (a 30-day cookie), so without this the first save after
    login would turn a browser-session cookie into a persistent one.
    """
    if "remember" in session.values:
        session.options.max_age = REMEMBER_ME if session.values["remember"] else 0


def rotate_id(environ: Environ, session: ws.Session) -> None:
    """Delete the session's record now; the next save stores the values under a new ID.

    Saving with ``max_age < 0`` deletes the record (the file) and forgets the ID.
    That save also makes a Set-Cookie that expires the cookie: we drop it (into a
    scratch list) because ``ws.save`` at the end of this request sets the same
    cookie to the new ID, and a response should not carry two Set-Cookie
    headers for one cookie.
    """
    lifetime = session.options.max_age
    session.options.max_age = -1
    session.save(environ, [])  # deletes session_<old ID>; the header goes nowhere
    session.options.max_age = lifetime


def csrf_token(session: ws.Session) -> str:
    token = session.values.get("csrf")
    if not isinstance(token, str):
        token = session.values["csrf"] = secrets.token_urlsafe(32)
    return token


def csrf_ok(session: ws.Session, form: Form) -> bool:
    token = session.values.get("csrf")
    sent = form.get("csrf", "")
    return isinstance(token, str) and hmac.compare_digest(token.encode(), sent.encode())


# -- pages ----------------------------------------------------------------------

e = html.escape


def page(title: str, body: str) -> str:
    return (
        f"<!doctype html><html><head><meta charset=utf-8><title>{e(title)}</title></head>"
        f"<body><nav><a href='/'>Home</a> | <a href='/session'>Session</a></nav>"
        f"<h1>{e(title)}</h1>{body}</body></html>"
    )


def form(action: str, session: ws.Session, fields: str, button: str) -> str:
    token = e(csrf_token(session))
    return (
        f"<form method=post action='{action}'><input type=hidden name=csrf value='{token}'>"
        f"{fields}<button>{e(button)}</button></form>"
    )


def lifetime(session: ws.Session) -> str:
    max_age = session.options.max_age
    if max_age == 0:
        return "a browser-session cookie (no Max-Age): gone when the browser closes"
    return f"a persistent cookie: Max-Age={max_age} ({max_age // 86400} days)"


def redirect(location: str) -> Response:
    return Response("303 See Other", location=location)  # POST-redirect-GET


def index(environ: Environ, session: ws.Session, data: Form) -> Response:
    visits = session.values["visits"] = session.values.get("visits", 0) + 1
    flashes = "".join(f"<li>{e(str(message))}</li>" for message in session.flashes())
    body = f"<ul class=flashes>{flashes}</ul>" if flashes else ""
    if session.error is not None:
        body += f"<p>Your cookie was rejected ({type(session.error).__name__}): new session.</p>"
    body += f"<p>Visits in this session: {visits}</p>"
    body += form("/counter/reset", session, "", "Reset the counter")
    user = session.values.get("user")
    if user:
        body += f"<p>Logged in as <b>{e(user)}</b>.</p>"
        body += form("/logout", session, "", "Log out")
    else:
        fields = (
            "<label>Name <input name=username required maxlength=40></label> "
            "<label><input type=checkbox name=remember> Remember me</label> "
        )
        body += "<p>Not logged in.</p>" + form("/login", session, fields, "Log in")
    body += f"<p>Your cookie is {e(lifetime(session))}.</p>"
    return Response("200 OK", page("websessions demo", body))


def show_session(environ: Environ, session: ws.Session, data: Form) -> Response:
    error = "none" if session.error is None else type(session.error).__name__
    rows = [
        ("name", session.name),
        ("id", session.id or "(none yet)"),
        ("is_new", str(session.is_new)),
        ("error", error),
        ("cookie", lifetime(session)),
    ]
    rows += [(f"values[{key!r}]", repr(value)) for key, value in session.values.items()]
    table = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in rows)
    return Response("200 OK", page("The session, as the server sees it", f"<table>{table}</table>"))


def login(environ: Environ, session: ws.Session, data: Form) -> Response:
    user = data.get("username", "").strip()
    if not 0 < len(user) <= 40:
        session.add_flash("Enter a name of 1 to 40 characters.")
        return redirect("/")
    rotate_id(environ, session)  # a new ID when privileges change: no session fixation
    session.values["user"] = user
    session.values["remember"] = "remember" in data
    apply_remember_me(session)  # 30 days, or 0: a cookie that ends with the browser
    session.add_flash(f"Welcome, {user}")
    return redirect("/")


def logout(environ: Environ, session: ws.Session, data: Form) -> Response:
    # The old record is deleted: a copy of the old cookie now gets a fresh session.
    # The flash lives on in a new, otherwise empty session under a new ID.
    rotate_id(environ, session)
    session.values.clear()
    session.options = session.store.options.copy()
    session.add_flash("You are logged out.")
    return redirect("/")


def reset_counter(environ: Environ, session: ws.Session, data: Form) -> Response:
    session.values.pop("visits", None)
    session.add_flash("The counter is reset.")
    return redirect("/")


ROUTES: dict[tuple[str, str], Handler] = {
    ("GET", "/"): index,
    ("GET", "/session"): show_session,
    ("POST", "/login"): login,
    ("POST", "/logout"): logout,
    ("POST", "/counter/reset"): reset_counter,
}


# -- the WSGI app -----------------------------------------------------------------


def read_form(environ: Environ) -> Form:
    """The urlencoded POST body; empty if too big or malformed (the CSRF check then fails)."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return {}
    if not 0 < length <= MAX_FORM_BYTES:
        return {}
    body = environ["wsgi.input"].read(length).decode("utf-8", "replace")
    try:
        fields = parse_qs(body, max_num_fields=20)
    except ValueError:
        return {}
    return {key: values[0] for key, values in fields.items()}


def make_app(store: ws.Store) -> Callable[[Environ, StartResponse], Iterable[bytes]]:
    """The demo as a WSGI callable, with its sessions in ``store``."""

    def app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO") or "/"
        # Never raises for a bad cookie: tampered, expired or unknown gives a fresh session.
        session = store.get(environ, SESSION)
        apply_remember_me(session)
        handler = ROUTES.get((method, path))
        if handler is None:
            allowed = [m for (m, p) in ROUTES if p == path]
            status = "405 Method Not Allowed" if allowed else "404 Not Found"
            response = Response(status, page(status, ""))
        elif method == "POST":
            data = read_form(environ)
            if csrf_ok(session, data):
                response = handler(environ, session, data)
            else:
                text = "<p>Missing or wrong CSRF token: reload the page and try again.</p>"
                response = Response("403 Forbidden", page("Forbidden", text))
        else:
            response = handler(environ, session, {})

        headers = [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store")]
        if response.location:
            headers.append(("Location", response.location))
        ws.save(environ, headers)  # once per request: writes the records, adds Set-Cookie
        body = response.body.encode()
        headers.append(("Content-Length", str(len(body))))
        start_response(response.status, headers)
        return [body]

    return app


# -- the server -------------------------------------------------------------------


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m examples.demo", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="IPv4 address to listen on")
    parser.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    parser.add_argument("--sessions-dir", type=Path, default=Path(".sessions"))
    parser.add_argument("--key-file", type=Path, default=Path(".demo-keys"))
    parser.add_argument(
        "--allow-external", action="store_true", help="allow a host other machines can reach"
    )
    args = parser.parse_args(argv)
    if not (is_loopback(args.host) or args.allow_external):
        parser.error(f"{args.host} is not a loopback address: add --allow-external to serve it")

    try:
        store = make_store(args.sessions_dir, load_keys(args.key_file))
    except ws.SessionError as exc:
        raise SystemExit(f"cannot set up the session store: {exc}") from None
    print(
        "Note: cookies are sent without Secure (Options(secure=False)) because this demo "
        "serves plain http://. The library default is secure=True: keep it behind HTTPS."
    )
    print(f"Sessions are files in {store.path}")
    app = make_app(store)
    with make_server(args.host, args.port, app, server_class=ThreadingWSGIServer) as server:
        print(f"Serving on http://{args.host}:{server.server_port}/ (Ctrl-C to stop)", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            print("Stopped.")
    return 0
