"""Wellfound (formerly AngelList Talent) job alerts: startup jobs matching a search.

Each card is one link to wellfound.com/jobs/<id>-<slug> around the startup's name, its
one-line pitch, the role, "Location · Job type" and "$150k – $190k • 0.1% – 0.5%" (pay and
equity). Older mails link angel.co/company/<startup>/jobs/<id>-<slug>.
"""

from __future__ import annotations

import re

from parsers.alerts._base import on_domain, sender_spec, url_parts
from parsers.alerts._cards import JobRef

_JOB = re.compile(r"^/(?:company/[^/]+/)?jobs/(\d{3,})(-[^/?#]*)?/?$", re.I)


def job_ref(url: str) -> JobRef | None:
    host, path, _query = url_parts(url)
    if not on_domain(host, "wellfound.com", "angel.co", "angellist.com"):
        return None
    match = _JOB.match(path)
    if not match:
        return None
    return JobRef(f"https://wellfound.com/jobs/{match.group(1)}{match.group(2) or ''}", stable=True)


SPEC = sender_spec("wellfound", job_ref, title_slot=2)
