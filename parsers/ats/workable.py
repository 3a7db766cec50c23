"""Workable career sites (the widget API, and the v3 API's job objects).

Shapes:
- widget: `GET https://apply.workable.com/api/v1/widget/accounts/<account>?details=true` ->
  `{"name" (the company), "description", "jobs": [{"title", "shortcode", "code",
  "employment_type", "telecommuting", "department", "url", "shortlink", "application_url",
  "published_on" (YYYY-MM-DD), "created_at", "country", "city", "state", "function",
  "locations": [{"country", "countryCode", "city", "region", "hidden"}],
  "description" (HTML, with details=true)}]}`.
- v3: `{"jobs": [{"id", "title", "full_title", "shortcode", "state", "department", "url",
  "application_url", "shortlink", "location": {"location_str", "city", "region", "country",
  "telecommuting", "workplace_type"}, "created_at", "salary"?: {"salary_from", "salary_to",
  "salary_currency"}}], "paging": {"next"}}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from parsers.ats._common import (
    board_entry,
    description,
    joined,
    mapping,
    mappings,
    places,
    salary_range,
    text,
)
from parsers.feeds import FeedEntry, iso_from_text

ORIGIN = "workable"


def is_board(doc: Any) -> bool:
    if not isinstance(doc, Mapping) or not isinstance(doc.get("jobs"), list):
        return False
    jobs = mappings(doc["jobs"])
    return bool(jobs) and all("shortcode" in j for j in jobs) or (not jobs and "name" in doc)


def _location(job: Mapping[str, Any]) -> str:
    place = mapping(job.get("location"))
    if place:
        return text(place.get("location_str")) or joined(
            [text(place.get(k)) for k in ("city", "region", "country")]
        )
    shown = [p for p in mappings(job.get("locations")) if p.get("hidden") is not True]
    if shown:
        return places(
            joined([text(p.get("city")), text(p.get("region")), text(p.get("country"))])
            for p in shown
        )
    return joined([text(job.get(k)) for k in ("city", "state", "country")])


def _remote(job: Mapping[str, Any]) -> bool:
    place = mapping(job.get("location"))
    workplace = text(place.get("workplace_type")).lower()
    return (
        job.get("telecommuting") is True
        or place.get("telecommuting") is True
        or workplace == "remote"
    )


def _posted(job: Mapping[str, Any]) -> str:
    value = text(job.get("published_on")) or text(job.get("created_at"))
    return iso_from_text(value) if "T" in value else value


def entry(job: Mapping[str, Any], company: str) -> FeedEntry:
    pay = mapping(job.get("salary"))
    return board_entry(
        guid=text(job.get("shortcode")) or text(job.get("id")),
        title=text(job.get("title")) or text(job.get("full_title")),
        link=text(job.get("url")) or text(job.get("shortlink")) or text(job.get("application_url")),
        company=company,
        location=_location(job),
        description=description(
            text(job.get("description")), text(job.get("requirements")), text(job.get("benefits"))
        ),
        posted_at=_posted(job),
        origin=ORIGIN,
        remote=_remote(job),
        salary=salary_range(
            pay.get("salary_from"), pay.get("salary_to"), text(pay.get("salary_currency"))
        ),
        tags=[text(job.get(k)) for k in ("employment_type", "department", "function")],
    )


def entries(doc: Any, url: str = "", company: str = "") -> list[FeedEntry] | None:
    if not is_board(doc):
        return None
    name = company or text(doc.get("name"))
    return [entry(job, name) for job in mappings(doc["jobs"])]
