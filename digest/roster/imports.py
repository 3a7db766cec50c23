"""Members (CSV) and sub-groups (TOML) in and out: idempotent, all-or-nothing, errors by line."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from digest.errors import UserError
from digest.store.members import EMAIL_RE, control_char_error, set_targets
from digest.store.models import Member, PastEmployer, Recruiter, Role, Subgroup
from digest.store.roster import new_member, set_leads, waiting_leads
from digest.store.statuses import MemberStatus
from digest.tagging.rules import RoleRule, SubgroupRules
from parsers.company import normalize_company

MEMBER_COLUMNS = (
    "email",
    "name",
    "subgroups",
    "past_employers",
    "keywords",
    "location",
    "inside_contact",
    "targets",
    "pitch",
)
#: a pitch is a few sentences: who they are, what they look for
PITCH_MAX = 300
YES = frozenset({"yes", "y", "true", "1", "x"})
NO = frozenset({"no", "n", "false", "0", ""})


@dataclass
class MemberRow:
    """One CSV row; None is a column the file does not have, which leaves the field alone."""

    line: int
    email: str
    name: str | None = None
    subgroups: list[str] | None = None
    past_employers: list[str] | None = None
    keywords: list[str] | None = None
    location: str | None = None
    inside_contact: bool | None = None
    #: target companies (';'-separated in the file)
    targets: list[str] | None = None
    #: who they are and what they want, their own words (at most PITCH_MAX characters)
    pitch: str | None = None


@dataclass
class ImportReport:
    """What an import did (or, with --dry-run, would do): counts and one line per change."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    changes: list[str] = field(default_factory=list)


#: a cell starting with one of these is a formula to a spreadsheet (OWASP's CSV injection list)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: str) -> str:
    """A cell a spreadsheet shows as text: a leading single quote before a formula start.
    Quotes already there count too, so unescape_cell gives back exactly what was exported."""
    return "'" + value if value.lstrip("'").startswith(FORMULA_START) else value


def unescape_cell(value: str) -> str:
    """The value escape_cell was given (a cell a spreadsheet or `members export` wrote)."""
    if value.startswith("'") and value.lstrip("'").startswith(FORMULA_START):
        return value[1:]
    return value


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split(";") if v.strip()]


def _check_one_line(rec: dict[str, str], where: str, line: int) -> None:
    """A quoted cell may hold a line break; names end up in mail headers, so none may."""
    for column, value in rec.items():
        problem = control_char_error(value)
        if problem:
            raise UserError(f"{where}: line {line}, column {column}: {problem}")


def _yes_no(value: str, where: str, line: int) -> bool:
    word = value.strip().lower()
    if word in YES:
        return True
    if word in NO:
        return False
    raise UserError(
        f"{where}: line {line}, column inside_contact: expected yes or no, got {value!r}"
    )


def parse_members_csv(text: str, where: str = "members.csv") -> list[MemberRow]:
    """Rows of members.csv. Only `email` is required; a column the file lacks is None in
    every row (left alone by the import), an empty cell is an empty value (clears the field)."""
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
    ended = reader.line_num
    for values in reader:
        line, starts, ended = reader.line_num, ended + 1, reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            raise UserError(
                f"{where}: line {line}: expected {len(header)} columns, found {len(values)}"
            )
        rec = dict(zip(header, (unescape_cell(v.strip()) for v in values), strict=True))
        _check_one_line(rec, where, starts)  # a quoted cell may span lines
        email = rec.get("email", "").lower()
        if not EMAIL_RE.match(email):
            raise UserError(f"{where}: line {line}, column email: not an email address: {email!r}")
        if email in seen:
            raise UserError(
                f"{where}: line {line}, column email: {email} already on line {seen[email]}"
            )
        seen[email] = line
        lists = {
            k: _split(rec[k])
            for k in ("subgroups", "past_employers", "keywords", "targets")
            if k in rec
        }
        pitch = rec.get("pitch")
        if pitch is not None and len(pitch) > PITCH_MAX:
            raise UserError(
                f"{where}: line {line}, column pitch: {len(pitch)} characters, at most "
                f"{PITCH_MAX} (shorten it to a sentence or two)"
            )
        rows.append(
            MemberRow(
                line=line,
                email=email,
                name=rec.get("name"),
                pitch=pitch,
                location=rec.get("location"),
                inside_contact=(
                    _yes_no(rec["inside_contact"], where, line) if "inside_contact" in rec else None
                ),
                **lists,
            )
        )
    return rows


