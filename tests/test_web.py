"""The web app through Flask's test client on a temporary SQLite database.

Sign-in for most tests goes through the real confirm page with a link minted by the app's own
signer; the mailed-link flow itself runs against the aiosmtpd test server.
"""

from __future__ import annotations

import io
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select
from werkzeug.test import TestResponse

from digest.clock import utcnow
from digest.config import Config, parse_config
from digest.delivery.render import Links
from digest.delivery.send import send_digests
from digest.errors import UserError
from digest.ingest.record import process_message, process_pending
from digest.store.db import Database
from digest.store.models import (
    Delivery,
    Feedback,
    Member,
    Posting,
    RawMessage,
    Role,
    Sighting,
    Subgroup,
    Tag,
)
from digest.tagging.tag import tag_pending
from digest.web import create_app
from tests.support.db import migrated_db
from tests.support.worker import background

SECRET_ENV = "JOBDIGEST_WEB_TEST_SECRET"
SECRET = "test-secret-" + "s" * 24
_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


@dataclass
class World:
    """Ids of the people, sub-groups and postings every test starts from."""

    operator: int
    alice: int  # leads Marketing, member of Marketing
    bob: int  # leads IT, member of IT
    carol: int  # plain member of Marketing
    dan: int  # plain member of IT
    marketing: int
    it: int
    p_marketing: int  # "Senior Marketing Manager", shared by Carol
    p_social: int
    p_devops: int
    p_forklift: int  # matches no sub-group
    p_brand: int  # matches nothing until "Brand Manager" is added to Marketing


def make_config(tmp_path: Path, base_url: str = "http://127.0.0.1:5000") -> Config:
    cfg = parse_config(
        f'[group]\nname = "Test Network"\ntimezone = "America/Chicago"\n'
        f'[database]\nurl = "sqlite:///{tmp_path / "web.db"}"\n'
        f'[web]\nbase_url = "{base_url}"\nsecret_key_env = "{SECRET_ENV}"\n'
        f'[smtp]\nfrom_address = "Test Network <leads@example.org>"\n'
    )
    return cfg


def _posting(title: str, company: str, **extra: object) -> Posting:
    return Posting(
        title=title,
        company=company,
        company_key=company.casefold(),
        first_seen=utcnow(),
        **extra,
    )


def build_world(db: Database) -> World:
    """Two sub-groups with one lead each, an operator, two members and five postings, tagged."""
    with db.session() as s:
        marketing = Subgroup(
            name="Marketing",
            roles=[
                Role(phrase="Marketing Manager", position=0),
                Role(phrase="Social Media Specialist", position=1),
            ],
        )
        it = Subgroup(name="IT", roles=[Role(phrase="DevOps Engineer", position=0)])
        op = Member(email="op@example.org", name="Olga Operator", is_operator=True)
        alice = Member(email="alice@example.org", name="Alice Moreno", subgroups=[marketing])
        bob = Member(email="bob@example.org", name="Bob Lee", subgroups=[it])
        carol = Member(email="carol@example.org", name="Carol King", subgroups=[marketing])
        dan = Member(email="dan@example.org", name="Dan Whitaker", subgroups=[it])
        marketing.leads = [alice]
        it.leads = [bob]
        postings = [
            _posting("Senior Marketing Manager", "Acme", url="https://acme.example/jobs/1"),
            _posting("Social Media Specialist", "Globex"),
            _posting("DevOps Engineer", "Initech"),
            _posting("Forklift Driver", "Umbrella"),
            _posting("Brand Manager", "Hooli"),
        ]
        s.add_all([marketing, it, op, alice, bob, carol, dan, *postings])
        s.flush()
        s.add(Sighting(posting_id=postings[0].id, member_id=carol.id, sender=carol.email))
        ids = [
            marketing.id,
            it.id,
            op.id,
            alice.id,
            bob.id,
            carol.id,
            dan.id,
            *(p.id for p in postings),
        ]
    tag_pending(db)
    mk, it_id, op_id, a, b, c, d, pm, ps, pd, pf, pb = ids
    return World(op_id, a, b, c, d, mk, it_id, pm, ps, pd, pf, pb)


@pytest.fixture
def secret_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)


@pytest.fixture
def cfg(tmp_path: Path, secret_env: None) -> Config:
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


def csrf(page: TestResponse) -> str:
    found = _CSRF.search(page.get_data(as_text=True))
    assert found, "page has no CSRF token"
    return found.group(1)


def sign_in(app: Flask, member_id: int) -> FlaskClient:
    """A client signed in through the confirm page of a fresh sign-in link."""
    client = app.test_client()
    token = app.extensions["jobdigest"].signer.dumps(
        "signin", [member_id, secrets.token_urlsafe(9), "/"]
    )
    page = client.get(f"/signin/{token}")
    assert page.status_code == 200
    done = client.post(f"/signin/{token}", data={"csrf_token": csrf(page)})
    assert done.status_code == 302
    return client


def token_for(app: Flask, purpose: str, data: object) -> str:
    return app.extensions["jobdigest"].signer.dumps(purpose, data)


def member(db: Database, member_id: int) -> Member:
    with db.session() as s:
        found = s.get_one(Member, member_id)
        _ = found.subgroups, found.employers
        return found


def current_tags(db: Database, posting_id: int) -> dict[str, str]:
    with db.session() as s:
        rows = s.execute(
            select(Subgroup.name, Tag.role)
            .join(Tag, Tag.subgroup_id == Subgroup.id)
            .where(Tag.posting_id == posting_id, Tag.current)
        ).all()
    return {name: role for name, role in rows}


# -- start-up ---------------------------------------------------------------------------------


def test_refuses_to_start_without_a_secret_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    with pytest.raises(UserError, match=SECRET_ENV):
        create_app(make_config(tmp_path))


def test_refuses_a_short_secret_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, "short")
    with pytest.raises(UserError, match="at least 16"):
        create_app(make_config(tmp_path))


def test_session_cookie_is_httponly_lax_and_secure_over_https(
    tmp_path: Path, secret_env: None, world: World, db: Database
) -> None:
    for base, secure in (("http://127.0.0.1:5000", False), ("https://leads.example.org", True)):
        app = create_app(make_config(tmp_path, base), db)
        client = app.test_client()
        client.get("/signin")
        cookie = client.get_cookie("jobdigest_session")
        assert cookie is not None
        assert cookie.http_only and cookie.same_site == "Lax" and cookie.secure is secure


