"""Welcome to the Jungle job alerts (help@ / hello@welcometothejungle.com; en, fr, es, cs).

Each card is one link around the company's name, its one-line pitch, the role, the place and
sometimes "Salary: 45K to 55K €" / "Salaire : 45K à 55K €" and the workplace ("Télétravail
partiel"). The link goes either to welcometothejungle.com/<lang>/companies/<company>/jobs/<slug>
or through a SendGrid click tracker (…ct.sendgrid.net/ls/click?upn=…) that hides the job; such
a link is the posting's link, since nothing else names the job.
"""

from __future__ import annotations

import re

from parsers.alerts._base import on_domain, sender_spec, url_parts
from parsers.alerts._cards import JobRef

_JOB = re.compile(r"^/([a-z]{2})/companies/([^/?#]+)/jobs/([^/?#]+)/?$", re.I)
_TRACKERS = ("click.welcometothejungle.com", "links.welcometothejungle.com")


def job_ref(url: str) -> JobRef | None:
    host, path, _query = url_parts(url)
    if on_domain(host, "welcometothejungle.com", "welcometothejungle.co"):
        match = _JOB.match(path)
        if match:
            lang, company, slug = match.groups()
            return JobRef(
                f"https://www.welcometothejungle.com/{lang.lower()}/companies/{company}/jobs/{slug}",
                stable=True,
            )
    sendgrid = on_domain(host, "sendgrid.net") and path.startswith("/ls/click")
    if sendgrid or on_domain(host, *_TRACKERS):
        return JobRef(url.split("#", 1)[0], stable=False)
    return None


SPEC = sender_spec("welcometothejungle", job_ref, title_slot=2)
