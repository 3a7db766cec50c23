"""HTML mail bodies and pages to readable plain text, keeping links as `text <url>`.

Mail HTML is hostile by nature (50k-deep nesting, 10 MB tables, tags never closed), so the input
is capped and the tree is walked with lxml's iterative `iterwalk`, never by recursion. The text is
shaped so that `parsers.forwards` can read Outlook "Word HTML" forward headers
(`<b>From:</b> ...<br><b>Sent:</b> ...`) exactly as it reads plain-text ones.

With `quotes=True` the quoting structure of a reply or forward is kept the way plain-text mail
shows it: the content of `<blockquote>` (Gmail's `gmail_quote`, Apple's and Thunderbird's
`type="cite"`) and of Yahoo's `yahoo_quoted` block is prefixed with "> " per level, and the
attribution or header lines above it stay on lines of their own, so the forward reader sees
where a quote starts and ends whatever the language of its header.

A field that may hold either HTML or plain text (a feed entry's summary, an ATS API's job
description) goes through `fragment_to_text`: plain text keeps its own line breaks, markup is
read like any other HTML. It is the one HTML-to-text path of mail, pages, feeds and job boards.

Interface (stable):
    html_to_text(html: str, quotes: bool = False) -> str
    fragment_to_text(markup: str) -> str
    tidy_text(text: str) -> str
    html_links(html: str) -> list[tuple[str, str]]     # (href, link text), in document order
    parse_html(html: str) -> lxml element or None
"""

from __future__ import annotations

import html as htmllib
import re
from typing import Any

from lxml import etree

#: Larger inputs are cut: nobody forwards a 2 MB job posting, but attackers send 10 MB tables.
MAX_HTML_CHARS = 2_000_000

_SKIP = frozenset(
    {"script", "style", "head", "title", "noscript", "template", "svg", "math", "object", "iframe"}
)
_BLOCK = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "center", "dd", "details", "dialog",
        "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1",
        "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "legend", "li", "main",
        "menu", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "tfoot",
        "thead", "ul", "caption", "tr",
    }
)  # fmt: skip
_PARAGRAPH = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote", "ul", "ol"})
_CELL = frozenset({"td", "th"})
_CELL_MARK = "\x1f"
#: A list item reads as one, as in plain-text mail.
_BULLET = "• "
_SPACES_RE = re.compile(r" {2,}")
_WS_RE = re.compile(r"[ \t\r\n\f\v]+")
_INVISIBLE_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u034f\u00ad\u180e]")
_HIDDEN_RE = re.compile(r"display\s*:\s*none", re.IGNORECASE)
_LINK_SCHEMES = ("http://", "https://")
_LINE_SPACES_RE = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANKS_RE = re.compile(r"\n\s*\n\s*(?:\n\s*)+")
#: Private-use characters marking where a quoted block opens and closes while text is written.
_QUOTE_OPEN = "\ue000"
_QUOTE_CLOSE = "\ue001"


def parse_html(html: str) -> Any:
    """The lxml root of `html` (capped), or None for an empty or unparsable document."""
    if not html or not html.strip():
        return None
    data = html[:MAX_HTML_CHARS].encode("utf-8", errors="replace")
    parser = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    try:
        return etree.fromstring(data, parser)
    except (etree.LxmlError, ValueError):
        return None


def _tag(el: Any) -> str:
    """Lower-case local tag name; comments/entities have a non-string tag and give ''."""
    tag = el.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1].lower()


def _is_hidden(el: Any) -> bool:
    """Preheaders and tracking blocks are hidden with inline CSS; readers never see them."""
    style = el.get("style")
    return bool(style and _HIDDEN_RE.search(style)) or el.get("hidden") is not None


def _href(el: Any) -> str:
    href = (el.get("href") or "").strip()
    return href if href.lower().startswith(_LINK_SCHEMES) else ""


class _Writer:
    """Collects text pieces; `pre` depth decides whether whitespace is kept."""

    def __init__(self, quotes: bool = False) -> None:
        self.quotes = quotes
        self.parts: list[str] = []
        self.pre = 0
        #: Newlines asked for by block boundaries; adjacent boundaries share them.
        self.pending = 0
        #: Per open <a>: (href, index of the first part written inside it).
        self.links: list[tuple[str, int]] = []

    def text(self, value: str | None) -> None:
        if not value:
            return
        if not self.pre:
            value = _WS_RE.sub(" ", value)
            if self.pending and value == " ":
                return
        self.raw(value)

    def raw(self, value: str) -> None:
        if self.pending:
            self.parts.append("\n" * self.pending)
            self.pending = 0
        self.parts.append(value)

    def newline(self, count: int = 1) -> None:
        self.pending = max(self.pending, count)

    def open_link(self, el: Any) -> None:
        self.links.append((_href(el), len(self.parts)))

    def close_link(self) -> None:
        href, start = self.links.pop()
        if not href:
            return
        inside = "".join(self.parts[start:]).strip()
        if inside == href or href in inside:
            return
        self.raw(f" <{href}>" if inside else f"<{href}>")


def _is_quote(writer: _Writer, el: Any, tag: str) -> bool:
    """A quoted part: any blockquote, or Yahoo's quoted-reply block (a div)."""
    if not writer.quotes:
        return False
    if tag == "blockquote":
        return True
    return tag == "div" and "yahoo_quoted" in (el.get("class") or "") + (el.get("id") or "")


