"""Real redis-server processes for the tests: started on free loopback ports, stopped by PID."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
REDIS_CLI = shutil.which("redis-cli") or "/usr/bin/redis-cli"
HOST = "127.0.0.1"


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def free_port(cluster: bool = False) -> int:
    """A free loopback port (and, for cluster nodes, its bus port + 10000 too)."""
    for _ in range(200):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind((HOST, 0))
            port = int(sock.getsockname()[1])
        if not cluster or (port + 10000 < 65536 and _port_free(port + 10000)):
            return port
    raise RuntimeError("no free port pair found")


def wait_until(check: object, what: str, tries: int = 400) -> None:
    for _ in range(tries):
        with contextlib.suppress(Exception):
            if check():  # type: ignore[operator]
                return
        time.sleep(0.025)
    raise RuntimeError(f"gave up waiting for {what}")


class RedisServer:
    """One redis-server process; ``kill()`` and ``start()`` again keep the port."""

    def __init__(self, directory: Path, *, port: int | None = None, cluster: bool = False) -> None:
        if not os.path.exists(REDIS_SERVER):
            raise RuntimeError(
                f"redis-server is not installed ({REDIS_SERVER}); the Redis tests start their "
                "own: apt-get install redis-server"
            )
        self.cluster = cluster
        self.port = port or free_port(cluster)
        self.directory = directory / f"redis-{self.port}"
        self.directory.mkdir(parents=True, exist_ok=True)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def start(self) -> RedisServer:
        args = [
            REDIS_SERVER,
            "--port", str(self.port),
            "--bind", HOST,
            "--save", "",
            "--appendonly", "no",
            "--dir", str(self.directory),
            "--loglevel", "warning",
            "--logfile", str(self.directory / "redis.log"),
        ]  # fmt: skip
        if self.cluster:
            args += ["--cluster-enabled", "yes", "--cluster-node-timeout", "5000"]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(self.ping, f"redis-server on port {self.port}")
        return self

    def ping(self) -> bool:
        with redis.Redis(
            host=HOST, port=self.port, socket_timeout=1, retry=Retry(NoBackoff(), 0)
        ) as client:
            return bool(client.ping())

    def _signal(self, sig: int) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, sig)

    def kill(self) -> None:
        """SIGKILL, by PID, and reap it."""
        self._signal(signal.SIGKILL)
        if self.process is not None:
            self.process.wait(10)
        self.process = None

    def pause(self) -> None:
        self._signal(signal.SIGSTOP)

    def resume(self) -> None:
        self._signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.process is None:
            return
        self.resume()
        self._signal(signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.kill()
        self.process = None


class RedisCluster:
    """Three masters, slots split by ``redis-cli --cluster create``."""

    def __init__(self, directory: Path) -> None:
        self.nodes = [RedisServer(directory, cluster=True) for _ in range(3)]

    @property
    def url(self) -> str:
        return self.nodes[0].url

    def start(self) -> RedisCluster:
        try:
            return self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> RedisCluster:
        for node in self.nodes:
            node.start()
        subprocess.run(
            [REDIS_CLI, "--cluster", "create"]
            + [f"{HOST}:{node.port}" for node in self.nodes]
            + ["--cluster-replicas", "0", "--cluster-yes"],
            check=True,
            capture_output=True,
            timeout=60,
        )
        for node in self.nodes:
            wait_until(lambda node=node: self._ok(node.port), f"cluster node {node.port}")
        return self

    @staticmethod
    def _ok(port: int) -> bool:
        with redis.Redis(
            host=HOST, port=port, socket_timeout=1, retry=Retry(NoBackoff(), 0)
        ) as client:
            info = client.execute_command("CLUSTER INFO")
        if isinstance(info, dict):
            return str(info.get("cluster_state")) == "ok"
        return "cluster_state:ok" in (info.decode() if isinstance(info, bytes) else str(info))

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()
