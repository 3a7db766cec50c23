"""Sub-group lead pages: the week, target roles with a live preview, moderation, members."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from digest.delivery.periods import period_of, window
from digest.delivery.render import Links, render
from digest.errors import UserError
from digest.formatting import noun
from digest.sources.watches import list_watches
from digest.store.models import (
    IntendedRecipient,
    Member,
    PendingCorrection,
    Posting,
    Role,
    Subgroup,
    SubgroupExclusion,
    Tag,
)
from digest.store.statuses import CorrectionStatus, PostingStatus
from digest.store.wakes import RETAG, notify, record_wake
from digest.tagging import exclusions
from digest.tagging.compile import build_matcher
from digest.tagging.rules import rules_from_form, rules_of
from digest.tagging.tag import mark_stale, stale_count
from digest.web import digests, moderation
from digest.web.context import (
    current_member,
    db_session,
    lead_required,
    led_subgroups,
    signin_required,
    state,
)
from digest.web.forms import (
    ActionForm,
    MergeForm,
    PostingEditForm,
    RolesForm,
    StatusForm,
    join_list,
    split_list,
)
from digest.web.preview import Preview, preview_rules
from digest.web.watches import suggestions_for

bp = Blueprint("lead", __name__, url_prefix="/lead")
MAX_ROWS = 500


def _me() -> Member:
    member = current_member()
    assert member is not None  # every caller is behind lead_required
    return member


class PreviewLinks(Links):
    """Digest previews for a lead must not hand out working links to another member's settings."""

    def _url(self, path: str, purpose: str, data: object) -> str:
        return "#preview-only"


@bp.get("/")
@signin_required
def index() -> str:
    member = current_member()
    assert member is not None
    groups = led_subgroups(member)
    if not groups and not member.is_operator:
        abort(403)
    return render_template(
        "web/lead/index.html",
        groups=groups,
        suggestions=suggestions_for(member),
        watch_count=len(list_watches(db_session())),
    )


def _period() -> tuple[str, datetime, datetime]:
    cfg = state().cfg
    period = request.args.get("period") or period_of(datetime.now(UTC), cfg.tz)
    try:
        begin, end = window(period, cfg.tz, cfg.digest.period_days)
    except UserError as exc:
        abort(400, str(exc).removeprefix("--period: "))
    return period, begin, end


@bp.get("/<int:subgroup_id>/")
@lead_required
def week(group: Subgroup) -> str:
    period, begin, end = _period()
    sess = db_session()
    in_window = (Posting.first_seen >= begin, Posting.first_seen < end)
    tagged = sess.execute(
        select(Tag, Posting)
        .join(Posting, Tag.posting_id == Posting.id)
        .where(Tag.subgroup_id == group.id, Tag.current, *in_window)
        .order_by(Tag.score.desc(), Posting.id.desc())
        .limit(MAX_ROWS)
    ).all()
    has_tag = exists().where(Tag.posting_id == Posting.id, Tag.current)
    taken_out = exists().where(
        SubgroupExclusion.posting_id == Posting.id, SubgroupExclusion.subgroup_id == group.id
    )
    untagged = sess.scalars(
        select(Posting)
        .where(~has_tag, ~taken_out, Posting.status != PostingStatus.MERGED, *in_window)
        .order_by(Posting.id.desc())
        .limit(MAX_ROWS)
    ).all()
    return render_template(
        "web/lead/week.html",
        group=group,
        period=period,
        tagged=tagged,
        untagged=untagged,
        pending=moderation.pending_for(sess, group),
        taken_out=exclusions.excluded_from(sess, group.id, begin, end),
        names=_subgroup_names(),
        action_form=ActionForm(formdata=None),
    )


def _subgroup_names() -> dict[int, str]:
    return {gid: name for gid, name in db_session().execute(select(Subgroup.id, Subgroup.name))}


# -- target roles ---------------------------------------------------------------------------


def _roles_form_data(group: Subgroup) -> dict[str, Any]:
    rows = [
        {
            "phrase": r.phrase,
            "synonyms": join_list(r.synonyms),
            "exclude": join_list(r.exclude),
            "required": join_list(r.required),
        }
        for r in group.roles
    ]
    return {"roles": rows, "exclude": "\n".join(group.exclude)}


def _with_blank_row(form: RolesForm) -> RolesForm:
    if not form.roles.entries or not form.roles.entries[-1].form.is_blank():
        form.roles.append_entry()
    return form


def _edited_preview(group: Subgroup, form: RolesForm) -> Preview:
    edited = rules_from_form(group.name, form.kept_rows(), split_list(form.exclude.data))
    return preview_rules(db_session(), rules_of(group), edited, state().cfg)


