"""Imports that never erase data, operators, and sign-in links from the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from digest.cli import cli
from digest.store.db import Database
from digest.store.models import Member, Subgroup
from tests.support.config import write_config

SUBGROUPS = """
[[subgroup]]
name = "Marketing"
description = "Brand and digital"
roles = ["Marketing Manager", "Brand Manager"]
exclude = ["Telemarketing"]
leads = ["alice@x.example"]

[[subgroup]]
name = "IT"
roles = ["Software Engineer"]
leads = ["bob@x.example", "nobody-yet@x.example"]
"""

MEMBERS = """email,name,subgroups,past_employers,keywords,location,inside_contact
alice@x.example,Alice Moreno,Marketing,Sabre Inc.;Frito-Lay,brand,"Dallas, TX",yes
bob@x.example,Bob Stone,IT,Initech,python,Remote,
"""


@pytest.fixture
def config(tmp_path: Path, db_url: str) -> Path:
    return write_config(tmp_path, db_url=db_url, extra="")


def run(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--config", str(config), *args])
    return result.exit_code, result.output


def write(folder: Path, name: str, text: str) -> str:
    (folder / name).write_text(text, encoding="utf-8")
    return str(folder / name)


def load(db_url: str, email: str) -> Member:
    db = Database(db_url)
    with db.session() as s:
        found = s.scalar(select(Member).where(Member.email == email))
        assert found is not None
        _ = found.subgroups, found.employers
    db.dispose()
    return found


def leads(db_url: str) -> dict[str, tuple[list[str], list[str]]]:
    db = Database(db_url)
    with db.session() as s:
        got = {
            g.name: ([m.email for m in g.leads], list(g.pending_leads))
            for g in s.scalars(select(Subgroup))
        }
    db.dispose()
    return got


def test_in_the_readme_order_every_lead_is_kept_and_linked(
    config: Path, tmp_path: Path, db_url: str
) -> None:
    code, output = run(config, "subgroups", "import", write(tmp_path, "s.toml", SUBGROUPS))
    assert code == 0, output
    assert "not members yet (linked when they are imported): alice@x.example" in output
    assert leads(db_url)["Marketing"] == ([], ["alice@x.example"])
    code, output = run(config, "members", "import", write(tmp_path, "m.csv", MEMBERS))
    assert code == 0 and "+ alice@x.example: new member, lead of Marketing" in output, output
    assert leads(db_url) == {
        "Marketing": (["alice@x.example"], []),
        "IT": (["bob@x.example"], ["nobody-yet@x.example"]),
    }
    # The export keeps the lead who is not a member yet, so a round trip loses nobody.
    assert run(config, "subgroups", "export", str(tmp_path / "out.toml"))[0] == 0
    assert "nobody-yet@x.example" in (tmp_path / "out.toml").read_text()


def test_a_missing_column_leaves_the_field_alone_and_an_empty_cell_clears_it(
    config: Path, tmp_path: Path, db_url: str
) -> None:
    run(config, "subgroups", "import", write(tmp_path, "s.toml", SUBGROUPS))
    run(config, "members", "import", write(tmp_path, "m.csv", MEMBERS))
    code, output = run(
        config, "members", "import", write(tmp_path, "names.csv", "email,name\nalice@x.example,Alice M.\n")
    )  # fmt: skip
    assert code == 0 and "~ alice@x.example: name 'Alice Moreno' -> 'Alice M.'" in output, output
    alice = load(db_url, "alice@x.example")
    assert alice.name == "Alice M." and [e.name for e in alice.employers] == [
        "Sabre Inc.",
        "Frito-Lay",
    ]
    assert alice.keywords == ["brand"] and alice.location == "Dallas, TX"
    assert [g.name for g in alice.subgroups] == ["Marketing"] and alice.contact_opt_in
    code, output = run(
        config, "members", "import",
        write(tmp_path, "clear.csv", "email,past_employers,keywords\nalice@x.example,,\n"),
    )  # fmt: skip
    assert code == 0 and "past employers cleared (was 'Sabre Inc.; Frito-Lay')" in output, output
    alice = load(db_url, "alice@x.example")
    assert alice.employers == [] and alice.keywords == [] and alice.name == "Alice M."


def test_inside_contacts_are_opt_in_unless_the_group_agreed(tmp_path: Path, db_url: str) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    config = write_config(folder, db_url=db_url)
    run(config, "subgroups", "import", write(tmp_path, "s.toml", SUBGROUPS))
    csv_text = "email,name\ncarol@x.example,Carol\n"
    run(config, "members", "import", write(tmp_path, "c.csv", csv_text))
    assert load(db_url, "carol@x.example").contact_opt_in is False
    # The CSV column says yes or no; a bad value names the line and column.
    run(
        config,
        "members",
        "import",
        write(tmp_path, "y.csv", "email,inside_contact\ncarol@x.example,yes\n"),
    )
    assert load(db_url, "carol@x.example").contact_opt_in is True
    code, output = run(
        config, "members", "import", write(tmp_path, "b.csv", "email,inside_contact\ncarol@x.example,maybe\n")
    )  # fmt: skip
    assert code == 2 and "line 2, column inside_contact: expected yes or no" in output
    agreed = tmp_path / "agreed"
    agreed.mkdir()
    text = (
        (folder / "jobdigest.toml")
        .read_text()
        .replace(
            'timezone = "America/Chicago"',
            'timezone = "America/Chicago"\ninside_contacts_default = true',
        )
    )
    (agreed / "jobdigest.toml").write_text(text)
    run(
        agreed / "jobdigest.toml",
        "members",
        "import",
        write(tmp_path, "d.csv", "email\ndave@x.example\n"),
    )
    assert load(db_url, "dave@x.example").contact_opt_in is True


def test_a_subgroup_that_would_lose_roles_or_leads_needs_replace(
    config: Path, tmp_path: Path, db_url: str
) -> None:
    run(config, "subgroups", "import", write(tmp_path, "s.toml", SUBGROUPS))
    run(config, "members", "import", write(tmp_path, "m.csv", MEMBERS))
    shrunk = '[[subgroup]]\nname = "Marketing"\nroles = []\nleads = []\n'
    code, output = run(config, "subgroups", "import", write(tmp_path, "x.toml", shrunk))
    assert code == 2, output
    assert (
        "sub-group 'Marketing' would lose 2 target role(s) (Marketing Manager, Brand Manager)"
        in output
    )
    assert "1 lead(s) (alice@x.example)" in output and "--replace" in output
    assert leads(db_url)["Marketing"] == (["alice@x.example"], [])
    # Keys left out of a table keep their values: a file with only new roles adds, drops nothing.
    code, output = run(
        config, "subgroups", "import",
        write(tmp_path, "more.toml", '[[subgroup]]\nname = "Marketing"\nroles = ["Marketing Manager", "Brand Manager", "SEO Specialist"]\n'),
    )  # fmt: skip
    assert code == 0 and "~ Marketing: roles +SEO Specialist" in output, output
    db = Database(db_url)
    with db.session() as s:
        marketing = s.scalar(select(Subgroup).where(Subgroup.name == "Marketing"))
        assert marketing is not None and marketing.exclude == ["Telemarketing"]
        assert [m.email for m in marketing.leads] == ["alice@x.example"]
        assert marketing.description == "Brand and digital"
    db.dispose()
    code, output = run(config, "subgroups", "import", "--replace", str(tmp_path / "x.toml"))
    assert code == 0 and "~ Marketing: roles cleared" in output, output
    assert leads(db_url)["Marketing"] == ([], [])


def test_dry_run_shows_the_changes_and_changes_nothing(
    config: Path, tmp_path: Path, db_url: str
) -> None:
    code, output = run(
        config, "subgroups", "import", "--dry-run", write(tmp_path, "s.toml", SUBGROUPS)
    )
    assert code == 0 and "+ Marketing: new sub-group, 2 target role(s)" in output
    assert "would create 2 sub-groups" in output and "Dry run: nothing was changed." in output
    assert leads(db_url) == {}
    run(config, "subgroups", "import", str(tmp_path / "s.toml"))
    code, output = run(config, "members", "import", "--dry-run", write(tmp_path, "m.csv", MEMBERS))
    assert code == 0 and "+ bob@x.example: new member, lead of IT" in output
    db = Database(db_url)
    with db.session() as s:
        assert s.scalars(select(Member)).all() == []
    db.dispose()


def test_operators_add_list_remove_and_the_last_one_stays(config: Path) -> None:
    code, output = run(config, "operators", "add", "Olga@X.example")
    assert code == 0 and "olga@x.example is now an operator (new member)." in output
    assert "jobdigest sign-in-link olga@x.example" in output
    code, output = run(config, "operators", "list")
    assert code == 0 and "olga@x.example" in output
    code, output = run(config, "operators", "remove", "olga@x.example")
    assert code == 2 and "only operator" in output
    run(config, "operators", "add", "pat@x.example")
    code, output = run(config, "operators", "remove", "olga@x.example")
    assert code == 0 and "no longer an operator" in output
    assert "olga@x.example" not in run(config, "operators", "list")[1]


def test_init_with_operator_then_sign_in_link(tmp_path: Path) -> None:
    folder = tmp_path / "group"
    result = CliRunner().invoke(cli, ["init", str(folder), "--operator", "op@x.example"])
    assert result.exit_code == 0, result.output
    assert "op@x.example is now an operator" in result.output
    assert "jobdigest sign-in-link op@x.example" in result.output
    done = subprocess.run(
        [sys.executable, "-m", "digest.cli", "sign-in-link", "op@x.example"],
        cwd=folder,
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "JOBDIGEST_SECRET_KEY": "s" * 32},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("https://leads.example.org/signin/")
    again = CliRunner().invoke(cli, ["init", str(folder), "--operator", "op@x.example"])
    assert again.exit_code == 0 and "already an operator" in again.output


def test_parse_lines_piped_into_match_are_tagged_with_their_titles(tmp_path: Path) -> None:
    rules = write(tmp_path, "s.toml", SUBGROUPS)
    alert = Path(__file__).parent / "data" / "alerts" / "linkedin_alert.eml"
    parsed = CliRunner().invoke(cli, ["parse", str(alert)])
    assert parsed.exit_code == 0
    matched = CliRunner().invoke(cli, ["match", "--subgroups", rules], input=parsed.output)
    assert matched.exit_code == 0, matched.output
    lines = [json.loads(line) for line in matched.output.splitlines()]
    postings = json.loads(parsed.output)["postings"]
    assert len(lines) == len(postings) >= 2
    assert [line["title"] for line in lines] == [p["title"] for p in postings]
    assert lines[0]["id"] == f"{alert}#1" and lines[0]["file"] == str(alert)
    # The plain contract still works, and now says the title too.
    plain = CliRunner().invoke(
        cli, ["match", "--subgroups", rules], input='{"id": 7, "title": "Senior Brand Manager"}\n'
    )
    assert json.loads(plain.output) == {
        "id": 7,
        "title": "Senior Brand Manager",
        "tags": json.loads(plain.output)["tags"],
    }
    assert json.loads(plain.output)["tags"][0]["subgroup"] == "Marketing"
