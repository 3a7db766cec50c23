"""Extra addresses a member forwards from, confirmed by the owner of each address.

A preferences link is enough to list an address, but not to make it count: a link is mailed (by
the configured SMTP server, off the request thread) to the address itself, and only its use (a
confirm page, then a POST) makes the alias credit mail and let it past the hold queue. The claim
rides in the signed link (purpose "alias-confirm": member and address, a week), so an address
nobody confirms is stored nowhere and blocks no one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for

from digest.delivery.headers import header_text, mailbox
from digest.store.members import EMAIL_RE, confirm_alias
from digest.store.models import Member
from digest.store.statuses import MemberStatus
from digest.web.context import db_session, state
from digest.web.forms import ActionForm

bp = Blueprint("aliases", __name__)
PURPOSE = "alias-confirm"
CONFIRM_DAYS = 7


def request_confirmations(member: Member, addresses: list[str]) -> tuple[list[str], list[str]]:
    """Mail a confirmation link to each address; (sent, refused by the rate limit)."""
    st = state()
    sent, limited = [], []
    for address in addresses:
        if not st.limit_alias.hit(address):
            limited.append(address)
            continue
        token = st.signer.dumps(PURPOSE, [member.id, address])
        link = st.cfg.web.base_url.rstrip("/") + url_for("aliases.confirm", token=token)
        st.outbox.send(_message(member, address, link))
        sent.append(address)
    return sent, limited


def _message(member: Member, address: str, link: str) -> EmailMessage:
    cfg = state().cfg
    msg = EmailMessage()
    msg["From"] = cfg.smtp.from_address
    msg["To"] = mailbox("", address)
    msg["Subject"] = header_text(f"Confirm your address for {cfg.group.name}")
    msg["Date"] = format_datetime(datetime.now(UTC))
    domain = parseaddr(cfg.smtp.from_address)[1].rpartition("@")[2] or "localhost"
    msg["Message-ID"] = make_msgid("alias", domain=domain)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(
        render_template(
            "web/mail/alias_confirm.txt",
            member=member,
            address=address,
            link=link,
            days=CONFIRM_DAYS,
        )
    )
    return msg


def _claim(token: str) -> tuple[Member, str]:
    """The member and address a genuine, unexpired confirmation link names; 400 otherwise."""
    data = state().signer.loads(PURPOSE, token, max_age=CONFIRM_DAYS * 24 * 3600)
    member = None
    well_formed = isinstance(data, list) and len(data) == 2 and isinstance(data[0], int)
    if well_formed and isinstance(data[1], str) and EMAIL_RE.match(data[1]):
        member = db_session().get(Member, data[0])
    if member is None or member.status == MemberStatus.REMOVED:
        abort(
            400,
            "This confirmation link is not valid any more. Save the address again in your"
            " preferences to get a new one.",
        )
    return member, str(data[1]).lower()


@bp.route("/alias/<token>", methods=["GET", "POST"])
def confirm(token: str) -> Any:
    """GET asks; POST confirms (a mail scanner opening the link confirms nothing)."""
    member, address = _claim(token)
    form = ActionForm()
    done = any(a.address == address and a.confirmed_at for a in member.aliases)
    if done or not form.validate_on_submit():
        return render_template(
            "web/member/alias_confirm.html", form=form, member=member, address=address, done=done
        )
    problem = confirm_alias(db_session(), member, address)
    if problem:
        db_session().rollback()
        abort(400, problem)
    db_session().commit()
    flash(f"Confirmed: postings you forward from {address} are credited to {member.display_name}.")
    return redirect(url_for("aliases.confirm", token=token))
