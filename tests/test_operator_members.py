"""The operator's Members page: edit a member, make them a lead or an operator, remove after asking."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from digest.store.db import Database
from digest.store.models import Member, Subgroup
from digest.web import create_app
from tests.support.db import migrated_db
from tests.test_web import (
    SECRET,
    SECRET_ENV,
    World,
    build_world,
    csrf,
    make_config,
    member,
    sign_in,
)


@pytest.fixture
def site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Flask, Database, World]]:
    """The web tests' group (an operator, two leads, two members) behind a fresh app."""
    monkeypatch.setenv(SECRET_ENV, SECRET)
    cfg = make_config(tmp_path)
    db = migrated_db(cfg.database_url())
    world = build_world(db)
    yield create_app(cfg, db), db, world
    db.dispose()


def _leads(db: Database, subgroup_id: int) -> list[str]:
    with db.session() as s:
        return [m.email for m in s.get_one(Subgroup, subgroup_id).leads]


def test_operator_edits_a_member_and_makes_them_a_lead_and_an_operator(
    site: tuple[Flask, Database, World],
) -> None:
    app, db, world = site
    op = sign_in(app, world.operator)
    page = op.get(f"/operator/members/{world.dan}")
    assert page.status_code == 200 and "Dan Whitaker" in page.get_data(as_text=True)
    saved = op.post(
        f"/operator/members/{world.dan}",
        data={
            "csrf_token": csrf(page),
            "name": "Dan W.",
            "subgroups": [world.it, world.marketing],
            "keywords": "kubernetes\nterraform",
            "past_employers": "Sabre Inc.\nFrito-Lay",
            "location": "Plano, TX",
            "contact_opt_in": "y",
            "leads": [world.it],
            "is_operator": "y",
        },
        follow_redirects=True,
    )
    text = saved.get_data(as_text=True)
    assert saved.status_code == 200
    assert "now leads IT" in text and "now an operator" in text
    dan = member(db, world.dan)
    assert dan.name == "Dan W." and dan.location == "Plano, TX" and dan.is_operator
    assert sorted(g.name for g in dan.subgroups) == ["IT", "Marketing"]
    assert dan.keywords == ["kubernetes", "terraform"] and dan.contact_opt_in
    assert [e.name for e in dan.employers] == ["Sabre Inc.", "Frito-Lay"]
    assert _leads(db, world.it) == ["bob@example.org", "dan@example.org"]
    # Dan can now curate IT and run the group.
    dan_client = sign_in(app, world.dan)
    assert dan_client.get(f"/lead/{world.it}/roles").status_code == 200
    assert dan_client.get("/operator/members").status_code == 200
    # Unticking "lead of" takes the role away again.
    again = op.get(f"/operator/members/{world.dan}")
    op.post(
        f"/operator/members/{world.dan}",
        data={"csrf_token": csrf(again), "name": "Dan W.", "subgroups": [world.it]},
    )
    assert _leads(db, world.it) == ["bob@example.org"]
    assert not member(db, world.dan).is_operator


def test_members_page_links_each_member_and_says_who_leads(
    site: tuple[Flask, Database, World],
) -> None:
    app, _db, world = site
    text = sign_in(app, world.operator).get("/operator/members").get_data(as_text=True)
    assert f'href="/operator/members/{world.alice}"' in text
    assert "leads Marketing" in text
    assert f'href="/operator/members/{world.carol}/remove"' in text  # a link to a confirm page


def test_the_only_operator_cannot_drop_the_role_or_be_removed(
    site: tuple[Flask, Database, World],
) -> None:
    app, db, world = site
    op = sign_in(app, world.operator)
    page = op.get(f"/operator/members/{world.operator}")
    refused = op.post(
        f"/operator/members/{world.operator}",
        data={"csrf_token": csrf(page), "name": "Olga"},
    )
    assert refused.status_code == 400 and "only operator" in refused.get_data(as_text=True)
    removed = op.post(
        f"/operator/members/{world.operator}/remove",
        data={"csrf_token": csrf(page), "confirm": "yes"},
        follow_redirects=True,
    )
    assert "only operator" in removed.get_data(as_text=True)
    with db.session() as s:
        olga = s.get_one(Member, world.operator)
        assert olga.is_operator and olga.status == "active" and olga.name == "Olga Operator"


def test_edit_and_remove_need_the_csrf_token(site: tuple[Flask, Database, World]) -> None:
    app, db, world = site
    op = sign_in(app, world.operator)
    assert op.post(f"/operator/members/{world.dan}", data={"name": "X"}).status_code == 400
    assert (
        op.post(f"/operator/members/{world.dan}/remove", data={"confirm": "yes"}).status_code == 400
    )
    assert member(db, world.dan).name == "Dan Whitaker"
    assert member(db, world.dan).status == "active"


def test_a_lead_cannot_reach_the_member_editor(site: tuple[Flask, Database, World]) -> None:
    app, _db, world = site
    alice = sign_in(app, world.alice)
    assert alice.get(f"/operator/members/{world.dan}").status_code == 403
    assert alice.get(f"/operator/members/{world.dan}/remove").status_code == 403
