"""Watched career sites fetched from a real local HTTP server answering like Workday,
SmartRecruiters, Ashby, Workable, Recruitee and Personio do: paging, detail pages, errors,
a slow page, a tenant that moved; and `jobdigest watch add|list|remove`."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from copy import deepcopy
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from digest.cli import cli
from digest.config import Config, FetchConfig, parse_config
from digest.ingest.record import store_postings
from digest.sources.pull import fetch_due_sources, fetch_source
from digest.sources.watches import add_watch, list_watches, remove_watch
from digest.store.db import Database
from digest.store.models import Posting, Sighting, Source
from parsers.careers import CareersSite
from parsers.model import Posting as ParsedPosting
from tests.support.config import write_config
from tests.support.db import migrated_db
from tests.support.http import LocalServer, redirect, reply

DATA = Path(__file__).parent / "data" / "boards"
CXS = "/wday/cxs/sabre/SabreJobs"


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def lite(tmp_path: Path) -> Iterator[Database]:
    """SQLite only, for what does not depend on the engine."""
    database = migrated_db(f"sqlite:///{tmp_path / 'watch.db'}")
    yield database
    database.dispose()


def config(**fetch: Any) -> Config:
    settings = {"timeout_seconds": 2.0, "allow_private": True, "page_delay_seconds": 0} | fetch
    return Config(fetch=FetchConfig(**settings))


def watch(db: Database, server: LocalServer, kind: str, path: str, name: str) -> int:
    """A watch whose API is the local server (the careers URL forms are tested in test_ats)."""
    site = CareersSite(kind, name.lower(), server.url(path), server.url("/careers"), name.lower())
    with db.session() as session:
        source, _created = add_watch(session, name, server.url("/careers"), site=site)
        return source.id


def postings(db: Database) -> list[Posting]:
    with db.session() as session:
        return list(session.scalars(select(Posting).order_by(Posting.id)))


def json_reply(doc: object, status: int = 200) -> Any:
    return reply(json.dumps(doc).encode(), status, Content_Type="application/json")


# -- Workday: a site answering like a real tenant ------------------------------------------------


def workday_jobs(count: int) -> list[dict[str, Any]]:
    return [
        {
            "title": f"Marketing Manager {i}",
            "externalPath": f"/job/Southlake-TX/Marketing-Manager-{i}_R{1000 + i}",
            "locationsText": "Southlake, TX",
            "postedOn": "Posted Today",
            "bulletFields": [f"R{1000 + i}"],
        }
        for i in range(count)
    ]


class WorkdaySite:
    """POST .../jobs pages through `jobs` 20 at a time (`total` on the first page only, as the
    real sites do); GET .../job/... answers each job's detail, or what `details` says."""

    def __init__(self, server: LocalServer, jobs: list[dict[str, Any]]) -> None:
        self.server, self.jobs = server, jobs
        self.details: dict[str, Any] = {}  # externalPath -> status code, or "slow"
        self.template = json.loads((DATA / "workday-sabre-job.json").read_bytes())
        server.routes[f"{CXS}/jobs"] = self.page
        for job in jobs:
            server.routes[CXS + job["externalPath"]] = self.detail

    def page(self, h: BaseHTTPRequestHandler) -> None:
        query = json.loads(getattr(h, "body", "") or "{}")
        offset, limit = query.get("offset", 0), query.get("limit", 20)
        if limit > 20:
            json_reply({"errorCode": "HTTP_400"}, 400)(h)
            return
        total = len(self.jobs) if offset == 0 else 0
        chunk = self.jobs[offset : offset + limit]
        json_reply({"total": total, "jobPostings": chunk, "facets": []})(h)

    def detail(self, h: BaseHTTPRequestHandler) -> None:
        path = h.path.removeprefix(CXS)
        wanted = self.details.get(path)
        if wanted == "slow":
            time.sleep(1.5)
        elif isinstance(wanted, int):
            reply(b"<html>error</html>", wanted)(h)
            return
        job = next(j for j in self.jobs if j["externalPath"] == path)
        doc = deepcopy(self.template)
        doc["jobPostingInfo"] |= {
            "title": job["title"],
            "jobDescription": f"<p>Lead marketing for {job['title']}.</p>",
            "externalUrl": self.server.url(f"/SabreJobs{path}"),
        }
        json_reply(doc)(h)

    def list_requests(self) -> list[dict[str, Any]]:
        return [json.loads(r["body"]) for r in self.server.requests if r.get("method") == "POST"]

    def detail_requests(self) -> int:
        return sum("/job/" in r["path"] for r in self.server.requests)


