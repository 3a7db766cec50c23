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

    Input lines: {"id", "title", "description"?, "company"?, "location"?}.
    Output, one line each, in order: {"id", "tags": [{"subgroup", "role", "score", "why"}]}."""
    from digest.tagging.compile import build_matcher
    from digest.tagging.rules import parse_subgroups_toml

    rules = parse_subgroups_toml(_read(subgroups_file), str(subgroups_file))
    matcher = build_matcher(rules, state.cfg_if_any())
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
        tags = matcher.match(posting.get("title") or "", str(posting.get("description") or ""))
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
