"""Google job alerts (notify-noreply@google.com) and Google Alerts with job links.

Google Jobs alerts link each card to a google.com/search?...&ibp=htl;jobs page whose
`htidocid` names the job; the card shows title, company, "City, ST • via LinkedIn" and
"3 days ago • Full-time". Google Alerts (googlealerts-noreply@google.com) wrap each result in
google.com/url?...&url=<target>; only targets that are job pages become postings, and a title
like "Acme hiring Data Engineer in Austin, TX | LinkedIn" is split into its facts.
"""

from __future__ import annotations

import re
from dataclasses import replace
from urllib.parse import quote_plus

from parsers.alerts import dice, glassdoor, indeed, linkedin, ziprecruiter
from parsers.alerts._base import AlertSpec, on_domain, url_parts
from parsers.alerts._cards import JobRef
from parsers.alerts._fields import Fields
from parsers.links import is_job_url

_BOARDS = (linkedin.job_ref, indeed.job_ref, glassdoor.job_ref, ziprecruiter.job_ref, dice.job_ref)
_TITLE_FORMS = (
    re.compile(r"^(?P<company>.+?) (?:is )?hiring (?P<title>.+?)(?: in (?P<place>.+))?$", re.I),
    re.compile(r"^job application for (?P<title>.+?) at (?P<company>.+)$", re.I),
)
_ATS = re.compile(
    r"greenhouse\.io|lever\.co|myworkdayjobs\.com|workday\.com|ashbyhq\.com|smartrecruiters\.com|"
    r"icims\.com|jobvite\.com|bamboohr\.com|workable\.com|taleo\.net|successfactors\.|recruitee\.com|"
    r"breezy\.hr|jazzhr\.com|personio\.|teamtailor\.com",
    re.I,
)
_JOB_SEGMENT = re.compile(
    r"(?:^|/)(?:jobs?|careers?|positions?|openings?|vacanc(?:y|ies)|opportunities|stellen)/[^/?#]+",
    re.I,
)


def job_ref(url: str) -> JobRef | None:
    host, _path, query = url_parts(url)
    if on_domain(host, "google.com") or re.match(r"^google\.[a-z.]+$", host):
        docid = query.get("htidocid", "")
        if docid and "jobs" in query.get("ibp", "") + query.get("htivrt", ""):
            q = quote_plus(query.get("q", ""))
            return JobRef(
                f"https://www.google.com/search?q={q}&ibp=htl;jobs#htivrt=jobs&htidocid={docid}",
                stable=True,
            )
        return None
    for board in _BOARDS:
        ref = board(url)
        if ref is not None:
            return ref
    return JobRef(url.split("#", 1)[0], stable=False) if _is_job_page(url) else None


def _is_job_page(url: str) -> bool:
    """Alerts also list news about hiring; only links into a job board or a careers site count."""
    host, path, _query = url_parts(url)
    if not host or not is_job_url(url):
        return False
    return bool(
        _ATS.search(host) or _JOB_SEGMENT.search(path) or re.match(r"^(?:jobs|careers)\.", host)
    )


def refine(fields: Fields) -> Fields:
    """Search-result titles of job pages carry the company and place: use them."""
    match = next((m for m in (f.match(fields.title) for f in _TITLE_FORMS) if m), None)
    if not match:
        return fields
    place = match.groupdict().get("place") or ""
    return replace(
        fields,
        title=match.group("title").strip(),
        company=match.group("company").strip(),
        location=fields.location or place.strip(),
        remote=fields.remote or "remote" in place.lower(),
    )


SPEC = AlertSpec(
    origin="google_alert",
    senders=re.compile(r"(?:notify-noreply|googlealerts-noreply|jobs-noreply)@google\.com"),
    domains=(),
    markers=re.compile(
        r"ibp=htl(?:;|%3B)jobs|googlealerts-noreply@google\.com|notify-noreply@google\.com|"
        r"google\.com/url\?[^\s\"'<>]{0,2000}ct=ga",
        re.I,
    ),
    job_ref=job_ref,
    refine=refine,
)
