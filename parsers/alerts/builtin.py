"""Built In job alerts ("New <role> Job Matches", support@builtin.com; city sites too).

Each card is one link, through an Amazon SES click tracker (….awstrack.me/L0/<the job URL,
percent-encoded>/…), to builtin.com/job/<slug>/<id>, around the company, the title, the kind
of workplace ("Remote", "Hybrid", "In-Office"), the place and the pay.
"""

from __future__ import annotations

import re

from parsers.alerts._base import sender_spec, url_parts
from parsers.alerts._cards import JobRef

_HOST = re.compile(r"^builtin(?:[a-z]+)?\.(?:com|org)$")
_JOB = re.compile(r"^/job/((?:[^/?#]+/)*?\d{4,})/?$", re.I)


def job_ref(url: str) -> JobRef | None:
    host, path, _query = url_parts(url)
    if not _HOST.match(host):
        return None
    match = _JOB.match(path)
    if not match:
        return None
    return JobRef(f"https://{host}/job/{match.group(1)}", stable=True)


SPEC = sender_spec("builtin", job_ref, title_slot=1)
