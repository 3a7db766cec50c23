"""`jobdigest`: the command line. Each command's help is its documentation."""

from __future__ import annotations

import dataclasses
import json
import sys
import threading
from collections.abc import Callable
from datetime import UTC
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.table import Table

from digest import __version__
from digest.config import Config, load_config
from digest.errors import ServiceError, UserError
from digest.store.db import Database

F = TypeVar("F", bound=Callable[..., Any])
err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)

EPILOG = """\b
Examples:
  jobdigest demo                                  try it: no servers, no network
  jobdigest init ~/jobdigest                      starter config + database
  jobdigest subgroups import subgroups.toml
  jobdigest members import members.csv
  jobdigest run --once                            poll inbox, fetch feeds, tag
  jobdigest send-digests --dry-run outbox/        write this week's digests as files
  jobdigest parse forwarded.eml alert.eml         what would be ingested, as JSON Lines

The config file is --config, else $JOBDIGEST_CONFIG, else ./jobdigest.toml.
Secrets come only from environment variables named in the config (*_env keys)."""


class State:
    """Config and database opened on first use, so `--help` and `parse` need neither."""

    def __init__(self, config_path: str | None) -> None:
        self.config_path = config_path
        self._cfg: Config | None = None
        self._db: Database | None = None

    @property
    def cfg(self) -> Config:
        if self._cfg is None:
            self._cfg = load_config(self.config_path)
        return self._cfg

    @property
    def db(self) -> Database:
        if self._db is None:
            try:
                self._db = Database(self.cfg.database_url())
            except Exception as exc:
                if isinstance(exc, UserError | ServiceError):
                    raise
                raise ServiceError(f"database {self.cfg.database.url}: {exc}") from None
        return self._db


pass_state = click.make_pass_decorator(State)


