"""Flask: ``flask.session``, ``flash`` and ``get_flashed_messages`` on any websessions store.

::

    from flask import Flask, session
    import websessions as ws
    from websessions.integrations.flask import Sessions

    app = Flask(__name__)
    store = ws.FilesystemStore("/var/lib/myapp/sessions", hash_key, block_key)
    Sessions(app, store=store)           # or Sessions(store=store).init_app(app)

``Sessions`` installs a Flask ``session_interface``. ``flask.session`` is
the websessions session named ``name`` (Flask's ``SESSION_COOKIE_NAME`` by
default): a Flask ``SessionMixin`` whose mapping *is* that session's
``values``, loaded on first use, so ``store.get(request, name)`` in the same
request sees the same dict. It keeps Flask's rules: ``modified`` and
``accessed`` are tracked, ``Vary: Cookie`` is sent when it was accessed, and
it is saved when modified (or every request while ``permanent`` and
``SESSION_REFRESH_EACH_REQUEST``); emptying it deletes the cookie.

``session.permanent`` sets the cookie's lifetime: ``True`` gives
``Max-Age = PERMANENT_SESSION_LIFETIME``, ``False`` (Flask's default, or
``permanent=`` here) a browser-session cookie (``max_age=0``). Its other
attributes (path, domain, secure, SameSite, ...) are the store's
:class:`~websessions.Options`. Other named sessions opened with
``store.get(flask.request, other)`` are saved in the same pass, once per
request, unless the view saved them already.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import Flask, Request, Response
from flask.sessions import SessionInterface, SessionMixin

from ..registry import REGISTRY_KEY, Registry
from ..session import Session
from ..stores.base import Store
from ._common import (
    State,
    pending_in,
    save_sessions,
    saved_names_in,
    set_cookie_names,
    state_of,
    vary_with_cookie,
)


class FlaskSession(SessionMixin):
    """``flask.session``: a mutable mapping over a websessions session's ``values``.

    Mutating nested values (``session["cart"].append(x)``) can't be seen:
    set ``session.modified = True`` then, as with Flask's own session.
    """

    def __init__(self, store: Store, request: Request, name: str, permanent: bool) -> None:
        self.store = store
        self.request = request
        self.name = name
        self.default_permanent = permanent
        self.modified = False
        self.accessed = False
        self._session: Session | None = None

    # -- the websessions side ----------------------------------------------

    @property
    def loaded(self) -> bool:
        """Whether the session was opened (any use of it opens it)."""
        return self._session is not None

    @property
    def websession(self) -> Session:
        """The websessions :class:`~websessions.Session` behind this one."""
        session = self._session
        if session is None:
            session = self._session = self.store.get(self.request, self.name)
        return session

    @property
    def _data(self) -> dict[Any, Any]:
        self.accessed = True
        session = self._session
        if session is None:
            session = self._session = self.store.get(self.request, self.name)
        return session.values

    @property
    def new(self) -> bool:  # type: ignore[override]
        """True when no valid session cookie came with the request."""
        return self.websession.is_new

    @property
    def permanent(self) -> bool:
        return bool(self._data.get("_permanent", self.default_permanent))

    @permanent.setter
    def permanent(self, value: bool) -> None:
        self["_permanent"] = bool(value)

    # -- the mapping ---------------------------------------------------------

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._data[key] = value
        self.modified = True

    def __delitem__(self, key: str) -> None:
        del self._data[key]
        self.modified = True

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __repr__(self) -> str:
        shown = self.websession.values if self.loaded else "<not loaded>"
        return f"<FlaskSession {self.name!r} {shown!r}>"

    def get(self, key: str, default: Any = None) -> Any:
        return self._data.get(key, default)

    def setdefault(self, key: str, default: Any = None) -> Any:
        data = self._data
        if key not in data:
            data[key] = default
            self.modified = True
        return data[key]

    def pop(self, key: str, *default: Any) -> Any:
        data = self._data
        if key in data:
            self.modified = True
        return data.pop(key, *default)

    def clear(self) -> None:
        data = self._data
        if data:
            data.clear()
            self.modified = True

    def update(self, *args: Any, **kwargs: Any) -> None:
        self._data.update(*args, **kwargs)
        self.modified = True


class WebSessionsInterface(SessionInterface):
    """The Flask ``session_interface`` that :class:`Sessions` installs."""

    def __init__(self, store: Store, name: str, permanent: bool = False) -> None:
        self.store = store
        self.name = name
        self.permanent = permanent

    def open_session(self, app: Flask, request: Request) -> FlaskSession:
        return FlaskSession(self.store, request, self.name, self.permanent)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if not isinstance(session, FlaskSession):  # pragma: no cover - another interface's
            return
        request = session.request
        state = state_of(request)
        if session._session is not None or (
            app.config["SESSION_REFRESH_EACH_REQUEST"] and self.name in request.cookies
        ):
            # A permanent session's cookie is renewed even when the view didn't use it.
            self._save_flask_session(app, session, response, state)
        registry: Registry | None = state.get(REGISTRY_KEY)
        if registry is None:
            return
        others = registry.sessions
        if len(others) > 1 or (others and self.name not in others):
            in_response = set_cookie_names(response.headers.getlist("Set-Cookie"))
            save_sessions(request, response, pending_in(state, in_response), state)
            _vary_cookie(response)

    def _save_flask_session(
        self, app: Flask, session: FlaskSession, response: Response, state: State
    ) -> None:
        websession = session.websession
        values = websession.values
        varied = session.accessed
        if varied:
            _vary_cookie(response)
        session.accessed = True  # what reading it below would do
        if not values:
            save = session.modified
            if save:
                websession.options.max_age = -1  # emptied: delete the cookie
        else:
            permanent = bool(values.get("_permanent", session.default_permanent))
            save = session.modified or (
                bool(app.config["SESSION_REFRESH_EACH_REQUEST"]) and permanent
            )
            if save:
                lifetime = int(app.permanent_session_lifetime.total_seconds())
                websession.options.max_age = lifetime if permanent else 0
        if save:
            save_sessions(session.request, response, (websession,), state)
            if not varied:
                _vary_cookie(response)
        else:
            saved_names_in(state).add(websession.name)  # unchanged: nothing to send


def _vary_cookie(response: Response) -> None:
    """Make ``response`` say ``Vary: Cookie`` (cheaper than ``response.vary.add``)."""
    headers = response.headers
    vary = vary_with_cookie(headers.get("Vary"))
    if vary is not None:
        headers["Vary"] = vary


class Sessions:
    """Make ``flask.session`` use ``store``: ``Sessions(app, store=store)``.

    ``name`` is the cookie (and session) name, Flask's ``SESSION_COOKIE_NAME``
    by default; ``permanent`` is ``session.permanent`` for sessions that
    never set it.
    """

    def __init__(
        self,
        app: Flask | None = None,
        *,
        store: Store,
        name: str | None = None,
        permanent: bool = False,
    ) -> None:
        self.store = store
        self.name = name
        self.permanent = permanent
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        name = self.name or str(app.config["SESSION_COOKIE_NAME"])
        app.session_interface = WebSessionsInterface(self.store, name, self.permanent)
        app.extensions["websessions"] = self
