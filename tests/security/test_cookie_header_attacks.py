"""Attacks through the Cookie request header and on the Set-Cookie response header.

Incoming: a 1 MB header, hundreds and thousands of duplicates, invalid names,
and the cookie-tossing tricks that try to pass a cookie off as a ``__Host-``
one (a nameless ``=__Host-x=...`` pair, percent-encoded or Unicode-space
prefixed names, several Cookie fields). The parser reads at most
``DEFAULT_MAX_HEADER_BYTES`` bytes and ``DEFAULT_MAX_PAIRS`` pairs; within
those bounds, no junk hides a valid cookie of ours.

Outgoing: nothing an application passes (name, value, path, domain,
SameSite) can put a control or non-ASCII character into a Set-Cookie header;
``__Host-``/``__Secure-`` rules and the 4096-byte header bound are enforced
when saving, with a :class:`ws.UsageError`.
"""

from __future__ import annotations

from typing import Any

import pytest

import websessions as ws
from websessions.cookies import DEFAULT_MAX_HEADER_BYTES, DEFAULT_MAX_PAIRS

from ._attack import (
    ATTACKER_KEY,
    HASH_KEY,
    NAME,
    asgi_scope,
    cookie_pair,
    environ,
    response,
    set_cookies,
    signed,
)

HOST = "__Host-x"
VALUES = {"user": "ada"}


def store() -> ws.CookieStore:
    return ws.CookieStore(HASH_KEY)


def ours(name: str = NAME, values: dict[str, Any] | None = None) -> str:
    """A valid cookie value of ours for ``name``."""
    return ws.SecureCookie(HASH_KEY).encode(name, VALUES if values is None else values)


def get(header: str | None, name: str = NAME) -> ws.Session:
    return store().get(environ(header), name)


def assert_found(session: ws.Session) -> None:
    assert not session.is_new
    assert session.error is None
    assert session.values == VALUES


def assert_not_sent(session: ws.Session) -> None:
    """A new session, and no error: the cookie never reached the store."""
    assert session.is_new
    assert session.values == {}
    assert session.error is None


# -- a 1 MB Cookie header --------------------------------------------------------------


def _numbered_pairs(total_bytes: int) -> tuple[str, list[str]]:
    pairs: list[str] = []
    size = 0
    while size < total_bytes:
        pairs.append(f"k{len(pairs):07d}=v")
        size += len(pairs[-1]) + 2
    return "; ".join(pairs), pairs


def _expected_within(header: str, max_bytes: int) -> list[str]:
    """The complete pairs within the first ``max_bytes`` characters (the cut never
    splits a pair: it falls on the last ';' inside the bound)."""
    return [p.strip() for p in header[: max_bytes + 1].split(";")[:-1]]


def test_1mb_header_parser_reads_at_most_its_byte_bound() -> None:
    header, pairs = _numbered_pairs(1 << 20)
    assert len(header) >= 1 << 20
    parsed = ws.parse_cookie_header(header, max_pairs=10**9)
    expected = _expected_within(header, DEFAULT_MAX_HEADER_BYTES)
    assert list(parsed) == [p.split("=")[0] for p in expected]
    assert 0 < len(parsed) < len(pairs)
    assert len("; ".join(f"{name}=v" for name in parsed)) <= DEFAULT_MAX_HEADER_BYTES


def test_1mb_header_parser_reads_at_most_its_pair_bound() -> None:
    header, pairs = _numbered_pairs(1 << 20)
    parsed = ws.parse_cookie_header(header, max_bytes=1 << 21)
    assert list(parsed) == [p.split("=")[0] for p in pairs[:DEFAULT_MAX_PAIRS]]
    parsed = ws.parse_cookie_header(header)
    assert len(parsed) == min(DEFAULT_MAX_PAIRS, len(_expected_within(header, 8192)))


def test_1mb_single_pair_is_dropped_whole() -> None:
    assert ws.parse_cookie_header(f"{NAME}=" + "A" * (1 << 20)) == {}
    assert_not_sent(get(f"{NAME}=" + "A" * (1 << 20)))


