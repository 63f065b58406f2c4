"""ServerSideStore: the cookie holds a signed ID; the values live in a backend."""

from __future__ import annotations

import base64
import re
import secrets
from typing import Any

from ..codec import DEFAULT_MAX_LENGTH, SecureCookie, codecs_from_pairs, decode_multi, encode_multi
from ..errors import DecodeError, DeserializeFailed, MalformedValue, SessionNotFound
from ..options import Options
from ..registry import Registry
from ..serializers import Serializer
from ..session import Session
from .backend import Backend
from .base import Store

_ID = re.compile(r"[A-Z2-7]{52}")


def new_session_id() -> str:
    """256 random bits as unpadded base32, gorilla's ID format."""
    return base64.b32encode(secrets.token_bytes(32)).rstrip(b"=").decode("ascii")


def is_valid_session_id(value: object) -> bool:
    """Whether ``value`` has the exact shape of an ID made by :func:`new_session_id`."""
    return isinstance(value, str) and _ID.fullmatch(value) is not None


class ServerSideStore(Store):
    """A store whose records live in ``backend``; the cookie carries only the ID.

    Records are encoded with the same keys as the cookie (signed, and
    encrypted with a block key) under the session's name, as gorilla's
    FilesystemStore does, so a record copied to another name or server is
    rejected. ``record_max_length`` bounds a record (0: no bound).
    """

    def __init__(
        self,
        backend: Backend,
        *key_pairs: bytes | None,
        options: Options | None = None,
        serializer: Serializer | None = None,
        max_length: int = DEFAULT_MAX_LENGTH,
        record_max_length: int = 0,
    ) -> None:
        self.backend = backend
        self.record_codecs: list[SecureCookie] = codecs_from_pairs(
            *key_pairs, serializer=serializer, max_length=record_max_length
        )
        super().__init__(*key_pairs, options=options, serializer=serializer, max_length=max_length)

    def _all_codecs(self) -> list[SecureCookie]:
        return self.codecs + self.record_codecs

    @property
    def record_ttl(self) -> int:
        """How long a record lives on the server, in seconds (the codecs' max_age)."""
        return self.record_codecs[0].max_age

    # -- loading: decode the ID (pure), load (I/O), decode the record (pure) --

    def _open(self, registry: Registry, name: str) -> tuple[str | None, DecodeError | None]:
        session_id, error = self._decode_cookie(registry, name, str)
        if session_id is not None and not is_valid_session_id(session_id):
            return None, MalformedValue(f"cookie {name!r} holds a malformed session ID")
        return session_id, error

    def _loaded(
        self, name: str, session_id: str | None, record: bytes | None, error: DecodeError | None
    ) -> Session:
        if session_id is None:
            return Session(self, name, error=error)
        if record is None:
            # Never resurrect an ID the server no longer has: a new one is made on save.
            return Session(self, name, error=SessionNotFound())
        try:
            values = decode_multi(name, record.decode("ascii"), self.record_codecs)
        except UnicodeDecodeError:
            return Session(self, name, error=MalformedValue("the stored record is not ASCII"))
        except DecodeError as exc:
            return Session(self, name, error=exc)
        if not isinstance(values, dict):
            return Session(self, name, error=DeserializeFailed("the stored record is not a dict"))
        return Session(self, name, values=values, is_new=False, id=session_id)

    def _new(self, registry: Registry, name: str) -> Session:
        session_id, error = self._open(registry, name)
        record = None if session_id is None else self.backend.load(session_id)
        return self._loaded(name, session_id, record, error)

    async def _anew(self, registry: Registry, name: str) -> Session:
        session_id, error = self._open(registry, name)
        record = None if session_id is None else await self.backend.aload(session_id)
        return self._loaded(name, session_id, record, error)

    # -- saving: plan (pure), write (I/O), set the cookie (pure) --

    def _plan(self, session: Session) -> tuple[str, str | None, bytes | None]:
        """``(action, id, record)``: action is ``delete``, ``write`` or ``skip``."""
        if session.options.max_age < 0:
            old, session.id = session.id, None
            return "delete", old, None
        if session.id is None:
            if not session.values:
                return "skip", None, None  # nothing worth a record: no flooding
            session.id = new_session_id()
        record = encode_multi(session.name, session.values, self.record_codecs)
        return "write", session.id, record.encode("ascii")

    def _finish(self, request: Any, response: Any, session: Session, action: str) -> None:
        if action == "delete":
            self._set_cookie(request, response, session, "")
        elif action == "write":
            assert session.id is not None
            self._set_cookie(
                request, response, session, encode_multi(session.name, session.id, self.codecs)
            )

    def save(self, request: Any, response: Any, session: Session) -> None:
        """Write the record and set the ID cookie; ``max_age < 0`` deletes both.

        A new session with no values writes nothing and sets no cookie.
        """
        action, session_id, record = self._plan(session)
        if action == "delete" and session_id is not None:
            self.backend.delete(session_id)
        elif action == "write":
            assert session_id is not None
            assert record is not None
            self.backend.save(session_id, record, self.record_ttl)
        self._finish(request, response, session, action)

    async def asave(self, request: Any, response: Any, session: Session) -> None:
        action, session_id, record = self._plan(session)
        if action == "delete" and session_id is not None:
            await self.backend.adelete(session_id)
        elif action == "write":
            assert session_id is not None
            assert record is not None
            await self.backend.asave(session_id, record, self.record_ttl)
        self._finish(request, response, session, action)
