"""Cookie options: per store as defaults, copied into each session."""

from __future__ import annotations

import dataclasses
from typing import Literal

from .errors import UsageError

SameSite = Literal["Lax", "Strict", "None"]
_SAME_SITE: dict[str, SameSite] = {"lax": "Lax", "strict": "Strict", "none": "None"}
_CANONICAL = frozenset({"Lax", "Strict", "None", None})
_new_object = object.__new__


@dataclasses.dataclass(slots=True)
class Options:
    """Attributes of the session cookie, and its lifetime.

    ``max_age`` is in seconds: ``> 0`` a persistent cookie ("remember me"),
    ``0`` a browser-session cookie (no Max-Age/Expires), ``< 0`` delete the
    cookie now (and the server-side record). ``same_site=None`` leaves the
    attribute out.

    Unlike gorilla/sessions, whose zero-value Options send neither Secure,
    HttpOnly nor SameSite, the defaults here are the safe ones: ``secure``
    (the cookie never travels over plain HTTP), ``http_only`` (scripts can't
    read it) and ``same_site="Lax"`` (no cross-site POSTs carry it). Set
    ``secure=False`` for local development over ``http://``.
    """

    path: str = "/"
    domain: str | None = None
    max_age: int = 86400 * 30
    secure: bool = True
    http_only: bool = True
    same_site: SameSite | None = "Lax"
    partitioned: bool = False

    def __post_init__(self) -> None:
        self.validate()

    def copy(self) -> Options:
        """An independent copy (sessions get one each)."""
        # Field by field: dataclasses.replace re-runs __init__ and validation,
        # and every session of every request makes a copy.
        new = _new_object(Options)
        new.path = self.path
        new.domain = self.domain
        new.max_age = self.max_age
        new.secure = self.secure
        new.http_only = self.http_only
        new.same_site = self.same_site
        new.partitioned = self.partitioned
        return new

    def validate(self) -> None:
        """Raise :class:`UsageError` for a combination browsers would reject."""
        if type(self.max_age) is not int and (
            isinstance(self.max_age, bool) or not isinstance(self.max_age, int)
        ):
            raise UsageError(f"max_age must be an int number of seconds, got {self.max_age!r}")
        if self.same_site not in _CANONICAL:
            normal = _SAME_SITE.get(str(self.same_site).lower())
            if normal is None:
                raise UsageError(
                    f"same_site must be 'Lax', 'Strict', 'None' or None, got {self.same_site!r}"
                )
            self.same_site = normal
        if self.same_site == "None" and not self.secure:
            raise UsageError(
                "same_site='None' requires secure=True: browsers reject SameSite=None "
                "cookies without Secure"
            )
        if self.partitioned and not self.secure:
            raise UsageError("partitioned=True requires secure=True (CHIPS cookies must be Secure)")
