"""FastAPI on websessions: a shopping cart as a dependency-injected named session.

Run it with any ASGI server, e.g. ``uvicorn examples.fastapi_app.app:app``.
"""

from typing import Annotated

from fastapi import Depends, FastAPI

import websessions as ws
from websessions.integrations.asgi import SessionMiddleware
from websessions.integrations.fastapi import session_dependency

store = ws.CookieStore(
    ws.generate_random_key(32), ws.generate_random_key(32), options=ws.Options(secure=False)
)

app = FastAPI()
app.add_middleware(SessionMiddleware)  # sends the cookies of every session the request used

Cart = Annotated[ws.Session, Depends(session_dependency(store, "cart"))]


@app.get("/cart")
async def show(cart: Cart) -> dict[str, object]:
    return {"items": cart.values.get("items", []), "messages": cart.flashes()}


@app.post("/cart/{item}")
async def add(item: str, cart: Cart) -> dict[str, int]:
    cart.values.setdefault("items", []).append(item)
    cart.add_flash(f"Added {item}")
    return {"count": len(cart.values["items"])}


@app.delete("/cart")
async def empty(cart: Cart) -> dict[str, bool]:
    cart.options.max_age = -1  # deletes the cookie when saved
    return {"emptied": True}
