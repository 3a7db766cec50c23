"""Indeed job alerts (alert@indeed.com, donotreply@match.indeed.com).

The whole card sits inside one link to indeed.com/rc/clk/dl?jk=<id> (or viewjob?jk=,
pagead/clk): title, company with its rating, location, pay, "Easily apply", a snippet and the
age. The text part says "Company - Location" on one line, and newer mails hide the job behind
engage.indeed.com / cts.indeed.com click-trackers that carry no job id.
"""

from __future__ import annotations

import re

from parsers.alerts._base import on_domain, sender_spec, url_parts
from parsers.alerts._cards import JobRef

_JOB_PATHS = re.compile(r"^/(?:m/)?(?:viewjob|rc/clk|pagead/clk|applystart|job/)", re.I)
_TRACKERS = ("engage.indeed.com", "cts.indeed.com", "click.indeed.com", "t.indeed.com")
_JK = re.compile(r"^[0-9a-f]{8,20}$", re.I)


def job_ref(url: str) -> JobRef | None:
    host, path, query = url_parts(url)
    if not on_domain(host, "indeed.com") and not re.match(r"^([a-z]{2}\.)?indeed\.[a-z.]+$", host):
        return None
    jk = query.get("jk") or query.get("vjk") or ""
    if _JK.match(jk):
        site = host if re.match(r"^[a-z]{2}\.indeed\.com$", host) else _main_site(host)
        return JobRef(f"https://{site}/viewjob?jk={jk.lower()}", stable=True)
    if _JOB_PATHS.match(path) or on_domain(host, *_TRACKERS):
        return JobRef(url.split("#", 1)[0], stable=False)
    return None


def _main_site(host: str) -> str:
    if on_domain(host, "indeed.com"):
        return "www.indeed.com"
    return host if host.startswith("indeed.") else "www." + host.split(".", 1)[-1]


SPEC = sender_spec("indeed", job_ref)
