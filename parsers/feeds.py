"""RSS, Atom and JSON Feed entries as job postings, each with a stable entry key.

Interface (stable):
    parse_feed(data: bytes, url: str = "") -> ParsedItem
    parse_feed_entries(data: bytes, url: str = "") -> tuple[ParsedItem, list[FeedEntry]]

Job feeds pack company and location into the title in a few common shapes ("Title at Company
(Location)", "Company: Title", "Title - Company - Location") and into extension elements
(`so:location`, `job:location`, `a10:author`, `dc:creator`, `<company>`). The elements are read
here; the title is split by parsers.titles, the splitter mail subjects use too, with the entry's
named employer deciding an ambiguous piece.
feedparser's own sanitizer is slow and would run per field; descriptions are instead flattened to
text once by parsers.htmltext (as mail and pages are), which is what the digest shows anyway.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser

from parsers.htmltext import fragment_to_text, tidy_text
from parsers.links import canonicalize_url, unwrap_redirect
from parsers.location import mentions_remote, tidy_location
from parsers.model import ParsedItem, Posting
from parsers.titles import TitleParts, split_title

MAX_KEY = 1000
MAX_DESCRIPTION = 20_000


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One entry: the posting and the key that identifies the entry within its feed."""

    key: str
    posting: Posting


# --------------------------------------------------------------------------- text helpers

#: "[^<>]": a stray "<" ends a try, so a title of "<<<<" is linear, not quadratic.
_TAG_RE = re.compile(r"<[^<>]*>")


def _one_line(text: str) -> str:
    """Titles and names: entities decoded, tags dropped, whitespace collapsed."""
    if "<" in text or "&" in text:
        text = html.unescape(_TAG_RE.sub(" ", text))
    return " ".join(text.split())


# --------------------------------------------------------------------------- entry fields

_COMPANY_KEYS = ("company", "companyname", "company_name", "employer", "hiringorganization")
_LOCATION_KEYS = ("location", "joblocation", "job_location", "locationrestriction", "region")
_SALARY_KEYS = ("salary", "compensation", "salaryrange", "salary_range", "pay")


def _extension(entry: Mapping[str, Any], names: tuple[str, ...]) -> str:
    """A value from an extension element, whatever namespace prefix the feed chose."""
    for key, value in entry.items():
        if not isinstance(value, str) or not value.strip():
            continue
        low = key.lower()
        if low in names or any(low.endswith("_" + n) for n in names):
            return _one_line(value)
    return ""


def _author(entry: Mapping[str, Any]) -> str:
    """The author name, which job feeds (a10:author, dc:creator) use for the employer."""
    detail = entry.get("author_detail") or {}
    name = detail.get("name") or entry.get("author") or ""
    name = _one_line(str(name))
    if "@" in name:
        name = re.sub(r"(?<!\S)[^\s@]*+@\S+", "", name).strip(" ()<>")
    return name


def _tags(entry: Mapping[str, Any]) -> list[str]:
    tags = entry.get("tags") or []
    return [str(t.get("term") or t.get("label") or "") for t in tags if isinstance(t, Mapping)]


def _description(entry: Mapping[str, Any]) -> str:
    """The longest of content and summary, as text; plain text is only tidied."""
    best: Mapping[str, Any] | None = None
    candidates = list(entry.get("content") or [])
    if entry.get("summary_detail"):
        candidates.append(entry["summary_detail"])
    for cand in candidates:
        if isinstance(cand, Mapping) and len(cand.get("value") or "") > len(
            (best or {}).get("value") or ""
        ):
            best = cand
    if best is None:
        return tidy_text(str(entry.get("summary") or ""))[:MAX_DESCRIPTION]
    value = str(best.get("value") or "")
    if best.get("type") == "text/plain":
        return tidy_text(value)[:MAX_DESCRIPTION]
    return fragment_to_text(value)[:MAX_DESCRIPTION]


def _iso(parsed: time.struct_time | None) -> str:
    if not parsed:
        return ""
    try:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", parsed)
    except (ValueError, TypeError):
        return ""


