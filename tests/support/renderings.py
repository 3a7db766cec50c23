"""What mail clients make of an HTML alert when a member forwards it as plain text.

Used to write the fixtures under tests/data/alerts/ (see alert_fixtures.py), following what the
clients are known to write:

* Gmail: a link is `text <url>` (the `<url>` moves to the next line when it does not fit the
  76-column wrap), an image is `[image: alt]`, bold is `*text*`, a rule is a dashed line, and
  the forward starts with "---------- Forwarded message ---------".
* Outlook: a link is `text<url>`, an image is `[alt]`, or `[cid:image001.png@…]` without alt,
  or `[https://…/logo.png]` (new Outlook); paragraphs get a blank line; plain text is sent
  wrapped at 76 columns, so `Manager<https://…>` moves to a line of its own under "Senior
  Product"; Microsoft 365 tenants wrap every link in a SafeLinks redirect; the forward starts
  with a rule and From/Sent/To.
* Apple Mail: links as `text <url>`, images dropped, "Begin forwarded message:".
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from urllib.parse import quote

from bs4 import BeautifulSoup, NavigableString, Tag

_SKIP = {"head", "style", "script", "title", "noscript"}
_BLOCK = {"div", "tr", "table", "tbody", "center", "li", "ul", "ol", "section", "header", "footer"}
_PARAGRAPH = {"p", "h1", "h2", "h3", "h4", "h5", "h6"}
_HIDDEN = re.compile(r"display\s*:\s*none|mso-hide\s*:\s*all", re.I)
#: block boundaries while rendering: at most one line break, or a blank line
_SOFT, _GAP = "\x00", "\x01"
_BREAKS = re.compile(r"[\x00\x01\s]*[\x00\x01][\x00\x01\s]*")


@dataclass(frozen=True)
class Client:
    name: str
    link: str  # "{text} <{url}>" style
    image_alt: str  # "[image: {alt}]"
    image_no_alt: str  # "" (dropped) or "[cid:…]" or "[{src}]"
    bold: str  # "*{text}*" or "{text}"
    rule: str
    cell_break: str  # what separates table cells
    paragraph_gap: bool
    wrap: int  # 0: no wrapping
    safelinks: bool = False
    #: a blank line between any two blocks (Outlook's Word engine), not only paragraphs
    block_gap: bool = False


GMAIL = Client(
    name="gmail",
    link="{text} <{url}>",
    image_alt="[image: {alt}]",
    image_no_alt="",
    bold="*{text}*",
    rule="------------------------------",
    cell_break="\n",
    paragraph_gap=True,
    wrap=76,
)
OUTLOOK = Client(
    name="outlook",
    link="{text}<{url}>",
    image_alt="[{alt}]",
    image_no_alt="[cid:image{n:03d}.png@01DA5E5C.3F2A1B40]",
    bold="{text}",
    rule="________________________________",
    cell_break="\n",
    paragraph_gap=True,
    wrap=76,
    block_gap=True,
)
#: new Outlook / Outlook on the web in a Microsoft 365 tenant: SafeLinks and image addresses
OUTLOOK_365 = Client(
    name="outlook365",
    link="{text} <{url}>",
    image_alt="[{src}]",
    image_no_alt="[{src}]",
    bold="{text}",
    rule="________________________________",
    cell_break="\t",
    paragraph_gap=False,
    wrap=0,
    safelinks=True,
)
APPLE = Client(
    name="apple",
    link="{text} <{url}>",
    image_alt="",
    image_no_alt="",
    bold="{text}",
    rule="",
    cell_break="\t",
    paragraph_gap=True,
    wrap=0,
)


class _Writer:
    """Walks the tree as written (Python's parser keeps a card-wide <a> around its <div>s)."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.images = 0

    def render(self, el: Tag) -> str:
        tag = el.name.lower()
        if tag in _SKIP or _HIDDEN.search(str(el.get("style") or "")):
            return ""
        if tag == "br":
            return "\n"
        if tag == "hr":
            return f"\n{self.client.rule}\n"
        if tag == "img":
            return self._image(el)
        inner = self._children(el)
        href = str(el.get("href") or "")
        if tag == "a" and href.startswith("http"):
            return self._link(href, inner)
        if tag in ("b", "strong") and inner.strip():
            return self.client.bold.format(text=inner.strip())
        if tag in ("td", "th"):
            return inner.strip(_SOFT + _GAP + "\n ") + self.client.cell_break
        if tag in _PARAGRAPH:
            gap = _GAP if self.client.paragraph_gap else _SOFT
            return f"{gap}{inner.strip()}{gap}"
        if tag in _BLOCK:
            gap = _GAP if self.client.block_gap else _SOFT
            return f"{gap}{inner}{gap}"
        return inner

    def _children(self, el: Tag) -> str:
        parts: list[str] = []
        for child in el.children:
            if isinstance(child, Tag):
                parts.append(self.render(child))
            elif isinstance(child, NavigableString) and type(child) is NavigableString:
                parts.append(_squash(str(child)))
        return "".join(parts)

    def _image(self, el: Tag) -> str:
        self.images += 1
        alt, src = str(el.get("alt") or "").strip(), str(el.get("src") or "")
        form = self.client.image_alt if alt else self.client.image_no_alt
        return form.format(alt=alt, src=src, n=self.images) if form else ""

    def _link(self, url: str, inner: str) -> str:
        if self.client.safelinks:
            url = (
                "https://nam12.safelinks.protection.outlook.com/?url="
                + quote(url, safe="")
                + "&data=05%7C02%7Cjordan.lee%40example.org%7C5f1c%7C0%7C0%7C638434&sdata=Qm9v"
                "&reserved=0"
            )
        text = inner.strip(" ")
        if not text.strip():
            return url
        lines = text.rstrip("\n " + _SOFT + _GAP).split("\n")
        lines[-1] = self.client.link.format(text=lines[-1].strip(), url=url).strip()
        return "\n".join(lines)


def _squash(text: str) -> str:
    return re.sub(r"[ \t\r\n\f]+", " ", text.replace("\xa0", " "))


def render(html: str, client: Client) -> str:
    """The text `client` writes for `html`."""
    soup = BeautifulSoup(html, "html.parser")
    body = soup.find("body")
    text = _Writer(client).render(body if isinstance(body, Tag) else soup)
    text = _BREAKS.sub(
        lambda m: "\n\n" if _GAP in m.group(0) or m.group(0).count("\n") > 1 else "\n", text
    )
    lines = [re.sub(r" {2,}", " ", line).strip() for line in text.split("\n")]
    if client.wrap:
        lines = [wrapped for line in lines for wrapped in _wrap(line, client.wrap)]
    out = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return out + "\n"


def _wrap(line: str, width: int) -> list[str]:
    """Gmail wraps at spaces only: a URL longer than the width sits on a line of its own."""
    if len(line) <= width:
        return [line]
    return textwrap.wrap(line, width, break_long_words=False, break_on_hyphens=False) or [""]


@dataclass(frozen=True)
class Original:
    """The alert as it arrived in the member's mailbox."""

    sender_name: str
    sender: str
    to: str
    subject: str
    date_gmail: str  # "Tue, Feb 13, 2024 at 9:04 AM"
    date_outlook: str  # "Tuesday, February 13, 2024 9:04 AM"
    date_apple: str  # "February 13, 2024 at 9:04:11 AM CST"


def gmail_forward(note: str, original: Original, body: str) -> str:
    return (
        f"{note}\n\n---------- Forwarded message ---------\n"
        f"From: {original.sender_name} <{original.sender}>\n"
        f"Date: {original.date_gmail}\nSubject: {original.subject}\nTo: <{original.to}>\n\n\n"
        f"{body}"
    )


def outlook_forward(note: str, original: Original, body: str, *, old_style: bool = False) -> str:
    rule = "-----Original Message-----" if old_style else "________________________________"
    return (
        f"{note}\n\n{rule}\nFrom: {original.sender_name} <{original.sender}>\n"
        f"Sent: {original.date_outlook}\nTo: Jordan Lee <{original.to}>\n"
        f"Subject: {original.subject}\n\n{body}"
    )


def apple_forward(note: str, original: Original, body: str) -> str:
    return (
        f"{note}\n\nBegin forwarded message:\n\n"
        f"From: {original.sender_name} <{original.sender}>\nSubject: {original.subject}\n"
        f"Date: {original.date_apple}\nTo: Jordan Lee <{original.to}>\n\n{body}"
    )
