"""Mail bytes to decoded headers, text/HTML bodies and attached (forwarded) messages.

Real mail lies about itself: wrong or unknown charsets, raw 8-bit headers, broken base64,
thousands of parts. Everything here degrades to a best-effort value plus a warning; nothing
raises. Bodies are decoded by us (declared charset -> utf-8 -> cp1252 -> latin-1) rather than by
`get_content()`, which gives up on an unknown charset.

Interface (stable):
    decode_mail(raw: bytes) -> DecodedMail
    decode_bytes(data: bytes, declared: str = "") -> str
    decode_header_value(value: str) -> str
    bounce_recipients(raw: bytes) -> list[tuple[str, str]]
"""

from __future__ import annotations

import base64
import binascii
import codecs
import email
import email.errors
import email.parser
import email.policy
import re
from dataclasses import dataclass, field
from email.header import decode_header
from email.message import Message
from email.utils import getaddresses

from parsers.htmltext import html_to_text
from parsers.model import Address

#: Parts larger than this (decoded size estimate) are skipped: attachments, not postings.
MAX_PART_BYTES = 5 * 1024 * 1024
#: At most this many MIME parts are looked at per mail, nested messages included.
MAX_PARTS = 200
#: message/rfc822 nesting deeper than this is not followed.
MAX_DEPTH = 8

_LATIN_LIKE = frozenset({"us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1", "cp1252",
                         "windows-1252", "iso8859-1", "l1", "8859"})  # fmt: skip
_CHARSET_ALIASES = {"unicode-1-1-utf-7": "utf-7", "x-sjis": "shift_jis", "ks_c_5601-1987": "cp949",
                    "gb2312": "gb18030", "gbk": "gb18030", "iso-8859-8-i": "iso-8859-8",
                    "x-user-defined": "cp1252", "ansi_x3.4-1968": "ascii",
                    "unknown-8bit": "utf-8", "x-unknown": "utf-8"}  # fmt: skip
_AUTH_RE = re.compile(r"\b(dmarc|dkim|spf|arc|bimi)\s*=\s*([A-Za-z]+)", re.IGNORECASE)
_ENCODED_WORD_SPACE_RE = re.compile(r"(=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=)\s+(?==\?)")


@dataclass(slots=True)
class DecodedMail:
    """One message with everything we read from it; attachments are forwarded originals."""

    sender: Address = field(default_factory=Address)
    to: list[Address] = field(default_factory=list)
    cc: list[Address] = field(default_factory=list)
    subject: str = ""
    date: str = ""
    message_id: str = ""
    text: str = ""
    html: str = ""
    attached: list[DecodedMail] = field(default_factory=list)
    auth: dict[str, str] = field(default_factory=dict)
    special: str = ""
    has_headers: bool = False
    warnings: list[str] = field(default_factory=list)


# --- charsets -----------------------------------------------------------------------------------


def _codec(name: str) -> str | None:
    """A Python codec name for a MIME charset label, or None when Python has no such codec."""
    label = (name or "").strip().strip("\"'").lower()
    if not label:
        return None
    label = _CHARSET_ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _looks_utf8(data: bytes) -> bool:
    """Valid UTF-8 with multi-byte sequences is almost never an accident in another charset."""
    if data.isascii():
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def decode_bytes(data: bytes, declared: str = "") -> str:
    """Bytes to text: declared charset, then utf-8, cp1252, latin-1. Never raises."""
    codec = _codec(declared)
    chain: list[str] = []
    if codec and (
        codec not in ("ascii", "latin-1", "iso8859-1", "cp1252") or not _looks_utf8(data)
    ):
        chain.append(codec)
    chain += ["utf-8", "cp1252"]
    for name in chain:
        try:
            return data.decode(name)
        except (UnicodeDecodeError, LookupError, ValueError):
            continue
    return data.decode("latin-1", errors="replace")


# --- headers ------------------------------------------------------------------------------------


