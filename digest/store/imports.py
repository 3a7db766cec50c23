"""Members (CSV) and sub-groups (TOML) in and out: idempotent, all-or-nothing, errors by line."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from digest.errors import UserError
from digest.store.members import EMAIL_RE, set_targets
from digest.store.models import Member, PastEmployer, Role, Subgroup
from digest.tagging.rules import SubgroupSpec
from parsers.company import normalize_company

MEMBER_COLUMNS = ("email", "name", "subgroups", "past_employers", "keywords", "location", "targets")


@dataclass
class MemberRow:
    line: int
    email: str
    name: str
    subgroups: list[str]
    past_employers: list[str]
    keywords: list[str]
    location: str
    #: target companies; None when the file has no `targets` column (the field is left alone)
    targets: list[str] | None = None


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split(";") if v.strip()]


def parse_members_csv(text: str, where: str = "members.csv") -> list[MemberRow]:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise UserError(
            f"{where}: empty file (expected header {','.join(MEMBER_COLUMNS)})"
        ) from None
    if "email" not in header:
        raise UserError(f"{where}: line 1: header must name the columns {','.join(MEMBER_COLUMNS)}")
    unknown = [h for h in header if h not in MEMBER_COLUMNS]
    if unknown:
        raise UserError(
            f"{where}: line 1: unknown column {unknown[0]!r} (expected {','.join(MEMBER_COLUMNS)})"
        )
    rows: list[MemberRow] = []
    seen: dict[str, int] = {}
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            raise UserError(
                f"{where}: line {line}: expected {len(header)} columns, found {len(values)}"
            )
        rec = dict(zip(header, (v.strip() for v in values), strict=True))
        email = rec.get("email", "").lower()
        if not EMAIL_RE.match(email):
            raise UserError(f"{where}: line {line}, column email: not an email address: {email!r}")
        if email in seen:
            raise UserError(
                f"{where}: line {line}, column email: {email} already on line {seen[email]}"
            )
        seen[email] = line
        rows.append(
            MemberRow(
                line=line,
                email=email,
                name=rec.get("name", ""),
                subgroups=_split(rec.get("subgroups", "")),
                past_employers=_split(rec.get("past_employers", "")),
                keywords=_split(rec.get("keywords", "")),
                location=rec.get("location", ""),
                targets=_split(rec["targets"]) if "targets" in rec else None,
            )
        )
    return rows


def _subgroups_by_name(session: Session) -> dict[str, Subgroup]:
    return {s.name.casefold(): s for s in session.scalars(select(Subgroup))}


def import_members(
    session: Session, rows: list[MemberRow], where: str = "members.csv"
) -> tuple[int, int]:
    """Create or update members; returns (created, updated). The caller's transaction makes it atomic."""
    groups = _subgroups_by_name(session)
    existing = {m.email: m for m in session.scalars(select(Member))}
    created = updated = 0
    for row in rows:
        missing = [s for s in row.subgroups if s.casefold() not in groups]
        if missing:
            known = (
                ", ".join(sorted(g.name for g in groups.values()))
                or "none yet: import subgroups first"
            )
            raise UserError(
                f"{where}: line {row.line}, column subgroups: unknown sub-group {missing[0]!r} (known: {known})"
            )
        member = existing.get(row.email)
        if member is None:
            member = Member(email=row.email)
            session.add(member)
            existing[row.email] = member
            created += 1
        else:
            updated += 1
        member.name = row.name
        member.keywords = row.keywords
        member.location = row.location
        member.subgroups = [groups[s.casefold()] for s in row.subgroups]
        member.employers = [
            PastEmployer(name=e, company_key=normalize_company(e)) for e in row.past_employers
        ]
        if row.targets is not None:
            set_targets(member, row.targets)
    session.flush()
    return created, updated


def import_subgroups(session: Session, specs: list[SubgroupSpec]) -> tuple[int, int]:
    groups = _subgroups_by_name(session)
    members = {m.email: m for m in session.scalars(select(Member))}
    created = updated = 0
    for spec in specs:
        sg = groups.get(spec.name.casefold())
        if sg is None:
            sg = Subgroup(name=spec.name)
            session.add(sg)
            created += 1
        else:
            updated += 1
            old = [(r.phrase, r.synonyms, r.exclude, r.required) for r in sg.roles]
            new = [(r.phrase, r.synonyms, r.exclude, r.required) for r in spec.roles]
            if old != new or sg.exclude != spec.exclude:
                sg.rules_version += 1
        sg.name = spec.name
        sg.description = spec.description
        sg.exclude = spec.exclude
        sg.roles = [
            Role(
                phrase=r.phrase,
                synonyms=r.synonyms,
                exclude=r.exclude,
                required=r.required,
                position=i,
            )
            for i, r in enumerate(spec.roles)
        ]
        sg.leads = [members[e] for e in spec.leads if e in members]
    session.flush()
    return created, updated


def export_members(session: Session) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(MEMBER_COLUMNS)
    for m in session.scalars(select(Member).order_by(Member.email)):
        writer.writerow(
            [
                m.email,
                m.name,
                ";".join(s.name for s in m.subgroups),
                ";".join(e.name for e in m.employers),
                ";".join(m.keywords),
                m.location,
                ";".join(t.name for t in m.targets),
            ]
        )
    return out.getvalue()


def _toml_str(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _toml_list(values: list[str]) -> str:
    return "[" + ", ".join(_toml_str(v) for v in values) + "]"


def _role_toml(role: Role) -> str:
    if not (role.synonyms or role.exclude or role.required):
        return _toml_str(role.phrase)
    parts = [f"phrase = {_toml_str(role.phrase)}"]
    parts += [
        f"{k} = {_toml_list(getattr(role, k))}"
        for k in ("synonyms", "exclude", "required")
        if getattr(role, k)
    ]
    return "{ " + ", ".join(parts) + " }"


def export_subgroups(session: Session) -> str:
    chunks = ["# Sub-groups and their target roles (jobdigest subgroups export)\n"]
    for sg in session.scalars(select(Subgroup).order_by(Subgroup.name)):
        lines = ["[[subgroup]]", f"name = {_toml_str(sg.name)}"]
        if sg.description:
            lines.append(f"description = {_toml_str(sg.description)}")
        lines.append("roles = [\n" + "".join(f"  {_role_toml(r)},\n" for r in sg.roles) + "]")
        if sg.exclude:
            lines.append(f"exclude = {_toml_list(sg.exclude)}")
        if sg.leads:
            lines.append(f"leads = {_toml_list([m.email for m in sg.leads])}")
        chunks.append("\n".join(lines) + "\n")
    return "\n".join(chunks)
