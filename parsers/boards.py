"""Company job boards (the public APIs of applicant tracking systems) as postings with stable
entry keys: Greenhouse and Lever here, Workday, Ashby, SmartRecruiters, Workable, Recruitee and
Personio in parsers/ats/.

Interface (stable):
    parse_board(data: bytes, url: str = "", *, company: str = "", kind: str = "") -> ParsedItem | None
    parse_board_entries(data, url="", *, company="", kind="")
        -> tuple[ParsedItem, list[FeedEntry]] | None

`kind` (a board kind of parsers.careers.KINDS) reads the bytes as that system's response; without
it the shape of the document decides, so saved responses of any system can be parsed.

Shapes, as the public APIs return them:
- Greenhouse `GET https://boards-api.greenhouse.io/v1/boards/<board>/jobs?content=true`:
  `{"jobs": [{"id", "title", "absolute_url", "location": {"name"}, "updated_at",
  "first_published"?, "company_name"?, "content" (HTML, entity-escaped)}], "meta": {"total"}}`.
- Lever `GET https://api.lever.co/v0/postings/<site>?mode=json`: `[{"id", "text", "hostedUrl",
  "categories": {"location", "team", "commitment", "allLocations"?}, "workplaceType",
  "createdAt" (ms), "descriptionPlain", "lists": [{"text", "content"}], "salaryRange"?}]`.
None means "not a board this module knows", so callers can try other parsers.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from parsers.ats import ashby, personio, recruitee, smartrecruiters, workable, workday
from parsers.ats._common import company_from_slug
from parsers.feeds import (
    MAX_DESCRIPTION,
    FeedEntry,
    build_posting,
    entry_key,
    iso_from_text,
)
from parsers.htmltext import fragment_to_text
from parsers.model import ParsedItem

_GREENHOUSE_PATH = re.compile(r"/boards/([^/?#]+)", re.I)
_LEVER_API_PATH = re.compile(r"/postings/([^/?#]+)", re.I)
_LEVER_HOSTED_PATH = re.compile(r"^/([^/?#]+)/")


def _board_slug(url: str, pattern: re.Pattern[str]) -> str:
    try:
        match = pattern.search(urlsplit(url).path)
    except ValueError:
        return ""
    return match.group(1) if match else ""


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


# --------------------------------------------------------------------------- Greenhouse


def _is_greenhouse_job(obj: Any) -> bool:
    return isinstance(obj, Mapping) and "absolute_url" in obj and "title" in obj


def _greenhouse_entry(job: Mapping[str, Any], company: str, fallback: str) -> FeedEntry:
    location = job.get("location")
    content = _text(job.get("content"))
    # The API escapes the HTML once more ("&lt;p&gt;"); undo that before reading the markup.
    description = fragment_to_text(html.unescape(content)) if content else ""
    link = _text(job.get("absolute_url"))
    posting = build_posting(
        title=_text(job.get("title")),
        link=link,
        base="",
        company=company or _text(job.get("company_name")) or fallback,
        location=_text(location.get("name")) if isinstance(location, Mapping) else "",
        tags=[],
        description=description[:MAX_DESCRIPTION],
        posted_at=iso_from_text(job.get("first_published") or job.get("updated_at")),
        origin="greenhouse",
        split=False,
    )
    job_id = job.get("id")
    guid = str(job_id) if isinstance(job_id, int | str) and job_id != "" else ""
    return FeedEntry(entry_key(guid, link, posting.title, description), posting)


def _parse_greenhouse(doc: Any, url: str, company: str) -> list[Mapping[str, Any]] | None:
    if isinstance(doc, Mapping) and isinstance(doc.get("jobs"), list):
        return [j for j in doc["jobs"] if isinstance(j, Mapping)]
    if _is_greenhouse_job(doc):
        return [doc]
    return None


# --------------------------------------------------------------------------- Lever


def _is_lever_posting(obj: Any) -> bool:
    return (
        isinstance(obj, Mapping) and "text" in obj and ("hostedUrl" in obj or "categories" in obj)
    )


def _lever_salary(job: Mapping[str, Any]) -> str:
    plain = _text(job.get("salaryDescriptionPlain"))
    rng = job.get("salaryRange")
    if isinstance(rng, Mapping) and (rng.get("min") or rng.get("max")):
        low, high = rng.get("min"), rng.get("max")
        amounts = "–".join(
            f"{v:,}" if isinstance(v, int | float) else str(v) for v in (low, high) if v
        )
        interval = _text(rng.get("interval")).replace("-", " ")
        return " ".join(p for p in (_text(rng.get("currency")), amounts, interval) if p)
    return plain[:200]


def _lever_description(job: Mapping[str, Any]) -> str:
    parts = [_text(job.get("descriptionPlain")) or fragment_to_text(_text(job.get("description")))]
    for section in job.get("lists") or []:
        if isinstance(section, Mapping):
            parts.append(_text(section.get("text")))
            parts.append(fragment_to_text(_text(section.get("content"))))
    parts.append(_text(job.get("additionalPlain")))
    return "\n\n".join(p for p in parts if p)[:MAX_DESCRIPTION]


def _lever_posted(value: Any) -> str:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return ""
    try:
        return datetime.fromtimestamp(value / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return ""


def _lever_entry(job: Mapping[str, Any], company: str, fallback: str) -> FeedEntry:
    cats = job.get("categories") if isinstance(job.get("categories"), Mapping) else {}
    description = _lever_description(job)
    link = _text(job.get("hostedUrl")) or _text(job.get("applyUrl"))
    workplace = _text(job.get("workplaceType")).lower()
    tags = [_text(cats.get(k)) for k in ("commitment", "team", "department")]
    posting = build_posting(
        title=_text(job.get("text")),
        link=link,
        base="",
        company=company or fallback or company_from_slug(_board_slug(link, _LEVER_HOSTED_PATH)),
        location=_text(cats.get("location")),
        tags=[t for t in tags if t],
        description=description,
        posted_at=_lever_posted(job.get("createdAt")),
        salary=_lever_salary(job),
        origin="lever",
        split=False,
    )
    if workplace == "remote":
        posting.remote = True
    guid = _text(job.get("id"))
    return FeedEntry(entry_key(guid, link, posting.title, description), posting)


def _parse_lever(doc: Any, url: str) -> list[Mapping[str, Any]] | None:
    if isinstance(doc, list):
        jobs = [j for j in doc if isinstance(j, Mapping)]
        if jobs and all(_is_lever_posting(j) for j in jobs):
            return jobs
        if not doc and "lever.co" in url.lower():
            return []
        return None
    if _is_lever_posting(doc):
        return [doc]
    return None


# --------------------------------------------------------------------------- entry points


def _collect(
    jobs: list[Mapping[str, Any]], url: str, company: str, fallback: str, greenhouse: bool
) -> tuple[ParsedItem, list[FeedEntry]]:
    item = ParsedItem(kind="board", file=url)
    entries: list[FeedEntry] = []
    for job in jobs:
        try:
            make = _greenhouse_entry if greenhouse else _lever_entry
            entry = make(job, company, fallback)
        except Exception as exc:  # noqa: BLE001 - one odd job must not lose the board
            item.warnings.append(f"job skipped: {type(exc).__name__}: {exc}")
            continue
        entries.append(entry)
    item.postings = [e.posting for e in entries]
    return item, entries


#: The ATS modules' readers, tried in this order when the kind is not known (Ashby and Workable
#: before Greenhouse: all three answer {"jobs": [...]}).
_READERS = {
    "workday": workday.entries,
    "ashby": ashby.entries,
    "workable": workable.entries,
    "smartrecruiters": smartrecruiters.entries,
    "recruitee": recruitee.entries,
}


def _items(url: str, entries: list[FeedEntry]) -> tuple[ParsedItem, list[FeedEntry]]:
    item = ParsedItem(kind="board", file=url)
    item.postings = [e.posting for e in entries]
    return item, entries


def _greenhouse_or_lever(
    doc: Any, url: str, company: str, kind: str
) -> tuple[ParsedItem, list[FeedEntry]] | None:
    jobs = _parse_greenhouse(doc, url, company) if kind in ("", "greenhouse") else None
    if jobs is not None:
        named = [_text(j.get("company_name")) for j in jobs if _text(j.get("company_name"))]
        fallback = named[0] if named else company_from_slug(_board_slug(url, _GREENHOUSE_PATH))
        return _collect(jobs, url, company, fallback, greenhouse=True)
    jobs = _parse_lever(doc, url) if kind in ("", "lever") else None
    if jobs is not None:
        slug = company_from_slug(_board_slug(url, _LEVER_API_PATH))
        return _collect(jobs, url, company, slug, greenhouse=False)
    return None


def _json_board(
    doc: Any, url: str, company: str, kind: str
) -> tuple[ParsedItem, list[FeedEntry]] | None:
    for name, read in _READERS.items():
        if kind in ("", name):
            entries = read(doc, url, company)
            if entries is not None:
                return _items(url, entries)
    return _greenhouse_or_lever(doc, url, company, kind)


def parse_board_entries(
    data: bytes, url: str = "", *, company: str = "", kind: str = ""
) -> tuple[ParsedItem, list[FeedEntry]] | None:
    """Postings with entry keys (the board's job ids); None when the bytes are no known board."""
    try:
        if kind in ("", "personio") and personio.looks_like(data):
            entries = personio.entries(data, url, company)
            return _items(url, entries) if entries is not None else None
        try:
            doc = json.loads(data.decode("utf-8-sig", "replace"))
        except (ValueError, RecursionError):
            return None
        return _json_board(doc, url, company, kind)
    except Exception as exc:  # noqa: BLE001 - parsers never raise on bad input
        return ParsedItem(kind="board", file=url, error=f"cannot read board: {exc}"), []


def parse_board(
    data: bytes, url: str = "", *, company: str = "", kind: str = ""
) -> ParsedItem | None:
    """A job-board API response of any known ATS as postings (kind "board")."""
    result = parse_board_entries(data, url, company=company, kind=kind)
    return result[0] if result else None
