"""A writer for the crash test: updates one FilesystemStore session in a loop until killed."""

from __future__ import annotations

import random
import sys

import websessions as ws


def main() -> None:
    path, cookie, hash_key, block_key = sys.argv[1:5]
    store = ws.FilesystemStore(path, bytes.fromhex(hash_key), bytes.fromhex(block_key))
    print("ready", flush=True)
    n = 0
    while True:
        n += 1
        env = {"REQUEST_METHOD": "GET", "HTTP_COOKIE": cookie}
        session = store.get(env, "session")
        session.values["n"] = n
        session.values["blob"] = "x" * random.randrange(1, 200_000)
        ws.save(env, [])


if __name__ == "__main__":
    main()
