"""Job cards of an alert read as plain text: the sender's own text part, or what a mail client
made of the HTML alert when a member forwarded it as text.

Renderings differ in small ways that matter. The sender's text part puts a card's facts first
and its link last ("View job: https://…"). Gmail writes a link as `text <url>` (the `<url>` on a
line of its own when it does not fit), an image as `[image: Acme]` and bold text as `*text*`;
Outlook writes `text<url>`, `[Acme]` or `[https://…/logo.png]` for images, and blank lines
between paragraphs; Apple Mail drops images. Between the facts all of them keep the badges
("Easy Apply", "4.1 ★", "Promoted").

So a text is first cut into lines of labelled links and plain text, with image placeholders
removed, and then read the same way for every sender and client: a card is the lines around
one job's links. Which lines those are depends on where the job's title is: a link whose label
is a title has the card's facts after it (and a company-first card's company just above it);
a link labelled "View job" or standing alone closes a card whose facts came before it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from parsers.alerts._cards import MAX_CARDS, Card, JobRef, JobRefFn, clean_text, resolve_link
from parsers.alerts._fields import Line, LineKind, classify, is_title, looks_like_role

_MAX_CARD_LINES = 16
_MAX_ROWS = 20_000
_QUOTE_PREFIX = re.compile(r"^(?:\s*>)+ ?")
_RULE = re.compile(
    r"^\s*(?:[-=_*~#\u2014\u2013\u2500]{3,}.*|.*forwarded message.*|begin forwarded message:?"
    r"|.*original message.*)\s*$",
    re.I,
)
#: A link as clients render it (`<url>`), an image address in brackets (Outlook) or a bare URL.
_TOKEN = re.compile(
    r"<(?P<angled>https?://[^\s<>]+)>"
    r"|\[(?P<imgurl>https?://[^\s\]]+)\]"
    r"|(?P<placeholder>\[(?:image|bild|imagen|immagine|afbeelding|imagem|cid)\s*:[^\]]*\])"
    r"|(?P<bare>https?://[^\s<>\[\]\"']+)",
    re.I,
)
#: "[Acme Robotics]" right before a link, or alone on a line: an image's alt text (Outlook).
_BRACKETED = re.compile(r"^\s*\[[^\[\]]{1,80}\]\s*$")
_OPEN_PLACEHOLDER = re.compile(
    r"\[(?:image|bild|imagen|immagine|afbeelding|imagem|cid)\s*:[^\]]*$", re.I
)
_OPEN_BRACKET = re.compile(r"\[[^\[\]]{0,80}$")
_CONTINUES = re.compile(r"(?:[,\u2013\u2014&/-]|\b(?:and|of|for|or|und|et|y|de))$", re.I)
_GLUED_START = re.compile(r"^[^\s<>]+<https?://")
_GLUED_LABEL = re.compile(r"\S\s+[^\s<>]+<https?://")
_FACT_KINDS = (LineKind.WORKPLACE, LineKind.POSTED, LineKind.SALARY, LineKind.NOISE)
_GAP_BEFORE_URL = re.compile(r"\s<?https?://\S*$|\s<https?://")
#: an image's alt text in brackets at the start of a label: "[Acme Robotics]\tSenior Buyer"
_LEADING_ALT = re.compile(r"^\[[^\[\]]{1,80}\]\s+(?=\S)")
#: the rest of a wrapped placeholder: "Facebook]" after "[image:"
_CLOSES = re.compile(r"^[^\[\]<>]{0,80}\]")
_EMPHASIS = re.compile(r"^[*_]+(?=\S)(.+?)(?<=\S)[*_]+$")
_TRAILING_PUNCT = ".,;:!?)>"


@dataclass(slots=True)
class TextLine:
    """One piece of a text alert: plain text, or a link with the text that labels it."""

    text: str = ""
    url: str = ""
    #: the URL stood alone in angle brackets: the text it labels is on the line above
    angled: bool = False
    #: only an image placeholder: a logo, never a fact
    image: bool = False
    blank: bool = False
    rule: bool = False
    ref: JobRef | None = None
    #: the row text of this piece as written (label and URL), for telling how it was wrapped
    raw: str = ""

    @property
    def content(self) -> bool:
        """Text a card can be read from (not a gap, a rule or an image)."""
        return bool(self.text) and not (self.blank or self.rule or self.image)


@dataclass(slots=True)
class _Cluster:
    key: str
    lines: list[int] = field(default_factory=list)

    @property
    def first(self) -> int:
        return self.lines[0]

    @property
    def last(self) -> int:
        return self.lines[-1]


def text_lines(text: str) -> list[TextLine]:
    """The text cut into plain and link pieces, quote marks and image placeholders removed."""
    out: list[TextLine] = []
    previous = ""
    rows = _rows(text)
    wrapped = _hard_wrapped(rows)
    for row in rows:
        if not row.strip():
            out.append(TextLine(blank=True))
        elif _RULE.match(row):
            out.append(TextLine(rule=True))
        else:
            pieces = _pieces(row)
            _join_wrapped_label(out, previous, pieces, wrapped)
            out.extend(pieces)
        previous = row
    return _adopt_labels(out)


def _hard_wrapped(rows: list[str]) -> bool:
    """Whether the client wrapped the text at a fixed width (Outlook's 76 columns). Then no
    plain row is much longer than that and several come close; or, Outlook's `text<url>`
    being one long word, link words start rows under the words they belong to more often
    than whole labels sit beside their links."""
    plain = [len(r.strip()) for r in rows if r.strip() and not _TOKEN.search(r)]
    if plain and max(plain) <= 80 and sum(60 <= n <= 80 for n in plain) >= 2:
        return True
    moved = sum(
        1
        for above, row in zip(rows, rows[1:], strict=False)
        if _GLUED_START.match(row.strip()) and above.strip() and not _TOKEN.search(above)
    )
    beside = sum(1 for row in rows if _GLUED_LABEL.search(row))
    return moved >= 2 and moved > beside


def _join_wrapped_label(
    out: list[TextLine], previous: str, pieces: list[TextLine], wrapped: bool = False
) -> None:
    """A link's text may start on the line above when the client wrapped the line: Gmail
    ("See all jobs <url> · Manage" / "my alerts <url>") and Outlook, whose `text<url>` is one
    long word moved down whole ("Senior Product" / "Manager<https://…>"). The start is
    joined to its link when the two halves read as one label."""
    if not (out and pieces and pieces[0].url and pieces[0].text):
        return
    above, label = out[-1], pieces[0].text
    if above.url or not above.content or above.text.endswith((".", "!", "?", ":", "\u2026")):
        return
    joined = f"{above.text} {label}".strip(" \u00b7|\u2022")
    if len(joined) > 150 or classify(above.text) not in (LineKind.TEXT, LineKind.CTA, LineKind.NAV):
        return
    label_kind = classify(label)
    glued = not _GAP_BEFORE_URL.search(pieces[0].raw) and " " not in label
    continues = bool(_CONTINUES.search(above.text)) or label[:1].islower() or label[:1] == "("
    if wrapped and glued:
        # "Customer Success Manager" / "Manchester<url>" closes a block card with its place;
        # a title link split by the wrap has no more card lines above it ("[Acme]<url>", a gap)
        in_block = len(out) > 1 and out[-2].content and not out[-2].url
        ends_in_role = looks_like_role(above.text) and looks_like_role(above.text.split()[-1])
        join = continues or (
            label_kind not in _FACT_KINDS
            and (not (ends_in_role and in_block) or looks_like_role(label))
        )
    elif classify(above.text) is not LineKind.TEXT:
        return
    elif len(previous.strip()) >= 60:
        join = continues and label_kind not in _FACT_KINDS
    else:
        join = glued and (
            continues or (looks_like_role(joined) and not looks_like_role(above.text))
        )
    if join or (above.text.startswith("[") and "]" not in above.text):
        match = _EMPHASIS.match(joined)  # "*Senior Data" / "Analyst*<url>"
        pieces[0].text = match.group(1).strip() if match else joined
        out.pop()


def _rows(text: str) -> list[str]:
    """Lines without quote marks; an image placeholder a client wrapped is joined again."""
    rows = [_QUOTE_PREFIX.sub("", row) for row in (text or "").splitlines()[:_MAX_ROWS]]
    joined: list[str] = []
    for row in rows:
        if joined and _OPEN_BRACKET.search(joined[-1]) and _CLOSES.match(row.strip()):
            joined[-1] = (
                f"{joined[-1]} {row.strip()}"  # "[image:" / "Facebook]", "[Acme" / "Robotics]<…>"
            )
        else:
            joined.append(row)
    return joined


def _pieces(row: str) -> list[TextLine]:
    """A row's links, each with the text before it as its label, then any text after them."""
    pieces: list[TextLine] = []
    pending: list[str] = []
    image = False
    position = 0
    for match in _TOKEN.finditer(row):
        pending.append(row[position : match.start()])
        position = match.end()
        if match.group("imgurl") or match.group("placeholder"):
            image = True
            continue
        url = (match.group("angled") or match.group("bare") or "").rstrip(_TRAILING_PUNCT)
        raw = "".join(pending) + match.group(0)
        label, was_image = _label(pending)
        pieces.append(
            TextLine(
                text=label,
                url=url,
                angled=bool(match.group("angled")) and not label and not (image or was_image),
                image=(image or was_image) and not label,
                raw=raw,
            )
        )
        pending, image = [], False
    pending.append(row[position:])
    label, was_image = _label(pending)
    if label or image or was_image:
        pieces.append(TextLine(text=label, image=not label))
    return pieces


def _label(parts: list[str]) -> tuple[str, bool]:
    """The cleaned text of a piece, and whether it was only an image's alt text."""
    text = _OPEN_PLACEHOLDER.sub("", clean_text(" ".join(parts)))
    text = _CLOSES.sub("", text).strip()  # the tail of a placeholder cut by a wrap
    text = _LEADING_ALT.sub("", text)
    if _BRACKETED.match(text):
        return "", True
    match = _EMPHASIS.match(text) if len(text) <= 300 else None
    if match:
        text = match.group(1).strip()
    return text, False


def _adopt_labels(lines: list[TextLine]) -> list[TextLine]:
    """`Senior Buyer` over `<https://…>`: the URL belongs to the line above it."""
    out: list[TextLine] = []
    for line in lines:
        above = out[-1] if out else None
        if line.angled and above is not None and not above.url and (above.image or above.content):
            above.url = line.url
            continue
        out.append(line)
    return out


def text_cards(text: str, job_ref: JobRefFn) -> list[Card]:
    """Job cards of a text alert, in order, one per run of a job's links."""
    lines = _resolved(text_lines(text), job_ref)
    clusters = _clusters(lines)
    cards: list[Card] = []
    for index, cluster in enumerate(clusters):
        prev_last = clusters[index - 1].last if index else -1
        next_first = clusters[index + 1].first if index + 1 < len(clusters) else len(lines)
        if index and _is_button_of_previous(lines, clusters[index - 1], cluster):
            continue
        card = _card(lines, cluster, prev_last, next_first)
        if card is not None:
            cards.append(card)
    return cards[:MAX_CARDS]


def _resolved(lines: list[TextLine], job_ref: JobRefFn) -> list[TextLine]:
    """The lines with their job links resolved, up to the first link of the job after
    MAX_CARDS + 1: the last card read still ends where the next job starts."""
    keys: set[str] = set()
    for index, line in enumerate(lines):
        if not line.url:
            continue
        line.url = resolve_link(line.url)
        line.ref = job_ref(line.url)
        if line.ref is not None and line.text and classify(line.text) is LineKind.NAV:
            line.ref = None
        if line.ref is not None and line.ref.key not in keys:
            if len(keys) > MAX_CARDS:
                return lines[:index]
            keys.add(line.ref.key)
    return lines


def _is_button_of_previous(lines: list[TextLine], previous: _Cluster, cluster: _Cluster) -> bool:
    """ZipRecruiter's "1-Click Apply" carries another click token than the title link above
    it: a tracker-only link labelled as a button, right after a titled card, is that card's."""
    own = [lines[i] for i in cluster.lines]
    if any(line.ref is None or line.ref.stable for line in own):
        return False
    if not all(line.text and classify(line.text) is LineKind.CTA for line in own):
        return False
    if not any(_is_title_link(lines[i]) for i in previous.lines):
        return False
    return not any(lines[i].rule for i in range(previous.last, cluster.first))


def _clusters(lines: list[TextLine]) -> list[_Cluster]:
    """Runs of one job's links with no other job's link between them."""
    clusters: list[_Cluster] = []
    for index, line in enumerate(lines):
        if line.ref is None:
            continue
        if clusters and clusters[-1].key == line.ref.key:
            clusters[-1].lines.append(index)
        else:
            clusters.append(_Cluster(line.ref.key, [index]))
    return clusters


def _is_title_link(line: TextLine) -> bool:
    """A link whose own text reads as a job title (not a button, a badge or a logo)."""
    return line.content and classify(line.text) is LineKind.TEXT and is_title(line.text)


def _card(lines: list[TextLine], cluster: _Cluster, prev_last: int, next_first: int) -> Card | None:
    """One job's card: its lines read from the title link on, or up to its closing link."""
    own = [lines[i] for i in cluster.lines]
    ref = own[0].ref
    assert ref is not None
    titled = next((i for i in cluster.lines if _is_title_link(lines[i])), None)
    url = lines[titled].url if titled is not None else _best_url(own)
    if titled is not None and _title_leads(lines, titled, prev_last):
        texts = _title_first(lines, titled, prev_last, next_first)
    elif all(line.image for line in own) and _facts_below(lines, cluster.last):
        texts = _after_logo(lines, cluster.last, next_first)  # only the logo is a link
    else:
        texts = _facts_first(lines, cluster, prev_last, first=prev_last < 0)
    if not texts:
        return None
    return Card(url=url, ref=ref, lines=texts[:_MAX_CARD_LINES])


def _after_logo(lines: list[TextLine], index: int, next_first: int) -> list[Line]:
    """A card whose only link is the company logo: its facts follow the logo."""
    texts: list[Line] = []
    for line in lines[index + 1 : next_first]:
        if line.rule or (line.content and classify(line.text) is LineKind.NAV):
            break
        if line.content and not (line.url and classify(line.text) is LineKind.CTA):
            texts.append(Line(line.text))
    return texts


def _best_url(own: list[TextLine]) -> str:
    """A CTA's link when there is no title link: the first link that is not a logo."""
    return next((line.url for line in own if not line.image), own[0].url)


def _block_above(lines: list[TextLine], index: int, floor: int) -> list[int]:
    """Plain text lines right above `index`, up to a gap, a rule or a link."""
    found: list[int] = []
    i = index - 1
    while i > floor and lines[i].content and not lines[i].url:
        found.append(i)
        i -= 1
    return found[::-1]


def _lines_above(lines: list[TextLine], index: int, floor: int, most: int = 3) -> list[int]:
    """Up to `most` plain text lines above `index` (across blank lines, which Outlook puts
    between a card's paragraphs), up to a rule or a link."""
    found: list[int] = []
    i = index - 1
    while i > floor and len(found) < most and not lines[i].rule and not lines[i].url:
        if lines[i].content:
            found.append(i)
        i -= 1
    return found[::-1]


def _facts_below(lines: list[TextLine], index: int, most: int = 3) -> bool:
    """Whether company or place lines follow `index` (across blank lines), before any link,
    rule or navigation."""
    seen = 0
    for line in lines[index + 1 :]:
        if line.rule or line.url:
            return False
        if not line.content:
            continue
        kind = classify(line.text)
        if kind is LineKind.NAV:
            return False
        if kind in (LineKind.TEXT, LineKind.WORKPLACE):
            return True
        seen += 1
        if seen >= most:
            return False
    return False


def _title_leads(lines: list[TextLine], titled: int, prev_last: int) -> bool:
    """Whether the title link opens the card (its facts follow) or closes a block of facts.

    Gmail and Outlook write a link spanning a whole card (Glassdoor, Indeed, Built In) as the
    card's lines with the URL on the last one, which may be the place ("Austin, TX <url>");
    a title link has the company and place after it.
    """
    label = lines[titled].text
    if looks_like_role(label):
        return True
    above = [i for i in range(prev_last + 1, titled) if lines[i].content and not lines[i].url]
    if any(
        classify(lines[i].text) is LineKind.TEXT and looks_like_role(lines[i].text) for i in above
    ):
        return False  # the card's title is above: this link closes the card
    if not any(
        classify(lines[i].text) is LineKind.TEXT for i in _block_above(lines, titled, prev_last)
    ):
        return True
    return _facts_below(lines, titled)


def _title_first(lines: list[TextLine], titled: int, prev_last: int, next_first: int) -> list[Line]:
    """The title, the block just above it (a company-first card's company) and the facts after
    it, up to the next job, a rule or the footer."""
    texts = [Line(lines[i].text) for i in _lines_above(lines, titled, prev_last)]
    texts.append(Line(lines[titled].text, anchored=True))
    for i in range(titled + 1, next_first):
        line = lines[i]
        if line.rule:
            break
        if not line.content:
            continue
        if classify(line.text) is LineKind.NAV:
            break
        if line.ref is not None and line.ref.key == lines[titled].ref.key:  # type: ignore[union-attr]
            continue  # the same job's "View job" or "Apply" link
        texts.append(Line(line.text))
    return texts


def _facts_first(
    lines: list[TextLine], cluster: _Cluster, prev_last: int, first: bool = False
) -> list[Line]:
    """Lines since the last link or rule before this job's first link, up to its last link.

    A link to anything else (a news item in a Google Alert, a company page) ends the lines
    before it just like another job's link does.
    """
    start = prev_last + 1
    for i in range(cluster.last, prev_last, -1):
        if lines[i].rule or (i < cluster.first and lines[i].url and not lines[i].image):
            start = i + 1
            break
    paragraphs: list[list[str]] = [[]]
    for i in range(start, cluster.last + 1):
        line = lines[i]
        if line.blank and paragraphs[-1]:
            paragraphs.append([])
        if not line.content:
            continue
        kind = classify(line.text)
        if line.url and kind in (LineKind.CTA, LineKind.NAV, LineKind.HEADER):
            continue  # "View job:", "Apply now"
        paragraphs[-1].append(line.text)
    if first:
        paragraphs = _drop_heading(paragraphs)
    texts = [text for paragraph in paragraphs for text in paragraph]
    return [Line(t) for t in _drop_preamble(texts)]


def _drop_heading(paragraphs: list[list[str]]) -> list[list[str]]:
    """Above the first card sits the alert's heading ("Jobs recommended for you / Hi Jordan,
    here are new jobs"): a leading paragraph of two or more lines without job facts, with a
    whole card after it. (A one-line paragraph may be the title of a card Outlook spread
    over blank-separated lines; the heading vocabulary handles those.)"""
    paragraphs = [p for p in paragraphs if p]
    if len(paragraphs) < 2 or len(paragraphs[0]) < 2:
        return paragraphs
    head, rest = paragraphs[0], [t for p in paragraphs[1:] for t in p]
    facts = {classify(t) for t in head} & {LineKind.SALARY, LineKind.POSTED, LineKind.WORKPLACE}
    if facts or sum(classify(t) is LineKind.TEXT for t in rest) < 2:
        return paragraphs
    return paragraphs[1:]


def _drop_preamble(texts: list[str]) -> list[str]:
    """Greetings, alert headings and forward headers above the first card are not card text."""
    start = 0
    while start < len(texts) and classify(texts[start]) in (LineKind.HEADER, LineKind.NAV):
        start += 1
    return texts[start:]
