"""What a mail's top-level headers say about its delivery: where it was delivered, whether a
machine wrote it, and what our own receiving server verified.

Pure: bytes in, plain values out. Only the header block is read (the stdlib's header parser,
no MIME), so these are cheap enough to ask of any stored mail.

Interface (stable):
    headers_of(raw: bytes) -> Message
    delivered_to(raw: bytes) -> list[str]
    is_automatic(raw: bytes) -> bool
    dkim_pass_domains(raw: bytes, authserv_id: str) -> set[str]
    dkim_aligned(domain: str, signing_domains: set[str]) -> bool
"""

from __future__ import annotations

import re
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import getaddresses

#: the header block is never longer than this in mail we keep
MAX_HEADER_BYTES = 256 * 1024
#: headers naming the address a mail was delivered to, most trusted (the receiving side) first
DELIVERY_HEADERS = ("delivered-to", "x-original-to", "envelope-to", "to", "cc")
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_ADDR_RE = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_DKIM_PASS_RE = re.compile(r"\bdkim\s*=\s*pass\b([^;]*)", re.I)
#: the signing domain: header.d=linkedin.com, or the domain of header.i=@linkedin.com
_HEADER_D_RE = re.compile(r"\bheader\.(?:d\s*=\s*\"?|i\s*=\s*\"?[^@\s;]*@)([A-Za-z0-9.-]+)", re.I)


def headers_of(raw: bytes) -> Message:
    """The top-level headers alone (never raises: an unreadable block gives no headers)."""
    head = raw[:MAX_HEADER_BYTES]
    end = _HEADER_END.search(head)
    try:
        return BytesHeaderParser(policy=compat32).parsebytes(head[: end.start()] if end else head)
    except Exception:  # noqa: BLE001 - the parser boundary never raises
        return Message()


def _values(headers: Message, name: str) -> list[str]:
    return [str(v) for v in headers.get_all(name, [])]


def delivered_to(raw: bytes) -> list[str]:
    """Addresses the mail was delivered to, lowercased, in DELIVERY_HEADERS order, once each."""
    headers = headers_of(raw)
    found: list[str] = []
    for name in DELIVERY_HEADERS:
        values = _values(headers, name)
        if name in ("to", "cc"):
            found += [addr.lower() for _n, addr in getaddresses(values) if "@" in addr]
        else:
            found += [a.lower() for v in values for a in _ADDR_RE.findall(v)]
    return list(dict.fromkeys(found))


def is_automatic(raw: bytes) -> bool:
    """Mail no person wrote, which must never get an automatic reply (RFC 3834 section 2):
    Auto-Submitted other than "no", Precedence bulk/list/junk, a List-Id or List-Unsubscribe
    (mailing lists), or an empty Return-Path (bounces)."""
    headers = headers_of(raw)
    auto = str(headers.get("Auto-Submitted", "no")).strip().lower()
    precedence = str(headers.get("Precedence", "")).strip().lower()
    return_path = str(headers.get("Return-Path", "x")).strip()
    return (
        (auto != "" and not auto.startswith("no"))
        or precedence in ("bulk", "list", "junk")
        or headers.get("List-Id") is not None
        or headers.get("List-Unsubscribe") is not None
        or return_path == "<>"
    )


def dkim_pass_domains(raw: bytes, authserv_id: str) -> set[str]:
    """Signing domains (header.d) that passed DKIM according to Authentication-Results headers
    written by our own receiving server, named by its authserv-id (RFC 8601). A header with
    another authserv-id was written by someone else and says nothing."""
    wanted = authserv_id.strip().lower()
    if not wanted:
        return set()
    domains: set[str] = set()
    for value in _values(headers_of(raw), "Authentication-Results"):
        text = " ".join(value.split())
        server, _sep, rest = text.partition(";")
        words = server.split()
        if not words or words[0].lower() != wanted:
            continue
        for match in _DKIM_PASS_RE.finditer(rest):
            domains.update(d.lower().rstrip(".") for d in _HEADER_D_RE.findall(match.group(1)))
    return domains


def dkim_aligned(domain: str, signing_domains: set[str]) -> bool:
    """Relaxed alignment (DMARC, RFC 7489 3.1.1): the sender's domain is a signing domain or
    below one (mail.linkedin.com is aligned with a signature by linkedin.com)."""
    domain = domain.lower().rstrip(".")
    return any(
        domain == d or domain.endswith("." + d) for d in signing_domains if d.count(".") >= 1
    )
