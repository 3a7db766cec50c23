"""The one seam where database connections are made, and the one place that migrates.

Only `jobdigest db upgrade`, `init` and `demo` migrate (`upgrade`). Every other command, the
web app and the workers open the database with `Database.open`, which checks the schema is
exactly the code's and otherwise stops with one line saying what to do: a schema changing under
a running worker, or two processes racing to migrate on start, is worse than a clear refusal."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from digest.errors import ServiceError

MIGRATIONS = Path(__file__).parent / "migrations"
MIGRATION_LOCK = 0x6A646D67  # "jdmg": the PostgreSQL advisory lock held while migrating


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(url: str) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


@cache
def _known_revisions() -> tuple[str, frozenset[str]]:
    """The newest migration this code knows, and all of them (read once per process)."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return script.get_current_head() or "", frozenset(r.revision for r in script.walk_revisions())


def head_revision() -> str:
    """The newest migration this code knows."""
    return _known_revisions()[0]


def upgrade(engine: Engine) -> bool:
    """Bring the schema to the newest migration; True if anything was applied.

    Safe to run from several processes at once: on PostgreSQL an advisory lock makes the others
    wait and then find the schema current; on SQLite a lock file beside the database does."""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    with _sqlite_file_lock(engine), engine.begin() as conn:
        if conn.dialect.name == "postgresql":  # two processes upgrading at once: one waits
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK})
        current = MigrationContext.configure(conn).get_current_revision()
        if current == head:
            return False
        if current is not None and current not in _known_revisions()[1]:
            raise ServiceError(_newer(engine, current))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return True


@contextmanager
def _sqlite_file_lock(engine: Engine) -> Iterator[None]:
    """SQLite runs DDL outside transactions, so two upgrades would both create the tables:
    an exclusive lock on a file beside the database orders them."""
    import fcntl

    database = engine.url.database
    folder = Path(database or "").parent
    if engine.dialect.name != "sqlite" or database in (None, "", ":memory:") or not folder.is_dir():
        yield  # a missing folder: connecting fails next, in the driver's own words
        return
    with Path(f"{database}.migrate-lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _where(engine: Engine) -> str:
    return f"database {engine.url.render_as_string(hide_password=True)}"


def _newer(engine: Engine, current: str) -> str:
    return (
        f"{_where(engine)} is at schema {current}, newer than this jobdigest knows "
        f"({head_revision()}); upgrade jobdigest"
    )


def schema_problem(engine: Engine) -> str | None:
    """None when the schema is exactly the code's; else one line naming the database and
    saying what to do (connection errors propagate: the caller words those)."""
    where = _where(engine)
    database = engine.url.database
    sqlite_file = engine.dialect.name == "sqlite" and database not in (None, "", ":memory:")
    if sqlite_file and not Path(str(database)).exists():  # connecting would leave an empty file
        return f"{where}: no such file; run: jobdigest db upgrade (or jobdigest init)"
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    head, known = _known_revisions()
    if current == head:
        return None
    if current is None:
        return f"{where} has no jobdigest tables yet; run: jobdigest db upgrade"
    if current not in known:
        return _newer(engine, current)
    return f"{where} is at schema {current}, this jobdigest needs {head}; run: jobdigest db upgrade"


class Database:
    """An engine plus a session factory. Never migrates: `upgrade` does, `open` checks."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str) -> Database:
        """The database of a command, the web app or a worker: refused (ServiceError, one
        line) unless its schema is exactly the code's."""
        db = cls(url)
        try:
            problem = schema_problem(db.engine)
        except BaseException:
            db.dispose()
            raise
        if problem is not None:
            db.dispose()
            raise ServiceError(problem)
        return db

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed on success, rolled back on any error."""
        with self.sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        self.engine.dispose()
