"""Attacks on the web app and the mail path, performed for real: each test is one finding of the
"security" issue, tried as an attacker (or a mail scanner, or a proxy) would, and shown to fail.

The web app runs in Flask's test client on a SQLite database; mail goes through the aiosmtpd
test server. The fetcher's attacks (decompression bombs, trickling servers) are in
tests/test_fetch_limits.py.
"""

from __future__ import annotations

import email.policy
import io
import re
import secrets
from email import message_from_bytes
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from digest.config import Config, parse_config
from digest.delivery.render import Links, build_mail
from digest.delivery.send import send_digests
from digest.errors import UserError
from digest.ingest.record import process_message, store_postings
from digest.roster.imports import parse_members_csv
from digest.store.db import Database
from digest.store.models import Base, Member, Posting, RawMessage, Source, Tag
from digest.tagging.tag import tag_pending
from digest.web import create_app
from digest.web.context import db_session
from digest.web.digests import current_period, member_digest
from parsers.jsonld import parse_jobpostings
from parsers.model import Address, ParsedItem
from tests.support.db import migrated_db
from tests.support.worker import background
from tests.test_web import SECRET, World, build_world, csrf, make_config, member, sign_in

BASE = "http://127.0.0.1:5000"
_HREF = re.compile(r'href="([^"]+)"')
_URL = re.compile(r"https?://[^\s<>\"]+")


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
    return build_world(db)


@pytest.fixture
def app(cfg: Config, db: Database, world: World) -> Flask:
    return create_app(cfg, db)


def _with_smtp(cfg: Config, smtp_server) -> Config:  # type: ignore[no-untyped-def]
    cfg.smtp.host, cfg.smtp.port = smtp_server.host, smtp_server.port
    cfg.smtp.security, cfg.smtp.ca_file, cfg.smtp.username = (
        "starttls",
        str(smtp_server.tls.ca_file),
        "",
    )
    return cfg


@pytest.fixture
def mail_app(cfg: Config, db: Database, world: World, smtp_server) -> Flask:  # type: ignore[no-untyped-def]
    return create_app(_with_smtp(cfg, smtp_server), db)


def snapshot(db: Database) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table: what "nothing changed" means."""
    with db.engine.connect() as conn:
        return {
            table.name: sorted(tuple(map(repr, row)) for row in conn.execute(table.select()))
            for table in Base.metadata.sorted_tables
        }


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def links_in(text: str) -> set[str]:
    found = set(_HREF.findall(text)) | set(_URL.findall(text))
    site = {u.replace("&amp;", "&") for u in found if u.startswith((BASE, "/")) and u != "/"}
    return {path_of(u) if u.startswith(BASE) else u for u in site if not u.startswith("//")}


def digest_mails(cfg: Config, db: Database, smtp_server) -> list:  # type: ignore[no-untyped-def]
    """Send this week's digests for real (aiosmtpd) and return the received messages."""
    cfg = _with_smtp(cfg, smtp_server)
    cfg.digest.max_postings = 1  # so the digest has a "see N more on the site" link
    result = send_digests(db, cfg, retry_delay=0)
    assert result.sent >= 2
    return [m.message() for m in smtp_server.wait_for(result.sent)]


def mail_links(msg) -> set[str]:  # type: ignore[no-untyped-def]
    links = set()
    for part in msg.walk():
        if part.get_content_maintype() == "text":
            links |= links_in(part.get_content())
    links |= links_in(str(msg["List-Unsubscribe"]))
    return links


# -- 1 and operable 9: no GET or HEAD changes anything ---------------------------------------------


