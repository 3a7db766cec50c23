"""Filling in postings that arrived as a bare link, from the job page's schema.org JobPosting.

Off unless `[fetch] enrich_links = true`: it fetches URLs members sent, through digest.sources.fetch,
which refuses private and loopback addresses unless the config allows them. Each posting is
tried once; the outcome (or the error) is recorded on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from digest.clock import utcnow
from digest.config import Config
from digest.sources.fetch import fetch
from digest.store.db import Database
from digest.store.models import Posting
from parsers.company import normalize_company
from parsers.jsonld import parse_jobpostings
from parsers.mime import decode_bytes
from parsers.model import Posting as PagePosting

LINK_ORIGINS = ("link", "forward")


@dataclass
class EnrichResult:
    tried: int = 0
    enriched: int = 0
    failed: int = 0


def _apply(posting: Posting, page: PagePosting) -> None:
    """The page is the employer's own statement: it wins for title and company."""
    if page.title:
        posting.title = page.title[:500]
    if page.company:
        posting.company = page.company[:300]
        posting.company_key = normalize_company(page.company)
    for attr in ("location", "posted_at", "salary"):
        value = getattr(page, attr)
        if value and not getattr(posting, attr):
            setattr(posting, attr, value[:300])
    if page.description and len(page.description) > len(posting.description):
        posting.description = page.description
    posting.remote = posting.remote or page.remote
    posting.tag_key = ""  # the title changed: tag it again


def _text(content: bytes, content_type: str) -> str:
    match = re.search(r"charset=([\w-]+)", content_type, re.I)
    return decode_bytes(content, match.group(1) if match else "")


def enrich_links(db: Database, cfg: Config, limit: int | None = None) -> EnrichResult:
    result = EnrichResult()
    if not cfg.fetch.enrich_links:
        return result
    with db.session() as session:
        todo = list(
            session.execute(
                select(Posting.id, Posting.url)
                .where(
                    Posting.enriched_at.is_(None),
                    Posting.url != "",
                    Posting.origin.in_(LINK_ORIGINS),
                )
                .order_by(Posting.id.desc())
                .limit(limit or cfg.fetch.enrich_per_run)
            ).all()
        )
    for posting_id, url in todo:
        result.tried += 1
        got = fetch(url, cfg=cfg.fetch)  # network I/O outside any transaction
        pages = (
            parse_jobpostings(_text(got.content, got.content_type), got.final_url or url)
            if got.ok
            else []
        )
        with db.session() as session:
            posting = session.get_one(Posting, posting_id)
            posting.enriched_at = utcnow()
            if pages:
                _apply(posting, pages[0])
                posting.enrich_error = ""
                result.enriched += 1
            else:
                posting.enrich_error = got.error or "no schema.org JobPosting on the page"
                result.failed += 1
    return result
