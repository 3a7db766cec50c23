"""Sign-in by a mailed link: signed, 15 minutes, single use; the same answer for every address.

Asking for links is limited per client address (X-Forwarded-For believed only from
`[web] trusted_proxies`, see digest/web/proxies.py) and per target address, with the counts in
the database so every web process shares them. A used link starts a server-side session
(digest/web/sessions.py) that signing out ends for every copy of the cookie.
"""

from __future__ import annotations

import logging
import secrets
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from digest.clock import utcnow
from digest.config import Config
from digest.delivery.headers import header_text, mailbox
from digest.delivery.tokens import Signer
from digest.store.members import find_member
from digest.store.models import Member, UsedSignInToken
from digest.store.statuses import MemberStatus
from digest.web import sessions
from digest.web.context import current_member, db_session, safe_next, signin_required, state
from digest.web.forms import ActionForm, SignInForm

bp = Blueprint("auth", __name__)
console = logging.getLogger("jobdigest.web")
PURPOSE = "signin"
LINK_MINUTES = 15


@bp.get("/")
@signin_required
def home() -> str:
    return render_template("web/home.html")


@bp.route("/signin", methods=["GET", "POST"])
def signin() -> Any:
    form = SignInForm()
    next_path = safe_next(request.values.get("next"))
    if not form.validate_on_submit():
        return render_template("web/signin.html", form=form, next=next_path)
    address = (form.email.data or "").strip().lower()
    st = state()
    client = request.remote_addr or "?"
    if not st.limit_ip.hit(client) or not st.limit_address.hit(address):
        return render_template("web/signin_limited.html"), 429
    member = find_member(db_session(), address)
    no_mail = not st.cfg.smtp.host
    if member is not None:
        link = signin_url(st.cfg, st.signer, member.id, next_path)
        if no_mail:
            # No [smtp]: the person at the server's console hands the link on (or uses it).
            console.warning("sign-in link for %s (no [smtp] configured): %s", member.email, link)
        else:
            st.outbox.send(_signin_message(member, link))
    return render_template(
        "web/signin_sent.html", address=address, minutes=LINK_MINUTES, no_mail=no_mail
    )


def signin_url(cfg: Config, signer: Signer, member_id: int, next_path: str = "/") -> str:
    """A one-time sign-in link, valid LINK_MINUTES: mailed by the sign-in page, printed by
    `jobdigest sign-in-link`. Needs no request, so the command line can make one."""
    token = signer.dumps(PURPOSE, [member_id, secrets.token_urlsafe(18), next_path])
    return f"{cfg.site_url()}/signin/{token}"


def _signin_message(member: Member, link: str) -> EmailMessage:
    cfg = state().cfg
    msg = EmailMessage()
    msg["From"] = cfg.smtp.from_address
    msg["To"] = mailbox(member.name, member.email)
    msg["Subject"] = header_text(f"Your sign-in link for {cfg.group.name}")
    msg["Date"] = format_datetime(datetime.now(UTC))
    domain = parseaddr(cfg.smtp.from_address)[1].rpartition("@")[2] or "localhost"
    msg["Message-ID"] = make_msgid("signin", domain=domain)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(
        render_template("web/mail/signin.txt", member=member, link=link, minutes=LINK_MINUTES)
    )
    return msg


def _read_token(token: str) -> tuple[Member, str, str] | None:
    """(member, link id, next path) of a valid, unused link; None otherwise."""
    data = state().signer.loads(PURPOSE, token, max_age=LINK_MINUTES * 60)
    if not (isinstance(data, list) and len(data) == 3 and isinstance(data[0], int)):
        return None
    member = db_session().get(Member, data[0])
    if member is None or member.status == MemberStatus.REMOVED:
        return None
    if db_session().get(UsedSignInToken, str(data[1])) is not None:
        return None
    return member, str(data[1]), safe_next(str(data[2]))


@bp.route("/signin/<token>", methods=["GET", "POST"])
def confirm(token: str) -> Any:
    """GET only asks; POST signs in. Mail scanners follow links, and must not use up the link."""
    found = _read_token(token)
    if found is None:
        return render_template("web/signin_invalid.html"), 400
    member, jti, next_path = found
    form = ActionForm()
    if not form.validate_on_submit():
        return render_template("web/signin_confirm.html", form=form, member=member)
    if not _consume(member, jti):
        return render_template("web/signin_invalid.html"), 400
    sessions.start(db_session(), member)
    return redirect(request.script_root + next_path)  # inside the group's /g/<slug>/


def _consume(member: Member, jti: str) -> bool:
    """Record the link as used; False when another request used it first."""
    sess = db_session()
    cutoff = utcnow() - timedelta(days=1)
    sess.execute(delete(UsedSignInToken).where(UsedSignInToken.used_at < cutoff))
    sess.add(UsedSignInToken(jti=jti, member_id=member.id))
    try:
        sess.commit()
    except IntegrityError:
        sess.rollback()
        return False
    return True


@bp.post("/signout")
def signout() -> Any:
    form = ActionForm()
    if form.validate_on_submit():
        sessions.end(db_session())
    return redirect(url_for("auth.signin"))


@bp.get("/me")
@signin_required
def my_preferences() -> Any:
    """A signed-in member reaches their preferences without digging out a digest mail."""
    member = current_member()
    assert member is not None
    token = state().signer.dumps("preferences", member.id)
    return redirect(url_for("member.preferences", token=token))
