"""cookies.py: Set-Cookie formatting (Go's Cookie.String) and Cookie header parsing."""

from __future__ import annotations

from typing import Any

import pytest

import websessions as ws
from websessions.cookies import (
    EXPIRED,
    check_name,
    format_set_cookie,
    http_date,
    is_valid_name,
    parse_cookie_header,
)

# Go's reference time: Mon Jan 2 15:04:05 GMT 2006.
GO_TIME = 1136214245


def opts(**kwargs: Any) -> ws.Options:
    return ws.Options(**kwargs)


BARE = {"secure": False, "http_only": False, "same_site": None}


# -- gorilla/sessions' cookie_test.go and cookie_go111_test.go ---------------------


@pytest.mark.parametrize(
    ("name", "value", "path", "domain", "max_age", "secure", "http_only"),
    [
        ("", "bar", "/foo/bar", "foo.example.com", 3600, True, True),
        ("foo", "", "/foo/bar", "foo.example.com", 3600, True, True),
        ("foo", "bar", "", "foo.example.com", 3600, True, True),
        ("foo", "bar", "/foo/bar", "", 3600, True, True),
        ("foo", "bar", "/foo/bar", "foo.example.com", 0, True, True),
        ("foo", "bar", "/foo/bar", "foo.example.com", 3600, False, True),
        ("foo", "bar", "/foo/bar", "foo.example.com", 3600, True, False),
    ],
)
def test_gorilla_TestNewCookieFromOptions(
    name: str, value: str, path: str, domain: str, max_age: int, secure: bool, http_only: bool
) -> None:
    options = ws.Options(
        path=path,
        domain=domain or None,
        max_age=max_age,
        secure=secure,
        http_only=http_only,
        same_site=None,
    )
    if not name:
        # Go builds the cookie and its String() then returns "" (an empty
        # header); an invalid name is refused here instead.
        with pytest.raises(ws.UsageError, match="invalid cookie name"):
            format_set_cookie(name, value, options, now=GO_TIME)
        return
    header = format_set_cookie(name, value, options, now=GO_TIME)
    expected = f"{name}={value}"
    if path:
        expected += f"; Path={path}"
    if domain:
        expected += f"; Domain={domain}"
    if max_age:
        expected += f"; Expires={http_date(GO_TIME + max_age)}; Max-Age={max_age}"
    if http_only:
        expected += "; HttpOnly"
    if secure:
        expected += "; Secure"
    assert header == expected


@pytest.mark.parametrize(
    ("same_site", "suffix"),
    [(None, ""), ("Lax", "; SameSite=Lax"), ("Strict", "; SameSite=Strict")],
)
def test_gorilla_TestNewCookieFromOptionsSameSite(same_site: Any, suffix: str) -> None:
    # Go's SameSiteDefaultMode (the zero value) leaves the attribute out: same_site=None.
    options = ws.Options(path="", max_age=0, secure=False, http_only=False, same_site=same_site)
    assert format_set_cookie("n", "", options) == "n=" + suffix


# -- format_set_cookie ----------------------------------------------------------------


def test_full_attribute_order() -> None:
    options = opts(
        path="/p",
        domain=".example.com",
        max_age=3600,
        secure=True,
        http_only=True,
        same_site="None",
        partitioned=True,
    )
    assert format_set_cookie("n", "v", options, now=GO_TIME - 3600) == (
        "n=v; Path=/p; Domain=example.com; Expires=Mon, 02 Jan 2006 15:04:05 GMT; "
        "Max-Age=3600; HttpOnly; Secure; SameSite=None; Partitioned"
    )


def test_defaults() -> None:
    assert format_set_cookie("session", "abc=", ws.Options(), now=GO_TIME) == (
        "session=abc=; Path=/; Expires=Wed, 01 Feb 2006 15:04:05 GMT; Max-Age=2592000; "
        "HttpOnly; Secure; SameSite=Lax"
    )


def test_bare() -> None:
    assert format_set_cookie("n", "v", opts(path="", max_age=0, **BARE)) == "n=v"
    assert format_set_cookie("n", "v", opts(max_age=0, **BARE)) == "n=v; Path=/"


