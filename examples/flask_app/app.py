"""Flask on websessions: ``flask.session``, ``flash`` and a second named session.

Run it: ``python -m examples.flask_app.app`` and open http://localhost:5000/.
Keys come from ``WEBSESSIONS_HASH_KEY`` / ``WEBSESSIONS_BLOCK_KEY`` (hex); without
them random keys are made, and sessions end when the process does.
"""

from __future__ import annotations

import os

from flask import Flask, flash, get_flashed_messages, redirect, request, session
from werkzeug.wrappers import Response

import websessions as ws
from websessions.integrations.flask import Sessions


def _key(env: str, size: int) -> bytes:
    value = os.environ.get(env)
    return bytes.fromhex(value) if value else ws.generate_random_key(size)


# secure=False so the cookie also works over http://localhost while developing.
store = ws.CookieStore(
    _key("WEBSESSIONS_HASH_KEY", 32),
    _key("WEBSESSIONS_BLOCK_KEY", 32),
    options=ws.Options(secure=False),
)
prefs = ws.CookieStore(_key("WEBSESSIONS_HASH_KEY", 32), options=ws.Options(secure=False))

app = Flask(__name__)
Sessions(app, store=store)


@app.get("/")
def index() -> dict[str, object]:
    session["visits"] = session.get("visits", 0) + 1
    theme = prefs.get(request, "prefs").values.get("theme", "light")
    return {
        "user": session.get("user"),
        "visits": session["visits"],
        "theme": theme,
        "messages": get_flashed_messages(),
    }


@app.post("/login")
def login() -> Response:
    session["user"] = request.form["user"]
    session.permanent = request.form.get("remember") == "on"  # remember me: a lasting cookie
    flash(f"Welcome, {session['user']}!")
    return redirect("/")


@app.post("/logout")
def logout() -> Response:
    session.clear()  # deletes the cookie
    return redirect("/")


@app.post("/theme/<name>")
def theme(name: str) -> Response:
    prefs.get(request, "prefs").values["theme"] = name  # saved with flask.session, once
    return redirect("/")


if __name__ == "__main__":
    app.run(port=5000)