def friendly(fn: F) -> F:
    """User mistakes and server failures become one line on stderr and an exit code, never a traceback."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (UserError, ServiceError) as exc:
            err.print(f"[bold red]Error:[/] {exc}", highlight=False, markup=True, soft_wrap=True)
            sys.exit(exc.exit_code)

    return wrapper  # type: ignore[return-value]


@click.group(
    epilog=EPILOG,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--config",
    "config_path",
    metavar="PATH",
    envvar="JOBDIGEST_CONFIG",
    help="Config file (default: $JOBDIGEST_CONFIG, else ./jobdigest.toml).",
)
@click.version_option(__version__, prog_name="jobdigest")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None) -> None:
    """Job Lead Digest: collect job leads that members forward to a group inbox, tag them for
    each sub-group, and mail every member a weekly personal digest."""
    ctx.obj = State(config_path)


def main() -> None:
    cli(prog_name="jobdigest")


# --- set-up -------------------------------------------------------------------------------


@cli.command(short_help="Starter config and database.")
@click.argument("directory", default=".", type=click.Path(file_okay=False, path_type=Path))
@friendly
def init(directory: Path) -> None:
    """Write a starter jobdigest.toml and create its database in DIRECTORY.

    Existing files are left alone. Edit the config, then import sub-groups and members."""
    from digest.starter import write_starter

    path, created = write_starter(directory)
    Database(load_config(path).database_url()).dispose()
    out.print(f"{'Wrote' if created else 'Kept existing'} {path}; database ready.")
    out.print(
        "Next: edit it, then `jobdigest subgroups import FILE.toml` and `jobdigest members import FILE.csv`."
    )


@cli.command(short_help="The whole weekly job on a demo group.")
@click.option(
    "--dir",
    "directory",
    default="jobdigest-demo",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to create the demo.",
)
@friendly
def demo(directory: Path) -> None:
    """Run the whole weekly job on a bundled demo group: no servers, no network.

    Creates DIR with a config and SQLite database, ingests a demo inbox of forwarded postings
    and job alerts plus two feed files, tags them, and writes every member's digest to
    DIR/outbox/<member>.eml and .html. Running it again duplicates nothing."""
    from digest.demo import run_demo

    run_demo(directory, out)


@cli.group(short_help="Database migrations.")
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@pass_state
@friendly
def db_upgrade(state: State) -> None:
    """Apply database migrations (other commands also do this on first use)."""
    from digest.store.db import make_engine, upgrade

    engine = make_engine(state.cfg.database_url())
    changed = upgrade(engine)
    engine.dispose()
    out.print("Database upgraded." if changed else "Database already up to date.")


# --- imports ------------------------------------------------------------------------------


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot read: {exc}") from None


@cli.group(short_help="Sub-groups and target roles as TOML.")
def subgroups() -> None:
    """Sub-groups and their target roles, as TOML ([[subgroup]] name, roles, exclude, leads)."""


@subgroups.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_state
@friendly
def subgroups_import(state: State, file: Path) -> None:
    """Create or update sub-groups from FILE (all or nothing; re-import updates)."""
    from digest.store.imports import import_subgroups
    from digest.tagging.rules import parse_subgroups_toml

    specs = parse_subgroups_toml(_read(file), str(file))
    with state.db.session() as session:
        created, updated = import_subgroups(session, specs)
    out.print(f"{file}: {created} sub-groups created, {updated} updated.")


@subgroups.command("export")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True), default="-")
@pass_state
@friendly
def subgroups_export(state: State, file: str) -> None:
    """Write sub-groups to FILE (default: stdout) in the import format."""
    from digest.store.imports import export_subgroups

    with state.db.session() as session:
        text = export_subgroups(session)
    _write(file, text)


def _write(file: str, text: str) -> None:
    if file == "-":
        click.echo(text, nl=False)
    else:
        Path(file).write_text(text, encoding="utf-8")


@cli.group(short_help="Members as CSV: import, export.")
def members() -> None:
    """Members as CSV: email,name,subgroups,past_employers,keywords,location (';' separates values)."""


@members.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_state
@friendly
def members_import(state: State, file: Path) -> None:
    """Create or update members from FILE (all or nothing; a bad row is reported by line and column)."""
    from digest.store.imports import import_members, parse_members_csv

    rows = parse_members_csv(_read(file), str(file))
    with state.db.session() as session:
        created, updated = import_members(session, rows, str(file))
    out.print(f"{file}: {created} members created, {updated} updated.")


@members.command("export")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True), default="-")
@pass_state
@friendly
def members_export(state: State, file: str) -> None:
    """Write members to FILE (default: stdout) in the import format."""
    from digest.store.imports import export_members

    with state.db.session() as session:
        text = export_members(session)
    _write(file, text)


# --- pipeline stages ----------------------------------------------------------------------


@cli.command(short_help="Read the group inbox once.")
@pass_state
@friendly
def poll(state: State) -> None:
    """Read the group inbox once: store each mail, parse it, move it to the processed or failed folder."""
    from digest.inbox.poll import poll as do_poll

    result = do_poll(state.db, state.cfg)
    out.print(f"Inbox: {result.fetched} fetched, {result.moved} moved; " + _counts(result.statuses))


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "nothing new"


@cli.command(short_help="Fetch due feeds and job boards.")
@pass_state
@friendly
def fetch(state: State) -> None:
    """Fetch the configured feeds and job boards that are due (backoff and pauses respected)."""
    from schedules.jobs import fetch_sources

    results = fetch_sources(state.db, state.cfg) or []
    for r in results:
        detail = r.error or f"{r.entries} entries, {r.new_sightings} new"
        out.print(f"{r.status:>12}  {r.key}  {detail}", highlight=False)
    if not results:
        out.print("No feeds or boards configured or due.")


@cli.group(invoke_without_command=True, short_help="Feeds and boards with their health.")
@click.pass_context
def sources(ctx: click.Context) -> None:
    """Feeds, job boards and the inbox with their health (last success, failures, next attempt)."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(sources_list)


@sources.command("list")
@pass_state
@friendly
def sources_list(state: State) -> None:
    """List every source and its health."""
    from sqlalchemy import select

    from digest.sources.pull import sync_sources
    from digest.store.models import Source

    with state.db.session() as session:
        sync_sources(session, state.cfg)
        rows = [
            [
                s.id,
                s.kind,
                s.name or s.key,
                _when(s.last_success),
                f"{s.consecutive_failures}x since {_when(s.failing_since)}"
                if s.failing_since
                else "",
                "paused" if s.paused else _when(s.next_attempt) or "now",
                (s.last_error or "")[:200],
            ]
            for s in session.scalars(select(Source).order_by(Source.id))
        ]
    _show_rows(
        "Sources", ["id", "kind", "name", "last success", "failing", "next", "last error"], rows
    )


