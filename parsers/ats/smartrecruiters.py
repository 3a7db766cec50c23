"""SmartRecruiters career sites (the public Posting API).

Shapes, as the API answers them:
- list: `GET https://api.smartrecruiters.com/v1/companies/<id>/postings?offset=N&limit=100` ->
  `{"offset", "limit", "totalFound", "content": [{"id", "uuid", "name" (the title),
  "refNumber", "company": {"identifier", "name"}, "releasedDate" (ISO), "location": {"city",
  "region", "country", "remote", "hybrid"?, "fullLocation"?}, "department": {"label"},
  "function": {"label"}, "typeOfEmployment": {"label"}, "experienceLevel": {"label"},
  "ref" (the detail URL)}]}`.
- detail: `GET .../postings/<id>` -> the same fields plus `"postingUrl", "applyUrl",
  "jobAd": {"sections": {"companyDescription", "jobDescription", "qualifications",
  "additionalInformation": {"title", "text" (HTML)}}}`. The company description is the same
  boilerplate on every job and is left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from parsers.ats._common import (
    Page,
    board_entry,
    description,
    joined,
    label_of,
    mapping,
    mappings,
    number,
    text,
)
from parsers.feeds import FeedEntry, iso_from_text

ORIGIN = "smartrecruiters"
PAGE_SIZE = 100
_SECTIONS = ("jobDescription", "qualifications", "additionalInformation")


def is_list(doc: Any) -> bool:
    return (
        isinstance(doc, Mapping)
        and isinstance(doc.get("content"), list)
        and ("totalFound" in doc or "limit" in doc)
    )


def is_posting(doc: Any) -> bool:
    return (
        isinstance(doc, Mapping)
        and "name" in doc
        and isinstance(doc.get("company"), Mapping)
        and ("releasedDate" in doc or "jobAd" in doc)
    )


def page(doc: Any) -> Page | None:
    if not is_list(doc):
        return None
    return Page(mappings(doc["content"]), number(doc.get("totalFound")))


def page_request(api_url: str, offset: int) -> tuple[str, None]:
    base = api_url.split("?", 1)[0]
    return f"{base}?offset={offset}&limit={PAGE_SIZE}", None


def item_key(item: Mapping[str, Any]) -> str:
    value = item.get("id")
    return str(value).strip() if isinstance(value, int | str) else ""


def detail_url(api_url: str, item: Mapping[str, Any]) -> str:
    key = item_key(item)
    base = api_url.split("?", 1)[0].rstrip("/")
    return f"{base}/{quote(key, safe='')}" if key else ""


def _location(place: Mapping[str, Any]) -> str:
    full = text(place.get("fullLocation"))
    if full:
        return full
    country = text(place.get("country"))
    return joined([text(place.get("city")), text(place.get("region")), country.upper()])


def _link(job: Mapping[str, Any]) -> str:
    link = text(job.get("postingUrl"))
    company = text(mapping(job.get("company")).get("identifier"))
    key = item_key(job)
    if not link and company and key:
        link = f"https://jobs.smartrecruiters.com/{quote(company, safe='')}/{quote(key, safe='')}"
    return link


def entry(item: Mapping[str, Any], detail: Any, *, company: str = "") -> FeedEntry:
    """One posting from its list item, completed by its detail document when there is one."""
    job = {**item, **mapping(detail)}
    sections = mapping(mapping(job.get("jobAd")).get("sections"))
    place = mapping(job.get("location"))
    return board_entry(
        guid=item_key(job),
        title=text(job.get("name")),
        link=_link(job),
        company=company or text(mapping(job.get("company")).get("name")),
        location=_location(place),
        description=description(*(text(mapping(sections.get(s)).get("text")) for s in _SECTIONS)),
        posted_at=iso_from_text(job.get("releasedDate")),
        origin=ORIGIN,
        remote=place.get("remote") is True,
        tags=[label_of(job.get(k)) for k in ("typeOfEmployment", "department", "function")],
    )


def entries(doc: Any, url: str = "", company: str = "") -> list[FeedEntry] | None:
    """A saved list page (list fields only) or a saved posting; None if neither."""
    listed = page(doc)
    if listed is not None:
        return [entry(item, None, company=company) for item in listed.items]
    if is_posting(doc):
        return [entry(doc, None, company=company)]
    return None