def test_workday_pages_through_the_list_and_reads_each_new_jobs_detail_once(
    db: Database, http_server: LocalServer
) -> None:
    site = WorkdaySite(http_server, workday_jobs(23))
    sid = watch(db, http_server, "workday", f"{CXS}/jobs", "Sabre")
    first = fetch_source(db, sid, config())
    assert (first.status, first.entries, first.new_sightings) == ("ok", 23, 23)
    assert [(q["offset"], q["limit"]) for q in site.list_requests()] == [(0, 20), (20, 20)]
    assert site.list_requests()[0] == {
        "limit": 20, "offset": 0, "appliedFacets": {}, "searchText": ""
    }  # fmt: skip
    assert site.detail_requests() == 23
    stored = postings(db)
    assert len(stored) == 23 and {p.company for p in stored} == {"Sabre"}
    assert stored[0].description == "Lead marketing for Marketing Manager 0."
    assert stored[0].location == "Southlake, TX; Dallas, TX" and stored[0].origin == "workday"

    again = fetch_source(db, sid, config())
    assert (again.status, again.entries, again.new_sightings) == ("ok", 0, 0)
    assert site.detail_requests() == 23  # nothing new: no detail asked for twice
    assert len(postings(db)) == 23


def test_the_page_cap_leaves_the_rest_for_the_next_run_and_loses_nothing(
    lite: Database, http_server: LocalServer
) -> None:
    site = WorkdaySite(http_server, workday_jobs(23))
    sid = watch(lite, http_server, "workday", f"{CXS}/jobs", "Sabre")
    cfg = config(max_pages_per_run=10)
    first = fetch_source(lite, sid, cfg)
    assert (first.status, first.entries) == ("ok", 9)  # one list page + nine details
    assert "11 new jobs left for the next run ([fetch] max_pages_per_run = 10)" in first.warnings
    assert len(http_server.requests) == 10
    runs = 1
    while len(postings(lite)) < 23 and runs < 10:
        fetch_source(lite, sid, cfg)
        runs += 1
    assert len(postings(lite)) == 23 and runs == 3  # 10 + 10 + 7 requests
    assert site.detail_requests() == 23
    with lite.session() as session:
        assert session.scalar(select(func.count()).select_from(Sighting)) == 23


def test_detail_pages_that_fail_are_reported_and_closed_jobs_skipped(
    lite: Database, http_server: LocalServer
) -> None:
    jobs = workday_jobs(4)
    site = WorkdaySite(http_server, jobs)
    site.details = {
        jobs[1]["externalPath"]: 404,
        jobs[2]["externalPath"]: 500,
        jobs[3]["externalPath"]: "slow",
    }
    sid = watch(lite, http_server, "workday", f"{CXS}/jobs", "Sabre")
    result = fetch_source(lite, sid, config(timeout_seconds=0.5))
    assert result.status == "ok"
    titles = {p.title: p.description for p in postings(lite)}
    assert titles == {
        "Marketing Manager 0": "Lead marketing for Marketing Manager 0.",
        "Marketing Manager 2": "",  # HTTP 500: stored from the list, without a description
        "Marketing Manager 3": "",  # too slow: the same
    }
    warnings = " | ".join(result.warnings)
    assert "job closed before its details were read" in warnings and "Manager-1_R1001" in warnings
    assert "HTTP 500" in warnings and "read timeout after 0.5 s" in warnings


def test_a_slow_first_page_fails_the_source_and_it_backs_off(
    lite: Database, http_server: LocalServer
) -> None:
    def slow(h: BaseHTTPRequestHandler) -> None:
        time.sleep(1.5)
        json_reply({"total": 0, "jobPostings": []})(h)

    http_server.routes[f"{CXS}/jobs"] = slow
    sid = watch(lite, http_server, "workday", f"{CXS}/jobs", "Sabre")
    result = fetch_source(lite, sid, config(timeout_seconds=0.5))
    assert result.status == "failed" and "timeout after 0.5 s" in result.error
    with lite.session() as session:
        source = session.get_one(Source, sid)
        assert source.consecutive_failures == 1 and source.next_attempt is not None


