"""Pages reached from digest links: signed tokens stand in for signing in."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from digest.delivery.render import FEEDBACK_KINDS, Links, render
from digest.delivery.tokens import LINK_MAX_AGE
from digest.store.members import alias_error, set_aliases, set_targets
from digest.store.models import Feedback, Member, PastEmployer, Posting, Subgroup
from digest.web.context import db_session, state
from digest.web.digests import current_period, member_digest
from digest.web.forms import PreferencesForm, choices, split_list
from parsers.company import normalize_company

bp = Blueprint("member", __name__)
UNSUBSCRIBE_MAX_AGE = 366 * 24 * 3600  # an old digest's unsubscribe link must keep working
KIND_LABELS = dict(FEEDBACK_KINDS)


def _member(purpose: str, token: str, max_age: int = LINK_MAX_AGE) -> Member:
    """The member a link was made for; 400 for a forged, expired or other-purpose token."""
    member_id = state().signer.loads(purpose, token, max_age=max_age)
    member = db_session().get(Member, member_id) if isinstance(member_id, int) else None
    if member is None or member.status == "removed":
        abort(
            400, "This link is not valid any more. Use the links in your latest digest, or sign in."
        )
    return member


# -- preferences ------------------------------------------------------------------------------


def _preferences_data(member: Member) -> dict[str, Any]:
    return {
        "subscribed": member.status != "unsubscribed",
        "subgroups": [g.id for g in member.subgroups],
        "keywords": "\n".join(member.keywords),
        "location": member.location,
        "targets": "\n".join(t.name for t in member.targets),
        "remote_ok": member.remote_ok,
        "show_name": member.show_name,
        "thank_opt_in": member.thank_opt_in,
        "contact_opt_in": member.contact_opt_in,
        "past_employers": "\n".join(e.name for e in member.employers),
        "aliases": "\n".join(a.address for a in member.aliases),
        "paused_until": member.paused_until,
        "always_send": member.always_send,
    }


@bp.route("/preferences/<token>", methods=["GET", "POST"])
def preferences(token: str) -> Any:
    member = _member("preferences", token)
    sess = db_session()
    groups = sess.scalars(select(Subgroup).order_by(Subgroup.name)).all()
    form = PreferencesForm(data=None if request.method == "POST" else _preferences_data(member))
    form.subgroups.choices = choices([(g.id, g.name) for g in groups])
    if request.method == "POST" and form.validate():
        alias_problem = alias_error(sess, member, split_list(form.aliases.data))
        if form.paused_until.data and form.paused_until.data <= date.today():
            form.paused_until.errors = ["Pick a date in the future, or leave it empty."]
        elif alias_problem:
            form.aliases.errors = [alias_problem]
        else:
            _apply(member, form, {g.id: g for g in groups})
            sess.commit()
            flash("Your preferences are saved.")
            return redirect(url_for("member.preferences", token=token))
    code = 400 if form.errors else 200
    return render_template(
        "web/member/preferences.html", form=form, member=member, token=token
    ), code


def _apply(member: Member, form: PreferencesForm, groups: dict[int, Subgroup]) -> None:
    if form.subscribed.data and member.status == "unsubscribed":
        member.status = "active"
    elif not form.subscribed.data and member.status != "unsubscribed":
        member.status = "unsubscribed"
    member.subgroups = [groups[g] for g in form.subgroups.data or [] if g in groups]
    member.keywords = split_list(form.keywords.data)
    member.location = (form.location.data or "").strip()
    set_targets(member, split_list(form.targets.data))
    for name in ("remote_ok", "show_name", "thank_opt_in", "contact_opt_in", "always_send"):
        setattr(member, name, bool(getattr(form, name).data))
    member.paused_until = form.paused_until.data
    set_aliases(member, split_list(form.aliases.data))
    wanted = split_list(form.past_employers.data)
    if wanted != [e.name for e in member.employers]:
        member.employers = [
            PastEmployer(name=n[:200], company_key=normalize_company(n)) for n in wanted
        ]


# -- unsubscribe (RFC 8058) -------------------------------------------------------------------


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str) -> Any:
    """GET asks (link scanners must not unsubscribe anyone); POST, as mail clients send it with
    `List-Unsubscribe=One-Click`, unsubscribes at once. CSRF-exempt: the signed URL is the proof."""
    member = _member("unsubscribe", token, max_age=UNSUBSCRIBE_MAX_AGE)
    prefs = url_for("member.preferences", token=state().signer.dumps("preferences", member.id))
    if request.method == "GET":
        return render_template(
            "web/member/unsubscribe.html", member=member, token=token, prefs=prefs
        )
    if member.status != "unsubscribed":
        member.status = "unsubscribed"
        db_session().commit()
    return render_template("web/member/unsubscribed.html", member=member, prefs=prefs)


# -- feedback ---------------------------------------------------------------------------------


@bp.get("/feedback/<token>/<kind>")
def feedback(token: str, kind: str) -> Any:
    """The token signs (member, posting); the kind rides in the path so a digest signs once per
    posting, not once per button. An unknown kind is refused like a forged token."""
    data = state().signer.loads("feedback", token)
    if not (isinstance(data, list) and len(data) == 2 and kind in KIND_LABELS):
        abort(400, "This link is not valid any more.")
    member_id, posting_id = data
    sess = db_session()
    member = sess.get(Member, member_id) if isinstance(member_id, int) else None
    item = sess.get(Posting, posting_id) if isinstance(posting_id, int) else None
    if member is None or member.status == "removed" or item is None:
        abort(400, "This link is not valid any more.")
    _record(member.id, item.id, kind)
    prefs = url_for("member.preferences", token=state().signer.dumps("preferences", member.id))
    return render_template(
        "web/member/feedback.html", posting=item, label=KIND_LABELS[kind], prefs=prefs
    )


def _record(member_id: int, posting_id: int, kind: str) -> None:
    """Idempotent: a second click (or a mail scanner's visit) adds nothing."""
    sess = db_session()
    found = sess.scalar(
        select(Feedback.id).where(
            Feedback.member_id == member_id,
            Feedback.posting_id == posting_id,
            Feedback.kind == kind,
        )
    )
    if found:
        return
    sess.add(Feedback(member_id=member_id, posting_id=posting_id, kind=kind))
    try:
        sess.commit()
    except IntegrityError:  # the same click twice at once
        sess.rollback()


# -- the digest on the web --------------------------------------------------------------------


@bp.get("/digest/<token>")
def web_digest(token: str) -> Any:
    member = _member("preferences", token)
    cfg = state().cfg
    period = current_period(cfg)
    digest = member_digest(db_session(), cfg, member, period)
    if not digest.leads:
        prefs = url_for("member.preferences", token=state().signer.dumps("preferences", member.id))
        return render_template(
            "web/member/no_digest.html", member=member, period=period, prefs=prefs
        )
    html, _text = render(cfg, digest, Links(cfg, state().signer, member.id))
    return html
