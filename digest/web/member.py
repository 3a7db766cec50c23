"""Pages reached from digest links: signed tokens stand in for signing in, one purpose each.

Mail scanners (Safe Links, Mimecast), link checkers and prefetching browsers open every link of
a mail with GET or HEAD, so no link acts on GET: feedback, unsubscribe and alias confirmation
show a one-button page, and only its POST (or RFC 8058's one-click POST) changes anything.

A token does only what its purpose says (digest.delivery.tokens): the web copy of a digest is
read-only, and no page reached with one token hands out a token for another purpose; links to
the member's other pages go through sign-in (/me).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from digest.delivery.render import FEEDBACK_KINDS, ViewLinks, render
from digest.delivery.tokens import LINK_MAX_AGE
from digest.store.members import alias_error, set_aliases, set_targets
from digest.store.models import Delivery, Feedback, Member, PastEmployer, Posting, Subgroup
from digest.store.recruiters import mark_recruiters, marked_recruiters, recruiter_error
from digest.store.statuses import FeedbackKind, MemberStatus, PostingStatus
from digest.web.aliases import request_confirmations
from digest.web.context import current_member, db_session, signin_required, state
from digest.web.digests import current_period, member_digest
from digest.web.forms import ActionForm, PreferencesForm, choices, split_list
from digest.web.intros import my_requests
from parsers.company import normalize_company

bp = Blueprint("member", __name__)
UNSUBSCRIBE_MAX_AGE = 366 * 24 * 3600  # an old digest's unsubscribe link must keep working
KIND_LABELS = dict(FEEDBACK_KINDS)
NOT_VALID = "This link is not valid any more. Use the links in your latest digest, or sign in."


def _refuse(token: str) -> None:
    """400: a clear 'expired, here is how to get a new link' page for an older digest's generic
    link, the plain 'not valid' page for anything else."""
    if state().signer.is_legacy(token):
        page = render_template("web/member/link_expired.html", signin=_signin_to_me())
        abort(make_response(page, 400))
    abort(400, NOT_VALID)


def _signin_to_me() -> str:
    return url_for("auth.signin", next=url_for("auth.my_preferences"))


def _member(purpose: str, token: str, max_age: int = LINK_MAX_AGE) -> Member:
    """The member a link was made for; 400 for a forged, expired or other-purpose token."""
    member_id = state().signer.loads(purpose, token, max_age=max_age)
    member = db_session().get(Member, member_id) if isinstance(member_id, int) else None
    if member is None or member.status == MemberStatus.REMOVED:
        _refuse(token)
    assert member is not None
    return member


# -- preferences ------------------------------------------------------------------------------


def _preferences_data(member: Member) -> dict[str, Any]:
    return {
        "name": member.name,
        "subscribed": member.status != MemberStatus.UNSUBSCRIBED,
        "subgroups": [g.id for g in member.subgroups],
        "keywords": "\n".join(member.keywords),
        "location": member.location,
        "targets": "\n".join(t.name for t in member.targets),
        "remote_ok": member.remote_ok,
        "pitch": member.pitch,
        "pitch_public": member.pitch_public,
        "recruiters": "\n".join(marked_recruiters(db_session(), member)),
        "show_name": member.show_name,
        "thank_opt_in": member.thank_opt_in,
        "contact_opt_in": member.contact_opt_in,
        "past_employers": "\n".join(e.name for e in member.employers),
        "aliases": "\n".join(a.address for a in member.aliases),
        "paused_until": member.paused_until,
        "always_send": member.always_send,
        "intro_opt_in": member.intro_opt_in,
        "keep_helping": member.keep_helping,
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
        recruiter_problem = recruiter_error(split_list(form.recruiters.data))
        if form.paused_until.data and form.paused_until.data <= date.today():
            form.paused_until.errors = ["Pick a date in the future, or leave it empty."]
        elif alias_problem:
            form.aliases.errors = [alias_problem]
        elif recruiter_problem:
            form.recruiters.errors = [recruiter_problem]
        else:
            unconfirmed = _apply(member, form, {g.id: g for g in groups})
            sess.commit()
            flash("Your preferences are saved.")
            _confirm_aliases(member, unconfirmed)
            return redirect(url_for("member.preferences", token=token))
    code = 400 if form.errors else 200
    pending = [a.address for a in member.aliases if a.confirmed_at is None]
    return render_template(
        "web/member/preferences.html",
        form=form,
        member=member,
        token=token,
        pending=pending,
        intros=my_requests(sess, member),
    ), code


def _apply(member: Member, form: PreferencesForm, groups: dict[int, Subgroup]) -> list[str]:
    """Store the form; the aliases that still need their owner's confirmation."""
    if form.subscribed.data and member.status == MemberStatus.UNSUBSCRIBED:
        member.status = MemberStatus.ACTIVE
    elif not form.subscribed.data and member.status != MemberStatus.UNSUBSCRIBED:
        member.status = MemberStatus.UNSUBSCRIBED
    member.name = (form.name.data or "").strip()
    member.subgroups = [groups[g] for g in form.subgroups.data or [] if g in groups]
    member.keywords = split_list(form.keywords.data)
    member.location = (form.location.data or "").strip()
    set_targets(member, split_list(form.targets.data))
    member.pitch = (form.pitch.data or "").strip()
    for name in (
        "remote_ok",
        "show_name",
        "thank_opt_in",
        "contact_opt_in",
        "always_send",
        "intro_opt_in",
        "keep_helping",
        "pitch_public",
    ):
        setattr(member, name, bool(getattr(form, name).data))
    member.paused_until = form.paused_until.data
    unconfirmed = set_aliases(member, split_list(form.aliases.data))
    mark_recruiters(db_session(), member, split_list(form.recruiters.data))
    wanted = split_list(form.past_employers.data)
    if wanted != [e.name for e in member.employers]:
        member.employers = [
            PastEmployer(name=n[:200], company_key=normalize_company(n)) for n in wanted
        ]
    return unconfirmed


