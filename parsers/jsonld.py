"""schema.org JobPosting from web pages, read as leniently as browsers and Google do.

Career sites publish JSON-LD that is often not JSON: raw newlines in strings, unescaped quotes,
trailing commas, HTML comment or CDATA wrappers. We repair what a person would read the same way
and skip what we cannot. Without JSON-LD, microdata and then OpenGraph give at least a title.

Interface (stable):
    parse_jobpostings(html: str, url: str = "") -> list[Posting]
    page_jobs(html: str, url: str = "") -> list[JobPostingData]   # with validThrough etc.
    loads_lenient(text: str) -> list[object]
"""

from __future__ import annotations

import html as htmlmod
import json
import re
from dataclasses import dataclass
from typing import Any

from parsers.dates import iso_date
from parsers.htmltext import html_to_text, parse_html
from parsers.links import canonicalize_url, is_job_url
from parsers.model import Posting

_MAX_NODES = 20_000
_MAX_SCRIPT = 2_000_000
_HEAD_WRAPPER_RE = re.compile(r"^\s*(?://\s*)?(?:<!--|<!\[CDATA\[)")
_TAIL_WRAPPER_RE = re.compile(r"(?://\s*)?(?:-->|\]\]>)\s*$")
_UNITS = {"HOUR": "hour", "DAY": "day", "WEEK": "week", "MONTH": "month", "YEAR": "year",
          "ANNUAL": "year", "YEARLY": "year", "HOURLY": "hour", "MONTHLY": "month"}  # fmt: skip
_US = {"us", "usa", "united states", "united states of america"}


@dataclass(slots=True)
class JobPostingData:
    """A JobPosting as found; `valid_through` has no Posting field yet, so it is kept here."""

    posting: Posting
    valid_through: str = ""
    employment_type: str = ""


# --- lenient JSON -------------------------------------------------------------------------------


def _repair(text: str) -> str:
    """Escape raw control characters and stray quotes inside strings; drop trailing commas."""
    out: list[str] = []
    in_str = False
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if in_str:
            if ch == "\\" and i + 1 < n:
                out.append(text[i : i + 2])
                i += 2
                continue
            if ch == '"':
                rest = text[i + 1 : i + 40].lstrip()
                if not rest or rest[0] in ",:}]":
                    in_str = False
                    out.append(ch)
                else:
                    out.append('\\"')
            elif ch in "\n\r\t":
                out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t"}[ch])
            else:
                out.append(ch)
        elif ch == '"':
            in_str = True
            out.append(ch)
        elif ch == ",":
            rest = text[i + 1 : i + 200].lstrip()
            if not rest or rest[0] not in "}]":
                out.append(ch)
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def _decode_all(text: str) -> list[Any]:
    """Every JSON value in `text` (some sites put several objects in one script)."""
    decoder = json.JSONDecoder(strict=False)
    values: list[Any] = []
    pos, n = 0, len(text)
    while pos < n:
        while pos < n and text[pos] in " \t\r\n;,":
            pos += 1
        if pos >= n:
            break
        value, pos = decoder.raw_decode(text, pos)
        values.append(value)
    return values


def loads_lenient(text: str) -> list[Any]:
    """JSON values from a JSON-LD script, repaired when needed; [] when hopeless."""
    body = (text or "")[:_MAX_SCRIPT].strip()
    for _ in range(3):
        body = _HEAD_WRAPPER_RE.sub("", _TAIL_WRAPPER_RE.sub("", body)).strip()
    if not body:
        return []
    for candidate in (body, _repair(body)):
        try:
            return _decode_all(candidate)
        except (ValueError, RecursionError):
            continue
    return []


# --- walking ------------------------------------------------------------------------------------


def _types(node: dict[str, Any]) -> set[str]:
    raw = node.get("@type", "")
    values = raw if isinstance(raw, list) else [raw]
    return {str(v).rsplit("/", 1)[-1].rsplit(":", 1)[-1].lower() for v in values}


