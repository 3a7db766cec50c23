"""Warm introductions and landings on the web: signed links, confirm pages, and only POSTs act.

"Ask Dan for an introduction" (purpose "intro-ask") shows a confirm page; its POST records the
request (at most `group.intro_requests_per_week` per contact) and mails Dan once, through the
configured SMTP server off the request thread, with the asker's pitch and the posting. Dan's
"happy to help" / "not this time" links (purpose "intro-answer") work the same way. "Hired"
feedback leads to the landing form (purpose "landing"). Mail scanners open every link: GET and
HEAD only show pages.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Any

from flask import Blueprint, abort, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from digest.delivery.headers import header_text, mailbox
from digest.store.intros import (
    answer,
    answer_line,
    ask,
    ask_problem,
    find_request,
    pitch_of,
    record_landing,
)
from digest.store.models import IntroRequest, Member, Posting
from digest.store.statuses import IntroStatus, MemberStatus
from digest.web.context import current_member, db_session, signin_required, state
from digest.web.forms import ActionForm, LandingForm

bp = Blueprint("intros", __name__)
ANSWERS = {"help": True, "decline": False}
ANSWER_LABELS = {"help": "Happy to help", "decline": "Not this time"}
INVALID = "This link is not valid any more. Use the links in your latest digest, or sign in."


def my_requests(session: Session, member: Member) -> list[str]:
    """The member's introduction requests as lines for their page, newest first."""
    rows = session.scalars(
        select(IntroRequest)
        .where(IntroRequest.asker_id == member.id)
        .order_by(IntroRequest.created_at.desc())
        .limit(20)
    )
    return [answer_line(r) for r in rows]


def _listed(member_id: object) -> Member | None:
    member = db_session().get(Member, member_id) if isinstance(member_id, int) else None
    return None if member is None or member.status == MemberStatus.REMOVED else member


def _ask_parts(data: object) -> tuple[Member, Member, Posting]:
    """(asker, contact, posting) a genuine intro-ask token names; 400 otherwise."""
    if not (isinstance(data, list) and len(data) == 3):
        abort(400, INVALID)
    asker, contact = _listed(data[0]), _listed(data[1])
    posting = db_session().get(Posting, data[2]) if isinstance(data[2], int) else None
    if asker is None or contact is None or posting is None:
        abort(400, INVALID)
    return asker, contact, posting  # type: ignore[return-value]


@bp.route("/intro/<token>", methods=["GET", "POST"])
def ask_intro(token: str) -> Any:
    return _ask(*_ask_parts(state().signer.loads("intro-ask", token)))


@bp.route("/me/intro/<int:posting_id>/<int:contact_id>", methods=["GET", "POST"])
@signin_required
def my_ask_intro(posting_id: int, contact_id: int) -> Any:
    """From the web copy of a digest, whose links carry no token: sign in first."""
    me = current_member()
    assert me is not None
    return _ask(*_ask_parts([me.id, contact_id, posting_id]))


def _ask(asker: Member, contact: Member, posting: Posting) -> Any:
    """GET and HEAD show the confirm page; its POST records the request and mails the contact."""
    form = ActionForm()
    found = find_request(db_session(), asker.id, contact.id, posting.id)
    problem = "" if found else ask_problem(asker, contact, posting)
    context = {"asker": asker, "contact": contact, "posting": posting, "pitch": pitch_of(asker)}
    if found is not None or problem or not form.validate_on_submit():
        code = 400 if problem and request.method == "POST" else 200
        return render_template(
            "web/member/intro_confirm.html",
            form=form,
            found=found,
            problem=problem,
            line=answer_line(found) if found else "",
            **context,
        ), code
    made, problem = ask(
        db_session(), asker, contact, posting, state().cfg.group.intro_requests_per_week
    )
    if made is None:
        db_session().rollback()
        return render_template(
            "web/member/intro_confirm.html",
            form=form,
            found=None,
            problem=problem,
            line="",
            **context,
        ), 429
    db_session().commit()
    state().outbox.send(_request_mail(made, asker, contact, posting), on_sent=f"intro:{made.id}")
    return render_template("web/member/intro_sent.html", **context)


def _request_mail(
    req: IntroRequest, asker: Member, contact: Member, posting: Posting
) -> EmailMessage:
    """One mail to the contact: who asks, their pitch, the posting, and the two answer links."""
    cfg = state().cfg
    base = cfg.web.base_url.rstrip("/")
    token = state().signer.dumps("intro-answer", req.id)
    links = {k: base + url_for("intros.answer_intro", token=token, choice=k) for k in ANSWERS}
    msg = EmailMessage()
    msg["From"] = cfg.smtp.from_address
    msg["To"] = mailbox(contact.name, contact.email)
    msg["Reply-To"] = mailbox(asker.name, asker.email)
    msg["Subject"] = header_text(
        f"{asker.display_name} asks you for an introduction at {posting.company or 'a company'}"
    )
    msg["Date"] = format_datetime(datetime.now(UTC))
    domain = parseaddr(cfg.smtp.from_address)[1].rpartition("@")[2] or "localhost"
    msg["Message-ID"] = make_msgid("intro", domain=domain)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(
        render_template(
            "web/mail/intro_request.txt",
            asker=asker,
            contact=contact,
            posting=posting,
            pitch=pitch_of(asker),
            links=links,
            group=cfg.group,
        )
    )
    return msg


@bp.route("/intro/answer/<token>/<choice>", methods=["GET", "POST"])
def answer_intro(token: str, choice: str) -> Any:
    """The contact's answer: GET shows the button, POST records it (the first answer stands)."""
    req_id = state().signer.loads("intro-answer", token)
    req = db_session().get(IntroRequest, req_id) if isinstance(req_id, int) else None
    if req is None or choice not in ANSWERS or _listed(req.contact_id) is None:
        abort(400, INVALID)
    assert req is not None
    form = ActionForm()
    if req.status != IntroStatus.PENDING or not form.validate_on_submit():
        code = 400 if request.method == "POST" and req.status == IntroStatus.PENDING else 200
        return render_template(
            "web/member/intro_answer.html",
            form=form,
            req=req,
            label=ANSWER_LABELS[choice],
            done=False,
        ), code
    answer(req, ANSWERS[choice])
    db_session().commit()
    return render_template(
        "web/member/intro_answer.html", form=form, req=req, label=ANSWER_LABELS[choice], done=True
    )


@bp.route("/landed/<token>", methods=["GET", "POST"])
def landed(token: str) -> Any:
    """The short form "Hired" opens: where, which role, may the group celebrate?"""
    data = state().signer.loads("landing", token)
    if not (isinstance(data, list) and len(data) == 2):
        abort(400, INVALID)
    member = _listed(data[0])
    posting = db_session().get(Posting, data[1]) if isinstance(data[1], int) else None
    if member is None:
        abort(400, INVALID)
    assert member is not None
    defaults = {
        "company": posting.company if posting else "",
        "role": posting.title if posting else "",
        "keep_helping": member.keep_helping,
    }
    form = LandingForm(data=None if request.method == "POST" else defaults)
    if not form.validate_on_submit():
        code = 400 if request.method == "POST" else 200
        return render_template(
            "web/member/landed.html", form=form, member=member, posting=posting
        ), code
    landing = record_landing(
        db_session(),
        member,
        posting,
        (form.company.data or "").strip(),
        (form.role.data or "").strip(),
        bool(form.celebrate.data),
        bool(form.keep_helping.data),
    )
    db_session().commit()
    return render_template("web/member/landed_done.html", member=member, landing=landing)