def _subgroups_by_name(session: Session) -> dict[str, Subgroup]:
    return {s.name.casefold(): s for s in session.scalars(select(Subgroup))}


def _shown(values: list[str] | str | bool) -> str:
    if isinstance(values, bool):
        return "yes" if values else "no"
    text = "; ".join(values) if isinstance(values, list) else values
    return repr(text) if text else "(empty)"


def _list_change(label: str, old: list[str], new: list[str]) -> str:
    """'sub-groups +IT -Marketing': what a person checks when an import surprises them."""
    if old == new:
        return ""
    if not new:
        return f"{label} cleared (was {_shown(old)})"
    folded_old, folded_new = {v.casefold() for v in old}, {v.casefold() for v in new}
    added = [v for v in new if v.casefold() not in folded_old]
    gone = [v for v in old if v.casefold() not in folded_new]
    if not added and not gone:
        return f"{label} {_shown(old)} -> {_shown(new)}"
    return " ".join([label, *(f"+{v}" for v in added), *(f"-{v}" for v in gone)])


def _apply_member(member: Member, row: MemberRow, groups: dict[str, Subgroup]) -> list[str]:
    """Set the fields the row has; the changes, in words."""
    changes: list[str] = []
    if row.name is not None and row.name != member.name:
        changes.append(f"name {_shown(member.name)} -> {_shown(row.name)}")
        member.name = row.name
    if row.location is not None and row.location != member.location:
        changes.append(f"location {_shown(member.location)} -> {_shown(row.location)}")
        member.location = row.location
    if row.keywords is not None:
        changes.append(_list_change("keywords", list(member.keywords), row.keywords))
        member.keywords = row.keywords
    if row.subgroups is not None:
        wanted = list({id(g): g for g in (groups[s.casefold()] for s in row.subgroups)}.values())
        if {id(g) for g in member.subgroups} != {id(g) for g in wanted}:
            old = [g.name for g in member.subgroups]
            changes.append(_list_change("sub-groups", old, [g.name for g in wanted]))
            member.subgroups = wanted
    if row.past_employers is not None:
        old = [e.name for e in member.employers]
        changes.append(_list_change("past employers", old, row.past_employers))
        if old != row.past_employers:
            member.employers = [
                PastEmployer(name=e, company_key=normalize_company(e)) for e in row.past_employers
            ]
    if row.inside_contact is not None and row.inside_contact != member.contact_opt_in:
        changes.append(
            f"inside contact {_shown(member.contact_opt_in)} -> {_shown(row.inside_contact)}"
        )
        member.contact_opt_in = row.inside_contact
    if row.targets is not None:
        changes.append(_list_change("targets", [t.name for t in member.targets], row.targets))
        set_targets(member, row.targets)
    if row.pitch is not None and row.pitch != member.pitch:
        changes.append("pitch cleared" if not row.pitch else "pitch changed")
        member.pitch = row.pitch
    return [c for c in changes if c]


def import_members(
    session: Session,
    rows: list[MemberRow],
    where: str = "members.csv",
    inside_contacts_default: bool = False,
) -> ImportReport:
    """Create or update members; the caller's transaction makes it all-or-nothing.

    A new member's inside-contact choice is the row's, else `inside_contacts_default` ([group]
    inside_contacts_default: the group's members agreed), else no."""
    groups = _subgroups_by_name(session)
    existing = {m.email.lower(): m for m in session.scalars(select(Member))}
    waiting = waiting_leads(session)
    report = ImportReport()
    for row in rows:
        missing = [s for s in row.subgroups or [] if s.casefold() not in groups]
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
            member = new_member(
                session,
                row.email,
                inside_contacts_default=inside_contacts_default,
                waiting=waiting,
            )
            existing[row.email] = member
            _apply_member(member, row, groups)
            report.created += 1
            leads = [g.name for g in groups.values() if member in g.leads]
            report.changes.append(
                f"+ {row.email}: new member"
                + (f", lead of {', '.join(sorted(leads))}" if leads else "")
            )
            continue
        changes = _apply_member(member, row, groups)
        if changes and member.status == MemberStatus.REMOVED:
            changes.append("still removed (Resume on the Members page brings them back)")
        if changes:
            report.updated += 1
            report.changes.append(f"~ {row.email}: " + "; ".join(changes))
        else:
            report.unchanged += 1
    session.flush()
    return report


