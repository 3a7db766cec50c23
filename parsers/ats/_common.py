"""What the ATS modules share: reading loosely typed JSON, and one way to build a posting."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from parsers.feeds import MAX_DESCRIPTION, FeedEntry, build_posting, entry_key
from parsers.htmltext import fragment_to_text
from parsers.location import tidy_location
from parsers.model import Posting


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a paged job list: its jobs as the API gave them and the board's total."""

    items: list[Mapping[str, Any]] = field(default_factory=list)
    total: int | None = None


def text(value: Any) -> str:
    """A string field, stripped; anything else (None, numbers, lists) is ''."""
    return value.strip() if isinstance(value, str) else ""


def mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def mappings(value: Any) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def number(value: Any) -> int | None:
    """A whole number from a number or a numeric string ("65000"); None otherwise."""
    if isinstance(value, str):
        try:
            value = float(value.replace(",", "").strip())
        except ValueError:
            return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        return None
    return int(value)


def company_from_slug(slug: str) -> str:
    """'acme-corp' -> 'Acme Corp'; a slug with capitals is kept as its owner wrote it."""
    words = re.split(r"[-_\s]+", unquote(slug).strip())
    words_text = " ".join(w for w in words if w)
    return words_text.title() if words_text.islower() else words_text


def label_of(value: Any) -> str:
    """SmartRecruiters and Workday wrap names as {"label": ...} or {"descriptor": ...}."""
    if isinstance(value, str):
        return value.strip()
    inner = mapping(value)
    return text(inner.get("label")) or text(inner.get("descriptor")) or text(inner.get("name"))


def joined(parts: Iterable[str], sep: str = ", ") -> str:
    """Non-empty parts once each, in order."""
    return sep.join(dict.fromkeys(p.strip() for p in parts if p and p.strip()))


def places(parts: Iterable[str]) -> str:
    """Several work places as one location: 'Southlake, TX; Dallas, TX' (each tidied, once);
    a place named only for its arrangement ("Berlin (Remote)" beside "Berlin") adds nothing."""
    tidy = [tidy_location(p) for p in parts if p and p.strip()]
    return "; ".join(dict.fromkeys(t for t in tidy if t))


def description(*sections: str, html: bool = True) -> str:
    """Sections of a job ad as one text, HTML flattened, cut at the shared maximum."""
    texts = [fragment_to_text(s) if html else s.strip() for s in sections if s]
    return "\n\n".join(t for t in texts if t)[:MAX_DESCRIPTION]


def salary_range(low: Any, high: Any, currency: str = "", period: str = "") -> str:
    """'USD 70,000–90,000 per year' from loose numbers; '' when neither end is stated."""
    amounts = [f"{number(v):,}" for v in (low, high) if number(v)]
    if not amounts:
        return ""
    return " ".join(p for p in (currency, "–".join(dict.fromkeys(amounts)), period) if p)


def board_entry(
    *,
    guid: str,
    title: str,
    link: str,
    company: str,
    location: str,
    description: str,
    posted_at: str,
    origin: str,
    remote: bool = False,
    salary: str = "",
    tags: Iterable[str] = (),
) -> FeedEntry:
    """A FeedEntry for one board job: titles are taken as written (boards do not pack them)."""
    posting: Posting = build_posting(
        title=title,
        link=link,
        base="",
        company=company,
        location=location,
        tags=[t for t in tags if t],
        description=description,
        posted_at=posted_at,
        salary=salary[:200],
        origin=origin,
        split=False,
    )
    posting.remote = posting.remote or remote
    return FeedEntry(entry_key(guid, link, posting.title, description), posting)
