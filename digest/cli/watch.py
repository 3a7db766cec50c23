"""`jobdigest watch`: career sites to watch (Workday, Ashby, SmartRecruiters, Workable, ...)."""

from __future__ import annotations

import click

from digest.cli.base import State, _show_rows, _when, friendly, out, pass_state


@click.group(short_help="Career sites to watch (Workday, Ashby, ...).")
def watch() -> None:
    """Career sites of companies members target, fetched with the feeds and boards.

    \b
    Any careers URL works: the job list, one job's page, an apply form, with a locale or not.
    Examples:
      jobdigest watch add "Sabre" https://sabre.wd1.myworkdayjobs.com/SabreJobs
      jobdigest watch add "Acme" https://jobs.ashbyhq.com/acme/7458d4e9-da2e-47bd-98cb-adfda43d42b2
      jobdigest watch list
      jobdigest watch remove Sabre"""


@watch.command("add")
@click.argument("name")
@click.argument("url")
@pass_state
@friendly
def watch_add(state: State, name: str, url: str) -> None:
    """Watch NAME's career site at URL (any page of it); the next fetch reads its jobs."""
    from digest.sources.watches import add_watch, site_of

    site = site_of(url)  # a URL that names no known career site fails before the database
    with state.db.session() as session:
        source, created = add_watch(session, name, url, site=site)
        sid, company = source.id, source.name
    verb = "Watching" if created else "Already watching"
    out.print(
        f"{verb} {company}: {site.describe()} (source {sid}); "
        f"the next `jobdigest fetch` reads {site.careers_url}",
        highlight=False,
    )


@watch.command("list")
@pass_state
@friendly
def watch_list(state: State) -> None:
    """List watched career sites with their health."""
    from digest.sources.watches import list_watches
    from parsers.careers import label

    with state.db.session() as session:
        rows = [
            [
                s.id,
                s.name,
                label(s.kind),
                s.careers_url,
                _when(s.last_success),
                f"{s.consecutive_failures}x" if s.consecutive_failures else "",
                "paused" if s.paused else _when(s.next_attempt) or "now",
                (s.last_error or "")[:200],
            ]
            for s in list_watches(session)
        ]
    if not rows:
        out.print('No career sites watched yet: jobdigest watch add "Company" URL')
        return
    columns = ["id", "company", "system", "careers URL", "last success", "failing", "next"]
    _show_rows("Watched career sites", [*columns, "last error"], rows)


@watch.command("remove")
@click.argument("ref")
@pass_state
@friendly
def watch_remove(state: State, ref: str) -> None:
    """Stop watching REF: a watch's id, its company name or its careers URL."""
    from digest.sources.watches import remove_watch

    with state.db.session() as session:
        source = remove_watch(session, ref)
        sid, company = source.id, source.name
    out.print(f"No longer watching {company} (source {sid}); its postings stay.", highlight=False)