def _job_nodes(values: list[Any]) -> list[dict[str, Any]]:
    """JobPosting objects anywhere: top level, lists, @graph, mainEntity, nested, iteratively."""
    found: list[dict[str, Any]] = []
    stack: list[Any] = list(reversed(values))
    seen = 0
    while stack and seen < _MAX_NODES:
        node = stack.pop()
        seen += 1
        if isinstance(node, list):
            stack.extend(reversed(node))
        elif isinstance(node, dict):
            if "jobposting" in _types(node):
                found.append(node)
                continue
            stack.extend(reversed([v for v in node.values() if isinstance(v, (dict, list))]))
    return found


def _first(value: Any) -> Any:
    while isinstance(value, list):
        if not value:
            return None
        value = value[0]
    return value


def _text(value: Any) -> str:
    value = _first(value)
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value") or ""
    if value is None or isinstance(value, (dict, list)):
        return ""
    text = htmlmod.unescape(str(value))
    if "<" in text and ">" in text:
        text = html_to_text(text)
    return re.sub(r"\s+", " ", text).strip()


def _place(place: Any) -> str:
    if isinstance(place, str):
        return _text(place)
    if not isinstance(place, dict):
        return ""
    address = place.get("address", place)
    if isinstance(address, list):
        address = _first(address)
    if isinstance(address, str):
        return _text(address)
    if not isinstance(address, dict):
        return _text(place.get("name"))
    parts = [_text(address.get(k)) for k in ("addressLocality", "addressRegion")]
    country = _text(address.get("addressCountry"))
    if country and (country.lower() not in _US or not any(parts)):
        parts.append(country)
    words = [p for p in dict.fromkeys(parts) if p]
    return ", ".join(words) or _text(place.get("name"))


def _location(node: dict[str, Any]) -> str:
    places = node.get("jobLocation")
    places = places if isinstance(places, list) else [places]
    found = [p for p in dict.fromkeys(_place(p) for p in places if p) if p]
    if not found:
        req = node.get("applicantLocationRequirements")
        reqs = req if isinstance(req, list) else [req]
        found = [p for p in dict.fromkeys(_text(r) for r in reqs if r) if p]
    return "; ".join(found[:10])


def _is_remote(node: dict[str, Any]) -> bool:
    kinds = node.get("jobLocationType")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    return any(str(k).upper() == "TELECOMMUTE" for k in kinds if k)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        cleaned = re.sub(r"[^\d.]", "", value.replace(",", ""))
        try:
            return float(cleaned) if cleaned else None
        except ValueError:
            return None
    return None


def _money(value: float) -> str:
    return f"{value:,.0f}" if value >= 1000 or value == int(value) else f"{value:,.2f}"


def _salary(node: dict[str, Any]) -> str:
    """'USD 90,000–110,000 per year' from a MonetaryAmount; '' when absent or unreadable."""
    amount = _first(node.get("baseSalary") or node.get("estimatedSalary"))
    if amount is None:
        return ""
    if not isinstance(amount, dict):
        number = _number(amount)
        return _money(number) if number else ""
    currency = _text(amount.get("currency") or amount.get("salaryCurrency"))
    value = _first(amount.get("value"))
    unit = ""
    if isinstance(value, dict):
        unit = _text(value.get("unitText"))
        low = _number(value.get("minValue"))
        high = _number(value.get("maxValue"))
        single = _number(value.get("value"))
    else:
        low = _number(amount.get("minValue"))
        high = _number(amount.get("maxValue"))
        single = _number(value)
    unit = unit or _text(amount.get("unitText"))
    if low is not None and high is not None and low != high:
        figure = f"{_money(low)}–{_money(high)}"
    else:
        best = single if single is not None else (low if low is not None else high)
        if best is None:
            return ""
        figure = _money(best)
    per = _UNITS.get(unit.upper(), unit.lower())
    return " ".join(p for p in (currency.upper(), figure, f"per {per}" if per else "") if p)


def _company(node: dict[str, Any]) -> str:
    org = _first(node.get("hiringOrganization"))
    if isinstance(org, dict):
        return _text(org.get("name") or org.get("legalName"))
    return _text(org)


