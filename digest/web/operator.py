"""Operator pages: members, sub-groups and leads, sources, held and failed mail, the send log."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from digest.clock import utcnow
from digest.errors import UserError, decode_utf8
from digest.roster.imports import import_members, parse_members_csv
from digest.store.members import find_member
from digest.store.models import (
    Delivery,
    Member,
    PastEmployer,
    Posting,
    RawMessage,
    Sighting,
    Source,
    Subgroup,
)
from digest.store.roster import new_member, operators
from digest.store.statuses import MailStatus, MemberStatus
from digest.store.wakes import RECORD, notify, record_wake
from digest.web import sessions
from digest.web.context import current_member, db_session, operator_required, state
from digest.web.forms import (
    ActionForm,
    AddMemberForm,
    ConfirmForm,
    ImportForm,
    LeadsForm,
    MemberEditForm,
    SubgroupForm,
    choices,
    split_list,
)
from parsers.company import normalize_company

bp = Blueprint("operator", __name__, url_prefix="/operator")
PAGE = 200
IMPORT_LINES = 10  # change lines shown after a web import; the CLI prints them all
MEMBER_ACTIONS = {
    "pause": MemberStatus.PAUSED,
    "resume": MemberStatus.ACTIVE,
    "remove": MemberStatus.REMOVED,
}


def _subgroup_choices() -> list[Any]:
    groups = db_session().scalars(select(Subgroup).order_by(Subgroup.name))
    return choices([(g.id, g.name) for g in groups])


@bp.get("/")
@operator_required
def index() -> Any:
    sess = db_session()
    counts = dict(
        sess.execute(select(RawMessage.status, func.count()).group_by(RawMessage.status)).all()
    )
    members = dict(sess.execute(select(Member.status, func.count()).group_by(Member.status)).all())
    sources = sess.scalars(select(Source).where(Source.consecutive_failures > 0)).all()
    return render_template(
        "web/operator/index.html", counts=counts, members=members, failing=sources
    )


# -- members ------------------------------------------------------------------------------


def _members_page(
    add_form: AddMemberForm | None = None,
    import_form: ImportForm | None = None,
    import_error: str = "",
    code: int = 200,
) -> Any:
    add_form = add_form or AddMemberForm(formdata=None)
    add_form.subgroups.choices = _subgroup_choices()
    members = (
        db_session()
        .scalars(select(Member).options(selectinload(Member.subgroups)).order_by(Member.email))
        .all()
    )
    lead_of: dict[int, list[str]] = {}
    for group in db_session().scalars(select(Subgroup).order_by(Subgroup.name)):
        for lead in group.leads:
            lead_of.setdefault(lead.id, []).append(group.name)
    return render_template(
        "web/operator/members.html",
        members=members,
        lead_of=lead_of,
        add_form=add_form,
        import_form=import_form or ImportForm(formdata=None),
        import_error=import_error,
        action_form=ActionForm(formdata=None),
    ), code


@bp.get("/members")
@operator_required
def members() -> Any:
    return _members_page()


@bp.post("/members/add")
@operator_required
def member_add() -> Any:
    form = AddMemberForm()
    form.subgroups.choices = _subgroup_choices()
    if not form.validate():
        return _members_page(add_form=form, code=400)
    sess = db_session()
    email = (form.email.data or "").strip().lower()
    if sess.scalar(select(Member).where(func.lower(Member.email) == email)) is not None:
        form.email.errors = [f"{email} is already a member."]
        return _members_page(add_form=form, code=400)
    groups = [sess.get_one(Subgroup, gid) for gid in form.subgroups.data or []]
    member = new_member(
        sess,
        email,
        name=(form.name.data or "").strip(),
        inside_contacts_default=state().cfg.group.inside_contacts_default,
    )
    member.subgroups = groups
    sess.commit()
    flash(f"Added {email}.")
    return redirect(url_for("operator.members"))


@bp.post("/members/import")
@operator_required
def member_import() -> Any:
    form = ImportForm()
    if not form.validate():
        return _members_page(import_form=form, code=400)
    upload = form.file.data
    name = upload.filename or "members.csv"
    try:
        rows = parse_members_csv(decode_utf8(upload.read(), name), where=name)
        report = import_members(
            db_session(),
            rows,
            where=name,
            inside_contacts_default=state().cfg.group.inside_contacts_default,
        )
    except UserError as exc:
        db_session().rollback()
        return _members_page(import_form=form, import_error=str(exc), code=400)
    db_session().commit()
    flash(
        f"Imported {name}: {report.created} added, {report.updated} updated, "
        f"{report.unchanged} unchanged."
    )
    for line in report.changes[:IMPORT_LINES]:
        flash(line)
    if len(report.changes) > IMPORT_LINES:
        flash(f"… and {len(report.changes) - IMPORT_LINES} more changes.")
    return redirect(url_for("operator.members"))


@bp.post("/members/<int:member_id>/<action>")
@operator_required
def member_action(member_id: int, action: str) -> Any:
    if action not in MEMBER_ACTIONS:
        abort(404)
    member = db_session().get(Member, member_id)
    if member is None:
        abort(404)
    if action == "remove":
        return _remove(member)
    form = ActionForm()
    if not form.validate():
        abort(400)
    member.status = MEMBER_ACTIONS[action]
    if action == "resume":
        member.paused_until = None
    db_session().commit()
    flash(f"{member.email} is now {member.status}.")
    return redirect(url_for("operator.members"))


@bp.post("/members/<int:member_id>/sign-out-everywhere")
@operator_required
def member_sign_out(member_id: int) -> Any:
    """End every session of a member (a lost phone, a shared computer): each copy of their
    cookie stops working at once."""
    form = ActionForm()
    member = db_session().get(Member, member_id)
    if member is None:
        abort(404)
    if not form.validate():
        abort(400)
    ended = sessions.end_all(db_session(), member.id)
    db_session().commit()
    flash(f"Signed {member.email} out everywhere ({ended} session{'s' if ended != 1 else ''}).")
    return redirect(url_for("operator.members"))


@bp.get("/members/<int:member_id>/remove")
@operator_required
def member_remove_confirm(member_id: int) -> Any:
    """Removing is a second step: this page says what it does and asks (GET changes nothing)."""
    member = db_session().get(Member, member_id)
    if member is None:
        abort(404)
    return render_template(
        "web/operator/member_remove.html", member=member, form=ConfirmForm(formdata=None)
    )


def _remove(member: Member) -> Any:
    """POST from the confirm page (it carries `confirm`); a bare POST only shows that page."""
    form = ConfirmForm()
    if not form.validate():
        if form.csrf_token.errors:
            abort(400)
        return render_template("web/operator/member_remove.html", member=member, form=form)
    me = current_member()
    if member.is_operator and not _other_operators(member):
        flash(f"{member.email} is the only operator: make someone else an operator first.")
        return redirect(url_for("operator.member_edit", member_id=member.id))
    member.status = MemberStatus.REMOVED
    sessions.end_all(db_session(), member.id)  # every copy of their cookie stops working
    db_session().commit()
    flash(f"Removed {member.email}: no more digests, and they cannot sign in.")
    if me is not None and me.id == member.id:
        return redirect(url_for("auth.signin"))
    return redirect(url_for("operator.members"))


def _other_operators(member: Member) -> list[Member]:
    return [
        m for m in operators(db_session()) if m.id != member.id and m.status != MemberStatus.REMOVED
    ]


def _edit_data(member: Member) -> dict[str, Any]:
    led = [g.id for g in db_session().scalars(select(Subgroup)) if member in g.leads]
    return {
        "name": member.name,
        "subgroups": [g.id for g in member.subgroups],
        "keywords": "\n".join(member.keywords),
        "past_employers": "\n".join(e.name for e in member.employers),
        "location": member.location,
        "contact_opt_in": member.contact_opt_in,
        "leads": led,
        "is_operator": member.is_operator,
    }


@bp.route("/members/<int:member_id>", methods=["GET", "POST"])
@operator_required
def member_edit(member_id: int) -> Any:
    """One member: their sub-groups, keywords, past employers and location, which sub-groups
    they lead, and whether they are an operator."""
    sess = db_session()
    member = sess.get(Member, member_id)
    if member is None:
        abort(404)
    groups = {g.id: g for g in sess.scalars(select(Subgroup).order_by(Subgroup.name))}
    form = MemberEditForm(data=None if request.method == "POST" else _edit_data(member))
    form.subgroups.choices = form.leads.choices = choices([(g.id, g.name) for g in groups.values()])
    if request.method == "POST" and form.validate():
        if member.is_operator and not form.is_operator.data and not _other_operators(member):
            form.is_operator.errors = [
                "The only operator stays one: make someone else an operator first."
            ]
        else:
            said = _apply_edit(member, form, groups)
            sess.commit()
            flash(f"Saved {member.email}" + (f": {said}." if said else "."))
            return redirect(url_for("operator.member_edit", member_id=member.id))
    code = 400 if form.errors else 200
    return render_template("web/operator/member.html", member=member, form=form), code


def _apply_edit(member: Member, form: MemberEditForm, groups: dict[int, Subgroup]) -> str:
    """Store the form; the role changes (lead of, operator) in words for the flash message."""
    member.name = (form.name.data or "").strip()
    member.subgroups = [groups[g] for g in form.subgroups.data or [] if g in groups]
    member.keywords = split_list(form.keywords.data)
    member.location = (form.location.data or "").strip()
    member.contact_opt_in = bool(form.contact_opt_in.data)
    wanted = split_list(form.past_employers.data)
    if wanted != [e.name for e in member.employers]:
        member.employers = [
            PastEmployer(name=n[:200], company_key=normalize_company(n)) for n in wanted
        ]
    said = []
    chosen = set(form.leads.data or [])
    for group in groups.values():
        leads = member in group.leads
        if group.id in chosen and not leads:
            group.leads = [*group.leads, member]
            said.append(f"now leads {group.name}")
        elif group.id not in chosen and leads:
            group.leads = [m for m in group.leads if m.id != member.id]
            said.append(f"no longer leads {group.name}")
    if bool(form.is_operator.data) != member.is_operator:
        member.is_operator = bool(form.is_operator.data)
        said.append("now an operator" if member.is_operator else "no longer an operator")
    return ", ".join(said)


# -- sub-groups and leads -------------------------------------------------------------------


def _subgroups_page(
    form: SubgroupForm | None = None, lead_errors: dict[int, str] | None = None, code: int = 200
) -> Any:
    groups = (
        db_session()
        .scalars(
            select(Subgroup)
            .options(selectinload(Subgroup.leads), selectinload(Subgroup.roles))
            .order_by(Subgroup.name)
        )
        .all()
    )
    lead_forms = {
        g.id: LeadsForm(formdata=None, data={"leads": "\n".join(m.email for m in g.leads)})
        for g in groups
    }
    return render_template(
        "web/operator/subgroups.html",
        groups=groups,
        form=form or SubgroupForm(formdata=None),
        lead_forms=lead_forms,
        lead_errors=lead_errors or {},
    ), code


@bp.get("/subgroups")
@operator_required
def subgroups() -> Any:
    return _subgroups_page()


@bp.post("/subgroups/add")
@operator_required
def subgroup_add() -> Any:
    form = SubgroupForm()
    if not form.validate():
        return _subgroups_page(form, code=400)
    name = (form.name.data or "").strip()
    sess = db_session()
    if sess.scalar(select(Subgroup).where(func.lower(Subgroup.name) == name.lower())):
        form.name.errors = [f"There is already a sub-group called {name}."]
        return _subgroups_page(form, code=400)
    sess.add(Subgroup(name=name, description=(form.description.data or "").strip()))
    sess.commit()
    flash(f"Added sub-group {name}. Its lead can now add target roles.")
    return redirect(url_for("operator.subgroups"))


@bp.post("/subgroups/<int:subgroup_id>/leads")
@operator_required
def subgroup_leads(subgroup_id: int) -> Any:
    sess = db_session()
    group = sess.get(Subgroup, subgroup_id)
    if group is None:
        abort(404)
    form = LeadsForm()
    if not form.validate():
        abort(400)
    leads, unknown = [], []
    for address in split_list((form.leads.data or "").replace(",", "\n")):
        member = find_member(sess, address)
        (leads if member else unknown).append(member or address)
    if unknown:
        return _subgroups_page(
            lead_errors={group.id: f"Not members: {', '.join(unknown)}"}, code=400
        )
    group.leads = leads
    sess.commit()
    flash(f"Leads of {group.name}: {', '.join(m.email for m in leads) or 'none'}.")
    return redirect(url_for("operator.subgroups"))


# -- sources, mail and the send log -----------------------------------------------------------


@bp.get("/sources")
@operator_required
def sources() -> Any:
    rows = (
        db_session()
        .scalars(select(Source).order_by(Source.consecutive_failures.desc(), Source.name))
        .all()
    )
    return render_template("web/operator/sources.html", sources=rows)


def _messages(status: str) -> list[RawMessage]:
    return list(
        db_session().scalars(
            select(RawMessage)
            .where(RawMessage.status == status)
            .order_by(RawMessage.id.desc())
            .limit(PAGE)
        )
    )


@bp.get("/held")
@operator_required
def held() -> Any:
    return render_template(
        "web/operator/held.html",
        messages=_messages(MailStatus.HELD),
        form=ActionForm(formdata=None),
    )


def _held_message(message_id: int) -> RawMessage:
    form = ActionForm()
    raw = db_session().get(RawMessage, message_id)
    if raw is None or raw.status != MailStatus.HELD:
        abort(404)
    if not form.validate():
        abort(400)
    return raw


@bp.post("/held/<int:message_id>/release")
@operator_required
def held_release(message_id: int) -> Any:
    """Let a non-member's postings into digests, credited to no one."""
    raw = _held_message(message_id)
    sess = db_session()
    posting_ids = select(Sighting.posting_id).where(Sighting.raw_message_id == raw.id)
    for item in sess.scalars(select(Posting).where(Posting.id.in_(posting_ids))):
        item.held = False
    raw.status, raw.reason = MailStatus.PROCESSED, f"released by the operator ({raw.reason})"
    sess.commit()
    flash(f"Released message {raw.id} from {raw.sender or 'unknown sender'}.")
    return redirect(url_for("operator.held"))


