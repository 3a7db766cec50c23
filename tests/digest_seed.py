"""A small, fixed group for the digest tests: members with their choices, a week of postings.

Written with the ORM into a real database (SQLite or PostgreSQL), so the digest code reads it
exactly as it reads production data. Everything is deterministic (times, names, order), which the
golden files rely on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from digest.store.db import Database
from digest.store.models import Feedback, Member, PastEmployer, Posting, Sighting, Subgroup, Tag
from parsers.company import normalize_company

PERIOD = "2026-W48"
#: Monday 2026-11-23 00:00 America/Chicago, in naive UTC (the database's convention).
WEEK_START = datetime(2026, 11, 23, 6, 0)


@dataclass
class Seeded:
    members: dict[str, int] = field(default_factory=dict)  # first name -> id
    postings: dict[str, int] = field(default_factory=dict)  # short key -> id
    subgroups: dict[str, int] = field(default_factory=dict)


def _member(email: str, name: str, groups: list[Subgroup], **kw: object) -> Member:
    employers = [
        PastEmployer(name=e, company_key=normalize_company(e)) for e in kw.pop("employers", [])
    ]  # type: ignore[attr-defined]
    kw.setdefault("contact_opt_in", True)  # this group's members agreed to be inside contacts
    member = Member(email=email, name=name, **kw)
    member.subgroups = groups
    member.employers = employers
    return member


def _posting(title: str, company: str, hours: float, **kw: object) -> Posting:
    return Posting(
        title=title, company=company, company_key=normalize_company(company),
        first_seen=WEEK_START - timedelta(hours=hours), **kw,
    )  # fmt: skip


def seed_group(db: Database) -> Seeded:
    """Marketing and IT sub-groups, seven members, a week of postings with credits and feedback."""
    out = Seeded()
    with db.session() as s:
        marketing = Subgroup(name="Marketing")
        it = Subgroup(name="Information Technology")
        s.add_all([marketing, it])
        people = {
            "alice": _member("alice@members.example", "Alice Moreno", [marketing], keywords=["brand"],
                             location="Dallas, TX", employers=["Acme Foods"]),
            "bob": _member("bob@members.example", "Bob Stone", [marketing], show_name=False),
            "carol": _member("carol@members.example", "Carol Díaz", [it], keywords=["python"],
                             location="Remote"),
            "dan": _member("dan@members.example", "Dan Whitaker", [marketing],
                           employers=["Sabre Inc.", "Frito-Lay"]),
            "erin": _member("erin@members.example", "Erin Private", [marketing],
                            employers=["SABRE Corporation"], contact_opt_in=False, thank_opt_in=False),
            "frank": _member("frank@members.example", "Frank Gone", [it], status="removed",
                             employers=["Initech"]),
            "gina": _member("gina@members.example", "Gina Quiet", [it], always_send=True, remote_ok=False),
        }  # fmt: skip
        s.add_all(people.values())
        s.flush()
        out.members = {k: m.id for k, m in people.items()}
        out.subgroups = {"marketing": marketing.id, "it": it.id}
        postings = {
            "brand": _posting("Senior Brand Manager", "Sabre Corporation", 30, location="Southlake, TX",
                              canonical_url="https://boards.greenhouse.io/sabre/jobs/4012345",
                              posted_at="2026-11-20T09:00:00Z", salary="$120k–$140k"),
            "acme": _posting("Marketing Manager", "Acme Foods", 50, location="Dallas, TX",
                             url="https://acme.example/jobs/7"),
            "devops": _posting("DevOps Engineer", "Initech", 20, remote=True,
                               canonical_url="https://jobs.lever.co/initech/8f2c1a9e"),
            "python": _posting("Backend Developer (Python)", "Hooli", 10, location="Austin, TX",
                               description="We use Python and PostgreSQL.",
                               canonical_url="https://hooli.example/careers/42"),
            "evil": _posting("<script>alert(1)</script>Social Media <b>Lead</b> &amp; Community",
                             "Evil & Co <img src=x onerror=alert(2)>", 40, location="Plano, TX",
                             url="javascript:alert(3)"),
            "stale": _posting("Brand Manager (reposted)", "Old Co", 24 * 9, location="Dallas, TX",
                              url="https://old.example/1"),
            "held": _posting("Marketing Manager", "Shady Co", 5, held=True, url="https://shady.example/1"),
            "hidden": _posting("Brand Strategist", "Hidden Co", 5, status="hidden", url="https://hidden.example/1"),
            "disliked": _posting("Marketing Coordinator", "Meh Inc", 1, url="https://meh.example/1"),
        }  # fmt: skip
        for i in range(5):
            postings[f"globex{i}"] = _posting(f"Marketing Specialist {i + 1}", "Globex", 60 + i,
                                              url=f"https://globex.example/jobs/{i + 1}")  # fmt: skip
        s.add_all(postings.values())
        s.flush()
        out.postings = {k: p.id for k, p in postings.items()}
        marketing_tag = {"brand": 0.92, "acme": 0.8, "evil": 0.7, "stale": 0.9, "held": 0.9,
                         "hidden": 0.9, "disliked": 0.75} | {f"globex{i}": 0.6 for i in range(5)}  # fmt: skip
        for key, score in marketing_tag.items():
            role = "Brand Manager" if "Brand" in postings[key].title else "Marketing Manager"
            s.add(Tag(posting=postings[key], subgroup=marketing, role=role, score=score,
                      why=[f"title matches '{role.lower()}'"]))  # fmt: skip
        s.add(Tag(posting=postings["devops"], subgroup=it, role="DevOps Engineer", score=0.85,
                  why=["title matches 'devops engineer'"]))  # fmt: skip
        s.add(Tag(posting=postings["devops"], subgroup=it, role="DevOps Engineer", score=0.1,
                  why=["old rules"], generation=0, current=False))  # fmt: skip
        shares = [("brand", "alice", 29), ("brand", "bob", 28), ("brand", "dan", 27),
                  ("acme", "bob", 49), ("devops", "carol", 19), ("devops", "frank", 18),
                  ("python", "carol", 9), ("evil", "alice", 39), ("disliked", "alice", 1)]  # fmt: skip
        for key, who, hours in shares:
            s.add(Sighting(posting=postings[key], member_id=people[who].id, sender=people[who].email,
                           seen_at=WEEK_START - timedelta(hours=hours)))  # fmt: skip
        for who in ("bob", "erin", "gina"):
            s.add(
                Feedback(
                    member_id=people[who].id,
                    posting_id=postings["disliked"].id,
                    kind="not_relevant",
                )
            )
    return out
