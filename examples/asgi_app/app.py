"""A plain ASGI app on websessions; the middleware saves what the app forgets to.

Run it with any ASGI server, e.g. ``uvicorn examples.asgi_app.app:app``.
"""

from __future__ import annotations

import json
from typing import Any

import websessions as ws
from websessions.integrations.asgi import SessionMiddleware

store = ws.CookieStore(
    ws.generate_random_key(32), ws.generate_random_key(32), options=ws.Options(secure=False)
)


async def counter(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    session = await store.aget(scope, "session")
    if scope["path"] == "/reset":
        session.options.max_age = -1  # delete the cookie
        session.values.clear()
    else:
        session.values["visits"] = session.values.get("visits", 0) + 1
    body = json.dumps({"visits": session.values.get("visits", 0)}).encode()
    headers = [(b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


app = SessionMiddleware(counter)