def _from_node(node: dict[str, Any], page_url: str) -> JobPostingData | None:
    title = _text(node.get("title") or node.get("name"))
    if not title:
        return None
    url = _text(node.get("url")) or page_url
    description = _first(node.get("description"))
    desc = html_to_text(htmlmod.unescape(str(description))) if description else ""
    posting = Posting(
        title=title,
        url=url,
        canonical_url=canonicalize_url(url) if url else "",
        company=_company(node),
        location=_location(node),
        remote=_is_remote(node),
        posted_at=iso_date(_text(node.get("datePosted"))),
        description=desc,
        salary=_salary(node),
        origin="jsonld",
    )
    return JobPostingData(
        posting=posting,
        valid_through=_text(node.get("validThrough")),
        employment_type=", ".join(
            _text(t) for t in (node.get("employmentType") or []) if isinstance(t, str)
        )
        if isinstance(node.get("employmentType"), list)
        else _text(node.get("employmentType")),
    )


# --- fallbacks ----------------------------------------------------------------------------------


def _meta(root: Any, *names: str) -> str:
    for name in names:
        for el in root.iter("meta"):
            if (el.get("property") or el.get("name") or "").lower() == name:
                content = (el.get("content") or "").strip()
                if content:
                    return content
    return ""


def _page_url(root: Any, url: str) -> str:
    for el in root.iter("link"):
        if "canonical" in (el.get("rel") or "").lower() and el.get("href"):
            return el.get("href").strip()
    return _meta(root, "og:url") or url


def _itemprop(scope: Any, name: str) -> str:
    for el in scope.iter():
        if (el.get("itemprop") or "").lower() == name.lower():
            value = el.get("content") or el.get("datetime") or el.xpath("string()")
            return re.sub(r"\s+", " ", str(value)).strip()
    return ""


def _microdata(root: Any, url: str) -> list[JobPostingData]:
    found: list[JobPostingData] = []
    for scope in root.iter():
        if "schema.org/jobposting" not in (scope.get("itemtype") or "").lower():
            continue
        title = _itemprop(scope, "title")
        if not title:
            continue
        posting = Posting(
            title=title,
            url=url,
            canonical_url=canonicalize_url(url) if url else "",
            company=_itemprop(scope, "hiringOrganization"),
            location=_itemprop(scope, "jobLocation"),
            posted_at=iso_date(_itemprop(scope, "datePosted")),
            description=_itemprop(scope, "description"),
            origin="microdata",
        )
        found.append(
            JobPostingData(posting=posting, valid_through=_itemprop(scope, "validThrough"))
        )
    return found


def _opengraph(root: Any, url: str) -> list[JobPostingData]:
    """A job page without structured data still has a title; only trusted on job-like URLs."""
    title = _meta(root, "og:title", "twitter:title")
    if not title:
        titles = [t.xpath("string()") for t in root.iter("title")]
        title = re.sub(r"\s+", " ", titles[0]).strip() if titles else ""
    if not title or not url or not is_job_url(url):
        return []
    posting = Posting(
        title=htmlmod.unescape(title),
        url=url,
        canonical_url=canonicalize_url(url),
        company=_meta(root, "og:site_name"),
        description=_meta(root, "og:description", "description"),
        origin="page",
    )
    return [JobPostingData(posting=posting)]


def page_jobs(html: str, url: str = "") -> list[JobPostingData]:
    """All postings on a page: JSON-LD first, then microdata, then OpenGraph. Never raises."""
    try:
        root = parse_html(html)
        if root is None:
            return []
        page_url = _page_url(root, url)
        values: list[Any] = []
        for script in root.iter("script"):
            if "ld+json" in (script.get("type") or "").lower():
                values.extend(loads_lenient(script.text or ""))
        jobs = [j for j in (_from_node(n, page_url) for n in _job_nodes(values)) if j]
        return jobs or _microdata(root, page_url) or _opengraph(root, page_url)
    except Exception:  # noqa: BLE001 - the parser boundary never raises
        return []


def parse_jobpostings(html: str, url: str = "") -> list[Posting]:
    """The postings of `page_jobs` as plain Posting values."""
    return [job.posting for job in page_jobs(html, url)]