def test_get_and_head_on_every_link_of_a_real_digest_change_nothing(
    cfg: Config, db: Database, world: World, smtp_server
) -> None:  # type: ignore[no-untyped-def]
    """What Safe Links, Mimecast and link checkers do: open every link of every digest, and
    every link on the pages those open, with HEAD and with GET."""
    mails = digest_mails(cfg, db, smtp_server)
    app = create_app(cfg, db)
    before = snapshot(db)
    todo = set().union(*(mail_links(m) for m in mails))
    kinds = {p.split("/")[1] for p in todo}
    assert {"feedback", "preferences", "unsubscribe", "digest"} <= kinds
    seen: set[str] = set()
    scanner = app.test_client()
    for _depth in range(2):
        found: set[str] = set()
        for path in sorted(todo - seen):
            seen.add(path)
            assert scanner.head(path).status_code < 500, path
            page = scanner.get(path)
            assert page.status_code < 500, path
            if page.mimetype == "text/html":
                found |= links_in(page.get_data(as_text=True))
        todo = found
    assert len(seen) > 10
    assert snapshot(db) == before  # no delivery, feedback, preference or unsubscribe changed
    with db.session() as s:
        assert {m.status for m in s.scalars(select(Member))} == {"active"}


def test_head_of_the_unsubscribe_link_unsubscribes_nobody(
    app: Flask, cfg: Config, db: Database, world: World
) -> None:
    path = path_of(Links(cfg, app.extensions["jobdigest"].signer, world.carol).unsubscribe)
    client = app.test_client()
    assert client.head(path).status_code == 200
    assert member(db, world.carol).status == "active"
    client.post(path, data={"List-Unsubscribe": "One-Click"})  # RFC 8058 still works
    assert member(db, world.carol).status == "unsubscribed"


def test_a_view_that_writes_on_get_is_refused(app: Flask, db: Database, world: World) -> None:
    """The guard under every view: a future GET view that writes fails loudly (500), and writes
    nothing, instead of unsubscribing members whenever a scanner passes."""

    @app.route("/_test/writes-on-get", methods=["GET", "POST"])
    def writes() -> str:
        db_session().get_one(Member, world.carol).status = "unsubscribed"
        db_session().commit()
        return "done"

    client = app.test_client()
    assert client.get("/_test/writes-on-get").status_code == 500
    assert client.head("/_test/writes-on-get").status_code == 500
    assert member(db, world.carol).status == "active"
    assert client.post("/_test/writes-on-get").status_code == 400  # POST needs its CSRF token


# -- 2: tokens have one purpose each; the forwarded digest's view link is read-only ---------------


def test_a_forwarded_digests_see_more_link_hands_over_nothing(
    cfg: Config, db: Database, world: World, smtp_server
) -> None:  # type: ignore[no-untyped-def]
    mails = digest_mails(cfg, db, smtp_server)
    carol_mail = next(m for m in mails if "carol@example.org" in str(m["To"]))
    (view,) = [p for p in mail_links(carol_mail) if p.startswith("/digest/")]
    token = view.split("/")[2]
    app = create_app(cfg, db)
    friend = app.test_client()  # whoever Carol forwarded her digest to
    page = friend.get(view)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Social Media Specialist" in text  # the one more
    assert not re.search(r"(?<!/me)/(preferences|unsubscribe|feedback)/", text)  # no tokens
    assert f"{BASE}/me/feedback/{world.p_social}/applied" in text  # acting means signing in
    assert friend.get(f"/preferences/{token}").status_code == 400
    assert friend.post(f"/unsubscribe/{token}", data={}).status_code == 400
    assert friend.get(f"/feedback/{token}/applied").status_code == 400
    assert member(db, world.carol).status == "active"
    assert friend.get("/me").headers["Location"].startswith("/signin")


@pytest.mark.parametrize(
    "purpose", ["view", "preferences", "unsubscribe", "feedback", "alias-confirm", "signin"]
)
def test_a_token_for_one_purpose_is_refused_for_every_other(
    app: Flask, world: World, purpose: str
) -> None:
    signer = app.extensions["jobdigest"].signer
    data = {
        "feedback": [world.carol, world.p_marketing],
        "alias-confirm": [world.carol, "carol.home@mail.example"],
        "signin": [world.carol, "jti", "/"],
    }.get(purpose, world.carol)
    token = signer.dumps(purpose, data)
    routes = {
        "view": f"/digest/{token}",
        "preferences": f"/preferences/{token}",
        "unsubscribe": f"/unsubscribe/{token}",
        "feedback": f"/feedback/{token}/applied",
        "alias-confirm": f"/alias/{token}",
        "signin": f"/signin/{token}",
    }
    client = app.test_client()
    answers = {name: client.get(path).status_code for name, path in routes.items()}
    assert answers == {name: 200 if name == purpose else 400 for name in routes}


