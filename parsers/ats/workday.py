"""Workday career sites (the CXS JSON behind every *.myworkdayjobs.com job list).

Shapes, as a career site answers them:
- list: `POST https://<tenant>.<wdN>.myworkdayjobs.com/wday/cxs/<tenant>/<site>/jobs` with
  `{"limit": 20, "offset": N, "appliedFacets": {}, "searchText": ""}` ->
  `{"total", "jobPostings": [{"title", "externalPath": "/job/<place>/<Title>_<REQ>",
  "locationsText" ("Southlake, TX" or "3 Locations"), "postedOn" ("Posted 3 Days Ago"),
  "bulletFields": ["<REQ>"], "remoteType"?}], "facets"}`. `total` is only reliable on the first
  page (later pages may say 0), and `limit` above 20 is refused by many tenants.
- detail: `GET .../wday/cxs/<tenant>/<site><externalPath>` -> `{"jobPostingInfo": {"title",
  "jobDescription" (HTML), "location", "additionalLocations", "startDate" (YYYY-MM-DD),
  "timeType", "remoteType" (text or {"descriptor"}), "jobReqId", "externalUrl",
  "country": {"descriptor"}}, "hiringOrganization": {"name"}}`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from parsers.ats._common import (
    Page,
    board_entry,
    company_from_slug,
    description,
    label_of,
    mapping,
    mappings,
    number,
    places,
    text,
)
from parsers.feeds import FeedEntry
from parsers.location import mentions_remote

ORIGIN = "workday"
PAGE_SIZE = 20
_CXS = re.compile(r"^/wday/cxs/(?P<tenant>[^/]+)/(?P<site>[^/]+)")
_COUNT_ONLY = re.compile(r"^\d+\s+locations?$", re.I)


def is_list(doc: Any) -> bool:
    return isinstance(doc, Mapping) and isinstance(doc.get("jobPostings"), list)


def is_detail(doc: Any) -> bool:
    return isinstance(doc, Mapping) and isinstance(doc.get("jobPostingInfo"), Mapping)


def page(doc: Any) -> Page | None:
    """The jobs of one list page; None when the document is no Workday job list."""
    if not is_list(doc):
        return None
    return Page(mappings(doc["jobPostings"]), number(doc.get("total")))


def page_request(api_url: str, offset: int) -> tuple[str, bytes]:
    """The URL and JSON body asking for the page starting at `offset`."""
    body = {"limit": PAGE_SIZE, "offset": offset, "appliedFacets": {}, "searchText": ""}
    return api_url, json.dumps(body).encode()


def item_key(item: Mapping[str, Any]) -> str:
    """The job's path on the site: stable for as long as the job is posted."""
    return text(item.get("externalPath"))


def detail_url(api_url: str, item: Mapping[str, Any]) -> str:
    """Where the job's description is: the list URL without `/jobs`, plus its path."""
    path = item_key(item)
    base = api_url.split("?", 1)[0].removesuffix("/").removesuffix("/jobs")
    return f"{base}{path}" if path.startswith("/") else ""


def careers_base(api_url: str) -> str:
    """'https://sabre.wd1.myworkdayjobs.com/SabreJobs' from the CXS URL (job links hang off it)."""
    try:
        parts = urlsplit(api_url)
    except ValueError:
        return ""
    found = _CXS.match(parts.path)
    if not found or not parts.netloc:
        return ""
    if parts.netloc.endswith("myworkdaysite.com"):
        return f"{parts.scheme}://{parts.netloc}/recruiting/{found['tenant']}/{found['site']}"
    return f"{parts.scheme}://{parts.netloc}/{found['site']}"


def tenant_name(api_url: str) -> str:
    try:
        found = _CXS.match(urlsplit(api_url).path)
    except ValueError:
        return ""
    return found["tenant"] if found else ""


def _locations(item: Mapping[str, Any], info: Mapping[str, Any]) -> str:
    listed = text(item.get("locationsText"))
    extra = [a for a in info.get("additionalLocations") or [] if isinstance(a, str)]
    found = places([text(info.get("location")), *extra])
    return found or ("" if _COUNT_ONLY.match(listed) else listed)


def entry(
    item: Mapping[str, Any], detail: Any, *, api_url: str = "", company: str = ""
) -> FeedEntry:
    """One job from its list item, completed by its detail document when there is one."""
    info = mapping(mapping(detail).get("jobPostingInfo"))
    org = text(mapping(mapping(detail).get("hiringOrganization")).get("name"))
    path = item_key(item)
    base = careers_base(api_url)
    link = text(info.get("externalUrl")) or (f"{base}{path}" if base and path else "")
    remote_type = label_of(info.get("remoteType")) or label_of(item.get("remoteType"))
    bullets = [b for b in item.get("bulletFields") or [] if isinstance(b, str)]
    fallback = company_from_slug(tenant_name(api_url))
    return board_entry(
        guid=path or text(info.get("jobReqId")) or link,
        title=text(info.get("title")) or text(item.get("title")),
        link=link,
        company=company or org or fallback,
        location=_locations(item, info),
        description=description(text(info.get("jobDescription"))),
        posted_at=text(info.get("startDate")),
        origin=ORIGIN,
        remote=mentions_remote(remote_type) and "hybrid" not in remote_type.lower(),
        tags=[label_of(info.get("timeType")), *bullets[:1]],
    )


def entries(doc: Any, url: str = "", company: str = "") -> list[FeedEntry] | None:
    """A saved list page (list fields only) or a saved detail document; None if neither."""
    listed = page(doc)
    if listed is not None:
        return [entry(item, None, api_url=url, company=company) for item in listed.items]
    if is_detail(doc):
        info = mapping(doc["jobPostingInfo"])
        return [entry({"title": info.get("title")}, doc, api_url=url, company=company)]
    return None
