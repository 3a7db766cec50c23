"""Writes the job-alert fixtures in tests/data/alerts/ and their expected jobs (expected.toml).

    python -m tests.support.alert_fixtures

Each new sender's alert follows the layout its public alert mails use (links, card order,
badges, navigation footer), with made-up people, companies and jobs. Every alert, the six
older hand-written ones included, is then rendered the ways members forward it as plain text
(renderings.py: Gmail, Outlook, Outlook with SafeLinks, Apple Mail). The expected jobs are
written from the job tables below, never from what the parsers make of the mails.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import html as html_lib
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from parsers.links import canonicalize_url, unwrap_redirect
from tests.support import renderings
from tests.support.renderings import APPLE, GMAIL, OUTLOOK, OUTLOOK_365, Original

DATA = Path(__file__).resolve().parent.parent / "data" / "alerts"
MEMBER = "Pat Rivera <pat.rivera@example.org>"
INBOX = "leads@group.example.org"
RECIPIENT = "jordan.lee@example.org"


@dataclass
class Job:
    title: str
    company: str
    location: str
    url: str  # the link in the mail
    canonical: str
    lines: list[str] = field(default_factory=list)  # pay, age, badges, in card order
    remote: bool = False
    pitch: str = ""  # company-first cards: the company's one-liner
    workplace: str = ""  # Built In: "Remote", "Hybrid", "In-Office" above the place


@dataclass
class Alert:
    name: str  # fixture stem
    sender: str  # "Name <address>"
    subject: str
    date: str  # RFC 5322
    origin: str
    jobs: list[Job]
    html: str = ""
    text: str = ""
    language: str = "en"
    dates: tuple[str, str, str] = (
        "Mon, Feb 12, 2024 at 8:30 AM",
        "Monday, February 12, 2024 8:30 AM",
        "February 12, 2024 at 8:30:00 AM CST",
    )


def _page(title: str, body: str, footer: str) -> str:
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>'
        + html_lib.escape(title)
        + "</title><style>td{font-family:Arial,sans-serif}</style></head>"
        '<body style="margin:0;background:#f4f4f4">'
        f'<div style="display:none;max-height:0;overflow:hidden">{html_lib.escape(title)}</div>'
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center">'
        '<table role="presentation" width="600" cellpadding="0" cellspacing="0" style="background:#fff">'
        f"{body}</table>"
        '<table role="presentation" width="600"><tr><td style="font-size:11px;color:#888;padding:16px">'
        f"{footer}</td></tr></table></td></tr></table></body></html>"
    )


def _a(url: str, text: str, style: str = "color:#1a0dab") -> str:
    return f'<a href="{html_lib.escape(url)}" style="{style}">{text}</a>'


def _div(text: str, style: str = "font-size:14px;color:#333") -> str:
    return f'<div style="{style}">{html_lib.escape(text)}</div>'


def _footer(links: list[tuple[str, str]], notice: str) -> str:
    items = " &middot; ".join(_a(url, html_lib.escape(label), "color:#888") for label, url in links)
    return f"<p>{items}</p><p>{html_lib.escape(notice)}</p>"


def _text_footer(links: list[tuple[str, str]], notice: str) -> str:
    return "\n".join(f"{label}: {url}" for label, url in links) + f"\n\n{notice}\n"


# ---------------------------------------------------------------------------------- Monster


def monster(language: str = "en") -> Alert:
    if language == "de":
        jobs = [
            Job(
                "Datenanalyst (m/w/d)",
                "Spreewerk Logistik GmbH",
                "Berlin",
                "https://www.monster.de/stellenangebot/datenanalyst-m-w-d-berlin--8a1b2c3d-4e5f-4a6b-9c8d-7e6f5a4b3c2d?mstr_dist=true&utm_source=jobagent&utm_medium=email",
                "https://www.monster.de/stellenangebot/datenanalyst-m-w-d-berlin--8a1b2c3d-4e5f-4a6b-9c8d-7e6f5a4b3c2d",
                ["Vollzeit", "vor 2 Tagen"],
            ),
            Job(
                "Business Intelligence Analyst (w/m/d)",
                "Havelbank AG",
                "Potsdam",
                "https://www.monster.de/stellenangebot/business-intelligence-analyst-w-m-d-potsdam--1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f?mstr_dist=true&utm_source=jobagent&utm_medium=email",
                "https://www.monster.de/stellenangebot/business-intelligence-analyst-w-m-d-potsdam--1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
                ["55.000 € - 65.000 € pro Jahr", "Heute"],
            ),
            Job(
                "Junior Data Scientist",
                "Kiezlabs GmbH",
                "Berlin",
                "https://www.monster.de/stellenangebot/junior-data-scientist-berlin--9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a?mstr_dist=true&utm_source=jobagent&utm_medium=email",
                "https://www.monster.de/stellenangebot/junior-data-scientist-berlin--9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a",
                ["Teilzeit", "vor 5 Tagen"],
            ),
        ]
        words = {
            "heading": "Neue Jobs für „Datenanalyst“ in Berlin",
            "cta": "Job ansehen",
            "all": (
                "Alle Jobs anzeigen",
                "https://www.monster.de/jobs/suche?q=Datenanalyst&where=Berlin",
            ),
            "manage": ("Jobagent verwalten", "https://www.monster.de/profil/jobagenten"),
            "unsub": ("Abmelden", "https://www.monster.de/abmelden?t=ab12"),
            "notice": "© 2024 Monster Worldwide Deutschland GmbH. Alle Rechte vorbehalten.",
        }
        alert = Alert(
            "monster_alert_de",
            "Monster <jobagent@monster.de>",
            "Neue Jobs für „Datenanalyst“ in Berlin",
            "Mon, 12 Feb 2024 08:30:00 +0100",
            "monster_alert",
            jobs,
            language="de",
        )
    else:
        jobs = [
            Job(
                "Data Analyst",
                "Blue Harbor Health",
                "Chicago, IL",
                "https://www.monster.com/job-openings/data-analyst-chicago-il--3f6c1a52-8d4e-4b1a-9c2f-0e7d5b3a1c11?mstr_dist=true&utm_source=jobalert&utm_medium=email",
                "https://www.monster.com/job-openings/data-analyst-chicago-il--3f6c1a52-8d4e-4b1a-9c2f-0e7d5b3a1c11",
                ["$65,000 - $80,000 Per Year", "Posted 2 days ago"],
            ),
            Job(
                "Senior Data Analyst - Remote",
                "Lakeshore Bank",
                "Remote",
                "https://www.monster.com/job-openings/senior-data-analyst-remote--0d9c8b7a-6f5e-4d3c-8b2a-19f8e7d6c5b4?mstr_dist=true&utm_source=jobalert&utm_medium=email",
                "https://www.monster.com/job-openings/senior-data-analyst-remote--0d9c8b7a-6f5e-4d3c-8b2a-19f8e7d6c5b4",
                ["Full-time", "Posted today"],
                remote=True,
            ),
            Job(
                "Marketing Analyst",
                "Windy City Outfitters",
                "Evanston, IL",
                "https://www.monster.com/job-openings/marketing-analyst-evanston-il--5b4a3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d?mstr_dist=true&utm_source=jobalert&utm_medium=email",
                "https://www.monster.com/job-openings/marketing-analyst-evanston-il--5b4a3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d",
                ["Posted 5 days ago"],
            ),
        ]
        words = {
            "heading": 'New jobs for "data analyst" near Chicago, IL',
            "cta": "Apply",
            "all": (
                "View all jobs",
                "https://www.monster.com/jobs/search?q=data+analyst&where=Chicago%2C+IL",
            ),
            "manage": ("Manage job alerts", "https://www.monster.com/profile/job-alerts"),
            "unsub": ("Unsubscribe", "https://www.monster.com/unsubscribe?t=ab12"),
            "notice": "© 2024 Monster Worldwide, Inc. All rights reserved.",
        }
        alert = Alert(
            "monster_alert",
            "Monster <jobalerts@monster.com>",
            'New jobs for "data analyst" near Chicago, IL',
            "Mon, 12 Feb 2024 14:30:00 +0000",
            "monster_alert",
            jobs,
        )
    logo = _a(
        "https://www.monster.com/?utm_source=jobalert",
        '<img src="https://www.monster.com/assets/email/monster-logo.png" alt="Monster" width="120">',
    )
    body = (
        f'<tr><td style="padding:24px">{logo}<h2>{html_lib.escape(words["heading"])}</h2></td></tr>'
    )
    text = f"{words['heading']}\n\n"
    for job in jobs:
        card = _a(job.url, f"<b>{html_lib.escape(job.title)}</b>", "font-size:18px;color:#6e45a5")
        card += _div(job.company) + _div(job.location, "color:#666")
        card += "".join(_div(line, "color:#999;font-size:12px") for line in job.lines)
        card += _a(
            job.url, html_lib.escape(words["cta"]), "background:#6e45a5;color:#fff;padding:8px"
        )
        body += f'<tr><td style="padding:16px 24px;border-bottom:1px solid #eee">{card}</td></tr>'
        text += f"{job.title}\n{job.company}\n{job.location}\n" + "".join(
            f"{x}\n" for x in job.lines
        )
        text += f"{words['cta']}: {job.url}\n\n"
    links = [words["all"], words["manage"], words["unsub"]]
    alert.html = _page(alert.subject, body, _footer(links, words["notice"]))
    alert.text = text + _text_footer(links, words["notice"])
    return alert


# ---------------------------------------------------------------------------------- CareerBuilder


def careerbuilder() -> Alert:
    jobs = [
        Job(
            "Staff Accountant",
            "Lone Star Freight",
            "Dallas, TX",
            "https://www.careerbuilder.com/job/J3Q1V86XK2LM9P0R7TW?ipath=EMLJA1&siteid=cbemail_jobalert&utm_source=jobalert",
            "https://www.careerbuilder.com/job/J3Q1V86XK2LM9P0R7TW",
            ["Full-Time", "$60,000 - $70,000/Year", "Posted 3 days ago"],
        ),
        Job(
            "Senior Accountant",
            "Trinity Health Partners",
            "Irving, TX",
            "https://www.careerbuilder.com/job/J3M7G25PL8WQ4N6XK1D?ipath=EMLJA2&siteid=cbemail_jobalert&utm_source=jobalert",
            "https://www.careerbuilder.com/job/J3M7G25PL8WQ4N6XK1D",
            ["Full-Time", "$78,000 - $92,000/Year", "Posted 1 day ago"],
        ),
        Job(
            "Accounts Payable Specialist",
            "Plano Office Supply",
            "Plano, TX",
            "https://www.careerbuilder.com/job/J3T5R71HN2BC8V4QW6Z?ipath=EMLJA3&siteid=cbemail_jobalert&utm_source=jobalert",
            "https://www.careerbuilder.com/job/J3T5R71HN2BC8V4QW6Z",
            ["Contract to Hire", "$24 - $27/Hour", "Posted 6 days ago"],
        ),
    ]
    places = ["Dallas, TX (Onsite)", "Irving, TX (Hybrid)", "Plano, TX"]
    alert = Alert(
        "careerbuilder_alert",
        "CareerBuilder <jobalerts@careerbuilder.com>",
        "3 new Accountant jobs in Dallas, TX",
        "Tue, 13 Feb 2024 12:00:00 +0000",
        "careerbuilder_alert",
        jobs,
    )
    body = (
        '<tr><td style="padding:24px">'
        + _a(
            "https://www.careerbuilder.com/?utm_source=jobalert",
            '<img src="https://img.careerbuilder.com/email/cb-logo.png" alt="CareerBuilder">',
        )
        + "<h1>Jobs for you</h1><p>3 new Accountant jobs in Dallas, TX</p></td></tr>"
    )
    text = "Jobs for you\n3 new Accountant jobs in Dallas, TX\n\n"
    for job, place in zip(jobs, places, strict=True):
        card = _a(
            job.url, html_lib.escape(job.title), "font-size:17px;color:#0046be;font-weight:bold"
        )
        card += _div(job.company) + _div(place, "color:#666")
        card += "".join(_div(line, "color:#666;font-size:13px") for line in job.lines)
        card += (
            "<p>" + _a(job.url, "Apply Now", "background:#0046be;color:#fff;padding:8px") + "</p>"
        )
        body += f'<tr><td style="padding:12px 24px;border-top:1px solid #ddd">{card}</td></tr>'
        text += (
            f"{job.title}\n{job.company} - {place}\n{' | '.join(job.lines[:2])}\n{job.lines[2]}\n"
        )
        text += f"Apply Now: {job.url}\n\n"
    links = [
        (
            "See more jobs",
            "https://www.careerbuilder.com/jobs?keywords=accountant&location=Dallas%2C+TX",
        ),
        ("Manage your job alerts", "https://www.careerbuilder.com/myjobalerts"),
        ("Unsubscribe", "https://www.careerbuilder.com/unsubscribe?e=abc"),
    ]
    notice = "© 2024 CareerBuilder, LLC. All rights reserved. 200 N LaSalle St, Chicago, IL 60601"
    alert.html = _page(alert.subject, body, _footer(links, notice))
    alert.text = text + _text_footer(links, notice)
    return alert


# ---------------------------------------------------------------------------------- Wellfound


def wellfound() -> Alert:
    jobs = [
        Job(
            "Senior Backend Engineer",
            "Ledgerly",
            "Remote",
            "https://wellfound.com/jobs/2981234-senior-backend-engineer?utm_source=job_alert&utm_medium=email&utm_campaign=daily",
            "https://wellfound.com/jobs/2981234-senior-backend-engineer",
            ["$150k – $190k • 0.1% – 0.5%"],
            remote=True,
            pitch="Accounting automation for small businesses",
        ),
        Job(
            "Backend Engineer, Platform",
            "Quillstack",
            "San Francisco, CA",
            "https://wellfound.com/jobs/2975512-backend-engineer-platform?utm_source=job_alert&utm_medium=email&utm_campaign=daily",
            "https://wellfound.com/jobs/2975512-backend-engineer-platform",
            ["$140k – $175k • 0.05% – 0.25%"],
            pitch="Developer tools for API teams",
        ),
        Job(
            "Staff Software Engineer",
            "Harborlight Health",
            "New York, NY",
            "https://wellfound.com/jobs/2969870-staff-software-engineer?utm_source=job_alert&utm_medium=email&utm_campaign=daily",
            "https://wellfound.com/jobs/2969870-staff-software-engineer",
            ["$180k – $220k"],
            pitch="Care navigation for older adults",
        ),
    ]
    alert = Alert(
        "wellfound_alert",
        "Wellfound <jobs@wellfound.com>",
        "3 new startup jobs for Backend Engineer",
        "Wed, 14 Feb 2024 16:00:00 +0000",
        "wellfound_alert",
        jobs,
    )
    body = (
        '<tr><td style="padding:24px">'
        + _a(
            "https://wellfound.com/?utm_source=job_alert",
            '<img src="https://wellfound.com/images/email/logo.png" alt="Wellfound">',
        )
        + "<h2>New jobs matching Backend Engineer</h2></td></tr>"
    )
    text = "New jobs matching Backend Engineer\n\n"
    for job in jobs:
        inner = (
            f'<img src="https://photos.wellfound.com/startups/{job.company.lower().replace(" ", "")}.png" alt="" width="40">'
            + _div(job.company, "font-weight:bold")
            + _div(job.pitch, "color:#666")
            + _div(job.title, "font-size:16px;color:#000")
            + _div(f"{job.location} · Full-time", "color:#666")
            + "".join(_div(x, "color:#0a0") for x in job.lines)
        )
        body += f'<tr><td style="padding:12px 24px">{_a(job.url, inner, "text-decoration:none;color:#000;display:block")}</td></tr>'
        text += f"{job.company}\n{job.pitch}\n{job.title}\n{job.location} · Full-time\n"
        text += "".join(f"{x}\n" for x in job.lines) + f"View job: {job.url}\n\n"
    links = [
        ("Browse all jobs", "https://wellfound.com/jobs?utm_source=job_alert"),
        ("Edit your job alert", "https://wellfound.com/settings/job-alerts"),
        ("Unsubscribe", "https://wellfound.com/unsubscribe?token=wf12"),
    ]
    notice = "You are receiving this email because you set up a job alert on Wellfound."
    alert.html = _page(alert.subject, body, _footer(links, notice))
    alert.text = text + _text_footer(links, notice)
    return alert


# ---------------------------------------------------------------------------------- Built In


def _awstrack(url: str, n: int) -> str:
    from urllib.parse import quote

    return (
        f"https://k7q2m9x4.r.us-east-1.awstrack.me/L0/{quote(url, safe='')}"
        f"/1/0100018d9a1b2c3d-5e6f7a8b-1234-5678-9abc-def01234567{n}-000000/Xy{n}Zw=361"
    )


def builtin() -> Alert:
    raw = [
        (
            "Senior Product Manager",
            "Northbeam Analytics",
            "United States",
            "Remote",
            "$150K-$185K",
            "https://builtin.com/job/senior-product-manager/2345678",
            True,
        ),
        (
            "Product Manager, Growth",
            "Cobalt Lane",
            "Chicago, IL",
            "Hybrid",
            "$120K-$140K",
            "https://builtin.com/job/product-manager-growth/2351190",
            False,
        ),
        (
            "Technical Product Manager",
            "Fieldnote",
            "Austin, TX",
            "In-Office",
            "",
            "https://builtin.com/job/technical-product-manager/2360042",
            False,
        ),
    ]
    jobs = [
        Job(
            t,
            c,
            loc,
            _awstrack(u + "?utm_source=email&utm_medium=job_match", i),
            u,
            [pay] if pay else [],
            remote,
            workplace=w,
        )
        for i, (t, c, loc, w, pay, u, remote) in enumerate(raw)
    ]
    alert = Alert(
        "builtin_alert",
        "Built In <support@builtin.com>",
        "New Product Manager Job Matches",
        "Thu, 15 Feb 2024 13:00:00 +0000",
        "builtin_alert",
        jobs,
    )
    body = (
        '<tr><td style="padding:24px">'
        + _a(
            _awstrack("https://builtin.com/?utm_source=email", 9),
            '<img src="https://builtin.com/email/logo.png" alt="Built In">',
        )
        + "<h2>Your job matches for Product Manager</h2></td></tr>"
    )
    for i, job in enumerate(jobs):
        inner = (
            '<div style="margin-bottom:8px;font-size:16px">'
            + html_lib.escape(job.company)
            + "</div>"
            '<div style="margin-bottom:8px;font-size:20px;font-weight:700">'
            + html_lib.escape(job.title)
            + "</div>"
            f'<div><span style="vertical-align:middle">{job.workplace}</span></div>'
            f'<div><span style="vertical-align:middle">{html_lib.escape(job.location)}</span></div>'
            + "".join(
                f'<div><span style="vertical-align:middle">{x}</span></div>' for x in job.lines
            )
        )
        body += f'<tr id="job{i}"><td style="padding:16px 24px">{_a(job.url, inner, "text-decoration:none;color:#222")}</td></tr>'
    links = [
        ("Get More Recommendations", _awstrack("https://builtin.com/jobs?utm_source=email", 7)),
        ("Email Preferences", _awstrack("https://builtin.com/settings/notifications", 8)),
        ("Unsubscribe", _awstrack("https://builtin.com/unsubscribe?t=bi", 6)),
    ]
    alert.html = _page(
        alert.subject, body, _footer(links, "© Built In 2024. 203 N LaSalle St, Chicago, IL")
    )
    return alert  # Built In sends HTML only


# ---------------------------------------------------------------------------------- SimplyHired


def simplyhired() -> Alert:
    raw = [
        (
            "Registered Nurse - ICU",
            "Bayou City Medical Center",
            "Houston, TX",
            "kSx8Hq2LmN4pR7tV1wY3zA",
            [
                "$38 - $45 an hour",
                "Full-time",
                "ICU experience required; 12-hour night shifts with a supportive charge team.",
                "3d",
            ],
        ),
        (
            "Travel Nurse RN - Med/Surg",
            "Lonestar Staffing",
            "Katy, TX",
            "Pq9Zt2Xc5Vb8Nm1Lk4Jh7G",
            [
                "$2,100 - $2,400 a week",
                "Contract",
                "13-week assignment, housing stipend and weekly pay for Med/Surg nurses.",
                "Today",
            ],
        ),
        (
            "Home Health RN",
            "Gulf Coast Home Care",
            "Sugar Land, TX",
            "Aa1Bb2Cc3Dd4Ee5Ff6Gg7H",
            [
                "Full-time",
                "Visit patients in their homes across Fort Bend County; company car provided.",
                "6d",
            ],
        ),
    ]
    jobs = [
        Job(
            t,
            c,
            loc,
            f"https://www.simplyhired.com/job/{jid}?utm_campaign=jobalert&utm_source=email&cid=sh{n}",
            f"https://www.simplyhired.com/job/{jid}",
            lines,
        )
        for n, (t, c, loc, jid, lines) in enumerate(raw)
    ]
    alert = Alert(
        "simplyhired_alert",
        "SimplyHired <alerts@simplyhired.com>",
        "New jobs: Registered Nurse near Houston, TX",
        "Fri, 16 Feb 2024 11:00:00 +0000",
        "simplyhired_alert",
        jobs,
    )
    body = (
        '<tr><td style="padding:20px">'
        + _a(
            "https://www.simplyhired.com/?utm_source=email",
            '<img src="https://www.simplyhired.com/static/email/sh-logo.png" alt="SimplyHired">',
        )
        + "<h2>3 new Registered Nurse jobs near Houston, TX</h2></td></tr>"
    )
    text = "3 new Registered Nurse jobs near Houston, TX\n\n"
    for job in jobs:
        card = _a(
            job.url,
            f"<strong>{html_lib.escape(job.title)}</strong>",
            "font-size:17px;color:#2942c9",
        )
        card += _div(f"{job.company} – {job.location}")
        card += "".join(_div(x, "color:#555;font-size:13px") for x in job.lines)
        body += f'<tr><td style="padding:12px 20px;border-bottom:1px solid #eee">{card}</td></tr>'
        text += f"{job.title}\n{job.company} - {job.location}\n" + "".join(
            f"{x}\n" for x in job.lines
        )
        text += f"{job.url}\n\n"
    links = [
        ("See all jobs", "https://www.simplyhired.com/search?q=registered+nurse&l=Houston%2C+TX"),
        ("Manage alerts", "https://www.simplyhired.com/alerts"),
        ("Unsubscribe", "https://www.simplyhired.com/unsubscribe?t=sh1"),
    ]
    notice = "© 2024 SimplyHired. You received this email because you subscribed to job alerts."
    alert.html = _page(alert.subject, body, _footer(links, notice))
    alert.text = text + _text_footer(links, notice)
    return alert


# ---------------------------------------------------------------------------------- USAJOBS


def usajobs() -> Alert:
    raw = [
        (
            "IT Specialist (INFOSEC)",
            "Veterans Health Administration",
            "Multiple Locations",
            "812345600",
            "Starting at $86,962 Per Year (GS 11)",
            "Open 02/05/2024 to 02/19/2024",
        ),
        (
            "IT Specialist (Network Services)",
            "Internal Revenue Service",
            "Kansas City, Missouri",
            "812398100",
            "Starting at $72,553 Per Year (GS 9)",
            "Open 02/06/2024 to 02/12/2024",
        ),
        (
            "Supervisory IT Specialist",
            "Federal Aviation Administration",
            "Oklahoma City, Oklahoma",
            "812411700",
            "Starting at $117,962 Per Year (FV J)",
            "Open 02/07/2024 to 02/21/2024",
        ),
    ]
    jobs = [
        Job(
            t,
            c,
            loc,
            f"https://www.usajobs.gov/job/{n}?utm_medium=email&utm_source=savedsearch&utm_campaign=notification",
            f"https://www.usajobs.gov/job/{n}",
            [pay, open_, "Open to the public"],
        )
        for t, c, loc, n, pay, open_ in raw
    ]
    alert = Alert(
        "usajobs_alert",
        "USAJOBS <no-reply@usajobs.gov>",
        "USAJOBS Saved Search: IT Specialist (3 new jobs)",
        "Wed, 07 Feb 2024 10:15:00 +0000",
        "usajobs_alert",
        jobs,
    )
    body = (
        '<tr><td style="padding:20px;background:#112e51;color:#fff">'
        '<img src="https://www.usajobs.gov/Content/images/usajobs-logo.png" alt="USAJOBS">'
        "<h2>Your saved search IT Specialist has 3 new jobs</h2></td></tr>"
    )
    text = "USAJOBS\nYour saved search IT Specialist has 3 new jobs\n\n"
    for job in jobs:
        card = _a(
            job.url,
            f"<strong>{html_lib.escape(job.title)}</strong>",
            "font-size:17px;color:#205493",
        )
        card += _div(job.company, "font-weight:bold") + _div(job.location)
        card += "".join(_div(x, "color:#555") for x in job.lines)
        body += f'<tr><td style="padding:12px 20px;border-bottom:1px solid #ccc">{card}</td></tr>'
        text += f"{job.title}\n{job.company}\n{job.location}\n" + "".join(
            f"{x}\n" for x in job.lines
        )
        text += f"{job.url}\n\n"
    links = [
        ("View all results", "https://www.usajobs.gov/search/results/?k=IT%20Specialist"),
        ("Manage your saved searches", "https://my.usajobs.gov/Account/SavedSearches"),
        ("Unsubscribe", "https://my.usajobs.gov/Account/Unsubscribe?id=ss1"),
    ]
    notice = "This email was sent to you because you have a saved search on USAJOBS.gov."
    alert.html = _page(alert.subject, body, _footer(links, notice))
    alert.text = text + _text_footer(links, notice)
    return alert


# ---------------------------------------------------------------------------------- Handshake


def handshake() -> Alert:
    raw = [
        (
            "Software Engineering Intern",
            "Brightpath Robotics",
            "Pittsburgh, PA",
            "8123456",
            "Internship • $25–30/hr",
            False,
        ),
        (
            "Data Analyst, New Grad",
            "Keystone Insurance",
            "Remote",
            "8130977",
            "Full-Time Job • $68K–75K/yr",
            True,
        ),
        (
            "Marketing Coordinator",
            "Three Rivers Media",
            "Pittsburgh, PA",
            "8141203",
            "Full-Time Job",
            False,
        ),
    ]
    jobs = [
        Job(
            t,
            c,
            loc,
            f"https://app.joinhandshake.com/jobs/{n}?ref=recommended-jobs-email&utm_source=email&utm_medium=recommended_jobs",
            f"https://app.joinhandshake.com/jobs/{n}",
            [kind],
            remote,
        )
        for t, c, loc, n, kind, remote in raw
    ]
    alert = Alert(
        "handshake_alert",
        "Handshake <no-reply@joinhandshake.com>",
        "3 new jobs for you, Jordan",
        "Thu, 08 Feb 2024 15:45:00 +0000",
        "handshake_alert",
        jobs,
    )
    body = (
        '<tr><td style="padding:20px">'
        + _a(
            "https://app.joinhandshake.com/?utm_source=email",
            '<img src="https://handshake-email.s3.amazonaws.com/logo.png" alt="Handshake">',
        )
        + "<h2>Jobs recommended for you</h2><p>Hi Jordan, here are new jobs that match your interests.</p></td></tr>"
    )
    text = "Jobs recommended for you\nHi Jordan, here are new jobs that match your interests.\n\n"
    for job in jobs:
        logo = f'<img src="https://handshake-email.s3.amazonaws.com/employers/{job.company.split()[0].lower()}.png" alt="{html_lib.escape(job.company)}" width="48">'
        card = (
            f'<table role="presentation"><tr><td width="56">{logo}</td><td>'
            + _a(
                job.url, html_lib.escape(job.title), "font-size:16px;color:#1d2c4c;font-weight:600"
            )
            + _div(f"{job.company} • {job.location}")
            + "".join(_div(x, "color:#666") for x in job.lines)
            + "</td></tr></table>"
        )
        body += f'<tr><td style="padding:12px 20px">{card}</td></tr>'
        text += f"{job.title}\n{job.company} • {job.location}\n" + "".join(
            f"{x}\n" for x in job.lines
        )
        text += f"{job.url}\n\n"
    links = [
        ("Search all jobs", "https://app.joinhandshake.com/stu/postings?utm_source=email"),
        (
            "Update notification settings",
            "https://app.joinhandshake.com/stu/notification_preferences",
        ),
        ("Unsubscribe", "https://app.joinhandshake.com/unsubscribe?token=hs1"),
    ]
    notice = "Handshake, 225 Bush St, San Francisco, CA 94104. You are receiving this email because you have a Handshake account."
    alert.html = _page(alert.subject, body, _footer(links, notice))
    alert.text = text + _text_footer(links, notice)
    return alert


# ---------------------------------------------------------------------------------- Welcome to the Jungle


def welcometothejungle(language: str = "en") -> Alert:
    if language == "fr":
        raw = [
            (
                "Chef de projet marketing",
                "Lumio",
                "L'énergie solaire pour tous",
                "Paris",
                "lumio",
                "chef-de-projet-marketing_paris",
                ["Salaire : 45K à 55K €", "Télétravail partiel"],
            ),
            (
                "Développeur Full Stack",
                "Brindille",
                "La seconde main pour les enfants",
                "Lyon",
                "brindille",
                "developpeur-full-stack_lyon",
                ["CDI"],
            ),
            (
                "Data Analyst",
                "Korrigan Santé",
                "La téléconsultation en Bretagne",
                "Rennes",
                "korrigan-sante",
                "data-analyst_rennes",
                ["Salaire : 40K à 48K €"],
            ),
        ]
        jobs = [
            Job(
                t,
                c,
                loc,
                f"https://www.welcometothejungle.com/fr/companies/{slug}/jobs/{job}?utm_source=alert&utm_medium=email&utm_campaign=job_alert",
                f"https://www.welcometothejungle.com/fr/companies/{slug}/jobs/{job}",
                lines,
                pitch=pitch,
            )
            for t, c, pitch, loc, slug, job, lines in raw
        ]
        alert = Alert(
            "welcometothejungle_alert_fr",
            "Welcome to the Jungle <hello@welcometothejungle.com>",
            "Nouvelles offres d'emploi pour vous",
            "Mon, 12 Feb 2024 09:00:00 +0100",
            "welcometothejungle_alert",
            jobs,
            language="fr",
        )
        heading, cta = "Nouvelles offres qui correspondent à votre recherche", "Voir l'offre"
        links = [
            (
                "Voir toutes les offres",
                "https://www.welcometothejungle.com/fr/jobs?query=marketing",
            ),
            ("Gérer mes alertes", "https://www.welcometothejungle.com/fr/me/alerts"),
            ("Se désinscrire", "https://www.welcometothejungle.com/fr/unsubscribe?t=wj1"),
        ]
        notice = "Vous recevez cet e-mail car vous avez créé une alerte sur Welcome to the Jungle."
    else:
        raw = [
            (
                "Product Designer",
                "Fernwood",
                "Sustainable packaging for food brands",
                "London",
                "u001.Rm9vYmFyMQ-3D-3D",
                ["Salary: 55K to 65K £"],
            ),
            (
                "Senior Data Engineer",
                "Kitepay",
                "Payments infrastructure for marketplaces",
                "London",
                "u001.S2l0ZXBheTI-3D",
                ["Hybrid"],
            ),
            (
                "Customer Success Manager",
                "Oakroom",
                "The operating system for restaurants",
                "Manchester",
                "u001.T2Frcm9vbTM-3D",
                [],
            ),
        ]
        jobs = []
        for t, c, pitch, loc, upn, lines in raw:
            url = f"https://u4567890.ct.sendgrid.net/ls/click?upn={upn}"
            jobs.append(Job(t, c, loc, url, url, lines, pitch=pitch))
        alert = Alert(
            "welcometothejungle_alert",
            "Welcome to the Jungle <help@welcometothejungle.com>",
            "New jobs that match your search",
            "Tue, 13 Feb 2024 09:00:00 +0000",
            "welcometothejungle_alert",
            jobs,
        )
        heading, cta = "New jobs that match your search", "See the job"
        links = [
            ("See all jobs", "https://u4567890.ct.sendgrid.net/ls/click?upn=u001.QWxsam9icw-3D"),
            ("Manage my alerts", "https://u4567890.ct.sendgrid.net/ls/click?upn=u001.QWxlcnRz-3D"),
            ("Unsubscribe", "https://u4567890.ct.sendgrid.net/ls/click?upn=u001.VW5zdWI-3D"),
        ]
        notice = (
            "You are receiving this email because you created a job alert on Welcome to the Jungle."
        )
    body = (
        '<tr><td style="padding:24px;background:#ffcd00">'
        '<img src="https://cdn.welcometothejungle.com/email/wttj-logo.png" alt="Welcome to the Jungle" width="140">'
        f"<h2>{html_lib.escape(heading)}</h2></td></tr>"
    )
    text = f"{heading}\n\n"
    for job in jobs:
        inner = (
            _div(job.company, "font-weight:bold;font-size:15px")
            + _div(job.pitch, "color:#666")
            + "<br>"
            + _div(job.title, "font-size:18px;font-weight:bold")
            + _div(job.location)
            + "".join(_div(x, "color:#666") for x in job.lines)
        )
        body += f'<tr><td style="padding:16px 24px">{_a(job.url, inner, "text-decoration:none;color:#000")}</td></tr>'
        text += f"{job.company}\n{job.pitch}\n\n{job.title}\n{job.location}\n"
        text += "".join(f"{x}\n" for x in job.lines) + f"{cta}: {job.url}\n\n"
    alert.html = _page(alert.subject, body, _footer(links, notice))
    alert.text = text + _text_footer(links, notice)
    return alert


# ---------------------------------------------------------------------------------- Idealist


def _postmark(url: str, n: int) -> str:
    from urllib.parse import quote

    return f"https://track.pstmrk.it/3s/{quote(url, safe='')}/Xk1{n}/AbCd{n}/1/9f8e7d6c5b4a"


def idealist(language: str = "en") -> Alert:
    if language == "es":
        raw = [
            (
                "Coordinadora de Programas",
                "Fundación Semillas",
                "Ciudad de México, México",
                "es/ong-empleo/3a1b2c3d4e5f4a6b8c9d0e1f2a3b4c5d-coordinadora-de-programas-fundacion-semillas-ciudad-de-mexico",
                "Publicado hace 2 días",
            ),
            (
                "Oficial de Comunicación",
                "Red Andina por el Agua",
                "Lima, Perú",
                "es/ong-empleo/4b2c3d4e5f6a4b7c9d0e1f2a3b4c5d6e-oficial-de-comunicacion-red-andina-por-el-agua-lima",
                "Publicado hace 5 días",
            ),
            (
                "Asistente Administrativo",
                "Casa Abierta",
                "Bogotá, Colombia",
                "es/ong-empleo/5c3d4e5f6a7b4c8d0e1f2a3b4c5d6e7f-asistente-administrativo-casa-abierta-bogota",
                "Publicado hoy",
            ),
        ]
        heading, cta = "Nuevas oportunidades para tu búsqueda: coordinación", "Ver oportunidad"
        links = [
            ("Ver todas las ofertas", "https://www.idealist.org/es/empleos?q=coordinacion"),
            ("Gestionar alertas", "https://www.idealist.org/es/dashboard/alerts"),
            ("Cancelar suscripción", "https://www.idealist.org/es/unsubscribe?t=id2"),
        ]
        notice = "Recibes este correo porque creaste una alerta en Idealist."
        alert = Alert(
            "idealist_alert_es",
            "Idealist <notificaciones@idealist.org>",
            "Nuevas oportunidades: coordinación",
            "Mon, 12 Feb 2024 13:00:00 +0000",
            "idealist_alert",
            [],
            language="es",
        )
        kind = "Tiempo completo"
    else:
        raw = [
            (
                "Program Manager",
                "Hope Harbor Family Services",
                "Brooklyn, NY",
                "en/nonprofit-job/5c1f2e3d4a5b4c6d8e9f0a1b2c3d4e5f-program-manager-hope-harbor-family-services-brooklyn",
                "Posted 3 days ago",
            ),
            (
                "Development Associate",
                "Riverbend Land Trust",
                "Chicago, IL",
                "en/nonprofit-job/6d2a3b4c5d6e4f7a9b0c1d2e3f4a5b6c-development-associate-riverbend-land-trust-chicago",
                "Posted 1 day ago",
            ),
            (
                "Community Organizer",
                "Tenants United",
                "Remote",
                "en/nonprofit-job/7e3b4c5d6e7f4a8b0c1d2e3f4a5b6c7d-community-organizer-tenants-united",
                "Posted today",
            ),
        ]
        heading, cta = "New jobs matching your search: program manager", "View opportunity"
        links = [
            ("See all results", "https://www.idealist.org/en/jobs?q=program%20manager"),
            ("Manage email alerts", "https://www.idealist.org/en/dashboard/alerts"),
            ("Unsubscribe", "https://www.idealist.org/en/unsubscribe?t=id1"),
        ]
        notice = "You are receiving this email because you created an email alert on Idealist."
        alert = Alert(
            "idealist_alert",
            "Idealist <notifications@idealist.org>",
            "New jobs matching your search: program manager",
            "Tue, 13 Feb 2024 13:00:00 +0000",
            "idealist_alert",
            [],
        )
        kind = "Full Time"
    for n, (t, c, loc, path, age) in enumerate(raw):
        direct = f"https://www.idealist.org/{path}"
        alert.jobs.append(
            Job(
                t,
                c,
                loc,
                _postmark(direct + "?utm_source=alert&utm_medium=email", n),
                direct,
                [f"{kind} · {age}"],
                remote=loc == "Remote",
            )
        )
    body = (
        '<tr><td style="padding:24px">'
        + _a(
            _postmark("https://www.idealist.org/", 8),
            '<img src="https://www.idealist.org/images/email/idealist-logo.png" alt="Idealist">',
        )
        + f"<h2>{html_lib.escape(heading)}</h2></td></tr>"
    )
    text = f"{heading}\n\n"
    for job in alert.jobs:
        card = _a(job.url, f"<b>{html_lib.escape(job.title)}</b>", "font-size:17px;color:#0b63ce")
        card += _div(job.company) + _div(job.location, "color:#666")
        card += "".join(_div(x, "color:#888;font-size:12px") for x in job.lines)
        card += _a(job.url, html_lib.escape(cta), "color:#0b63ce")
        body += f'<tr><td style="padding:12px 24px;border-top:1px solid #eee">{card}</td></tr>'
        text += f"{job.title}\n{job.company}\n{job.location}\n" + "".join(
            f"{x}\n" for x in job.lines
        )
        text += f"{cta}: {job.url}\n\n"
    alert.html = _page(alert.subject, body, _footer(links, notice))
    alert.text = text + _text_footer(links, notice)
    return alert


# ---------------------------------------------------------------------------------- LinkedIn abroad


def linkedin_localised(language: str) -> Alert:
    words = {
        "de": {
            "subject": "„Produktmanager“: Spreewerk GmbH – Senior Produktmanager:in und mehr",
            "heading": "Ihr Job-Alert für Produktmanager",
            "sub": "Neue Jobs in Berlin entsprechen Ihren Präferenzen.",
            "cta": "Job ansehen",
            "all": "Alle Jobs anzeigen",
            "unsub": "Abmelden",
            "help": "Hilfe",
            "notice": "Diese E-Mail wurde an Jordan Lee (Produktmanager bei Umbrella) gesendet.",
            "jobs": [
                (
                    "Senior Produktmanager:in",
                    "Spreewerk GmbH",
                    "Berlin, Deutschland",
                    "Berlin, Deutschland",
                    ["Einfach bewerben", "Aktive Personalsuche"],
                    False,
                ),
                (
                    "Product Owner (m/w/d)",
                    "Havelbank AG",
                    "Potsdam, Brandenburg, Deutschland (Hybrid)",
                    "Potsdam, Brandenburg, Deutschland",
                    ["Anzeige", "3 Kontakte arbeiten hier"],
                    False,
                ),
                (
                    "Produktmanager Payments",
                    "Kiezpay",
                    "Deutschland (Remote)",
                    "Deutschland",
                    ["Gehören Sie zu den ersten Bewerbern"],
                    True,
                ),
            ],
            "date": "Mon, 12 Feb 2024 07:10:00 +0000",
        },
        "fr": {
            "subject": "« chef de produit » : Lumio – Chef de produit senior et plus",
            "heading": "Votre alerte emploi pour chef de produit",
            "sub": "De nouvelles offres à Paris correspondent à vos préférences.",
            "cta": "Voir l'offre d'emploi",
            "all": "Voir toutes les offres d'emploi",
            "unsub": "Se désabonner",
            "help": "Aide",
            "notice": "Cet e-mail a été envoyé à Jordan Lee (Chef de produit chez Umbrella).",
            "jobs": [
                (
                    "Chef de produit senior",
                    "Lumio",
                    "Paris, Île-de-France, France (Hybride)",
                    "Paris, Île-de-France, France",
                    ["Candidature simplifiée", "Recrutement actif"],
                    False,
                ),
                (
                    "Product Manager Paiements",
                    "Brindille",
                    "Lyon, Auvergne-Rhône-Alpes, France",
                    "Lyon, Auvergne-Rhône-Alpes, France",
                    ["Promu"],
                    False,
                ),
                (
                    "Responsable produit data",
                    "Korrigan Santé",
                    "France (À distance)",
                    "France",
                    ["Soyez parmi les premiers candidats", "12 anciens élèves travaillent ici"],
                    True,
                ),
            ],
            "date": "Tue, 13 Feb 2024 07:10:00 +0000",
        },
        "es": {
            "subject": "«gerente de producto»: Tramontana Tech - Gerente de producto y más",
            "heading": "Tu alerta de empleo para gerente de producto",
            "sub": "Hay nuevos empleos en Madrid que coinciden con tus preferencias.",
            "cta": "Ver empleo",
            "all": "Ver todos los empleos",
            "unsub": "Darse de baja",
            "help": "Ayuda",
            "notice": "Este correo electrónico se ha enviado a Jordan Lee (Gerente de producto en Umbrella).",
            "jobs": [
                (
                    "Gerente de producto",
                    "Tramontana Tech",
                    "Madrid, Comunidad de Madrid, España (Híbrido)",
                    "Madrid, Comunidad de Madrid, España",
                    ["Solicitud sencilla"],
                    False,
                ),
                (
                    "Product Owner",
                    "Sol y Sombra Pagos",
                    "Barcelona, Cataluña, España",
                    "Barcelona, Cataluña, España",
                    ["Promocionado", "Contratación activa"],
                    False,
                ),
                (
                    "Jefe de Producto Digital",
                    "Alcázar Seguros",
                    "España (En remoto)",
                    "España",
                    ["Sé de los primeros en solicitar"],
                    True,
                ),
            ],
            "date": "Wed, 14 Feb 2024 07:10:00 +0000",
        },
    }[language]
    ids = {
        "de": ["3951112233", "3952223344", "3953334455"],
        "fr": ["3961112233", "3962223344", "3963334455"],
        "es": ["3971112233", "3972223344", "3973334455"],
    }[language]
    jobs: list[Job] = []
    places: list[str] = []
    for jid, (t, c, shown, loc, badges, remote) in zip(ids, words["jobs"], strict=True):
        url = (
            f"https://www.linkedin.com/comm/jobs/view/{jid}/?trackingId=tR{jid[-3:]}%3D%3D&refId=Rf{jid[-2:]}"
            f"&lipi=urn%3Ali%3Apage%3Aemail_email_job_alert_digest_01&midToken=AQH{jid[-4:]}&trk=eml-email_job_alert_digest_01-job_card-0-jobcard_body&eid=e{jid[-1]}"
        )
        jobs.append(
            Job(t, c, loc, url, f"https://www.linkedin.com/jobs/view/{jid}/", badges, remote)
        )
        places.append(shown)
    alert = Alert(
        f"linkedin_alert_{language}",
        "LinkedIn <jobalerts-noreply@linkedin.com>",
        words["subject"],
        words["date"],
        "linkedin_alert",
        jobs,
        language=language,
    )
    body = (
        '<tr><td style="padding:24px">'
        + _a(
            "https://www.linkedin.com/comm/feed/?trk=eml-email_job_alert_digest_01-header-0-home_glimmer",
            '<img src="https://static.licdn.com/aero-v1/sc/h/logo.png" alt="LinkedIn" width="84">',
        )
        + f"<h2>{html_lib.escape(words['heading'])}</h2><p>{html_lib.escape(words['sub'])}</p></td></tr>"
    )
    text = f"{words['heading']}\n{words['sub']}\n\n"
    for job, shown in zip(jobs, places, strict=True):
        logo = _a(
            job.url,
            f'<img src="https://media.licdn.com/dms/image/v2/{job.company[:3]}/company-logo_100_100/0/1" alt="{html_lib.escape(job.company)}" width="48">',
        )
        card = (
            f'<table role="presentation"><tr><td width="56" valign="top">{logo}</td><td valign="top">'
            + _a(
                job.url, html_lib.escape(job.title), "font-size:16px;font-weight:600;color:#0a66c2"
            )
            + _div(f"{job.company} · {shown}", "font-size:14px;color:#1f1f1f")
            + "".join(_div(x, "font-size:12px;color:#666") for x in job.lines)
            + "</td></tr></table>"
        )
        body += f'<tr><td style="padding:16px 24px 0 24px">{card}</td></tr>'
        text += f"{job.title}\n{job.company}\n{shown}\n" + "".join(f"{x}\n" for x in job.lines)
        text += f"{words['cta']}: {job.url}\n\n---------------------------------------------------------\n\n"
    links = [
        (
            words["all"],
            "https://www.linkedin.com/comm/jobs/search?keywords=produkt&origin=JOB_ALERT_EMAIL",
        ),
        (
            words["unsub"],
            "https://www.linkedin.com/comm/job-alert-email-unsubscribe?savedSearchId=99",
        ),
        (words["help"], "https://www.linkedin.com/help/linkedin"),
    ]
    notice = words["notice"] + " © 2024 LinkedIn Corporation."
    alert.html = _page(alert.subject, body, _footer(links, notice))
    alert.text = text + _text_footer(links, notice)
    return alert


# ---------------------------------------------------------------------------------- LinkedIn, newer cards


def linkedin_cards() -> Alert:
    """The newer LinkedIn template: the logo a link of its own, then one link around the whole
    card (title, "Company · Place", a badge), badges like "Easy Apply" after it."""
    raw = [
        (
            "Senior Geologist",
            "Vrifa Geoscience",
            "Vancouver, British Columbia, Canada (Hybrid)",
            "Vancouver, British Columbia, Canada",
            "4012345678",
            ["Actively recruiting"],
            ["Easy Apply"],
            False,
        ),
        (
            "Exploration Data Scientist",
            "Northbay Minerals",
            "Canada (Remote)",
            "Canada",
            "4013456789",
            ["1,228 company alumni"],
            ["Promoted", "Be an early applicant"],
            True,
        ),
        (
            "GIS Analyst",
            "Cordillera Mapping",
            "Calgary, Alberta, Canada",
            "Calgary, Alberta, Canada",
            "4014567890",
            [],
            ["Easy Apply"],
            False,
        ),
    ]
    jobs: list[Job] = []
    body = (
        '<tr><td style="padding:24px">'
        + _a(
            "https://www.linkedin.com/comm/feed/?trk=eml-email_job_alert_digest_02-header-0-home_glimmer",
            '<img src="https://static.licdn.com/aero-v1/sc/h/logo.png" alt="LinkedIn" width="84">',
        )
        + "<h2>Your job alert for geologist</h2><p>3 new jobs in Canada match your preferences.</p></td></tr>"
    )
    text = "Your job alert for geologist\n3 new jobs in Canada match your preferences.\n\n"
    for t, c, shown, loc, jid, inside, after, remote in raw:
        url = f"https://www.linkedin.com/comm/jobs/view/{jid}/?trackingId=T{jid[-4:]}%3D%3D&refId=R{jid[-3:]}&trk=eml-email_job_alert_digest_02-job_card-0-jobcard_body&midToken=AQ{jid[-2:]}"
        logo_url = url.replace("jobcard_body", "company_logo")
        jobs.append(
            Job(
                t, c, loc, url, f"https://www.linkedin.com/jobs/view/{jid}/", inside + after, remote
            )
        )
        logo = f'<img src="https://media.licdn.com/dms/image/{jid}/logo" alt="{html_lib.escape(c)}" width="48">'
        card_inside = (
            f'<p style="margin:0;font-size:16px;font-weight:600;color:#0a66c2">{html_lib.escape(t)}</p>'
            f'<p style="margin:0;font-size:14px;color:#1f1f1f">{html_lib.escape(c)} · {html_lib.escape(shown)}</p>'
            + "".join(
                f'<p style="margin:0;font-size:12px;color:#01754f">{html_lib.escape(x)}</p>'
                for x in inside
            )
        )
        body += (
            '<tr><td style="padding:12px 24px"><table role="presentation"><tr>'
            + f'<td width="56" valign="top">{_a(logo_url, logo)}</td>'
            f'<td valign="top">{_a(url, card_inside, "text-decoration:none;display:block")}'
            + "".join(_div(x, "font-size:12px;color:#666") for x in after)
            + "</td></tr></table></td></tr>"
        )
        text += f"{t}\n{c}\n{shown}\n" + "".join(f"{x}\n" for x in inside + after)
        text += f"View job: {url}\n\n---------------------------------------------------------\n\n"
    links = [
        (
            "See all jobs",
            "https://www.linkedin.com/comm/jobs/search?keywords=geologist&origin=JOB_ALERT_EMAIL",
        ),
        ("Manage job alerts", "https://www.linkedin.com/comm/jobs/alerts?savedSearchId=77"),
        (
            "Unsubscribe",
            "https://www.linkedin.com/comm/job-alert-email-unsubscribe?savedSearchId=77",
        ),
    ]
    alert = Alert(
        "linkedin_cards_alert",
        "LinkedIn Job Alerts <jobalerts-noreply@linkedin.com>",
        "“geologist”: Vrifa Geoscience - Senior Geologist and more",
        "Thu, 15 Feb 2024 15:00:00 +0000",
        "linkedin_alert",
        jobs,
    )
    notice = "This email was intended for Jordan Lee. © 2024 LinkedIn Corporation, 1000 West Maude Avenue, Sunnyvale, CA 94085."
    alert.html = _page(alert.subject, body, _footer(links, notice))
    alert.text = text + _text_footer(links, notice)
    return alert


# ---------------------------------------------------------------------------------- Indeed France


def indeed_fr() -> Alert:
    raw = [
        (
            "Comptable H/F",
            "Cabinet Marceau",
            "Lyon (69)",
            "a1b2c3d4e5f60718",
            [
                "35 000 € - 42 000 € par an",
                "Candidature simplifiée",
                "Tenue de la comptabilité de clients PME, déclarations de TVA et bilans annuels.",
                "Il y a 3 jours",
            ],
        ),
        (
            "Contrôleur de gestion junior H/F",
            "Groupe Vauban",
            "Paris (75)",
            "b2c3d4e5f6071829",
            [
                "Candidature simplifiée",
                "Suivi budgétaire mensuel et reporting auprès de la direction financière du groupe.",
                "Publiée à l'instant",
            ],
        ),
        (
            "Assistant comptable H/F",
            "Boulangeries Lemoine",
            "Villeurbanne (69)",
            "c3d4e5f60718293a",
            [
                "12,50 € par heure",
                "Saisie des factures fournisseurs et rapprochements bancaires pour nos 14 boutiques.",
                "Il y a 6 jours",
            ],
        ),
    ]
    jobs = [
        Job(
            t,
            c,
            loc,
            f"https://fr.indeed.com/rc/clk/dl?jk={jk}&from=ja&qd=Q{n}&tk=1hfr{n}&alid=fr01",
            _canon(f"https://fr.indeed.com/viewjob?jk={jk}"),
            lines,
        )
        for n, (t, c, loc, jk, lines) in enumerate(raw)
    ]
    alert = Alert(
        "indeed_alert_fr",
        "Indeed <alert@indeed.com>",
        "3 nouvelles offres comptable à Lyon (69)",
        "Thu, 15 Feb 2024 06:00:00 +0000",
        "indeed_alert",
        jobs,
        language="fr",
    )
    body = (
        '<tr><td style="padding:20px">'
        + _a(
            "https://fr.indeed.com/?from=ja",
            '<img src="https://fr.indeed.com/images/indeed-logo.png" alt="Indeed">',
        )
        + "<h2>3 nouvelles offres comptable à Lyon (69)</h2><p>Ces offres correspondent à votre alerte emploi</p></td></tr>"
    )
    text = "3 nouvelles offres comptable à Lyon (69)\nCes offres correspondent à votre alerte emploi\n\n"
    for job in jobs:
        inner = (
            _div(job.title, "font-size:16px;font-weight:bold;color:#2557a7")
            + _div(job.company)
            + _div(job.location)
            + "".join(_div(x, "color:#595959") for x in job.lines)
        )
        body += f'<tr><td style="padding:12px 20px">{_a(job.url, inner, "text-decoration:none;color:#2d2d2d")}</td></tr>'
        text += f"{job.title}\n{job.company} - {job.location}\n" + "".join(
            f"{x}\n" for x in job.lines
        )
        text += f"{job.url}\n\n"
    links = [
        ("Voir plus d'offres", "https://fr.indeed.com/emplois?q=comptable&l=Lyon+%2869%29&from=ja"),
        ("Modifier cette alerte", "https://fr.indeed.com/alert?from=ja&alid=fr01&action=edit"),
        ("Se désabonner", "https://fr.indeed.com/alert?from=ja&alid=fr01&action=unsubscribe"),
    ]
    notice = (
        "Vous recevez cet e-mail car vous avez créé une alerte emploi sur Indeed. © 2024 Indeed"
    )
    alert.html = _page(alert.subject, body, _footer(links, notice))
    alert.text = text + _text_footer(links, notice)
    return alert


# ---------------------------------------------------------------------------------- the six older alerts


def _canon(url: str) -> str:
    return canonicalize_url(unwrap_redirect(url))


def older_alerts() -> list[Alert]:
    """The hand-written alerts already in tests/data/alerts, with the jobs their tests assert."""
    table = {
        "linkedin_alert": [
            (
                "Senior Product Manager",
                "Acme Robotics",
                "Austin, TX",
                "https://www.linkedin.com/jobs/view/3901234567/",
            ),
            (
                "Product Manager, Payments",
                "Northwind Traders",
                "United States",
                "https://www.linkedin.com/jobs/view/3907654321/",
            ),
            (
                "Technical Product Manager",
                "Globex Corporation",
                "Denver, CO",
                "https://www.linkedin.com/jobs/view/3911112222/",
            ),
            (
                "Group Product Manager – Platform",
                "Initech",
                "San Francisco Bay Area",
                "https://www.linkedin.com/jobs/view/3923334444/",
            ),
            (
                "Product Owner",
                "Contoso Ltd.",
                "London, England, United Kingdom",
                "https://www.linkedin.com/jobs/view/3935556666/",
            ),
        ],
        "indeed_alert": [
            (
                "Data Analyst",
                "Blue Harbor Health",
                "Chicago, IL 60601",
                "https://www.indeed.com/viewjob?jk=4f2a9c81d3b7e605",
            ),
            (
                "Senior Business Intelligence Analyst",
                "Lakeshore Bank",
                "Remote",
                "https://www.indeed.com/viewjob?jk=0b7d1e22a9c4f318",
            ),
            (
                "Marketing Data Analyst",
                "Windy City Outfitters",
                "Evanston, IL",
                "https://www.indeed.com/viewjob?jk=c91e07aa5d3f2b64",
            ),
            (
                "Junior Data Analyst (Contract)",
                "Prairie Analytics Group",
                "Schaumburg, IL",
                "https://www.indeed.com/viewjob?jk=77ad0c1e5b9f3a20",
            ),
        ],
        "glassdoor_alert": [
            (
                "Principal Engineer - Enterprise DevOps",
                "Dell Technologies",
                "Hopkinton, MA",
                _canon(
                    "https://www.glassdoor.com/partner/jobListing.htm?jobListingId=1009123456789"
                ),
            ),
            (
                "Senior Cloud Security Engineer",
                "Jack Henry & Associates",
                "Remote",
                _canon(
                    "https://www.glassdoor.com/partner/jobListing.htm?jobListingId=1009234567890"
                ),
            ),
            (
                "Site Reliability Engineer II",
                "Wayfair",
                "Boston, MA",
                _canon(
                    "https://www.glassdoor.com/partner/jobListing.htm?jobListingId=1009345678901"
                ),
            ),
        ],
        "ziprecruiter_alert": [
            (
                "Registered Nurse - Med/Surg",
                "Northwestern Medicine",
                "Chicago, IL",
                _canon("https://www.ziprecruiter.com/ekm/AAHc_Oka10xYzQ"),
            ),
            (
                "Telehealth Nurse Practitioner",
                "Carewell Virtual",
                "Chicago, IL",
                _canon("https://www.ziprecruiter.com/ekm/AAEiGy6UNl_DWu"),
            ),
            (
                "Charge Nurse, Night Shift",
                "Advocate Health Care",
                "Oak Lawn, IL",
                _canon("https://www.ziprecruiter.com/ekm/AAHq2ryj6HJ-cm"),
            ),
        ],
        "dice_alert": [
            (
                "DevOps Engineer",
                "AaraTechnologies Inc",
                "Remote or Jersey City, New Jersey, USA",
                "https://www.dice.com/job-detail/7b1f3c2a-9d4e-4f6a-8b2c-1e5d7a9c3f01",
            ),
            (
                "Senior Cloud AWS Engineer",
                "Arnex Solutions LLC",
                "Remote",
                "https://www.dice.com/job-detail/0c9e8d7f-6a5b-4c3d-2e1f-0a9b8c7d6e5f",
            ),
            (
                "Kubernetes Platform Engineer",
                "Brightline Systems",
                "Austin, Texas, USA",
                "https://www.dice.com/job-detail/5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d",
            ),
        ],
        "google_alerts": [
            (
                "Data Analyst",
                "Blue Harbor Health",
                "Chicago, IL",
                "https://www.linkedin.com/jobs/view/3912345678/",
            ),
            (
                "Senior Data Analyst",
                "Lakeshore Bank",
                "",
                _canon("https://boards.greenhouse.io/lakeshorebank/jobs/4523456"),
            ),
        ],
        "google_jobs_alert": [
            ("Data Analyst", "Blue Harbor Health", "Chicago, IL", ""),
            ("Reporting Analyst (Remote)", "Midwest Mutual", "Anywhere", ""),
            ("Business Analyst", "City of Chicago", "Chicago, IL", ""),
        ],
    }
    alerts: list[Alert] = []
    for name, rows in table.items():
        msg = email.message_from_bytes(
            (DATA / f"{name}.eml").read_bytes(), policy=email.policy.default
        )
        html_part, text_part = msg.get_body(("html",)), msg.get_body(("plain",))
        origin = "google_alert" if name.startswith("google") else name
        alert = Alert(
            name,
            str(msg["From"]),
            str(msg["Subject"]),
            str(msg["Date"]),
            origin,
            [Job(t, c, loc, "", canonical) for t, c, loc, canonical in rows],
            html=html_part.get_content() if html_part else "",
            text=text_part.get_content() if text_part else "",
        )
        alerts.append(alert)
    return alerts


def _indeed_text_only() -> Alert:
    """indeed_text_only.eml: an Indeed text alert whose links are engage.indeed.com trackers."""
    rows = [
        (
            "Staff Data Scientist - Product Analytics",
            "Ironclad, Inc.",
            "San Francisco, CA",
            "JOB1xQk9",
        ),
        ("Senior Manager, Data Science", "Turn/River", "San Francisco, CA", "JOB2mZt4"),
        ("Engineering Manager", "Omnifold", "Remote", "JOB3pLw7"),
    ]
    jobs = [
        Job(t, c, loc, "", _canon(f"https://engage.indeed.com/f/a/{key}~~/AAAHahE~/RgRnqK"))
        for t, c, loc, key in rows
    ]
    return Alert(
        "indeed_text_only", "Indeed <donotreply@match.indeed.com>", "", "", "indeed_alert", jobs
    )


def new_alerts() -> list[Alert]:
    return [
        monster(),
        monster("de"),
        careerbuilder(),
        wellfound(),
        builtin(),
        simplyhired(),
        usajobs(),
        handshake(),
        welcometothejungle(),
        welcometothejungle("fr"),
        idealist(),
        idealist("es"),
        linkedin_localised("de"),
        linkedin_localised("fr"),
        linkedin_localised("es"),
        indeed_fr(),
        linkedin_cards(),
    ]


# ---------------------------------------------------------------------------------- text parts as sent

#: Text parts in the exact shapes public parsers of these senders' mails document (logo
#: links on lines of their own, " title  <url>New", "N company alumni", "Posted: MM-DD-YYYY"),
#: written out line by line rather than rendered.
HANDWRITTEN: list[tuple[str, str, str, str, str, list[tuple[str, str, str, str]]]] = [
    (
        "dice_connect_text",
        "Dice <dice@connect.dice.com>",
        "New jobs for your search: site reliability",
        "dice_alert",
        """Your saved search: site reliability