def test_1mb_header_with_our_cookie_past_the_bound_gives_a_new_session() -> None:
    header, _ = _numbered_pairs(1 << 20)
    assert_not_sent(get(f"{header}; {NAME}={ours()}"))


def test_1mb_header_with_our_cookie_first_still_finds_it() -> None:
    header, _ = _numbered_pairs(1 << 20)
    assert_found(get(f"{NAME}={ours()}; {header}"))


# -- 500 duplicates ----------------------------------------------------------------------

# Short junk (so hundreds fit the byte bound), and realistic junk: a truncated,
# a std-alphabet and an attacker-signed copy of a cookie.
SHORT_JUNK = ["garbage", "AAAA", "====", "!"]
JUNK = [*SHORT_JUNK, ours()[:-4], "+" + ours()[1:], signed(NAME, b"{}", hash_key=ATTACKER_KEY)]


def _junk(count: int, junk: list[str] = SHORT_JUNK) -> list[str]:
    return [f"{NAME}={junk[i % len(junk)]}" for i in range(count)]


def test_500_duplicates_ours_first_is_found() -> None:
    assert_found(get("; ".join([f"{NAME}={ours()}", *_junk(499)])))


@pytest.mark.parametrize(
    ("before", "junk"),
    [(1, JUNK), (40, JUNK), (100, SHORT_JUNK), (250, SHORT_JUNK)],
    ids=["1-realistic", "40-realistic", "100-short", "250-short"],
)
def test_junk_duplicates_before_ours_within_the_bounds_do_not_hide_it(
    before: int, junk: list[str]
) -> None:
    header = "; ".join([*_junk(before, junk), f"{NAME}={ours()}", *_junk(499 - before, junk)])
    assert header.index(ours()) + len(ours()) < DEFAULT_MAX_HEADER_BYTES
    assert_found(get(header))


def test_500_duplicates_the_pair_bound_holds() -> None:
    header = "; ".join(_junk(500))
    parsed = ws.parse_cookie_header(header, max_bytes=1 << 20)
    assert len(parsed[NAME]) == DEFAULT_MAX_PAIRS
    parsed = ws.parse_cookie_header(header)
    assert len(parsed[NAME]) <= DEFAULT_MAX_PAIRS
    # Ours as pair 301: inside the byte bound, past the pair bound, so not read.
    late = "; ".join([*_junk(300), f"{NAME}={ours()}"])
    assert len(late) < DEFAULT_MAX_HEADER_BYTES
    assert ours() not in ws.parse_cookie_header(late)[NAME]
    session = get(late)
    assert session.is_new
    assert isinstance(session.error, ws.DecodeError)


# -- invalid cookie names --------------------------------------------------------------

INVALID_NAMES = [
    "", "a b", "a;b", "a=b", "a,b", 'a"b', "a\\b", "a\x00b", "a\r\nSet-Cookie: x",
    "a\tb", "(a)", "a/b", "a:b", "a@b", "[a]", "{a}", "a?", "\u00e9", "caf\u00e9",
    "\u00a0sess", "sess\u2003", "\x7f",
]  # fmt: skip


@pytest.mark.parametrize("name", INVALID_NAMES, ids=repr)
def test_invalid_cookie_names_are_usage_errors(name: str) -> None:
    s = store()
    with pytest.raises(ws.UsageError):
        s.get(environ(), name)
    with pytest.raises(ws.UsageError):
        s.new(environ(), name)
    with pytest.raises(ws.UsageError):
        ws.format_set_cookie(name, "v", ws.Options())


@pytest.mark.parametrize("name", [None, 42, b"sess"], ids=repr)
def test_non_str_cookie_names_are_usage_errors(name: Any) -> None:
    with pytest.raises(ws.UsageError):
        store().get(environ(), name)
    with pytest.raises(ws.UsageError):
        ws.format_set_cookie(name, "v", ws.Options())


def test_invalid_names_in_the_header_are_skipped_without_hiding_ours() -> None:
    junk = "; ".join(f"{n}=1" for n in INVALID_NAMES if ";" not in n and "=" not in n)
    parsed = ws.parse_cookie_header(junk)
    assert parsed == {}
    assert_found(get(f"{junk}; {NAME}={ours()}"))


# -- nothing hostile reaches a Set-Cookie header --------------------------------------