def _confirm_aliases(member: Member, addresses: list[str]) -> None:
    if not addresses:
        return
    sent, limited = request_confirmations(member, addresses)
    if sent:
        flash(
            f"We mailed a confirmation link to {', '.join(sent)}. Each address counts once that"
            " link is used; until then, mail from it waits for the operator's review."
        )
    if limited:
        flash(
            f"A confirmation link went to {', '.join(limited)} recently: use that one, or try"
            " again tomorrow."
        )


# -- unsubscribe (RFC 8058) -------------------------------------------------------------------


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str) -> Any:
    """GET and HEAD ask (link scanners must not unsubscribe anyone; Flask sends HEAD to this
    view too); POST, as mail clients send it with `List-Unsubscribe=One-Click`, unsubscribes at
    once. CSRF-exempt: the signed URL is the proof."""
    member = _member("unsubscribe", token, max_age=UNSUBSCRIBE_MAX_AGE)
    prefs = _signin_to_me()
    if request.method != "POST":
        return render_template(
            "web/member/unsubscribe.html", member=member, token=token, prefs=prefs
        )
    if member.status != MemberStatus.UNSUBSCRIBED:
        member.status = MemberStatus.UNSUBSCRIBED
        db_session().commit()
    return render_template("web/member/unsubscribed.html", member=member, prefs=prefs)


# -- feedback ---------------------------------------------------------------------------------


def _feedback_posting(member: Member | None, posting_id: object, kind: str) -> Posting:
    item = db_session().get(Posting, posting_id) if isinstance(posting_id, int) else None
    if (
        member is None
        or member.status == MemberStatus.REMOVED
        or item is None
        or kind not in KIND_LABELS
    ):
        abort(400, "This link is not valid any more.")
    assert item is not None
    return item


def _feedback(member: Member, item: Posting, kind: str) -> Any:
    """GET and HEAD show the one-button page; its POST records."""
    form = ActionForm()
    if not form.validate_on_submit():
        code = 400 if request.method == "POST" else 200
        return render_template(
            "web/member/feedback_confirm.html",
            form=form,
            posting=item,
            kind=kind,
            label=KIND_LABELS[kind],
        ), code
    _record(member.id, item.id, kind)
    if kind == FeedbackKind.HIRED:  # "Hired" opens the short landing form
        token = state().signer.dumps("landing", [member.id, item.id])
        return redirect(url_for("intros.landed", token=token), code=303)
    return render_template(
        "web/member/feedback.html", posting=item, label=KIND_LABELS[kind], prefs=_signin_to_me()
    )


@bp.route("/feedback/<token>/<int:posting_id>/<kind>", methods=["GET", "POST"])
def member_feedback(token: str, posting_id: int, kind: str) -> Any:
    """The token signs the member, once per digest; the posting and kind ride in the path, so
    every member's digest joins prepared lead fragments to one token. The posting must be one
    the member was offered (`_offered`), or the link is refused like a forged one."""
    member_id = state().signer.loads("feedback-member", token)
    member = db_session().get(Member, member_id) if isinstance(member_id, int) else None
    item = _feedback_posting(member, posting_id, kind)
    if member is None or not _offered(member, item):
        abort(400, "This link is not valid any more.")
    return _feedback(member, item, kind)  # type: ignore[arg-type]


@bp.route("/feedback/<token>/<kind>", methods=["GET", "POST"])
def feedback(token: str, kind: str) -> Any:
    """Links of older digests (until they expire): the token signs (member, posting), the kind
    rides in the path. An unknown kind is refused like a forged token."""
    data = state().signer.loads("feedback", token)
    if not (isinstance(data, list) and len(data) == 2):
        abort(400, "This link is not valid any more.")
    member_id, posting_id = data
    member = db_session().get(Member, member_id) if isinstance(member_id, int) else None
    return _feedback(member, _feedback_posting(member, posting_id, kind), kind)  # type: ignore[arg-type]


@bp.route("/me/feedback/<int:posting_id>/<kind>", methods=["GET", "POST"])
@signin_required
def my_feedback(posting_id: int, kind: str) -> Any:
    """Feedback from the web copy of a digest, whose links carry no token: sign in first."""
    member = current_member()
    return _feedback(member, _feedback_posting(member, posting_id, kind), kind)  # type: ignore[arg-type]


def _offered(member: Member, item: Posting) -> bool:
    """Was this posting in one of the member's digests (the ledger records each digest's
    postings before it is sent), or at least one the group's digests carry now (active, not held
    for review; a dry run or the demo records no digest)? The token proves the member; this
    keeps a digest's link from voting on hidden, merged or held postings it never showed."""
    if item.status == PostingStatus.ACTIVE and not item.held:
        return True
    rows = db_session().scalars(select(Delivery.posting_ids).where(Delivery.member_id == member.id))
    return any(item.id in (ids or []) for ids in rows)


def _record(member_id: int, posting_id: int, kind: str) -> None:
    """Idempotent: a second click adds nothing."""
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
    """Read-only: the "see N more" link of a digest, which its reader may forward."""
    member = _member("view", token)
    cfg = state().cfg
    period = current_period(cfg)
    digest = member_digest(db_session(), cfg, member, period)
    if not digest.leads:
        return render_template(
            "web/member/no_digest.html", member=member, period=period, prefs=_signin_to_me()
        )
    html, _text = render(cfg, digest, ViewLinks(cfg, state().signer, member.id))
    return html
