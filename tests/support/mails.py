"""Building realistic member mails for tests: forwards as real clients write them."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

GROUP_INBOX = "leads@group.example.org"


def mail(
    sender: str, subject: str, body: str, html: str | None = None, to: str = GROUP_INBOX
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime(2026, 11, 24, 15, 4, tzinfo=UTC))
    msg["Message-ID"] = make_msgid(domain="test.example")
    msg.set_content(body)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    return msg.as_bytes()


def gmail_forward(sender: str, note: str, orig_from: str, subject: str, body: str) -> bytes:
    text = (
        f"{note}\n\n---------- Forwarded message ---------\n"
        f"From: {orig_from}\nDate: Mon, Nov 23, 2026 at 9:12 AM\nSubject: {subject}\n"
        f"To: <{sender.split('<')[-1].rstrip('>')}>\n\n\n{body}\n"
    )
    return mail(sender, f"Fwd: {subject}", text)


def outlook_forward(sender: str, note: str, orig_from: str, subject: str, body: str) -> bytes:
    text = (
        f"{note}\n\n________________________________\n"
        f"From: {orig_from}\nSent: Monday, November 23, 2026 10:15 AM\n"
        f"To: {sender}\nSubject: {subject}\n\n{body}\n"
    )
    return mail(sender, f"FW: {subject}", text)


def apple_forward(sender: str, note: str, orig_from: str, subject: str, body: str) -> bytes:
    text = (
        f"{note}\n\nBegin forwarded message:\n\n"
        f"From: {orig_from}\nSubject: {subject}\nDate: November 23, 2026 at 10:15:00 AM CST\n"
        f"To: {sender}\n\n{body}\n"
    )
    return mail(sender, f"Fwd: {subject}", text)


BROKEN_MIME = (
    b"From: Alice Moreno <alice@members.example>\r\nTo: leads@group.example.org\r\n"
    b"Subject: job\r\nMessage-ID: <broken@test.example>\r\nMIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="missing"\r\n\r\n'
    b"no boundary ever appears here\r\n"
)
