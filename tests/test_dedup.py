"""One posting per job across sources: `same_job` forgives how sources write a job and still
keeps true near-misses apart; the ingest stage merges by it; the labelled set meets its targets."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from benchmarks.dedup import TARGET_PRECISION, TARGET_RECALL, load_pairs, score
from digest.ingest.record import store_postings
from digest.store.db import Database
from digest.store.models import Posting
from parsers.company import same_company
from parsers.fingerprint import fingerprint, same_job, title_key
from parsers.location import same_place
from parsers.model import Posting as Parsed

GREENHOUSE = "https://boards.greenhouse.io/sabre/jobs/4012345"


def job(
    title: str, company: str = "Sabre", location: str = "Southlake, TX", url: str = ""
) -> Parsed:
    return Parsed(title=title, company=company, location=location, url=url, canonical_url=url)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Senior Brand Manager", "Sr. Brand Manager"),
        ("Senior Brand Manager", "Sr Brand Mgr"),
        ("Software Engineer II", "Software Engineer 2"),
        ("Software Engineer II", "Software Engineer, Level II"),
        ("Brand Manager", "Brand Manager – Remote"),
        ("Brand Manager", "Brand Manager (Southlake, TX)"),
        ("Brand Manager", "Brand Manager - Southlake, Texas (Hybrid)"),
        ("Senior Financial Analyst", "Senior Financial Analyst (R12345)"),
        ("FP&A Analyst", "Analyst, FP&A"),
        ("VP of Sales", "Vice President, Sales"),
        ("Controller", "Controller (m/w/d)"),
    ],
)
def test_the_same_title_written_by_another_source(a: str, b: str) -> None:
    assert title_key(a, "Southlake, TX") == title_key(b, "Southlake, TX")
    assert same_job(job(a), job(b))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Brand Manager", "Associate Brand Manager"),
        ("Brand Manager", "Senior Brand Manager"),
        ("Data Engineer", "Senior Data Analyst"),
        ("Software Engineer II", "Software Engineer III"),
        ("Product Manager", "Product Marketing Manager"),
        ("Accountant", "Senior Accountant"),
    ],
)
def test_near_miss_titles_are_other_jobs(a: str, b: str) -> None:
    assert not same_job(job(a), job(b))


def test_companies_and_places_written_differently_are_the_same() -> None:
    assert same_company("Sabre", "Sabre Corporation")
    assert same_company("SABRE, Inc.", "Sabre Corp.")
    assert same_company("IBM", "International Business Machines Corporation")
    assert same_company("Dell", "Dell Technologies Inc.")
    assert not same_company("Texas", "Texas Instruments")
    assert not same_company("American Airlines", "American Express")
    assert same_place("Dallas, TX", "Dallas, Texas, United States")
    assert same_place("Dallas, TX", "")  # not stated: no evidence against
    assert same_place("Remote", "Dallas, TX")
    assert not same_place("Portland, OR", "Portland, ME")
    assert not same_place("Dallas, TX", "Austin, TX")


def test_same_title_elsewhere_or_at_another_company_is_another_job() -> None:
    base = job("Senior Brand Manager")
    assert not same_job(base, job("Senior Brand Manager", company="Southwest Airlines"))
    assert not same_job(base, job("Senior Brand Manager", location="Austin, TX"))


def test_url_identity_across_mirrors() -> None:
    card = job(
        "Sr. Brand Mgr",
        location="",
        url="https://www.linkedin.com/jobs/view/externalApply/3912345678?url="
        "https%3A%2F%2Fboards.greenhouse.io%2Fsabre%2Fjobs%2F4012345%3Fgh_src%3Dli",
    )
    board = job("Senior Brand Manager, Loyalty", url=GREENHOUSE + "?gh_src=abc")
    assert same_job(card, board)  # the card's apply link is the board posting
    other = job("Senior Brand Manager", url="https://boards.greenhouse.io/sabre/jobs/4099999")
    assert not same_job(job("Senior Brand Manager", url=GREENHOUSE), other)  # two requisitions


def test_fingerprint_forgives_spelling_but_not_the_job() -> None:
    assert fingerprint("Sr. Brand Mgr - Remote", "SABRE Corp", "Southlake, Texas") == fingerprint(
        "Senior Brand Manager", "Sabre", "Southlake, TX, United States"
    )
    assert fingerprint("Brand Manager", "Sabre") != fingerprint("Associate Brand Manager", "Sabre")


def test_labelled_set_meets_its_targets() -> None:
    result = score(load_pairs())
    assert result["precision"] >= TARGET_PRECISION
    assert result["recall"] >= TARGET_RECALL


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.dispose()


def count(db: Database) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(Posting)) or 0)


def test_ingest_keeps_one_posting_for_a_linkedin_card_and_the_board_posting(db: Database) -> None:
    linkedin = job(
        "Senior Brand Manager",
        location="Southlake, TX",
        url="https://www.linkedin.com/jobs/view/3912345678/",
    )
    board = job(
        "Sr. Brand Manager", "Sabre Corporation", "Southlake, Texas, United States", GREENHOUSE
    )
    with db.session() as s:
        first = store_postings(s, [linkedin])
    with db.session() as s:
        second = store_postings(s, [board])
    assert first == second and count(db) == 1


def test_ingest_keeps_near_misses_and_second_requisitions_apart(db: Database) -> None:
    with db.session() as s:
        store_postings(
            s,
            [
                job("Brand Manager", url=GREENHOUSE),
                job("Associate Brand Manager"),
                job("Brand Manager", url="https://boards.greenhouse.io/sabre/jobs/4099999"),
                job("Brand Manager", company="Southwest Airlines"),
            ],
        )
    assert count(db) == 4