def _unescape_8bit(value: str) -> str:
    """Raw 8-bit header bytes arrive as surrogate escapes; decode them by our charset chain."""
    if not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value
    return decode_bytes(value.encode("utf-8", errors="surrogateescape"))


def decode_header_value(value: str) -> str:
    """RFC 2047 encoded words (any charset, even wrong ones) to text; folding removed."""
    value = _unescape_8bit(str(value or ""))
    value = re.sub(r"\r?\n[ \t]+", " ", value).replace("\r", "").replace("\n", " ")
    if "=?" not in value:
        return value.strip()
    value = _ENCODED_WORD_SPACE_RE.sub(r"\1", value)
    try:
        chunks = decode_header(value)
    except (ValueError, LookupError, AssertionError, IndexError, email.errors.MessageError):
        return value.strip()
    out: list[str] = []
    for chunk, charset in chunks:
        if isinstance(chunk, bytes):
            out.append(decode_bytes(chunk, charset or ""))
        else:
            out.append(chunk)
    return re.sub(r"\s+", " ", "".join(out)).strip()


def _raw_headers(msg: Message, name: str) -> list[str]:
    """All raw values of header `name`; the policy's own header parsing is not trusted."""
    lname = name.lower()
    values: list[str] = []
    for key, value in msg.raw_items():
        if key.lower() == lname:
            values.append(value if isinstance(value, str) else str(value))
    return values


def _header(msg: Message, name: str) -> str:
    values = _raw_headers(msg, name)
    return decode_header_value(values[0]) if values else ""


def _addresses(msg: Message, name: str) -> list[Address]:
    # Split addresses before decoding names: "=?utf-8?B?...?=" may hide "Müller, Jürgen".
    values = [re.sub(r"\r?\n[ \t]+", " ", _unescape_8bit(v)) for v in _raw_headers(msg, name)]
    if not values:
        return []
    try:
        pairs = getaddresses(values)
    except (ValueError, IndexError, TypeError):
        return []
    found: list[Address] = []
    for raw_name, addr in pairs:
        display = decode_header_value(raw_name).strip().strip('"')
        if display or "@" in addr:
            found.append(Address(name=display, address=addr.strip().lower()))
    return found


def parse_auth_results(values: list[str]) -> dict[str, str]:
    """Verdicts per method from Authentication-Results; the topmost header (ours) wins."""
    verdicts: dict[str, str] = {}
    for value in values:
        for method, result in _AUTH_RE.findall(decode_header_value(value)):
            verdicts.setdefault(method.lower(), result.lower())
    return verdicts


# --- special kinds ------------------------------------------------------------------------------

_AUTO_SUBJECT_RE = re.compile(
    r"^\s*(out of (the )?office|automatic reply|auto[- ]?reply|autoreply|auto[- ]?response|"
    r"abwesenheitsnotiz|automatische antwort|r[ée]ponse automatique|absence du bureau|"
    r"respuesta autom[aá]tica|fuera de la oficina|risposta automatica|resposta autom[aá]tica|"
    r"automatisch antwoord|afwezigheidsbericht|i am out of the office|i'm out of the office|"
    r"vacation reply|away from (the )?office)\b",
    re.IGNORECASE,
)
_BOUNCE_SUBJECT_RE = re.compile(
    r"(undeliverable|undelivered mail|delivery status notification|delivery (has )?failed|"
    r"mail delivery (failed|failure|subsystem)|returned mail|failure notice|"
    r"delivery failure|non-?delivery|could not be delivered|nicht zustellbar|"
    r"unzustellbar|non remis|message not delivered|address not found)",
    re.IGNORECASE,
)
_DAEMON_RE = re.compile(
    r"^(mailer-daemon|postmaster|mail-daemon|mailerdaemon|microsoftexchange[0-9a-f]*|mdaemon|"
    r"bounces?)@",
    re.IGNORECASE,
)
_DAEMON_NAME_RE = re.compile(
    r"^(mail delivery (system|subsystem)|microsoft outlook|mail administrator|postmaster)$", re.I
)