def test_pages_send_security_headers(app: Flask) -> None:
    page = app.test_client().get("/signin")
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["X-Content-Type-Options"] == "nosniff"


# -- the permission matrix --------------------------------------------------------------------

ANON, MEMBER, LEAD_A, LEAD_B, OPERATOR = "anonymous", "member", "lead of A", "lead of B", "operator"
WHO = {MEMBER: "carol", LEAD_A: "alice", LEAD_B: "bob", OPERATOR: "operator"}


def _routes(w: World) -> list[tuple[str, str, dict[str, str], dict[str, int]]]:
    """(method, path, form, {who: status}); 302 for the anonymous means 'sent to sign-in'."""
    lead_a = {ANON: 302, MEMBER: 403, LEAD_A: 200, LEAD_B: 403, OPERATOR: 200}
    operator = {ANON: 302, MEMBER: 403, LEAD_A: 403, LEAD_B: 403, OPERATOR: 200}
    everyone = {ANON: 302, MEMBER: 200, LEAD_A: 200, LEAD_B: 200, OPERATOR: 200}
    a = w.marketing
    gets = [
        ("/", everyone),
        ("/me", {**everyone, MEMBER: 302, LEAD_A: 302, LEAD_B: 302, OPERATOR: 302}),
        ("/lead/", {ANON: 302, MEMBER: 403, LEAD_A: 200, LEAD_B: 200, OPERATOR: 200}),
        (f"/lead/{a}/", lead_a),
        (f"/lead/{a}/roles", lead_a),
        (f"/lead/{a}/members", lead_a),
        (f"/lead/{a}/members/{w.carol}/digest", lead_a),
        (f"/lead/{a}/postings/{w.p_marketing}", lead_a),
        (f"/lead/{a}/postings/{w.p_forklift}", lead_a),  # untagged: any lead of A may moderate
        (
            f"/lead/{w.it}/postings/{w.p_marketing}",
            {**lead_a, LEAD_A: 403, LEAD_B: 403},
        ),  # not IT's
        ("/operator/", operator),
        ("/operator/members", operator),
        ("/operator/subgroups", operator),
        ("/operator/sources", operator),
        ("/operator/held", operator),
        ("/operator/failed", operator),
        ("/operator/deliveries", operator),
    ]
    posts = [
        (f"/lead/{a}/roles/preview", {"roles-0-phrase": "Marketing Manager"}, lead_a),
        (
            f"/lead/{a}/postings/{w.p_social}/status",
            {"status": "active"},
            {**lead_a, LEAD_A: 302, OPERATOR: 302},
        ),
        (
            f"/lead/{a}/postings/{w.p_marketing}/take-out",
            {},
            {**lead_a, LEAD_A: 302, OPERATOR: 302},
        ),
        (f"/lead/{a}/postings/{w.p_social}/put-back", {}, {**lead_a, LEAD_A: 404, OPERATOR: 404}),
        (f"/operator/members/{w.dan}/pause", {}, {**operator, OPERATOR: 302}),
    ]
    rows = [("GET", path, {}, expected) for path, expected in gets]
    rows += [("POST", path, form, expected) for path, form, expected in posts]
    return rows


@pytest.mark.parametrize("who", [ANON, MEMBER, LEAD_A, LEAD_B, OPERATOR])
def test_permission_matrix(app: Flask, world: World, who: str) -> None:
    client = app.test_client() if who == ANON else sign_in(app, getattr(world, WHO[who]))
    token = csrf(client.get("/signin"))
    wrong = []
    for method, path, form, expected in _routes(world):
        if method == "GET":
            got = client.get(path)
        else:
            got = client.post(path, data={**form, "csrf_token": token})
        if got.status_code != expected[who]:
            wrong.append(f"{method} {path}: {got.status_code}, expected {expected[who]}")
        elif who == ANON:
            assert got.headers["Location"].startswith("/signin?next="), path
    assert wrong == []


def test_unknown_subgroup_is_404_for_the_operator(app: Flask, world: World) -> None:
    assert sign_in(app, world.operator).get("/lead/9999/").status_code == 404


# -- sign-in ----------------------------------------------------------------------------------


@pytest.fixture
def mail_app(cfg: Config, db: Database, world: World, smtp_server) -> Flask:  # type: ignore[no-untyped-def]
    cfg.smtp.host, cfg.smtp.port = smtp_server.host, smtp_server.port
    cfg.smtp.security, cfg.smtp.ca_file, cfg.smtp.username = (
        "starttls",
        str(smtp_server.tls.ca_file),
        "",
    )
    return create_app(cfg, db)


def _ask_for_link(app: Flask, client: FlaskClient, address: str) -> TestResponse:
    page = client.get("/signin")
    answer = client.post("/signin", data={"email": address, "csrf_token": csrf(page)})
    app.extensions["jobdigest"].outbox.drain()
    return answer


def test_magic_link_signs_in_once(mail_app: Flask, smtp_server, world: World) -> None:  # type: ignore[no-untyped-def]
    client = mail_app.test_client()
    answer = _ask_for_link(mail_app, client, "Alice@Example.org")
    assert answer.status_code == 200 and "Check your mail" in answer.get_data(as_text=True)
    (mail,) = smtp_server.wait_for(1)
    assert mail.rcpt_tos == ("alice@example.org",)
    link = re.search(r"http://127\.0\.0\.1:5000(/signin/\S+)", mail.message().get_content()).group(
        1
    )
    browser = mail_app.test_client()
    confirm = browser.get(link)
    assert confirm.status_code == 200 and "alice@example.org" in confirm.get_data(as_text=True)
    assert browser.get("/").status_code == 302  # looking at the link does not sign in
    assert browser.post(link, data={"csrf_token": csrf(confirm)}).status_code == 302
    assert "Hello, Alice Moreno" in browser.get("/").get_data(as_text=True)
    other = mail_app.test_client()
    assert other.get(link).status_code == 400  # used up
    page = other.get("/signin")
    assert other.post(link, data={"csrf_token": csrf(page)}).status_code == 400
    assert other.get("/").status_code == 302


