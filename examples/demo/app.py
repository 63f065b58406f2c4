"""A small site with websessions and no framework: plain WSGI, two named sessions.

Run it with ``make demo`` (or ``python -m examples.demo``) and open http://127.0.0.1:8000.
It has a visit counter, log in / log out with "remember me", a flash message
after every form post, CSRF tokens kept in the session, a shopping cart kept in
a second named session on another store (the cart cookie itself), and a page
that shows both sessions as the server sees them.
"""

from __future__ import annotations

import hmac
import html
import secrets
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple
from urllib.parse import parse_qs

import websessions as ws

from .stores import describe

SESSION = "demo"  # the login session's cookie name (--cookie-name)
CART = "cart"  # the cart's cookie name
REMEMBER_ME = 30 * 86400  # how long a "remember me" cookie lives, in seconds
MAX_FORM_BYTES = 4096
MAX_QUANTITY = 99
CATALOGUE: dict[str, tuple[str, int]] = {  # product id: (name, price in cents)
    "tea": ("Green tea, 100 g", 650),
    "mug": ("Enamel mug", 1200),
    "biscuits": ("Oat biscuits", 325),
}

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
Form = dict[str, str]


class Request(NamedTuple):
    environ: Environ
    session: ws.Session  # the login session, in the --store store
    form: Form  # the POST body; {} for a GET


class Response(NamedTuple):
    status: str
    body: str = ""
    location: str | None = None


# -- session helpers ------------------------------------------------------------


def apply_remember_me(session: ws.Session) -> None:
    """Set the cookie's lifetime from the choice made at login.

    Options are not stored with the session: every request starts from the
    store's defaults (a 30-day cookie), so without this the first save after
    login would turn a browser-session cookie into a persistent one.
    """
    if "remember" in session.values:
        session.options.max_age = REMEMBER_ME if session.values["remember"] else 0


def csrf_token(session: ws.Session) -> str:
    token = session.values.get("csrf")
    if not isinstance(token, str):
        token = session.values["csrf"] = secrets.token_urlsafe(32)
    return token


def csrf_ok(session: ws.Session, form: Form) -> bool:
    token = session.values.get("csrf")
    sent = form.get("csrf", "")
    return isinstance(token, str) and hmac.compare_digest(token.encode(), sent.encode())


def quantity(cart: ws.Session, product: str) -> int:
    count = cart.values.get(product, 0)
    return count if isinstance(count, int) and 0 < count <= MAX_QUANTITY else 0


def cart_lines(cart: ws.Session) -> list[tuple[str, str, int, int]]:
    """``(product, name, quantity, cents)`` for each product in the cart, in catalogue order."""
    return [
        (product, name, quantity(cart, product), price * quantity(cart, product))
        for product, (name, price) in CATALOGUE.items()
        if quantity(cart, product)
    ]


# -- HTML -------------------------------------------------------------------------

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


def product_form(action: str, session: ws.Session, product: str, button: str) -> str:
    return form(action, session, f"<input type=hidden name=product value='{e(product)}'>", button)


def money(cents: int) -> str:
    return f"\u20ac{cents // 100}.{cents % 100:02d}"


def lifetime(session: ws.Session) -> str:
    max_age = session.options.max_age
    if max_age == 0:
        return "a browser-session cookie (no Max-Age): gone when the browser closes"
    return f"a persistent cookie: Max-Age={max_age} ({max_age // 86400} days)"


def rejected(session: ws.Session) -> str:
    if session.error is None:
        return ""
    reason = type(session.error).__name__
    return f"<p>Your {e(session.name)} cookie was rejected ({reason}): new session.</p>"


def session_table(table_id: str, session: ws.Session) -> str:
    rows = [
        ("store", describe(session.store)),
        ("name", session.name),
        ("id", session.id or "(none)"),
        ("is_new", str(session.is_new)),
        ("error", "none" if session.error is None else type(session.error).__name__),
        ("cookie", lifetime(session)),
        ("Set-Cookie", ws.format_set_cookie(session.name, "...", session.options)),
    ]
    rows += [(f"values[{key!r}]", repr(value)) for key, value in session.values.items()]
    cells = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in rows)
    return f"<table id={table_id}>{cells}</table>"


def redirect(location: str) -> Response:
    return Response("303 See Other", location=location)  # POST-redirect-GET


# -- the site ------------------------------------------------------------------------


