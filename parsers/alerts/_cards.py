"""Cutting an alert mail into job cards: a job link plus the text lines around it.

Senders change class names and nesting every few months, but every card still has a link to a
job-view URL with the card's text next to it. So a card is found structurally: group the links
by job, take the largest element around a job's links that holds no other job's link (a table
row, a div), and fall back to "from this job's link up to the next link" for flat layouts.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple
from urllib.parse import parse_qsl, urlsplit

from lxml import etree

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
#: elements whose content is code, not text, even inside a link
_NO_TEXT = frozenset(["script", "style", "template"])
_ZERO_WIDTH = re.compile("[\u00ad\u034f\u180e\u200b-\u200f\u2060\ufeff]")
_MAX_CARD_LINES = 16
_MAX_CLIMB_PIECES = 80
#: Most jobs read from one alert. Real alerts list 5 to 50; thousands of job links are a link
#: dump or an attack, and reading each card (unwrapping, canonicalizing, classifying its
#: lines) cost 1.6 s per MB. The job after the last one read is still found, so that card
#: ends where it would without the cap; the rest of the mail stays in its text.
MAX_CARDS = 200
#: key_of's mark for links after the cap: another job's, so no card's box grows over them.
_BEYOND = "\x00beyond the cap"
_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"'\])]+", re.I)
_QUOTE_PREFIX = re.compile(r"^(?:\s*>)+ ?")
_SEPARATOR = re.compile(
    r"^\s*+(?:[-=_*~#]{3,}.*|.*forwarded message.*|begin forwarded message:?)\s*$", re.I
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
    if "http" not in url.lower().partition("?")[2]:
        return ""  # no target can hide in the query (plain or percent-encoded): skip parsing it
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
    """The document as a stream of text pieces, with each element's span in that stream.

    Elements are numbered in document order (pre-order), so "is inside element n" is a range
    test on those numbers; lxml proxies are not kept for anything but the links.
    """

    pieces: list[_Piece] = field(default_factory=list)
    #: the visible <a> elements, in document order
    anchors: list[etree._Element] = field(default_factory=list)
    #: element number of each visible anchor (ascending)
    anchor_nodes: list[int] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    parents: list[int] = field(default_factory=list)
    #: (first piece, end piece) of each element
    spans: list[tuple[int, int]] = field(default_factory=list)
    #: number of the element's last descendant (itself when it has none)
    last: list[int] = field(default_factory=list)


#: libxml2's HTML parser, the one BeautifulSoup's "lxml" builder drives, minus the soup on top
_PARSER = etree.HTMLParser(encoding="utf-8")
_SPACES = re.compile(r"\s+")


def _parse_html(html: str) -> etree._Element | None:
    """The document's root; bytes in, so an encoding declaration inside the markup is moot."""
    try:
        root = etree.fromstring(html.encode("utf-8", "replace"), _PARSER)
    except (etree.LxmlError, ValueError, UnicodeError):
        return None
    return root if root is not None and isinstance(root.tag, str) else None


class _Walker:
    """One pass over the tree building a _Flat: text pieces, spans, anchors, block breaks."""

    def __init__(self) -> None:
        self.flat = _Flat()
        self.current: list[int] = []
        self.open: list[int] = []
        self.pending_break = False

    def text(self, value: str | None) -> None:
        if not value:
            return
        text = _SPACES.sub(" ", _ZERO_WIDTH.sub("", value).replace("\xa0", " "))
        if text:
            anchor = self.current[-1] if self.current else None
            self.flat.pieces.append(_Piece(text, anchor, self.pending_break))
            self.pending_break = False

    def enter(self, el: etree._Element, name: str) -> None:
        flat = self.flat
        self.pending_break = self.pending_break or name in _BLOCK
        node = len(flat.names)
        flat.names.append(name)
        flat.parents.append(self.open[-1] if self.open else -1)
        flat.spans.append((len(flat.pieces), len(flat.pieces)))
        flat.last.append(node)
        self.open.append(node)
        if name == "a":
            self.current.append(len(flat.anchors))
            flat.anchors.append(el)
            flat.anchor_nodes.append(node)

    def leave(self) -> None:
        flat = self.flat
        node = self.open.pop()
        name = flat.names[node]
        self.pending_break = self.pending_break or name in _BLOCK
        flat.spans[node] = (flat.spans[node][0], len(flat.pieces))
        flat.last[node] = len(flat.names) - 1
        if name == "a" and self.current and flat.anchor_nodes[self.current[-1]] == node:
            self.current.pop()


def _visible_name(el: etree._Element) -> str | None:
    """The element's lower-case name, or None for comments, hidden and non-content elements."""
    tag = el.tag
    if not isinstance(tag, str):
        return None
    name = tag.lower()
    if name in _SKIP:
        return None
    style = el.get("style")
    if style and _may_hide(style.lower()) and _INVISIBLE.search(style):
        return None
    return name


def _may_hide(style: str) -> bool:
    """A cheap pre-check: mail templates put long inline styles on every cell."""
    return "none" in style or "hidden" in style or "mso-hide" in style


def _flatten(root: etree._Element) -> _Flat:
    """lxml walks the tree (in C); hidden subtrees are skipped whole, their tails still read."""
    walker = _Walker()
    walk = etree.iterwalk(root, events=("start", "end", "comment", "pi"))
    skipping = False
    for event, el in walk:
        if event == "start":
            name = _visible_name(el)
            if name is None:
                walk.skip_subtree()  # its "end" comes next
                skipping = True
                continue
            walker.enter(el, name)
            walker.text(el.text)
        elif event == "end":
            if skipping:
                skipping = False
            else:
                walker.leave()
            if el is not root:
                walker.text(el.tail)
        else:  # a comment or processing instruction: only its tail is text
            walker.text(el.tail)
    return walker.flat


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


