"""Cutting an alert mail into job cards: a job link plus the text lines around it.

Senders change class names and nesting every few months, but every card still has a link to a
job-view URL with the card's text next to it. So a card is found structurally: group the links
by job, take the largest element around a job's links that holds no other job's link (a table
row, a div), and fall back to "from this job's link up to the next link" for flat layouts.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple
from urllib.parse import parse_qsl, urlsplit

from bs4 import BeautifulSoup, Comment, NavigableString, Tag
from bs4.element import CData, Declaration, Doctype, ProcessingInstruction

from parsers.alerts._fields import Line, LineKind, classify
from parsers.links import unwrap_redirect


class JobRef(NamedTuple):
    """Which job a link points to; `key` is the stable job URL when `stable`, else the link."""

    key: str
    stable: bool


JobRefFn = Callable[[str], "JobRef | None"]


@dataclass(slots=True)
class Card:
    url: str
    ref: JobRef
    lines: list[Line] = field(default_factory=list)


_BLOCK = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "br",
        "center",
        "dd",
        "div",
        "dl",
        "dt",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    ]
)
_SKIP = frozenset(["head", "script", "style", "title", "noscript", "template", "svg"])
_INVISIBLE = re.compile(r"display\s*:\s*none|mso-hide\s*:\s*all|visibility\s*:\s*hidden", re.I)
_NON_TEXT = (Comment, CData, Declaration, Doctype, ProcessingInstruction)
_ZERO_WIDTH = re.compile("[\u00ad\u034f\u180e\u200b-\u200f\u2060\ufeff]")
_MAX_CARD_LINES = 16
_MAX_CLIMB_PIECES = 80
_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"'\])]+", re.I)
_QUOTE_PREFIX = re.compile(r"^(?:\s*>)+ ?")
_SEPARATOR = re.compile(
    r"^\s*(?:[-=_*~#]{3,}.*|.*forwarded message.*|begin forwarded message:?)\s*$", re.I
)
_TARGET_PARAMS = (
    "url",
    "u",
    "dest",
    "destination",
    "redirect",
    "redirect_url",
    "redirecturl",
    "target",
    "link",
    "href",
    "ru",
)


def clean_text(value: str) -> str:
    """Whitespace collapsed, invisible spacers used by mail templates removed."""
    value = _ZERO_WIDTH.sub("", value).replace("\xa0", " ")
    return re.sub(r"\s+", " ", value).strip()


def resolve_link(href: str) -> str:
    """The job link behind click-trackers that carry their target in a query parameter."""
    url = re.sub(r"\s+", "", href or "")
    for _ in range(4):
        url = _safe_unwrap(url)
        inner = _embedded_target(url)
        if not inner or inner == url:
            break
        url = inner
    return url


def _safe_unwrap(url: str) -> str:
    try:
        return unwrap_redirect(url) or url
    except Exception:  # noqa: BLE001 - a foreign helper must not break alert parsing
        return url


def _embedded_target(url: str) -> str:
    try:
        parts = urlsplit(url)
        pairs = parse_qsl(parts.query, keep_blank_values=False)
    except ValueError:
        return ""
    names = _TARGET_PARAMS + (("q",) if "google." in parts.netloc.lower() else ())
    for name, value in pairs:
        if name.lower() in names and re.match(r"https?://", value, re.I):
            return value
    return ""


# ---------------------------------------------------------------- HTML


@dataclass(slots=True)
class _Piece:
    text: str
    anchor: int | None
    brk: bool


@dataclass(slots=True)
class _Flat:
    """The document as a stream of text pieces, with each element's span in that stream."""

    pieces: list[_Piece] = field(default_factory=list)
    anchors: list[Tag] = field(default_factory=list)
    spans: dict[int, tuple[int, int]] = field(default_factory=dict)


def _flatten(root: Tag) -> _Flat:
    flat = _Flat()
    anchor_ids: dict[int, int] = {}
    current: list[int] = []
    pending_break = False
    starts: dict[int, int] = {}
    stack: list[tuple[object, bool]] = [(root, False)]
    while stack:
        node, closing = stack.pop()
        if isinstance(node, NavigableString):
            if isinstance(node, _NON_TEXT):
                continue
            text = re.sub(r"\s+", " ", _ZERO_WIDTH.sub("", str(node)).replace("\xa0", " "))
            if text:
                anchor = current[-1] if current else None
                flat.pieces.append(_Piece(text, anchor, pending_break))
                pending_break = False
            continue
        if not isinstance(node, Tag):
            continue
        name = (node.name or "").lower()
        if closing:
            pending_break = pending_break or name in _BLOCK
            flat.spans[id(node)] = (starts.get(id(node), 0), len(flat.pieces))
            if name == "a" and current and anchor_ids.get(id(node)) == current[-1]:
                current.pop()
            continue
        if name in _SKIP or _INVISIBLE.search(str(node.get("style") or "")):
            continue
        pending_break = pending_break or name in _BLOCK
        starts[id(node)] = len(flat.pieces)
        if name == "a":
            anchor_ids[id(node)] = len(flat.anchors)
            current.append(len(flat.anchors))
            flat.anchors.append(node)
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(list(node.children)))
    return flat


def _lines(pieces: list[_Piece], own: set[int]) -> list[Line]:
    lines: list[Line] = []
    parts: list[str] = []
    anchored = False
    for piece in pieces:
        if piece.brk and parts:
            lines.append(Line(clean_text("".join(parts)), anchored))
            parts, anchored = [], False
        parts.append(piece.text)
        anchored = anchored or (piece.anchor in own and bool(piece.text.strip()))
    if parts:
        lines.append(Line(clean_text("".join(parts)), anchored))
    return [line for line in lines if line.text]


