"""Greenhouse and Lever job-board API responses as postings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parsers.boards import company_from_slug, parse_board, parse_board_entries

DATA = Path(__file__).parent / "data" / "boards"
GREENHOUSE_URL = "https://boards-api.greenhouse.io/v1/boards/acme/jobs?content=true"
LEVER_URL = "https://api.lever.co/v0/postings/initech?mode=json"


def test_greenhouse_board() -> None:
    result = parse_board_entries((DATA / "greenhouse-acme.json").read_bytes(), GREENHOUSE_URL)
    assert result is not None
    item, entries = result
    assert item.kind == "board" and item.error is None
    marketing, finance = item.postings
    assert marketing.title == "Senior Product Marketing Manager"
    assert marketing.origin == finance.origin == "greenhouse"
    # The board's own name is used for every job, even those that do not repeat it.
    assert marketing.company == finance.company == "Acme Robotics"
    assert (marketing.location, marketing.remote) == ("Remote - US", True)
    assert (finance.location, finance.remote) == ("Dallas, TX", False)
    assert marketing.posted_at == "2024-05-28T13:00:00Z"  # first_published, in UTC
    assert finance.posted_at == "2024-06-04T13:00:00Z"  # updated_at when never published
    assert marketing.url.startswith("https://boards.greenhouse.io/acme/jobs/4012345006")
    assert "gh_src" not in marketing.canonical_url
    # content arrives entity-escaped: it is unescaped, sanitized and flattened.
    assert "What you'll do" in marketing.description
    assert "• Own positioning & messaging" in marketing.description
    assert "steal" not in marketing.description and "<" not in marketing.description
    assert [e.key for e in entries] == ["4012345006", "4012345007"]


def test_lever_board() -> None:
    item = parse_board((DATA / "lever-initech.json").read_bytes(), LEVER_URL)
    assert item is not None and item.kind == "board"
    planner, support = item.postings
    assert (planner.title, planner.company, planner.location) == (
        "Supply Chain Planner",
        "Initech",
        "Austin, TX",
    )
    assert planner.origin == "lever" and not planner.remote
    assert planner.posted_at == "2024-06-03T15:00:00Z"  # createdAt is in milliseconds
    assert planner.salary == "USD 70,000–90,000 per year salary"
    assert "Keep our parts moving." in planner.description
    assert "• Excel & SAP" in planner.description and "Requirements" in planner.description
    assert support.remote  # workplaceType "remote"
    assert support.url == "https://jobs.lever.co/initech/7b2e1f7d-3d2e-5c6f-0a2b-1e4d3c2b1a0f"


def test_board_titles_are_not_split_like_feed_titles() -> None:
    job = {
        "jobs": [
            {
                "id": 1,
                "title": "Engineer - Platform - Berlin",
                "absolute_url": "https://boards.greenhouse.io/x/jobs/1",
                "location": {"name": "Berlin"},
                "updated_at": "2024-01-01T00:00:00Z",
            }
        ]
    }
    item = parse_board(
        json.dumps(job).encode(), "https://boards-api.greenhouse.io/v1/boards/x/jobs"
    )
    assert item is not None and item.postings[0].title == "Engineer - Platform - Berlin"


def test_company_from_config_wins_and_slugs_are_readable() -> None:
    data = (DATA / "lever-initech.json").read_bytes()
    item = parse_board(data, LEVER_URL, company="Initech, Inc.")
    assert item is not None and {p.company for p in item.postings} == {"Initech, Inc."}
    assert company_from_slug("acme-robotics") == "Acme Robotics"
    assert company_from_slug("OpenAI") == "OpenAI"


def test_empty_boards() -> None:
    greenhouse = parse_board(b'{"jobs": [], "meta": {"total": 0}}', GREENHOUSE_URL)
    lever = parse_board(b"[]", LEVER_URL)
    assert greenhouse is not None and greenhouse.postings == []
    assert lever is not None and lever.postings == []


@pytest.mark.parametrize(
    "data",
    [
        b'{"ok": false, "error": "Document not found"}',
        b'{"status": 404, "error": "Not found"}',
        b'[{"name": "not a posting"}]',
        b"[]",
        b"<rss/>",
        b"",
        b'{"version": "https://jsonfeed.org/version/1.1", "items": []}',
    ],
)
def test_other_json_is_not_a_board(data: bytes) -> None:
    assert parse_board(data, "https://example.org/api") is None


def test_odd_jobs_are_skipped_not_fatal() -> None:
    data = json.dumps(
        {
            "jobs": [
                None,
                3,
                {"title": "Buyer", "absolute_url": "https://x.example/1", "location": "?"},
            ]
        }
    ).encode()
    item = parse_board(data, GREENHOUSE_URL)
    assert item is not None
    assert [p.title for p in item.postings] == ["Buyer"]
    assert item.postings[0].location == ""


@settings(max_examples=150, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.dictionaries(
                st.sampled_from(
                    [
                        "jobs",
                        "title",
                        "absolute_url",
                        "location",
                        "text",
                        "hostedUrl",
                        "categories",
                        "createdAt",
                        "content",
                        "id",
                        "lists",
                        "salaryRange",
                    ]
                ),
                inner,
                max_size=5,
            )
        ),
        max_leaves=20,
    )
)
def test_arbitrary_json_never_raises(doc: object) -> None:
    parse_board(json.dumps(doc).encode(), LEVER_URL)
    parse_board(json.dumps(doc).encode(), GREENHOUSE_URL)