def _role_key(r: Role | RoleRule) -> tuple[str, list[str], list[str], list[str]]:
    return (r.phrase, list(r.synonyms), list(r.exclude), list(r.required))


def _losses(sg: Subgroup, spec: SubgroupRules) -> list[str]:
    """What importing `spec` would take from the stored sub-group: roles and leads."""
    lost = []
    if "roles" in spec.present:
        kept = {r.phrase.casefold() for r in spec.roles}
        roles = [r.phrase for r in sg.roles if r.phrase.casefold() not in kept]
        if roles:
            lost.append(f"{len(roles)} target role(s) ({', '.join(roles)})")
    if "leads" in spec.present:
        kept_leads = set(spec.leads)
        leads = [m.email for m in sg.leads] + list(sg.pending_leads or [])
        gone = [e for e in leads if e.lower() not in kept_leads]
        if gone:
            lost.append(f"{len(gone)} lead(s) ({', '.join(gone)})")
    return lost


def _apply_subgroup(session: Session, sg: Subgroup, spec: SubgroupRules) -> list[str]:
    """Set the keys the file gave; the changes, in words."""
    changes: list[str] = []
    rules_changed = False
    if "description" in spec.present and sg.description != spec.description:
        changes.append("description changed")
        sg.description = spec.description
    if "exclude" in spec.present and list(sg.exclude) != list(spec.exclude):
        changes.append(_list_change("exclude", list(sg.exclude), list(spec.exclude)))
        sg.exclude = list(spec.exclude)
        rules_changed = True
    if "roles" in spec.present and [_role_key(r) for r in sg.roles] != [
        _role_key(r) for r in spec.roles
    ]:
        old = [r.phrase for r in sg.roles]
        change = _list_change("roles", old, [r.phrase for r in spec.roles])
        changes.append(change if change else "roles: synonyms, excludes or order changed")
        sg.roles = [
            Role(
                phrase=r.phrase,
                synonyms=list(r.synonyms),
                exclude=list(r.exclude),
                required=list(r.required),
                position=i,
            )
            for i, r in enumerate(spec.roles)
        ]
        rules_changed = True
    if "leads" in spec.present:
        old_leads = [m.email for m in sg.leads] + list(sg.pending_leads or [])
        pending = set_leads(session, sg, list(spec.leads))
        changes.append(_list_change("leads", old_leads, list(spec.leads)))
        if pending:
            changes.append("not members yet (linked when they are imported): " + ", ".join(pending))
    if rules_changed and sg.id is not None:
        sg.rules_version += 1
    return [c for c in changes if c]


def import_subgroups(
    session: Session,
    specs: list[SubgroupRules],
    replace: bool = False,
    where: str = "subgroups.toml",
) -> ImportReport:
    """Create or update sub-groups. A key the file leaves out keeps its stored value; a
    sub-group that would lose target roles or leads is refused unless `replace`."""
    groups = _subgroups_by_name(session)
    if not replace:
        problems = [
            (spec.name, lost)
            for spec in specs
            if spec.name.casefold() in groups
            for lost in [_losses(groups[spec.name.casefold()], spec)]
            if lost
        ]
        if problems:
            name, lost = problems[0]
            more = f" (and {len(problems) - 1} more sub-group(s))" if len(problems) > 1 else ""
            raise UserError(
                f"{where}: sub-group {name!r} would lose {' and '.join(lost)}{more}; "
                "add them to the file, or run again with --replace to replace them"
            )
    report = ImportReport()
    for spec in specs:
        sg = groups.get(spec.name.casefold())
        if sg is None:
            sg = Subgroup(
                name=spec.name, description="", exclude=[], pending_leads=[], rules_version=1
            )
            session.add(sg)
            groups[spec.name.casefold()] = sg
            changes = _apply_subgroup(session, sg, spec)
            report.created += 1
            report.changes.append(
                f"+ {spec.name}: new sub-group, {len(spec.roles)} target role(s)"
                + "".join(f"; {c}" for c in changes if c.startswith("not members"))
            )
            continue
        sg.name = spec.name
        changes = _apply_subgroup(session, sg, spec)
        if changes:
            report.updated += 1
            report.changes.append(f"~ {spec.name}: " + "; ".join(changes))
        else:
            report.unchanged += 1
    session.flush()
    return report


