"""Handshake job alerts ("Jobs recommended for you", ...@joinhandshake.com).

Cards are an employer logo, a title link to app.joinhandshake.com/jobs/<id> (or a school's
<school>.joinhandshake.com/jobs/<id>, /stu/jobs/<id>), "Employer • Place" and
"Full-Time Job • $25/hr"; "Search all jobs" links lead to searches, never to one job.
"""

from __future__ import annotations

import re

from parsers.alerts._base import on_domain, sender_spec, url_parts
from parsers.alerts._cards import JobRef

_JOB = re.compile(r"^/(?:stu/|emp/)?(?:jobs|job-search)/(\d{4,})(?:[/?#]|$)", re.I)
_TRACKERS = ("click.joinhandshake.com", "links.joinhandshake.com", "email.joinhandshake.com")


def job_ref(url: str) -> JobRef | None:
    host, path, _query = url_parts(url)
    if not on_domain(host, "joinhandshake.com"):
        return None
    match = _JOB.match(path)
    if match:
        return JobRef(f"https://app.joinhandshake.com/jobs/{match.group(1)}", stable=True)
    if on_domain(host, *_TRACKERS):
        return JobRef(url.split("#", 1)[0], stable=False)
    return None


SPEC = sender_spec("handshake", job_ref)
