"""RSS, Atom and JSON Feed entries as job postings, each with a stable entry key.

Interface (stable):
    parse_feed(data: bytes, url: str = "") -> ParsedItem
    parse_feed_entries(data: bytes, url: str = "") -> tuple[ParsedItem, list[FeedEntry]]

Job feeds pack company and location into the title in a few common shapes ("Title at Company
(Location)", "Company: Title", "Title - Company - Location") and into extension elements
(`so:location`, `job:location`, `a10:author`, `dc:creator`, `<company>`); those are unpacked here.
feedparser's own sanitizer is slow and would run per field; descriptions are instead sanitized once
with nh3 and flattened to text, which is what the digest shows anyway.
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
import nh3

from parsers.company import normalize_company
from parsers.links import canonicalize_url, unwrap_redirect
from parsers.location import mentions_remote, tidy_location
from parsers.model import ParsedItem, Posting

MAX_KEY = 1000
MAX_DESCRIPTION = 20_000
#: Markup beyond this is not sanitized: nh3 is quadratic on some inputs ("&" * 800_000 took 6 s)
#: and the text kept is MAX_DESCRIPTION characters anyway.
MAX_MARKUP = 256_000


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One entry: the posting and the key that identifies the entry within its feed."""

    key: str
    posting: Posting


# --------------------------------------------------------------------------- text helpers

_BLOCK_RE = re.compile(
    r"<\s*(?:br|/p|/div|/h[1-6]|/tr|/ul|/ol|/table|/blockquote|/pre|hr)\b[^<>]*>", re.I
)
_LI_RE = re.compile(r"<\s*li\b[^<>]*>", re.I)
#: "[^<>]": a stray "<" ends a try, so a title of "<<<<" is linear, not quadratic.
_TAG_RE = re.compile(r"<[^<>]*>")
_SPACES_RE = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANKS_RE = re.compile(r"\n\s*\n\s*(?:\n\s*)+")
_NO_TAGS: set[str] = set()


def html_to_text(markup: str) -> str:
    """Readable text from untrusted HTML: sanitized by nh3 first, so what is left is plain markup.

    Regular expressions suffice after nh3 (it drops scripts, styles and comments with their
    content and balances tags), and they are several times faster than building a tree.
    """
    if not markup:
        return ""
    if "<" not in markup and "&" not in markup:
        return _tidy(markup)
    cleaned = nh3.clean(markup[:MAX_MARKUP])
    cleaned = _BLOCK_RE.sub("\n", cleaned)
    cleaned = _LI_RE.sub("\n• ", cleaned)
    return _tidy(html.unescape(_TAG_RE.sub("", cleaned)))


def _tidy(text: str) -> str:
    lines = (_SPACES_RE.sub(" ", line).strip() for line in text.split("\n"))
    joined = "\n".join(lines).strip()
    return _BLANKS_RE.sub("\n\n", joined)


def _one_line(text: str) -> str:
    """Titles and names: entities decoded, tags dropped, whitespace collapsed."""
    if "<" in text or "&" in text:
        text = html.unescape(_TAG_RE.sub(" ", text))
    return " ".join(text.split())


# --------------------------------------------------------------------------- title conventions

_ROLE_RE = re.compile(
    r"\b(?:engineer|developer|manager|director|analyst|designer|specialist|coordinator|"
    r"consultant|architect|administrator|scientist|lead|head|officer|associate|assistant|"
    r"representative|rep|intern|accountant|writer|editor|technician|recruiter|executive|"
    r"programmer|nurse|sales|marketing|vp|president|supervisor|agent|strategist|planner|"
    r"advisor|owner|operator|tester|support|teacher)s?\b",
    re.I,
)
_GENERIC_PREFIX = re.compile(
    r"^(?:now hiring|hiring|we'?re hiring|job|jobs|new job|urgent|wanted|opening|vacancy|"
    r"job opening|remote|featured|sponsored|new)$",
    re.I,
)
_NON_LOCATION_PAREN = re.compile(
    r"^(?:[mfwdhx]\s*/\s*[mfwdhx](?:\s*/\s*[mfwdhx])?|all genders?|full[- ]?time|part[- ]?time|"
    r"contract|temporary|temp|internship|freelance|permanent|senior|junior|mid|"
    r"\d+\s*(?:months?|weeks?))$",
    re.I,
)
_LOCATION_SHAPE = re.compile(r",\s*\S|\b[A-Z]{2}\b$|\bremote\b|\banywhere\b|\bhybrid\b", re.I)
_PAREN_TAIL = re.compile(r"(?<!\s)\s*+\(([^()]*)\)\s*$")  # no try inside a whitespace run
_DASH_SPLIT = re.compile(r"(?<!\s)\s++[-–—|]\s+")


@dataclass(slots=True)
class TitleParts:
    title: str
    company: str = ""
    location: str = ""
    remote: bool = False