@sources.command("resume")
@click.argument("source_id", type=int)
@pass_state
@friendly
def sources_resume(state: State, source_id: int) -> None:
    """Unpause a paused source so the next fetch tries it again."""
    from digest.sources.pull import resume_source
    from digest.store.models import Source

    with state.db.session() as session:
        if session.get(Source, source_id) is None:
            raise UserError(
                f"sources resume: no source with id {source_id} (see `jobdigest sources`)"
            )
        resume_source(session, source_id)
    out.print(f"Source {source_id} resumed.")


def _describe(result: Any) -> str:
    """A job's result as a person reads it: 'fetched=3, moved=3', not a dataclass repr."""
    if isinstance(result, list):
        return "; ".join(_describe(r) for r in result) or "nothing due"
    if dataclasses.is_dataclass(result):
        parts = []
        for f in dataclasses.fields(result):
            value = getattr(result, f.name)
            if value in ("", None):
                continue
            if isinstance(value, dict):
                value = _counts(value)
            elif isinstance(value, list):
                value = len(value)
            parts.append(f"{f.name.replace('_', ' ')} {value}")
        return ", ".join(parts)
    return str(result)


def _when(moment: Any) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else ""


@cli.command(short_help="Tag new postings; re-tag after rule changes.")
@pass_state
@friendly
def retag(state: State) -> None:
    """Tag new postings, and re-tag all postings whose sub-group rules changed."""
    from digest.tagging.tag import semantic_tagger, tag_pending

    result = tag_pending(state.db, semantic=semantic_tagger(state.db, state.cfg))
    out.print(f"Tagged {result.postings} postings: {result.tags} tags.")


@cli.command(short_help="The worker: ingest, and send on schedule.")
@click.option(
    "--once", is_flag=True, help="Run each ingest job once (poll, fetch, retag), then exit."
)
@pass_state
@friendly
def run(state: State, once: bool) -> None:
    """The scheduled worker: ingest continuously, send digests on [digest] day and time
    in the group's time zone. Stop it with Ctrl-C or SIGTERM."""
    from schedules.runner import Runner

    def report(name: str, result: Any) -> None:
        if result is not None:  # None: the job has nothing configured to do
            out.print(f"{name}: {_describe(result)}", highlight=False)

    runner = Runner(state.db, state.cfg, report=report)
    if once:
        runner.run_ingest()
        return
    import signal

    from digest.inbox.idle import IdleWatcher

    stop, wake = threading.Event(), threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: (stop.set(), wake.set()))
    wait_for_mail = None
    if state.cfg.inbox.host and state.cfg.inbox.idle:
        IdleWatcher(state.cfg, wake, stop).start()

        def wait_for_mail(timeout: float) -> None:
            wake.wait(timeout)
            wake.clear()

    out.print(
        f"Worker started for {state.cfg.group.name}; digests {state.cfg.digest.day} {state.cfg.digest.time} "
        f"({state.cfg.group.timezone}). Ctrl-C stops it."
    )
    try:
        runner.forever(stop, wait_for_mail)
    except KeyboardInterrupt:
        stop.set()


@cli.command("send-digests", short_help="Send this period's digests now.")
@click.option("--period", metavar="YYYY-Www", help="ISO week to send (default: the current week).")
@click.option("--member", "member_email", metavar="EMAIL", help="Only this member.")
@click.option(
    "--dry-run",
    "dry_run",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    help="Write the digests to DIR as .eml and .html instead of sending.",
)
@pass_state
@friendly
def send_digests_cmd(
    state: State, period: str | None, member_email: str | None, dry_run: Path | None
) -> None:
    """Send this period's digests now. Each member gets at most one per period, however often this runs."""
    from digest.delivery.send import send_digests

    result = send_digests(
        state.db, state.cfg, period=period, member_email=member_email, dry_run=dry_run
    )
    if dry_run is not None:
        out.print(f"{result.period}: wrote {len(result.written)} digests to {dry_run}")
    else:
        out.print(
            f"{result.period}: {result.sent} sent, {result.already} already sent, "
            f"{result.skipped_no_leads} without leads, {result.failed} failed"
        )
    for line in result.errors:
        err.print(f"  {line}", highlight=False)
    if result.failed:
        sys.exit(1)