class Demo:
    """The demo as a WSGI callable: the login session in ``store``, the cart in ``cart_store``."""

    def __init__(
        self,
        store: ws.Store,
        cart_store: ws.Store,
        *,
        name: str = SESSION,
        cart_name: str = CART,
    ) -> None:
        self.store, self.cart_store = store, cart_store
        self.name, self.cart_name = name, cart_name

    def cart(self, request: Request, *, edit: bool = False) -> ws.Session:
        """The cart. ``get`` registers it, so ``ws.save`` re-issues its cookie at the end of
        the request: only handlers that change it ask for that; pages just read (``new``)."""
        if edit:
            return self.cart_store.get(request.environ, self.cart_name)
        return self.cart_store.new(request.environ, self.cart_name)

    # -- pages --

    def index(self, request: Request) -> Response:
        session, cart = request.session, self.cart(request)
        visits = session.values["visits"] = session.values.get("visits", 0) + 1
        flashes = "".join(f"<li>{e(str(message))}</li>" for message in session.flashes())
        body = f"<ul class=flashes>{flashes}</ul>" if flashes else ""
        body += rejected(session) + rejected(cart)
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

        body += "<h2>Shop</h2><table class=catalogue>"
        for product, (name, price) in CATALOGUE.items():
            add = product_form("/cart/add", session, product, "Add to cart")
            body += f"<tr><td>{e(name)}</td><td>{money(price)}</td><td>{add}</td></tr>"
        body += "</table><h2>Your cart</h2>"
        lines = cart_lines(cart)
        if lines:
            body += "<ul class=cart>"
            for product, name, count, cents in lines:
                remove = product_form("/cart/remove", session, product, "Remove one")
                body += f"<li>{count} \u00d7 {e(name)}: {money(cents)} {remove}</li>"
            total = sum(cents for *_, cents in lines)
            body += f"</ul><p class=total>Total: {money(total)}</p>"
        else:
            body += "<p class=total>Your cart is empty.</p>"
        return Response("200 OK", page("websessions demo", body))

    def show_session(self, request: Request) -> Response:
        body = (
            "<h2>Login session</h2>"
            + session_table("session", request.session)
            + "<h2>Cart</h2>"
            + session_table("cart", self.cart(request))
        )
        return Response("200 OK", page("The sessions, as the server sees them", body))

    # -- form posts: each ends with a flash and a redirect --

    def login(self, request: Request) -> Response:
        session, data = request.session, request.form
        user = data.get("username", "").strip()
        if not 0 < len(user) <= 40:
            session.add_flash("Enter a name of 1 to 40 characters.")
            return redirect("/")
        # A new ID when privileges change, so an ID planted before login is worthless
        # (session fixation); the values move to it and the old record is deleted.
        session.regenerate_id()
        session.values.pop("csrf", None)  # and a new CSRF token on the next page
        session.values["user"] = user
        session.values["remember"] = "remember" in data
        apply_remember_me(session)  # 30 days, or 0: a cookie that ends with the browser
        session.add_flash(f"Welcome, {user}")
        return redirect("/")

    def logout(self, request: Request) -> Response:
        session = request.session
        # Deletes the record now: a copy of the old cookie gets a fresh session. The
        # flash set afterwards starts a new session under a new ID (one Set-Cookie).
        session.destroy()
        session.options = session.store.options.copy()  # forget "remember me"
        session.add_flash("You are logged out.")
        return redirect("/")

    def reset_counter(self, request: Request) -> Response:
        request.session.values.pop("visits", None)
        request.session.add_flash("The counter is reset.")
        return redirect("/")

    def add_to_cart(self, request: Request) -> Response:
        product = request.form.get("product", "")
        if product not in CATALOGUE:
            request.session.add_flash("There is no such product.")
            return redirect("/")
        cart = self.cart(request, edit=True)
        count = quantity(cart, product)
        if count < MAX_QUANTITY:
            cart.values[product] = count + 1
            request.session.add_flash(f"Added {CATALOGUE[product][0]} to your cart.")
        else:
            request.session.add_flash(f"You have {MAX_QUANTITY} of those already.")
        return redirect("/")

    def remove_from_cart(self, request: Request) -> Response:
        product = request.form.get("product", "")
        if not quantity(self.cart(request), product):  # a look, without re-issuing the cookie
            request.session.add_flash("That is not in your cart.")
            return redirect("/")
        cart = self.cart(request, edit=True)
        count = quantity(cart, product)
        if count > 1:
            cart.values[product] = count - 1
        else:
            del cart.values[product]
        if not cart_lines(cart):
            cart.destroy()  # an empty cart: the save deletes the cookie
        request.session.add_flash(f"Removed one {CATALOGUE[product][0]} from your cart.")
        return redirect("/")

    # -- WSGI --

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO") or "/"
        # Never raises for a bad cookie: tampered, expired or unknown gives a fresh session.
        session = self.store.get(environ, self.name)
        apply_remember_me(session)
        handler = ROUTES.get((method, path))
        if handler is None:
            allowed = [m for (m, p) in ROUTES if p == path]
            status = "405 Method Not Allowed" if allowed else "404 Not Found"
            response = Response(status, page(status, ""))
        elif method == "POST":
            data = read_form(environ)
            if csrf_ok(session, data):
                response = handler(self, Request(environ, session, data))
            else:
                text = "<p>Missing or wrong CSRF token: reload the page and try again.</p>"
                response = Response("403 Forbidden", page("Forbidden", text))
        else:
            response = handler(self, Request(environ, session, {}))

        headers = [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store")]
        if response.location:
            headers.append(("Location", response.location))
        # Once per request: saves every session this request opened with get(), whatever
        # its store (writes the login record, re-issues the cart cookie if it changed).
        ws.save(environ, headers)
        body = response.body.encode()
        headers.append(("Content-Length", str(len(body))))
        start_response(response.status, headers)
        return [body]


ROUTES: dict[tuple[str, str], Callable[[Demo, Request], Response]] = {
    ("GET", "/"): Demo.index,
    ("GET", "/session"): Demo.show_session,
    ("POST", "/login"): Demo.login,
    ("POST", "/logout"): Demo.logout,
    ("POST", "/counter/reset"): Demo.reset_counter,
    ("POST", "/cart/add"): Demo.add_to_cart,
    ("POST", "/cart/remove"): Demo.remove_from_cart,
}


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


def make_app(
    store: ws.Store, cart_store: ws.Store, *, name: str = SESSION, cart_name: str = CART
) -> Demo:
    """The demo as a WSGI callable: logins in ``store``, carts in ``cart_store``."""
    return Demo(store, cart_store, name=name, cart_name=cart_name)
