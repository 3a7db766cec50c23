"""The SMTP seam on a real aiosmtpd: prepared messages arrive byte for byte, dots and all."""

from __future__ import annotations

import smtplib

import pytest

from digest.delivery.smtp import send_prepared, to_crlf

pytestmark = pytest.mark.servers


@pytest.mark.parametrize("newline", [b"\r\n", b"\n"])
def test_prepared_message_arrives_intact_with_leading_dots(smtp_server, newline: bytes) -> None:  # type: ignore[no-untyped-def]
    lines = [
        b"From: a@x.example",
        b"To: b@y.example",
        b"Subject: dots",
        b"",
        b".hidden line",
        b"..two dots",
        b"normal",
        b".",
    ]
    data = to_crlf(newline.join(lines) + newline)
    with smtplib.SMTP(smtp_server.host, smtp_server.port, local_hostname="localhost") as conn:
        send_prepared(conn, "a@x.example", "b@y.example", data)
        send_prepared(conn, "a@x.example", "c@y.example", data)  # the connection is reusable
    received = smtp_server.wait_for(2)
    body = received[0].message().get_content()
    assert body.splitlines() == [".hidden line", "..two dots", "normal", "."]
    assert [m.rcpt_tos for m in received] == [("b@y.example",), ("c@y.example",)]


def test_refused_recipient_raises_like_sendmail(smtp_server) -> None:  # type: ignore[no-untyped-def]
    smtp_server.reject_recipient("gone@y.example")
    with smtplib.SMTP(smtp_server.host, smtp_server.port, local_hostname="localhost") as conn:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as info:
            send_prepared(conn, "a@x.example", "gone@y.example", b"Subject: x\r\n\r\nhi\r\n")
        assert info.value.recipients["gone@y.example"][0] >= 500


def test_message_bytes_are_crlf_throughout() -> None:
    """send_prepared trusts this: the wire form of a message ends every line with CRLF."""
    from email.message import EmailMessage

    from digest.delivery.render import message_bytes

    msg = EmailMessage()
    msg["Subject"] = "Leads " + "long words " * 20
    msg.set_content("line one\nline two\n.leading dot\n" + "x" * 2000 + "\n")
    msg.add_alternative("<p>hi</p>\n<p>there</p>\n", subtype="html")
    data = message_bytes(msg)
    assert data.count(b"\n") == data.count(b"\r\n") == data.count(b"\r")
    assert max(len(line) for line in data.split(b"\r\n")) <= 998