def test_an_old_generic_link_says_it_expired_and_how_to_get_a_new_one(
    app: Flask, world: World
) -> None:
    old = URLSafeTimedSerializer(SECRET, salt="preferences").dumps(world.carol)
    forged = URLSafeTimedSerializer("another-secret-of-32-characters!", salt="preferences").dumps(
        world.carol
    )
    client = app.test_client()
    for path in (f"/digest/{old}", f"/preferences/{old}"):
        page = client.get(path)
        text = page.get_data(as_text=True)
        assert page.status_code == 400 and "This link has expired" in text
        assert 'href="/signin?next=/me"' in text
    assert "This link has expired" not in client.get(f"/preferences/{forged}").get_data(
        as_text=True
    )


# -- 3: an alias counts only once its owner confirmed it ------------------------------------------

FROM_ALIAS = (
    b"From: Someone <{addr}>\r\nTo: leads@group.example.org\r\n"
    b"Subject: Fwd: Data Engineer at Initech\r\nMessage-ID: <{mid}@test>\r\n\r\n"
    b"---------- Forwarded message ---------\r\nFrom: Rita <rita@hr.example>\r\n"
    b"Subject: Data Engineer at Initech\r\nTo: <{addr}>\r\n\r\n"
    b"Apply: https://jobs.lever.co/initech/00000000-0000-4000-8000-00000000000{n}\r\n"
)


def _mail_from(db: Database, address: str, n: int) -> tuple[str, int | None]:
    raw = FROM_ALIAS.replace(b"{addr}", address.encode()).replace(b"{n}", str(n).encode())
    with db.session() as s:
        row = RawMessage(raw=raw.replace(b"{mid}", secrets.token_hex(4).encode()))
        s.add(row)
        s.flush()
        process_message(s, row)
        return row.status, row.member_id


def test_an_alias_needs_the_confirmation_link_mailed_to_it(
    mail_app: Flask, db: Database, world: World, smtp_server
) -> None:  # type: ignore[no-untyped-def]
    """The attacker holds Carol's preferences link and attaches an address they want credited
    (or want past the hold queue); the confirmation goes to that address, not to them."""
    prefs = (
        f"/preferences/{mail_app.extensions['jobdigest'].signer.dumps('preferences', world.carol)}"
    )
    attacker = mail_app.test_client()
    page = attacker.get(prefs)
    saved = attacker.post(
        prefs,
        data={"csrf_token": csrf(page), "subscribed": "y", "aliases": "spam@bulk.example"},
        follow_redirects=True,
    )
    assert "We mailed a confirmation link to spam@bulk.example" in saved.get_data(as_text=True)
    mail_app.extensions["jobdigest"].outbox.drain()
    (mail,) = smtp_server.wait_for(1)
    assert mail.rcpt_tos == ("spam@bulk.example",)
    link = path_of(
        re.search(r"http://127\.0\.0\.1:5000/alias/\S+", mail.message().get_content())[0]
    )
    assert _mail_from(db, "spam@bulk.example", 1) == ("held", None)  # not credited, not let in
    owner = mail_app.test_client()  # the address's owner opens the link: a scanner would too
    assert owner.head(link).status_code == 200
    confirm = owner.get(link)
    assert "Is spam@bulk.example yours?" in confirm.get_data(as_text=True)
    assert _mail_from(db, "spam@bulk.example", 2) == ("held", None)
    assert owner.post(link, data={"csrf_token": csrf(confirm)}).status_code == 302
    assert _mail_from(db, "spam@bulk.example", 3) == ("processed", world.carol)


