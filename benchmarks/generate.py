"""A seeded generator of realistic synthetic groups: members, sub-groups, member mails, alerts, feeds.

Same seed, same group: benchmark runs are comparable across machines and commits.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

FIRST = [
    "Alice",
    "Bob",
    "Carol",
    "Dan",
    "Erin",
    "Frank",
    "Grace",
    "Heidi",
    "Ivan",
    "Judy",
    "Mallory",
    "Niaj",
    "Olivia",
    "Peggy",
    "Rupert",
    "Sybil",
    "Trent",
    "Uma",
    "Victor",
    "Wendy",
]
LAST = [
    "Moreno",
    "Stone",
    "Diaz",
    "Whitaker",
    "Nguyen",
    "Patel",
    "Kim",
    "Garcia",
    "Okafor",
    "Schmidt",
    "Rossi",
    "Novak",
    "Tanaka",
    "Silva",
    "Cohen",
    "Murphy",
]
COMPANIES = [
    "Sabre",
    "Acme Foods",
    "Globex",
    "Initech",
    "Umbrella Health",
    "Stark Industries",
    "Wayne Logistics",
    "Hooli",
    "Vandelay Industries",
    "Soylent",
    "Cyberdyne",
    "Tyrell",
    "Wonka",
    "Gringotts Bank",
    "Oceanic Air",
    "Massive Dynamic",
    "Pied Piper",
    "Dunder Mifflin",
    "Prestige Worldwide",
    "Aperture",
]
CITIES = [
    "Dallas, TX",
    "Plano, TX",
    "Fort Worth, TX",
    "Irving, TX",
    "Austin, TX",
    "Remote",
    "Frisco, TX",
]
SUBGROUPS = {
    "Marketing": [
        "Marketing Manager",
        "Brand Manager",
        "Digital Marketing Specialist",
        "Social Media Manager",
        "Content Marketing Manager",
        "Product Marketing Manager",
        "Marketing Director",
    ],
    "Information Technology": [
        "Software Engineer",
        "Data Engineer",
        "DevOps Engineer",
        "IT Manager",
        "Systems Administrator",
        "Cloud Architect",
        "QA Engineer",
    ],
    "Finance and Accounting": [
        "Financial Analyst",
        "Senior Accountant",
        "Controller",
        "FP&A Manager",
        "Tax Manager",
        "Accounts Payable Specialist",
        "Auditor",
    ],
    "Human Resources": [
        "HR Business Partner",
        "Recruiter",
        "Talent Acquisition Manager",
        "HR Generalist",
        "Compensation Analyst",
        "Benefits Manager",
    ],
    "Sales": [
        "Account Executive",
        "Sales Manager",
        "Business Development Manager",
        "Account Manager",
        "Sales Engineer",
        "Inside Sales Representative",
    ],
    "Supply Chain": [
        "Supply Chain Analyst",
        "Logistics Manager",
        "Procurement Manager",
        "Buyer",
        "Operations Manager",
        "Warehouse Manager",
    ],
}
SENIORITY = ["", "", "Senior ", "Sr. ", "Lead ", "Associate ", "Principal "]
FILLER = (
    "We are looking for a motivated professional to join our growing team. You will partner with "
    "stakeholders across the business, own key deliverables, and help shape our strategy. "
)


@dataclass
class Group:
    subgroups_toml: str
    members_csv: str
    member_emails: list[str]


def make_group(rng: random.Random, members: int) -> Group:
    lines = []
    for name, roles in SUBGROUPS.items():
        quoted = ", ".join(f'"{r}"' for r in roles)
        lines.append(f'[[subgroup]]\nname = "{name}"\nroles = [{quoted}]\n')
    rows = ["email,name,subgroups,past_employers,keywords,location"]
    emails = []
    names = list(SUBGROUPS)
    for i in range(members):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        email = f"{first.lower()}.{last.lower()}{i}@members.example"
        emails.append(email)
        groups = ";".join(rng.sample(names, rng.choice([1, 1, 2])))
        employers = ";".join(rng.sample(COMPANIES, rng.choice([0, 1, 2, 3])))
        rows.append(f'{email},{first} {last},{groups},{employers},,"{rng.choice(CITIES)}"')
    return Group("\n".join(lines), "\n".join(rows) + "\n", emails)


def job(rng: random.Random) -> tuple[str, str, str]:
    group = rng.choice(list(SUBGROUPS))
    return (
        rng.choice(SENIORITY) + rng.choice(SUBGROUPS[group]),
        rng.choice(COMPANIES),
        rng.choice(CITIES),
    )


def _mail(sender: str, subject: str, text: str, html: str | None, when: datetime) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "leads@group.example.org"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = make_msgid(domain="bench.example")
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    return msg.as_bytes()


def forward_mail(rng: random.Random, sender: str, n: int) -> bytes:
    title, company, city = job(rng)
    url = f"https://boards.greenhouse.io/{company.split()[0].lower()}/jobs/{4_000_000 + n}?utm_source=email"
    body = f"{company} is hiring a {title} in {city}.\n{FILLER * 3}\nApply: {url}\n"
    text = (
        f"Thought of the group for this one.\n\n---------- Forwarded message ---------\n"
        f"From: Recruiter <recruiter@talent.example>\nDate: Mon, Nov 23, 2026 at 9:12 AM\n"
        f"Subject: {title} at {company}\nTo: <{sender}>\n\n{body}"
    )
    return _mail(
        sender, f"Fwd: {title} at {company}", text, None, datetime(2026, 11, 23, tzinfo=UTC)
    )


def linkedin_alert(rng: random.Random, sender: str, n: int, target_bytes: int = 30_000) -> bytes:
    """A LinkedIn-style job alert, padded with the tables and styles real ones carry, about 30 KB."""
    cards_html, cards_text = [], []
    style = (
        "font-family:-apple-system,system-ui,BlinkMacSystemFont,'Segoe UI',Roboto,'Helvetica Neue',"
        "'Fira Sans',Ubuntu,Oxygen,'Oxygen Sans',Cantarell,'Droid Sans','Apple Color Emoji',"
        "'Segoe UI Emoji','Segoe UI Symbol','Lucida Grande',Helvetica,Arial,sans-serif;"
    )
    k = 0
    while k < 10 or sum(len(c) for c in cards_html) < target_bytes * 0.8:
        title, company, city = job(rng)
        jid = 3_900_000_000 + n * 100 + k
        link = f"https://www.linkedin.com/comm/jobs/view/{jid}/?trackingId=abc{k}&refId=xyz&lipi=urn%3Ali%3Apage"
        logo = f"https://media.licdn.com/dms/image/C4E0BAQ{jid}/company-logo_100_100/0/{jid}?e=2147483647&v=beta&t=x"
        cards_html.append(
            f'<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="{style}padding:12px 0;">'
            f'<tr><td width="56" style="{style}padding:0 12px 0 0;vertical-align:top"><a href="{link}">'
            f'<img src="{logo}" alt="{company}" width="48" height="48" style="{style}border-radius:4px"></a></td>'
            f'<td style="{style}vertical-align:top"><table role="presentation" width="100%"><tr><td style="{style}">'
            f'<a href="{link}" style="{style}color:#0a66c2;font-size:16px;font-weight:600;text-decoration:none">'
            f'{title}</a></td></tr><tr><td style="{style}font-size:14px;color:#1f1f1f">{company} &middot; {city}</td></tr>'
            f'<tr><td style="{style}font-size:12px;color:#666;padding-top:4px">Actively recruiting &middot; Easy Apply</td></tr>'
            f"</table></td></tr></table>"
        )
        cards_text.append(
            f"{title}\n{company}\n{city}\nView job: {link}\n\n---------------------------------------------------------\n"
        )
        k += 1
        if k >= 12:
            break
    footer = (
        '<p><a href="https://www.linkedin.com/comm/jobs/search/?keywords=x">See all jobs</a> '
        '<a href="https://www.linkedin.com/comm/psettings/job-alerts">Job alert settings</a> '
        '<a href="https://www.linkedin.com/comm/psettings/email-unsubscribe?x=1">Unsubscribe</a></p>'
    )
    html = f'<html><body><table width="100%">{"".join(cards_html)}</table>{footer}</body></html>'
    text = (
        "Your job alert for marketing\n\n"
        + "".join(cards_text)
        + "See all jobs: https://www.linkedin.com/comm/jobs/search/\n"
    )
    msg = EmailMessage()
    msg["From"] = "LinkedIn Job Alerts <jobalerts-noreply@linkedin.com>"
    msg["To"] = sender
    msg["Subject"] = f"{k} new jobs for 'marketing manager'"
    msg["Date"] = format_datetime(datetime(2026, 11, 23, tzinfo=UTC) + timedelta(minutes=n))
    msg["Message-ID"] = make_msgid(domain="linkedin.example")
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg.as_bytes()


def feed_xml(rng: random.Random, entries: int, feed_no: int) -> bytes:
    items = []
    for i in range(entries):
        title, company, city = job(rng)
        desc = "<p>" + FILLER * rng.randint(5, 15) + "</p><ul><li>Benefits</li><li>401k</li></ul>"
        items.append(
            f"<item><title>{title} at {company} ({city})</title>"
            f"<link>https://jobs.example.org/{feed_no}/{i}?utm_source=rss</link><guid>job-{feed_no}-{i}</guid>"
            f"<pubDate>Mon, 23 Nov 2026 09:00:00 GMT</pubDate><description><![CDATA[{desc}]]></description></item>"
        )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Jobs {feed_no}</title>'
        f"<link>https://jobs.example.org/</link>{''.join(items)}</channel></rss>"
    ).encode()
