"""ZipRecruiter job alerts (alerts@ziprecruiter.com and friends).

Cards are a title link to ziprecruiter.com/km/<token> or /ekm/<token> (opaque, per-mail
tokens), a "Company • City, ST • Remote" line, pay ("$107K - $195K/yr") and "1-Click Apply" or
"View Details" buttons that may carry a different token for the same job.
"""

from __future__ import annotations

import re

from parsers.alerts._base import AlertSpec, on_domain, url_parts
from parsers.alerts._cards import JobRef

_TOKEN = re.compile(r"^/(?:e?km|k|ek)/[\w-]{6,}")
_JOB_PAGE = re.compile(r"^/(?:c/[^/]+/job/|jobs/[^/]+/[^/]+|job/)", re.I)


def job_ref(url: str) -> JobRef | None:
    host, path, query = url_parts(url)
    if not on_domain(host, "ziprecruiter.com", "ziprecruiter.co.uk", "ziprecruiter.ca"):
        return None
    if _TOKEN.match(path):
        return JobRef(f"https://www.ziprecruiter.com{_TOKEN.match(path).group(0)}", stable=False)
    if _JOB_PAGE.match(path):
        jid = query.get("jid", "")
        suffix = f"?jid={jid}" if re.fullmatch(r"[\w-]+", jid) else ""
        return JobRef(f"https://www.ziprecruiter.com{path}{suffix}", stable=True)
    return None


SPEC = AlertSpec(
    origin="ziprecruiter_alert",
    senders=re.compile(r"(?<![\w.+-])[\w.+-]++@(?:[a-z]+\.)?ziprecruiter\.com"),
    domains=("ziprecruiter.com",),
    markers=re.compile(r"ziprecruiter\.com/(?:e?km|c|jobs)/", re.I),
    job_ref=job_ref,
)
