"""A private Redis on a free loopback port, for the Celery broker: no persistence, gone after."""

from __future__ import annotations

import atexit
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from ._lifecycle import Lifecycle
from ._net import LOOPBACK, free_port
from .errors import ServerError, missing

APT_PACKAGE = "redis-server"
START_SECONDS = 10.0


class RedisServer(Lifecycle):
    """`url` is the broker URL; `restart()` stops and starts it on the same port (fault tests)."""

    def __init__(self) -> None:
        self.host = LOOPBACK
        self.port = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._dir: Path | None = None

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"

    def start(self) -> RedisServer:
        binary = shutil.which("redis-server")
        if binary is None:
            raise missing("redis-server", APT_PACKAGE)
        atexit.register(self.stop)
        self._dir = Path(tempfile.mkdtemp(prefix="redis-"))
        self.port = self.port or free_port()
        self._proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", self.host, "--save", "",
             "--appendonly", "no", "--dir", str(self._dir), "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        self._wait_ready()
        return self

    def stop(self) -> None:
        atexit.unregister(self.stop)
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def restart(self) -> None:
        """Down and up again on the same port: queued messages are lost, as on a real crash."""
        port = self.port
        self.stop()
        self.port = port
        self.start()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            assert self._proc is not None
            if self._proc.poll() is not None:
                err = (self._proc.stderr.read() if self._proc.stderr else b"").decode()
                raise ServerError(f"redis-server exited: {err.strip()}")
            try:
                with socket.create_connection((self.host, self.port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise ServerError(f"redis-server did not answer on {self.host}:{self.port}")