@bp.post("/held/<int:message_id>/add-member")
@operator_required
def held_add_member(message_id: int) -> Any:
    """Make the sender a member, then process the message again as theirs."""
    raw = _held_message(message_id)
    sess = db_session()
    sender = raw.sender.strip().lower()
    if not sender:
        abort(400, "This message has no sender address to add.")
    if find_member(sess, sender) is None:
        existing = sess.scalar(select(Member).where(func.lower(Member.email) == sender))
        if existing is not None:  # a removed member comes back
            existing.status = MemberStatus.ACTIVE
        else:
            new_member(
                sess, sender, inside_contacts_default=state().cfg.group.inside_contacts_default
            )
    _reprocess_later(raw, f"held message {raw.id}: {sender} added as a member")
    sess.commit()
    notify(state().cfg)
    flash(
        f"Added {sender} as a member; message {raw.id} is processed again as theirs in the "
        "background (moments)."
    )
    return redirect(url_for("operator.held"))


def _reprocess_later(raw: RawMessage, reason: str) -> None:
    """Set the stored mail back to new, noting who asked and when, with a wake for the worker
    that records it (web requests run no pipeline work). Its attempts count afresh."""
    me = current_member()
    raw.status, raw.attempts = MailStatus.NEW, 0
    raw.reprocess_by = me.email if me is not None else ""
    raw.reprocess_at = utcnow()
    record_wake(db_session(), RECORD, reason)


