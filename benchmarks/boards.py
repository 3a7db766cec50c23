"""Watched career sites: a Workday-shaped site read through the real fetch path.

Run from the repo root: `python -m benchmarks.boards [--quick]`. A local HTTP server answers like
a Workday tenant (POST job list, 20 a page, `total` on the first page only; GET per job detail,
the detail fixture of tests/data/boards); `fetch_source` reads it into SQLite with no pause
between requests (`page_delay_seconds = 0`), then reads it again (nothing new: list pages only).
The default pause (0.5 s) is what bounds a real run; this measures our own cost per request.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from copy import deepcopy
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from benchmarks.common import print_values
from digest.config import Config, FetchConfig
from digest.sources.pull import fetch_source
from digest.sources.watches import add_watch
from digest.store.db import Database
from parsers.careers import CareersSite
from tests.support.http import LocalServer, reply, serve_http

DETAIL = (
    Path(__file__).resolve().parent.parent / "tests" / "data" / "boards" / "workday-sabre-job.json"
)
CXS = "/wday/cxs/sabre/SabreJobs"
TARGET = "≥ 50 requests/s of our own overhead on loopback (the 0.5 s pause dominates real runs)"


def _site(server: LocalServer, count: int) -> None:
    jobs = [
        {"title": f"Analyst {i}", "externalPath": f"/job/Dallas-TX/Analyst-{i}_R{i}",
         "locationsText": "Dallas, TX", "postedOn": "Posted Today", "bulletFields": [f"R{i}"]}
        for i in range(count)
    ]  # fmt: skip
    template = json.loads(DETAIL.read_bytes())

    def page(h: BaseHTTPRequestHandler) -> None:
        query = json.loads(getattr(h, "body", "") or "{}")
        offset = query.get("offset", 0)
        body = {"total": count if offset == 0 else 0, "jobPostings": jobs[offset : offset + 20]}
        reply(json.dumps(body).encode())(h)

    def detail(h: BaseHTTPRequestHandler) -> None:
        doc = deepcopy(template)
        doc["jobPostingInfo"]["externalUrl"] = server.url("/SabreJobs" + h.path.removeprefix(CXS))
        reply(json.dumps(doc).encode())(h)

    server.routes[f"{CXS}/jobs"] = page
    for job in jobs:
        server.routes[CXS + job["externalPath"]] = detail


def run(quick: bool = False) -> dict[str, object]:
    count = 100 if quick else 400
    with serve_http() as server, tempfile.TemporaryDirectory() as tmp:
        _site(server, count)
        db = Database(f"sqlite:///{Path(tmp) / 'boards.db'}")
        site = CareersSite("workday", "sabre.wd1/SabreJobs", server.url(f"{CXS}/jobs"), "", "sabre")
        with db.session() as session:
            sid = add_watch(session, "Sabre", server.url("/SabreJobs"), site=site)[0].id
        fetch = FetchConfig(allow_private=True, page_delay_seconds=0, max_pages_per_run=10_000)
        cfg = Config(fetch=fetch)
        began = time.perf_counter()
        first = fetch_source(db, sid, cfg)
        first_s = time.perf_counter() - began
        requests = len(server.requests)
        began = time.perf_counter()
        again = fetch_source(db, sid, cfg)
        again_s = time.perf_counter() - began
        db.dispose()
    values: dict[str, Any] = {
        "jobs (list pages + details)": f"{count} ({requests - count} + {count})",
        "first run, new postings": first.new_sightings,
        "first run seconds": round(first_s, 2),
        "requests/s (first run)": round(requests / first_s, 1),
        "second run seconds (list only)": round(again_s, 2),
        "second run new postings": again.new_sightings,
        "default pause for this site (s)": round(requests * 0.5, 1),
    }
    print_values("Watched career site (Workday-shaped)", values, TARGET)
    return values


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="100 jobs instead of 400")
    run(quick=parser.parse_args(argv).quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