def split_title(raw: str, known_company: str = "") -> TitleParts:
    """Unpack the common job-feed title shapes; an unrecognized title is kept whole."""
    parts = TitleParts(title=raw.strip())
    tails = _strip_paren_tails(parts)
    _strip_generic_prefix(parts)
    if not _split_at(parts) and not _split_colon(parts, known_company):
        _split_dashes(parts, known_company)
    _place_tails(parts, tails)
    return parts


def _strip_paren_tails(parts: TitleParts) -> list[str]:
    tails: list[str] = []
    while (m := _PAREN_TAIL.search(parts.title)) and m.start() > 0 and len(tails) < 3:
        tails.insert(0, m.group(1).strip())
        parts.title = parts.title[: m.start()].rstrip()
    return tails


def _place_tails(parts: TitleParts, tails: list[str]) -> None:
    """A trailing '(...)' is a location after 'at Company' or when it looks like one."""
    kept: list[str] = []
    for tail in tails:
        if not tail:
            continue
        if re.fullmatch(
            r"(?:allows |fully |100% )?remote(?: ok| friendly| possible| only)?", tail, re.I
        ):
            parts.remote = True
        elif _NON_LOCATION_PAREN.match(tail):
            kept.append(tail)
        elif not parts.location and (parts.company or _LOCATION_SHAPE.search(tail)):
            parts.location = tail
        else:
            kept.append(tail)
    if kept:
        parts.title = parts.title + "".join(f" ({t})" for t in kept)


def _split_at(parts: TitleParts) -> bool:
    for sep in (" at ", " @ "):
        head, found, tail = parts.title.rpartition(sep)
        head, tail = head.strip(), tail.strip()
        if not (found and head and tail) or len(tail.split()) > 8:
            continue
        if not (tail[0].isupper() or tail[0].isdigit()) or tail.casefold().startswith("home"):
            continue
        parts.title, parts.company = head, tail
        _split_company_place(parts)
        return True
    return False


def _split_company_place(parts: TitleParts) -> None:
    """'at Brazos Energy Partners - Irving, TX': the place rides on the company."""
    pieces = _DASH_SPLIT.split(parts.company, maxsplit=1)
    if len(pieces) == 2 and _LOCATION_SHAPE.search(pieces[1]) and not _ROLE_RE.search(pieces[1]):
        parts.company = pieces[0].strip()
        parts.location = parts.location or pieces[1].strip()


def _strip_generic_prefix(parts: TitleParts) -> None:
    """'Hiring: ...', 'Remote: ...', '[Job] ...' say nothing about the employer."""
    head, found, tail = parts.title.partition(": ")
    if found and tail.strip() and _GENERIC_PREFIX.match(head.strip()):
        parts.title = tail.strip()
        parts.remote = parts.remote or head.strip().casefold() == "remote"


def _same_company(text: str, known_company: str) -> bool:
    """'Workwise Payroll' in the title is the author 'Workwise Payroll, Inc.'."""
    return normalize_company(text) == normalize_company(known_company)


def _split_colon(parts: TitleParts, known_company: str) -> bool:
    head, found, tail = parts.title.partition(": ")
    head, tail = head.strip(), tail.strip()
    if not found or not head or not tail:
        return False
    if len(head.split()) > 6:
        return False
    is_company = _same_company(head, known_company) if known_company else None
    if is_company is None:
        is_company = not (_ROLE_RE.search(head) and not _ROLE_RE.search(tail))
    if is_company:
        parts.title, parts.company = tail, head
    return bool(is_company)


def _split_dashes(parts: TitleParts, known_company: str) -> bool:
    pieces = [p.strip() for p in _DASH_SPLIT.split(parts.title)]
    pieces = [p for p in pieces if p]
    if len(pieces) >= 3:
        parts.title, parts.company = pieces[0], pieces[1]
        parts.location = parts.location or " - ".join(pieces[2:])
        return True
    if len(pieces) != 2:
        return False
    title, other = pieces
    if known_company and _same_company(other, known_company):
        parts.title, parts.company = title, other
    elif _LOCATION_SHAPE.search(other) and not _ROLE_RE.search(other):
        parts.title, parts.location = title, other
    elif not known_company and not _ROLE_RE.search(other) and len(other.split()) <= 5:
        parts.title, parts.company = title, other
    else:
        return False
    return True


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
        return _tidy(str(entry.get("summary") or ""))[:MAX_DESCRIPTION]
    value = str(best.get("value") or "")
    if best.get("type") == "text/plain":
        return _tidy(value)[:MAX_DESCRIPTION]
    return html_to_text(value)[:MAX_DESCRIPTION]


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
        description = html_to_text(html_body)
    else:
        description = _tidy(str(obj.get("content_text") or obj.get("summary") or ""))
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