def test_confirmation_mails_to_one_address_are_limited(
    mail_app: Flask, world: World, smtp_server
) -> None:  # type: ignore[no-untyped-def]
    prefs = (
        f"/preferences/{mail_app.extensions['jobdigest'].signer.dumps('preferences', world.carol)}"
    )
    client = mail_app.test_client()
    token = csrf(client.get(prefs))
    for _ in range(5):
        last = client.post(
            prefs,
            data={"csrf_token": token, "subscribed": "y", "aliases": "victim@else.example"},
            follow_redirects=True,
        )
    assert "went to victim@else.example recently" in last.get_data(as_text=True)
    mail_app.extensions["jobdigest"].outbox.drain()
    assert len(smtp_server.wait_for(3)) == 3


# -- 4: signing out ends every copy of the session cookie -----------------------------------------


def _copy_session(app: Flask, client: FlaskClient) -> FlaskClient:
    cookie = client.get_cookie("jobdigest_session")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("jobdigest_session", cookie.value)
    assert thief.get("/").status_code == 200  # the copy works while the session lives
    return thief


def test_sign_out_removal_and_sign_out_everywhere_end_copied_cookies(
    app: Flask, db: Database, world: World
) -> None:
    carol = sign_in(app, world.carol)
    copy = _copy_session(app, carol)
    carol.post("/signout", data={"csrf_token": csrf(carol.get("/"))})
    assert copy.get("/").status_code == 302

    dan_phone, dan_laptop = sign_in(app, world.dan), sign_in(app, world.dan)
    copy = _copy_session(app, dan_phone)
    op = sign_in(app, world.operator)
    page = op.get("/operator/members")
    assert "Sign dan@example.org out everywhere" in page.get_data(as_text=True)
    done = op.post(
        f"/operator/members/{world.dan}/sign-out-everywhere",
        data={"csrf_token": csrf(page)},
        follow_redirects=True,
    )
    assert "Signed dan@example.org out everywhere (2 sessions)" in done.get_data(as_text=True)
    assert [c.get("/").status_code for c in (dan_phone, dan_laptop, copy)] == [302, 302, 302]
    assert op.get("/").status_code == 200

    bob = sign_in(app, world.bob)
    copy = _copy_session(app, bob)
    op.post(
        f"/operator/members/{world.bob}/remove",
        data={"csrf_token": csrf(page), "confirm": "remove"},
    )
    assert copy.get("/").status_code == 302
    with db.session() as s:
        s.get_one(Member, world.bob).status = "active"  # back, but the old cookie stays dead
    assert copy.get("/").status_code == 302


# -- 5: sign-in limits behind a proxy, shared by every web process --------------------------------


def _proxied(tmp_path: Path, extra: str) -> Config:
    text = (
        f'[group]\nname = "Test Network"\n[database]\nurl = "sqlite:///{tmp_path / "web.db"}"\n'
        f'[web]\nbase_url = "{BASE}"\nsecret_key_env = "JOBDIGEST_WEB_TEST_SECRET"\n{extra}\n'
        '[smtp]\nfrom_address = "Test Network <leads@example.org>"\n'
    )
    return parse_config(text)


def _ask(client: FlaskClient, address: str, via: str, peer: str = "127.0.0.1") -> int:
    env = {"REMOTE_ADDR": peer}
    token = csrf(client.get("/signin", environ_base=env))
    return client.post(
        "/signin",
        data={"email": address, "csrf_token": token},
        headers={"X-Forwarded-For": via},
        environ_base=env,
    ).status_code


def test_one_visitor_behind_the_proxy_locks_out_only_themselves(
    cfg: Config, db: Database, world: World, tmp_path: Path
) -> None:
    app = create_app(_proxied(tmp_path, 'trusted_proxies = ["127.0.0.1", "10.0.0.0/8"]'), db)
    attacker, member_browser = app.test_client(), app.test_client()
    codes = [_ask(attacker, f"made-up-{i}@example.org", "203.0.113.5") for i in range(21)]
    assert codes == [200] * 20 + [429]
    assert _ask(member_browser, "carol@example.org", "198.51.100.7") == 200
    # through two trusted proxies (CDN 10.1.2.3, then nginx on 127.0.0.1): same client
    assert _ask(attacker, "alice@example.org", "203.0.113.5, 10.1.2.3") == 429
    # a client cannot dodge its limit by writing its own X-Forwarded-For
    assert _ask(attacker, "alice@example.org", "192.0.2.1, 203.0.113.5") == 429