def test_expires_from_now_plus_max_age() -> None:
    header = format_set_cookie("n", "v", opts(max_age=1, **BARE), now=GO_TIME - 1 + 0.999)
    assert header == "n=v; Path=/; Expires=Mon, 02 Jan 2006 15:04:05 GMT; Max-Age=1"
    header = format_set_cookie("n", "v", opts(max_age=86400 * 365, **BARE), now=0)
    assert "; Expires=Fri, 01 Jan 1971 00:00:00 GMT; Max-Age=31536000" in header


@pytest.mark.parametrize("max_age", [-1, -3600])
def test_negative_max_age_deletes(max_age: int) -> None:
    header = format_set_cookie("n", "", opts(max_age=max_age, **BARE), now=GO_TIME)
    assert header == "n=; Path=/; Expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=0"
    assert EXPIRED == "Thu, 01 Jan 1970 00:00:01 GMT"


def test_zero_max_age_is_browser_session() -> None:
    header = format_set_cookie("n", "v", opts(max_age=0), now=GO_TIME)
    assert "Expires" not in header
    assert "Max-Age" not in header
    assert header == "n=v; Path=/; HttpOnly; Secure; SameSite=Lax"


@pytest.mark.parametrize(
    ("timestamp", "expected"),
    [
        (0, "Thu, 01 Jan 1970 00:00:00 GMT"),
        (GO_TIME, "Mon, 02 Jan 2006 15:04:05 GMT"),
        (GO_TIME + 0.9, "Mon, 02 Jan 2006 15:04:05 GMT"),
        (951782400, "Tue, 29 Feb 2000 00:00:00 GMT"),
        (4102444799, "Thu, 31 Dec 2099 23:59:59 GMT"),
        (1700000000, "Tue, 14 Nov 2023 22:13:20 GMT"),
    ],
)
def test_http_date(timestamp: float, expected: str) -> None:
    assert http_date(timestamp) == expected
    assert http_date(timestamp) == expected  # again, from the one-entry cache
    assert http_date(timestamp + 86400) != expected


@pytest.mark.parametrize(
    "name",
    ["session:key", "a b", "", "ä", "a=b", "a;b", 'a"b', "a\tb", "a,b", "(x)", "a/b", "a\x00"],
)
def test_invalid_names(name: str) -> None:
    assert not is_valid_name(name)
    with pytest.raises(ws.UsageError, match="invalid cookie name"):
        check_name(name)
    with pytest.raises(ws.UsageError, match="invalid cookie name"):
        format_set_cookie(name, "v", ws.Options())


@pytest.mark.parametrize("name", ["session-key", "s", "!#$%&'*+-.^_`|~09AZaz", "__Host-id"])
def test_valid_names(name: str) -> None:
    assert is_valid_name(name)
    assert check_name(name) == name
    assert format_set_cookie(name, "v", ws.Options(max_age=0)).startswith(name + "=v")


def test_non_str_name() -> None:
    assert not is_valid_name(b"bytes")  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["a;b", 'a"b', "a\\b", "\x00", "é", "\x7f", "a\nb"])
def test_invalid_values(value: str) -> None:
    with pytest.raises(ws.UsageError, match="cookie value"):
        format_set_cookie("n", value, ws.Options())


@pytest.mark.parametrize("value", ["a b", "a,b", " ", "a b,c"])
def test_space_or_comma_value_quoted_like_go(value: str) -> None:
    # Go's sanitizeCookieValue: RFC 6265 cookie-octets exclude both, quotes make them safe.
    header = format_set_cookie("n", value, opts(path="", max_age=0, **BARE))
    assert header == f'n="{value}"'
    assert parse_cookie_header(header) == {"n": [value]}


def test_same_site_none_needs_secure() -> None:
    with pytest.raises(ws.UsageError, match="secure"):
        ws.Options(same_site="None", secure=False)
    options = ws.Options(same_site="None")
    options.secure = False
    with pytest.raises(ws.UsageError, match="secure"):
        format_set_cookie("n", "v", options)


def test_partitioned_needs_secure() -> None:
    with pytest.raises(ws.UsageError, match="secure"):
        ws.Options(partitioned=True, secure=False)
    options = ws.Options(partitioned=True)
    options.secure = False
    with pytest.raises(ws.UsageError, match="secure"):
        format_set_cookie("n", "v", options)