def test_unknown_address_gets_the_same_answer_and_no_mail(mail_app: Flask, smtp_server) -> None:  # type: ignore[no-untyped-def]
    client = mail_app.test_client()
    stranger = _ask_for_link(mail_app, client, "stranger@example.net").get_data(as_text=True)
    known = _ask_for_link(mail_app, client, "carol@example.org").get_data(as_text=True)
    assert len(smtp_server.wait_for(1)) == 1
    assert [m.rcpt_tos for m in smtp_server.messages] == [("carol@example.org",)]
    # the same page but for the address and the form's CSRF token (signed with the second)
    assert _CSRF.sub("", stranger.replace("stranger@example.net", "X")) == _CSRF.sub(
        "", known.replace("carol@example.org", "X")
    )


def test_signin_is_rate_limited_per_address_and_per_ip(app: Flask) -> None:
    client = app.test_client()
    token = csrf(client.get("/signin"))
    codes = [
        client.post("/signin", data={"email": "carol@example.org", "csrf_token": token}).status_code
        for _ in range(6)
    ]
    assert codes == [200] * 5 + [429]
    other = [
        client.post("/signin", data={"email": f"x{i}@example.org", "csrf_token": token}).status_code
        for i in range(15)
    ]
    assert other == [200] * 14 + [429]  # 20 requests per IP, refused ones included


def _old_token(purpose: str, data: object, age: timedelta) -> str:
    class Past(TimestampSigner):
        def get_timestamp(self) -> int:
            return int((datetime.now() - age).timestamp())

    return URLSafeTimedSerializer(SECRET, salt=purpose, signer=Past).dumps(data)


def test_expired_and_forged_signin_links_are_refused(app: Flask, world: World) -> None:
    client = app.test_client()
    expired = _old_token("signin", [world.alice, "abc", "/"], timedelta(minutes=16))
    fresh_enough = _old_token("signin", [world.alice, "abd", "/"], timedelta(minutes=14))
    forged = URLSafeTimedSerializer("another-secret-of-32-characters!", salt="signin").dumps(
        [world.operator, "x", "/"]
    )
    wrong_purpose = token_for(app, "preferences", [world.operator, "y", "/"])
    for bad in (expired, forged, wrong_purpose, "garbage"):
        assert client.get(f"/signin/{bad}").status_code == 400
    assert client.get(f"/signin/{fresh_enough}").status_code == 200


def test_next_only_leads_to_this_site(app: Flask, world: World) -> None:
    client = app.test_client()
    for target, lands in (
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
        ("/lead/", "/lead/"),
    ):
        token = token_for(app, "signin", [world.alice, secrets.token_urlsafe(6), target])
        page = client.get(f"/signin/{token}")
        assert (
            client.post(f"/signin/{token}", data={"csrf_token": csrf(page)}).headers["Location"]
            == lands
        )


def test_signing_out_and_removal_end_the_session(app: Flask, db: Database, world: World) -> None:
    client = sign_in(app, world.carol)
    assert client.post("/signout", data={"csrf_token": csrf(client.get("/"))}).status_code == 302
    assert client.get("/").status_code == 302
    client = sign_in(app, world.carol)
    with db.session() as s:
        s.get_one(Member, world.carol).status = "removed"
    assert client.get("/").status_code == 302


# -- CSRF -------------------------------------------------------------------------------------


def test_forms_without_csrf_token_are_rejected(app: Flask, db: Database, world: World) -> None:
    op = sign_in(app, world.operator)
    answer = op.post("/operator/members/add", data={"email": "new@example.org"})
    assert answer.status_code == 400 and "form expired" in answer.get_data(as_text=True)
    alice = sign_in(app, world.alice)
    assert (
        alice.post(f"/lead/{world.marketing}/roles", data={"roles-0-phrase": "Chef"}).status_code
        == 400
    )
    assert (
        alice.post(
            f"/lead/{world.marketing}/roles/preview", data={"roles-0-phrase": "Chef"}
        ).status_code
        == 400
    )
    token = csrf(alice.get("/"))
    preview = alice.post(
        f"/lead/{world.marketing}/roles/preview",
        data={"roles-0-phrase": "Chef"},
        headers={"X-CSRFToken": token},
    )
    assert preview.status_code == 200
    with db.session() as s:
        assert s.scalar(select(Member).where(Member.email == "new@example.org")) is None
        assert [r.phrase for r in s.get_one(Subgroup, world.marketing).roles] == [
            "Marketing Manager",
            "Social Media Specialist",
        ]


# -- lead: roles, live preview, saving --------------------------------------------------------


def _roles_form(token: str, brand: bool) -> dict[str, str]:
    return {
        "csrf_token": token,
        "roles-0-phrase": "Marketing Manager",
        "roles-0-synonyms": "Brand Manager" if brand else "",
        "roles-1-phrase": "Social Media Specialist",
        "roles-1-remove": "y",
        "exclude": "",
    }


def test_roles_preview_shows_what_would_newly_match_and_stop(
    app: Flask, db: Database, world: World
) -> None:
    alice = sign_in(app, world.alice)
    token = csrf(alice.get(f"/lead/{world.marketing}/roles"))
    data = alice.post(
        f"/lead/{world.marketing}/roles/preview",
        data=_roles_form(token, brand=True),
        headers={"X-CSRFToken": token},
    ).get_json()
    assert [c["title"] for c in data["added"]] == ["Brand Manager"]
    assert [c["title"] for c in data["removed"]] == ["Social Media Specialist"]
    assert data["before"] == 2 and data["after"] == 2
    assert "Brand Manager" in data["html"]
    # the same without JavaScript: the Preview button re-renders the page, nothing saved
    page = alice.post(
        f"/lead/{world.marketing}/roles",
        data={**_roles_form(token, brand=True), "action": "preview"},
    )
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Would newly match" in text and "Would stop matching" in text
    assert current_tags(db, world.p_brand) == {}


def test_saving_roles_bumps_the_version_and_retags(app: Flask, db: Database, world: World) -> None:
    alice = sign_in(app, world.alice)
    token = csrf(alice.get(f"/lead/{world.marketing}/roles"))
    saved = alice.post(
        f"/lead/{world.marketing}/roles", data={**_roles_form(token, brand=True), "action": "save"}
    )
    assert saved.status_code == 302
    with db.session() as s:
        group = s.get_one(Subgroup, world.marketing)
        assert group.rules_version == 2
        assert [(r.phrase, r.synonyms) for r in group.roles] == [
            ("Marketing Manager", ["Brand Manager"])
        ]
    # the request only recorded the new rules: the page says the re-tag runs in the background
    assert current_tags(db, world.p_brand) == {}
    page = alice.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Saved (rules version 2). Re-tagging 5 postings in the background" in page
    assert background(app) == ["retag"]
    assert current_tags(db, world.p_brand) == {"Marketing": "Marketing Manager"}
    again = alice.get(f"/lead/{world.marketing}/roles").get_data(as_text=True)
    assert "Every posting is tagged with the current rules." in again
    assert current_tags(db, world.p_social) == {}
    assert current_tags(db, world.p_devops) == {"IT": "DevOps Engineer"}
    # saving the same rules again changes nothing
    alice.post(
        f"/lead/{world.marketing}/roles", data={**_roles_form(token, brand=True), "action": "save"}
    )
    with db.session() as s:
        assert s.get_one(Subgroup, world.marketing).rules_version == 2


