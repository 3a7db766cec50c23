"""Many groups on one installation, none seeing another's data: through the real CLI, a group
inbox per group on Dovecot, digests to a real SMTP server, and the web app's pages.

Three groups with overlapping members (Alice is in main and north, Bob in main and south) and
the same Sabre job forwarded to two groups: every digest holds only its group's leads, credits
and inside contacts; someone signed in to one group gets 404 on another group's pages.
"""

from __future__ import annotations

import re
import secrets
from email.message import EmailMessage
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from digest.cli import cli
from digest.config import load_config
from digest.store.db import Database
from digest.store.models import Member, Posting
from tests.support.config import write_config
from tests.support.mails import gmail_forward

SUBGROUPS = """
[[subgroup]]
name = "Marketing"
roles = ["Marketing Manager", "Brand Manager", "Digital Marketing Specialist"]
leads = [{leads}]
"""

#: group -> members.csv rows (email,name,subgroups,past_employers,keywords,location,inside_contact)
MEMBERS = {
    "main": [
        "alice@people.example,Alice Moreno,Marketing,Sabre,,Dallas TX,yes",
        "bob@people.example,Bob Stone,Marketing,,,Plano TX,yes",
    ],
    "north": [
        "alice@people.example,Alice Moreno,Marketing,,,Dallas TX,yes",
        "carol@people.example,Carol Diaz,Marketing,Sabre,,Denton TX,yes",
    ],
    "south": [
        "dave@people.example,Dave Ortiz,Marketing,Initrode,,Austin TX,yes",
        "bob@people.example,Bob Stone,Marketing,,,Plano TX,yes",
    ],
}
LEADS = {
    "main": "bob@people.example",
    "north": "carol@people.example",
    "south": "dave@people.example",
}
SABRE = "https://boards.greenhouse.io/sabre/jobs/4012345"


def _job(sender: str, title: str, company: str, url: str) -> bytes:
    return gmail_forward(
        sender,
        "For our marketing folks",
        "Jane Recruiter <jane@talent.example>",
        f"{title} at {company}",
        f"{company} is hiring a {title} in Dallas, TX.\nApply here: {url}\n",
    )


#: group -> the mail its members forward to the group's own inbox
MAILS = {
    "main": [
        _job("Alice Moreno <alice@people.example>", "Marketing Manager", "Sabre", SABRE),
        _job(
            "Bob Stone <bob@people.example>",
            "Brand Manager",
            "Initech",
            "https://jobs.lever.co/initech/8f2c1a9e-1111-4c3b-9d7e-0a1b2c3d4e5f",
        ),
    ],
    "north": [
        _job("Carol Diaz <carol@people.example>", "Marketing Manager", "Sabre", SABRE),
    ],
    "south": [
        _job(
            "Dave Ortiz <dave@people.example>",
            "Digital Marketing Specialist",
            "Globex",
            "https://boards.greenhouse.io/globex/jobs/777",
        ),
    ],
}
#: what each group's digests may name: titles and people; everything else must stay out
SEEN = {
    "main": {"Marketing Manager", "Brand Manager", "Initech", "Alice Moreno", "Bob Stone"},
    "north": {"Marketing Manager", "Alice Moreno", "Carol Diaz"},
    "south": {"Digital Marketing Specialist", "Globex", "Dave Ortiz", "Bob Stone"},
}
EVERYTHING = {
    "Marketing Manager",
    "Brand Manager",
    "Digital Marketing Specialist",
    "Alice Moreno",
    "Bob Stone",
    "Carol Diaz",
    "Dave Ortiz",
    "Initech",
    "Globex",
}


