"""LinkedIn job alerts ("Your job alert for ...", jobalerts-noreply@linkedin.com).

A card is a logo link and a title link to linkedin.com/comm/jobs/view/<id>/, then
"Company · Location (Remote)" (or company and location on two lines in the text part), then
optional pay, "Easy Apply", "Promoted" and network badges.
"""

from __future__ import annotations

import re

from parsers.alerts._base import on_domain, sender_spec, url_parts
from parsers.alerts._cards import JobRef

_VIEW = re.compile(r"/(?:comm/)?jobs/view/(?:[^/?#]*?-)?(\d{6,})(?:[/?#]|$)")


def job_ref(url: str) -> JobRef | None:
    host, path, _query = url_parts(url)
    if not on_domain(host, "linkedin.com"):
        return None
    match = _VIEW.search(path if path.endswith("/") else path + "/")
    if not match:
        return None
    return JobRef(f"https://www.linkedin.com/jobs/view/{match.group(1)}/", stable=True)


SPEC = sender_spec("linkedin", job_ref)
