"""Mail bytes to decoded headers, text/HTML bodies and attached (forwarded) messages.

Real mail lies about itself: wrong or unknown charsets, raw 8-bit headers, broken base64,
thousands of parts. Everything here degrades to a best-effort value plus a warning; nothing
raises. Bodies are decoded by us (declared charset -> utf-8 -> cp1252 -> latin-1) rather than by
`get_content()`, which gives up on an unknown charset.

Speed: the tree is parsed with `compat32`, which keeps header values as raw strings. The
`default` policy parses every header it is asked for into a structured object (~4 ms per
30 kB alert, most of the decode time); we only need a handful, decoded by `decode_header_value`
(RFC 2047, any charset), and look each up once per message through `_Headers`.

A mail whose structure cannot be read (a multipart whose boundary never appears, a body whose
transfer encoding cannot be undone) records why in `DecodedMail.broken`; the mail parser turns
that into an error unless some readable text survived.

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
#: Characters of a header value with RFC 2047 encoded words that are decoded (see below).
MAX_ENCODED_HEADER = 16_384
#: message/rfc822 nesting deeper than this is not followed.
MAX_DEPTH = 8
#: Multipart boundaries one mail may declare. The standard library's parser tests every
#: enclosing boundary on each line, so its cost grows with the square of the nesting (1.2 s
#: for 1 MB nested 16,000 deep, before it gave up with a RecursionError); real mail nests a
#: handful. A mail declaring more is read as its headers and a plain-text body instead, so
#: the links in it are still found.
MAX_BOUNDARIES = 200
_BOUNDARY_RE = re.compile(rb"boundary\s*=", re.IGNORECASE)

_LATIN_LIKE = frozenset({"us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1", "cp1252",
                         "windows-1252", "iso8859-1", "l1", "8859"})  # fmt: skip
_CHARSET_ALIASES = {"unicode-1-1-utf-7": "utf-7", "x-sjis": "shift_jis", "ks_c_5601-1987": "cp949",
                    "gb2312": "gb18030", "gbk": "gb18030", "iso-8859-8-i": "iso-8859-8",
                    "x-user-defined": "cp1252", "ansi_x3.4-1968": "ascii",
                    "unknown-8bit": "utf-8", "x-unknown": "utf-8"}  # fmt: skip
#: Codecs that are no mail charset and decode in quadratic time (pure-Python punycode took
#: minutes on a 1 MB body): a label naming one is treated as unknown.
_SLOW_CODECS = frozenset({"punycode"})
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
    #: Why the MIME structure could not be read (empty when it could), e.g. a missing boundary.
    broken: str = ""
    #: Envelope and forwarding headers (lower-case name -> raw values, top first), for finding
    #: who auto-forwarded a mail; only those in `_TRACE_HEADERS`.
    trace: dict[str, list[str]] = field(default_factory=dict)


# --- charsets -----------------------------------------------------------------------------------


def _codec(name: str) -> str | None:
    """A Python codec name for a MIME charset label, or None when Python has no such codec."""
    label = (name or "").strip().strip("\"'").lower()
    if not label:
        return None
    label = _CHARSET_ALIASES.get(label, label)
    try:
        info = codecs.lookup(label)
    except LookupError:
        return None
    if info.name in _SLOW_CODECS or not getattr(info, "_is_text_encoding", True):
        return None  # not a mail charset; decoded by the fallback chain instead
    return info.name


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
    if value.isascii() or not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value
    return decode_bytes(value.encode("utf-8", errors="surrogateescape"))


def decode_header_value(value: str) -> str:
    """RFC 2047 encoded words (any charset, even wrong ones) to text; folding removed."""
    value = _unescape_8bit(str(value or ""))
    value = re.sub(r"\r?\n[ \t]+", " ", value).replace("\r", "").replace("\n", " ")
    if "=?" not in value:
        return value.strip()
    # email.header.decode_header pops from the front of a list per word: quadratic. No real
    # header needs more than this; a longer one is cut before decoding.
    value = _ENCODED_WORD_SPACE_RE.sub(r"\1", value[:MAX_ENCODED_HEADER])
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


class _Headers:
    """Raw header values of one message by lower-case name, built once: every lookup after the
    first is a dict hit instead of a scan of all headers (alerts carry dozens)."""

    __slots__ = ("_by_name",)

    def __init__(self, msg: Message) -> None:
        self._by_name: dict[str, list[str]] = {}
        for key, value in msg.raw_items():
            raw = value if isinstance(value, str) else str(value)
            self._by_name.setdefault(key.lower(), []).append(raw)

    def all(self, name: str) -> list[str]:
        return self._by_name.get(name.lower(), [])

    def first(self, name: str) -> str:
        """The decoded first value of `name`, or ''."""
        values = self.all(name)
        return decode_header_value(values[0]) if values else ""

    def __bool__(self) -> bool:
        return bool(self._by_name)


def _header(headers: _Headers, name: str) -> str:
    return headers.first(name)


def _addresses(headers: _Headers, name: str) -> list[Address]:
    # Split addresses before decoding names: "=?utf-8?B?...?=" may hide "Müller, Jürgen".
    values = [re.sub(r"\r?\n[ \t]+", " ", _unescape_8bit(v)) for v in headers.all(name)]
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


def _special(
    msg: Message, headers: _Headers, sender: Address, subject: str, part_types: set[str]
) -> str:
    """'bounce', 'auto-reply' or ''. Job alerts say Auto-Submitted: auto-generated; that is fine."""
    if _is_report(msg) or "message/delivery-status" in part_types:
        return "bounce"
    auto = _header(headers, "Auto-Submitted").lower()
    bounce_subject = bool(_BOUNCE_SUBJECT_RE.search(subject))
    if bounce_subject and (
        _from_daemon(sender) or auto.startswith("auto-") or "text/rfc822-headers" in part_types
    ):
        return "bounce"
    if auto.startswith("auto-replied"):
        return "auto-reply"
    if _header(headers, "X-Autoreply") or _header(headers, "X-Autorespond"):
        return "auto-reply"
    if _header(headers, "X-Autogenerated").lower() == "reply":
        return "auto-reply"
    if _header(headers, "Precedence").lower() == "auto_reply":
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
    # A last group of 2-3 characters is what "=" padding ends (it holds the final bytes); only
    # a lone leftover character carries no whole byte.
    if len(chars) % 4 == 1:
        chars = chars[:-1]
    chars += "=" * (-len(chars) % 4)
    try:
        return base64.b64decode(chars)
    except (binascii.Error, ValueError):
        return b""


_B64_BODY_RE = re.compile(r"[A-Za-z0-9+/]*={0,2}")


def _is_clean_base64(payload: str) -> bool:
    return bool(_B64_BODY_RE.fullmatch(re.sub(r"\s+", "", payload)))


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


def _undecodable(part: Message, text: str) -> str:
    """Why a text part's transfer encoding could not be undone, or '' when it could (or when
    only a little junk was dropped and the rest reads as text)."""
    payload = part.get_payload()
    encoding = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    if encoding != "base64" or not isinstance(payload, str) or _is_clean_base64(payload):
        return ""
    if is_readable(text):
        return ""
    return f"the {part.get_content_type()} body is not valid base64 and cannot be decoded"


_WORD_RE = re.compile(r"[^\W\d_]{2,}")


def is_readable(text: str) -> bool:
    """Text a person could read: mostly lines of short words, not base64 blobs or binary.

    Base64 lines have no spaces; binary has control characters. A stray mangled line with a
    few words inside a page of base64 is not enough.
    """
    sample = text[:20_000]
    if not sample.strip() or "\x00" in sample or "\ufffd" * 3 in sample:
        return False
    prose = 0
    total = 0
    for line in sample.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        total += len(stripped)
        tokens = stripped.split()
        words = [t for t in tokens if _WORD_RE.fullmatch(t.strip(".,;:!?()\"'-–—"))]
        if len(tokens) >= 3 and len(words) * 2 >= len(tokens) or _is_url_line(tokens):
            prose += len(stripped)
    return total > 0 and prose * 2 >= total


def _is_url_line(tokens: list[str]) -> bool:
    return any(t.startswith(("http://", "https://", "www.")) for t in tokens)


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
    return _parse_bytes(data)


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
        if ctype.startswith("multipart/"):
            texts.append(_unsplit_multipart(part, out))
            continue
        if part.get_content_disposition() == "attachment" or ctype not in (
            "text/plain",
            "text/html",
        ):
            continue
        content = _part_text(part, out.warnings)
        why = _undecodable(part, content)
        if why:
            out.broken = out.broken or why
            continue
        (texts if ctype == "text/plain" else htmls).append(content)
    out.text = "\n".join(t for t in texts if t.strip())
    out.html = "\n".join(h for h in htmls if h.strip())
    return seen_types


_MIME_LINE_RE = re.compile(r"^(?:--\S+|content-[\w-]+:.*|mime-version:.*|\s+\S+=.*)$", re.I)


def _unsplit_multipart(part: Message, out: DecodedMail) -> str:
    """A multipart the parser could not split (its boundary is missing or never appears).

    Its raw body is kept as text when a person could read it (the boundary lines and part
    headers dropped); otherwise the mail is marked broken with the reason.
    """
    boundary = str(part.get_param("boundary", "") or "").strip().strip("\"'")
    ctype = part.get_content_type()
    if boundary:
        why = f"{ctype} declares boundary '{boundary}' but it never appears"
    else:
        why = f"{ctype} has no boundary parameter, so its parts cannot be told apart"
    payload = part.get_payload()
    raw = payload if isinstance(payload, str) else ""
    text = "\n".join(line for line in raw.splitlines() if not _MIME_LINE_RE.match(line))
    text = decode_bytes(text.encode("utf-8", errors="surrogateescape"))
    if is_readable(text):
        out.warnings.append(f"{why}; its body was read as plain text")
        return text
    out.broken = out.broken or why
    return ""


def _attach(part: Message, out: DecodedMail, budget: _Budget, depth: int) -> None:
    if depth >= MAX_DEPTH:
        out.warnings.append("attached messages nested too deeply; inner ones ignored")
        return
    inner = _inner_message(part)
    if inner is None:
        return
    out.attached.append(_decode_message(inner, budget, depth + 1))


#: Headers that say who a mail was delivered or forwarded to on its way here.
_TRACE_HEADERS = (
    "return-path", "delivered-to", "x-original-to", "envelope-to", "x-forwarded-for",
    "x-forwarded-to", "resent-from", "resent-sender", "x-ms-exchange-inbox-rules-loop",
)  # fmt: skip


def _read_headers(msg: Message) -> tuple[DecodedMail, _Headers]:
    headers = _Headers(msg)
    out = DecodedMail()
    out.has_headers = bool(headers)
    senders = _addresses(headers, "From") or _addresses(headers, "Sender")
    out.sender = senders[0] if senders else Address()
    out.to = _addresses(headers, "To")
    out.cc = _addresses(headers, "Cc")
    out.subject = _header(headers, "Subject")
    out.date = _header(headers, "Date")
    out.message_id = _header(headers, "Message-ID")
    out.auth = parse_auth_results(headers.all("Authentication-Results"))
    out.trace = {name: list(headers.all(name)) for name in _TRACE_HEADERS if headers.all(name)}
    return out, headers


def _decode_message(msg: Message, budget: _Budget, depth: int) -> DecodedMail:
    out, headers = _read_headers(msg)
    types = _collect(msg, out, budget, depth)
    out.special = _special(msg, headers, out.sender, out.subject, types)
    defects = getattr(msg, "defects", [])
    if defects:
        out.warnings.append(
            "MIME defects: " + ", ".join(sorted({type(d).__name__ for d in defects}))
        )
    return out


def _boundaries(raw: bytes) -> int:
    """How many "boundary=" parameters `raw` holds, or 0 when it cannot hold more than
    MAX_BOUNDARIES: a plain count of the word first (5 ms for 5 MB), the regex only after."""
    if raw.lower().count(b"boundary") <= MAX_BOUNDARIES:
        return 0
    return len(_BOUNDARY_RE.findall(raw))


class TooManyBoundaries(ValueError):
    """A MIME tree too deep or too wide to hand to the standard library's parser."""