BAD_CHARS = ["\r", "\n", "\r\nSet-Cookie: evil=1", "\x00", "\x7f", "\u00e9", "\u2028", "\ud800"]


@pytest.mark.parametrize("bad", BAD_CHARS, ids=repr)
def test_control_and_unicode_in_the_value_are_usage_errors(bad: str) -> None:
    with pytest.raises(ws.UsageError):
        ws.format_set_cookie(NAME, f"abc{bad}def", ws.Options())


@pytest.mark.parametrize("bad", [*BAD_CHARS, ";", "; Domain=evil.com"], ids=repr)
def test_control_and_unicode_in_the_path_are_usage_errors(bad: str) -> None:
    with pytest.raises(ws.UsageError):
        ws.format_set_cookie(NAME, "v", ws.Options(path=f"/app{bad}"))


@pytest.mark.parametrize(
    "domain",
    [*(f"example.com{bad}" for bad in BAD_CHARS), "ex\u00e4mple.com", "a b.com",
     "example.com; Secure", "[::1]", "exa_mple.com"],
    ids=repr,
)  # fmt: skip
def test_control_and_unicode_in_the_domain_are_usage_errors(domain: str) -> None:
    with pytest.raises(ws.UsageError):
        ws.format_set_cookie(NAME, "v", ws.Options(domain=domain))


@pytest.mark.parametrize("bad", BAD_CHARS, ids=repr)
def test_control_and_unicode_in_the_name_are_usage_errors(bad: str) -> None:
    with pytest.raises(ws.UsageError):
        ws.format_set_cookie(f"sess{bad}", "v", ws.Options())


@pytest.mark.parametrize(
    "same_site", ["Lax\r\nSet-Cookie: evil=1", "Lax; Domain=evil.com", "L\u00e1x"]
)
def test_hostile_same_site_is_a_usage_error(same_site: Any) -> None:
    with pytest.raises(ws.UsageError):
        ws.format_set_cookie(NAME, "v", ws.Options(same_site=same_site))
    options = ws.Options()
    options.same_site = same_site  # assigned after construction: checked at save
    with pytest.raises(ws.UsageError):
        ws.format_set_cookie(NAME, "v", options)


@pytest.mark.parametrize("field", ["path", "domain"])
@pytest.mark.parametrize("bad", ["\r\nSet-Cookie: evil=1", "\u00e9", "; Secure"], ids=repr)
def test_store_save_with_hostile_options_adds_no_header(field: str, bad: str) -> None:
    s = store()
    req, rsp = environ(), response()
    session = s.get(req, NAME)
    session.values["x"] = 1
    setattr(session.options, field, ("/" if field == "path" else "example.com") + bad)
    with pytest.raises(ws.UsageError):
        session.save(req, rsp)
    assert rsp == []


def test_hostile_session_values_never_reach_the_header_raw() -> None:
    """Values are serialized, signed and base64'd: the header stays printable ASCII."""
    s = store()
    req, rsp = environ(), response()
    session = s.get(req, NAME)
    session.values["x"] = "\r\nSet-Cookie: evil=1; \x00\u00e9\u2028"
    session.values["\r\n"] = ";"
    session.save(req, rsp)
    (header,) = set_cookies(rsp)
    assert all(0x20 <= ord(c) < 0x7F for c in header)
    assert "evil" not in header
    name, value = cookie_pair(header).split("=", 1)
    assert name == NAME
    assert s.get(environ(f"{NAME}={value}"), NAME).values == session.values


# -- passing a cookie off as a __Host- one ----------------------------------------------


def _disguises(value: str) -> dict[str, str]:
    """Ways to send ``value`` under a name that is not, but may look like, __Host-x.

    Headers are text as WSGI gives them: the bytes read as latin-1, so a
    UTF-8 U+2003 is three characters.
    """
    em_space = "\u2003".encode().decode("latin-1")
    return {
        "nameless": f"={HOST}={value}",
        "percent-encoded": f"%5F_Host-x={value}",
        "percent-encoded-H": f"__%48ost-x={value}",
        "nbsp-prefixed": f"\u00a0{HOST}={value}",
        "nbsp-utf8-prefixed": "\u00a0".encode().decode("latin-1") + f"{HOST}={value}",
        "em-space-prefixed": f"{em_space}{HOST}={value}",
        "em-space-as-text": f"\u2003{HOST}={value}",
        "zero-width-prefixed": "\u200b".encode().decode("latin-1") + f"{HOST}={value}",
        "space-before-equals": f"{HOST} ={value}",
        "lower-case": f"__host-x={value}",
        "quoted-name": f'"{HOST}"={value}',
        "comma-joined": f"a=1,{HOST}={value}",
    }


