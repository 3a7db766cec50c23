"""Career-site APIs of Workday, Ashby, SmartRecruiters, Workable, Recruitee and Personio as
postings, careers URLs recognised from any page of a site, and `jobdigest parse` on saved
responses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.cli import cli
from parsers.ats import smartrecruiters, workday
from parsers.boards import parse_board, parse_board_entries
from parsers.careers import KINDS, UnknownCareersSite, recognise, site_for

DATA = Path(__file__).parent / "data" / "boards"
SABRE_API = "https://sabre.wd1.myworkdayjobs.com/wday/cxs/sabre/SabreJobs/jobs"


def load(name: str) -> bytes:
    return (DATA / name).read_bytes()


# -- Workday ----------------------------------------------------------------------------------


def test_workday_job_list_gives_titles_links_and_places_before_the_details() -> None:
    result = parse_board_entries(load("workday-sabre-jobs.json"), SABRE_API, kind="workday")
    assert result is not None
    item, entries = result
    brand, social, engineer = item.postings
    assert (brand.title, brand.company, brand.location) == (
        "Senior Brand Manager",
        "Sabre",
        "Southlake, TX",
    )
    assert brand.url == (
        "https://sabre.wd1.myworkdayjobs.com/SabreJobs/job/Southlake-TX/Senior-Brand-Manager_R240311"
    )
    assert social.remote and social.location == ""  # "2 Locations" is a count, not a place
    assert engineer.title == "Senior Software Engineer, Pricing"
    assert [e.key for e in entries][0] == "/job/Southlake-TX/Senior-Brand-Manager_R240311"
    assert all(p.origin == "workday" for p in item.postings)


def test_workday_detail_completes_the_list_item() -> None:
    listed = workday.page(json.loads(load("workday-sabre-jobs.json")))
    assert listed is not None and listed.total == 3
    detail = json.loads(load("workday-sabre-job.json"))
    entry = workday.entry(listed.items[0], detail, api_url=SABRE_API, company="Sabre")
    posting = entry.posting
    assert posting.company == "Sabre"  # the watch's name, not "Sabre GLBL Inc."
    assert posting.location == "Southlake, TX; Dallas, TX"
    assert posting.posted_at == "2026-11-20" and not posting.remote  # "Hybrid"
    assert "Own the Sabre brand across travel retail & airline partners." in posting.description
    assert "• Lead brand campaigns" in posting.description and "<" not in posting.description
    assert entry.key == "/job/Southlake-TX/Senior-Brand-Manager_R240311"
    assert workday.detail_url(SABRE_API, listed.items[0]) == (
        "https://sabre.wd1.myworkdayjobs.com/wday/cxs/sabre/SabreJobs/job/Southlake-TX/"
        "Senior-Brand-Manager_R240311"
    )


def test_workday_detail_alone_names_the_hiring_organisation() -> None:
    item = parse_board(load("workday-sabre-job.json"), "saved.json")
    assert item is not None and item.error is None
    (posting,) = item.postings
    assert posting.company == "Sabre GLBL Inc."
    assert posting.canonical_url.endswith(
        "/SabreJobs/job/Southlake-TX/Senior-Brand-Manager_R240311"
    )


def test_workday_asks_for_twenty_jobs_a_page_with_an_empty_query() -> None:
    url, body = workday.page_request(SABRE_API, 40)
    assert url == SABRE_API
    assert json.loads(body) == {"limit": 20, "offset": 40, "appliedFacets": {}, "searchText": ""}


# -- the others ------------------------------------------------------------------------------


def test_ashby_board_with_compensation_skips_unlisted_jobs() -> None:
    url = "https://api.ashbyhq.com/posting-api/job-board/acme?includeCompensation=true"
    item = parse_board(load("ashby-acme.json"), url, kind="ashby")
    assert item is not None
    growth, data = item.postings  # the unlisted "Internal Transfer Only" job is not there
    assert (growth.title, growth.company, growth.salary) == (
        "Growth Marketing Manager",
        "Acme",
        "$120K - $140K",
    )
    assert growth.location == "Dallas, TX; Austin, TX" and not growth.remote
    assert growth.posted_at == "2026-11-18T16:21:55Z"
    assert data.remote and data.description == "Pipelines in Python and dbt."


def test_smartrecruiters_list_and_detail() -> None:
    listed = smartrecruiters.page(json.loads(load("smartrecruiters-bosch-postings.json")))
    assert listed is not None and listed.total == 2
    detail = json.loads(load("smartrecruiters-bosch-posting.json"))
    posting = smartrecruiters.entry(listed.items[0], detail).posting
    assert (posting.title, posting.company) == ("Product Marketing Manager", "Bosch Group")
    assert posting.location == "Farmington Hills, MI, United States"
    assert "Launch our e-bike drive units" in posting.description
    assert "5+ years of product marketing." in posting.description
    assert "we shape the future" not in posting.description  # company boilerplate left out
    assert posting.canonical_url == "https://jobs.smartrecruiters.com/BoschGroup/744000012345678"
    student = smartrecruiters.entry(listed.items[1], None).posting
    assert student.remote and student.location == "Stuttgart, DE"
    api = "https://api.smartrecruiters.com/v1/companies/BoschGroup/postings"
    assert smartrecruiters.page_request(api, 100) == (f"{api}?offset=100&limit=100", None)
    assert smartrecruiters.detail_url(api, listed.items[0]) == f"{api}/744000012345678"


def test_workable_widget() -> None:
    item = parse_board(
        load("workable-acme.json"), "https://apply.workable.com/api/v1/widget/accounts/acme"
    )
    assert item is not None
    analyst, success = item.postings
    assert (analyst.company, analyst.location, analyst.posted_at) == (
        "Acme Analytics",
        "Plano, Texas, United States",
        "2026-11-17",
    )
    assert analyst.description == "Build the FP&A models." and analyst.origin == "workable"
    assert success.remote  # telecommuting


def test_recruitee_offers() -> None:
    item = parse_board(load("recruitee-acme.json"), "https://acme.recruitee.com/api/offers/")
    assert item is not None
    (hr,) = item.postings
    assert (hr.title, hr.company, hr.location) == (
        "HR Business Partner",
        "Acme B.V.",
        "Amsterdam, Netherlands",
    )
    assert hr.posted_at == "2026-11-18T09:15:00Z" and hr.salary == "EUR 55,000–70,000 per year"
    assert "• Dutch and English" in hr.description


def test_personio_xml_feed() -> None:
    url = "https://acme.jobs.personio.de/xml?language=en"
    result = parse_board_entries(load("personio-acme.xml"), url, kind="personio")
    assert result is not None
    item, entries = result
    marketing, accountant = item.postings
    assert marketing.title == "Performance Marketing Manager (m/f/d)"
    assert marketing.company == "Acme Energie GmbH"  # the position's subcompany
    assert accountant.company == "Acme"  # else the career site's name
    assert marketing.url == "https://acme.jobs.personio.de/job/2800938"
    assert marketing.location == "Berlin" and marketing.remote  # "Berlin (Remote)" too
    assert "• Run paid social & search" in marketing.description
    assert [e.key for e in entries] == ["2800938", "2800951"]


def test_personio_xml_is_read_without_entities_or_network() -> None:
    evil = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<workzag-jobs><position><id>1</id><name>&secret;Analyst</name></position></workzag-jobs>"""
    item = parse_board(evil, "https://acme.jobs.personio.de/xml")
    assert item is not None
    assert "root:" not in item.postings[0].title