def invoke(config: Path, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(cli, ["--config", str(config), *args], catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


def _group_sections(slug: str, dovecot, account, smtp_server) -> str:  # type: ignore[no-untyped-def]
    return (
        f'\n[inbox]\nhost = "{dovecot.host}"\nport = {dovecot.port}\nsecurity = "starttls"\n'
        f'username = "{account.username}"\npassword_env = "TEST_IMAP_PASSWORD"\n'
        f'ca_file = "{dovecot.ca_file}"\n'
        f'\n[smtp]\nhost = "{smtp_server.host}"\nport = {smtp_server.port}\nsecurity = "starttls"\n'
        f'username = "mailer@example.org"\npassword_env = "TEST_SMTP_PASSWORD"\n'
        f'ca_file = "{dovecot.ca_file}"\nfrom_address = "{slug} leads <{slug}@groups.example.org>"\n'
    )


@pytest.fixture
def installation(monkeypatch, dovecot, smtp_server, db_url, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Three groups through the CLI: main in jobdigest.toml, north and south from `groups add`,
    each with its own inbox holding its members' forwards, its sub-groups and members."""
    monkeypatch.setenv("TEST_IMAP_PASSWORD", "imap-secret")
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "smtp-secret")
    monkeypatch.setenv("TEST_SECRET_KEY", "x" * 32)
    monkeypatch.delenv("JOBDIGEST_GROUP", raising=False)
    accounts = {
        slug: dovecot.add_user(f"{slug}-{secrets.token_hex(4)}@example.org", "imap-secret")
        for slug in MAILS
    }
    config = write_config(tmp_path, db_url=db_url)
    with config.open("a") as handle:
        handle.write(_group_sections("main", dovecot, accounts["main"], smtp_server))
    invoke(config, "init", str(tmp_path))
    invoke(
        config, "groups", "add", "north", "--name", "North Network", "--timezone", "America/Chicago"
    )
    invoke(
        config,
        "groups",
        "add",
        "south",
        "--name",
        "South Network",
        "--timezone",
        "America/New_York",
    )
    for slug in ("north", "south"):
        with (tmp_path / "groups" / f"{slug}.toml").open("a") as handle:
            handle.write(_group_sections(slug, dovecot, accounts[slug], smtp_server))
    for slug, rows in MEMBERS.items():
        (tmp_path / f"{slug}.csv").write_text(
            "email,name,subgroups,past_employers,keywords,location,inside_contact\n"
            + "\n".join(rows)
            + "\n"
        )
        (tmp_path / f"{slug}.toml").write_text(SUBGROUPS.format(leads=f'"{LEADS[slug]}"'))
        invoke(config, "subgroups", "import", str(tmp_path / f"{slug}.toml"), "--group", slug)
        invoke(config, "members", "import", str(tmp_path / f"{slug}.csv"), "--group", slug)
        for raw in MAILS[slug]:
            dovecot.append("INBOX", raw, username=accounts[slug].username)
    return config


def _digests(smtp_server) -> dict[tuple[str, str], str]:  # type: ignore[no-untyped-def]
    """(group, recipient) -> the digest's text, the group told by its From address."""
    found = {}
    for message in smtp_server.messages:
        msg: EmailMessage = message.message()
        group = re.search(r"<(\w+)@groups\.example\.org>", msg["From"])
        assert group, msg["From"]
        text = " ".join(msg.get_body(("plain",)).get_content().split())
        found[(group[1], message.rcpt_tos[0])] = text
    return found


def test_every_digest_holds_only_its_groups_leads_credits_and_contacts(
    installation: Path, smtp_server, db_url: str
) -> None:  # type: ignore[no-untyped-def]
    config = installation
    listing = invoke(config, "groups", "list")
    assert re.search(r"north\s+North Network\s+2\s", listing), listing
    # Several groups: a command acting on one group's data asks which, in one line.
    refused = CliRunner().invoke(cli, ["--config", str(config), "send-digests"])
    assert refused.exit_code == 2
    assert "several groups (main, north, south)" in refused.output
    assert (
        CliRunner().invoke(cli, ["--config", str(config), "poll", "--group", "west"]).exit_code == 2
    )

    invoke(config, "run", "--once")  # every group's inbox, records and tags
    for slug in MAILS:
        invoke(config, "send-digests", "--group", slug)

    digests = _digests(smtp_server)
    assert set(digests) == {
        ("main", "alice@people.example"),
        ("main", "bob@people.example"),
        ("north", "alice@people.example"),
        ("north", "carol@people.example"),
        ("south", "dave@people.example"),
        ("south", "bob@people.example"),
    }
    for (slug, _to), text in digests.items():
        for word in EVERYTHING - SEEN[slug]:
            assert word not in text, f"{slug} digest names {word!r}: {text}"
    # The same Sabre job in main and north: each credits its own group's sharer, and its
    # inside contact is of the same group (Alice in main, Carol in north).
    assert "Shared by Alice Moreno" in digests[("main", "bob@people.example")]
    assert (
        "Alice Moreno (Marketing sub-group) used to work at Sabre"
        in digests[("main", "bob@people.example")]
    )
    north = digests[("north", "alice@people.example")]
    assert "Shared by Carol Diaz" in north
    assert "Carol Diaz (Marketing sub-group) used to work at Sabre" in north
    assert "Brand Manager" in digests[("main", "alice@people.example")]
    assert "Digital Marketing Specialist" in digests[("south", "bob@people.example")]

    # Dedup is per group: one Sabre posting in each of the two groups, none in south.
    db = Database(db_url)
    for slug, count in (("main", 1), ("north", 1), ("south", 0)):
        with db.for_group(slug).session() as session:
            sabre = session.scalars(select(Posting).where(Posting.company_key.like("sabre%")))
            assert len(list(sabre)) == count, slug
    db.dispose()

    # A second send of each group sends nothing.
    count = len(smtp_server.messages)
    for slug in MAILS:
        invoke(config, "send-digests", "--group", slug)
    assert len(smtp_server.messages) == count


def test_a_groups_links_open_its_own_pages_only(
    installation: Path, db_url: str, smtp_server
) -> None:  # type: ignore[no-untyped-def]
    """North's digest and sign-in links carry /g/north/ and work there; on another group's
    pages the same tokens open nothing."""
    from digest.web import create_app

    config = installation
    invoke(config, "run", "--once")
    invoke(config, "send-digests", "--group", "north")
    digest = _digests(smtp_server)[("north", "alice@people.example")]
    preferences = re.search(r"Manage preferences: (\S+)", digest)
    assert preferences and "/g/north/preferences/" in preferences[1], digest
    path = preferences[1].removeprefix("https://leads.group.example.org")
    link = invoke(config, "sign-in-link", "carol@people.example", "--group", "north").split()[0]
    assert link.startswith("https://leads.group.example.org/g/north/signin/"), link
    db = Database(db_url)
    client = create_app(load_config(config), db.for_group("main")).test_client()
    page = client.get(path)
    assert page.status_code == 200 and "Alice" in page.get_data(as_text=True)
    for elsewhere in (path.replace("/g/north/", "/g/south/"), path.replace("/g/north", "")):
        assert client.get(elsewhere).status_code != 200, elsewhere
    signin = link.removeprefix("https://leads.group.example.org")
    assert client.get(signin).status_code == 200
    assert client.get(signin.replace("/g/north/", "/g/main/")).status_code == 400
    db.dispose()


def test_a_lead_of_one_group_gets_404_on_another_groups_pages(
    installation: Path, db_url: str
) -> None:
    from digest.web import create_app
    from tests.test_web import csrf

    config = installation
    invoke(config, "run", "--once")
    db = Database(db_url)
    app = create_app(load_config(config), db.for_group("main"))
    ids = {}
    for slug in MEMBERS:
        with db.for_group(slug).session() as session:
            ids[slug] = {m.email: m.id for m in session.scalars(select(Member))}
    carol = ids["north"]["carol@people.example"]
    client = app.test_client()
    token = app.extensions["jobdigest"].signer.dumps("signin", [carol, "t1", "/"])
    page = client.get(f"/g/north/signin/{token}")
    assert page.status_code == 200
    done = client.post(f"/g/north/signin/{token}", data={"csrf_token": csrf(page)})
    assert done.status_code == 302 and done.headers["Location"] == "/g/north/"
    home = client.get("/g/north/")
    assert home.status_code == 200 and "North Network" in home.get_data(as_text=True)
    # Carol leads north's Marketing; south's and main's pages do not exist for her.
    with db.for_group("south").session() as session:
        south_marketing = session.scalar(select(Member.id).where(Member.email == LEADS["south"]))
    assert south_marketing
    for path in ("/g/south/", "/g/south/operator/", "/", "/g/main/"):
        assert client.get(path).status_code == 404, path
    assert client.get("/g/nowhere/").status_code == 404
    # A sign-in link of north does not sign anyone in on south's pages.
    assert client.get(f"/g/south/signin/{token}").status_code == 400
    # Alice is in main and north: signed in to north she is asked to sign in to main, not
    # told it does not exist; then she is in both at once.
    alice = app.test_client()
    for slug in ("north", "main"):
        link = app.extensions["jobdigest"].signer.dumps(
            "signin", [ids[slug]["alice@people.example"], f"a-{slug}", "/"]
        )
        prefix = f"/g/{slug}"
        if slug == "main":
            assert alice.get("/g/main/").status_code == 302
        page = alice.get(f"{prefix}/signin/{link}")
        alice.post(f"{prefix}/signin/{link}", data={"csrf_token": csrf(page)})
    assert alice.get("/g/north/").status_code == 200
    assert alice.get("/g/main/").status_code == 200
    assert alice.get("/g/south/").status_code == 404
    db.dispose()


def test_a_groups_session_reads_and_writes_only_its_group(db_url: str) -> None:
    """The scoping every query relies on, by the kinds of statement the code base uses: ORM
    selects (joins, sub-selects, get), Core selects, inserts and updates by table, ORM updates
    and deletes, relationship loads; a row of another group is refused, a UNION too."""
    from sqlalchemy import delete, exists, func, insert, union_all, update

    from digest.store.groups import add_group
    from digest.store.models import PastEmployer, Sighting
    from digest.store.scope import CrossGroupError

    db = Database(db_url)
    with db.site().session() as session:
        add_group(session, "b")
    a, b = db.for_group("main"), db.for_group("b")
    for group, name in ((a, "A"), (b, "B")):
        with group.session() as session:
            member = Member(email="same@example.org", name=name)
            posting = Posting(title=f"Job {name}", canonical_url="https://same.example/1")
            session.add_all([member, posting])
            session.flush()
            session.add(Sighting(posting_id=posting.id, member_id=member.id))
            session.add(PastEmployer(member_id=member.id, name="Sabre", company_key="sabre"))
    with a.session() as session:
        a_member = session.scalar(select(Member.id))
    postings = Posting.__table__
    with b.session() as session:
        assert session.get(Member, a_member) is None
        assert session.scalars(select(Member.name)).all() == ["B"]
        shared = select(Posting.title).where(exists().where(Sighting.posting_id == Posting.id))
        assert session.scalars(shared).all() == ["Job B"]
        joined = select(Member.name).join(Sighting, Sighting.member_id == Member.id)
        assert session.scalars(joined).all() == ["B"]
        assert session.scalar(select(func.count()).select_from(Posting)) == 1
        assert session.execute(select(postings.c.title)).scalars().all() == ["Job B"]
        session.execute(insert(postings), [{"title": "Core 1"}, {"title": "Core 2"}])
        session.execute(update(postings).values(held=True))
        session.execute(update(Member).values(name="B2"))
        assert [e.name for e in session.scalars(select(Member)).one().employers] == ["Sabre"]
        with pytest.raises(CrossGroupError):
            session.execute(union_all(select(Posting.title), select(Member.name)))
    with a.session() as session:
        assert session.execute(select(Posting.title, Posting.held)).all() == [("Job A", False)]
        assert session.scalars(select(Member.name)).all() == ["A"]
        session.execute(delete(Sighting))
    with b.session() as session:
        assert session.scalar(select(func.count()).select_from(Sighting)) == 1
        assert sorted(session.scalars(select(Posting.title))) == ["Core 1", "Core 2", "Job B"]
    with pytest.raises(CrossGroupError), b.session() as session:
        session.add(Member(email="other@example.org", group_id=a.group_id))
    db.dispose()


def test_removing_a_group_deletes_its_data_and_file_and_keeps_the_others(
    installation: Path, db_url: str
) -> None:
    config = installation
    invoke(config, "run", "--once")
    refused = CliRunner().invoke(
        cli, ["--config", str(config), "groups", "remove", "south"], input="n\n"
    )
    assert refused.exit_code == 2 and "2 members, 1 postings" in refused.output
    said = invoke(config, "groups", "remove", "south", "--yes")
    assert "Removed group 'south'" in said
    assert not (config.parent / "groups" / "south.toml").exists()
    listing = invoke(config, "groups", "list")
    assert "south" not in listing and "north" in listing
    db = Database(db_url)
    with db.site().session() as session:
        from digest.store.models import RawMessage, Sighting, Source

        for model in (Member, Posting, Sighting, RawMessage, Source):
            groups = set(session.scalars(select(model.group_id)))
            assert groups and groups <= {1, 2}, model
    db.dispose()
    assert (
        "jobdigest.toml's own group"
        in CliRunner()
        .invoke(cli, ["--config", str(config), "groups", "remove", "main", "--yes"])
        .output
    )


def test_a_site_admin_is_an_operator_of_every_group_present_and_future(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("JOBDIGEST_GROUP", raising=False)
    config = write_config(tmp_path, db_url=db_url)
    invoke(config, "init", str(tmp_path))
    invoke(config, "groups", "add", "north")
    said = invoke(config, "operators", "add", "--site", "Admin@Example.org")
    assert "main: admin@example.org is now an operator" in said and "north:" in said
    invoke(config, "groups", "add", "south")
    for slug in ("main", "north", "south"):
        listing = invoke(config, "operators", "list", "--group", slug)
        assert re.search(r"admin@example.org.*yes", listing), (slug, listing)
    # An operator of one group only is no operator elsewhere.
    invoke(config, "operators", "add", "olga@example.org", "--group", "north")
    assert "olga" not in invoke(config, "operators", "list", "--group", "south")
    invoke(config, "operators", "remove", "--site", "admin@example.org")
    assert "yes" not in invoke(config, "operators", "list", "--group", "south")