def iso_from_text(value: Any) -> str:
    """ISO 8601 in UTC from an RFC 3339 / ISO 8601 string; '' when unreadable."""
    if not isinstance(value, str) or not value.strip():
        return ""
    try:
        when = datetime.fromisoformat(value.strip().replace("z", "Z"))
    except ValueError:
        return ""
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def clean_link(link: str, base: str = "") -> tuple[str, str]:
    """(url, canonical_url) for an http(s) link, resolved against the feed's address."""
    link = (link or "").strip()
    if not link:
        return "", ""
    if base and "://" not in link:
        try:
            link = urljoin(base, link)
        except ValueError:
            return "", ""
    if not link.lower().startswith(("http://", "https://")):
        return "", ""
    try:
        return link, canonicalize_url(unwrap_redirect(link))
    except Exception:  # noqa: BLE001 - a malformed URL must not lose the entry
        return link, ""


def entry_key(guid: str, link: str, title: str, summary: str) -> str:
    """guid, else link, else a hash of title and summary: stable across fetches of the feed."""
    key = (guid or "").strip() or (link or "").strip()
    if not key:
        digest = hashlib.sha256(f"{title}\n{summary}".encode("utf-8", "replace")).hexdigest()
        return "sha256:" + digest
    if len(key) > MAX_KEY:
        return "sha256:" + hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()
    return key


def build_posting(
    *,
    title: str,
    link: str,
    base: str,
    company: str,
    location: str,
    tags: Iterable[str],
    description: str,
    posted_at: str,
    salary: str = "",
    origin: str = "feed",
    split: bool = True,
) -> Posting:
    """A posting from an entry's fields; feed titles get their conventions unpacked (`split`),
    job-board titles are already just the title."""
    one_line = _one_line(title)
    parts = split_title(one_line, company) if split else TitleParts(title=one_line)
    url, canonical = clean_link(link, base)
    stated_location = location or parts.location
    location = tidy_location(stated_location)
    tags = list(tags)
    remote = parts.remote or mentions_remote(stated_location, parts.title, *tags)
    return Posting(
        title=parts.title,
        url=url,
        canonical_url=canonical,
        company=company or parts.company,
        location=location,
        remote=remote,
        posted_at=posted_at,
        description=description,
        salary=salary,
        origin=origin,
    )


# --------------------------------------------------------------------------- RSS / Atom


def _xml_entry(entry: Mapping[str, Any], base: str) -> FeedEntry:
    description = _description(entry)
    link = str(entry.get("link") or "")
    posting = build_posting(
        title=str(entry.get("title") or ""),
        link=link,
        base=base,
        company=_extension(entry, _COMPANY_KEYS) or _author(entry),
        location=_extension(entry, _LOCATION_KEYS),
        tags=_tags(entry),
        description=description,
        posted_at=_iso(entry.get("published_parsed") or entry.get("updated_parsed")),
        salary=_extension(entry, _SALARY_KEYS),
    )
    guid = str(entry.get("id") or "")
    return FeedEntry(entry_key(guid, link, posting.title, description), posting)


def _bozo_message(exc: BaseException | None) -> str:
    if exc is None:
        return "feed is not well-formed"
    return f"feed is not well-formed: {type(exc).__name__}: {exc}"


def _parse_xml(data: bytes, url: str) -> tuple[ParsedItem, list[FeedEntry]]:
    item = ParsedItem(kind="feed", file=url)
    parsed = feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False)
    entries: list[FeedEntry] = []
    for raw in parsed.get("entries") or []:
        try:
            entries.append(_xml_entry(raw, url))
        except Exception as exc:  # noqa: BLE001 - one odd entry must not lose the others
            item.warnings.append(f"entry skipped: {type(exc).__name__}: {exc}")
    # An HTML page parses "fine" into a summary; only a known dialect or entries make a feed.
    readable = bool(entries) or bool(parsed.get("version"))
    if parsed.get("bozo"):
        message = _bozo_message(parsed.get("bozo_exception"))
        if readable:
            item.warnings.append(message)
        else:
            item.error = message
    elif not readable:
        item.error = "not a feed: no RSS, Atom or JSON Feed content found"
    _finish(item, entries)
    return item, entries