def test_same_site_checked_at_format() -> None:
    options = ws.Options()
    options.same_site = "bogus"  # type: ignore[assignment]
    with pytest.raises(ws.UsageError, match="same_site"):
        format_set_cookie("n", "v", options)
    options.same_site = "strict"  # type: ignore[assignment]
    assert format_set_cookie("n", "v", options).endswith("; SameSite=Strict")


@pytest.mark.parametrize(
    "domain",
    [
        "exa mple.com",
        "a;b.com",
        "-bad.com",
        "bad-.com",
        "a..b",
        ".",
        "..example.com",
        "ex/ample.com",
        "é.com",
        "a" * 64 + ".com",
        "::1",
        "fe80::1",
        "[::1]",
        "example.com:8080",
        "x" * 256,
        # Go's validCookieDomain: a letter is needed unless it is a real IPv4
        # address, and '_' is not allowed.
        "999.999.999.999",
        "256.1.1.1",
        "123",
        "1.2.3",
        "under_score.example.com",
    ],
)
def test_bad_domains(domain: str) -> None:
    with pytest.raises(ws.UsageError, match="domain"):
        format_set_cookie("n", "v", ws.Options(domain=domain))


@pytest.mark.parametrize(
    ("domain", "written"),
    [
        ("example.com", "example.com"),
        (".example.com", "example.com"),
        ("localhost", "localhost"),
        ("a-b.c-d.example", "a-b.c-d.example"),
        ("127.0.0.1", "127.0.0.1"),
        ("a" * 63 + ".com", "a" * 63 + ".com"),
        ("example.com.", "example.com."),  # Go accepts the trailing dot
        ("0x.example", "0x.example"),
        ("255.255.255.255", "255.255.255.255"),
    ],
)
def test_good_domains(domain: str, written: str) -> None:
    header = format_set_cookie("n", "v", opts(domain=domain, max_age=0, **BARE))
    assert header == f"n=v; Path=/; Domain={written}"


@pytest.mark.parametrize("path", ["/a;b", "/a\x00", "/a\nb", "/é", "/\x7f"])
def test_bad_paths(path: str) -> None:
    with pytest.raises(ws.UsageError, match="path"):
        format_set_cookie("n", "v", ws.Options(path=path))


def test_path_with_space_and_specials() -> None:
    header = format_set_cookie("n", "v", opts(path="/a b/~x?y=1", max_age=0, **BARE))
    assert header == "n=v; Path=/a b/~x?y=1"


# -- parse_cookie_header --------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("", {}),
        ("a=1", {"a": ["1"]}),
        ("a=1; b=2", {"a": ["1"], "b": ["2"]}),
        ("a=1;b=2", {"a": ["1"], "b": ["2"]}),
        ("  a=1 ;\tb=2  ;  ", {"a": ["1"], "b": ["2"]}),
        ("a=", {"a": [""]}),
        ('a=""', {"a": [""]}),
        ('a="x"', {"a": ["x"]}),
        ('a="x y"', {"a": ["x y"]}),
        ('a="x', {}),
        ('a=x"', {}),
        ('a="', {}),
        ('a="x"y"', {}),
        ("a=b=c==", {"a": ["b=c=="]}),
        ("s=1; s=2; s=3", {"s": ["1", "2", "3"]}),
        ('a=b; bad"name=1; =x; ; x; ours=val', {"a": ["b"], "ours": ["val"]}),
        ("é=1; a=é; b=\x01; c=ok; d=\x7f; e\x00=1; f=\\", {"c": ["ok"]}),
        ("a=1;;;b=2", {"a": ["1"], "b": ["2"]}),
        ("a=1,b=2", {"a": ["1,b=2"]}),
        ("\r\n a=1 \r\n", {"a": ["1"]}),
    ],
)
def test_parse(header: str, expected: dict[str, list[str]]) -> None:
    assert parse_cookie_header(header) == expected


def test_parse_several_fields_in_order() -> None:
    parsed = parse_cookie_header(["a=1", "b=2; a=3", "", "junk", "a=4"])
    assert parsed == {"a": ["1", "3", "4"], "b": ["2"]}
    assert list(parsed) == ["a", "b"]
    assert parse_cookie_header([]) == {}
    assert parse_cookie_header(iter(["x=1"])) == {"x": ["1"]}