def test_roles_form_rejects_a_role_without_phrase(app: Flask, db: Database, world: World) -> None:
    alice = sign_in(app, world.alice)
    token = csrf(alice.get(f"/lead/{world.marketing}/roles"))
    bad = alice.post(
        f"/lead/{world.marketing}/roles",
        data={
            "csrf_token": token,
            "roles-0-phrase": "",
            "roles-0-synonyms": "Chef",
            "action": "save",
        },
    )
    assert bad.status_code == 400 and "needs a target role phrase" in bad.get_data(as_text=True)
    with db.session() as s:
        assert s.get_one(Subgroup, world.marketing).rules_version == 1


def test_a_lead_cannot_change_another_subgroup(app: Flask, db: Database, world: World) -> None:
    bob = sign_in(app, world.bob)
    token = csrf(bob.get("/"))
    assert (
        bob.post(f"/lead/{world.marketing}/roles", data=_roles_form(token, brand=True)).status_code
        == 403
    )
    merge = bob.post(
        f"/lead/{world.it}/postings/{world.p_devops}/merge",
        data={"csrf_token": token, "target": world.p_marketing},
    )
    assert merge.status_code == 400 and "another sub-group" in merge.get_data(as_text=True)
    with db.session() as s:
        assert s.get_one(Subgroup, world.marketing).rules_version == 1
        assert s.get_one(Posting, world.p_devops).status == "active"


def test_week_lists_matches_with_reasons_and_unmatched_postings(app: Flask, world: World) -> None:
    text = sign_in(app, world.alice).get(f"/lead/{world.marketing}/").get_data(as_text=True)
    assert '<a class="brand" href="/">Test Network</a>' in text
    matched, unmatched = text.split("Matched no sub-group")
    assert "Senior Marketing Manager" in matched and "Social Media Specialist" in matched
    assert "&#39;marketing manager&#39; in title" in matched and "0.95" in matched
    assert "DevOps Engineer" not in text
    assert "Forklift Driver" in unmatched and "Brand Manager" in unmatched


# -- lead: moderation -------------------------------------------------------------------------


def test_moderation_hide_correct_and_merge(app: Flask, db: Database, world: World) -> None:
    alice = sign_in(app, world.alice)
    base = f"/lead/{world.marketing}/postings"
    token = csrf(alice.get(f"{base}/{world.p_social}"))
    assert (
        alice.post(
            f"{base}/{world.p_social}/status", data={"csrf_token": token, "status": "hidden"}
        ).status_code
        == 302
    )
    corrected = alice.post(
        f"{base}/{world.p_forklift}/edit",
        data={"csrf_token": token, "title": "Marketing Manager", "company": "Umbrella Corp."},
    )
    assert corrected.status_code == 302
    assert background(app) == ["retag"]
    assert current_tags(db, world.p_forklift) == {"Marketing": "Marketing Manager"}
    merged = alice.post(
        f"{base}/{world.p_marketing}/merge", data={"csrf_token": token, "target": world.p_forklift}
    )
    assert merged.headers["Location"].endswith(f"/postings/{world.p_forklift}")
    with db.session() as s:
        assert s.get_one(Posting, world.p_social).status == "hidden"
        dup, target = s.get_one(Posting, world.p_marketing), s.get_one(Posting, world.p_forklift)
        assert (dup.status, dup.merged_into_id) == ("merged", target.id)
        assert target.company == "Umbrella Corp." and target.company_key == "umbrella"
        assert [x.member_id for x in target.sightings] == [world.carol]  # the credit moved
    week = alice.get(f"/lead/{world.marketing}/").get_data(as_text=True)
    again = alice.post(
        f"{base}/{world.p_marketing}/merge", data={"csrf_token": token, "target": world.p_forklift}
    )
    assert again.status_code == 400 and "already merged" in again.get_data(as_text=True)
    assert "badge-hidden" in week


# -- lead: "not for my sub-group" -------------------------------------------------------------


def _in_both_subgroups(cfg: Config, db: Database, world: World) -> None:
    """IT also wants social media specialists: "Social Media Specialist" is tagged for both."""
    with db.session() as s:
        it = s.get_one(Subgroup, world.it)
        it.roles.append(Role(phrase="Social Media Specialist", position=1))
        it.rules_version += 1
    tag_pending(db, cfg=cfg)
    assert current_tags(db, world.p_social) == {
        "Marketing": "Social Media Specialist",
        "IT": "Social Media Specialist",
    }


def _digest_page(app: Flask, member_id: int) -> str:
    return (
        app.test_client().get(f"/digest/{token_for(app, 'view', member_id)}").get_data(as_text=True)
    )


