"""RedisStore against real redis-server processes: round trips, TTLs, failures, the cluster."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
import redis
import redis.asyncio
from redis.backoff import NoBackoff
from redis.retry import Retry

import websessions as ws
from websessions.testing import KEYS, Client

from .servers import RedisCluster, RedisServer

TIMEOUTS: dict[str, Any] = {"socket_timeout": 5, "socket_connect_timeout": 5}


@pytest.fixture
def client(redis_server: RedisServer) -> Iterator[redis.Redis]:
    with redis.Redis.from_url(redis_server.url, **TIMEOUTS) as c:
        yield c


def calls(client: redis.Redis) -> dict[str, int]:
    stats = client.info("commandstats")
    return {name: int(stat["calls"]) for name, stat in stats.items()}


def new_calls(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    skip = {"cmdstat_info"}
    return {
        k: v - before.get(k, 0) for k, v in after.items() if v != before.get(k, 0) and k not in skip
    }


async def test_one_round_trip_to_load_and_one_to_save(client: redis.Redis, prefix: str) -> None:
    store = ws.RedisStore(client, *KEYS, prefix=prefix, ttl=600)
    browser = Client(store, "sync")
    first = await browser.visit(a=1)
    key = prefix + str(first.session.id)
    assert 595 <= client.ttl(key) <= 600  # the TTL went with the SET
    assert client.get(key) == await browser.record(first.session.id)

    before = calls(client)
    request = await browser.open()
    assert new_calls(before, calls(client)) == {"cmdstat_get": 1}

    client.script_load(ws.stores.redis.CAS_SCRIPT)  # as after the first save of a process
    before = calls(client)
    request.session.values["b"] = 2
    await browser.commit(request)
    # One EVALSHA; the GET and SET are the script's, run inside the server.
    assert new_calls(before, calls(client)) == {
        "cmdstat_evalsha": 1,
        "cmdstat_get": 1,
        "cmdstat_set": 1,
    }
    assert 595 <= client.ttl(key) <= 600

    before = calls(client)
    await browser.commit(await browser.open())  # read only: GET, no write
    assert new_calls(before, calls(client)) == {"cmdstat_get": 1}


async def test_the_key_prefix_is_configurable(client: redis.Redis, prefix: str) -> None:
    store = ws.RedisStore(client, *KEYS, prefix=prefix + "custom:")
    request = await Client(store, "sync").visit(a=1)
    assert client.exists(f"{prefix}custom:{request.session.id}") == 1


async def test_a_client_decoding_responses_works(redis_server: RedisServer, prefix: str) -> None:
    with redis.Redis.from_url(redis_server.url, decode_responses=True, **TIMEOUTS) as c:
        browser = Client(ws.RedisStore(c, *KEYS, prefix=prefix), "sync")
        await browser.visit(a=1)
        request = await browser.open()
        request.session.values["b"] = 2
        await browser.commit(request)
        assert (await browser.open()).session.values == {"a": 1, "b": 2}


def test_a_client_that_could_hang_for_ever_is_refused(redis_server: RedisServer) -> None:
    with (
        redis.Redis.from_url(redis_server.url) as unbounded,
        pytest.raises(ws.UsageError, match="no socket timeout"),
    ):
        ws.RedisStore(unbounded, *KEYS)


def test_a_client_slower_than_the_timeout_is_refused(redis_server: RedisServer) -> None:
    with (
        redis.Redis.from_url(redis_server.url, **TIMEOUTS) as slow,
        pytest.raises(ws.UsageError, match=r"up to \d+s per command.*over timeout=1"),
    ):
        ws.RedisStore(slow, *KEYS, timeout=1)
    fitting = redis.Redis.from_url(
        redis_server.url,
        socket_timeout=0.2,
        socket_connect_timeout=0.2,
        retry=Retry(NoBackoff(), 1),
    )
    with fitting:
        assert ws.RedisStore(fitting, *KEYS, timeout=1).redis.timeout == 1


async def test_an_asyncio_client_without_any_timeout_is_refused(
    redis_server: RedisServer,
) -> None:
    c = redis.asyncio.Redis.from_url(redis_server.url)
    try:
        with pytest.raises(ws.UsageError, match="pass timeout=SECONDS"):
            ws.RedisStore(c, *KEYS)
        assert ws.RedisStore(c, *KEYS, timeout=0.5).redis.timeout == 0.5
    finally:
        await c.aclose()


def test_not_a_redis_client_is_refused() -> None:
    with pytest.raises(ws.UsageError, match=r"needs a redis\.Redis"):
        ws.RedisStore(object(), *KEYS)


async def test_a_sync_api_on_an_asyncio_client_says_what_to_do(
    redis_server: RedisServer,
) -> None:
    c = redis.asyncio.Redis.from_url(redis_server.url, **TIMEOUTS)
    try:
        store = ws.RedisStore(c, *KEYS)
        with pytest.raises(ws.UsageError, match=r"use aget, asave"):
            store.backend.load(ws.stores.new_session_id())
    finally:
        await c.aclose()


# -- the server dies, comes back ---------------------------------------------------------


@pytest.mark.parametrize("api", ["sync", "async"])
async def test_killed_server_gives_store_errors_then_recovers(
    own_redis: RedisServer, prefix: str, tmp_path: Any, api: str
) -> None:
    store = ws.RedisStore.from_url(
        own_redis.url, *KEYS, prefix=prefix, timeout=2, use_asyncio=api == "async"
    )
    other = ws.FilesystemStore(tmp_path, *KEYS)  # the rest of the app
    try:
        browser, bystander = Client(store, api), Client(other, api)
        await browser.visit(a=1)
        await bystander.visit(b=1)

        own_redis.kill()
        with pytest.raises(ws.StoreError) as info:
            await browser.open()
        message = str(info.value)
        assert f"127.0.0.1:{own_redis.port}" in message
        assert "is the server running" in message
        # The app keeps serving what doesn't need Redis.
        assert (await bystander.visit(b=2)).session.values == {"b": 2}
        request = await browser.open(cookie="")
        request.session.values["c"] = 1
        with pytest.raises(ExceptionGroup) as group:
            await browser.commit(request)
        assert all(isinstance(e, ws.StoreError) for e in group.value.exceptions)

        own_redis.start()  # same port, empty: old sessions are gone, new ones work
        fresh = await browser.open()
        assert fresh.session.is_new
        assert isinstance(fresh.session.error, ws.SessionNotFound)
        await browser.visit(d=1)
        assert (await browser.open()).session.values == {"d": 1}
    finally:
        await store.aclose()


@pytest.mark.parametrize("api", ["sync", "async"])
async def test_a_stalled_server_times_out_instead_of_hanging(
    own_redis: RedisServer, prefix: str, api: str
) -> None:
    store = ws.RedisStore.from_url(
        own_redis.url, *KEYS, prefix=prefix, timeout=1, use_asyncio=api == "async"
    )
    try:
        browser = Client(store, api)
        await browser.visit(a=1)
        own_redis.pause()  # SIGSTOP: connections stay open, nothing answers
        try:
            with pytest.raises(ws.StoreError, match="no answer within the timeout"):
                await browser.open()
        finally:
            own_redis.resume()
        assert (await browser.open()).session.values == {"a": 1}
    finally:
        await store.aclose()


def test_threads_survive_a_restart(own_redis: RedisServer, prefix: str) -> None:
    """Many threads through one pool while the server is killed and restarted."""
    store = ws.RedisStore.from_url(own_redis.url, *KEYS, prefix=prefix, timeout=2)
    outcomes: list[str] = []
    lock = threading.Lock()

    def hit() -> None:
        env: dict[str, Any] = {"REQUEST_METHOD": "GET"}
        try:
            session = store.get(env, "s")
            session.values["x"] = 1
            ws.save(env, [])
            result = "ok"
        except (ws.StoreError, ExceptionGroup):
            result = "error"
        with lock:
            outcomes.append(result)

    try:
        own_redis.kill()
        threads = [threading.Thread(target=hit) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert outcomes == ["error"] * 4
        own_redis.start()
        outcomes.clear()
        threads = [threading.Thread(target=hit) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert outcomes == ["ok"] * 4
    finally:
        store.close()


# -- the cluster ------------------------------------------------------------------------------


async def test_cluster_spreads_sessions_over_the_masters(
    redis_cluster: RedisCluster, prefix: str
) -> None:
    store = ws.RedisStore.from_url(redis_cluster.url, *KEYS, prefix=prefix, cluster=True)
    try:
        ids = []
        for n in range(24):
            browser = Client(store, "sync")
            await browser.visit(n=n)
            request = await browser.open()
            request.session.values["m"] = n  # a compare-and-set on whichever node owns it
            await browser.commit(request)
            assert (await browser.open()).session.values == {"n": n, "m": n}
            ids.append(request.session.id)
        holders = set()
        for node in redis_cluster.nodes:
            with redis.Redis(port=node.port, **TIMEOUTS) as direct:
                if direct.keys(prefix + "*"):  # only this node's own keys
                    holders.add(node.port)
        assert len(holders) == 3
    finally:
        store.close()


async def test_from_url_asyncio_cluster(redis_cluster: RedisCluster, prefix: str) -> None:
    store = ws.RedisStore.from_url(
        redis_cluster.url, *KEYS, prefix=prefix, cluster=True, use_asyncio=True
    )
    try:
        browser = Client(store, "async")
        await browser.visit(a=1)
        assert (await browser.open()).session.values == {"a": 1}
    finally:
        await store.aclose()


def test_purge_has_nothing_to_do(client: redis.Redis) -> None:
    store = ws.RedisStore(client, *KEYS)
    assert store.purge_expired() == 0


# The compare-and-set calls EVALSHA itself: a server that lost its script cache
# (restart, failover, SCRIPT FLUSH) must not fail a save.


async def test_a_save_after_script_flush_reloads_the_script(
    redis_server: RedisServer, prefix: str
) -> None:
    with redis.Redis.from_url(redis_server.url, **TIMEOUTS) as client:
        store = ws.RedisStore(client, *KEYS, prefix=prefix)
        browser = Client(store, "sync")
        first = await browser.visit(a=1)
        client.script_flush()
        second = await browser.visit(a=2)
        assert second.session.id == first.session.id
        assert (await browser.open()).session.values == {"a": 2}
        assert client.script_exists(store.redis._script.sha) == [True]  # loaded again


async def test_an_async_save_after_script_flush_reloads_the_script(
    redis_server: RedisServer, prefix: str
) -> None:
    client = redis.asyncio.Redis.from_url(redis_server.url, **TIMEOUTS)
    try:
        store = ws.RedisStore(client, *KEYS, prefix=prefix)
        browser = Client(store, "async")
        first = await browser.visit(a=1)
        await client.script_flush()
        second = await browser.visit(a=2)
        assert second.session.id == first.session.id
        assert (await browser.open()).session.values == {"a": 2}
        assert await client.script_exists(store.redis._script.sha) == [True]
    finally:
        await client.aclose()