def _is_report(msg: Message) -> bool:
    if msg.get_content_type() == "multipart/report":
        return "delivery-status" in str(msg.get_param("report-type", "") or "").lower()
    return False


def _from_daemon(sender: Address) -> bool:
    return bool(_DAEMON_RE.match(sender.address) or _DAEMON_NAME_RE.match(sender.name.strip()))


def _special(msg: Message, sender: Address, subject: str, part_types: set[str]) -> str:
    """'bounce', 'auto-reply' or ''. Job alerts say Auto-Submitted: auto-generated; that is fine."""
    if _is_report(msg) or "message/delivery-status" in part_types:
        return "bounce"
    auto = _header(msg, "Auto-Submitted").lower()
    bounce_subject = bool(_BOUNCE_SUBJECT_RE.search(subject))
    if bounce_subject and (
        _from_daemon(sender) or auto.startswith("auto-") or "text/rfc822-headers" in part_types
    ):
        return "bounce"
    if auto.startswith("auto-replied"):
        return "auto-reply"
    if _header(msg, "X-Autoreply") or _header(msg, "X-Autorespond"):
        return "auto-reply"
    if _header(msg, "X-Autogenerated").lower() == "reply":
        return "auto-reply"
    if _header(msg, "Precedence").lower() == "auto_reply":
        return "auto-reply"
    if _AUTO_SUBJECT_RE.match(subject):
        return "auto-reply"
    return ""


# --- bodies -------------------------------------------------------------------------------------


def _payload_size(part: Message) -> int:
    payload = part.get_payload()
    return len(payload) if isinstance(payload, (str, bytes)) else 0


_META_CHARSET_RE = re.compile(rb"<meta[^>]+charset=[\"']?([A-Za-z0-9_.:-]+)", re.IGNORECASE)
_B64_PREFIX_RE = re.compile(r"[A-Za-z0-9+/=\s]*")


def _lenient_base64(payload: str) -> bytes:
    """Broken base64 (junk appended, bad padding) still yields the readable start."""
    prefix = _B64_PREFIX_RE.match(payload)
    text = prefix.group(0) if prefix else ""
    if len(text) < len(payload) // 2:
        text = payload
    chars = re.sub(r"[^A-Za-z0-9+/]", "", text)
    chars = chars[: len(chars) - len(chars) % 4]
    try:
        return base64.b64decode(chars)
    except (binascii.Error, ValueError):
        return b""


def _payload_bytes(part: Message) -> bytes:
    raw = part.get_payload()
    if isinstance(raw, str) and str(part.get("Content-Transfer-Encoding", "")).strip().lower() == (
        "base64"
    ):
        return _lenient_base64(raw)
    try:
        return part.get_payload(decode=True) or b""
    except (ValueError, LookupError, TypeError, AssertionError):
        return raw.encode("utf-8", errors="surrogateescape") if isinstance(raw, str) else b""


def _part_text(part: Message, warnings: list[str]) -> str:
    if _payload_size(part) > MAX_PART_BYTES * 4 // 3 + 1024:
        warnings.append(f"skipped a {part.get_content_type()} part larger than 5 MB")
        return ""
    data = _payload_bytes(part)
    if len(data) > MAX_PART_BYTES:
        warnings.append(f"skipped a {part.get_content_type()} part larger than 5 MB")
        return ""
    try:
        charset = str(part.get_param("charset", "") or "")
    except (ValueError, IndexError, TypeError):
        charset = ""
    if not charset and part.get_content_type() == "text/html":
        meta = _META_CHARSET_RE.search(data[:4096])
        charset = meta.group(1).decode("ascii", "replace") if meta else ""
    return decode_bytes(data, charset).replace("\r\n", "\n").replace("\r", "\n")


