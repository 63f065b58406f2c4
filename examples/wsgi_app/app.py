"""A plain WSGI app on websessions; the middleware saves what the app forgets to.

Run it: ``python -m examples.wsgi_app.app`` and open http://localhost:8000/.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.simple_server import make_server

import websessions as ws
from websessions.integrations.wsgi import SessionMiddleware

store = ws.CookieStore(
    ws.generate_random_key(32), ws.generate_random_key(32), options=ws.Options(secure=False)
)


def counter(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    session = store.get(environ, "session")
    if environ["PATH_INFO"] == "/reset":
        session.options.max_age = -1  # delete the cookie
        session.values.clear()
    else:
        session.values["visits"] = session.values.get("visits", 0) + 1
    body = json.dumps({"visits": session.values.get("visits", 0)}).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]


app = SessionMiddleware(counter)

if __name__ == "__main__":
    with make_server("localhost", 8000, app) as server:
        server.serve_forever()
