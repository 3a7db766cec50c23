"""CareerBuilder job alerts ("Jobs for you", CareerBuilder <...@careerbuilder.com>).

Cards are a title link to careerbuilder.com/job/<DID> (a "J" and 17-19 letters and digits,
tracking in the query: ipath=EMLJA...), then the company, the place ("Chicago, IL (Onsite)"),
the job type, the pay and "Posted 3 days ago". Click trackers (click.careerbuilder.com)
carry no job id.
"""

from __future__ import annotations

import re

from parsers.alerts._base import on_domain, sender_spec, url_parts
from parsers.alerts._cards import JobRef

_JOB = re.compile(r"^/job/(J[A-Z0-9]{8,24})(?:[/?#]|$)", re.I)
_TRACKERS = ("click.careerbuilder.com", "email.careerbuilder.com", "links.careerbuilder.com")


def job_ref(url: str) -> JobRef | None:
    host, path, _query = url_parts(url)
    if not on_domain(host, "careerbuilder.com", "careerbuilder.ca"):
        return None
    match = _JOB.match(path)
    if match:
        return JobRef(f"https://www.careerbuilder.com/job/{match.group(1).upper()}", stable=True)
    if on_domain(host, *_TRACKERS):
        return JobRef(url.split("#", 1)[0], stable=False)
    return None


SPEC = sender_spec("careerbuilder", job_ref)