def _inner_message(part: Message) -> Message | None:
    """The message inside a message/rfc822 part (or a .eml attachment), parsed if needed."""
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        return payload[0]
    try:
        data = part.get_payload(decode=True)
    except (ValueError, LookupError, TypeError, AssertionError):
        data = None
    if not data or len(data) > MAX_PART_BYTES:
        return None
    return email.message_from_bytes(data, policy=email.policy.default)


def _is_attached_message(part: Message) -> bool:
    ctype = part.get_content_type()
    if ctype in ("message/rfc822", "message/global"):
        return True
    filename = str(part.get_filename("") or "").lower()
    return filename.endswith(".eml") and ctype in ("application/octet-stream", "text/plain")


@dataclass(slots=True)
class _Budget:
    """Parts left to look at, shared by a mail and everything attached to it."""

    parts: int = MAX_PARTS


def _collect(msg: Message, out: DecodedMail, budget: _Budget, depth: int) -> set[str]:
    """Walk the part tree iteratively; fill bodies and attached messages; return content types."""
    texts: list[str] = []
    htmls: list[str] = []
    seen_types: set[str] = set()
    stack: list[Message] = [msg]
    while stack:
        if budget.parts <= 0:
            out.warnings.append(f"stopped after {MAX_PARTS} MIME parts")
            break
        budget.parts -= 1
        part = stack.pop()
        ctype = part.get_content_type()
        seen_types.add(ctype)
        if part is not msg and _is_attached_message(part):
            _attach(part, out, budget, depth)
            continue
        if part.is_multipart():
            children = part.get_payload()
            if isinstance(children, list):
                stack.extend(reversed([c for c in children if isinstance(c, Message)]))
            continue
        if part.get_content_disposition() == "attachment" or ctype not in (
            "text/plain",
            "text/html",
        ):
            continue
        content = _part_text(part, out.warnings)
        (texts if ctype == "text/plain" else htmls).append(content)
    out.text = "\n".join(t for t in texts if t.strip())
    out.html = "\n".join(h for h in htmls if h.strip())
    return seen_types


def _attach(part: Message, out: DecodedMail, budget: _Budget, depth: int) -> None:
    if depth >= MAX_DEPTH:
        out.warnings.append("attached messages nested too deeply; inner ones ignored")
        return
    inner = _inner_message(part)
    if inner is None:
        return
    out.attached.append(_decode_message(inner, budget, depth + 1))


def _read_headers(msg: Message) -> DecodedMail:
    out = DecodedMail()
    out.has_headers = bool(msg.keys())
    senders = _addresses(msg, "From") or _addresses(msg, "Sender")
    out.sender = senders[0] if senders else Address()
    out.to = _addresses(msg, "To")
    out.cc = _addresses(msg, "Cc")
    out.subject = _header(msg, "Subject")
    out.date = _header(msg, "Date")
    out.message_id = _header(msg, "Message-ID")
    out.auth = parse_auth_results(_raw_headers(msg, "Authentication-Results"))
    return out


def _decode_message(msg: Message, budget: _Budget, depth: int) -> DecodedMail:
    out = _read_headers(msg)
    types = _collect(msg, out, budget, depth)
    out.special = _special(msg, out.sender, out.subject, types)
    defects = getattr(msg, "defects", [])
    if defects:
        out.warnings.append(
            "MIME defects: " + ", ".join(sorted({type(d).__name__ for d in defects}))
        )
    return out


def _parse_bytes(raw: bytes) -> Message:
    return email.message_from_bytes(raw, policy=email.policy.default)


