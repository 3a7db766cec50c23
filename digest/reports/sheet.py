"""The table sheet for a sub-group's weekly meeting: one page to print and pass around.

Each member's name, pitch and target companies on one line; the week's leads for the sub-group
with their inside contacts; open introduction requests; landings the members let the group
celebrate. The same HTML is the web page (with print styles) and, through WeasyPrint, the PDF.
Only what members opted into is shown: inside contacts who chose to be shown, celebrated
landings, sharers' names only when they show them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from digest.config import Config
from digest.delivery.periods import period_of, window
from digest.delivery.render import environment
from digest.errors import UserError
from digest.store.intros import celebrations, pitch_of
from digest.store.models import IntroRequest, Landing, Member, PastEmployer, Posting, Subgroup, Tag
from digest.store.statuses import MEMBERS_GONE, IntroStatus, PostingStatus
from parsers.company import normalize_company

MAX_LEADS = 60


@dataclass
class SheetMember:
    name: str
    pitch: str
    targets: list[str]
    landed: bool


@dataclass
class SheetLead:
    title: str
    company: str
    location: str
    role: str
    link: str
    contacts: list[str]


@dataclass
class Sheet:
    group: str
    subgroup: str
    period: str
    members: list[SheetMember] = field(default_factory=list)
    leads: list[SheetLead] = field(default_factory=list)
    intros: list[str] = field(default_factory=list)
    landings: list[str] = field(default_factory=list)


def find_subgroup(session: Session, name: str) -> Subgroup:
    """The sub-group by name, any case; a clear error listing the known ones otherwise."""
    found = session.scalar(select(Subgroup).where(func.lower(Subgroup.name) == name.lower()))
    if found is None:
        known = ", ".join(session.scalars(select(Subgroup.name).order_by(Subgroup.name)))
        raise UserError(f"SUBGROUP: no sub-group named {name!r} (known: {known or 'none yet'})")
    return found


def build_sheet(session: Session, cfg: Config, group: Subgroup, period: str | None) -> Sheet:
    """Everything the sheet shows for one sub-group and week (default: this week)."""
    period = period or period_of(datetime.now(UTC), cfg.tz)
    begin, end = window(period, cfg.tz, cfg.digest.period_days)
    sheet = Sheet(cfg.group.name, group.name, period)
    members = [m for m in _members(session, group) if m.status not in MEMBERS_GONE]
    ids = {m.id for m in members}
    celebrated = set(
        session.scalars(
            select(Landing.member_id).where(Landing.celebrate, Landing.member_id.in_(ids))
        )
    )  # a landing kept private is not marked
    for m in members:
        targets = [t.name for t in m.targets]
        sheet.members.append(SheetMember(m.display_name, pitch_of(m), targets, m.id in celebrated))
    sheet.leads = _leads(session, group, begin, end)
    sheet.intros = _open_intros(session, ids)
    # this sub-group's members' landings (the digest celebrates them group-wide)
    sheet.landings = [str(c) for c in celebrations(session, begin, end) if c.member_id in ids]
    return sheet


def _members(session: Session, group: Subgroup) -> list[Member]:
    query = (
        select(Member)
        .where(Member.subgroups.any(Subgroup.id == group.id))
        .options(selectinload(Member.targets))
        .order_by(func.lower(Member.name), Member.email)
    )
    return list(session.scalars(query))


def _leads(session: Session, group: Subgroup, begin: datetime, end: datetime) -> list[SheetLead]:
    rows = session.execute(
        select(Posting, Tag.role)
        .join(Tag, Tag.posting_id == Posting.id)
        .where(
            Tag.subgroup_id == group.id,
            Tag.current,
            Posting.status == PostingStatus.ACTIVE,
            Posting.held.is_(False),
            Posting.first_seen >= begin,
            Posting.first_seen < end,
        )
        .order_by(Tag.score.desc(), Posting.id)
        .limit(MAX_LEADS)
    ).all()
    contacts = _contacts(session, {p.company_key or normalize_company(p.company) for p, _ in rows})
    out = []
    for posting, role in rows:
        key = posting.company_key or normalize_company(posting.company)
        out.append(
            SheetLead(
                posting.title or "Job posting",
                posting.company,
                posting.location,
                role,
                posting.canonical_url or posting.url,
                contacts.get(key, []) if key else [],
            )
        )
    return out


def _contacts(session: Session, keys: set[str]) -> dict[str, list[str]]:
    """company key -> 'Dan Whitaker (works there)' for members who show their employers."""
    out: dict[str, list[str]] = {}
    keys.discard("")
    if not keys:
        return out
    rows = session.execute(
        select(PastEmployer, Member)
        .join(Member, Member.id == PastEmployer.member_id)
        .where(Member.contact_opt_in, Member.status.not_in(MEMBERS_GONE))
        .order_by(Member.name)
    )
    for employer, member in rows:
        key = normalize_company(employer.name) or employer.company_key
        if key in keys:
            label = member.display_name + (" (works there)" if employer.current else "")
            if label not in out.setdefault(key, []):
                out[key].append(label)
    return out


def _open_intros(session: Session, ids: set[int]) -> list[str]:
    if not ids:
        return []
    rows = session.scalars(
        select(IntroRequest)
        .where(IntroRequest.asker_id.in_(ids), IntroRequest.status == IntroStatus.PENDING)
        .order_by(IntroRequest.created_at)
    )
    return [
        f"{r.asker.display_name} asked {r.contact.display_name} about "
        f"{r.posting.company or 'a company'} ({r.posting.title})"
        + ("" if r.mailed_at else " (not mailed yet)")
        for r in rows
    ]


def render_sheet(sheet: Sheet, web: dict[str, str] | None = None) -> str:
    """The sheet as a complete HTML page (print styles included); `web`: the page's links."""
    return environment().get_template("web/lead/sheet.html").render(sheet=sheet, web=web)


def write_sheet(sheet: Sheet, out: Path) -> str:
    """Write FILE.html or FILE.pdf; what was written, for the command's one line."""
    suffix = out.suffix.lower()
    if suffix not in (".pdf", ".html", ".htm"):
        raise UserError(f"--out {out}: expected a file ending in .pdf or .html")
    html = render_sheet(sheet)
    try:
        if suffix == ".pdf":
            out.write_bytes(pdf_bytes(html))
        else:
            out.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"--out {out}: cannot write: {exc.strerror or exc}") from None
    return f"{out}: {len(sheet.members)} members, {len(sheet.leads)} leads, week {sheet.period}"


def pdf_bytes(html: str) -> bytes:
    """The page typeset by WeasyPrint (A4/Letter from the page's @page rule)."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:
        raise UserError(
            "PDF output needs WeasyPrint and Debian's libpango "
            f"(pip install 'jobdigest[pdf]'; apt-get install libpango-1.0-0 libpangoft2-1.0-0): {exc}"
        ) from None
    return HTML(string=html).write_pdf()