def test_a_lead_takes_a_posting_out_of_their_subgroup_alone_and_puts_it_back(
    app: Flask, cfg: Config, db: Database, world: World
) -> None:
    from digest.tagging.explain import explain_posting

    _in_both_subgroups(cfg, db, world)
    alice, bob = sign_in(app, world.alice), sign_in(app, world.bob)
    base = f"/lead/{world.marketing}/postings/{world.p_social}"
    page = alice.get(base)
    assert "Not for my sub-group" in page.get_data(as_text=True)
    assert alice.get(f"{base}/take-out").status_code == 405  # a GET never changes state
    assert alice.post(f"{base}/take-out").status_code == 400  # no CSRF token
    # IT's lead cannot take it out of Marketing
    assert bob.post(f"{base}/take-out", data={"csrf_token": csrf(bob.get("/"))}).status_code == 403
    assert len(current_tags(db, world.p_social)) == 2
    done = alice.post(f"{base}/take-out", data={"csrf_token": csrf(page)})
    assert done.status_code == 302  # to the week page listing it, with its "Put it back"
    assert done.headers["Location"].startswith(f"/lead/{world.marketing}/?period=")
    assert background(app) == ["retag"]
    assert current_tags(db, world.p_social) == {"IT": "Social Media Specialist"}
    week = alice.get(done.headers["Location"]).get_data(as_text=True)
    assert "Taken out of Marketing; other sub-groups keep it." in week
    matched, rest = week.split("Taken out of Marketing (1)")
    taken, unmatched = rest.split("Matched no sub-group")
    assert "Social Media Specialist" not in matched and "Social Media Specialist" not in unmatched
    assert (
        "Social Media Specialist" in taken and "by Alice Moreno" in taken and "Put it back" in taken
    )
    # the live preview of dropping the Social Media role: the posting is already out, no change
    preview = alice.post(
        f"/lead/{world.marketing}/roles/preview",
        data=_roles_form(csrf(page), brand=False),
        headers={"X-CSRFToken": csrf(page)},
    ).get_json()
    assert preview["removed"] == []

    # The lead changes the rules (Brand Manager joins): everything is re-tagged, the choice holds.
    roles = {
        "csrf_token": csrf(page),
        "roles-0-phrase": "Marketing Manager",
        "roles-0-synonyms": "Brand Manager",
        "roles-1-phrase": "Social Media Specialist",
        "exclude": "",
        "action": "save",
    }
    assert alice.post(f"/lead/{world.marketing}/roles", data=roles).status_code == 302
    background(app)
    assert current_tags(db, world.p_brand) == {"Marketing": "Marketing Manager"}  # re-tagged
    assert current_tags(db, world.p_social) == {"IT": "Social Media Specialist"}
    lines = explain_posting(db, world.p_social, cfg)
    assert any(
        line.strip().startswith("Taken out of Marketing by lead Alice Moreno on ") for line in lines
    )
    assert "Social Media Specialist" not in _digest_page(app, world.carol)  # Marketing
    assert "Senior Marketing Manager" in _digest_page(app, world.carol)
    assert "Social Media Specialist" in _digest_page(app, world.dan)  # IT still has it
    stats = alice.get(f"/lead/{world.marketing}/stats").get_data(as_text=True)
    assert (
        "tag precision 0% (0 of 0 rated postings called not relevant, 1 posting taken out by a lead)"
        in stats
    )

    undo = alice.post(f"{base}/put-back", data={"csrf_token": csrf(page)})
    assert undo.status_code == 302
    assert background(app) == ["retag"]
    assert set(current_tags(db, world.p_social)) == {"Marketing", "IT"}
    assert "Social Media Specialist" in _digest_page(app, world.carol)
    assert "Taken out of" not in alice.get(f"/lead/{world.marketing}/").get_data(as_text=True)
    assert alice.post(f"{base}/put-back", data={"csrf_token": csrf(page)}).status_code == 404


def test_a_posting_taken_out_stays_with_a_member_for_their_keyword(
    app: Flask, cfg: Config, db: Database, world: World
) -> None:
    """Another reason (the member's own keyword) still brings the posting to them."""
    with db.session() as s:
        s.get_one(Member, world.carol).keywords = ["social media"]
    alice = sign_in(app, world.alice)
    base = f"/lead/{world.marketing}/postings/{world.p_social}"
    token = csrf(alice.get(base))
    assert alice.post(f"{base}/take-out", data={"csrf_token": token}).status_code == 302
    background(app)
    assert current_tags(db, world.p_social) == {}
    assert "Social Media Specialist" in _digest_page(app, world.carol)  # her keyword
    assert "Social Media Specialist" not in _digest_page(app, world.alice)
    # untagged now, yet not "matched no sub-group" on Marketing's page; IT's lead sees it there
    assert (
        "Social Media Specialist"
        not in alice.get(f"/lead/{world.marketing}/")
        .get_data(as_text=True)
        .split("Matched no sub-group")[1]
    )
    bob_week = sign_in(app, world.bob).get(f"/lead/{world.it}/").get_data(as_text=True)
    assert "Social Media Specialist" in bob_week.split("Matched no sub-group")[1]


# -- lead: members and digest preview ---------------------------------------------------------


def test_digest_preview_shows_leads_without_live_links(app: Flask, world: World) -> None:
    alice = sign_in(app, world.alice)
    members = alice.get(f"/lead/{world.marketing}/members").get_data(as_text=True)
    assert "Carol King" in members and "Alice Moreno" in members and "Dan Whitaker" not in members
    page = alice.get(f"/lead/{world.marketing}/members/{world.carol}/digest").get_data(as_text=True)
    assert "Senior Marketing Manager" in page and "Social Media Specialist" in page
    assert "/unsubscribe/" not in page and "/preferences/" not in page and "/feedback/" not in page
    assert alice.get(f"/lead/{world.marketing}/members/{world.dan}/digest").status_code == 404


# -- operator ---------------------------------------------------------------------------------


