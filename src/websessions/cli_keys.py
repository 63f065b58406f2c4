"""Key material for the ``websessions`` command: parsing, never echoing.

A key set is a comma-separated list of pairs ``hash[:block]``, newest first,
as ``CookieStore(new_hash, new_block, old_hash, old_block, ...)`` takes
them. Each key is hex (the default), or says its encoding with a prefix:
``hex:...`` or ``base64:...`` (standard or URL-safe alphabet, padding
optional)::

    WEBSESSIONS_KEYS="9f2c...e1:5ab0...77,base64:q83v...==:base64:3q2+..."

A key file holds the same text; pairs may also be separated by newlines,
and ``#`` starts a comment. Error messages name the pair and the key's role,
never the key material.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from .codec import SecureCookie

_ENCODINGS = ("hex", "base64")
_BLOCK_KEY_SIZES = (16, 24, 32)
_B64 = re.compile(r"[A-Za-z0-9+/_-]+={0,2}")
_HEX = re.compile(r"(?:[0-9a-fA-F]{2})+")


class KeyTextError(ValueError):
    """Key text that can't be used; the message never contains key material."""


@dataclass(frozen=True, repr=False)
class KeyPair:
    """A hash key and an optional block key. ``repr`` hides both."""

    hash_key: bytes
    block_key: bytes | None = None

    def __repr__(self) -> str:
        block = f"{len(self.block_key)}-byte block key" if self.block_key else "no block key"
        return f"KeyPair({len(self.hash_key)}-byte hash key, {block})"

    @property
    def encrypts(self) -> bool:
        """Whether this pair encrypts (has a block key)."""
        return self.block_key is not None


def flatten(pairs: list[KeyPair]) -> list[bytes | None]:
    """``[hash, block, hash, block, ...]`` as the stores and ``codecs_from_pairs`` take them."""
    keys: list[bytes | None] = []
    for pair in pairs:
        keys += (pair.hash_key, pair.block_key)
    return keys


def decode_key(text: str, encoding: str | None, where: str) -> bytes:
    """One key from ``text``: hex unless ``encoding`` says ``base64``."""
    if not text:
        raise KeyTextError(f"{where} is empty")
    if encoding is None or encoding == "hex":
        if _HEX.fullmatch(text) is None:
            hint = "" if encoding else " (prefix a base64 key with 'base64:')"
            raise KeyTextError(f"{where} is not valid hex{hint}")
        return bytes.fromhex(text)
    if _B64.fullmatch(text) is None:
        raise KeyTextError(f"{where} is not valid base64")
    std = text.rstrip("=").replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(std + "=" * (-len(std) % 4), validate=True)
    except binascii.Error:
        raise KeyTextError(f"{where} is not valid base64") from None


def _parse_pair(text: str, number: int) -> KeyPair:
    tokens = [token.strip() for token in text.split(":")]
    keys: list[bytes] = []
    i = 0
    while i < len(tokens):
        role = "hash key" if not keys else "block key"
        where = f"pair #{number}: the {role}"
        token = tokens[i]
        encoding = token.lower() if token.lower() in _ENCODINGS else None
        if encoding is not None:
            i += 1
            if i == len(tokens):
                raise KeyTextError(f"{where} has the prefix '{encoding}:' but no key after it")
            token = tokens[i]
        if token or encoding is not None or not keys:
            keys.append(decode_key(token, encoding, where))
        i += 1
    if len(keys) > 2:
        raise KeyTextError(
            f"pair #{number} has {len(keys)} keys; write 'hash[:block]' and separate pairs with ','"
        )
    hash_key = keys[0]
    block_key = keys[1] if len(keys) == 2 else None
    if block_key is not None and len(block_key) not in _BLOCK_KEY_SIZES:
        raise KeyTextError(
            f"pair #{number}: the block key is {len(block_key)} bytes; "
            "AES needs 16, 24 or 32 (leave it out to sign without encrypting)"
        )
    return KeyPair(hash_key, block_key)


def parse_keys(text: str) -> list[KeyPair]:
    """Key pairs from ``hash[:block],hash[:block],...`` (commas or newlines; ``#`` comments)."""
    lines = (line.split("#", 1)[0] for line in text.splitlines())
    chunks = [chunk.strip() for line in lines for chunk in line.split(",")]
    chunks = [chunk for chunk in chunks if chunk]
    if not chunks:
        raise KeyTextError("no keys given")
    return [_parse_pair(chunk, number) for number, chunk in enumerate(chunks, 1)]


def read_key_file(path: str | os.PathLike[str]) -> tuple[list[KeyPair], str | None]:
    """Key pairs from a file, and a warning if others may read it."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
        mode = file.stat().st_mode
    except OSError as exc:
        raise KeyTextError(f"cannot read the key file {file}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise KeyTextError(f"the key file {file} is not UTF-8 text") from None
    warning = None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        warning = (
            f"the key file {file} can be read by other users (mode {stat.S_IMODE(mode):o}); "
            f"consider: chmod 600 {file}"
        )
    return parse_keys(text), warning


def encode_key(key: bytes, encoding: str) -> str:
    """``key`` as CLI key text: bare hex, or ``base64:`` and standard base64."""
    if encoding == "hex":
        return key.hex()
    return "base64:" + base64.b64encode(key).decode("ascii")


def format_pair(pair: KeyPair, encoding: str) -> str:
    """A pair as ``hash[:block]`` key text (for ``keygen``; never for logs)."""
    text = encode_key(pair.hash_key, encoding)
    if pair.block_key is not None:
        text += ":" + encode_key(pair.block_key, encoding)
    return text


def check_usable(pairs: list[KeyPair]) -> None:
    """Raise :class:`KeyTextError` if a pair would not make a codec."""
    for number, pair in enumerate(pairs, 1):
        try:
            SecureCookie(pair.hash_key, pair.block_key)
        except ValueError as exc:
            raise KeyTextError(f"pair #{number}: {exc}") from None
