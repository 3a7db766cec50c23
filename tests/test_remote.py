"""One remote detector: mail, alerts and feeds agree on what "remote" means."""

from __future__ import annotations

import pytest

from parsers.detect import parse_file

WAYS = ["Remote", "Home-based", "100% virtual", "Work from home", "Télétravail"]

RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>Jobs</title>
<item><title>Payroll Specialist</title><link>https://jobs.example.com/1</link>
<location>{place}</location><description>Join us.</description></item></channel></rss>"""

MAIL = """From: Alice Moreno <alice@example.org>
To: leads@example.org
Subject: Payroll Specialist at Acme ({place})
Date: Mon, 30 Nov 2026 09:00:00 -0600
Content-Type: text/plain; charset=utf-8

Saw this one: https://boards.greenhouse.io/acme/jobs/12345
"""


@pytest.mark.parametrize("place", WAYS)
def test_feed_and_mail_both_read_the_same_words_as_remote(place: str) -> None:
    feed = parse_file("jobs.rss", RSS.format(place=place).encode())
    mail = parse_file("fwd.eml", MAIL.format(place=place).encode())
    assert [p.remote for p in feed.postings] == [True]
    assert [p.remote for p in mail.postings] == [True]


def test_remote_as_part_of_a_role_is_not_a_remote_job() -> None:
    mail = parse_file(
        "fwd.eml",
        MAIL.replace("Payroll Specialist", "Senior Remote Sensing Analyst")
        .format(place="Dallas, TX")
        .encode(),
    )
    assert [p.remote for p in mail.postings] == [False]