<https://www.dice.com/company/10123456>

Site Reliability Engineer
<https://www.dice.com/job-detail/3e2d1c0b-a9f8-4e7d-8c6b-5a4f3e2d1c0b?src=3Demail>

Corvid Systems

Remote or Raleigh, North Carolina, USA

Posted: 02-09-2024

<https://www.dice.com/company/10987654>

Senior SRE - Kubernetes
<https://www.dice.com/job-detail/4f3e2d1c-0b9a-4f8e-9d7c-6b5a4f3e2d1c?src=3Demail>

Tidewater Cloud LLC

Norfolk, Virginia, USA

Posted: 02-08-2024

Manage alerts <https://www.dice.com/dashboard/alerts>
Unsubscribe <https://www.dice.com/unsubscribe?t=3Dd1>
""",
        [
            (
                "Site Reliability Engineer",
                "Corvid Systems",
                "Remote or Raleigh, North Carolina, USA",
                "https://www.dice.com/job-detail/3e2d1c0b-a9f8-4e7d-8c6b-5a4f3e2d1c0b",
            ),
            (
                "Senior SRE - Kubernetes",
                "Tidewater Cloud LLC",
                "Norfolk, Virginia, USA",
                "https://www.dice.com/job-detail/4f3e2d1c-0b9a-4f8e-9d7c-6b5a4f3e2d1c",
            ),
        ],
    ),
    (
        "ziprecruiter_text_part",
        "ZipRecruiter <alerts@ziprecruiter.com>",
        "Registered Nurse jobs near Aurora, IL",
        "ziprecruiter_alert",
        """Here are new jobs near Aurora, IL

 Registered Nurse - Emergency Department  <https://www.ziprecruiter.com/ekm/AAGq1Zx9Lm2Np3Q>New

