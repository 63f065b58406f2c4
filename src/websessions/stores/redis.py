"""RedisStore: records in Redis, Valkey or a Redis Cluster, with a TTL (``websessions[redis]``).

redis-py is imported when a store is made, never by ``import websessions``.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, Unpack

from ..errors import StoreError, UsageError
from .backend import Backend
from .server import ServerSideSettings, ServerSideStore

DEFAULT_PREFIX = "session_"
DEFAULT_URL_TIMEOUT = 5.0

T = TypeVar("T")

# Compare-and-set in one round trip: the client sends the SHA-1 of the record
# it loaded; the write happens only if the stored record still hashes to it.
CAS_SCRIPT = """
local current = redis.call('GET', KEYS[1])
if not current or redis.sha1hex(current) ~= ARGV[3] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1
"""


def _redis() -> Any:
    try:
        import redis
        import redis.asyncio
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise UsageError("RedisStore needs redis-py: pip install 'websessions[redis]'") from exc
    return redis


def _sha1(data: bytes) -> str:
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()


def _as_bytes(value: Any) -> bytes | None:
    if value is None or isinstance(value, bytes):
        return value
    return str(value).encode("ascii")  # a client made with decode_responses=True


def describe(client: Any) -> str:
    """Where ``client`` connects: ``host:port``, a socket path, or cluster nodes."""
    pool = getattr(client, "connection_pool", None)
    if pool is not None:
        kwargs = pool.connection_kwargs
        if kwargs.get("path"):
            return f"unix:{kwargs['path']}"
        return f"{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)}"
    try:
        nodes = [node.name for node in client.get_nodes()]
    except Exception:  # only for messages
        nodes = []
    if not nodes:
        startup = getattr(getattr(client, "nodes_manager", None), "startup_nodes", {})
        nodes = list(startup)
    shown = ", ".join(sorted(nodes)[:3]) + (", ..." if len(nodes) > 3 else "")
    return f"cluster {shown or '(no nodes known)'}"


def _connection_kwargs(client: Any) -> dict[str, Any]:
    pool = getattr(client, "connection_pool", None)
    if pool is not None:
        return dict(pool.connection_kwargs)
    getter = getattr(client, "get_connection_kwargs", None)
    return dict(getter()) if getter is not None else {}


def worst_case_seconds(client: Any) -> float | None:
    """How long one command of a sync ``client`` can take at worst, or ``None`` if forever.

    Every attempt (the first and each retry) may wait for a connect and a
    reply: ``attempts * (socket_connect_timeout + socket_timeout)``.
    """
    kwargs = _connection_kwargs(client)
    reply = kwargs.get("socket_timeout")
    connect = kwargs.get("socket_connect_timeout", reply)
    if reply is None or connect is None:
        return None
    attempts = 1
    retry = kwargs.get("retry")
    if retry is not None:
        attempts += max(0, retry.get_retries())
    if getattr(client, "connection_pool", None) is None:  # a cluster retries on top
        cluster_retry = getattr(client, "retry", None)
        if cluster_retry is not None:
            attempts *= 1 + max(0, cluster_retry.get_retries())
    return float(attempts * (connect + reply))


class RedisBackend(Backend):
    """Records as Redis strings ``prefix + ID``, expiring by the server's TTL.

    ``client`` is a ``redis.Redis``, ``redis.RedisCluster`` or their
    ``redis.asyncio`` twins (Valkey speaks the same protocol). Loading is
    one ``GET``, saving one ``SET ... EX`` and a compare-and-set one
    ``EVALSHA`` of a short Lua script; each touches one key, so a cluster
    routes it to one node.

    ``timeout`` bounds every call: an asyncio client is cancelled at the
    deadline; a sync client cannot be, so its own socket timeouts and
    retries must fit in ``timeout`` and this is checked here.
    """

    def __init__(
        self, client: Any, *, prefix: str = DEFAULT_PREFIX, timeout: float | None = None
    ) -> None:
        redis = _redis()
        self.is_async = isinstance(client, redis.asyncio.Redis | redis.asyncio.RedisCluster)
        if not self.is_async and not isinstance(client, redis.Redis | redis.RedisCluster):
            raise UsageError(
                f"RedisStore needs a redis.Redis, redis.RedisCluster or a redis.asyncio "
                f"client, got a {type(client).__qualname__}"
            )
        if not isinstance(prefix, str):
            raise UsageError(f"prefix must be a str, got {prefix!r}")
        if timeout is not None and (isinstance(timeout, bool) or not timeout > 0):
            raise UsageError(f"timeout must be a positive number of seconds, got {timeout!r}")
        self.client = client
        self.prefix = prefix
        self.timeout = timeout
        self.address = describe(client)
        self._errors: tuple[type[BaseException], ...] = (redis.RedisError, TimeoutError)
        self._timeout_errors: tuple[type[BaseException], ...] = (
            redis.TimeoutError,
            TimeoutError,
        )
        self._script = client.register_script(CAS_SCRIPT)
        self._no_script: type[BaseException] = redis.exceptions.NoScriptError
        if self.is_async and timeout is None:
            # Cancelled at the deadline; without one, the client's settings are the bound.
            self.timeout = worst_case_seconds(client)
            if self.timeout is None:
                raise UsageError(
                    f"the asyncio Redis client for {self.address} has no socket timeout and "
                    "the store no timeout, so a stalled server would hang requests for ever; "
                    "pass timeout=SECONDS"
                )
        if not self.is_async:
            worst = worst_case_seconds(client)
            fix = (
                "make the client with socket_timeout, socket_connect_timeout and "
                "retry=Retry(NoBackoff(), n) that fit, or use RedisStore.from_url(url, ..., "
                "timeout=...), which does"
            )
            if worst is None:
                raise UsageError(
                    f"the Redis client for {self.address} has no socket timeout, so a "
                    f"stalled server would hang requests for ever; {fix}"
                )
            if timeout is not None and worst > timeout:
                raise UsageError(
                    f"the Redis client for {self.address} may take up to {worst:g}s per "
                    f"command (attempts x (connect + reply timeouts)), over timeout={timeout:g}; "
                    f"{fix}"
                )
            self.timeout = worst if timeout is None else timeout

    def key(self, session_id: str) -> str:
        """The Redis key of a session's record."""
        return self.prefix + session_id

    def _error(self, verb: str, session_id: str | None, exc: BaseException) -> StoreError:
        what = f"session {session_id[:8]}..." if session_id else "sessions"
        if isinstance(exc, self._timeout_errors):
            hint = (
                f"no answer within the timeout ({self.timeout:g}s): is the server overloaded, "
                "stopped or the network down?"
            )
        elif isinstance(exc, _redis().ConnectionError):
            hint = "is the server running, and reachable from here at that address?"
        else:
            hint = "the server refused the command; check its logs and configuration"
        detail = str(exc) or type(exc).__name__
        return StoreError(f"Redis at {self.address}: cannot {verb} {what}: {detail}", hint=hint)

    def _sync(self, verb: str, session_id: str, call: Callable[[], T]) -> T:
        if self.is_async:
            raise UsageError(
                f"this RedisStore has an asyncio client ({self.address}): use aget, asave and "
                "adestroy, or give it a redis.Redis for sync code"
            )
        try:
            return call()
        except self._errors as exc:
            raise self._error(verb, session_id, exc) from exc

    async def _async(self, verb: str, session_id: str, call: Callable[[], Awaitable[T]]) -> T:
        try:
            async with asyncio.timeout(self.timeout):
                return await call()
        except self._errors as exc:
            raise self._error(verb, session_id, exc) from exc

    def load(self, session_id: str) -> bytes | None:
        return _as_bytes(
            self._sync("load", session_id, lambda: self.client.get(self.key(session_id)))
        )

    def save(self, session_id: str, data: bytes, ttl: int) -> None:
        self._sync("save", session_id, lambda: self.client.set(self.key(session_id), data, ex=ttl))

    def save_if(self, session_id: str, data: bytes, ttl: int, expected: bytes) -> bool:
        args = (self.key(session_id), data, ttl, _sha1(expected))
        return bool(self._sync("save", session_id, lambda: self._cas(args)))

    # EVALSHA straight from the client: redis-py's Script.__call__ adds up to
    # ~20k instructions a call (an import and a pipeline check each time).
    # The Script object stays the one place that knows the script and
    # reloads it when the server has lost it (restart, failover, flush).

    def _cas(self, args: tuple[str, bytes, int, str]) -> Any:
        try:
            return self.client.evalsha(self._script.sha, 1, *args)
        except self._no_script:
            return self._script(keys=args[:1], args=args[1:])

    async def _acas(self, args: tuple[str, bytes, int, str]) -> Any:
        try:
            return await self.client.evalsha(self._script.sha, 1, *args)
        except self._no_script:
            return await self._script(keys=args[:1], args=args[1:])

    def delete(self, session_id: str) -> None:
        self._sync("delete", session_id, lambda: self.client.delete(self.key(session_id)))

    # A sync client serves the async methods in worker threads (Backend's defaults).

    async def aload(self, session_id: str) -> bytes | None:
        if not self.is_async:
            return await super().aload(session_id)
        return _as_bytes(
            await self._async("load", session_id, lambda: self.client.get(self.key(session_id)))
        )

    async def asave(self, session_id: str, data: bytes, ttl: int) -> None:
        if not self.is_async:
            return await super().asave(session_id, data, ttl)
        await self._async(
            "save", session_id, lambda: self.client.set(self.key(session_id), data, ex=ttl)
        )
        return None

    async def asave_if(self, session_id: str, data: bytes, ttl: int, expected: bytes) -> bool:
        if not self.is_async:
            return await super().asave_if(session_id, data, ttl, expected)
        args = (self.key(session_id), data, ttl, _sha1(expected))
        return bool(await self._async("save", session_id, lambda: self._acas(args)))

    async def adelete(self, session_id: str) -> None:
        if not self.is_async:
            return await super().adelete(session_id)
        await self._async("delete", session_id, lambda: self.client.delete(self.key(session_id)))
        return None


