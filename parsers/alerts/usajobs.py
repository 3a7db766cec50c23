"""USAJOBS saved-search notices ("New jobs for your saved search", ...@usajobs.gov).

Cards are a title link to usajobs.gov/job/<control number> (older mails
/GetJob/ViewDetails/<number>), then the hiring agency, the places ("Multiple Locations"),
"Starting at $86,962 Per Year (GS 11)", "Open 02/05/2024 to 02/19/2024" and who may apply.
The agency is the posting's company.
"""

from __future__ import annotations

import re

from parsers.alerts._base import on_domain, sender_spec, url_parts
from parsers.alerts._cards import JobRef

_JOB = re.compile(r"^/(?:job|getjob/viewdetails)/(\d{5,})(?:[/?#]|$)", re.I)


def job_ref(url: str) -> JobRef | None:
    host, path, _query = url_parts(url)
    if not on_domain(host, "usajobs.gov"):
        return None
    match = _JOB.match(path)
    if not match:
        return None
    return JobRef(f"https://www.usajobs.gov/job/{match.group(1)}", stable=True)


SPEC = sender_spec("usajobs", job_ref)
