"""Warm intros and landings, through the web app (Flask's client) and real mail (aiosmtpd).

A member asks an inside contact for an introduction from their digest; the contact gets one mail
and answers with a signed link; the asker sees the answer. "Hired" opens the landing form; the
group's next digests celebrate it. Every step is a confirm page and a POST: mail scanners that
open every link (GET and HEAD) change nothing.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from digest.clock import utcnow
from digest.config import Config
from digest.delivery.audience import compose_all
from digest.delivery.periods import period_of
from digest.delivery.render import Links, render_text
from digest.delivery.send import send_digests
from digest.store.db import Database
from digest.store.models import IntroRequest, Landing, Member, PastEmployer
from digest.web import create_app
from tests.support.db import migrated_db
from tests.test_security import _with_smtp, digest_mails, links_in, mail_links, path_of, snapshot
from tests.test_web import SECRET, World, build_world, csrf, make_config, sign_in, token_for

ASK = re.compile(r'href="([^"]*/intro/[^"]+)"')


@pytest.fixture
def cfg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Config:
    monkeypatch.setenv("JOBDIGEST_WEB_TEST_SECRET", SECRET)
    return make_config(tmp_path)


@pytest.fixture
def db(cfg: Config) -> Database:
    database = migrated_db(cfg.database_url())
    yield database
    database.dispose()


@pytest.fixture
def world(db: Database) -> World:
    """build_world, and Dan (IT) used to work at Acme, shows it and takes intro requests."""
    found = build_world(db)
    with db.session() as s:
        dan = s.get_one(Member, found.dan)
        dan.contact_opt_in = dan.intro_opt_in = True
        dan.employers = [PastEmployer(name="Acme", company_key="acme")]
        if hasattr(dan, "pitch"):
            s.get_one(Member, found.alice).pitch = "Brand builder moving into social media"
    return found


def _digest_text(cfg: Config, db: Database, email: str) -> str:
    period = period_of(datetime.now(UTC), cfg.tz)
    from digest.delivery.tokens import Signer

    digests = list(compose_all(db, cfg, period, member_email=email))
    assert digests, f"no digest for {email}"
    return render_text(cfg, digests[0], Links(cfg, Signer.from_config(cfg), digests[0].member.id))


def _sent_digests(cfg: Config, db: Database, smtp_server) -> list:  # type: ignore[no-untyped-def]
    """This week's digests, sent for real through aiosmtpd, as received."""
    result = send_digests(db, _with_smtp(cfg, smtp_server), retry_delay=0)
    assert result.sent >= 2
    return [m.message() for m in smtp_server.wait_for(result.sent)]


def _answer_links(body: str) -> dict[str, str]:
    found = re.findall(r"http://127\.0\.0\.1:5000(/intro/answer/\S+/(help|decline))", body)
    return {choice: path for path, choice in found}