class RedisStore(ServerSideStore):
    """Sessions in Redis: ``RedisStore(redis_client, hash_key, block_key, ...)``.

    ``client`` may be sync (``redis.Redis``, ``redis.RedisCluster``) or
    asyncio (``redis.asyncio.Redis``, ``redis.asyncio.RedisCluster``); a sync
    client also serves ``aget``/``asave`` (in worker threads), an asyncio
    client serves only those. Keys are ``prefix + session ID``; Redis
    deletes expired records itself (the key's TTL is the store's ``ttl``),
    so :meth:`purge_expired` has nothing to do. See :class:`RedisBackend`
    for ``timeout``.
    """

    def __init__(
        self,
        client: Any,
        *key_pairs: bytes | None,
        prefix: str = DEFAULT_PREFIX,
        timeout: float | None = None,
        **settings: Unpack[ServerSideSettings],
    ) -> None:
        super().__init__(
            RedisBackend(client, prefix=prefix, timeout=timeout), *key_pairs, **settings
        )
        self._owns_client = False

    @classmethod
    def from_url(
        cls,
        url: str,
        *key_pairs: bytes | None,
        use_asyncio: bool = False,
        cluster: bool = False,
        prefix: str = DEFAULT_PREFIX,
        timeout: float = DEFAULT_URL_TIMEOUT,
        **settings: Unpack[ServerSideSettings],
    ) -> RedisStore:
        """A store with its own client for ``url`` (``redis://``, ``rediss://``, ``unix://``).

        The client's timeouts and retries are set so that no command takes
        longer than ``timeout`` seconds: one retry (a pooled connection may
        have gone stale), each attempt given ``timeout / 4`` to connect and
        as long to get its reply.
        """
        redis = _redis()
        if use_asyncio:
            from redis.asyncio.retry import Retry as AsyncRetry

            retry: Any = AsyncRetry(redis.backoff.NoBackoff(), 1)
            factory = redis.asyncio.RedisCluster if cluster else redis.asyncio.Redis
        else:
            retry = redis.retry.Retry(redis.backoff.NoBackoff(), 1)
            factory = redis.RedisCluster if cluster else redis.Redis
        step = timeout / 4
        options: dict[str, Any] = {
            "socket_timeout": step,
            "socket_connect_timeout": step,
            "retry": retry,
        }
        client = factory.from_url(url, **options)
        store = cls(client, *key_pairs, prefix=prefix, timeout=timeout, **settings)
        store._owns_client = True
        return store

    def close(self) -> None:
        """Close the client if :meth:`from_url` made it (sync clients)."""
        if self._owns_client and not self.redis.is_async:
            self.redis.client.close()

    async def aclose(self) -> None:
        """Close the client if :meth:`from_url` made it."""
        if self._owns_client:
            client = self.redis.client
            await (client.aclose() if self.redis.is_async else asyncio.to_thread(client.close))

    @property
    def redis(self) -> RedisBackend:
        """The backend, with its ``client``, ``prefix`` and ``timeout``."""
        assert isinstance(self.backend, RedisBackend)
        return self.backend

    def purge_expired(self, *, limit: int = 0, progress: Any = None) -> int:
        """Nothing to do: Redis deletes expired records by itself. Returns 0."""
        return 0

    async def apurge_expired(self, *, limit: int = 0, progress: Any = None) -> int:
        """Nothing to do: Redis deletes expired records by itself. Returns 0."""
        return 0