def export_members(session: Session) -> str:
    """Members as CSV in the import format; cells a spreadsheet would run as formulas (a
    member-set name like `=HYPERLINK(...)`) are escaped, and import removes the escape."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(MEMBER_COLUMNS)
    for m in session.scalars(select(Member).order_by(Member.email)):
        cells = [
            m.email,
            m.name,
            ";".join(s.name for s in m.subgroups),
            ";".join(e.name for e in m.employers),
            ";".join(m.keywords),
            m.location,
            "yes" if m.contact_opt_in else "no",
            ";".join(t.name for t in m.targets),
            m.pitch,
        ]
        writer.writerow([escape_cell(cell) for cell in cells])
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
        leads = [m.email for m in sg.leads] + list(sg.pending_leads or [])
        if leads:
            lines.append(f"leads = {_toml_list(leads)}")
        chunks.append("\n".join(lines) + "\n")
    return "\n".join(chunks)


# -- recruiters ---------------------------------------------------------------------------------

RECRUITER_COLUMNS = ("name", "address", "agency", "specialties")


@dataclass
class RecruiterRow:
    """One recruiters.csv row; specialties are ';'-separated in the file."""

    line: int
    address: str
    name: str = ""
    agency: str = ""
    specialties: list[str] = field(default_factory=list)


def parse_recruiters_csv(text: str, where: str = "recruiters.csv") -> list[RecruiterRow]:
    """Rows of recruiters.csv (name,address,agency,specialties); only `address` is required."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    if "address" not in header:
        raise UserError(
            f"{where}: line 1: header must name the columns {','.join(RECRUITER_COLUMNS)}"
        )
    unknown = [h for h in header if h not in RECRUITER_COLUMNS]
    if unknown:
        raise UserError(
            f"{where}: line 1: unknown column {unknown[0]!r} (expected {','.join(RECRUITER_COLUMNS)})"
        )
    reader.fieldnames = header
    rows: list[RecruiterRow] = []
    seen: dict[str, int] = {}
    for rec in reader:
        line = reader.line_num
        if None in rec:
            raise UserError(f"{where}: line {line}: more cells than the header has columns")
        cells = {k: unescape_cell((v or "").strip()) for k, v in rec.items()}
        if not any(cells.values()):
            continue
        _check_one_line(cells, where, line)
        address = cells["address"].lower()
        if not EMAIL_RE.match(address):
            raise UserError(
                f"{where}: line {line}, column address: not an email address: {address!r}"
            )
        if address in seen:
            raise UserError(
                f"{where}: line {line}, column address: {address} already on line {seen[address]}"
            )
        seen[address] = line
        rows.append(
            RecruiterRow(
                line, address, cells.get("name", "")[:200], cells.get("agency", "")[:200],
                _split(cells.get("specialties", "")),
            )
        )  # fmt: skip
    return rows


def import_recruiters(session: Session, rows: list[RecruiterRow]) -> ImportReport:
    """Create or update recruiters by address; the caller's transaction makes it all-or-nothing."""
    existing = {r.address: r for r in session.scalars(select(Recruiter))}
    report = ImportReport()
    for row in rows:
        known = existing.get(row.address)
        wanted = (row.name, row.agency, row.specialties)
        if known is None:
            session.add(Recruiter(address=row.address, name=row.name, agency=row.agency,
                                  specialties=row.specialties, added_by="import"))  # fmt: skip
            report.created += 1
            report.changes.append(f"+ {row.address}: new recruiter")
        elif (known.name, known.agency, list(known.specialties)) != wanted:
            known.name, known.agency, known.specialties = wanted
            report.updated += 1
            report.changes.append(f"~ {row.address}: {row.name}, {row.agency}")
        else:
            report.unchanged += 1
    session.flush()
    return report