def _start(writer: _Writer, el: Any, tag: str) -> None:
    if _is_quote(writer, el, tag):
        writer.newline(1)
        writer.raw(_QUOTE_OPEN)
    if tag in _BLOCK:
        writer.newline(2 if tag in _PARAGRAPH and el.get("class") != "MsoNormal" else 1)
    if tag == "pre":
        writer.pre += 1
    elif tag == "a":
        writer.open_link(el)
    elif tag in _CELL:
        writer.raw(_CELL_MARK)
    elif tag == "li":
        writer.raw(_BULLET)
    elif tag == "img":
        alt = (el.get("alt") or "").strip()
        if alt and len(alt) < 80:
            writer.text(f" {alt} ")
    writer.text(el.text)


def _end(writer: _Writer, el: Any, tag: str) -> None:
    if tag == "a":
        writer.close_link()
    elif tag == "pre":
        writer.pre = max(0, writer.pre - 1)
    elif tag == "br":
        writer.raw("\n")
    elif tag in _CELL:
        writer.raw(_CELL_MARK)
    if _is_quote(writer, el, tag):
        writer.raw(_QUOTE_CLOSE)
        writer.newline(1)
    if tag in _BLOCK:
        writer.newline(2 if tag in _PARAGRAPH and el.get("class") != "MsoNormal" else 1)


def _walk(root: Any, quotes: bool = False) -> str:
    writer = _Writer(quotes)
    walker = etree.iterwalk(root, events=("start", "end"))
    skipped: set[int] = set()
    for event, el in walker:
        tag = _tag(el)
        if event == "start":
            if not tag or tag in _SKIP or _is_hidden(el):
                walker.skip_subtree()
                skipped.add(id(el))
            else:
                _start(writer, el, tag)
            continue
        if id(el) in skipped:
            skipped.discard(id(el))
        else:
            _end(writer, el, tag)
        writer.text(el.tail)
    writer.raw("")
    return "".join(writer.parts)


def _join_cells(line: str) -> str:
    """Cells of one table row on one line: 'From:' + 'Alice' reads 'From: Alice', else ' | '."""
    cells = [c.strip() for c in line.split(_CELL_MARK)]
    out = ""
    for cell in cells:
        if not cell:
            continue
        if not out:
            out = cell
        else:
            out += (" " if out.endswith(":") else " | ") + cell
    return out


def _tidy(text: str) -> str:
    text = _INVISIBLE_RE.sub("", text).replace("\xa0", " ")
    lines = [_join_cells(line) if _CELL_MARK in line else line.strip() for line in text.split("\n")]
    out: list[str] = []
    for line in lines:
        line = _SPACES_RE.sub(" ", line).rstrip()
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    return "\n".join(out).strip()


def _apply_quotes(text: str) -> str:
    """Turns the quote marks written by the walk into "> " prefixes, one per open level."""
    out: list[str] = []
    depth = 0
    for line in text.split("\n"):
        i = 0
        while i < len(line) and line[i] in (_QUOTE_OPEN, _QUOTE_CLOSE):
            depth = depth + 1 if line[i] == _QUOTE_OPEN else max(0, depth - 1)
            i += 1
        rest = line[i:]
        content = rest.replace(_QUOTE_OPEN, "").replace(_QUOTE_CLOSE, "").strip()
        line_depth = depth
        for ch in rest:
            if ch in (_QUOTE_OPEN, _QUOTE_CLOSE):
                depth = depth + 1 if ch == _QUOTE_OPEN else max(0, depth - 1)
        if not content:
            if out and out[-1].strip(" >"):
                out.append(">" * line_depth)
            continue
        out.append("> " * line_depth + content if line_depth else content)
    while out and not out[-1].strip(" >"):
        out.pop()
    return "\n".join(out)


def html_to_text(html: str, quotes: bool = False) -> str:
    """Readable text of an HTML document; '' when there is nothing readable. Never raises.

    `quotes`: quoted parts of a reply or forward prefixed with "> " (see the module notes)."""
    root = parse_html(html)
    if root is None:
        return ""
    try:
        text = _tidy(_walk(root, quotes))
    except (etree.LxmlError, ValueError, RecursionError):
        return ""
    return _apply_quotes(text) if quotes else text


def tidy_text(text: str) -> str:
    """Plain text as the digest shows it: spaces folded per line, at most one blank line."""
    lines = (_LINE_SPACES_RE.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANKS_RE.sub("\n\n", "\n".join(lines).strip())


def fragment_to_text(markup: str) -> str:
    """Text of a field that may be HTML or plain text; plain text keeps its line breaks
    (an HTML parser would fold them), entities in it are still decoded. Never raises."""
    if not markup:
        return ""
    if "<" not in markup:
        return tidy_text(htmllib.unescape(markup) if "&" in markup else markup)
    return html_to_text(markup)


def html_links(html: str) -> list[tuple[str, str]]:
    """Every http(s) link with its visible text (image alt text when it has none), in order."""
    root = parse_html(html)
    if root is None:
        return []
    links: list[tuple[str, str]] = []
    try:
        for el in root.iter("a"):
            href = _href(el)
            if not href:
                continue
            text = _WS_RE.sub(" ", el.xpath("string()") or "").strip()
            if not text:
                alts = [(img.get("alt") or "").strip() for img in el.iter("img")]
                text = next((a for a in alts if a), "")
            links.append((href, _INVISIBLE_RE.sub("", text).replace("\xa0", " ").strip()))
    except (etree.LxmlError, ValueError):
        return links
    return links
