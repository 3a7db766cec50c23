"""Monster job alerts (monster.com, monster.de, monster.fr, ...; "New jobs for you").

A card is a title link to monster.<tld>/job-openings/<slug>--<uuid> (monster.de says
/stellenangebot/, monster.fr /offre-d-emploi/; older mails job-openings.monster.com/<slug>/<id>),
then the company, the place and "Posted 2 days ago", with an "Apply" or "View job" button.
Some mails send every link through a click tracker (click.monster.com) that hides the job.
"""

from __future__ import annotations

import re

from parsers.alerts._base import on_domain, sender_spec, url_parts
from parsers.alerts._cards import JobRef

_HOST = re.compile(r"^(?:[a-z-]+\.)?monster\.(?:com|de|fr|co\.uk|ca|at|ch|nl|be|it|es|se|ie|lu)$")
_PATH = re.compile(
    r"^/(job-openings|stellenangebot|offre-d-emploi|job-opening)/([^/?#]+?)/?$", re.I
)
_OLD_PATH = re.compile(r"^/([^/?#]+)/([0-9a-f-]{16,})/?$", re.I)
_TRACKERS = ("click.monster.com", "e.monster.com", "email.monster.com", "t.monster.com")


def job_ref(url: str) -> JobRef | None:
    host, path, _query = url_parts(url)
    if not _HOST.match(host):
        return None
    match = _PATH.match(path)
    if match:
        site = host.removeprefix("www.")
        return JobRef(f"https://www.{site}/{match.group(1)}/{match.group(2)}", stable=True)
    if host.startswith("job-openings.") and _OLD_PATH.match(path):
        return JobRef(f"https://{host}{path.rstrip('/')}", stable=True)
    if on_domain(host, *_TRACKERS):
        return JobRef(url.split("#", 1)[0], stable=False)
    return None


SPEC = sender_spec("monster", job_ref)