def test_x_forwarded_for_from_anyone_else_is_ignored(
    db: Database, world: World, tmp_path: Path
) -> None:
    app = create_app(_proxied(tmp_path, 'trusted_proxies = ["127.0.0.1"]'), db)
    client = app.test_client()
    codes = [
        _ask(client, f"x{i}@example.org", f"198.51.100.{i}", peer="192.0.2.9") for i in range(21)
    ]
    assert codes == [200] * 20 + [429]  # counted as 192.0.2.9 whatever the header said


def test_limits_are_shared_by_every_web_process(db: Database, world: World, tmp_path: Path) -> None:
    one = create_app(_proxied(tmp_path, ""), db)
    two = create_app(_proxied(tmp_path, ""), db)
    codes = [_ask(app.test_client(), "carol@example.org", "") for app in (one, two) * 3]
    assert codes == [200] * 5 + [429]


def test_a_trusted_proxy_that_is_not_an_address_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"web.trusted_proxies\[0\]: 'nginx' is not an IP"):
        _proxied(tmp_path, 'trusted_proxies = ["nginx"]')


# -- 6: a lead cannot push a posting into another sub-group ---------------------------------------


def _tags(db: Database, posting_id: int) -> set[str]:
    with db.session() as s:
        return {
            t.subgroup.name
            for t in s.scalars(select(Tag).where(Tag.posting_id == posting_id, Tag.current))
        }


def test_a_correction_into_another_subgroup_waits_for_its_lead(
    app: Flask, db: Database, world: World
) -> None:
    alice = sign_in(app, world.alice)  # leads Marketing
    base = f"/lead/{world.marketing}/postings"
    token = csrf(alice.get(f"{base}/{world.p_forklift}"))
    moved = alice.post(
        f"{base}/{world.p_forklift}/edit",
        data={"csrf_token": token, "title": "DevOps Engineer", "company": "Umbrella"},
        follow_redirects=True,
    )
    assert "waits for a lead of that sub-group" in moved.get_data(as_text=True)
    assert _tags(db, world.p_forklift) == set()  # not in IT's digests
    assert (
        alice.post(  # a posting tagged only for IT is not Alice's to edit
            f"{base}/{world.p_devops}/edit",
            data={"csrf_token": token, "title": "Marketing Manager"},
        ).status_code
        == 403
    )
    bob = sign_in(app, world.bob)  # leads IT
    week = bob.get(f"/lead/{world.it}/").get_data(as_text=True)
    assert "Corrections waiting for you (1)" in week and "DevOps Engineer" in week
    (correction_id,) = re.findall(r"/corrections/(\d+)/accept", week)
    assert (
        bob.post(
            f"/lead/{world.marketing}/corrections/{correction_id}/accept",
            data={"csrf_token": csrf(bob.get("/"))},
        ).status_code
        == 403
    )  # Bob does not lead Marketing
    accepted = bob.post(
        f"/lead/{world.it}/corrections/{correction_id}/accept",
        data={"csrf_token": csrf(bob.get("/"))},
    )
    assert accepted.status_code == 302
    assert background(app) == ["retag"]
    assert _tags(db, world.p_forklift) == {"IT"}
    with db.session() as s:
        assert s.get_one(Posting, world.p_forklift).title == "DevOps Engineer"