def decode_mail(raw: bytes) -> DecodedMail:
    """Everything readable in one mail. Never raises: failures leave a warning."""
    try:
        msg = _parse_bytes(raw if isinstance(raw, bytes) else bytes(raw))
        return _decode_message(msg, _Budget(), 0)
    except Exception as exc:  # noqa: BLE001 - the parser boundary never raises
        problem = f"{type(exc).__name__}: {str(exc)[:200]}"
    try:
        return _headers_and_raw_body(bytes(raw), problem)
    except Exception as exc:  # noqa: BLE001 - the parser boundary never raises
        out = DecodedMail()
        out.warnings.append(f"unreadable MIME: {problem}; {type(exc).__name__}")
        return out


def _headers_and_raw_body(raw: bytes, problem: str) -> DecodedMail:
    """When the MIME tree defeats the parser (e.g. 3000 nested multiparts), keep the headers
    and read the rest as plain text, so links in it are still found."""
    head, _, body = raw.replace(b"\r\n", b"\n").partition(b"\n\n")
    msg = email.parser.BytesHeaderParser(policy=email.policy.default).parsebytes(head + b"\n\n")
    out = _read_headers(msg)
    out.text = decode_bytes(body[:MAX_PART_BYTES])
    out.warnings.append(f"MIME structure unreadable ({problem}); body read as plain text")
    return out


# --- bounces ------------------------------------------------------------------------------------

_ADDR_RE = re.compile(r"<?([A-Za-z0-9._%+'=-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})>?")
_STATUS_RE = re.compile(r"\b([245]\.\d{1,3}\.\d{1,3})\b")
_SMTP_CODE_RE = re.compile(r"\b([45]\d\d)[ -]")
_ORIGINAL_RE = re.compile(
    r"^(-+ ?(original message|this is a copy|below this line)|original message follows|"
    r"--- the header of the original message|return-path:|received:|-+ original message)",
    re.IGNORECASE | re.MULTILINE,
)


def _dsn_recipients(msg: Message) -> list[tuple[str, str]]:
    """Per-recipient blocks of message/delivery-status parts (RFC 3464)."""
    found: list[tuple[str, str]] = []
    for part in msg.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        blocks = part.get_payload()
        if not isinstance(blocks, list):
            blocks = []
        for block in blocks:
            if not isinstance(block, Message):
                continue
            recipient = str(block.get("Final-Recipient", "") or block.get("Original-Recipient", ""))
            if not recipient:
                continue
            address = recipient.split(";", 1)[-1].strip().strip("<>").lower()
            action = str(block.get("Action", "")).strip().lower()
            status = str(block.get("Status", "")).strip().split(" ")[0] or action or "failed"
            if action in ("", "failed", "delayed") and address:
                found.append((address, status))
    return found


def _text_recipients(text: str, own: set[str]) -> list[tuple[str, str]]:
    """Non-standard bounces: addresses in the explanation before the returned original."""
    match = _ORIGINAL_RE.search(text)
    head = text[: match.start()] if match else text[:5000]
    found: dict[str, str] = {}
    for line_no, line in enumerate(head.splitlines()):
        for addr in _ADDR_RE.findall(line):
            addr = addr.lower().rstrip(".")
            if addr in own or _DAEMON_RE.match(addr) or addr in found:
                continue
            window = "\n".join(head.splitlines()[line_no : line_no + 4])
            status = _STATUS_RE.search(window) or _SMTP_CODE_RE.search(window)
            found[addr] = status.group(1) if status else "failed"
    return list(found.items())


def bounce_recipients(raw: bytes) -> list[tuple[str, str]]:
    """(failed recipient address, status like '5.1.1' or 'failed') from a bounce; [] if none."""
    try:
        msg = _parse_bytes(raw)
        found = _dsn_recipients(msg)
        if found:
            return list(dict.fromkeys(found))
        decoded = _decode_message(msg, _Budget(), 0)
        if decoded.special != "bounce":
            return []
        body = decoded.text
        if not body and decoded.html:
            body = html_to_text(decoded.html)
        own = {decoded.sender.address} | {a.address for a in decoded.to}
        return _text_recipients(body, own)
    except Exception:  # noqa: BLE001 - the parser boundary never raises
        return []