def test_a_tenant_that_moved_is_a_clear_source_error(
    lite: Database, http_server: LocalServer
) -> None:
    new_home = "https://sabre.wd5.myworkdayjobs.com/wday/cxs/sabre/SabreJobs/jobs"
    http_server.routes[f"{CXS}/jobs"] = redirect(new_home, 301)
    sid = watch(lite, http_server, "workday", f"{CXS}/jobs", "Sabre")
    moved = fetch_source(lite, sid, config())
    assert moved.status == "failed"
    assert f"HTTP 301 redirect to {new_home}" in moved.error
    assert "the Workday career site moved; watch the new address and remove this one" in moved.error
    assert all(r.get("method") == "POST" for r in http_server.requests)  # not followed

    gone = watch(lite, http_server, "workday", "/wday/cxs/gone/Jobs/jobs", "Gone Co")
    result = fetch_source(lite, gone, config())
    assert result.status == "failed" and "HTTP 404" in result.error
    assert "the Workday career site is not there (the company may have moved it" in result.error
    with lite.session() as session:
        assert "is not there" in session.get_one(Source, gone).last_error


def test_a_server_error_on_a_later_page_keeps_what_was_read(
    lite: Database, http_server: LocalServer
) -> None:
    site = WorkdaySite(http_server, workday_jobs(25))
    first_page = site.page

    def flaky(h: BaseHTTPRequestHandler) -> None:
        if json.loads(getattr(h, "body", "") or "{}").get("offset"):
            reply(b"busy", 500)(h)
        else:
            first_page(h)

    http_server.routes[f"{CXS}/jobs"] = flaky
    sid = watch(lite, http_server, "workday", f"{CXS}/jobs", "Sabre")
    result = fetch_source(lite, sid, config())
    assert (result.status, result.entries) == ("ok", 20)
    assert any("list stopped at offset 20" in w and "HTTP 500" in w for w in result.warnings)


def test_a_job_a_member_forwarded_and_the_watch_found_is_one_posting(
    db: Database, http_server: LocalServer
) -> None:
    jobs = workday_jobs(2)
    WorkdaySite(http_server, jobs)
    sid = watch(db, http_server, "workday", f"{CXS}/jobs", "Sabre")
    link = http_server.url(f"/SabreJobs{jobs[0]['externalPath']}")
    with db.session() as session:
        shared = ParsedPosting(
            title="Marketing Manager 0", url=link, canonical_url=link, company="Sabre"
        )
        (pid,) = store_postings(session, [shared], sender="dan@members.example")
    fetch_source(db, sid, config())
    assert len(postings(db)) == 2
    with db.session() as session:
        seen = session.scalars(select(Sighting.source_id).where(Sighting.posting_id == pid)).all()
    assert sorted(seen, key=lambda s: s or 0) == [None, sid]


# -- SmartRecruiters: offset/limit paging and a detail per posting ------------------------------


def test_smartrecruiters_pages_by_offset_and_reads_details(
    lite: Database, http_server: LocalServer
) -> None:
    listed = json.loads((DATA / "smartrecruiters-bosch-postings.json").read_bytes())
    template = listed["content"][0]
    items = [
        template | {"id": str(744000000000000 + i), "name": f"Brand Manager {i}"}
        for i in range(102)
    ]
    detail = json.loads((DATA / "smartrecruiters-bosch-posting.json").read_bytes())
    base = "/v1/companies/BoschGroup/postings"

    def page(h: BaseHTTPRequestHandler) -> None:
        query = dict(p.split("=") for p in h.path.split("?", 1)[1].split("&"))
        offset, limit = int(query["offset"]), int(query["limit"])
        json_reply({"offset": offset, "limit": limit, "totalFound": len(items),
                    "content": items[offset : offset + limit]})(h)  # fmt: skip

    def one(h: BaseHTTPRequestHandler) -> None:
        key = h.path.rsplit("/", 1)[1]
        json_reply(detail | {"id": key, "name": f"Brand Manager {int(key) - 744000000000000}"})(h)

    http_server.routes[base] = page
    for item in items:
        http_server.routes[f"{base}/{item['id']}"] = one
    sid = watch(lite, http_server, "smartrecruiters", base, "Bosch")
    result = fetch_source(lite, sid, config(max_pages_per_run=200))
    assert (result.status, result.entries) == ("ok", 102)
    pages = [r["path"] for r in http_server.requests if r["path"].startswith(f"{base}?")]
    assert pages == [f"{base}?offset=0&limit=100", f"{base}?offset=100&limit=100"]
    stored = postings(lite)
    assert {p.company for p in stored} == {"Bosch"}
    assert "Launch our e-bike drive units" in stored[0].description


