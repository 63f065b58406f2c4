"""``ws.format_set_cookie`` writes the header gorilla's ``NewCookie(...).String()`` writes.

Only Expires differs (each side reads its own clock): it is masked and the
two times compared within a few seconds. sessions 1.2.1 has no Partitioned
option, so that attribute is not compared.
"""

from __future__ import annotations

import itertools
import re
from email.utils import parsedate_to_datetime
from typing import Any

import pytest

import websessions as ws

from ._go import GoHelper

EXPIRES = re.compile(r"; Expires=([^;]*)")
VALUE = "MTcxODIwMDAwMHxEdi1CQkFFQ180SUFBUkFCRUFBQUJQLUNBQUVHYzNSeWFXNW5EQVVBQTJadmJ3PT18"


def options_matrix() -> list[dict[str, Any]]:
    combos = []
    for path, domain, max_age, secure, http_only, same_site in itertools.product(
        ("/", "/app/sub", ""),
        (None, "example.com"),
        (3600, 1, 86400 * 365 * 5, 0, -1),
        (True, False),
        (True, False),
        ("Lax", "Strict", "None", None),
    ):
        if same_site == "None" and not secure:
            continue  # websessions refuses it on purpose; see the test below
        combos.append(
            {
                "path": path,
                "domain": domain,
                "max_age": max_age,
                "secure": secure,
                "http_only": http_only,
                "same_site": same_site,
            }
        )
    return combos


def go_options(options: dict[str, Any]) -> dict[str, Any]:
    return {**options, "domain": options.get("domain") or ""}


def go_headers(go: GoHelper, cases: list[tuple[str, str, dict[str, Any]]]) -> list[str]:
    ops = [
        {"op": "new_cookie", "name": name, "cookie": value, "options": go_options(options)}
        for name, value, options in cases
    ]
    return [r["header"] for r in go.run(ops)]


def assert_same_headers(go: GoHelper, cases: list[tuple[str, str, dict[str, Any]]]) -> None:
    ours = [ws.format_set_cookie(name, value, ws.Options(**opts)) for name, value, opts in cases]
    theirs = go_headers(go, cases)
    wrong = []
    for (_, _, options), mine, go_header in zip(cases, ours, theirs, strict=True):
        if EXPIRES.sub("; Expires=<masked>", mine) != EXPIRES.sub("; Expires=<masked>", go_header):
            wrong.append((options, mine, go_header))
            continue
        my_expires, go_expires = EXPIRES.findall(mine), EXPIRES.findall(go_header)
        assert len(my_expires) == len(go_expires) == (options["max_age"] != 0)
        if options["max_age"] < 0:
            assert my_expires == go_expires == ["Thu, 01 Jan 1970 00:00:01 GMT"]
        elif options["max_age"] > 0:
            delta = parsedate_to_datetime(my_expires[0]) - parsedate_to_datetime(go_expires[0])
            assert abs(delta.total_seconds()) <= 5, (mine, go_header)
    assert wrong == []


def test_options_matrix_gives_the_same_header(go: GoHelper) -> None:
    cases = [("session", VALUE, options) for options in options_matrix()]
    assert len(cases) > 200
    assert_same_headers(go, cases)


BASE: dict[str, Any] = {
    "path": "/",
    "max_age": 60,
    "secure": True,
    "http_only": True,
    "same_site": "Lax",
}


@pytest.mark.parametrize(
    "domain",
    [
        "example.com",
        ".example.com",
        "sub.example.co.uk",
        "EXAMPLE.com",
        "a-b.example",
        "ex--ample.com",
        "xn--bcher-kva.example",
        "localhost",
        "127.0.0.1",
        "a" * 63 + ".com",
    ],
)
def test_domains_both_accept(go: GoHelper, domain: str) -> None:
    assert_same_headers(go, [("session", VALUE, {**BASE, "domain": domain})])


@pytest.mark.parametrize("name", ["session", "my-app_sess.v2", "__Host-id", "a!#$%&'*+.^`|~"])
@pytest.mark.parametrize("value", [VALUE, "", "plain", "a=b=", "!#$%&'()*+-./:<=>?@[]^_`{|}~"])
def test_names_and_values(go: GoHelper, name: str, value: str) -> None:
    assert_same_headers(go, [(name, value, BASE)])


@pytest.mark.parametrize("value", ["a b", "a,b", " leading", "trailing,"])
def test_values_with_space_or_comma_are_quoted_like_go(go: GoHelper, value: str) -> None:
    assert_same_headers(go, [("session", value, BASE)])


@pytest.mark.parametrize("domain", ["foo_bar.example", "123", "256.1.1.1", "01.2.3.4", "1.2.3"])
def test_domains_go_drops_are_not_sent(go: GoHelper, domain: str) -> None:
    (go_header,) = go_headers(go, [("session", VALUE, {**BASE, "domain": domain})])
    assert "Domain=" not in go_header  # Go drops it (and logs)
    # websessions may refuse the domain (UsageError) but must not send one Go rejects.
    try:
        ours = ws.format_set_cookie("session", VALUE, ws.Options(**BASE, domain=domain))
    except ws.UsageError:
        return
    assert "Domain=" not in ours


def test_trailing_dot_domain_like_go(go: GoHelper) -> None:
    assert_same_headers(go, [("session", VALUE, {**BASE, "domain": "example.com."})])


def test_same_site_none_without_secure_is_refused_not_sent(go: GoHelper) -> None:
    """A documented difference: Go sends what browsers reject; websessions raises."""
    options = {**BASE, "secure": False, "same_site": "None"}
    (go_header,) = go_headers(go, [("session", VALUE, options)])
    assert go_header.endswith("; HttpOnly; SameSite=None")
    with pytest.raises(ws.UsageError):
        ws.format_set_cookie("session", VALUE, ws.Options(**options))
