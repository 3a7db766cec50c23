"""Job boards that take more than one request: a paged job list, then each new job's detail.

Workday's career sites list 20 jobs a page (POST with a JSON query) and keep the description on
each job's own page; SmartRecruiters lists 100 a page and does the same. Reading a big employer's
site is hundreds of requests, so a run is capped at `[fetch] max_pages_per_run` requests per
source and waits `[fetch] page_delay_seconds` between them. Details are asked for only for jobs
not ingested before (the caller says which keys it knows), page by page, so the newest jobs are
stored first and what the cap leaves out is fetched by the next run, never dropped.

Interface (stable):
    PAGED_KINDS: frozenset[str]
    crawl(kind, api_url, *, company, cfg, known, sleep=time.sleep) -> Crawl

No database here: `known(keys)` answers which entry keys the source has already ingested.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from digest.config import FetchConfig
from digest.sources.fetch import FetchResult, fetch
from digest.store.statuses import SourceKind
from parsers.ats import smartrecruiters, workday
from parsers.ats._common import Page
from parsers.careers import label
from parsers.feeds import FeedEntry

_MODULES: dict[str, ModuleType] = {"workday": workday, "smartrecruiters": smartrecruiters}
PAGED_KINDS = frozenset(_MODULES)
GONE = frozenset({404, 410})


@dataclass
class Crawl:
    """What one run over a paged board gave: the new jobs, what was odd, or why it failed."""

    entries: list[FeedEntry] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str = ""
    result: FetchResult | None = None  # the failed first page, for the caller's wording
    requests: int = 0


@dataclass
class _Run:
    """The state of one crawl: the request budget is shared by list pages and details."""

    kind: str
    api_url: str
    company: str
    cfg: FetchConfig
    sleep: Callable[[float], None]
    out: Crawl = field(default_factory=Crawl)
    deferred: int = 0

    @property
    def module(self) -> ModuleType:
        return _MODULES[self.kind]

    def budget_left(self) -> bool:
        return self.out.requests < self.cfg.max_pages_per_run

    def get(self, url: str, body: bytes | None = None) -> FetchResult:
        """One request, after the polite pause (none before the first)."""
        if self.out.requests and self.cfg.page_delay_seconds:
            self.sleep(self.cfg.page_delay_seconds)
        self.out.requests += 1
        return fetch(url, cfg=self.cfg, json_body=body)


def _document(got: FetchResult) -> Any:
    try:
        return json.loads(got.content.decode("utf-8-sig", "replace"))
    except (ValueError, RecursionError):
        return None


def _page(run: _Run, offset: int) -> tuple[Page | None, str, FetchResult]:
    """One list page, or why it could not be read."""
    url, body = run.module.page_request(run.api_url, offset)
    got = run.get(url, body)
    if got.error:
        return None, got.error, got
    listed = run.module.page(_document(got))
    if listed is None:
        return None, f"{url}: not a {label(run.kind)} job list (offset {offset})", got
    return listed, "", got


def _detail(run: _Run, item: Mapping[str, Any]) -> FeedEntry | None:
    """The job with its detail page; list fields only when the detail fails; None if closed."""
    url = run.module.detail_url(run.api_url, item)
    doc: Any = None
    if url:
        got = run.get(url)
        if got.status in GONE:
            run.out.warnings.append(f"job closed before its details were read: {url}")
            return None
        if got.error:
            run.out.warnings.append(f"job stored without its description: {got.error}")
        else:
            doc = _document(got)
    if run.kind == SourceKind.WORKDAY:
        return workday.entry(item, doc, api_url=run.api_url, company=run.company)
    return smartrecruiters.entry(item, doc, company=run.company)


def _read_new(
    run: _Run, items: list[Mapping[str, Any]], known: Callable[[list[str]], set[str]]
) -> None:
    """Details of the page's jobs not ingested before, while the budget lasts."""
    keys = [run.module.item_key(i) for i in items]
    seen = known([k for k in keys if k])
    for item, key in zip(items, keys, strict=True):
        if key and key in seen:
            continue
        if not run.budget_left():
            run.deferred += 1
            continue
        entry = _detail(run, item)
        if entry is not None:
            run.out.entries.append(entry)


def _more(listed: Page, offset: int, total: int | None, page_size: int) -> bool:
    if not listed.items:
        return False
    if total:
        return offset < total
    return len(listed.items) >= page_size


def _finish(run: _Run, offset: int, total: int | None, stopped: bool) -> Crawl:
    cap = f"[fetch] max_pages_per_run = {run.cfg.max_pages_per_run}"
    if run.deferred:
        run.out.warnings.append(f"{run.deferred} new jobs left for the next run ({cap})")
    if stopped:
        shown = f" of {total}" if total else ""
        run.out.warnings.append(f"stopped after {offset}{shown} jobs of the list ({cap})")
    return run.out


def crawl(
    kind: str,
    api_url: str,
    *,
    company: str,
    cfg: FetchConfig,
    known: Callable[[list[str]], set[str]],
    sleep: Callable[[float], None] = time.sleep,
) -> Crawl:
    """New jobs of a paged board, newest pages first, within the run's request budget.

    A first page that fails fails the run (the caller backs off); a later page that fails ends
    the run with what was read so far and a warning, and the next run starts from the top."""
    run = _Run(kind, api_url, company, cfg, sleep)
    offset, total = 0, None
    while True:
        if not run.budget_left():
            return _finish(run, offset, total, stopped=True)
        listed, error, got = _page(run, offset)
        if listed is None:
            if offset == 0:
                run.out.error, run.out.result = error, got
                return run.out
            run.out.warnings.append(f"list stopped at offset {offset}: {error}")
            return _finish(run, offset, total, stopped=False)
        total = total if total is not None else listed.total
        _read_new(run, listed.items, known)
        offset += len(listed.items)
        if not _more(listed, offset, total, run.module.PAGE_SIZE):
            return _finish(run, offset, total, stopped=False)