def test_junk_before_ours_does_not_hide_it() -> None:
    junk = 'bad"name=1; =x; ; x; a b=c; {}=1; ä=2; q="unterminated; z=\x00'
    session = "MTcwMDAwMDAwMHxleUpoSWpvaWVIZ2lmUT09fPGy7JPSGWqIYsg1BNPj9mmv9JSWrSKd72NHH2B4eb1V"
    parsed = parse_cookie_header(f"{junk}; session={session}")
    assert parsed == {"session": [session]}


def test_max_bytes_cuts_between_pairs() -> None:
    header = "a=1; b=2; c=3"
    assert parse_cookie_header(header, max_bytes=len(header)) == {
        "a": ["1"],
        "b": ["2"],
        "c": ["3"],
    }
    assert parse_cookie_header(header, max_bytes=len(header) - 1) == {"a": ["1"], "b": ["2"]}
    assert parse_cookie_header(header, max_bytes=8) == {"a": ["1"], "b": ["2"]}
    assert parse_cookie_header(header, max_bytes=7) == {"a": ["1"]}
    assert parse_cookie_header(header, max_bytes=2) == {}
    # Never half a value.
    assert parse_cookie_header("a=1; b=23456", max_bytes=10) == {"a": ["1"]}
    assert parse_cookie_header("a=12345", max_bytes=4) == {}


def test_max_bytes_across_fields() -> None:
    fields = ["a=1", "b=2", "c=3"]
    assert parse_cookie_header(fields, max_bytes=6) == {"a": ["1"], "b": ["2"]}
    assert parse_cookie_header(fields, max_bytes=5) == {"a": ["1"]}
    assert parse_cookie_header(fields, max_bytes=0) == {}


def test_default_max_bytes() -> None:
    big = "; ".join(f"k{i}={'v' * 90}" for i in range(200))  # ~19 KB
    parsed = parse_cookie_header(big)
    kept = sum(len(name) + 1 + len(v) for name, vs in parsed.items() for v in vs)
    assert 0 < kept <= 8192
    assert len(parsed) < 200
    assert all(vs == ["v" * 90] for vs in parsed.values())


def test_max_pairs() -> None:
    header = "bad pair; a=1; =; b=2; c=3"
    assert parse_cookie_header(header, max_pairs=2) == {"a": ["1"], "b": ["2"]}
    assert parse_cookie_header("s=1; s=2; s=3", max_pairs=2) == {"s": ["1", "2"]}
    assert parse_cookie_header(["a=1", "b=2"], max_pairs=1) == {"a": ["1"]}
    assert parse_cookie_header("a=1", max_pairs=0) == {}


def test_default_max_pairs() -> None:
    parsed = parse_cookie_header("; ".join(f"k{i}=v" for i in range(1000)), max_bytes=10**6)
    assert len(parsed) == 256
    assert "k255" in parsed
    assert "k256" not in parsed


def test_format_then_parse() -> None:
    header = format_set_cookie("sid", "abc-_=", ws.Options(), now=GO_TIME)
    pair = header.split(";", 1)[0]
    assert parse_cookie_header(pair) == {"sid": ["abc-_="]}


def test_limits_are_configurable_for_stores() -> None:
    from websessions import cookies

    store = ws.CookieStore(bytes(range(32)))
    value = store.codecs[0].encode("s", {"a": 1})
    header = "; ".join(f"junk{i}=x" for i in range(300)) + f"; s={value}"
    assert store.get({"REQUEST_METHOD": "GET", "HTTP_COOKIE": header}, "s").is_new
    saved = cookies.limits.max_bytes, cookies.limits.max_pairs
    cookies.limits.max_bytes, cookies.limits.max_pairs = 65536, 1000
    try:
        session = store.get({"REQUEST_METHOD": "GET", "HTTP_COOKIE": header}, "s")
        assert session.values == {"a": 1}
    finally:
        cookies.limits.max_bytes, cookies.limits.max_pairs = saved


# -- the value checks byte by byte, and the cached attributes -------------------------

# Go's validCookieValueByte: printable ASCII except '"', ';' and '\'.
GO_VALUE_CHARS = {chr(c) for c in range(0x20, 0x7F)} - {'"', ";", "\\"}
ANY_CHARS = [chr(c) for c in range(0x80)] + ["\x80", "é", "\u2028", "\U0001f600"]


