"""Link-only postings filled in from the job page's JSON-LD, fetched safely from a real local server."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from digest.config import load_config
from digest.sources.enrich import enrich_links
from digest.store.db import Database
from digest.store.models import Posting
from tests.support.config import write_config
from tests.support.db import migrated_db
from tests.support.http import LocalServer, reply

PAGE = b"""<!doctype html><html><head><title>Careers</title>
<script type="application/ld+json">
{"@context": "https://schema.org", "@type": "JobPosting",
 "title": "Senior Brand Manager",
 "hiringOrganization": {"@type": "Organization", "name": "Sabre Corporation"},
 "jobLocation": {"@type": "Place", "address": {"addressLocality": "Southlake", "addressRegion": "TX"}},
 "datePosted": "2026-11-20",
 "description": "<p>Lead the brand.</p>"}
</script></head><body>Apply now</body></html>"""


def _db(tmp_path: Path, db_url: str, extra: str) -> tuple[Database, object]:
    cfg = load_config(write_config(tmp_path, db_url=db_url, extra=extra))
    return migrated_db(cfg.database_url()), cfg


def _link_posting(db: Database, url: str) -> int:
    with db.session() as s:
        posting = Posting(title="Fwd: check this out", url=url, canonical_url=url, origin="forward")
        s.add(posting)
        s.flush()
        return posting.id


def test_link_posting_gets_title_company_location_from_its_page(
    tmp_path: Path, db_url: str, http_server: LocalServer
) -> None:
    http_server.routes["/jobs/123"] = reply(PAGE, Content_Type="text/html; charset=utf-8")
    db, cfg = _db(tmp_path, db_url, "[fetch]\nenrich_links = true\nallow_private = true\n")
    pid = _link_posting(db, http_server.url("/jobs/123"))
    result = enrich_links(db, cfg)  # type: ignore[arg-type]
    assert (result.tried, result.enriched) == (1, 1)
    with db.session() as s:
        p = s.get_one(Posting, pid)
        assert (p.title, p.company, p.company_key) == (
            "Senior Brand Manager",
            "Sabre Corporation",
            "sabre",
        )
        assert "Southlake" in p.location and p.posted_at.startswith("2026-11-20")
        assert p.tag_key == "" and p.enriched_at is not None
    # Tried once: a second run fetches nothing.
    assert enrich_links(db, cfg).tried == 0  # type: ignore[arg-type]
    assert len(http_server.requests) == 1
    db.dispose()


def test_loopback_is_refused_unless_allowed_and_the_reason_is_kept(
    tmp_path: Path, db_url: str, http_server: LocalServer
) -> None:
    http_server.routes["/jobs/123"] = reply(PAGE)
    db, cfg = _db(tmp_path, db_url, "[fetch]\nenrich_links = true\n")
    pid = _link_posting(db, http_server.url("/jobs/123"))
    result = enrich_links(db, cfg)  # type: ignore[arg-type]
    assert (result.tried, result.failed) == (1, 1)
    assert http_server.requests == []
    with db.session() as s:
        p = s.get_one(Posting, pid)
        assert p.title == "Fwd: check this out" and "loopback" in p.enrich_error
    db.dispose()


@pytest.mark.parametrize("extra", ["", "[fetch]\nenrich_links = false\nallow_private = true\n"])
def test_off_by_default(tmp_path: Path, db_url: str, http_server: LocalServer, extra: str) -> None:
    db, cfg = _db(tmp_path, db_url, extra)
    _link_posting(db, http_server.url("/jobs/1"))
    assert enrich_links(db, cfg).tried == 0  # type: ignore[arg-type]
    with db.session() as s:
        assert s.scalar(select(Posting.enriched_at)) is None
    db.dispose()
