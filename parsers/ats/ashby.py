"""Ashby job boards (the public Job Posting API).

Shape: `GET https://api.ashbyhq.com/posting-api/job-board/<board>?includeCompensation=true` ->
`{"apiVersion": "1", "jobs": [{"id", "title", "department", "team", "employmentType",
"location", "secondaryLocations": [{"location", "address"}], "isRemote", "workplaceType",
"publishedAt", "isListed", "jobUrl", "applyUrl", "descriptionHtml", "descriptionPlain",
"compensation"?: {"compensationTierSummary", "scrapeableCompensationSalarySummary"}}]}`.
The whole board comes in one response (no paging); an unknown board is HTTP 404. Jobs with
`isListed: false` are hidden from the company's own board and are skipped here too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

from parsers.ats._common import (
    board_entry,
    company_from_slug,
    description,
    mapping,
    mappings,
    places,
    text,
)
from parsers.feeds import FeedEntry, iso_from_text

ORIGIN = "ashby"
_BOARD = re.compile(r"/(?:posting-api/job-board/)?([^/?#]+)")


def is_board(doc: Any) -> bool:
    if not isinstance(doc, Mapping) or not isinstance(doc.get("jobs"), list):
        return False
    jobs = mappings(doc["jobs"])
    return "apiVersion" in doc or bool(jobs and all("jobUrl" in j for j in jobs))


def _board_name(url: str) -> str:
    try:
        found = _BOARD.match(urlsplit(url).path)
    except ValueError:
        return ""
    return unquote(found.group(1)) if found else ""


def _salary(job: Mapping[str, Any]) -> str:
    pay = mapping(job.get("compensation"))
    return text(pay.get("scrapeableCompensationSalarySummary")) or text(
        pay.get("compensationTierSummary")
    )


def _location(job: Mapping[str, Any]) -> str:
    more = [text(mapping(s).get("location")) for s in job.get("secondaryLocations") or []]
    return places([text(job.get("location")), *more])


def entry(job: Mapping[str, Any], company: str) -> FeedEntry:
    plain = text(job.get("descriptionPlain"))
    body = (
        description(plain, html=False) if plain else description(text(job.get("descriptionHtml")))
    )
    workplace = text(job.get("workplaceType")).lower()
    return board_entry(
        guid=text(job.get("id")),
        title=text(job.get("title")),
        link=text(job.get("jobUrl")) or text(job.get("applyUrl")),
        company=company,
        location=_location(job),
        description=body,
        posted_at=iso_from_text(job.get("publishedAt")),
        origin=ORIGIN,
        remote=job.get("isRemote") is True or workplace == "remote",
        salary=_salary(job),
        tags=[text(job.get(k)) for k in ("employmentType", "department", "team")],
    )


def entries(doc: Any, url: str = "", company: str = "") -> list[FeedEntry] | None:
    if not is_board(doc):
        return None
    jobs = [j for j in mappings(doc["jobs"]) if j.get("isListed") is not False]
    slug = _board_name(url) if "ashbyhq.com" in url else ""
    if not slug and jobs:
        slug = _board_name(text(jobs[0].get("jobUrl")))
    name = company or company_from_slug(slug)
    return [entry(job, name) for job in jobs]