def test_operator_adds_imports_pauses_and_removes_members(
    app: Flask, db: Database, world: World
) -> None:
    op = sign_in(app, world.operator)
    token = csrf(op.get("/operator/members"))
    added = op.post(
        "/operator/members/add",
        data={
            "csrf_token": token,
            "email": "Eve@Example.org",
            "name": "Eve",
            "subgroups": [world.it],
        },
    )
    assert added.status_code == 302
    again = op.post("/operator/members/add", data={"csrf_token": token, "email": "eve@example.org"})
    assert again.status_code == 400 and "already a member" in again.get_data(as_text=True)
    csv_text = "email,name,subgroups,past_employers,keywords,location\nfrank@example.org,Frank,Marketing,Sabre,,Dallas\n"
    imported = op.post(
        "/operator/members/import",
        data={"csrf_token": token, "file": (io.BytesIO(csv_text.encode()), "members.csv")},
        content_type="multipart/form-data",
    )
    assert imported.status_code == 302
    bad_csv = "email,name,subgroups\nnot-an-address,X,\n"
    bad = op.post(
        "/operator/members/import",
        data={"csrf_token": token, "file": (io.BytesIO(bad_csv.encode()), "team.csv")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 400 and "team.csv: line 2, column email" in bad.get_data(as_text=True)
    assert (
        op.post(f"/operator/members/{world.dan}/pause", data={"csrf_token": token}).status_code
        == 302
    )
    # Remove asks first: the page, and a POST without the confirm page's field, change nothing.
    ask = op.get(f"/operator/members/{world.carol}/remove")
    assert ask.status_code == 200 and "Remove Carol King" in ask.get_data(as_text=True)
    bare = op.post(f"/operator/members/{world.carol}/remove", data={"csrf_token": token})
    assert bare.status_code == 200 and "Remove Carol King?" in bare.get_data(as_text=True)
    assert member(db, world.carol).status == "active"
    assert (
        op.post(
            f"/operator/members/{world.carol}/remove", data={"csrf_token": token, "confirm": "yes"}
        ).status_code
        == 302
    )
    with db.session() as s:
        eve = s.scalar(select(Member).where(Member.email == "eve@example.org"))
        frank = s.scalar(select(Member).where(Member.email == "frank@example.org"))
        assert eve is not None and [g.name for g in eve.subgroups] == ["IT"]
        assert frank is not None and [e.name for e in frank.employers] == ["Sabre"]
        assert s.get_one(Member, world.dan).status == "paused"
        assert s.get_one(Member, world.carol).status == "removed"
    text = op.get("/operator/members").get_data(as_text=True)
    assert "eve@example.org" in text and "frank@example.org" in text


def test_operator_sets_subgroup_leads(app: Flask, db: Database, world: World) -> None:
    op = sign_in(app, world.operator)
    token = csrf(op.get("/operator/subgroups"))
    ok = op.post(
        f"/operator/subgroups/{world.it}/leads",
        data={"csrf_token": token, "leads": "bob@example.org\ndan@example.org"},
    )
    assert ok.status_code == 302
    bad = op.post(
        f"/operator/subgroups/{world.it}/leads",
        data={"csrf_token": token, "leads": "nobody@example.org"},
    )
    assert bad.status_code == 400 and "Not members: nobody@example.org" in bad.get_data(
        as_text=True
    )
    assert (
        op.post(
            "/operator/subgroups/add", data={"csrf_token": token, "name": "Finance"}
        ).status_code
        == 302
    )
    with db.session() as s:
        assert sorted(m.email for m in s.get_one(Subgroup, world.it).leads) == [
            "bob@example.org",
            "dan@example.org",
        ]
        assert s.scalar(select(Subgroup).where(Subgroup.name == "Finance")) is not None
    assert sign_in(app, world.dan).get(f"/lead/{world.it}/roles").status_code == 200


NON_MEMBER_MAIL = (
    b"From: Stranger <stranger@example.net>\r\nTo: leads@example.org\r\nSubject: Fwd: a job for the group\r\n"
    b"Message-ID: <held-1@example.net>\r\nDate: Mon, 02 Mar 2026 10:00:00 +0000\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n\r\nHave a look:\r\nhttps://boards.greenhouse.io/umbrella/jobs/4455667\r\n"
)


def _store_raw(db: Database, raw: bytes, status: str = "new", reason: str = "") -> int:
    with db.session() as s:
        row = RawMessage(raw=raw, status=status, reason=reason, message_id="<x>")
        s.add(row)
        s.flush()
        return row.id


def test_held_mail_can_be_released(app: Flask, db: Database, world: World) -> None:
    raw_id = _store_raw(db, NON_MEMBER_MAIL)
    assert process_pending(db.sessions, [raw_id]) == {"held": 1}
    op = sign_in(app, world.operator)
    page = op.get("/operator/held")
    assert "stranger@example.net" in page.get_data(as_text=True)
    assert (
        op.post(f"/operator/held/{raw_id}/release", data={"csrf_token": csrf(page)}).status_code
        == 302
    )
    with db.session() as s:
        assert s.get_one(RawMessage, raw_id).status == "processed"
        posting_ids = s.scalars(
            select(Sighting.posting_id).where(Sighting.raw_message_id == raw_id)
        ).all()
        assert posting_ids and all(not s.get_one(Posting, p).held for p in posting_ids)
    assert f"Release message {raw_id}" not in op.get("/operator/held").get_data(as_text=True)


def test_held_mail_sender_can_become_a_member(app: Flask, db: Database, world: World) -> None:
    raw_id = _store_raw(db, NON_MEMBER_MAIL)
    process_pending(db.sessions, [raw_id])
    op = sign_in(app, world.operator)
    token = csrf(op.get("/operator/held"))
    assert (
        op.post(f"/operator/held/{raw_id}/add-member", data={"csrf_token": token}).status_code
        == 302
    )
    assert background(app) == ["record"]
    with db.session() as s:
        raw = s.get_one(RawMessage, raw_id)
        newcomer = s.scalar(select(Member).where(Member.email == "stranger@example.net"))
        assert newcomer is not None and raw.status == "processed" and raw.member_id == newcomer.id


def test_failed_mail_can_be_reprocessed(app: Flask, db: Database, world: World) -> None:
    raw_id = _store_raw(
        db,
        NON_MEMBER_MAIL.replace(b"stranger@example.net", b"dan@example.org"),
        status="failed",
        reason="internal error: parser bug",
    )
    op = sign_in(app, world.operator)
    page = op.get("/operator/failed")
    assert "internal error: parser bug" in page.get_data(as_text=True)
    assert (
        op.post(f"/operator/failed/{raw_id}/reprocess", data={"csrf_token": csrf(page)}).status_code
        == 302
    )
    waiting = op.get("/operator/failed").get_data(as_text=True)  # the request only asked
    assert "will be processed again in the background" in waiting
    assert "Waiting to be processed again" in waiting and "by op@example.org" in waiting
    with db.session() as s:
        assert s.get_one(RawMessage, raw_id).status == "new"
    assert background(app) == ["record"]
    with db.session() as s:
        assert s.get_one(RawMessage, raw_id).status == "processed"
    assert "parser bug" not in op.get("/operator/failed").get_data(as_text=True)


def test_send_log_and_sources_pages_show_rows(
    app: Flask, db: Database, world: World, tmp_path: Path
) -> None:
    from digest.store.models import Delivery, Source

    with db.session() as s:
        s.add(Delivery(member_id=world.carol, period="2026-W10", status="sent", posting_ids=[1, 2]))
        s.add(
            Delivery(
                member_id=world.dan,
                period="2026-W10",
                status="bounced",
                last_error="550 user unknown",
            )
        )
        s.add(
            Source(
                kind="feed",
                key="https://jobs.example/rss",
                name="Jobs feed",
                consecutive_failures=3,
                last_error="HTTP 503",
            )
        )
    op = sign_in(app, world.operator)
    log = op.get("/operator/deliveries?period=2026-W10").get_data(as_text=True)
    assert "carol@example.org" in log and "550 user unknown" in log
    assert "dan@example.org" not in op.get("/operator/deliveries?period=2026-W11").get_data(
        as_text=True
    )
    sources = op.get("/operator/sources").get_data(as_text=True)
    assert "Jobs feed" in sources and "3 failures" in sources and "HTTP 503" in sources


def test_times_weeks_and_counts_read_as_people_say_them(
    app: Flask, db: Database, world: World
) -> None:
    from digest.store.models import Delivery, Source

    noon_utc = datetime(2026, 12, 2, 13, 0)  # stored naive UTC; 07:00 in Chicago
    with db.session() as s:
        s.add(Delivery(member_id=world.carol, period="2026-W49", status="sent", sent_at=noon_utc))
        s.add(Source(kind="feed", key="https://j.example/rss", name="Jobs", last_success=noon_utc,
                     consecutive_failures=1, last_error="HTTP 503"))  # fmt: skip
        s.add(RawMessage(raw=b"x", status="failed", reason="broken", received_at=noon_utc))
    op = sign_in(app, world.operator)
    log = op.get("/operator/deliveries").get_data(as_text=True)
    assert "2026-12-02 07:00 CST" in log and "week of Nov 30, 2026" in log
    assert ">2026-W49<" not in log  # the ISO week is only the filter's value
    sources = op.get("/operator/sources").get_data(as_text=True)
    assert "2026-12-02 07:00 CST" in sources and "1 failure<" in sources
    assert "2026-12-02 07:00 CST" in op.get("/operator/failed").get_data(as_text=True)
    week = op.get(f"/lead/{world.marketing}/?period=2026-W49").get_data(as_text=True)
    assert "week of Nov 30" in week and "2026-W49" not in week
    index = op.get("/lead/").get_data(as_text=True)
    assert "1 target role ·" in index and "2 target roles" in index and "1 members" not in index


# -- member pages from digest links -----------------------------------------------------------


def test_preferences_change_through_the_digest_link(app: Flask, db: Database, world: World) -> None:
    client = app.test_client()
    url = f"/preferences/{token_for(app, 'preferences', world.carol)}"
    page = client.get(url)
    assert page.status_code == 200 and "carol@example.org" in page.get_data(as_text=True)
    later = date.today() + timedelta(days=30)
    saved = client.post(
        url,
        data={
            "csrf_token": csrf(page),
            "subscribed": "y",
            "subgroups": [world.marketing, world.it],
            "keywords": "social media\nbrand",
            "location": "Dallas, TX",
            "remote_ok": "y",
            "contact_opt_in": "y",
            "past_employers": "Sabre\nAmerican Airlines",
            "paused_until": later.isoformat(),
        },
    )
    assert saved.status_code == 302
    carol = member(db, world.carol)
    assert sorted(g.name for g in carol.subgroups) == ["IT", "Marketing"]
    assert carol.keywords == ["social media", "brand"] and carol.location == "Dallas, TX"
    assert carol.paused_until == later and not carol.show_name and carol.contact_opt_in
    assert [e.name for e in carol.employers] == ["Sabre", "American Airlines"]
    past = client.post(
        url, data={"csrf_token": csrf(page), "subscribed": "y", "paused_until": "2020-01-01"}
    )
    assert past.status_code == 400 and "in the future" in past.get_data(as_text=True)


def test_member_adds_an_alias_and_forwards_from_it_are_credited(
    app: Flask, db: Database, world: World
) -> None:
    client = app.test_client()
    url = f"/preferences/{token_for(app, 'preferences', world.carol)}"
    page = client.get(url)
    taken = member(db, world.dan).email
    clash = client.post(url, data={"csrf_token": csrf(page), "subscribed": "y", "aliases": taken})
    assert clash.status_code == 400 and "belongs to another member" in clash.get_data(as_text=True)
    bad = client.post(url, data={"csrf_token": csrf(page), "subscribed": "y", "aliases": "nope"})
    assert bad.status_code == 400 and "not an email address" in bad.get_data(as_text=True)
    saved = client.post(
        url,
        data={"csrf_token": csrf(page), "subscribed": "y", "aliases": "Carol.Home@Mail.Example"},
    )
    assert saved.status_code == 302
    with db.session() as s:  # nothing counts until the address's owner confirms it
        assert s.get_one(Member, world.carol).aliases == []
    # The link mailed to the address (tests/test_security.py follows the real mail).
    link = f"/alias/{token_for(app, 'alias-confirm', [world.carol, 'carol.home@mail.example'])}"
    confirm = client.get(link)
    assert confirm.status_code == 200 and "Is carol.home@mail.example yours?" in confirm.get_data(
        as_text=True
    )
    assert client.post(link, data={"csrf_token": csrf(confirm)}).status_code == 302
    with db.session() as s:
        carol = s.get_one(Member, world.carol)
        assert [a.address for a in carol.aliases] == ["carol.home@mail.example"]
    raw = (
        b"From: Carol <carol.home@mail.example>\r\nTo: leads@group.example.org\r\n"
        b"Subject: Fwd: Data Engineer at Initech\r\nMessage-ID: <alias@test>\r\n\r\n"
        b"---------- Forwarded message ---------\r\nFrom: Rita <rita@hr.example>\r\n"
        b"Subject: Data Engineer at Initech\r\nTo: <carol.home@mail.example>\r\n\r\n"
        b"Apply: https://jobs.lever.co/initech/00000000-0000-4000-8000-000000000001\r\n"
    )
    with db.session() as s:
        row = RawMessage(raw=raw)
        s.add(row)
        s.flush()
        process_message(s, row)
        assert (row.status, row.member_id) == ("processed", world.carol)


def test_preferences_links_for_someone_else_or_forged_fail(app: Flask, world: World) -> None:
    client = app.test_client()
    forged = URLSafeTimedSerializer("another-secret-of-32-characters!", salt="preferences").dumps(
        world.carol
    )
    unsubscribe_token = token_for(app, "unsubscribe", world.carol)
    assert client.get(f"/preferences/{forged}").status_code == 400
    assert client.get(f"/preferences/{unsubscribe_token}").status_code == 400
    expired = _old_token("preferences", world.carol, timedelta(days=91))
    assert client.get(f"/preferences/{expired}").status_code == 400


def test_one_click_unsubscribe_by_post_stops_the_next_digest(
    app: Flask, cfg: Config, db: Database, world: World, tmp_path: Path
) -> None:
    links = Links(cfg, app.extensions["jobdigest"].signer, world.carol)
    path = links.unsubscribe.removeprefix(cfg.web.base_url)
    client = app.test_client()  # a mail provider: no cookies, no CSRF token
    looked = client.get(path)
    assert looked.status_code == 200 and member(db, world.carol).status == "active"
    answer = client.post(
        path, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert answer.status_code == 200 and "unsubscribed" in answer.get_data(as_text=True)
    assert member(db, world.carol).status == "unsubscribed"
    assert (
        client.post(
            path,
            data="List-Unsubscribe=One-Click",
            content_type="application/x-www-form-urlencoded",
        ).status_code
        == 200
    )
    result = send_digests(db, cfg, dry_run=tmp_path / "out")
    written = sorted(p.name for p in result.written)
    assert "alice@example.org.eml" in written and "carol@example.org.eml" not in written


def test_feedback_is_recorded_once(app: Flask, cfg: Config, db: Database, world: World) -> None:
    client = app.test_client()
    # Exactly the link a digest carries.
    links = Links(cfg, app.extensions["jobdigest"].signer, world.carol)
    url = links.feedback(world.p_marketing, "applied").removeprefix(cfg.web.base_url)
    first = client.get(url)  # what a mail scanner does: it only sees the question
    assert first.status_code == 200 and "Applied?" in first.get_data(as_text=True)
    assert client.head(url).status_code == 200
    with db.session() as s:
        assert s.scalars(select(Feedback)).all() == []
    done = client.post(url, data={"csrf_token": csrf(first)})
    assert done.status_code == 200 and "We noted" in done.get_data(as_text=True)
    assert client.post(url, data={"csrf_token": csrf(first)}).status_code == 200
    assert client.post(url).status_code == 400  # no CSRF token: nothing recorded
    with db.session() as s:
        rows = s.scalars(select(Feedback)).all()
        assert [(f.member_id, f.posting_id, f.kind) for f in rows] == [
            (world.carol, world.p_marketing, "applied")
        ]
    token = token_for(app, "feedback", [world.carol, world.p_marketing])
    assert client.get(f"/feedback/{token}/delete_everything").status_code == 400
    old_style = token_for(app, "feedback", [world.carol, world.p_marketing, "applied"])
    assert client.get(f"/feedback/{old_style}/applied").status_code == 400


def test_a_digests_feedback_link_counts_only_for_postings_the_member_was_offered(
    app: Flask, cfg: Config, db: Database, world: World
) -> None:
    """The token in a feedback link proves the member; the posting id beside it is not signed,
    so it must be one a digest could have shown them: sent to them, or live in the group."""
    client = app.test_client()
    links = Links(cfg, app.extensions["jobdigest"].signer, world.carol)
    path = links.feedback_prefix.removeprefix(cfg.web.base_url)
    assert client.get(f"{path}{world.p_marketing}/applied").status_code == 200
    with db.session() as s:  # hidden by a moderator, and one held for review
        s.get_one(Posting, world.p_devops).status = "hidden"
        s.get_one(Posting, world.p_forklift).held = True
    assert client.get(f"{path}{world.p_devops}/applied").status_code == 400
    assert client.get(f"{path}{world.p_forklift}/applied").status_code == 400
    with db.session() as s:  # ... unless her digest carried it before it was hidden
        s.add(Delivery(member_id=world.carol, period="2026-W47", posting_ids=[world.p_devops]))
    page = client.get(f"{path}{world.p_devops}/applied")
    assert page.status_code == 200 and "DevOps Engineer" in page.get_data(as_text=True)
    token = path.split("/")[2]
    forged = path.replace(token, token[:-2] + ("aa" if token[-2:] != "aa" else "bb"))
    assert client.get(f"{forged}{world.p_marketing}/applied").status_code == 400
    other_purpose = token_for(app, "unsubscribe", world.carol)
    assert client.get(f"/feedback/{other_purpose}/{world.p_marketing}/applied").status_code == 400
    assert client.get(f"{path}{world.p_marketing}/delete_everything").status_code == 400
    with db.session() as s:
        assert s.scalars(select(Feedback)).all() == []


def test_feedback_links_of_older_digests_still_work(app: Flask, db: Database, world: World) -> None:
    """Digests sent before one token per digest carried one per posting: until they expire."""
    client = app.test_client()
    url = f"/feedback/{token_for(app, 'feedback', [world.carol, world.p_marketing])}/hired"
    first = client.get(url)
    assert first.status_code == 200
    done = client.post(url, data={"csrf_token": csrf(first)})
    assert done.status_code == 303  # "Hired" goes on to the landing form
    with db.session() as s:
        assert [(f.member_id, f.posting_id, f.kind) for f in s.scalars(select(Feedback))] == [
            (world.carol, world.p_marketing, "hired")
        ]


def test_web_digest_shows_the_members_leads(app: Flask, world: World) -> None:
    client = app.test_client()
    page = client.get(f"/digest/{token_for(app, 'view', world.carol)}").get_data(as_text=True)
    assert "Senior Marketing Manager" in page and "DevOps Engineer" not in page
    dan_page = client.get(f"/digest/{token_for(app, 'view', world.dan)}").get_data(as_text=True)
    assert "DevOps Engineer" in dan_page


def test_me_leads_to_own_preferences(app: Flask, world: World) -> None:
    client = sign_in(app, world.dan)
    target = client.get("/me").headers["Location"]
    assert "dan@example.org" in client.get(target).get_data(as_text=True)


def test_not_relevant_says_it_is_the_members_own_until_several_agree(
    app: Flask, cfg: Config, world: World
) -> None:
    client = app.test_client()
    links = Links(cfg, app.extensions["jobdigest"].signer, world.carol)
    url = links.feedback(world.p_social, "not_relevant").removeprefix(cfg.web.base_url)
    done = client.post(url, data={"csrf_token": csrf(client.get(url))})
    text = done.get_data(as_text=True)
    assert "You will not get it again" in text and "When several members say so" in text
    assert "Social Media Specialist" not in _digest_page(app, world.carol)
    assert "Social Media Specialist" in _digest_page(app, world.alice)  # one member: theirs alone