@pytest.mark.parametrize("char", ANY_CHARS, ids=lambda c: f"U+{ord(c):04X}")
def test_format_value_chars_like_go(char: str) -> None:
    options = opts(path="", max_age=0, **BARE)
    for value in (f"a{char}b", char * 300):
        if char in GO_VALUE_CHARS:
            assert format_set_cookie("n", value, options).startswith("n=")
        else:
            with pytest.raises(ws.UsageError, match="cookie value"):
                format_set_cookie("n", value, options)


@pytest.mark.parametrize(
    "char", [c for c in ANY_CHARS if c != ";"], ids=lambda c: f"U+{ord(c):04X}"
)
def test_parse_value_chars_like_go(char: str) -> None:
    for value in (f"a{char}b", "x" * 300 + char + "y"):
        parsed = parse_cookie_header(f"n={value}; m=ok")
        assert parsed.get("n") == ([value] if char in GO_VALUE_CHARS else None)
        assert parsed["m"] == ["ok"]


def test_str_subclass_value_checked_too() -> None:
    class Text(str):
        pass

    assert format_set_cookie("n", Text("abc"), opts(path="", max_age=0, **BARE)) == "n=abc"
    with pytest.raises(ws.UsageError, match="cookie value"):
        format_set_cookie("n", Text("a;b"), ws.Options())


def test_attributes_follow_each_change_of_the_options() -> None:
    # The formatted attributes are reused per (name, options) state: every
    # change of a field must show in the next header, and go back again.
    options = ws.Options(max_age=60)
    first = format_set_cookie("n", "v", options, now=GO_TIME)
    changes: list[tuple[str, Any, str]] = [
        ("path", "/p", "; Path=/p;"),
        ("domain", "example.com", "; Domain=example.com;"),
        ("max_age", 120, "; Max-Age=120;"),
        ("max_age", 0, ""),
        ("max_age", -1, "; Max-Age=0;"),
        ("secure", False, ""),
        ("http_only", False, ""),
        ("same_site", "Strict", "; SameSite=Strict"),
        ("same_site", None, ""),
        ("partitioned", True, "; Partitioned"),
    ]
    for field, value, expected in changes:
        changed = ws.Options(max_age=60)
        setattr(changed, field, value)
        header = format_set_cookie("n", "v", changed, now=GO_TIME)
        assert header != first, field
        assert expected in header, (field, header)
        assert format_set_cookie("n", "v", ws.Options(max_age=60), now=GO_TIME) == first


def test_expires_moves_with_the_clock_when_attributes_are_reused() -> None:
    options = ws.Options(max_age=60)
    one = format_set_cookie("n", "v", options, now=GO_TIME)
    two = format_set_cookie("n", "v", options, now=GO_TIME + 3600)
    assert "Expires=Mon, 02 Jan 2006 15:05:05 GMT" in one
    assert "Expires=Mon, 02 Jan 2006 16:05:05 GMT" in two


def test_options_checked_after_a_valid_use_of_the_same_values() -> None:
    # A max_age of True equals 1 (and hashes alike): still refused, every time.
    assert "Max-Age=1" in format_set_cookie("n", "v", ws.Options(max_age=1))
    options = ws.Options(max_age=1)
    options.max_age = True
    with pytest.raises(ws.UsageError, match="max_age"):
        format_set_cookie("n", "v", options)
    # A same_site spelled in lower case is normalized on the options, as before.
    options = ws.Options()
    format_set_cookie("n", "v", options)
    options.same_site = "lax"  # type: ignore[assignment]
    assert format_set_cookie("n", "v", options, now=GO_TIME).endswith("SameSite=Lax")
    assert options.same_site == "Lax"


def test_prefixed_names_checked_with_cached_attributes() -> None:
    ok = ws.Options(secure=True, path="/")
    assert format_set_cookie("__Host-id", "v", ok).startswith("__Host-id=v")
    assert format_set_cookie("plain", "v", ws.Options(secure=True, path="/a")).startswith("plain")
    with pytest.raises(ws.UsageError, match="__Host-"):
        format_set_cookie("__Host-id", "v", ws.Options(secure=True, path="/a"))