@bp.route("/<int:subgroup_id>/roles", methods=["GET", "POST"])
@lead_required
def roles(group: Subgroup) -> Any:
    if request.method == "GET":
        form = _with_blank_row(RolesForm(data=_roles_form_data(group)))
        return render_template(
            "web/lead/roles.html", group=group, form=form, preview=None, retagging=_retag_state()
        )
    form = RolesForm()
    action = request.form.get("action", "save")
    if not form.validate():
        return render_template(
            "web/lead/roles.html", group=group, form=_with_blank_row(form), preview=None
        ), 400
    if action == "save":
        return _save_roles(group, form)
    preview = _edited_preview(group, form) if action == "preview" else None
    return render_template(
        "web/lead/roles.html", group=group, form=_with_blank_row(form), preview=preview
    )


def _save_roles(group: Subgroup, form: RolesForm) -> Any:
    rows = form.kept_rows()
    exclude = split_list(form.exclude.data)
    edited = rules_from_form(group.name, rows, exclude)
    try:
        build_matcher([edited], state().cfg)
    except Exception as exc:  # noqa: BLE001 - reported to the lead, nothing saved
        form.exclude.errors = [f"These rules cannot be used: {exc}"]
        return render_template(
            "web/lead/roles.html", group=group, form=_with_blank_row(form), preview=None
        ), 400
    old = [(r.phrase, r.synonyms, r.exclude, r.required) for r in group.roles]
    new = [(r["phrase"], r["synonyms"], r["exclude"], r["required"]) for r in rows]
    if old == new and list(group.exclude) == exclude:
        flash("Nothing changed.")
        return redirect(url_for("lead.roles", subgroup_id=group.id))
    group.roles = [
        Role(
            phrase=r["phrase"],
            synonyms=r["synonyms"],
            exclude=r["exclude"],
            required=r["required"],
            position=i,
        )
        for i, r in enumerate(rows)
    ]
    group.exclude = exclude
    group.rules_version += 1
    record_wake(db_session(), RETAG, f"{group.name} rules version {group.rules_version}")
    db_session().commit()
    notify(state().cfg)
    waiting = stale_count(db_session())
    flash(
        f"Saved (rules version {group.rules_version}). "
        + (
            f"Re-tagging {waiting:,} {noun(waiting, 'posting')} in the background; "
            "this page shows when it is done."
            if waiting
            else "No postings to re-tag."
        )
    )
    return redirect(url_for("lead.roles", subgroup_id=group.id))


def _retag_later(posting_ids: list[int], reason: str) -> None:
    """The postings' tags are stale and a worker re-tags them (web requests run no pipeline
    work): recorded in the request's transaction; `_wake_worker` after its commit."""
    mark_stale(db_session(), posting_ids)
    record_wake(db_session(), RETAG, reason)


def _wake_worker() -> None:
    notify(state().cfg)


def _retag_state(posting_ids: list[int] | None = None) -> int:
    """Postings (of `posting_ids`) still waiting for the background re-tag."""
    return stale_count(db_session(), posting_ids)


@bp.post("/<int:subgroup_id>/roles/preview")
@lead_required
def roles_preview(group: Subgroup) -> Any:
    """The live preview's JSON: the page's form fields in, what would change out (and its HTML)."""
    form = RolesForm()
    if not form.validate():
        errors = [
            e for errs in form.errors.values() for e in (errs if isinstance(errs, list) else [errs])
        ]
        message = "; ".join(str(e) for e in errors if isinstance(e, str)) or "Check the roles."
        preview = Preview(days=0, error=message)
    else:
        preview = _edited_preview(group, form)
    html = render_template("web/lead/_preview.html", preview=preview, group=group)
    bar = render_template("web/lead/_preview_bar.html", preview=preview)
    return jsonify(preview.as_json() | {"html": html, "summary": bar})


# -- moderation -----------------------------------------------------------------------------


def _posting_for(group: Subgroup, posting_id: int) -> Posting:
    posting = db_session().get(Posting, posting_id)
    if posting is None:
        abort(404)
    if not moderation.may_moderate(db_session(), _me(), group, posting):
        abort(403)
    return posting


