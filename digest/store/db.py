"""The one seam where database connections are made, and the one place that migrates.

Only `jobdigest db upgrade`, `init` and `demo` migrate (`upgrade`). Every other command, the
web app and the workers open the database with `Database.open`, which checks the schema is
exactly the code's and otherwise stops with one line saying what to do: a schema changing under
a running worker, or two processes racing to migrate on start, is worse than a clear refusal.
Every session is bound to one group (digest/store/scope.py) unless asked for site-wide."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from digest.errors import ServiceError
from digest.store.scope import GROUP_KEY

MIGRATIONS = Path(__file__).parent / "migrations"
_SITE = "\0site"  # the key of the site-wide sibling among a Database's cached ones
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
    with (
        _sqlite_file_lock(engine),
        engine.connect() as conn,
        _foreign_keys_off(conn),
        conn.begin(),
    ):
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
def _foreign_keys_off(conn: Connection) -> Iterator[None]:
    """SQLite: batch migrations recreate tables, and a DROP TABLE must not cascade into the
    rows of its children (foreign keys are switched off outside a transaction only)."""
    if conn.dialect.name != "sqlite":
        yield
        return
    conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
    conn.commit()
    try:
        yield
    finally:
        conn.exec_driver_sql("PRAGMA foreign_keys=ON")
        conn.commit()


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
    """An engine plus a session factory bound to one group. Never migrates: `upgrade` does,
    `open` checks.

    `Database(url)` serves the installation's only group (a second group makes it ask for one:
    `--group SLUG`); `Database(url, group="north")` or `db.for_group(...)` (sharing the engine)
    serves one group; `db.site()` the site-wide tables (groups, locks), unfiltered."""

    def __init__(self, url: str, group: str | int | None = None) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.group = group
        self._group_id: int | None = None
        self._bound: sessionmaker[Session] | None = None
        self._site = False
        self._groups: dict[str | int, Database] = {}
        self._factory = sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str, group: str | int | None = None) -> Database:
        """The database of a command, the web app or a worker: refused (ServiceError, one
        line) unless its schema is exactly the code's."""
        db = cls(url, group)
        try:
            problem = schema_problem(db.engine)
        except BaseException:
            db.dispose()
            raise
        if problem is not None:
            db.dispose()
            raise ServiceError(problem)
        return db

    def for_group(self, group: str | int) -> Database:
        """The same engine, bound to another group (cached: one Database per group)."""
        return self._sibling(group, site=False)

    def site(self) -> Database:
        """The same engine for site-wide work: sessions that no group filters."""
        return self._sibling(_SITE, site=True)

    def _sibling(self, key: str | int, site: bool) -> Database:
        """A Database sharing this one's engine and cache of siblings, for one group or the site."""
        if key not in self._groups:
            other = object.__new__(Database)
            other.__dict__.update(self.__dict__)
            other.group = None if site else key
            other._group_id, other._bound, other._site = None, None, site
            self._groups[key] = other
        return self._groups[key]

    @property
    def group_id(self) -> int:
        """The id of the group this Database serves (looked up once)."""
        if self._group_id is None:
            from digest.store.groups import resolve_group

            with self.engine.connect() as conn:
                self._group_id = resolve_group(conn, self.group)
        return self._group_id

    @property
    def sessions(self) -> sessionmaker[Session]:
        """The session factory, its sessions bound to this Database's group."""
        if self._site:
            return self._factory
        if self._bound is None:
            self._bound = sessionmaker(
                self.engine, expire_on_commit=False, info={GROUP_KEY: self.group_id}
            )
        return self._bound

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