Fox Valley Hospital • Aurora, IL • In-person
$42 - $55/hr
Estimated Pay
 View Details  <https://www.ziprecruiter.com/ekm/AAGq1Zx9Lm2Np3R>

 Virtual Nurse Educator  <https://www.ziprecruiter.com/ekm/AAHw4Yt7Kp6Jr5S>

Prairie Telehealth • Naperville, IL • Remote
$88K - $104K/yr
 1-Click Apply  <https://www.ziprecruiter.com/ekm/AAHw4Yt7Kp6Jr5T>

 View More Jobs  <https://www.ziprecruiter.com/jobs-search?search=nurse&location=Aurora>
Unsubscribe <https://www.ziprecruiter.com/unsubscribe?e=z1>
""",
        [
            (
                "Registered Nurse - Emergency Department",
                "Fox Valley Hospital",
                "Aurora, IL",
                "https://www.ziprecruiter.com/ekm/AAGq1Zx9Lm2Np3Q",
            ),
            (
                "Virtual Nurse Educator",
                "Prairie Telehealth",
                "Naperville, IL",
                "https://www.ziprecruiter.com/ekm/AAHw4Yt7Kp6Jr5S",
            ),
        ],
    ),
    (
        "linkedin_jobs_noreply_text",
        "LinkedIn <jobs-noreply@linkedin.com>",
        "Data Engineer at Quarry Labs and more jobs for you",
        "linkedin_alert",
        """Jobs similar to Data Engineer at Quarry Labs