def _posting_page(group: Subgroup, posting: Posting, code: int = 200, **forms: Any) -> Any:
    tags = (
        db_session()
        .scalars(
            select(Tag)
            .where(Tag.posting_id == posting.id, Tag.current)
            .options(selectinload(Tag.subgroup))
        )
        .all()
    )
    context = {
        "edit_form": forms.get("edit_form")
        or PostingEditForm(data={"title": posting.title, "company": posting.company}),
        "status_form": forms.get("status_form") or StatusForm(data={"status": posting.status}),
        "merge_form": forms.get("merge_form") or MergeForm(formdata=None),
    }
    merged_into = (
        db_session().get(Posting, posting.merged_into_id) if posting.merged_into_id else None
    )
    return render_template(
        "web/lead/posting.html",
        group=group,
        posting=posting,
        tags=tags,
        merged_into=merged_into,
        ours=any(t.subgroup_id == group.id for t in tags),
        retagging=_retag_state([posting.id]),
        action_form=ActionForm(formdata=None),
        **context,
    ), code


@bp.get("/<int:subgroup_id>/postings/<int:posting_id>")
@lead_required
def posting(group: Subgroup, posting_id: int) -> Any:
    return _posting_page(group, _posting_for(group, posting_id))


@bp.post("/<int:subgroup_id>/postings/<int:posting_id>/edit")
@lead_required
def posting_edit(group: Subgroup, posting_id: int) -> Any:
    item = _posting_for(group, posting_id)
    form = PostingEditForm()
    if not form.validate():
        return _posting_page(group, item, 400, edit_form=form)
    title, company = (form.title.data or "").strip(), (form.company.data or "").strip()
    needs = moderation.others_affected(db_session(), _me(), item, title)
    if needs:
        moderation.propose(db_session(), _me(), item, title, company, needs)
        db_session().commit()
        names = _subgroup_names()
        flash(
            "This correction would move the posting into or out of "
            + ", ".join(names.get(g, str(g)) for g in needs)
            + ", so it waits for a lead of that sub-group (or an operator) to accept it."
        )
        return redirect(url_for("lead.posting", subgroup_id=group.id, posting_id=item.id))
    retag = moderation.correct(item, title, company)
    if retag:
        _retag_later([item.id], f"posting {item.id} corrected")
    db_session().commit()
    _wake_worker()
    flash("Posting corrected." + (" Its tags are redone in the background." if retag else ""))
    return redirect(url_for("lead.posting", subgroup_id=group.id, posting_id=item.id))


@bp.post("/<int:subgroup_id>/corrections/<int:correction_id>/<decision>")
@lead_required
def correction_decide(group: Subgroup, correction_id: int, decision: str) -> Any:
    """A lead of a sub-group the correction affects (or an operator) accepts or rejects it."""
    if decision not in ("accept", "reject"):
        abort(404)
    sess = db_session()
    correction = sess.get(PendingCorrection, correction_id)
    if correction is None or correction.status != CorrectionStatus.PENDING:
        abort(404)
    if group.id not in correction.subgroup_ids:
        abort(403)
    if not ActionForm().validate():
        abort(400)
    applied = moderation.decide(sess, _me(), correction, accept=decision == "accept")
    if applied:
        _retag_later([correction.posting_id], f"correction {correction.id} applied")
    sess.commit()
    _wake_worker()
    verb = {"accept": "applied" if applied else "accepted", "reject": "rejected"}[decision]
    flash(f"Correction of posting {correction.posting_id} {verb}.")
    return redirect(url_for("lead.week", subgroup_id=group.id))


@bp.post("/<int:subgroup_id>/postings/<int:posting_id>/take-out")
@lead_required
def posting_take_out(group: Subgroup, posting_id: int) -> Any:
    """The lead's "not for my sub-group": the posting leaves this sub-group's tags, week page and
    digests, and no re-tag brings it back; other sub-groups keep their tags."""
    item = _posting_for(group, posting_id)
    if not ActionForm().validate():
        abort(400)
    sess = db_session()
    if group.id not in moderation.current_subgroup_ids(sess, item.id):
        abort(400, f"This posting is not tagged for {group.name}.")
    exclusions.take_out(sess, group.id, item.id, _me().id)
    _retag_later([item.id], f"posting {item.id} taken out of {group.name}")
    sess.commit()
    _wake_worker()
    flash(
        f"Taken out of {group.name}; other sub-groups keep it. It leaves this week's list once "
        "its tags are redone in the background (moments). “Put it back” below undoes it."
    )
    return _week_of(group, item)


@bp.post("/<int:subgroup_id>/postings/<int:posting_id>/put-back")
@lead_required
def posting_put_back(group: Subgroup, posting_id: int) -> Any:
    """The undo of "not for my sub-group": the posting is tagged for this sub-group again when
    its rules match it."""
    if not ActionForm().validate():
        abort(400)
    sess = db_session()
    if not exclusions.put_back(sess, group.id, posting_id):
        abort(404)
    _retag_later([posting_id], f"posting {posting_id} put back into {group.name}")
    sess.commit()
    _wake_worker()
    flash(
        f"Put back into {group.name}; it is listed again once its tags are redone in the "
        "background (moments), when the rules match it."
    )
    item = sess.get(Posting, posting_id)
    return _week_of(group, item) if item else redirect(url_for("lead.week", subgroup_id=group.id))


