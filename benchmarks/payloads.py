"""The session payloads every benchmark uses."""

from __future__ import annotations

from typing import Any

SMALL: dict[str, Any] = {
    "user_id": 42,
    "name": "Ada Lovelace",
    "roles": ["admin", "editor"],
    "csrf": "9f86d081884c7d659a2feaa0c55ad015",
    "_flash": ["Saved!"],
}

LARGE: dict[str, Any] = {
    **SMALL,
    "cart": [
        {"sku": f"SKU-{i:05d}", "title": f"Item number {i}", "qty": i % 5 + 1, "price": 9.5 + i}
        for i in range(22)
    ],
    "history": [f"/products/{i}" for i in range(20)],
}

PAYLOADS = {"small": SMALL, "large": LARGE}

HASH_KEY = bytes(range(32))
BLOCK_KEY = bytes(range(32, 64))
