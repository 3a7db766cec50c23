"""schema.org JobPosting read from saved pages, including the invalid JSON career sites publish."""

from __future__ import annotations

from pathlib import Path

from parsers.jsonld import loads_lenient, page_jobs, parse_jobpostings

PAGES = Path(__file__).parent / "data" / "pages"


def page(name: str) -> str:
    return (PAGES / name).read_text(encoding="utf-8")


def test_graph_posting_with_salary_range_location_and_html_description() -> None:
    [job] = page_jobs(page("jsonld_graph.html"))
    p = job.posting
    assert p.title == "Senior Data Analyst"
    assert p.company == "Acme Analytics, Inc."
    assert p.location == "Dallas, TX"
    assert p.remote is False
    assert p.salary == "USD 90,000–110,000 per year"
    assert p.posted_at == "2026-11-18"
    assert job.valid_through == "2026-12-31T23:59:59-06:00"
    assert p.description == "Own the reporting stack.\n\n• SQL\n• Tableau"  # a list reads as one
    # The page's canonical link, without its tracking parameter.
    assert (
        p.canonical_url == "https://careers.acme-analytics.example/jobs/4012345-senior-data-analyst"
    )
    assert p.origin == "jsonld"


def test_invalid_json_is_repaired() -> None:
    [p] = parse_jobpostings(page("jsonld_broken.html"))
    assert p.title == 'Remote "Growth" Marketing Lead'
    assert p.company == "Northwind Traders"
    assert p.remote is True
    assert p.location == "USA"
    assert p.salary == "USD 55.50 per hour"
    assert p.description == "Lead growth. Work from anywhere in the US."
    assert p.canonical_url == "https://jobs.lever.co/northwind/0f0e8c3d-1234-4abc-9def-0123456789ab"


def test_list_of_postings_with_string_and_list_shapes() -> None:
    postings = parse_jobpostings(page("jsonld_list.html"), url="https://lakeside.example/jobs")
    assert [p.title for p in postings] == ["Warehouse Supervisor", "Forklift Operator"]
    assert postings[0].company == "Lakeside Foods"
    assert postings[0].location == "Irving, TX; Toronto, ON, CA"
    assert postings[0].salary == "USD 62,000"
    assert postings[1].location == "Irving, TX"
    assert postings[1].url == "https://lakeside.example/jobs"


def test_microdata_fallback() -> None:
    [p] = parse_jobpostings(page("microdata.html"))
    assert (p.title, p.company, p.location, p.posted_at) == (
        "Payroll Specialist",
        "Contoso Health",
        "Plano, TX",
        "2026-11-10",
    )


def test_opengraph_fallback_only_for_job_pages() -> None:
    [p] = parse_jobpostings(page("opengraph_only.html"))
    assert p.title == "Account Executive, Mid-Market"
    assert p.company == "Fabrikam"
    assert parse_jobpostings(page("not_a_job.html")) == []


def test_lenient_loader_handles_wrappers_and_trailing_commas() -> None:
    assert loads_lenient('<!-- {"a": [1, 2,],} -->') == [{"a": [1, 2]}]
    assert loads_lenient('<![CDATA[{"t": "line one\nline two"}]]>') == [{"t": "line one\nline two"}]
    assert loads_lenient('{"a": 1} {"b": 2}') == [{"a": 1}, {"b": 2}]
    assert loads_lenient("{ not json at all") == []
    assert loads_lenient("") == []


def test_hostile_pages_do_not_crash() -> None:
    deep = '<script type="application/ld+json">' + "[" * 100_000 + "</script>"
    assert parse_jobpostings(deep) == []
    assert parse_jobpostings("") == []
    assert (
        parse_jobpostings('<script type="application/ld+json">{"@type": "JobPosting"}</script>')
        == []
    )
