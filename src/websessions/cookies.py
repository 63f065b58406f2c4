"""Cookie header parsing and Set-Cookie formatting. Pure: no I/O.

Formatting follows Go's ``net/http`` ``Cookie.String()`` attribute by
attribute, so a Python and a Go service send the same header for the same
options. Parsing follows Go's ``readCookies``: a malformed pair is skipped
without hiding the pairs after it (``http.cookies.SimpleCookie`` stops at
the first bad pair), and it is bounded in bytes and pairs.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
import time
from collections.abc import Iterable

from .errors import UsageError
from .options import Options

DEFAULT_MAX_HEADER_BYTES = 8192
DEFAULT_MAX_PAIRS = 256


@dataclasses.dataclass
class CookieLimits:
    """How much of a request's Cookie header(s) stores read; the rest is ignored.

    Change the process-wide ``websessions.cookies.limits`` at start-up, e.g.
    ``limits.max_bytes = 16384`` behind a proxy that allows larger headers.
    """

    max_bytes: int = DEFAULT_MAX_HEADER_BYTES
    max_pairs: int = DEFAULT_MAX_PAIRS


limits = CookieLimits()
# The whole header, name to last attribute: what browsers keep at most.
MAX_SET_COOKIE_BYTES = 4096

# RFC 6265 cookie-name = RFC 7230 token.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# Go's validCookieValueByte: printable ASCII except '"', ';' and '\'.
_VALUE = re.compile(r"[\x20\x21\x23-\x3a\x3c-\x5b\x5d-\x7e]*")
_PATH = re.compile(r"[\x20-\x3a\x3c-\x7e]*")
# Each byte to "a" if _VALUE allows it, else to "!": an ASCII value is valid iff
# its bytes translated hold no "!" (0x21), the check being `0x21 in ...` (an int:
# `b"!" in ...` first tries the bytes as an int, and pays for the TypeError).
# Several times cheaper than the regex on long values.
_VALUE_MARKS = bytes(0x61 if _VALUE.fullmatch(chr(c)) else 0x21 for c in range(256))
_OWS = " \t\r\n"

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
EXPIRED = "Thu, 01 Jan 1970 00:00:01 GMT"  # what gorilla sends to delete a cookie


def is_valid_name(name: str) -> bool:
    """Whether ``name`` is an RFC 6265 cookie name (an HTTP token)."""
    return isinstance(name, str) and _TOKEN.fullmatch(name) is not None


_checked_names: set[str] = set()


def check_name(name: str) -> str:
    """Return ``name`` or raise :class:`UsageError` if it can't be a cookie name."""
    if name in _checked_names:  # apps use a handful of names: check each once
        return name
    if not is_valid_name(name):
        raise UsageError(
            f"invalid cookie name {name!r}: use letters, digits and !#$%&'*+-.^_`|~ only "
            "(no spaces, ':', '=', ';' or quotes)"
        )
    if len(_checked_names) < 1024:
        _checked_names.add(name)
    return name


_last_date: tuple[int, str] = (-1, "")


def http_date(timestamp: float) -> str:
    """``Mon, 02 Jan 2006 15:04:05 GMT``, Go's ``http.TimeFormat``."""
    global _last_date  # noqa: PLW0603 (a one-entry cache: most calls share the second)
    second = int(timestamp)
    cached = _last_date
    if cached[0] == second:
        return cached[1]
    t = time.gmtime(second)
    text = (
        f"{_DAYS[t.tm_wday]}, {t.tm_mday:02d} {_MONTHS[t.tm_mon - 1]} {t.tm_year:04d} "
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} GMT"
    )
    _last_date = (second, text)
    return text


def _is_domain_name(name: str) -> bool:
    """Go's ``isCookieDomainName``: ASCII labels of letters, digits and inner
    hyphens, at most 63 long, at least one letter; no '_'."""
    if not 0 < len(name) <= 255:
        return False
    if name[0] == ".":
        name = name[1:]
    last, part, letter = ".", 0, False
    for c in name:
        if "a" <= c <= "z" or "A" <= c <= "Z":
            letter = True
            part += 1
        elif "0" <= c <= "9":
            part += 1
        elif c == "-":
            if last == ".":
                return False
            part += 1
        elif c == ".":
            if last in ".-" or not 0 < part <= 63:
                return False
            part = 0
        else:
            return False
        last = c
    return last != "-" and part <= 63 and letter


def _is_ipv4(text: str) -> bool:
    try:
        ipaddress.IPv4Address(text)  # like Go's net.ParseIP: no leading zeros
    except ValueError:
        return False
    return True


def _check_domain(domain: str) -> str:
    # Go's net/http logs and drops a Domain it can't send; a silently
    # missing attribute is worse than an error here.
    if not (_is_domain_name(domain) or _is_ipv4(domain)):
        raise UsageError(f"invalid cookie domain {domain!r}: use a host name like 'example.com'")
    return domain[1:] if domain.startswith(".") else domain


def _check_value(name: str, value: str) -> None:
    """Raise unless ``value`` may be a cookie value as it is (Go's ``validCookieValueByte``)."""
    if type(value) is str and value.isascii():
        if 0x21 not in value.encode("ascii").translate(_VALUE_MARKS):
            return
    elif _VALUE.fullmatch(value) is not None:  # a str subclass (else: a TypeError)
        return
    raise UsageError(f"cookie value for {name!r} holds characters a cookie can't carry")


# (name, path, domain, max_age, secure, http_only, same_site, partitioned) of
# options that formatted (so were valid) -> the header after the value: all of
# it, or, with an Expires date to put in, what goes before and after the date.
_SuffixKey = tuple[object, ...]
_suffixes: dict[_SuffixKey, tuple[str, str | None]] = {}
_MAX_SUFFIXES = 256


