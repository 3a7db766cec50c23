"""SimplyHired job alerts (alerts@simplyhired.com; simplyhired.com, .ca, .co.uk, .com.au).

Indeed's sister site writes Indeed-like cards: a title link to simplyhired.<tld>/job/<id>,
"Company – City, ST", the pay, a snippet and the age ("3d", "Today").
"""

from __future__ import annotations

import re

from parsers.alerts._base import on_domain, sender_spec, url_parts
from parsers.alerts._cards import JobRef

_DOMAINS = ("simplyhired.com", "simplyhired.ca", "simplyhired.co.uk", "simplyhired.com.au")
_JOB = re.compile(r"^/job/([\w-]{6,})/?$")
_TRACKERS = ("click.simplyhired.com", "email.simplyhired.com", "t.simplyhired.com")


def job_ref(url: str) -> JobRef | None:
    host, path, _query = url_parts(url)
    if not on_domain(host, *_DOMAINS):
        return None
    match = _JOB.match(path)
    if match:
        site = next(d for d in _DOMAINS if on_domain(host, d))
        return JobRef(f"https://www.{site}/job/{match.group(1)}", stable=True)
    if on_domain(host, *_TRACKERS):
        return JobRef(url.split("#", 1)[0], stable=False)
    return None


SPEC = sender_spec("simplyhired", job_ref)
