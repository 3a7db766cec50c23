"""Loopback port helpers shared by the private test servers."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """Ask the kernel for an unused loopback port.

    The port is released before the server binds it, so a parallel process could grab it in
    between; servers therefore retry start-up on a bind failure instead of trusting it blindly.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def port_accepts(port: int, host: str = LOOPBACK) -> bool:
    """Whether a TCP connect succeeds right now."""
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


def wait_for_port(
    port: int, timeout: float, alive: Callable[[], bool] | None = None, host: str = LOOPBACK
) -> bool:
    """Poll until `port` accepts connections; give up early once `alive()` says the process died.

    Returns whether the port came up, so the caller can raise with its own log file attached.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_accepts(port, host):
            return True
        if alive is not None and not alive():
            return False
        time.sleep(0.02)
    return False
