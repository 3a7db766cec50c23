"""A private PostgreSQL cluster for tests: initdb + pg_ctl into a temp folder, trust auth.

Durability is switched off (fsync, synchronous_commit, full_page_writes): the cluster is thrown
away after the run, and it makes each test's CREATE DATABASE and commits fast.
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import shlex
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import sql

from ._lifecycle import Lifecycle
from ._net import LOOPBACK, free_port
from .errors import ServerError, log_tail, missing

APT_PACKAGE = "postgresql"
SUPERUSER = "postgres"
START_ATTEMPTS = 3
MAX_NAME = 63  # PostgreSQL truncates longer identifiers silently


def find_bin_dir() -> Path:
    """Newest /usr/lib/postgresql/<version>/bin with initdb (Debian's layout)."""
    candidates = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    candidates.sort(key=lambda path: int(Path(path).parent.parent.name.split(".")[0]))
    if candidates:
        return Path(candidates[-1]).parent
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    raise missing("initdb (/usr/lib/postgresql/*/bin)", APT_PACKAGE)


class PostgresServer(Lifecycle):
    """One throw-away cluster on 127.0.0.1; `create_database()` hands out fresh databases."""

    def __init__(self) -> None:
        self.host = LOOPBACK
        self.port = 0
        self.user = SUPERUSER
        self.start_seconds = 0.0
        self._root: Path | None = None

    # -- life cycle -------------------------------------------------------------------------

    def start(self) -> PostgresServer:
        """initdb, then pg_ctl start; returns when the server accepts connections."""
        began = time.monotonic()
        bin_dir = find_bin_dir()
        atexit.register(self.stop)
        self._root = Path(tempfile.mkdtemp(prefix="pg-"))
        os.chmod(self._root, 0o755)  # the postgres user must reach its data dir
        self._initdb(bin_dir)
        for attempt in range(START_ATTEMPTS):
            self.port = free_port()
            self._write_settings()
            if self._pg_ctl(bin_dir, "start", "-w", "-t", "30", "-l", str(self.log_file)) == 0:
                self.start_seconds = time.monotonic() - began
                return self
            if attempt == START_ATTEMPTS - 1 or "could not bind" not in self._log():
                break
        raise ServerError(f"PostgreSQL did not start; log {self.log_file}:\n{self._log()}")

    def pause(self) -> None:
        """Stop the server (every connection drops), keeping its data: `resume()` later.

        "fast", not "immediate": with synchronous_commit off an immediate stop would forget
        the last commits, which no real server configured for durability does."""
        if self._root is None:
            raise ServerError("PostgresServer.start() has not been called")
        self._pg_ctl(find_bin_dir(), "stop", "-m", "fast", "-w")

    def resume(self) -> None:
        """Start a paused server again on the same port, with its data."""
        code = self._pg_ctl(find_bin_dir(), "start", "-w", "-t", "30", "-l", str(self.log_file))
        if code != 0:
            raise ServerError(f"PostgreSQL did not restart; log {self.log_file}:\n{self._log()}")

    def stop(self) -> None:
        """Stop at once (no checkpoint: the data is thrown away) and delete the folder."""
        atexit.unregister(self.stop)
        root, self._root = self._root, None
        if root is None:
            return
        if (root / "data" / "postmaster.pid").exists():
            self._pg_ctl(find_bin_dir(), "stop", "-m", "immediate", "-w", data=root / "data")
        shutil.rmtree(root, ignore_errors=True)

    # -- databases --------------------------------------------------------------------------

    def url(self, database: str = "postgres") -> str:
        """SQLAlchemy URL (psycopg 3 driver) for `database`."""
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{database}"

    def create_database(self, name: str, template: str = "template0") -> str:
        """Create a database as a copy of `template` (default: empty) and return its URL.

        Copying a migrated template is much faster than migrating every test's database."""
        if not name or len(name) > MAX_NAME:
            raise ValueError(f"database name must be 1..{MAX_NAME} characters: {name!r}")
        statement = sql.SQL("CREATE DATABASE {} TEMPLATE {}")
        self._admin(statement.format(sql.Identifier(name), sql.Identifier(template)))
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop a database even if a leaked connection still uses it."""
        statement = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
        self._admin(statement.format(sql.Identifier(name)))

    @property
    def log_file(self) -> Path:
        if self._root is None:
            raise ServerError("PostgresServer.start() has not been called")
        return self._root / "postgres.log"

    # -- internals --------------------------------------------------------------------------

    def _admin(self, statement: sql.Composed) -> None:
        with psycopg.connect(
            host=self.host, port=self.port, user=self.user, dbname="postgres", autocommit=True
        ) as connection:
            connection.execute(statement)

    def _initdb(self, bin_dir: Path) -> None:
        assert self._root is not None
        data = self._root / "data"
        self._as_postgres_owned(self._root / "run")
        command = [str(bin_dir / "initdb"), "-D", str(data), "-U", SUPERUSER, "-A", "trust"]
        command += ["-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"]
        result = subprocess.run(_as_postgres(command), capture_output=True, text=True)
        if result.returncode != 0:
            raise ServerError(f"initdb failed: {result.stderr.strip() or result.stdout.strip()}")

    def _as_postgres_owned(self, folder: Path) -> None:
        folder.mkdir(mode=0o700)
        os.chown(folder, *_server_ids())
        if os.geteuid() == 0:
            os.chown(self._root, *_server_ids())  # initdb creates data/ inside it

    def _write_settings(self) -> None:
        assert self._root is not None
        settings = {
            "port": str(self.port),
            "listen_addresses": f"'{LOOPBACK}'",
            "unix_socket_directories": f"'{self._root / 'run'}'",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "50",
        }
        text = "".join(f"{key} = {value}\n" for key, value in settings.items())
        auto_conf = self._root / "data" / "postgresql.auto.conf"
        auto_conf.write_text(text)
        os.chown(auto_conf, *_server_ids())

    def _pg_ctl(self, bin_dir: Path, *args: str, data: Path | None = None) -> int:
        folder = data or (self._root / "data" if self._root else None)
        command = [str(bin_dir / "pg_ctl"), "-D", str(folder), *args]
        return subprocess.run(_as_postgres(command), capture_output=True).returncode

    def _log(self) -> str:
        return log_tail(str(self.log_file))


def _server_ids() -> tuple[int, int]:
    """The uid/gid the server runs as: `postgres` when we are root (it refuses root)."""
    if os.geteuid() == 0:
        entry = pwd.getpwnam(SUPERUSER)
        return entry.pw_uid, entry.pw_gid
    return os.geteuid(), os.getegid()


def _as_postgres(command: list[str]) -> list[str]:
    """Prefix a command so it runs as the postgres user when we are root."""
    if os.geteuid() != 0:
        return command
    if shutil.which("runuser"):
        return ["runuser", "-u", SUPERUSER, "--", *command]
    return ["su", SUPERUSER, "-s", "/bin/sh", "-c", shlex.join(command)]
