"""The table sheet and "what leads learn" for a sub-group's lead: server-rendered, read-only."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template, request, url_for
from markupsafe import Markup

from digest.reports.sheet import build_sheet, pdf_bytes, render_sheet
from digest.reports.stats import bar_chart, group_stats, summary_lines, weekly_chart
from digest.store.models import Subgroup
from digest.web.context import db_session, lead_required, state

bp = Blueprint("reports", __name__, url_prefix="/lead")


def _sheet_html(group: Subgroup) -> str:
    links = {
        "week": url_for("lead.week", subgroup_id=group.id),
        "stats": url_for("reports.stats", subgroup_id=group.id),
        "pdf": url_for("reports.sheet_pdf", subgroup_id=group.id, week=request.args.get("week")),
    }
    sheet = build_sheet(db_session(), state().cfg, group, request.args.get("week") or None)
    return render_sheet(sheet, web=links)


@bp.get("/<int:subgroup_id>/sheet")
@lead_required
def sheet(group: Subgroup) -> Any:
    """The weekly table sheet; print it from the browser (print styles) or take the PDF."""
    return _sheet_html(group)


@bp.get("/<int:subgroup_id>/sheet.pdf")
@lead_required
def sheet_pdf(group: Subgroup) -> Any:
    sheet = build_sheet(db_session(), state().cfg, group, request.args.get("week") or None)
    data = pdf_bytes(render_sheet(sheet))
    name = f"{group.name}-{sheet.period}.pdf".replace(" ", "-")
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )


@bp.get("/<int:subgroup_id>/stats")
@lead_required
def stats(group: Subgroup) -> Any:
    """What this sub-group's leads led to, with small SVG charts (no script)."""
    result = group_stats(db_session(), state().cfg, group)
    outcomes = [(k.capitalize(), result.outcomes[k]) for k in result.outcomes]
    outcomes.append(("Landed", result.landings))
    return render_template(
        "web/lead/stats.html",
        group=group,
        stats=result,
        lines=summary_lines(result),
        weekly=Markup(weekly_chart(result)),  # noqa: S704 - built from escaped parts
        outcomes=Markup(bar_chart("What members did with the leads", outcomes)),  # noqa: S704
        sharers=Markup(bar_chart("Leads shared, by member", result.sharers))  # noqa: S704
        if result.sharers
        else "",
    )