# -- boards answered in one response -------------------------------------------------------------

ONE_RESPONSE = [
    ("ashby", "/posting-api/job-board/acme", "ashby-acme.json", "Acme", 2),
    ("workable", "/api/v1/widget/accounts/acme", "workable-acme.json", "Acme", 2),
    ("recruitee", "/api/offers/", "recruitee-acme.json", "Acme", 1),
    ("personio", "/xml", "personio-acme.xml", "Acme", 2),
]


@pytest.mark.parametrize(("kind", "path", "fixture", "name", "count"), ONE_RESPONSE)
def test_one_response_boards_are_fetched_once_and_deduplicated(
    lite: Database,
    http_server: LocalServer,
    kind: str,
    path: str,
    fixture: str,
    name: str,
    count: int,
) -> None:
    http_server.routes[path] = reply((DATA / fixture).read_bytes(), ETag='"v1"')
    sid = watch(lite, http_server, kind, path, name)
    first = fetch_source(lite, sid, config())
    assert (first.status, first.entries, first.new_sightings) == ("ok", count, count)
    assert {p.company for p in postings(lite)} == {name} and {p.origin for p in postings(lite)} == {
        kind
    }
    http_server.routes[path] = reply((DATA / fixture).read_bytes(), ETag='"v2"')
    again = fetch_source(lite, sid, config())
    assert (again.status, again.new_sightings) == ("ok", 0)
    assert len(postings(lite)) == count
    assert http_server.requests[-1].get("If-None-Match") == '"v1"'  # a conditional GET


def test_an_ashby_board_that_does_not_exist_is_named_in_the_error(
    lite: Database, http_server: LocalServer
) -> None:
    sid = watch(lite, http_server, "ashby", "/posting-api/job-board/nobody", "Nobody")
    result = fetch_source(lite, sid, config())
    assert result.status == "failed"
    assert "HTTP 404" in result.error and "the Ashby career site is not there" in result.error


def test_a_board_that_answers_html_says_so(lite: Database, http_server: LocalServer) -> None:
    http_server.routes["/api/offers/"] = reply(b"<html><body>Careers</body></html>")
    sid = watch(lite, http_server, "recruitee", "/api/offers/", "Acme")
    result = fetch_source(lite, sid, config())
    assert result.status == "failed" and "not a Recruitee job board response" in result.error


def test_watches_refuse_private_addresses_unless_allowed(
    lite: Database, http_server: LocalServer
) -> None:
    sid = watch(lite, http_server, "ashby", "/posting-api/job-board/acme", "Acme")
    result = fetch_source(lite, sid, Config(fetch=FetchConfig(timeout_seconds=2.0)))
    assert result.status == "failed" and "loopback address" in result.error
    assert not http_server.requests


# -- watches in the fetch job ---------------------------------------------------------------------


def test_the_fetch_job_reads_watches_until_they_are_removed(
    lite: Database, http_server: LocalServer
) -> None:
    http_server.routes["/posting-api/job-board/acme"] = reply(
        (DATA / "ashby-acme.json").read_bytes()
    )
    sid = watch(lite, http_server, "ashby", "/posting-api/job-board/acme", "Acme")
    results = fetch_due_sources(lite, config())
    assert [(r.source_id, r.status, r.entries) for r in results] == [(sid, "ok", 2)]
    with lite.session() as session:
        assert [s.name for s in list_watches(session)] == ["Acme"]
        remove_watch(session, "ACME Inc.")  # names compare as people mean them
    assert fetch_due_sources(lite, config()) == []
    with lite.session() as session:
        assert list_watches(session) == []
        assert session.get_one(Source, sid).removed_at is not None  # kept: sightings credit it


# -- the command line -----------------------------------------------------------------------------


@pytest.fixture
def cfg_path(tmp_path: Path) -> Path:
    return write_config(tmp_path, db_url=f"sqlite:///{tmp_path / 'cli.db'}")


