"""`jobdigest sheet` and `jobdigest stats`: the weekly table sheet and what leads led to."""

from __future__ import annotations

from pathlib import Path

import click

from digest.cli.base import State, _show_rows, friendly, out, pass_state


@click.command(short_help="The weekly table sheet of a sub-group (PDF or HTML).")
@click.argument("subgroup")
@click.option("--week", metavar="2026-W48", help="The ISO week (default: this week).")
@click.option(
    "--out",
    "out_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="FILE.pdf (typeset by WeasyPrint) or FILE.html.",
)
@pass_state
@friendly
def sheet(state: State, subgroup: str, week: str | None, out_file: Path) -> None:
    """The table sheet for SUBGROUP's weekly meeting: each member's name, pitch and target
    companies on one line, the week's leads with their inside contacts, open introduction
    requests and landings.

    \b
    Examples:
      jobdigest sheet Marketing --out marketing.pdf
      jobdigest sheet IT --week 2026-W48 --out it.html"""
    from digest.reports.sheet import build_sheet, find_subgroup, write_sheet

    with state.db.session() as session:
        group = find_subgroup(session, subgroup)
        result = build_sheet(session, state.cfg, group, week)
    out.print(write_sheet(result, out_file), highlight=False)


@click.command(short_help="What the group's leads led to, per sub-group.")
@click.option("--weeks", default=8, show_default=True, type=click.IntRange(1, 104))
@click.option("--subgroup", metavar="NAME", help="Only this sub-group.")
@pass_state
@friendly
def stats(state: State, weeks: int, subgroup: str | None) -> None:
    """Leads per week by source and sharer, what members applied to, interviewed for and
    landed, tag precision from "not relevant" feedback and time to landing, per sub-group.
    The web app shows the same with charts (a lead's page, "What leads learn")."""
    from digest.reports.sheet import find_subgroup
    from digest.reports.stats import all_stats, group_stats, summary_lines

    with state.db.session() as session:
        if subgroup:
            results = [group_stats(session, state.cfg, find_subgroup(session, subgroup), weeks)]
        else:
            results = all_stats(session, state.cfg, weeks)
        rows = []
        for r in results:
            p = "" if r.precision is None else f"{r.precision:.0%}"
            top = ", ".join(f"{n} ({c})" for n, c in r.sharers[:3])
            rows.append([r.subgroup, r.leads, r.outcomes["applied"], r.outcomes["interviewing"],
                         r.outcomes["hired"], r.landings, p, top])  # fmt: skip
    columns = ["Sub-group", "Leads", "Applied", "Interviewing", "Hired", "Landed", "Precision",
               "Top sharers"]  # fmt: skip
    _show_rows(f"What leads led to (last {weeks} weeks)", columns, rows)
    if out.is_terminal:
        for r in results:
            out.print(f"{r.subgroup}: " + "; ".join(summary_lines(r)), highlight=False)
