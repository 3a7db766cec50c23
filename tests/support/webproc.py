"""`jobdigest web` as a real process, the way an operator starts it: in a folder, on a port."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.servers._net import free_port, wait_for_port


@dataclass
class WebProcess:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stderr(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def cli_env(**extra: str) -> dict[str, str]:
    """This process's environment (PYTHONPATH points at the code under test) plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOBDIGEST_")}
    env.update(extra)
    return env


@contextmanager
def jobdigest_web(
    folder: Path, env: dict[str, str], *args: str, port: int | None = None
) -> Iterator[WebProcess]:
    """`python -m digest.cli web --port N` started in `folder`; stopped on exit."""
    port = port or free_port()
    log = folder / f"web-{port}.log"
    with log.open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "digest.cli", *args, "web", "--port", str(port)],
            cwd=folder,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    try:
        if not wait_for_port(port, 30, alive=lambda: process.poll() is None):
            raise RuntimeError(f"jobdigest web did not start: {log.read_text()}")
        yield WebProcess(process, port, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