def raw(text: str) -> bytes:
    """Header bytes for an ASGI scope: the latin-1 view back to bytes, else UTF-8."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")


# The attacker's own, validly signed __Host-x session (they are a user of the site).
ATTACKERS = ws.SecureCookie(HASH_KEY).encode(HOST, {"user": "mallory"})
DISGUISES = list(_disguises(""))


def _host_store() -> ws.CookieStore:
    return ws.CookieStore(HASH_KEY, options=ws.Options(secure=True, path="/"))


@pytest.mark.parametrize("trick", DISGUISES)
def test_disguised_name_never_passes_as_a_host_cookie(trick: str) -> None:
    header = _disguises(ATTACKERS)[trick]
    assert HOST not in ws.parse_cookie_header(header)
    assert_not_sent(_host_store().get(environ(header), HOST))
    scope = asgi_scope(raw(header))
    assert_not_sent(_host_store().get(scope, HOST))


@pytest.mark.parametrize("trick", DISGUISES)
def test_disguised_name_does_not_hide_our_host_cookie(trick: str) -> None:
    mine = ws.SecureCookie(HASH_KEY).encode(HOST, VALUES)
    for header in (
        f"{_disguises(ATTACKERS)[trick]}; {HOST}={mine}",
        f"{HOST}={mine}; {_disguises(ATTACKERS)[trick]}",
    ):
        assert_found(_host_store().get(environ(header), HOST))


def test_several_cookie_fields_none_passes_and_ours_is_found() -> None:
    mine = ws.SecureCookie(HASH_KEY).encode(HOST, VALUES)
    fields = [raw(_disguises(ATTACKERS)[t]) for t in DISGUISES]
    assert_not_sent(_host_store().get(asgi_scope(*fields), HOST))
    assert_found(_host_store().get(asgi_scope(*fields, f"{HOST}={mine}".encode()), HOST))
    assert_found(_host_store().get(asgi_scope(f"{HOST}={mine}".encode(), *fields), HOST))
    # Junk of our own name in earlier fields doesn't hide it either.
    junk = [f"{HOST}={j}".encode() for j in JUNK]
    assert_found(_host_store().get(asgi_scope(*junk, f"{HOST}={mine}".encode()), HOST))


def test_cookie_fields_share_one_byte_bound() -> None:
    """Splitting a huge header into many fields does not multiply the bound."""
    mine = ws.SecureCookie(HASH_KEY).encode(HOST, VALUES)
    fields = [b"filler=" + b"A" * 1000 for _ in range(20)]
    parsed = ws.parse_cookie_header([f.decode() for f in fields])
    assert sum(len(v) + 8 for v in parsed.get("filler", [])) <= DEFAULT_MAX_HEADER_BYTES
    assert_not_sent(_host_store().get(asgi_scope(*fields, f"{HOST}={mine}".encode()), HOST))


@pytest.mark.parametrize("where", ["wsgi", "asgi-one-field", "asgi-10k-fields"])
def test_10000_duplicates_none_passes_and_ours_first_is_found(where: str) -> None:
    mine = ws.SecureCookie(HASH_KEY).encode(HOST, VALUES)
    tricks = list(_disguises(ATTACKERS).values())
    dupes = [
        tricks[i % len(tricks)] if i % 2 else f"{HOST}={JUNK[i % len(JUNK)]}" for i in range(10_000)
    ]
    request: Any
    if where == "asgi-10k-fields":
        fields = [raw(d) for d in dupes]
        request = asgi_scope(f"{HOST}={mine}".encode(), *fields)
        alone = asgi_scope(*fields)
    else:
        header = "; ".join([f"{HOST}={mine}", *dupes])
        alone_header = "; ".join(dupes)
        if where == "wsgi":
            request, alone = environ(header), environ(alone_header)
        else:
            request = asgi_scope(raw(header))
            alone = asgi_scope(raw(alone_header))
    assert_found(_host_store().get(request, HOST))
    session = _host_store().get(alone, HOST)
    assert session.is_new
    assert session.values == {}
    assert session.error is None or isinstance(session.error, ws.DecodeError)
    parsed = ws.parse_cookie_header("; ".join(dupes))
    assert sum(len(v) for v in parsed.values()) <= DEFAULT_MAX_PAIRS


# -- __Host- and __Secure- rules at save -------------------------------------------------


def _save(name: str, options: ws.Options) -> list[tuple[str, str]]:
    s = ws.CookieStore(HASH_KEY, options=options)
    req, rsp = environ(), response()
    session = s.get(req, name)
    session.values["x"] = 1
    session.save(req, rsp)
    return rsp


HOST_NAMES = ["__Host-x", "__HOST-x", "__host-x", "__hOsT-x"]
SECURE_NAMES = ["__Secure-x", "__SECURE-x", "__secure-x", "__sEcUrE-x"]


@pytest.mark.parametrize("name", HOST_NAMES)
@pytest.mark.parametrize(
    "options",
    [
        {"secure": False},
        {"path": "/app"},
        {"path": ""},
        {"domain": "example.com"},
        {"secure": False, "path": "/app", "domain": "example.com"},
    ],
    ids=["not-secure", "path-app", "no-path", "domain", "all-wrong"],
)
def test_host_prefix_rules_are_enforced_at_save(name: str, options: dict[str, Any]) -> None:
    with pytest.raises(ws.UsageError, match="__Host-"):
        _save(name, ws.Options(**options))
    with pytest.raises(ws.UsageError):
        ws.format_set_cookie(name, "v", ws.Options(**options))


@pytest.mark.parametrize("name", HOST_NAMES)
def test_host_prefix_with_the_right_options_saves(name: str) -> None:
    (header,) = set_cookies(_save(name, ws.Options(secure=True, path="/")))
    attrs = [a.strip().split("=")[0].lower() for a in header.split(";")[1:]]
    assert "secure" in attrs
    assert "domain" not in attrs
    assert "; Path=/;" in header


@pytest.mark.parametrize("name", SECURE_NAMES)
def test_secure_prefix_needs_secure_at_save(name: str) -> None:
    with pytest.raises(ws.UsageError, match="__Secure-"):
        _save(name, ws.Options(secure=False))
    (header,) = set_cookies(_save(name, ws.Options(secure=True, path="/app", domain="example.com")))
    assert "; Secure" in header


def test_lookalike_prefixes_are_plain_names() -> None:
    """Not a prefix: no rule applies (and the browser applies none either)."""
    for name in ("_Host-x", "__Hostx", "__Secure_x", "Host-x"):
        assert set_cookies(_save(name, ws.Options(secure=False, path="/app")))


# -- the 4096-byte Set-Cookie bound ------------------------------------------------------


def test_whole_set_cookie_over_4096_bytes_is_a_usage_error_at_save() -> None:
    s = ws.CookieStore(HASH_KEY, max_length=8000)
    value = {"blob": "x" * 2800}
    encoded = ws.SecureCookie(HASH_KEY, max_length=0).encode(NAME, value)
    assert 4096 < len(encoded) < 8000  # about 5 KB: fits max_length, not the header
    req, rsp = environ(), response()
    session = s.get(req, NAME)
    session.values.update(value)
    with pytest.raises(ws.UsageError, match="Set-Cookie"):
        session.save(req, rsp)
    assert rsp == []


def test_set_cookie_bound_counts_the_attributes() -> None:
    """A value that fits alone but not with its attributes is still refused."""
    options = ws.Options(path="/" + "p" * 200, domain="example.com")
    value = "v" * (4096 - len(NAME) - 1 - 50)
    assert len(f"{NAME}={value}") < 4096
    with pytest.raises(ws.UsageError, match="4096"):
        ws.format_set_cookie(NAME, value, options)