def test_a_correction_out_of_another_subgroup_can_be_rejected(
    app: Flask, db: Database, world: World
) -> None:
    with db.session() as s:  # a posting both sub-groups' roles match
        s.get_one(Posting, world.p_social).title = "Social Media Specialist and DevOps Engineer"
    tag_pending(db, [world.p_social])
    assert _tags(db, world.p_social) == {"Marketing", "IT"}
    alice = sign_in(app, world.alice)
    base = f"/lead/{world.marketing}/postings/{world.p_social}"
    alice.post(
        f"{base}/edit",
        data={"csrf_token": csrf(alice.get(base)), "title": "Social Media Specialist"},
    )
    assert _tags(db, world.p_social) == {"Marketing", "IT"}  # still in IT's digests
    bob = sign_in(app, world.bob)
    (correction_id,) = re.findall(
        r"/corrections/(\d+)/reject", bob.get(f"/lead/{world.it}/").get_data(as_text=True)
    )
    bob.post(
        f"/lead/{world.it}/corrections/{correction_id}/reject",
        data={"csrf_token": csrf(bob.get("/"))},
    )
    assert "Corrections waiting" not in bob.get(f"/lead/{world.it}/").get_data(as_text=True)
    op = sign_in(app, world.operator)  # an operator's own correction applies at once
    op.post(
        f"{base}/edit", data={"csrf_token": csrf(op.get(base)), "title": "Social Media Specialist"}
    )
    assert background(app) == ["retag"]
    assert _tags(db, world.p_social) == {"Marketing"}


# -- 7: only http(s) links are stored and rendered as links ---------------------------------------

HOSTILE_PAGE = (
    '<script type="application/ld+json">{"@context": "https://schema.org", "@type": "JobPosting",'
    ' "title": "Marketing Manager", "url": "javascript:alert(document.cookie)",'
    ' "hiringOrganization": {"name": "Evil Corp"}}</script>'
)


def test_javascript_urls_are_not_stored_from_mail_or_feeds(db: Database, world: World) -> None:
    hostile = parse_jobpostings(HOSTILE_PAGE, "https://evil.example/job")
    assert hostile[0].url.startswith("javascript:")  # what a parser may let through
    with db.session() as s:
        raw = RawMessage(raw=b"From: carol@example.org\r\n\r\nx", message_id="<js@test>")
        s.add(raw)
        s.flush()
        item = ParsedItem(kind="email", postings=hostile, sender=Address("", "carol@example.org"))
        process_message(s, raw, item)  # the mail path
        feed = Source(kind="feed", key="https://evil.example/feed", name="evil")
        s.add(feed)
        s.flush()
        ids = store_postings(
            s,
            parse_jobpostings(HOSTILE_PAGE.replace("Marketing", "Brand"), "https://evil.example/2"),
            source_id=feed.id,
            entry_keys=["e1"],
        )  # the feed and board path (digest/sources/pull.py)
        rows = s.scalars(select(Posting).where(Posting.company == "Evil Corp")).all()
        assert len(rows) == 2 and ids
        assert {(p.url, p.canonical_url) for p in rows} == {("", None)}


def test_a_stored_javascript_url_is_no_live_link(
    app: Flask, cfg: Config, db: Database, world: World
) -> None:
    with db.session() as s:  # stored before the ingest check existed
        p = s.get_one(Posting, world.p_marketing)
        p.url, p.canonical_url = "javascript:alert(document.cookie)", "JavaScript:alert(1)"
    page = sign_in(app, world.alice).get(f"/lead/{world.marketing}/postings/{world.p_marketing}")
    text = page.get_data(as_text=True)
    assert "Senior Marketing Manager" in text and 'href="javascript' not in text.lower()
    assert "not http or https, so not a link" in text
    with db.session() as s:
        carol = s.get_one(Member, world.carol)
        digest = member_digest(s, cfg, carol, current_period(cfg))
        mail = build_mail(cfg, digest, Links(cfg, app.extensions["jobdigest"].signer, carol.id))
    assert "javascript:" not in mail.data.decode("ascii", "replace").lower()