@bp.get("/failed")
@operator_required
def failed() -> Any:
    return render_template(
        "web/operator/failed.html",
        messages=_messages(MailStatus.FAILED),
        waiting=_waiting_again(),
        form=ActionForm(formdata=None),
    )


def _waiting_again() -> list[RawMessage]:
    """Mail an operator asked to process again that no worker recorded yet."""
    query = (
        select(RawMessage)
        .where(RawMessage.status == MailStatus.NEW, RawMessage.reprocess_at.is_not(None))
        .order_by(RawMessage.reprocess_at.desc())
        .limit(PAGE)
    )
    return list(db_session().scalars(query))


@bp.post("/failed/<int:message_id>/reprocess")
@operator_required
def failed_reprocess(message_id: int) -> Any:
    form = ActionForm()
    raw = db_session().get(RawMessage, message_id)
    if raw is None:
        abort(404)
    if not form.validate():
        abort(400)
    _reprocess_later(raw, f"failed message {message_id} reprocessed")
    db_session().commit()
    notify(state().cfg)
    flash(
        f"Message {message_id} will be processed again in the background; "
        "it is listed under “Waiting” below until it is done."
    )
    return redirect(url_for("operator.failed"))


@bp.get("/deliveries")
@operator_required
def deliveries() -> Any:
    period = request.args.get("period", "").strip()
    query = (
        select(Delivery)
        .options(selectinload(Delivery.member))
        .order_by(Delivery.id.desc())
        .limit(PAGE)
    )
    if period:
        query = query.where(Delivery.period == period)
    rows = db_session().scalars(query).all()
    periods = (
        db_session()
        .scalars(select(Delivery.period).distinct().order_by(Delivery.period.desc()).limit(26))
        .all()
    )
    return render_template(
        "web/operator/deliveries.html", deliveries=rows, period=period, periods=periods
    )