def test_ask_dan_mails_him_once_and_alice_sees_his_answer(
    cfg: Config, db: Database, world: World, smtp_server
) -> None:  # type: ignore[no-untyped-def]
    mails = _sent_digests(cfg, db, smtp_server)
    alice_mail = next(m for m in mails if "alice@example.org" in str(m["To"]))
    html = alice_mail.get_body(("html",)).get_content()
    assert (
        "Inside contact: <strong>Dan Whitaker</strong> (IT sub-group) used to work at Acme" in html
    )
    assert "Ask Dan for an introduction" in html
    ask_path = path_of(ASK.search(html).group(1).replace("&amp;", "&"))
    smtp_server.reset()
    app = create_app(_with_smtp(cfg, smtp_server), db)
    client = app.test_client()
    before = snapshot(db)
    assert client.head(ask_path).status_code == 200
    page = client.get(ask_path)
    assert page.status_code == 200 and "Ask Dan Whitaker for an introduction?" in page.text
    assert snapshot(db) == before  # the scanner's GET and HEAD asked nobody
    done = client.post(ask_path, data={"csrf_token": csrf(page)})
    assert done.status_code == 200 and "Request sent" in done.text
    again = client.post(ask_path, data={"csrf_token": csrf(page)})
    assert "You already asked" in again.text
    app.extensions["jobdigest"].outbox.drain()
    received = smtp_server.wait_for(1)
    assert len(received) == 1  # one mail, however often Alice presses
    msg = received[0].message()
    assert "dan@example.org" in str(msg["To"]) and "alice@example.org" in str(msg["Reply-To"])
    assert "Alice Moreno asks you for an introduction at Acme" in str(msg["Subject"])
    body = msg.get_content()
    assert "Senior Marketing Manager" in body and "https://acme.example/jobs/1" in body
    links = _answer_links(body)
    assert set(links) == {"help", "decline"}
    before = snapshot(db)
    for path in links.values():  # a mail scanner opens both answers
        assert client.head(path).status_code == 200
        assert client.get(path).status_code == 200
    assert snapshot(db) == before
    confirm = client.get(links["help"])
    assert client.post(links["help"], data={"csrf_token": csrf(confirm)}).status_code == 200
    late = client.post(links["decline"], data={"csrf_token": csrf(confirm)})
    assert "happy to help" in late.text  # the first answer stands
    with db.session() as s:
        (req,) = s.scalars(select(IntroRequest)).all()
        assert req.status == "accepted" and req.mailed_at and req.answered_at
    own = sign_in(app, world.alice).get("/me", follow_redirects=True)
    assert "Dan Whitaker is happy to introduce you at Acme" in own.text
    assert "Dan Whitaker is happy to introduce you at Acme" in _digest_text(
        cfg, db, "alice@example.org"
    )
    assert "introduce you" not in _digest_text(cfg, db, "carol@example.org")


def test_contacts_choose_and_get_at_most_n_requests_a_week(
    cfg: Config, db: Database, world: World, smtp_server
) -> None:  # type: ignore[no-untyped-def]
    cfg.group.intro_requests_per_week = 1
    app = create_app(_with_smtp(cfg, smtp_server), db)
    alice_ask = f"/intro/{token_for(app, 'intro-ask', [world.alice, world.dan, world.p_marketing])}"
    carol_ask = f"/intro/{token_for(app, 'intro-ask', [world.carol, world.dan, world.p_marketing])}"
    client = app.test_client()
    page = client.get(alice_ask)
    assert client.post(alice_ask, data={"csrf_token": csrf(page)}).status_code == 200
    page = client.get(carol_ask)
    refused = client.post(carol_ask, data={"csrf_token": csrf(page)})
    assert refused.status_code == 429
    assert "Dan Whitaker already has 1 introduction requests this week" in refused.text
    with db.session() as s:
        s.get_one(Member, world.dan).intro_opt_in = False
    page = client.get(carol_ask)
    assert "does not take introduction requests" in page.text and "<form" not in page.text
    assert client.post(carol_ask, data={"csrf_token": csrf(page)}).status_code == 400
    forged = client.get(f"/intro/{token_for(app, 'feedback', [world.carol, world.dan, 1])}")
    assert forged.status_code == 400  # a token for another purpose asks nothing
    app.extensions["jobdigest"].outbox.drain()
    assert len(smtp_server.wait_for(1)) == 1
    with db.session() as s:
        assert len(s.scalars(select(IntroRequest)).all()) == 1
    text = _digest_text(cfg, db, "carol@example.org")
    assert "Ask Dan" not in text  # no longer offered once Dan stopped taking requests