def _week_of(group: Subgroup, item: Posting) -> Any:
    """Back to the week page that lists the posting (and its "Put it back")."""
    period = period_of(item.first_seen.replace(tzinfo=UTC), state().cfg.tz)
    return redirect(url_for("lead.week", subgroup_id=group.id, period=period))


@bp.post("/<int:subgroup_id>/postings/<int:posting_id>/status")
@lead_required
def posting_status(group: Subgroup, posting_id: int) -> Any:
    item = _posting_for(group, posting_id)
    form = StatusForm()
    if not form.validate() or item.status == PostingStatus.MERGED:
        return _posting_page(group, item, 400, status_form=form)
    item.status = form.status.data
    db_session().commit()
    flash(f"Posting marked {item.status}.")
    return redirect(url_for("lead.posting", subgroup_id=group.id, posting_id=item.id))


@bp.post("/<int:subgroup_id>/postings/<int:posting_id>/merge")
@lead_required
def posting_merge(group: Subgroup, posting_id: int) -> Any:
    item = _posting_for(group, posting_id)
    form = MergeForm()
    if not form.validate():
        return _posting_page(group, item, 400, merge_form=form)
    sess = db_session()
    target = sess.get(Posting, form.target.data)
    target = moderation.resolve(sess, target) if target is not None else None
    problem = _merge_problem(group, item, target)
    if problem:
        form.target.errors = [problem]
        return _posting_page(group, item, 400, merge_form=form)
    assert target is not None
    moderation.merge(sess, item, target)
    sess.commit()
    flash(f"Merged into posting {target.id}.")
    return redirect(url_for("lead.posting", subgroup_id=group.id, posting_id=target.id))


def _merge_problem(group: Subgroup, item: Posting, target: Posting | None) -> str:
    if target is None:
        return "There is no posting with that number."
    if target.id == item.id:
        return "A posting cannot be merged into itself."
    if item.status == PostingStatus.MERGED:
        return "This posting was already merged."
    if not moderation.may_moderate(db_session(), _me(), group, target):
        return "That posting belongs to another sub-group."
    return ""


# -- members and their digests ----------------------------------------------------------------


@bp.get("/<int:subgroup_id>/members")
@lead_required
def members(group: Subgroup) -> str:
    return render_template(
        "web/lead/members.html",
        group=group,
        members=group.members,
        unclear=_unclear_recipients(group),
    )


def _unclear_recipients(group: Subgroup) -> list[dict[str, Any]]:
    """Notes by this sub-group's members naming someone several members could be: the lead
    tells the sharer or forwards it; nobody guesses."""
    ids = [m.id for m in group.members]
    if not ids:
        return []
    sess = db_session()
    rows = sess.execute(
        select(IntendedRecipient, Posting.title, Posting.company)
        .join(Posting, Posting.id == IntendedRecipient.posting_id)
        .where(IntendedRecipient.member_id.is_(None), IntendedRecipient.sharer_id.in_(ids))
        .order_by(IntendedRecipient.id.desc())
        .limit(100)
    ).all()
    wanted = {c for r, _, _ in rows for c in r.candidates} | {r.sharer_id for r, _, _ in rows}
    people = {m.id: m for m in sess.scalars(select(Member).where(Member.id.in_(wanted)))}
    return [
        {
            "title": title,
            "company": company,
            "named": r.named,
            "note": r.note,
            "sharer": people[r.sharer_id].display_name if r.sharer_id in people else "",
            "candidates": [
                f"{people[c].display_name} <{people[c].email}>" for c in r.candidates if c in people
            ],
        }
        for r, title, company in rows
    ]


@bp.get("/<int:subgroup_id>/members/<int:member_id>/digest")
@lead_required
def member_digest(group: Subgroup, member_id: int) -> str:
    member = db_session().get(Member, member_id)
    if member is None or all(m.id != member_id for m in group.members):
        abort(404)
    cfg = state().cfg
    period, _begin, _end = _period()
    digest = digests.member_digest(db_session(), cfg, member, period)
    html, text = render(cfg, digest, PreviewLinks(cfg, state().signer, member.id))
    return render_template(
        "web/lead/digest_preview.html",
        group=group,
        member=member,
        digest=digest,
        period=period,
        html=html,
        text=text,
    )