def _anchor_text(tag: Tag) -> str:
    return clean_text(tag.get_text(" "))


def _is_filler_link(texts: list[str]) -> bool:
    """Logo images and "Apply" buttons: links that carry no card text of their own."""
    return all(classify(t) in (LineKind.CTA, LineKind.NOISE) or not t for t in texts)


def html_cards(html: str, job_ref: JobRefFn) -> list[Card]:
    """Job cards of an alert's HTML, in order, one per job."""
    soup = BeautifulSoup(html, "lxml")
    flat = _flatten(soup)
    groups = _group_links(flat, job_ref)
    key_of: dict[int, str | None] = {id(a): None for a in flat.anchors}
    for key, group in groups.items():
        for index in group.members:
            key_of[id(flat.anchors[index])] = key
    order = sorted(groups, key=lambda k: flat.spans[id(flat.anchors[groups[k].members[0]])][0])
    starts = [flat.spans[id(flat.anchors[groups[k].members[0]])][0] for k in order]
    cards: list[Card] = []
    for position, key in enumerate(order):
        group = groups[key]
        members = group.members
        first = flat.anchors[members[0]]
        box = _container(first, key, key_of, flat)
        begin, end = flat.spans[id(box)]
        if box is first or (begin, end) == flat.spans[id(first)]:
            next_start = starts[position + 1] if position + 1 < len(starts) else len(flat.pieces)
            end = _flat_end(flat, members, next_start)
        lines = _lines(flat.pieces[begin:end], set(members))[:_MAX_CARD_LINES]
        cards.append(Card(url=group.url, ref=group.ref, lines=lines))
    return cards


@dataclass(slots=True)
class _Group:
    ref: JobRef
    members: list[int] = field(default_factory=list)
    url: str = ""
    titled: bool = False


def _group_links(flat: _Flat, job_ref: JobRefFn) -> dict[str, _Group]:
    """Links grouped by job; a group whose links are only logos or buttons is no card."""
    groups: dict[str, _Group] = {}
    for index, anchor in enumerate(flat.anchors):
        href = anchor.get("href")
        if not isinstance(href, str) or not href.strip():
            continue
        url = resolve_link(href)
        ref = job_ref(url)
        if ref is None:
            continue
        group = groups.setdefault(ref.key, _Group(ref, url=url))
        group.members.append(index)
        text = _anchor_text(anchor)
        if not group.titled and text and classify(text) is LineKind.TEXT:
            group.url, group.titled = url, True
    return {
        key: group
        for key, group in groups.items()
        if group.ref.stable
        or not _is_filler_link([_anchor_text(flat.anchors[i]) for i in group.members])
    }


def _container(tag: Tag, key: str, key_of: dict[int, str | None], flat: _Flat) -> Tag:
    best = tag
    node = tag.parent
    while isinstance(node, Tag) and (node.name or "").lower() not in ("body", "html", "[document]"):
        begin, end = flat.spans.get(id(node), (0, 0))
        if end - begin > _MAX_CLIMB_PIECES:
            break
        if any(key_of.get(id(a)) not in (None, key) for a in node.find_all("a")):
            break
        best = node
        node = node.parent
    return best


def _flat_end(flat: _Flat, members: list[int], next_start: int) -> int:
    """Where a card without its own container ends: at the next foreign link or card."""
    own_end = max(flat.spans[id(flat.anchors[i])][1] for i in members)
    end = next_start
    for index, anchor in enumerate(flat.anchors):
        begin = flat.spans.get(id(anchor), (0, 0))[0]
        if index not in members and own_end <= begin < end:
            end = begin
            break
    return max(end, own_end)


# ---------------------------------------------------------------- plain text


def text_cards(text: str, job_ref: JobRefFn) -> list[Card]:
    """Job cards of an alert's text part: the lines above each job link, back to the last link."""
    rows = [_QUOTE_PREFIX.sub("", row) for row in (text or "").splitlines()]
    cards: list[Card] = []
    seen: set[str] = set()
    since = 0
    for index, row in enumerate(rows):
        if _SEPARATOR.match(row):
            since = index + 1
            continue
        urls = [u.rstrip(".,;:!?>") for u in _URL_IN_TEXT.findall(row)]
        if not urls:
            continue
        card = _text_card(rows[since:index], row, urls, job_ref)
        since = index + 1
        if card is not None and card.ref.key not in seen:
            seen.add(card.ref.key)
            cards.append(card)
    return cards


def _text_card(block: list[str], row: str, urls: list[str], job_ref: JobRefFn) -> Card | None:
    for url in urls:
        resolved = resolve_link(url)
        ref = job_ref(resolved)
        if ref is None:
            continue
        label = clean_text(row.split(url, 1)[0]).rstrip(":<([ -")
        kind = classify(label) if label else LineKind.CTA
        if kind is LineKind.NAV:
            return None
        texts = [clean_text(line) for line in block]
        if kind is LineKind.TEXT:
            texts.append(label)
        texts = _drop_preamble([t for t in texts if t])
        return Card(url=resolved, ref=ref, lines=[Line(t) for t in texts[-_MAX_CARD_LINES:]])
    return None


def _drop_preamble(texts: list[str]) -> list[str]:
    """Greetings, alert headings and forward headers above the first card are not card text."""
    start = 0
    while start < len(texts) and classify(texts[start]) in (LineKind.HEADER, LineKind.NAV):
        start += 1
    return texts[start:]
