"""Driving the demo site (examples/demo) in Chromium: launching, logging in, reading pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .test_cookies import CHROMIUM, CHROMIUM_ARGS


def launch(playwright: Any, profile: Path) -> Any:
    """Chromium with a profile on disk: closing it and launching again is a browser restart."""
    return playwright.chromium.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )


def first_page(context: Any) -> Any:
    return context.pages[0] if context.pages else context.new_page()


def cookie(context: Any, name: str) -> dict[str, Any] | None:
    """The cookie ``name`` as Chromium stores it, or None."""
    found = [c for c in context.cookies() if c["name"] == name]
    assert len(found) <= 1, found
    return found[0] if found else None


def submit(page: Any, button: str) -> Any:
    """Click a form's button; return the response of the page the redirect leads to."""
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name=button).first.click()
    response = navigation.value
    assert response.ok, response.status
    return response


def log_in(page: Any, url: str, name: str = "alice", *, remember: bool) -> Any:
    page.goto(url)
    page.fill("input[name=username]", name)
    if remember:
        page.check("input[name=remember]")
    return submit(page, "Log in")


def add_to_cart(page: Any, url: str, product: str) -> Any:
    """Press the catalogue's "Add to cart" button of ``product`` (its display name)."""
    page.goto(url)
    row = page.locator("table.catalogue tr", has_text=product)
    with page.expect_navigation() as navigation:
        row.get_by_role("button", name="Add to cart").click()
    return navigation.value


def flashes(page: Any) -> list[str]:
    return [str(t) for t in page.locator("ul.flashes li").all_inner_texts()]


def server_view(page: Any, url: str, table: str = "session") -> dict[str, str]:
    """A table of the /session page (``session`` or ``cart``) as ``{row: value}``."""
    assert page.goto(f"{url}/session").ok
    rows = page.locator(f"table#{table} tr")
    return {
        rows.nth(i).locator("th").inner_text(): rows.nth(i).locator("td").inner_text()
        for i in range(rows.count())
    }


def set_cookie_headers(response: Any, name: str) -> list[str]:
    """The Set-Cookie headers for ``name`` of one HTTP response, as Chromium received them."""
    values = [v for h in response.headers_array() if h["name"].lower() == "set-cookie"
              for v in h["value"].split("\n")]  # fmt: skip
    return [v for v in values if v.startswith(f"{name}=")]


def flip(value: str) -> str:
    """``value`` with its middle character changed: a tampered cookie."""
    middle = len(value) // 2
    return value[:middle] + ("A" if value[middle] != "A" else "B") + value[middle + 1 :]