@settings(max_examples=60, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.sampled_from(["jobs", "jobPostings", "content", "offers",
                                                       "jobPostingInfo", "title", "name", "id",
                                                       "externalPath", "location", "total"]),
                                      inner, max_size=5),
                    max_leaves=20))  # fmt: skip
def test_odd_json_never_raises(doc: object) -> None:
    data = json.dumps(doc).encode()
    for kind in ("", *KINDS):
        result = parse_board_entries(data, "https://example.org/x", kind=kind)
        assert result is None or result[0].kind == "board"


# -- careers URLs ------------------------------------------------------------------------------

SABRE = ("workday", "sabre.wd1/SabreJobs", SABRE_API)
RECOGNISED = [
    ("https://sabre.wd1.myworkdayjobs.com/SabreJobs", SABRE),
    ("https://sabre.wd1.myworkdayjobs.com/en-US/SabreJobs", SABRE),
    ("https://sabre.wd1.myworkdayjobs.com/en-US/SabreJobs/job/Southlake-TX/Senior-Brand-Manager_R240311", SABRE),
    ("https://sabre.wd1.myworkdayjobs.com/SabreJobs/job/Southlake-TX/Senior-Brand-Manager_R240311/apply", SABRE),
    ("https://sabre.wd1.myworkdayjobs.com/fr-CA/SabreJobs/details/Brand-Manager_R1?q=brand", SABRE),
    ("https://sabre.wd1.myworkdayjobs.com/wday/cxs/sabre/SabreJobs/jobs", SABRE),
    ("sabre.wd1.myworkdayjobs.com/SabreJobs", SABRE),
    ("https://wd3.myworkdaysite.com/en-US/recruiting/acme/External/job/Dallas/Analyst_R9",
     ("workday", "acme.wd3/External", "https://wd3.myworkdaysite.com/wday/cxs/acme/External/jobs")),
    ("https://boards.greenhouse.io/embed/job_board?for=acme",
     ("greenhouse", "acme", "https://boards-api.greenhouse.io/v1/boards/acme/jobs?content=true")),
    ("https://boards.greenhouse.io/embed/job_app?for=acme&token=4012345006",
     ("greenhouse", "acme", "https://boards-api.greenhouse.io/v1/boards/acme/jobs?content=true")),
    ("https://job-boards.greenhouse.io/acme/jobs/4012345006?gh_src=x",
     ("greenhouse", "acme", "https://boards-api.greenhouse.io/v1/boards/acme/jobs?content=true")),
    ("https://jobs.lever.co/initech/5a1f0e6c-2c1d-4b5e-9f1a-0d3c2b1a0f9e/apply",
     ("lever", "initech", "https://api.lever.co/v0/postings/initech?mode=json")),
    ("https://jobs.ashbyhq.com/acme/7458d4e9-da2e-47bd-98cb-adfda43d42b2/application",
     ("ashby", "acme", "https://api.ashbyhq.com/posting-api/job-board/acme?includeCompensation=true")),
    ("https://jobs.ashbyhq.com/acme/embed?version=2",
     ("ashby", "acme", "https://api.ashbyhq.com/posting-api/job-board/acme?includeCompensation=true")),
    ("https://careers.smartrecruiters.com/BoschGroup",
     ("smartrecruiters", "BoschGroup", "https://api.smartrecruiters.com/v1/companies/BoschGroup/postings")),
    ("https://jobs.smartrecruiters.com/BoschGroup/744000012345678-product-marketing-manager",
     ("smartrecruiters", "BoschGroup", "https://api.smartrecruiters.com/v1/companies/BoschGroup/postings")),
    ("https://jobs.smartrecruiters.com/oneclick-ui/company/BoschGroup/publication/3f2a1b0c",
     ("smartrecruiters", "BoschGroup", "https://api.smartrecruiters.com/v1/companies/BoschGroup/postings")),
    ("https://apply.workable.com/acme/j/5A1B2C3D4E/apply",
     ("workable", "acme", "https://apply.workable.com/api/v1/widget/accounts/acme?details=true")),
    ("https://acme.workable.com/jobs/123",
     ("workable", "acme", "https://apply.workable.com/api/v1/widget/accounts/acme?details=true")),
    ("https://acme.recruitee.com/o/hr-business-partner/c/new",
     ("recruitee", "acme", "https://acme.recruitee.com/api/offers/")),
    ("https://acme.jobs.personio.de/job/2800938?language=en&display=en",
     ("personio", "acme", "https://acme.jobs.personio.de/xml?language=en")),
    ("https://acme.jobs.personio.com/",
     ("personio", "acme", "https://acme.jobs.personio.de/xml?language=en")),
]  # fmt: skip


