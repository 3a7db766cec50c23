"""Sub-group and member imports: idempotent, all-or-nothing, errors by line and column, round-trip."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from digest.cli import cli
from digest.store.db import Database
from digest.store.models import Member, PastEmployer, Role, Subgroup
from tests.support.config import write_config

SUBGROUPS = """
[[subgroup]]
name = "Marketing"
description = "Brand, digital, communications"
roles = ["Marketing Manager", { phrase = "Social Media Marketing", synonyms = ["SMM"], exclude = ["intern"] }]
exclude = ["Telemarketing"]
leads = ["alice@x.example"]

[[subgroup]]
name = "IT"
roles = ["Software Engineer"]
"""

MEMBERS = """email,name,subgroups,past_employers,keywords,location
alice@x.example,Alice Moreno,Marketing,Sabre Inc.;Frito-Lay,brand;social media,"Dallas, TX"
BOB@x.example,Bob Stone,Marketing;IT,,,Remote
"""


@pytest.fixture
def config(tmp_path: Path, db_url: str) -> Path:
    return write_config(tmp_path, db_url=db_url)


def run(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--config", str(config), *args])
    return result.exit_code, result.output


def test_import_twice_updates_and_never_duplicates(
    config: Path, tmp_path: Path, db_url: str
) -> None:
    (tmp_path / "s.toml").write_text(SUBGROUPS)
    (tmp_path / "m.csv").write_text(MEMBERS)
    assert run(config, "subgroups", "import", str(tmp_path / "s.toml"))[0] == 0
    assert run(config, "members", "import", str(tmp_path / "m.csv"))[0] == 0
    assert run(config, "subgroups", "import", str(tmp_path / "s.toml"))[0] == 0
    code, output = run(config, "members", "import", str(tmp_path / "m.csv"))
    assert code == 0 and "0 members created, 0 updated, 2 unchanged" in output
    db = Database(db_url)
    with db.session() as s:
        assert s.scalar(select(func.count(Member.id))) == 2
        assert s.scalar(select(func.count(PastEmployer.id))) == 2
        assert s.scalar(select(func.count(Role.id))) == 3
        bob = s.scalar(select(Member).where(Member.email == "bob@x.example"))
        assert bob is not None and [g.name for g in bob.subgroups] == ["IT", "Marketing"]
        marketing = s.scalar(select(Subgroup).where(Subgroup.name == "Marketing"))
        assert marketing is not None and [m.email for m in marketing.leads] == ["alice@x.example"]
        assert marketing.roles[1].synonyms == ["SMM"] and marketing.roles[1].exclude == ["intern"]
    db.dispose()


def test_export_round_trips(config: Path, tmp_path: Path) -> None:
    (tmp_path / "s.toml").write_text(SUBGROUPS)
    (tmp_path / "m.csv").write_text(MEMBERS)
    run(config, "subgroups", "import", str(tmp_path / "s.toml"))
    run(config, "members", "import", str(tmp_path / "m.csv"))
    run(config, "subgroups", "import", str(tmp_path / "s.toml"))
    assert run(config, "subgroups", "export", str(tmp_path / "s2.toml"))[0] == 0
    assert run(config, "members", "export", str(tmp_path / "m2.csv"))[0] == 0
    # Re-importing the export changes nothing: export again and compare.
    assert run(config, "subgroups", "import", str(tmp_path / "s2.toml"))[0] == 0
    assert run(config, "members", "import", str(tmp_path / "m2.csv"))[0] == 0
    run(config, "subgroups", "export", str(tmp_path / "s3.toml"))
    run(config, "members", "export", str(tmp_path / "m3.csv"))
    assert (tmp_path / "s2.toml").read_text() == (tmp_path / "s3.toml").read_text()
    assert (tmp_path / "m2.csv").read_text() == (tmp_path / "m3.csv").read_text()
    exported = (tmp_path / "m2.csv").read_text()
    assert (
        'alice@x.example,Alice Moreno,Marketing,Sabre Inc.;Frito-Lay,brand;social media,"Dallas, TX"'
        in exported
    )


@pytest.mark.parametrize(
    ("csv_text", "message"),
    [
        ("email,name\nnot-an-email,X\n", "line 2, column email: not an email address"),
        (
            "email,name,subgroups\na@x.example,A,Marketing\nb@x.example,B,Astrology\n",
            "line 3, column subgroups: unknown sub-group 'Astrology'",
        ),
        (
            "email,name\na@x.example,A\na@x.example,A2\n",
            "line 3, column email: a@x.example already on line 2",
        ),
        ("email,name\na@x.example,A,extra\n", "line 2: expected 2 columns, found 3"),
        ("email,nmae\na@x.example,A\n", "line 1: unknown column 'nmae'"),
    ],
)
def test_bad_row_is_reported_and_nothing_is_imported(
    config: Path, tmp_path: Path, db_url: str, csv_text: str, message: str
) -> None:
    (tmp_path / "s.toml").write_text(SUBGROUPS)
    run(config, "subgroups", "import", str(tmp_path / "s.toml"))
    (tmp_path / "bad.csv").write_text(csv_text)
    code, output = run(config, "members", "import", str(tmp_path / "bad.csv"))
    assert code == 2
    assert message in " ".join(output.split())
    db = Database(db_url)
    with db.session() as s:
        assert s.scalar(select(func.count(Member.id))) == 0
    db.dispose()


def test_bad_subgroups_toml_names_the_key(config: Path, tmp_path: Path) -> None:
    (tmp_path / "s.toml").write_text('[[subgroup]]\nname = "A"\nroles = ["x"]\nrole = ["typo"]\n')
    code, output = run(config, "subgroups", "import", str(tmp_path / "s.toml"))
    assert code == 2 and "subgroup[0]: unknown key 'role'" in output


def test_db_upgrade_is_idempotent(config: Path) -> None:
    assert (
        run(config, "db", "upgrade") == (0, "Database upgraded.\n")
        or run(config, "db", "upgrade")[0] == 0
    )
    code, output = run(config, "db", "upgrade")
    assert code == 0 and "already up to date" in output


def test_empty_role_phrase_is_refused_on_import(config: Path, tmp_path: Path) -> None:
    (tmp_path / "s.toml").write_text('[[subgroup]]\nname = "A"\nroles = ["Analyst", " "]\n')
    code, output = run(config, "subgroups", "import", str(tmp_path / "s.toml"))
    assert code == 2 and "subgroup[0].roles[1]: empty phrase" in output
