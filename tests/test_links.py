"""Job links: unwrapping redirectors, one canonical URL per posting, telling postings from chrome."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from parsers.links import (
    canonicalize_url,
    find_urls,
    is_job_url,
    job_id_key,
    title_from_url,
    unwrap_redirect,
)


def safelink(url: str) -> str:
    return f"https://nam12.safelinks.protection.outlook.com/?url={quote(url, safe='')}&data=05%7C01&reserved=0"


def test_find_urls_in_running_text() -> None:
    text = (
        "See <https://a.example/jobs/1>, and (https://b.example/wiki/X_(y)) then "
        "https://c.example/jobs/2. Also www.d.example/careers/job/123! and &amp; "
        "https://e.example/?a=1&amp;b=2"
    )
    assert find_urls(text) == [
        "https://a.example/jobs/1",
        "https://b.example/wiki/X_(y)",
        "https://c.example/jobs/2",
        "https://www.d.example/careers/job/123",
        "https://e.example/?a=1&b=2",
    ]


@pytest.mark.parametrize(
    ("wrapped", "target"),
    [
        (safelink("https://jobs.example.com/job/1"), "https://jobs.example.com/job/1"),
        (
            "https://www.google.com/url?q=https://x.example/jobs/9?a%3D1&sa=D&ust=1",
            "https://x.example/jobs/9?a=1",
        ),
        (
            "https://www.linkedin.com/comm/jobs/view/3912345678/?trk=x",
            "https://www.linkedin.com/jobs/view/3912345678/?trk=x",
        ),
        (
            "https://click.mail.example/ls/click?redirect="
            + quote(
                "https://t.example/r?url=" + quote("https://x.example/jobs/1", safe=""), safe=""
            ),
            "https://x.example/jobs/1",
        ),
        (
            "https://l.facebook.com/l.php?u=https%3A%2F%2Fx.example%2Fjobs%2F5&h=AT0",
            "https://x.example/jobs/5",
        ),
        ("https://trk.example/c/aHR0cHM6Ly94LmV4YW1wbGUvam9icy83", "https://x.example/jobs/7"),
        (
            "https://x.example/jobs/1?u=123&redirect=/home",
            "https://x.example/jobs/1?u=123&redirect=/home",
        ),
    ],
    ids=[
        "safelinks",
        "google",
        "linkedin-comm",
        "nested",
        "facebook",
        "base64-path",
        "no-redirect",
    ],
)
def test_unwrap_redirect(wrapped: str, target: str) -> None:
    assert unwrap_redirect(wrapped) == target


@pytest.mark.parametrize(
    ("url", "canonical", "key"),
    [
        (
            "https://www.linkedin.com/comm/jobs/view/3912345678/?trackingId=abc&refId=x",
            "https://www.linkedin.com/jobs/view/3912345678/",
            "linkedin:3912345678",
        ),
        (
            "https://uk.linkedin.com/jobs/view/senior-marketing-manager-at-sabre-3912345678?trk=eml",
            "https://www.linkedin.com/jobs/view/3912345678/",
            "linkedin:3912345678",
        ),
        (
            "https://www.linkedin.com/jobs/collections/recommended/?currentJobId=3912345678&origin=x",
            "https://www.linkedin.com/jobs/view/3912345678/",
            "linkedin:3912345678",
        ),
        (
            "https://www.indeed.com/rc/clk?jk=0123456789ABCDEF&from=ja&tk=1",
            "https://www.indeed.com/viewjob?jk=0123456789abcdef",
            "indeed:0123456789abcdef",
        ),
        (
            "https://ca.indeed.com/pagead/clk?mo=r&ad=-6NY&vjk=fedcba9876543210&p=1",
            "https://www.indeed.com/viewjob?jk=fedcba9876543210",
            "indeed:fedcba9876543210",
        ),
        (
            "https://www.indeed.com/m/viewjob?jk=00112233aabbccdd",
            "https://www.indeed.com/viewjob?jk=00112233aabbccdd",
            "indeed:00112233aabbccdd",
        ),
        (
            "https://www.glassdoor.com/partner/jobListing.htm?pos=101&jobListingId=1009123456789",
            "https://www.glassdoor.com/job-listing/j?jl=1009123456789",
            "glassdoor:1009123456789",
        ),
        (
            "https://boards.greenhouse.io/sabre/jobs/4567890?gh_src=abc",
            "https://job-boards.greenhouse.io/sabre/jobs/4567890",
            "greenhouse:4567890",
        ),
        (
            "https://job-boards.greenhouse.io/sabre/jobs/4567890",
            "https://job-boards.greenhouse.io/sabre/jobs/4567890",
            "greenhouse:4567890",
        ),
        (
            "https://www.acme.example/careers/?gh_jid=4567890&gh_src=li",
            "https://www.acme.example/careers/?gh_jid=4567890",
            "greenhouse:4567890",
        ),
        (
            "https://jobs.lever.co/acme/0F0E8C3D-1234-4abc-9def-0123456789ab/apply?lever-source=LinkedIn",
            "https://jobs.lever.co/acme/0f0e8c3d-1234-4abc-9def-0123456789ab",
            "lever:0f0e8c3d-1234-4abc-9def-0123456789ab",
        ),
        (
            "https://sabre.wd1.myworkdayjobs.com/en-US/SabreJobs/job/Southlake-TX/Marketing-Manager_JR109876/apply?source=LinkedIn",
            "https://sabre.wd1.myworkdayjobs.com/SabreJobs/job/Southlake-TX/Marketing-Manager_JR109876",
            "workday:sabre:jr109876",
        ),
        (
            "https://jobs.smartrecruiters.com/Visa/743999912345678-senior-analyst?trid=x",
            "https://jobs.smartrecruiters.com/Visa/743999912345678",
            "smartrecruiters:743999912345678",
        ),
        (
            "https://jobs.ashbyhq.com/notion/0f0e8c3d-1234-4abc-9def-0123456789ab/application",
            "https://jobs.ashbyhq.com/notion/0f0e8c3d-1234-4abc-9def-0123456789ab",
            "ashby:0f0e8c3d-1234-4abc-9def-0123456789ab",
        ),
    ],
)
def test_known_boards_get_one_canonical_url_and_key(url: str, canonical: str, key: str) -> None:
    assert canonicalize_url(url) == canonical
    assert job_id_key(url) == key
    assert job_id_key(safelink(url)) == key  # wrapped or not, same posting


def test_generic_canonical_form() -> None:
    url = "HTTPS://Careers.Example.COM:443/jobs/123-analyst?b=2&utm_source=x&a=1&fbclid=z&mc_cid=q&trk=t#apply"
    assert canonicalize_url(url) == "https://careers.example.com/jobs/123-analyst?a=1&b=2"
    assert job_id_key(url) is None
    # Hash-routed single-page job sites keep their route.
    assert canonicalize_url("https://jobs.example.com/#/job/991").endswith("#/job/991")


@pytest.mark.parametrize(
    "url",
    [
        "https://careers.sabre.com/job/Southlake-Senior-Marketing-Manager/1234/",
        "https://www.example.com/careers/job-detail?jobId=5521",
        "https://careers-acme.icims.com/jobs/4432/marketing-manager/job",
        "https://apply.workable.com/acme/j/AB12CD34EF/",
        "https://www.linkedin.com/comm/jobs/view/3912345678/",
        safelink("https://www.indeed.com/rc/clk?jk=0123456789abcdef"),
    ],
)
def test_posting_links_are_job_urls(url: str) -> None:
    assert is_job_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://sabre.com/careers/",
        "https://www.sabre.com/",
        "https://www.linkedin.com/comm/in/alice",
        "https://www.linkedin.com/company/sabre/jobs/",
        "https://www.linkedin.com/jobs/search/?keywords=marketing",
        "https://www.linkedin.com/comm/psettings/email-unsubscribe?lipi=x",
        "https://www.indeed.com/jobs?q=analyst&l=Dallas",
        "https://jobs.example.com/unsubscribe?u=1",
        "https://careers.example.com/help/faq",
        "https://www.facebook.com/sabrecareers",
        "https://careers.example.com/images/logo-2024.png",
        "mailto:jobs@example.com",
        "not a url",
    ],
)
def test_chrome_links_are_not_job_urls(url: str) -> None:
    assert not is_job_url(url)


def test_title_from_url_slug() -> None:
    assert title_from_url(
        "https://www.linkedin.com/jobs/view/senior-marketing-manager-at-sabre-3912345678"
    ) == (
        "Senior Marketing Manager",
        "Sabre",
    )
    assert title_from_url(
        "https://x.wd1.myworkdayjobs.com/en-US/Ext/job/Dallas-TX/Supply-Chain-Analyst_R-20431/apply"
    ) == ("Supply Chain Analyst", "")
    assert title_from_url("https://example.com/") == ("", "")


def test_title_from_smartrecruiters_and_workday_punctuation_slugs() -> None:
    assert title_from_url(
        "https://jobs.smartrecruiters.com/GlobexCorp/743999912345678-payroll-manager?trid=1"
    ) == ("Payroll Manager", "")
    assert title_from_url("https://jobs.smartrecruiters.com/GlobexCorp/743999912345678") == (
        "",
        "",
    )
    # Workday writes "Tax Manager, M&A" as "Tax-Manager--M-A".
    assert title_from_url(
        "https://hooli.wd5.myworkdayjobs.com/en-US/Careers/job/Austin-TX/Tax-Manager--M-A_JR1042"
    ) == ("Tax Manager, M&A", "")