@cli.command(short_help="One member's digest as HTML.")
@click.argument("email")
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the HTML here.",
)
@click.option("--period", metavar="YYYY-Www", help="ISO week (default: the current week).")
@pass_state
@friendly
def preview(state: State, email: str, out_file: Path | None, period: str | None) -> None:
    """One member's digest as HTML (stdout, or --out FILE); nothing is sent or recorded."""
    from datetime import datetime

    from digest.delivery.periods import period_of
    from digest.delivery.render import Links, render
    from digest.delivery.send import compose_all
    from digest.delivery.tokens import Signer

    period = period or period_of(datetime.now(UTC), state.cfg.tz)
    digests = list(compose_all(state.db, state.cfg, period, email))
    if not digests:
        raise UserError(f"{email}: no such active member")
    html, _text = render(
        state.cfg, digests[0], Links(state.cfg, Signer.from_config(state.cfg), digests[0].member.id)
    )
    if out_file:
        out_file.write_text(html, encoding="utf-8")
        out.print(f"Wrote {out_file} ({len(digests[0].leads)} leads).")
    else:
        click.echo(html)


# --- pure tools ---------------------------------------------------------------------------


@cli.command(short_help="What files would ingest, as JSON Lines.")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
def parse(files: tuple[Path, ...]) -> None:
    """Show what FILES would ingest, one JSON object per file (JSON Lines), in order.

    Reads mails (.eml), feeds (RSS/Atom/JSON Feed), job pages (HTML with schema.org
    JobPosting) and Greenhouse/Lever board JSON. Exit code 1 if any file could not be read."""
    from parsers.detect import parse_file

    failed = False
    for path in files:
        try:
            data = path.read_bytes()
        except OSError as exc:
            from parsers.model import ParsedItem

            item = ParsedItem(
                kind="email", file=str(path), error=f"cannot read: {exc.strerror or exc}"
            )
        else:
            item = parse_file(str(path), data)
            item.file = str(path)
        failed = failed or item.error is not None
        click.echo(json.dumps(item.to_json(), ensure_ascii=False))
    sys.exit(1 if failed else 0)


@cli.command(short_help="Tag JSON Lines postings from stdin.")
@click.option(
    "--subgroups",
    "subgroups_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="subgroups.toml with the rules to try.",
)
@friendly
def match(subgroups_file: Path) -> None:
    """Tag JSON Lines postings from stdin with the rules in --subgroups FILE.

    Input lines: {"id", "title", "description"?, "company"?, "location"?}.
    Output, one line each, in order: {"id", "tags": [{"subgroup", "role", "score", "why"}]}."""
    from digest.tagging.matcher import Matcher, rules_from_specs
    from digest.tagging.rules import parse_subgroups_toml

    matcher = Matcher.compile(
        rules_from_specs(parse_subgroups_toml(_read(subgroups_file), str(subgroups_file)))
    )
    bad = 0
    for lineno, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            posting = json.loads(line)
            if not isinstance(posting, dict) or not isinstance(posting.get("title", ""), str):
                raise ValueError("expected an object with a string 'title'")
        except ValueError as exc:
            err.print(f"stdin: line {lineno}: {exc}", highlight=False)
            bad += 1
            continue
        tags = matcher.match(
            posting.get("title") or "",
            str(posting.get("description") or ""),
            str(posting.get("company") or ""),
            str(posting.get("location") or ""),
        )
        record = {
            "id": posting.get("id"),
            "tags": [
                {
                    "subgroup": t.subgroup,
                    "role": t.role,
                    "score": round(t.score, 4),
                    "why": list(t.why),
                }
                for t in tags
            ],
        }
        click.echo(json.dumps(record, ensure_ascii=False))
    if bad:
        sys.exit(2)