Data Engineer
Quarry Labs
Denver, CO
1,228 company alumni
This company is actively hiring
View job: https://www.linkedin.com/comm/jobs/view/3988776655/?trackingId=3Dab&refId=3Dcd&trk=3Deml-jobs_jymbii_digest

---------------------------------------------------------

Analytics Engineer
Mesa Freight
Boulder, CO (Hybrid)
Apply with resume & profile
2 connections
View job: https://www.linkedin.com/comm/jobs/view/3988112233/?trackingId=3Def&refId=3Dgh&trk=3Deml-jobs_jymbii_digest

---------------------------------------------------------

See all jobs: https://www.linkedin.com/comm/jobs/collections/recommended
Unsubscribe: https://www.linkedin.com/comm/psettings/email-unsubscribe?lipi=3Durn
""",
        [
            (
                "Data Engineer",
                "Quarry Labs",
                "Denver, CO",
                "https://www.linkedin.com/jobs/view/3988776655/",
            ),
            (
                "Analytics Engineer",
                "Mesa Freight",
                "Boulder, CO",
                "https://www.linkedin.com/jobs/view/3988112233/",
            ),
        ],
    ),
    (
        "indeed_jobalert_text",
        "Indeed <donotreply@jobalert.indeed.com>",
        "Operations Manager jobs in Columbus, OH",
        "indeed_alert",
        """12 new Operations Manager jobs in Columbus, OH