def test_a_sign_in_link_asked_while_the_relay_is_down_is_sent_by_the_worker(
    mail_app: Flask, cfg: Config, db: Database, world: World, smtp_server
) -> None:  # type: ignore[no-untyped-def]
    """The link waits in the database outbox, not in the web process's memory: the worker's
    outbox job sends it once the relay is back (and a web process that died would lose none)."""
    from digest.delivery.outbox import waiting
    from schedules.runner import Runner

    port, cfg.smtp.port = cfg.smtp.port, 9  # the relay is down
    client = mail_app.test_client()
    token = csrf(client.get("/signin"))
    answer = client.post("/signin", data={"email": "carol@example.org", "csrf_token": token})
    assert answer.status_code == 200
    mail_app.extensions["jobdigest"].outbox.drain()
    assert smtp_server.messages == [] and waiting(db) == 1
    cfg.smtp.port = port  # back
    runner = Runner(db, cfg, report=lambda *_: None)
    runner.run_job("outbox")
    assert not runner.failures
    (mail,) = smtp_server.wait_for(1)
    assert mail.rcpt_tos == ("carol@example.org",) and waiting(db) == 0


# -- 8: CR/LF in a member's name ------------------------------------------------------------------

EVIL_NAME = "Carol\r\nBcc: everyone@evil.example"


def test_a_name_with_a_line_break_cannot_add_a_header(
    mail_app: Flask, cfg: Config, db: Database, world: World, smtp_server
) -> None:  # type: ignore[no-untyped-def]
    with db.session() as s:  # written before the checks, or by hand
        s.get_one(Member, world.carol).name = EVIL_NAME
    client = mail_app.test_client()
    token = csrf(client.get("/signin"))
    answer = client.post("/signin", data={"email": "carol@example.org", "csrf_token": token})
    assert answer.status_code == 200  # was a 500
    mail_app.extensions["jobdigest"].outbox.drain()
    (mail,) = smtp_server.wait_for(1)
    assert mail.rcpt_tos == ("carol@example.org",)
    received = mail.message()
    assert received["Bcc"] is None and "everyone@evil.example" not in (received["Bcc"] or "")
    with db.session() as s:
        carol = s.get_one(Member, world.carol)
        digest = member_digest(s, cfg, carol, current_period(cfg))
        wire = build_mail(
            cfg, digest, Links(cfg, mail_app.extensions["jobdigest"].signer, carol.id)
        ).data
    parsed = message_from_bytes(wire, policy=email.policy.default)
    assert parsed["Bcc"] is None and parsed["To"].addresses[0].addr_spec == "carol@example.org"


def test_line_breaks_in_names_are_refused_at_import_and_on_the_preferences_page(
    app: Flask, db: Database, world: World
) -> None:
    csv_text = 'email,name\nok@example.org,Fine\nx@example.org,"Eve\r\nBcc: a@evil.example"\n'
    with pytest.raises(UserError) as refused:
        parse_members_csv(csv_text, where="members.csv")
    assert str(refused.value) == (
        "members.csv: line 3, column name: character 4 is a carriage return: remove it"
        " (names and other fields are one line)"
    )
    op = sign_in(app, world.operator)
    uploaded = op.post(
        "/operator/members/import",
        data={
            "csrf_token": csrf(op.get("/operator/members")),
            "file": (io.BytesIO(csv_text.encode()), "team.csv"),
        },
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 400 and "team.csv: line 3, column name" in uploaded.get_data(
        as_text=True
    )
    prefs = f"/preferences/{app.extensions['jobdigest'].signer.dumps('preferences', world.carol)}"
    client = app.test_client()
    page = client.get(prefs)
    bad = client.post(prefs, data={"csrf_token": csrf(page), "subscribed": "y", "name": EVIL_NAME})
    assert bad.status_code == 400 and "Remove the line break" in bad.get_data(as_text=True)
    good = client.post(
        prefs, data={"csrf_token": csrf(page), "subscribed": "y", "name": "Carol K."}
    )
    assert good.status_code == 302
    assert member(db, world.carol).name == "Carol K."
    with db.session() as s:
        assert s.scalar(select(Member).where(Member.email == "x@example.org")) is None