@cli.command(short_help="Serve the web app (waitress).")
@click.option("--host", help="Address to listen on (default: [web] host).")
@click.option("--port", type=int, help="Port (default: [web] port).")
@pass_state
@friendly
def web(state: State, host: str | None, port: int | None) -> None:
    """Serve the web app for leads, members and the operator with waitress (a production WSGI server)."""
    from waitress import serve

    from digest.web import create_app

    app = create_app(state.cfg)
    host, port = host or state.cfg.web.host, port or state.cfg.web.port
    out.print(
        f"Serving {state.cfg.group.name} on http://{host}:{port} (waitress); links in digests "
        f"point to {state.cfg.web.base_url}. Ctrl-C stops it.",
        highlight=False,
    )
    serve(app, host=host, port=port)


def _show_rows(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    """A table on a terminal; tab-separated lines (header first) when piped, for grep and cut."""
    if not out.is_terminal:
        click.echo("\t".join(columns))
        for r in rows:
            click.echo("\t".join(str(v) for v in r))
        return
    table = Table(title=title)
    for c in columns:
        table.add_column(c)
    for r in rows:
        table.add_row(*(str(v) for v in r))
    out.print(table)


# --- inbox maintenance -------------------------------------------------------------------


@cli.group(short_help="Failed mail: list and reprocess.")
def inbox() -> None:
    """The group inbox's stored mail: failures and reprocessing."""


@inbox.command("failures")
@click.option(
    "--all", "show_all", is_flag=True, help="Also list held mail (non-members, failed DMARC)."
)
@pass_state
@friendly
def inbox_failures(state: State, show_all: bool) -> None:
    """List stored mails that could not be processed, with their reason."""
    from sqlalchemy import select

    from digest.store.models import RawMessage

    statuses = ["failed", "held"] if show_all else ["failed"]
    with state.db.session() as session:
        rows = session.scalars(
            select(RawMessage).where(RawMessage.status.in_(statuses)).order_by(RawMessage.id)
        ).all()
        data = [
            (r.id, r.status, r.sender or "(no sender)", r.message_id or "(no Message-ID)", r.reason)
            for r in rows
        ]
    if not data:
        out.print("No failures.")
        return
    # One line each, reason in full: it is what the operator acts on (and greps for).
    for raw_id, status, sender, message_id, reason in data:
        click.echo(f"{raw_id}\t{status}\t{sender}\t{message_id}\t{reason}")
    out.print(f"{len(data)} message(s). Reprocess with `jobdigest inbox reprocess ID` or `--all`.")


@cli.command("import-mail", short_help="Backfill from an mbox or Maildir.")
@click.argument("path", type=click.Path(path_type=Path))
@pass_state
@friendly
def import_mail_cmd(state: State, path: Path) -> None:
    """Backfill from an mbox file or a Maildir folder: each mail is stored once (by Message-ID),
    then parsed like inbox mail. Safe to run again."""
    from rich.progress import Progress

    from digest.inbox.backfill import count, import_mail

    total = count(path)
    with Progress(console=err, transient=True) as bar:
        task = bar.add_task(f"Importing {path.name}", total=total)
        result = import_mail(state.db, path, progress=lambda n: bar.advance(task, n))
    out.print(
        f"{path}: {result.read} read, {result.stored} stored, {result.already} already stored; "
        + _counts(result.statuses)
    )


@inbox.command("reprocess")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all", "all_failed", is_flag=True, help="Reprocess every failed mail.")
@pass_state
@friendly
def inbox_reprocess(state: State, ids: tuple[int, ...], all_failed: bool) -> None:
    """Parse stored mails again (after a parser improved): IDs, or --all failed ones."""
    from sqlalchemy import select

    from digest.ingest.budget import ParseBudget
    from digest.ingest.record import process_pending
    from digest.store.models import RawMessage

    if not ids and not all_failed:
        raise UserError(
            "inbox reprocess: give message IDs or --all (see `jobdigest inbox failures`)"
        )
    if all_failed:
        with state.db.session() as session:
            ids = tuple(session.scalars(select(RawMessage.id).where(RawMessage.status == "failed")))
    budget = ParseBudget.from_config(state.cfg.inbox)
    counts = process_pending(state.db.sessions, list(ids), force=True, budget=budget)
    out.print(f"Reprocessed {sum(counts.values())}: {_counts(counts)}")


from digest.cli.tags import tags  # noqa: E402 - its commands import the helpers above lazily

cli.add_command(tags)

if __name__ == "__main__":
    main()