# --------------------------------------------------------------------------- JSON Feed


def _looks_like_json(data: bytes) -> bool:
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"{")


def _json_authors(obj: Mapping[str, Any]) -> str:
    authors = obj.get("authors")
    if isinstance(authors, list) and authors and isinstance(authors[0], Mapping):
        return _one_line(str(authors[0].get("name") or ""))
    author = obj.get("author")
    if isinstance(author, Mapping):
        return _one_line(str(author.get("name") or ""))
    return ""


def _json_entry(obj: Mapping[str, Any], base: str) -> FeedEntry:
    html_body = obj.get("content_html")
    if isinstance(html_body, str) and html_body:
        description = fragment_to_text(html_body)
    else:
        description = tidy_text(str(obj.get("content_text") or obj.get("summary") or ""))
    link = str(obj.get("url") or obj.get("external_url") or "")
    tags = [str(t) for t in obj.get("tags") or [] if isinstance(t, str | int | float)]
    extension = {k: v for ext in _json_extensions(obj) for k, v in ext.items()}
    posting = build_posting(
        title=str(obj.get("title") or ""),
        link=link,
        base=base,
        company=_extension(extension, _COMPANY_KEYS) or _json_authors(obj),
        location=_extension(extension, _LOCATION_KEYS),
        tags=tags,
        description=description[:MAX_DESCRIPTION],
        posted_at=iso_from_text(obj.get("date_published") or obj.get("date_modified")),
        salary=_extension(extension, _SALARY_KEYS),
    )
    guid = obj.get("id")
    guid_text = str(guid) if isinstance(guid, str | int) else ""
    return FeedEntry(entry_key(guid_text, link, posting.title, description), posting)


def _json_extensions(obj: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Top-level fields plus `_name` extension objects, where job fields usually live."""
    found: list[Mapping[str, Any]] = [
        {k: v for k, v in obj.items() if k not in ("title", "url", "id", "summary")}
    ]
    found += [v for k, v in obj.items() if k.startswith("_") and isinstance(v, Mapping)]
    return found


def _parse_json(data: bytes, url: str) -> tuple[ParsedItem, list[FeedEntry]] | None:
    """A JSON Feed (https://jsonfeed.org/version/1.1); None when the JSON is something else."""
    try:
        doc = json.loads(data.decode("utf-8-sig", "replace"))
    except (ValueError, RecursionError):
        return None
    if not isinstance(doc, dict):
        return None
    version = str(doc.get("version") or "")
    items = doc.get("items")
    if "jsonfeed.org" not in version and not isinstance(items, list):
        return None
    item = ParsedItem(kind="feed", file=url)
    entries: list[FeedEntry] = []
    for obj in items if isinstance(items, list) else []:
        if not isinstance(obj, Mapping):
            item.warnings.append("JSON Feed item that is not an object skipped")
            continue
        try:
            entries.append(_json_entry(obj, url))
        except Exception as exc:  # noqa: BLE001 - one odd item must not lose the others
            item.warnings.append(f"entry skipped: {type(exc).__name__}: {exc}")
    if not isinstance(items, list):
        item.warnings.append("JSON Feed has no 'items' list")
    _finish(item, entries)
    return item, entries


# --------------------------------------------------------------------------- entry points


def _finish(item: ParsedItem, entries: list[FeedEntry]) -> None:
    item.postings = [e.posting for e in entries]


def parse_feed_entries(data: bytes, url: str = "") -> tuple[ParsedItem, list[FeedEntry]]:
    """Postings and their entry keys (same order). Never raises: problems become values."""
    try:
        if _looks_like_json(data):
            result = _parse_json(data, url)
            if result is not None:
                return result
        return _parse_xml(data, url)
    except Exception as exc:  # noqa: BLE001 - parsers never raise on bad input
        item = ParsedItem(
            kind="feed", file=url, error=f"cannot read feed: {type(exc).__name__}: {exc}"
        )
        return item, []


def parse_feed(data: bytes, url: str = "") -> ParsedItem:
    """An RSS 0.9x/1.0/2.0, Atom or JSON Feed document as postings (kind "feed")."""
    return parse_feed_entries(data, url)[0]