@pytest.mark.parametrize(("url", "expected"), RECOGNISED, ids=[u for u, _ in RECOGNISED])
def test_any_careers_url_names_its_board(url: str, expected: tuple[str, str, str]) -> None:
    site = recognise(url)
    assert (site.kind, site.ident, site.api_url) == expected


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("https://example.com/careers", "example.com is not a career site of a system"),
        ("https://acme.personio.de/", "Personio sign-in for employees"),
        ("https://apply.workable.com/j/5A1B2C3D4E", "does not name the company's account"),
        ("https://sabre.wd1.myworkdayjobs.com/", "names no career site"),
        ("mailto:jobs@example.com", "not a web address"),
    ],
)
def test_unknown_careers_urls_say_why(url: str, says: str) -> None:
    with pytest.raises(UnknownCareersSite, match=says):
        recognise(url)


def test_board_ids_in_the_config() -> None:
    assert site_for("workday", "sabre.wd1/SabreJobs").api_url == SABRE_API
    assert site_for("workday", "https://sabre.wd1.myworkdayjobs.com/SabreJobs").api_url == SABRE_API
    assert site_for("ashby", "acme").careers_url == "https://jobs.ashbyhq.com/acme"
    with pytest.raises(UnknownCareersSite, match="is a Ashby address, not Workday"):
        site_for("workday", "https://jobs.ashbyhq.com/acme")
    with pytest.raises(UnknownCareersSite, match="no Workday board name"):
        site_for("workday", "sabre")


# -- jobdigest parse on saved responses ------------------------------------------------------


def test_parse_reads_saved_responses_of_every_system() -> None:
    files = [
        "workday-sabre-jobs.json",
        "workday-sabre-job.json",
        "ashby-acme.json",
        "smartrecruiters-bosch-postings.json",
        "smartrecruiters-bosch-posting.json",
        "workable-acme.json",
        "recruitee-acme.json",
        "personio-acme.xml",
    ]
    result = CliRunner().invoke(cli, ["parse", *(str(DATA / f) for f in files)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [Path(line["file"]).name for line in lines] == files
    assert {line["kind"] for line in lines} == {"board"}
    assert all(line["error"] is None and line["postings"] for line in lines)
    origins = [line["postings"][0]["origin"] for line in lines]
    assert origins == ["workday", "workday", "ashby", "smartrecruiters", "smartrecruiters",
                       "workable", "recruitee", "personio"]  # fmt: skip
    assert lines[-1]["postings"][0]["title"] == "Performance Marketing Manager (m/f/d)"