def _suffix_key(name: str, options: Options) -> _SuffixKey:
    return (
        name,
        options.path,
        options.domain,
        options.max_age,
        options.secure,
        options.http_only,
        options.same_site,
        options.partitioned,
    )


def format_set_cookie(name: str, value: str, options: Options, now: float | None = None) -> str:
    """The value of a Set-Cookie header, attributes in Go's order.

    ``Name=Value; Path; Domain; Expires; Max-Age; HttpOnly; Secure;
    SameSite; Partitioned``. ``options.max_age < 0`` expires the cookie now.
    """
    # The attributes depend on the name and options only: they are checked and
    # formatted once per combination (apps use a handful), then reused.
    max_age = options.max_age
    try:
        cached = _suffixes.get(_suffix_key(name, options)) if type(max_age) is int else None
    except TypeError:  # an unhashable option: let the checks below say what's wrong
        cached = None
    if cached is None:
        check_name(name)  # the name first, then the value, then the options
        _check_value(name, value)
        cached = _format_suffix(name, options)
    else:
        _check_value(name, value)
    if " " in value or "," in value:
        value = f'"{value}"'  # as Go quotes them
    before, after = cached
    if after is None:
        header = f"{name}={value}{before}"
    else:
        second = int((time.time() if now is None else now) + max_age)
        header = f"{name}={value}{before}{http_date(second)}{after}"
    if len(header) > MAX_SET_COOKIE_BYTES:
        raise UsageError(
            f"the Set-Cookie header for {name!r} is {len(header)} bytes; browsers drop cookies "
            f"over {MAX_SET_COOKIE_BYTES}: store less in it, or use a server-side store"
        )
    return header


def _format_suffix(name: str, options: Options) -> tuple[str, str | None]:
    """Check ``name`` and ``options`` and format the attributes (see :data:`_suffixes`)."""
    check_name(name)
    options.validate()  # may normalize options.same_site: the key is taken after it
    if name[:2] == "__":
        _check_prefix(name, options)
    parts: list[str] = []
    if options.path:
        if _PATH.fullmatch(options.path) is None:
            raise UsageError(f"invalid cookie path {options.path!r}: no ';' or control characters")
        parts += ("; Path=", options.path)
    if options.domain:
        parts += ("; Domain=", _check_domain(options.domain))
    max_age = options.max_age
    before: list[str] | None = None
    if max_age > 0:
        parts.append("; Expires=")
        before, parts = parts, ["; Max-Age=", str(max_age)]
    elif max_age < 0:
        parts += ("; Expires=", EXPIRED, "; Max-Age=0")
    if options.http_only:
        parts.append("; HttpOnly")
    if options.secure:
        parts.append("; Secure")
    if options.same_site is not None:
        parts += ("; SameSite=", options.same_site)
    if options.partitioned:
        parts.append("; Partitioned")
    suffix = ("".join(parts), None) if before is None else ("".join(before), "".join(parts))
    if type(max_age) is int:
        if len(_suffixes) >= _MAX_SUFFIXES:
            _suffixes.clear()
        _suffixes[_suffix_key(name, options)] = suffix
    return suffix


def _check_prefix(name: str, options: Options) -> None:
    """Browsers only accept ``__Secure-`` cookies with Secure, and ``__Host-``
    ones with Secure, Path=/ and no Domain (prefixes match case-insensitively)."""
    lowered = name[:9].lower()
    if lowered.startswith("__host-"):
        if not options.secure or options.path != "/" or options.domain:
            raise UsageError(
                f"cookie {name!r} has the __Host- prefix: it needs secure=True, path='/' and "
                "domain=None, or browsers reject it"
            )
    elif lowered.startswith("__secure-") and not options.secure:
        raise UsageError(f"cookie {name!r} has the __Secure- prefix: it needs secure=True")


def parse_cookie_header(
    headers: str | Iterable[str],
    *,
    max_bytes: int | None = None,
    max_pairs: int | None = None,
) -> dict[str, list[str]]:
    """Cookie header value(s) -> ``{name: [value, ...]}`` in the order sent.

    Pairs with an invalid name or value are skipped; the rest still count.
    Values lose one pair of surrounding double quotes. Stops reading past
    ``max_bytes`` bytes of header text or ``max_pairs`` pairs, whichever
    comes first (by default ``limits``: 8 KiB and 256); the work is linear
    in the input.
    """
    result: dict[str, list[str]] = {}
    budget = limits.max_bytes if max_bytes is None else max_bytes
    if max_pairs is None:
        max_pairs = limits.max_pairs
    pairs = 0
    for field in (headers,) if isinstance(headers, str) else headers:
        if budget <= 0:
            break
        text = field
        if len(text) > budget:
            # Cut at the last separator inside the budget: never half a pair.
            cut = text.rfind(";", 0, budget + 1)
            text = text[:cut] if cut >= 0 else ""
            budget = 0
        else:
            budget -= len(text)
        for part in text.split(";"):
            name, sep, value = part.strip(_OWS).partition("=")
            # A name used by a store was checked already (see check_name).
            if not sep or (name not in _checked_names and _TOKEN.fullmatch(name) is None):
                continue
            if len(value) > 1 and value[0] == '"' and value[-1] == '"':
                value = value[1:-1]
            if not value.isascii() or 0x21 in value.encode("ascii").translate(_VALUE_MARKS):
                continue  # not what _VALUE allows
            pairs += 1
            if pairs > max_pairs:
                return result
            values = result.get(name)
            if values is None:
                result[name] = [value]
            else:
                values.append(value)
    return result