def _parse_bytes(raw: bytes) -> Message:
    """The MIME tree of `raw`; TooManyBoundaries past MAX_BOUNDARIES (counted, not parsed)."""
    if _boundaries(raw) > MAX_BOUNDARIES:
        raise TooManyBoundaries(f"more than {MAX_BOUNDARIES} multipart boundaries")
    return email.message_from_bytes(raw, policy=email.policy.compat32)


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
    msg = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(head + b"\n\n")
    out, _ = _read_headers(msg)
    out.text = decode_bytes(body[:MAX_PART_BYTES])
    out.warnings.append(f"MIME structure unreadable ({problem}); body read as plain text")
    return out


# --- bounces ------------------------------------------------------------------------------------

_ADDR_RE = re.compile(
    r"<?(?<![A-Za-z0-9._%+'=-])([A-Za-z0-9._%+'=-]++@[A-Za-z0-9.-]+\.[A-Za-z]{2,})>?"
)
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
    lines = head.splitlines()  # once: splitting per address made long bounces quadratic
    for line_no, line in enumerate(lines):
        if "@" not in line:
            continue
        for addr in _ADDR_RE.findall(line):
            addr = addr.lower().rstrip(".")
            if addr in own or _DAEMON_RE.match(addr) or addr in found:
                continue
            window = "\n".join(lines[line_no : line_no + 4])
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