def _all_text(el: etree._Element, out: list[str]) -> None:
    """Every text node under `el` (hidden ones too, not comments or script/style content)."""
    if el.text:
        out.append(el.text)
    for child in el:
        tag = child.tag
        if isinstance(tag, str) and tag.lower() not in _NO_TEXT:
            _all_text(child, out)
        if child.tail:
            out.append(child.tail)


def _anchor_text(tag: etree._Element) -> str:
    parts: list[str] = []
    _all_text(tag, parts)
    return clean_text(" ".join(parts))


def _is_filler_link(texts: list[str]) -> bool:
    """Logo images and "Apply" buttons: links that carry no card text of their own."""
    return all(classify(t) in (LineKind.CTA, LineKind.NOISE) or not t for t in texts)


def html_cards(html: str, job_ref: JobRefFn) -> list[Card]:
    """Job cards of an alert's HTML, in order, one per job."""
    root = _parse_html(html)
    if root is None:
        return []
    flat = _flatten(root)
    groups, cut = _group_links(flat, job_ref)
    key_of: list[str | None] = [None] * cut + [_BEYOND] * (len(flat.anchors) - cut)
    for key, group in groups.items():
        for index in group.members:
            key_of[index] = key
    order = sorted(groups, key=lambda k: _anchor_span(flat, groups[k].members[0])[0])
    starts = [_anchor_span(flat, groups[k].members[0])[0] for k in order]
    cards: list[Card] = []
    for position, key in enumerate(order):
        group = groups[key]
        members = group.members
        first = flat.anchor_nodes[members[0]]
        box = _container(first, key, key_of, flat)
        begin, end = flat.spans[box]
        if box == first or (begin, end) == flat.spans[first]:
            next_start = starts[position + 1] if position + 1 < len(starts) else len(flat.pieces)
            end = _flat_end(flat, members, next_start)
        lines = _lines(flat.pieces[begin:end], set(members))[:_MAX_CARD_LINES]
        cards.append(Card(url=group.url, ref=group.ref, lines=lines))
    return cards[:MAX_CARDS]


def _anchor_span(flat: _Flat, index: int) -> tuple[int, int]:
    return flat.spans[flat.anchor_nodes[index]]


@dataclass(slots=True)
class _Group:
    ref: JobRef
    members: list[int] = field(default_factory=list)
    url: str = ""
    titled: bool = False


def _group_links(flat: _Flat, job_ref: JobRefFn) -> tuple[dict[str, _Group], int]:
    """Links grouped by job; a group whose links are only logos or buttons is no card. Also
    where reading stopped: the first link of the job after MAX_CARDS + 1 (or the end)."""
    groups: dict[str, _Group] = {}
    texts: dict[int, str] = {}
    refs: dict[str, tuple[str, JobRef | None]] = {}  # a card links its logo and title alike
    cut = len(flat.anchors)
    for index, anchor in enumerate(flat.anchors):
        href = anchor.get("href")
        if not isinstance(href, str) or not href.strip():
            continue
        if href not in refs:
            resolved = resolve_link(href)
            refs[href] = (resolved, job_ref(resolved))
        url, ref = refs[href]
        if ref is None:
            continue
        if ref.key not in groups and len(groups) > MAX_CARDS:
            cut = index
            break
        group = groups.setdefault(ref.key, _Group(ref, url=url))
        group.members.append(index)
        text = texts[index] = _anchor_text(anchor)
        if not group.titled and text and classify(text) is LineKind.TEXT:
            group.url, group.titled = url, True
    kept = {
        key: group
        for key, group in groups.items()
        if group.ref.stable or not _is_filler_link([texts[i] for i in group.members])
    }
    return kept, cut


def _container(node: int, key: str, key_of: list[str | None], flat: _Flat) -> int:
    """The largest element around the link that holds no other job's link (or the link)."""
    best = node
    parent = flat.parents[node]
    while parent >= 0 and flat.names[parent] not in ("body", "html"):
        begin, end = flat.spans[parent]
        if end - begin > _MAX_CLIMB_PIECES:
            break
        if _holds_foreign_link(flat, parent, key, key_of):
            break
        best = parent
        parent = flat.parents[parent]
    return best


def _holds_foreign_link(flat: _Flat, node: int, key: str, key_of: list[str | None]) -> bool:
    low = bisect_right(flat.anchor_nodes, node)
    high = bisect_right(flat.anchor_nodes, flat.last[node])
    return any(key_of[i] not in (None, key) for i in range(low, high))


def _flat_end(flat: _Flat, members: list[int], next_start: int) -> int:
    """Where a card without its own container ends: at the next foreign link or card."""
    own_end = max(_anchor_span(flat, i)[1] for i in members)
    end = next_start
    own = set(members)
    # Anchors start in document order: jump to the first one at or after own_end instead of
    # scanning from the top for every card (quadratic in an alert with thousands of links).
    low, high = 0, len(flat.anchors)
    while low < high:
        mid = (low + high) // 2
        if _anchor_span(flat, mid)[0] < own_end:
            low = mid + 1
        else:
            high = mid
    for index in range(low, len(flat.anchors)):
        begin = _anchor_span(flat, index)[0]
        if begin >= end:
            break
        if index not in own:
            end = begin
            break
    return max(end, own_end)