Operations Manager
Buckeye Distribution - Columbus, OH 43215
$70,000 - $85,000 a year
Easily apply
Lead a team of 20 associates across two shifts in our regional warehouse.
Posted 2 days ago
https://www.indeed.com/rc/clk/dl?jk=1a2b3c4d5e6f7081&from=3Dja&tk=3D1hx

Assistant Operations Manager
Scioto Foods - Dublin, OH
Responsive employer
Support the plant manager with scheduling, safety audits and daily KPIs.
Just posted
https://www.indeed.com/rc/clk/dl?jk=2b3c4d5e6f708192&from=3Dja&tk=3D1hy

See all jobs: https://www.indeed.com/jobs?q=3Doperations+manager&l=3DColumbus
""",
        [
            (
                "Operations Manager",
                "Buckeye Distribution",
                "Columbus, OH 43215",
                "https://www.indeed.com/viewjob?jk=1a2b3c4d5e6f7081",
            ),
            (
                "Assistant Operations Manager",
                "Scioto Foods",
                "Dublin, OH",
                "https://www.indeed.com/viewjob?jk=2b3c4d5e6f708192",
            ),
        ],
    ),
]


HANDWRITTEN.append(
    (
        "indeed_cts_text",
        "Indeed <donotreply@jobalert.indeed.com>",
        "Payroll Specialist jobs in Tulsa, OK",
        "indeed_alert",
        """2 new Payroll Specialist jobs in Tulsa, OK

