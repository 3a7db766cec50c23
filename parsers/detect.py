"""Which parser a file needs: a mail, a saved web page, a feed or a job-board API response
(JSON of any known ATS, or Personio's XML).

`jobdigest parse` and the ingest stage get files of any kind from operators ("I saved the
posting page", "here is the .eml"). We sniff the bytes, not the name, because names lie; the
name only breaks ties and is passed on as the URL/file label.

Interface (stable):
    parse_file(name: str, data: bytes) -> ParsedItem
"""

from __future__ import annotations

import importlib
import re
from typing import Any

from parsers.jsonld import parse_jobpostings
from parsers.mail import parse_mail
from parsers.mime import decode_bytes
from parsers.model import ParsedItem

_HEADER_LINE_RE = re.compile(rb"^[A-Za-z][A-Za-z0-9-]{1,60}:[ \t]?\S?", re.MULTILINE)
_MAIL_HEADERS_RE = re.compile(
    rb"^(from|to|subject|date|received|return-path|message-id|mime-version|delivered-to|"
    rb"content-type|x-[a-z0-9-]+|reply-to|cc|arc-[a-z-]+|dkim-signature|authentication-results):",
    re.IGNORECASE | re.MULTILINE,
)
_FEED_RE = re.compile(rb"<(rss|feed|rdf:rdf)[\s>]", re.IGNORECASE)
#: Job-board APIs that answer in XML (Personio's position feed).
_BOARD_XML_RE = re.compile(rb"<workzag-jobs[\s>]")
_HTML_RE = re.compile(rb"<(!doctype html|html|head|body|meta|div|p|table|script|title)[\s>/]", re.I)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _looks_like_mail(head: bytes) -> bool:
    """Headers first: most of the first lines are 'Name: value' and some are mail headers."""
    if head.startswith(b"From ") and b"\n" in head:  # mbox separator line
        head = head.split(b"\n", 1)[1]
    first = head.lstrip(b"\r\n")[:4000]
    block = re.split(rb"\r?\n\r?\n", first, maxsplit=1)[0]
    if not _HEADER_LINE_RE.match(block):
        return False
    return len(_MAIL_HEADERS_RE.findall(block)) >= 2


def _optional(module: str, func: str) -> Any:
    """Feed and board parsers are optional companions; a missing one just narrows sniffing."""
    try:
        return getattr(importlib.import_module(module), func, None)
    except ImportError:
        return None


def _as_item(result: Any, kind: str, name: str) -> ParsedItem | None:
    if isinstance(result, ParsedItem):
        result.file = name
        return result
    if isinstance(result, list):
        return ParsedItem(kind=kind, file=name, postings=result)  # type: ignore[arg-type]
    return None


def _json_item(name: str, data: bytes) -> ParsedItem:
    board = _optional("parsers.boards", "parse_board")
    if board is not None:
        item = _as_item(board(data, url=name), "board", name)
        if item is not None:
            return item
    feed = _optional("parsers.feeds", "parse_feed")
    if feed is not None:
        item = _as_item(feed(data, url=name), "feed", name)
        if item is not None and not item.error:
            return item
    return ParsedItem(kind="board", file=name, error="JSON file is no known job board or feed")


def _board_xml_item(name: str, data: bytes) -> ParsedItem:
    board = _optional("parsers.boards", "parse_board")
    item = _as_item(board(data, url=name), "board", name) if board is not None else None
    return item or ParsedItem(kind="board", file=name, error="XML file is no readable job board")


def _feed_item(name: str, data: bytes) -> ParsedItem:
    feed = _optional("parsers.feeds", "parse_feed")
    if feed is None:
        return ParsedItem(kind="feed", file=name, error="feed support is not installed")
    return _as_item(feed(data, url=name), "feed", name) or ParsedItem(
        kind="feed", file=name, error="feed parser returned nothing"
    )


def _page_item(name: str, data: bytes) -> ParsedItem:
    text = decode_bytes(data, _html_charset(data))
    url = name if name.lower().startswith(("http://", "https://")) else ""
    return ParsedItem(kind="page", file=name, postings=parse_jobpostings(text, url))


def _html_charset(data: bytes) -> str:
    m = re.search(rb"<meta[^>]+charset=[\"']?([A-Za-z0-9_.:-]+)", data[:4096], re.IGNORECASE)
    return m.group(1).decode("ascii", "replace") if m else ""


_BOMS = (
    (b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xfe\xff", "utf-16-be"), (b"\xff\xfe", "utf-16-le"),
    (b"\x00\x00\x00<", "utf-32-be"), (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<", "utf-16-be"), (b"<\x00", "utf-16-le"),
)  # fmt: skip


def _ascii_head(data: bytes) -> bytes:
    """The first 8 kB as ASCII-compatible bytes, so UTF-16/32 XML can be sniffed too."""
    head = data[:8192]
    for mark, codec in _BOMS:
        if head.startswith(mark):
            text = head.decode(codec, errors="ignore").lstrip("\ufeff")
            return text.encode("utf-8", errors="ignore")
    return head


def _sniff(name: str, data: bytes) -> str:
    head = _ascii_head(data)
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    lower_name = name.lower()
    if head.startswith(_OLE_MAGIC):
        return "outlook-msg"
    if stripped[:1] in (b"{", b"["):
        return "json"
    if lower_name.endswith((".eml", ".mbox")):
        return "email"
    if lower_name.endswith(".txt"):
        return "text" if stripped and b"\x00" not in head else "unknown"
    if _looks_like_mail(head):
        return "email"
    if _BOARD_XML_RE.search(head):
        return "board-xml"
    is_html = bool(re.search(rb"<html[\s>]", head, re.I))
    if not is_html and (_FEED_RE.search(head) or stripped.startswith(b"<?xml")):
        return "feed"
    if _HTML_RE.search(head) or lower_name.endswith((".html", ".htm")):
        return "page"
    if b"\x00" in head or not stripped:
        return "unknown"
    return "text"


def parse_file(name: str, data: bytes) -> ParsedItem:
    """The ParsedItem of any input file; unreadable or unknown files carry `error`."""
    try:
        kind = _sniff(name, data)
        if kind == "email":
            return parse_mail(data, file=name)
        if kind == "json":
            return _json_item(name, data)
        if kind == "feed":
            return _feed_item(name, data)
        if kind == "board-xml":
            return _board_xml_item(name, data)
        if kind == "page":
            return _page_item(name, data)
        if kind == "text":
            # A bare mail body (someone saved the text of a forward): a mail without headers.
            return parse_mail(b"\n" + data, file=name)
        if kind == "outlook-msg":
            error = "Outlook .msg files are not supported; save the mail as .eml"
            return ParsedItem(kind="email", file=name, error=error)
        error = "empty file" if not data.strip() else "unrecognised file: not a mail, page or feed"
        return ParsedItem(kind="email", file=name, error=error)
    except Exception as exc:  # noqa: BLE001 - the parser boundary never raises
        return ParsedItem(
            kind="email", file=name, error=f"cannot parse: {type(exc).__name__}: {exc}"
        )
