"""Pure tools that need no database: `parse` and `match`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from digest.cli.base import (
    State,
    _read,
    err,
    friendly,
    pass_state,
)
from digest.tagging.matcher import Matcher


@click.command(short_help="What files would ingest, as JSON Lines.")
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


@click.command(short_help="Tag JSON Lines postings from stdin.")
@click.option(
    "--subgroups",
    "subgroups_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="subgroups.toml with the rules to try.",
)
@pass_state
@friendly
def match(state: State, subgroups_file: Path) -> None:
    """Tag JSON Lines postings from stdin with the rules in --subgroups FILE (and the
    vocabulary of [tagging] vocabulary when a config is given or ./jobdigest.toml exists).

    Input lines: {"id", "title", "description"?, "company"?, "location"?}, or the lines of
    `jobdigest parse` (each posting inside is tagged), so `jobdigest parse *.eml | jobdigest
    match --subgroups subgroups.toml` works. Output, one line per posting, in order:
    {"id", "title", "tags": [{"subgroup", "role", "score", "why"}]}; a posting from a parse
    line has the id FILE#N (its place in that file) and "file"."""
    from digest.tagging.compile import build_matcher
    from digest.tagging.rules import parse_subgroups_toml

    rules = parse_subgroups_toml(_read(subgroups_file), str(subgroups_file))
    matcher = build_matcher(rules, state.cfg_if_any())
    bad = 0
    for lineno, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            postings = _postings_of(json.loads(line))
        except ValueError as exc:
            err.print(f"stdin: line {lineno}: {exc}", highlight=False, markup=False)
            bad += 1
            continue
        for posting in postings:
            click.echo(json.dumps(_tagged(matcher, posting), ensure_ascii=False))
    if bad:
        sys.exit(2)


def _postings_of(record: object) -> list[dict]:
    """The postings one input line holds: itself, or the `postings` of a `jobdigest parse` line."""
    if not isinstance(record, dict):
        raise ValueError("expected a JSON object with a 'title' (or a line of `jobdigest parse`)")
    if "postings" in record and isinstance(record["postings"], list):
        file = record.get("file")
        out = []
        for n, posting in enumerate(record["postings"], start=1):
            if not isinstance(posting, dict):
                raise ValueError(f"postings[{n - 1}]: expected an object")
            out.append({"id": posting.get("id") or f"{file}#{n}", "file": file, **posting})
        return out
    if not isinstance(record.get("title", ""), str):
        raise ValueError("expected an object with a string 'title'")
    return [record]


def _tagged(matcher: Matcher, posting: dict) -> dict:
    """One output line: the posting's id, title (and file) with its tags."""
    tags = matcher.match(str(posting.get("title") or ""), str(posting.get("description") or ""))
    record = {"id": posting.get("id"), "title": posting.get("title") or ""}
    if posting.get("file") is not None:
        record["file"] = posting["file"]
    record["tags"] = [
        {"subgroup": t.subgroup, "role": t.role, "score": round(t.score, 4), "why": list(t.why)}
        for t in tags
    ]
    return record
