"""Glassdoor job alerts (noreply@glassdoor.com).

Each card is one link to glassdoor.com/partner/jobListing.htm?...&jobListingId=<id> (or
/job-listing/...htm?jl=<id>) holding, in order: employer and rating, title, location, pay
("$183K - $237K (Employer est.)"), "Easy Apply", and the age ("21h", "7d", "30d+").
"""

from __future__ import annotations

import re

from parsers.alerts._base import sender_spec, url_parts
from parsers.alerts._cards import JobRef

_HOST = re.compile(r"^(?:[a-z]{2}\.)?glassdoor\.[a-z.]+$")
_JOB_PATH = re.compile(r"^/(?:partner/joblisting\.htm|job-listing/|joblisting/)", re.I)


def job_ref(url: str) -> JobRef | None:
    host, path, query = url_parts(url)
    if not _HOST.match(host) or not _JOB_PATH.match(path):
        return None
    listing = query.get("joblistingid") or query.get("jl") or ""
    if listing.isdigit():
        return JobRef(
            f"https://www.glassdoor.com/partner/jobListing.htm?jobListingId={listing}", stable=True
        )
    return JobRef(url.split("#", 1)[0], stable=False)


SPEC = sender_spec("glassdoor", job_ref, title_slot=1)
