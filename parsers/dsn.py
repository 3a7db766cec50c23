"""Which of our messages a delivery report (DSN, RFC 3464) is about.

A report returns the failed message, whole (message/rfc822) or its header block
(text/rfc822-headers, message/global-headers): the Message-ID there is the one we gave the
digest. A report that names none refers to no digest of ours, whatever recipients it lists.

Interface (stable):
    returned_message_ids(raw: bytes) -> list[str]
"""

from __future__ import annotations

import email
from email.message import Message
from email.parser import HeaderParser
from email.policy import compat32

_HEADER_PARTS = ("text/rfc822-headers", "message/global-headers")
_MESSAGE_PARTS = ("message/rfc822", "message/global")
#: parts looked at, at most: a report has three
MAX_PARTS = 50


def _message_id(headers: Message) -> str:
    return " ".join(str(headers.get("Message-ID", "")).split())


def _from_part(part: Message) -> str:
    kind = part.get_content_type()
    if kind in _MESSAGE_PARTS:
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else None
        if isinstance(inner, Message):
            return _message_id(inner)
        text = part.get_payload(decode=True) or b""
        return _message_id(HeaderParser(policy=compat32).parsestr(text.decode("utf-8", "replace")))
    if kind in _HEADER_PARTS:
        text = part.get_payload(decode=True) or b""
        return _message_id(HeaderParser(policy=compat32).parsestr(text.decode("utf-8", "replace")))
    return ""


def returned_message_ids(raw: bytes) -> list[str]:
    """Message-IDs of the returned message in a report's rfc822 parts; [] if none (never raises)."""
    try:
        msg = email.message_from_bytes(raw, policy=compat32)
        found: list[str] = []
        for count, part in enumerate(msg.walk()):
            if count >= MAX_PARTS:
                break
            if msg is not part or not msg.is_multipart():
                mid = _from_part(part)
                if mid:
                    found.append(mid)
        return list(dict.fromkeys(found))
    except Exception:  # noqa: BLE001 - the parser boundary never raises
        return []