Payroll Specialist
Vandelay Industries - Tulsa, OK
$48,000 - $56,000 a year
Easily apply
Process biweekly payroll for 600 employees across three states.
Posted 3 days ago
https://cts.indeed.com/v3/H4sIAAAAAAAA_1WOwQ6CMBBE7-0jk8

Senior Payroll Analyst
Osage Energy Partners - Remote
Reconcile multi-state payroll tax filings and lead year-end W-2 processing.
Just posted
https://cts.indeed.com/v3/H4sIAAAAAAAA_1WOwQ6CMBBE7-0jk9

See all jobs: https://www.indeed.com/jobs?q=payroll&l=Tulsa
""",
        [
            (
                "Payroll Specialist",
                "Vandelay Industries",
                "Tulsa, OK",
                "https://cts.indeed.com/v3/H4sIAAAAAAAA_1WOwQ6CMBBE7-0jk8",
            ),
            (
                "Senior Payroll Analyst",
                "Osage Energy Partners",
                "Remote",
                "https://cts.indeed.com/v3/H4sIAAAAAAAA_1WOwQ6CMBBE7-0jk9",
            ),
        ],
    )
)


def handwritten() -> list[Alert]:
    alerts = []
    for name, sender, subject, origin, text, rows in HANDWRITTEN:
        text = text.replace("=3D", "=")
        jobs = [Job(t, c, loc, "", _canon(u)) for t, c, loc, u in rows]
        alerts.append(
            Alert(name, sender, subject, "Fri, 09 Feb 2024 12:00:00 +0000", origin, jobs, text=text)
        )
    return alerts


# ---------------------------------------------------------------------------------- writing


def _message(sender: str, to: str, subject: str, date: str, text: str, html: str = "") -> bytes:
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = date
    digest = hashlib.sha1(f"{sender}|{subject}|{date}|{text[:200]}".encode()).hexdigest()[:16]
    msg["Message-ID"] = f"<{digest}@fixtures.example.org>"
    if text:
        msg.set_content(text, cte="quoted-printable")
        if html:
            msg.add_alternative(html, subtype="html", cte="quoted-printable")
            msg.set_boundary(f"==============={digest}==")  # the same bytes on every run
    else:
        msg.set_content(html, subtype="html", cte="quoted-printable")
    return bytes(msg)


def _original(alert: Alert) -> Original:
    name, _, address = alert.sender.rpartition("<")
    return Original(
        sender_name=name.strip().strip('"'),
        sender=address.rstrip(">"),
        to=RECIPIENT,
        subject=alert.subject,
        date_gmail=alert.dates[0],
        date_outlook=alert.dates[1],
        date_apple=alert.dates[2],
    )


#: How each rendering is written: (file suffix, client, forward header, outer subject prefix).
RENDERINGS = {
    "gmail_text": (GMAIL, "gmail", "Fwd: "),
    "outlook_text": (OUTLOOK, "outlook", "FW: "),
    "outlook365_text": (OUTLOOK_365, "outlook_old", "FW: "),
    "apple_text": (APPLE, "apple", "Fwd: "),
}
NOTES = {
    "gmail": "Thought of the group - a few of these look right for us. Pat",
    "outlook": "Sharing in case anyone is looking. -Pat",
    "outlook_old": "FYI for the job leads list.",
    "apple": "Passing these along!",
}


def forwarded(alert: Alert, rendering: str) -> bytes:
    client, style, prefix = RENDERINGS[rendering]
    body = renderings.render(alert.html, client) if alert.html else alert.text
    original = _original(alert)
    note = NOTES[style]
    if style == "gmail":
        text = renderings.gmail_forward(note, original, body)
    elif style == "outlook":
        text = renderings.outlook_forward(note, original, body)
    elif style == "outlook_old":
        text = renderings.outlook_forward(note, original, body, old_style=True)
    else:
        text = renderings.apple_forward(note, original, body)
    return _message(MEMBER, INBOX, prefix + alert.subject, "Fri, 16 Feb 2024 18:20:00 -0600", text)


def _which_renderings(alert: Alert) -> list[str]:
    """Every alert through Gmail and Outlook; Apple Mail and SafeLinks for some."""
    chosen = ["gmail_text", "outlook_text"]
    if alert.name in (
        "linkedin_alert",
        "indeed_alert",
        "monster_alert",
        "idealist_alert",
        "handshake_alert",
        "careerbuilder_alert",
        "linkedin_cards_alert",
    ):
        chosen.append("apple_text")
    if alert.name in (
        "linkedin_alert",
        "glassdoor_alert",
        "simplyhired_alert",
        "usajobs_alert",
        "builtin_alert",
        "wellfound_alert",
        "linkedin_alert_fr",
        "linkedin_cards_alert",
    ):
        chosen.append("outlook365_text")
    if alert.language != "en" and alert.name not in (
        "linkedin_alert_fr",
        "welcometothejungle_alert_fr",
    ):
        chosen = []  # one localised alert per sender is enough; two get forwarded too
    return chosen


def _expected_entry(alert: Alert, file: str, rendering: str) -> str:
    lines = [
        "[[fixture]]",
        f'file = "{file}"',
        f'sender = "{alert.origin.removesuffix("_alert")}"',
        f'rendering = "{rendering}"',
        f'language = "{alert.language}"',
        f'origin = "{alert.origin}"',
    ]
    for job in alert.jobs:
        lines.append("[[fixture.job]]")
        for key, value in (
            ("title", job.title),
            ("company", job.company),
            ("location", job.location),
            ("canonical_url", job.canonical),
        ):
            lines.append(f"{key} = {_toml(value)}")
    return "\n".join(lines) + "\n"


def _toml(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main() -> None:
    entries: list[str] = []
    older = older_alerts()
    for alert in older:
        entries.append(_expected_entry(alert, f"{alert.name}.eml", "html"))
    linkedin = next(a for a in older if a.name == "linkedin_alert")
    entries.append(_expected_entry(linkedin, "forwarded_linkedin_alert.eml", "gmail_html"))
    entries.append(_expected_entry(_indeed_text_only(), "indeed_text_only.eml", "text"))
    for alert in new_alerts():
        (DATA / f"{alert.name}.eml").write_bytes(
            _message(alert.sender, RECIPIENT, alert.subject, alert.date, alert.text, alert.html)
        )
        entries.append(_expected_entry(alert, f"{alert.name}.eml", "html"))
    for alert in handwritten():
        (DATA / f"{alert.name}.eml").write_bytes(
            _message(alert.sender, RECIPIENT, alert.subject, alert.date, alert.text)
        )
        entries.append(_expected_entry(alert, f"{alert.name}.eml", "text"))
    for alert in older + new_alerts():
        for rendering in _which_renderings(alert):
            file = f"{alert.name}_{rendering}.eml"
            (DATA / file).write_bytes(forwarded(alert, rendering))
            entries.append(_expected_entry(alert, file, rendering))
    header = (
        "# The jobs each alert fixture holds, written from the tables in\n"
        "# tests/support/alert_fixtures.py (python -m tests.support.alert_fixtures).\n"
        "# rendering: html = the alert as sent (HTML and, if the sender sends one, text part);\n"
        "# <client>_text = a member forwarded it as plain text from that mail client.\n"
        "# An empty canonical_url is not checked (Google's search links carry a per-mail token).\n\n"
    )
    (DATA / "expected.toml").write_text(header + "\n".join(entries), encoding="utf-8")


if __name__ == "__main__":
    main()
