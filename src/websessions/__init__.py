"""websessions: gorilla/sessions for Python.

Signed (HMAC-SHA256) and optionally encrypted (AES-CTR) session cookies in
gorilla/securecookie's wire format, server-side stores, flashes, key
rotation and several named sessions per request, for any WSGI or ASGI
framework, sync and async.
"""

from .__about__ import __version__
from .codec import (
    SecureCookie,
    codecs_from_pairs,
    decode_multi,
    decode_multi_index,
    encode_multi,
    generate_random_key,
)
from .cookies import format_set_cookie, parse_cookie_header
from .errors import (
    AbsoluteTimeout,
    DecodeError,
    DecryptionFailed,
    DeserializeFailed,
    Expired,
    IdleTimeout,
    MacInvalid,
    MalformedValue,
    SessionError,
    SessionNotFound,
    StoreError,
    TimestampInvalid,
    TooNew,
    UsageError,
    ValueTooLong,
    WeakKeyWarning,
)
from .options import Options
from .registry import asave, get_registry, save
from .serializers import (
    DefaultSerializer,
    GobSerializer,
    JSONSerializer,
    PickleSerializer,
    Serializer,
    gob_register,
    register,
)
from .session import Session
from .stores import (
    Backend,
    CookieStore,
    FilesystemStore,
    MemoryStore,
    RedisStore,
    ServerSideStore,
    SQLStore,
    Store,
)

__all__ = [
    "AbsoluteTimeout",
    "Backend",
    "CookieStore",
    "DecodeError",
    "DecryptionFailed",
    "DefaultSerializer",
    "DeserializeFailed",
    "Expired",
    "FilesystemStore",
    "GobSerializer",
    "IdleTimeout",
    "JSONSerializer",
    "MacInvalid",
    "MalformedValue",
    "MemoryStore",
    "Options",
    "PickleSerializer",
    "RedisStore",
    "SQLStore",
    "SecureCookie",
    "Serializer",
    "ServerSideStore",
    "Session",
    "SessionError",
    "SessionNotFound",
    "Store",
    "StoreError",
    "TimestampInvalid",
    "TooNew",
    "UsageError",
    "ValueTooLong",
    "WeakKeyWarning",
    "__version__",
    "asave",
    "codecs_from_pairs",
    "decode_multi",
    "decode_multi_index",
    "encode_multi",
    "format_set_cookie",
    "generate_random_key",
    "get_registry",
    "gob_register",
    "parse_cookie_header",
    "register",
    "save",
]