def test_hired_opens_the_landing_form_and_the_group_celebrates(
    cfg: Config, db: Database, world: World
) -> None:
    app = create_app(cfg, db)
    with db.session() as s:
        s.add(IntroRequest(asker_id=world.alice, contact_id=world.dan, posting_id=world.p_marketing,
                           status="accepted", answered_at=utcnow()))  # fmt: skip
    client = app.test_client()
    hired = f"/feedback/{token_for(app, 'feedback', [world.alice, world.p_marketing])}/hired"
    page = client.get(hired)
    moved = client.post(hired, data={"csrf_token": csrf(page)})
    assert moved.status_code == 303 and "/landed/" in moved.headers["Location"]
    form = client.get(moved.headers["Location"])
    assert form.status_code == 200 and 'value="Acme"' in form.text
    assert 'value="Senior Marketing Manager"' in form.text
    before = snapshot(db)
    client.head(moved.headers["Location"])
    assert snapshot(db) == before
    saved = client.post(
        moved.headers["Location"],
        data={
            "csrf_token": csrf(form),
            "company": "Acme",
            "role": "Senior Marketing Manager",
            "celebrate": "y",
        },  # fmt: skip
    )
    assert saved.status_code == 200 and "celebrates it in the next digest" in saved.text
    with db.session() as s:
        alice = s.get_one(Member, world.alice)
        assert alice.landed_at is not None and not alice.keep_helping
        assert [(e.name, e.current) for e in alice.employers] == [("Acme", True)]
        assert len(s.scalars(select(Landing)).all()) == 1
    text = _digest_text(cfg, db, "carol@example.org")
    assert (
        "Landed: Alice Moreno, Senior Marketing Manager at Acme; lead shared by Carol King,"
        " intro by Dan Whitaker" in " ".join(text.split())
    )
    period = period_of(datetime.now(UTC), cfg.tz)
    everyone = {d.member.email for d in compose_all(db, cfg, period)}
    assert "alice@example.org" not in everyone  # her leads stop
    assert "carol@example.org" in everyone
    with db.session() as s:
        s.get_one(Member, world.alice).keep_helping = True
    assert "alice@example.org" in {d.member.email for d in compose_all(db, cfg, period)}


def test_a_private_landing_is_not_celebrated_and_makes_a_current_contact(
    cfg: Config, db: Database, world: World
) -> None:
    app = create_app(cfg, db)
    client = app.test_client()
    landed = f"/landed/{token_for(app, 'landing', [world.bob, world.p_devops])}"
    form = client.get(landed)
    client.post(landed, data={"csrf_token": csrf(form), "company": "Acme", "role": "SRE",
                              "keep_helping": "y"})  # fmt: skip
    with db.session() as s:
        bob = s.get_one(Member, world.bob)
        bob.contact_opt_in = True
    text = _digest_text(cfg, db, "carol@example.org")
    assert "Landed:" not in text
    assert "Bob Lee (IT sub-group) works at Acme (current employer)" in " ".join(text.split())


def test_scanners_opening_every_intro_and_landing_link_change_nothing(
    cfg: Config, db: Database, world: World, smtp_server
) -> None:  # type: ignore[no-untyped-def]
    mails = digest_mails(cfg, db, smtp_server)
    app = create_app(cfg, db)
    todo = set().union(*(mail_links(m) for m in mails))
    signer = app.extensions["jobdigest"].signer
    with db.session() as s:
        req = IntroRequest(asker_id=world.carol, contact_id=world.dan, posting_id=world.p_marketing)
        s.add(req)
        s.flush()
        todo |= {f"/intro/answer/{signer.dumps('intro-answer', req.id)}/help"}
    todo |= {f"/landed/{signer.dumps('landing', [world.carol, world.p_marketing])}"}
    assert {p.split("/")[1] for p in todo} >= {"intro", "landed", "feedback"}
    before = snapshot(db)
    scanner = app.test_client()
    for path in sorted(todo):
        assert scanner.head(path).status_code < 500, path
        page = scanner.get(path)
        assert page.status_code < 500, path
        for link in links_in(page.get_data(as_text=True)):
            assert scanner.get(link).status_code < 500, link
    assert snapshot(db) == before