def run(cfg_path: Path, *args: str) -> Any:
    return CliRunner().invoke(cli, ["--config", str(cfg_path), "watch", *args])


def test_watch_add_list_remove(cfg_path: Path) -> None:
    added = run(
        cfg_path,
        "add",
        "Sabre",
        "https://sabre.wd1.myworkdayjobs.com/en-US/SabreJobs/job/Southlake-TX/Senior-Brand-Manager_R240311",
    )
    assert added.exit_code == 0, added.output
    assert added.output.startswith("Watching Sabre: Workday board sabre.wd1/SabreJobs (source ")
    assert "https://sabre.wd1.myworkdayjobs.com/SabreJobs" in added.output
    again = run(cfg_path, "add", "Sabre", "https://sabre.wd1.myworkdayjobs.com/SabreJobs")
    assert again.exit_code == 0 and again.output.startswith("Already watching Sabre")
    run(cfg_path, "add", "Acme", "https://jobs.ashbyhq.com/acme")
    listed = run(cfg_path, "list")
    lines = listed.output.splitlines()
    assert lines[0].split("\t")[:4] == ["id", "company", "system", "careers URL"]
    assert [line.split("\t")[1:3] for line in lines[1:]] == [
        ["Acme", "Ashby"],
        ["Sabre", "Workday"],
    ]
    removed = run(cfg_path, "remove", "sabre")
    assert removed.exit_code == 0 and removed.output.startswith("No longer watching Sabre")
    assert [line.split("\t")[1] for line in run(cfg_path, "list").output.splitlines()[1:]] == [
        "Acme"
    ]


def test_watch_add_says_in_one_line_when_it_cannot_tell_the_site(cfg_path: Path) -> None:
    result = run(cfg_path, "add", "Initrode", "https://initrode.example/careers")
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        "Error: watch add: https://initrode.example/careers"
    )
    assert "Workday" in lines[0] and "Traceback" not in result.output
    missing = run(cfg_path, "remove", "Initrode")
    assert missing.exit_code == 2 and "no watched career site 'Initrode'" in missing.output


def test_watch_add_refuses_a_board_the_config_already_fetches(tmp_path: Path) -> None:
    extra = '[[boards]]\nkind = "ashby"\ncompany = "acme"\n'
    path = write_config(tmp_path, db_url=f"sqlite:///{tmp_path / 'cli.db'}", extra=extra)
    assert CliRunner().invoke(cli, ["--config", str(path), "sources"]).exit_code == 0
    result = run(path, "add", "Acme", "https://jobs.ashbyhq.com/acme")
    assert result.exit_code == 2 and "already fetched as source" in result.output


def test_config_boards_of_the_new_kinds_are_checked() -> None:
    cfg = parse_config('[[boards]]\nkind = "workday"\ncompany = "sabre.wd1/SabreJobs"\n')
    assert cfg.boards[0].kind == "workday"
    with pytest.raises(Exception, match=r"boards\[0\]\.company: 'sabre' is no Workday board name"):
        parse_config('[[boards]]\nkind = "workday"\ncompany = "sabre"\n')
    with pytest.raises(Exception, match=r"boards\[0\]\.kind: expected one of workday, greenhouse"):
        parse_config('[[boards]]\nkind = "taleo"\ncompany = "x"\n')


def test_a_one_response_board_that_moved_is_followed_and_flagged(
    lite: Database, http_server: LocalServer
) -> None:
    http_server.routes["/api/offers/"] = redirect(http_server.url("/new/api/offers/"), 301)
    http_server.routes["/new/api/offers/"] = reply((DATA / "recruitee-acme.json").read_bytes())
    sid = watch(lite, http_server, "recruitee", "/api/offers/", "Acme")
    result = fetch_source(lite, sid, config())
    assert (result.status, result.entries) == ("ok", 1)
    assert (
        f"the Recruitee board now answers at {http_server.url('/new/api/offers/')}"
        in result.warnings
    )

    http_server.routes["/api/offers/"] = redirect(http_server.url("/careers-page"), 301)
    http_server.routes["/careers-page"] = reply(b"<html><body>We moved to a new site</body></html>")
    moved = fetch_source(lite, sid, config(), force=True)
    assert moved.status == "failed"
    assert "not a Recruitee job board response" in moved.error
    assert f"(redirected to {http_server.url('/careers-page')})" in moved.error
