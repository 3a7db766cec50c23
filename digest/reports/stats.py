"""What the group's leads led to, per sub-group: counts a lead can act on, and small SVG charts.

- leads per week, by source (members' mail, feeds, each kind of job board) and by sharer;
- what members applied to, interviewed for and landed ("applied", "interviewing", "hired"
  feedback, and landings);
- tag precision: of the sub-group's postings that its members gave feedback on, the share
  nobody called "not relevant" (postings a lead took out as "not for my sub-group" count as
  wrong tags) — low precision means the target roles need sharper rules;
- time to landing: median days from a lead's first sighting to the landing, and from joining.

Sharers are named only when they show their name; charts are plain server-rendered SVG.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import escape

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from digest.config import Config
from digest.delivery.periods import period_of, period_start
from digest.formatting import plural
from digest.store.models import (
    Feedback,
    Landing,
    Member,
    MemberSubgroup,
    Posting,
    Sighting,
    Source,
    Subgroup,
    SubgroupExclusion,
    Tag,
)
from digest.store.statuses import FeedbackKind, PostingStatus, SourceKind

OUTCOMES = (FeedbackKind.APPLIED, FeedbackKind.INTERVIEWING, FeedbackKind.HIRED)
PALETTE = ("#1f6feb", "#2da44e", "#bf8700", "#cf222e", "#8250df", "#57606a", "#0a7d8c")


@dataclass
class GroupStats:
    subgroup: str
    weeks: list[str]
    by_source: dict[str, dict[str, int]] = field(default_factory=dict)  # week -> source -> n
    sharers: list[tuple[str, int]] = field(default_factory=list)
    outcomes: dict[str, int] = field(default_factory=dict)
    landings: int = 0
    rated: int = 0  # postings the sub-group's members gave feedback on
    not_relevant: int = 0
    #: postings a lead took out of the sub-group ("not for my sub-group"): tags that were wrong
    taken_out: int = 0
    days_from_lead: float | None = None
    days_from_joining: float | None = None

    @property
    def leads(self) -> int:
        return sum(sum(v.values()) for v in self.by_source.values())

    @property
    def precision(self) -> float | None:
        judged = self.rated + self.taken_out
        return None if not judged else (self.rated - self.not_relevant) / judged

    @property
    def sources(self) -> list[str]:
        seen: Counter[str] = Counter()
        for counts in self.by_source.values():
            seen.update(counts)
        return [s for s, _ in seen.most_common()]


def recent_weeks(cfg: Config, count: int, until: datetime | None = None) -> list[str]:
    """The last `count` ISO weeks, oldest first, ending with this one."""
    now = until or datetime.now(UTC)
    return [period_of(now - timedelta(weeks=i), cfg.tz) for i in range(count - 1, -1, -1)]


def group_stats(session: Session, cfg: Config, group: Subgroup, weeks: int = 8) -> GroupStats:
    names = recent_weeks(cfg, weeks)
    stats = GroupStats(group.name, names)
    begin = _naive(period_start(names[0], cfg.tz))
    tagged = select(Tag.posting_id).where(Tag.subgroup_id == group.id, Tag.current)
    members = select(MemberSubgroup.member_id).where(MemberSubgroup.subgroup_id == group.id)
    _count_leads(session, cfg, stats, tagged, begin)
    _count_feedback(session, stats, tagged, members)
    stats.taken_out = session.scalar(
        select(func.count()).where(SubgroupExclusion.subgroup_id == group.id)
    )
    _count_landings(session, stats, members, begin)
    return stats


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def _count_leads(session: Session, cfg: Config, stats: GroupStats, tagged, begin) -> None:  # type: ignore[no-untyped-def]
    """Each posting counted once, in the week it was first seen, under its first source."""
    stats.by_source = {w: {} for w in stats.weeks}
    rows = session.execute(
        select(Posting.id, Posting.first_seen, Sighting.member_id, Source.kind, Member)
        .outerjoin(Sighting, Sighting.posting_id == Posting.id)
        .outerjoin(Source, Source.id == Sighting.source_id)
        .outerjoin(Member, Member.id == Sighting.member_id)
        .where(
            Posting.id.in_(tagged),
            Posting.first_seen >= begin,
            Posting.status != PostingStatus.MERGED,
        )
        .order_by(Posting.id, Sighting.seen_at, Sighting.id)
    )
    seen: set[int] = set()
    sharers: Counter[str] = Counter()
    sharer_seen: set[tuple[int, int]] = set()
    for pid, first_seen, member_id, kind, member in rows:
        if member is not None and (pid, member.id) not in sharer_seen:
            sharer_seen.add((pid, member.id))
            sharers[member.display_name if member.show_name else "members who stay anonymous"] += 1
        if pid in seen:
            continue
        seen.add(pid)
        week = period_of(first_seen.replace(tzinfo=UTC), cfg.tz)
        source = (
            "members' mail"
            if member_id is not None or kind == SourceKind.IMAP
            else (kind or "other")
        )
        # (a posting with no sighting at all, e.g. entered by hand, counts as "other")
        counts = stats.by_source.setdefault(week, {})
        counts[source] = counts.get(source, 0) + 1
    stats.by_source = {w: stats.by_source.get(w, {}) for w in stats.weeks}
    stats.sharers = sharers.most_common(10)


def _count_feedback(session: Session, stats: GroupStats, tagged, members) -> None:  # type: ignore[no-untyped-def]
    rows = session.execute(
        select(Feedback.posting_id, Feedback.kind).where(
            Feedback.posting_id.in_(tagged), Feedback.member_id.in_(members)
        )
    )
    by_posting: dict[int, set[str]] = defaultdict(set)
    for pid, kind in rows:
        by_posting[pid].add(kind)
    stats.outcomes = {k: sum(1 for kinds in by_posting.values() if k in kinds) for k in OUTCOMES}
    stats.rated = len(by_posting)
    stats.not_relevant = sum(
        1 for kinds in by_posting.values() if FeedbackKind.NOT_RELEVANT in kinds
    )


def _count_landings(session: Session, stats: GroupStats, members, begin) -> None:  # type: ignore[no-untyped-def]
    rows = session.execute(
        select(Landing, Member.created_at, Posting.first_seen)
        .join(Member, Member.id == Landing.member_id)
        .outerjoin(Posting, Posting.id == Landing.posting_id)
        .where(Landing.member_id.in_(members))
    ).all()
    stats.landings = len(rows)
    from_lead = [(lnd.created_at - seen).days for lnd, _j, seen in rows if seen is not None]
    from_join = [(lnd.created_at - joined).days for lnd, joined, _s in rows if joined is not None]
    stats.days_from_lead = statistics.median(from_lead) if from_lead else None
    stats.days_from_joining = statistics.median(from_join) if from_join else None


def all_stats(session: Session, cfg: Config, weeks: int = 8) -> list[GroupStats]:
    groups = session.scalars(select(Subgroup).order_by(Subgroup.name))
    return [group_stats(session, cfg, g, weeks) for g in groups]


def weekly_chart(stats: GroupStats, width: int = 560, height: int = 180) -> str:
    """Stacked bars: leads per week by source, with a legend. Plain SVG, no script."""
    sources = stats.sources
    colors = {s: PALETTE[i % len(PALETTE)] for i, s in enumerate(sources)}
    top = max([sum(v.values()) for v in stats.by_source.values()] + [1])
    left, bottom, legend = 30, 28, 18 * max(1, (len(sources) + 2) // 3)
    plot_h = height - bottom - legend
    step = (width - left) / max(1, len(stats.weeks))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}">',
        f"<title>{escape(stats.subgroup)}: leads per week by source</title>",
        f'<text x="0" y="{legend + 10}" font-size="10">{top}</text>',
        f'<line x1="{left}" y1="{legend + plot_h}" x2="{width}" y2="{legend + plot_h}" stroke="#999"/>',
    ]
    for i, week in enumerate(stats.weeks):
        x = left + i * step + step * 0.15
        y = legend + plot_h
        for source in sources:
            n = stats.by_source[week].get(source, 0)
            if not n:
                continue
            h = plot_h * n / top
            y -= h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{step * 0.7:.1f}" height="{h:.1f}" '
                f'fill="{colors[source]}"><title>{escape(week)}: {n} from {escape(source)}</title></rect>'
            )
        parts.append(
            f'<text x="{x + step * 0.35:.1f}" y="{height - 10}" font-size="9" '
            f'text-anchor="middle">{escape(week[5:])}</text>'
        )
    for i, source in enumerate(sources):
        lx, ly = (i % 3) * (width // 3), (i // 3) * 18
        parts.append(f'<rect x="{lx}" y="{ly}" width="10" height="10" fill="{colors[source]}"/>')
        parts.append(f'<text x="{lx + 14}" y="{ly + 9}" font-size="10">{escape(source)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(title: str, rows: list[tuple[str, int]], width: int = 560) -> str:
    """Horizontal bars, one per row (sharers, outcomes)."""
    top = max([n for _, n in rows] + [1])
    height = 20 * len(rows) + 6
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}"><title>{escape(title)}</title>'
    ]
    for i, (label, n) in enumerate(rows):
        w = (width - 220) * n / top
        y = 4 + i * 20
        parts.append(f'<text x="0" y="{y + 12}" font-size="11">{escape(label[:30])}</text>')
        parts.append(f'<rect x="180" y="{y}" width="{w:.1f}" height="14" fill="#1f6feb"/>')
        parts.append(f'<text x="{184 + w:.1f}" y="{y + 12}" font-size="11">{n}</text>')
    parts.append("</svg>")
    return "".join(parts)


def summary_lines(stats: GroupStats) -> list[str]:
    """The numbers as sentences (the CLI and the page's text alternative)."""
    precision = "no feedback yet" if stats.precision is None else f"{stats.precision:.0%}"
    lines = [
        f"{stats.leads} leads in {len(stats.weeks)} weeks",
        "applied {applied}, interviewing {interviewing}, hired {hired}".format(**stats.outcomes),
        f"{stats.landings} landed",
        f"tag precision {precision} ({stats.not_relevant} of {stats.rated} rated postings"
        " called not relevant"
        + (f", {plural(stats.taken_out, 'posting')} taken out by a lead" if stats.taken_out else "")
        + ")",
    ]
    if stats.days_from_lead is not None:
        lines.append(f"median {stats.days_from_lead:g} days from lead to landing")
    if stats.days_from_joining is not None:
        lines.append(f"median {stats.days_from_joining:g} days from joining to landing")
    return lines
