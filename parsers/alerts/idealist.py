"""Idealist job alerts (nonprofit jobs, internships and volunteering; ...@idealist.org).

Cards are a title link, often through a Postmark click tracker (track.pstmrk.it/3s/<the URL,
percent-encoded>/…), to idealist.org/<lang>/nonprofit-job/<32 hex>-<slug> (Spanish
/es/ong-empleo/, internships /nonprofit-internship/), then the organisation, the place
("Remote, US" or "Brooklyn, NY") and "Full Time · Posted 3 days ago".
"""

from __future__ import annotations

import re

from parsers.alerts._base import on_domain, sender_spec, url_parts
from parsers.alerts._cards import JobRef

_KINDS = "nonprofit-job|ong-empleo|nonprofit-internship|pasantia|volunteer-opportunity|voluntariado"
_JOB = re.compile(rf"^/([a-z]{{2}})/({_KINDS})/([0-9a-f]{{32}})(-[^/?#]*)?/?$", re.I)


def job_ref(url: str) -> JobRef | None:
    host, path, _query = url_parts(url)
    if not on_domain(host, "idealist.org"):
        return None
    match = _JOB.match(path)
    if not match:
        return None
    lang, kind, uid, slug = match.groups()
    return JobRef(f"https://www.idealist.org/{lang}/{kind}/{uid.lower()}{slug or ''}", stable=True)


SPEC = sender_spec("idealist", job_ref)
