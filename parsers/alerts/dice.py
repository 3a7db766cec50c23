"""Dice job alerts ("Jobs matching your saved search", dice.com senders).

Cards are a title link (dice.com/job-detail/<uuid>, or an elinks.dice.com click-tracker),
then company, location ("Remote or Jersey City, New Jersey, USA"), employment type and
"Posted: 09-24-2026" or "Posted 2 days ago".
"""

from __future__ import annotations

import re

from parsers.alerts._base import AlertSpec, on_domain, url_parts
from parsers.alerts._cards import JobRef

_DETAIL = re.compile(r"^/job-detail/([0-9a-f-]{16,})", re.I)
_OLD_DETAIL = re.compile(r"^/jobs/detail/[^?#]+", re.I)
_TRACKERS = ("elinks.dice.com", "click.dice.com", "links.dice.com", "email.dice.com")


def job_ref(url: str) -> JobRef | None:
    host, path, _query = url_parts(url)
    if not on_domain(host, "dice.com"):
        return None
    match = _DETAIL.match(path)
    if match:
        return JobRef(f"https://www.dice.com/job-detail/{match.group(1).lower()}", stable=True)
    if _OLD_DETAIL.match(path):
        return JobRef(f"https://www.dice.com{_OLD_DETAIL.match(path).group(0)}", stable=True)
    if on_domain(host, *_TRACKERS):
        return JobRef(url.split("#", 1)[0], stable=False)
    return None


SPEC = AlertSpec(
    origin="dice_alert",
    senders=re.compile(r"(?<![\w.+-])[\w.+-]++@(?:[a-z]+\.)?dice\.com"),
    domains=("dice.com",),
    markers=re.compile(r"dice\.com/job-detail/|(?:elinks|click|links)\.dice\.com/", re.I),
    job_ref=job_ref,
)
