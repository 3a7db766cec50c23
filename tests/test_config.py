"""Config loading: every mistake named by key, secrets only from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from digest.cli import cli
from digest.config import load_config, parse_config
from digest.errors import UserError

BRIEF_EXAMPLE = """
[group]
name = "North Texas Job Network"
timezone = "America/Chicago"
[database]
url = "sqlite:///jobdigest.db"
[inbox]
host = "imap.example.org"
port = 993
security = "ssl"
username = "leads@example.org"
password_env = "JOBDIGEST_IMAP_PASSWORD"
folder = "INBOX"
processed_folder = "Processed"
failed_folder = "Needs review"
[smtp]
host = "smtp.example.org"
port = 587
security = "starttls"
username = "leads@example.org"
password_env = "JOBDIGEST_SMTP_PASSWORD"
from_address = "Job Leads <leads@example.org>"
[digest]
day = "monday"
time = "07:00"
[[feeds]]
url = "https://example.org/jobs.rss"
subgroups = ["Marketing"]
"""


def test_brief_example_loads_and_resolves_sqlite_path_next_to_the_file(tmp_path: Path) -> None:
    path = tmp_path / "jobdigest.toml"
    path.write_text(BRIEF_EXAMPLE)
    cfg = load_config(path)
    assert cfg.group.name == "North Texas Job Network"
    assert cfg.feeds[0].subgroups == ["Marketing"]
    assert cfg.database_url() == f"sqlite:///{tmp_path.resolve() / 'jobdigest.db'}"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[inbox]\nprot = 1", "inbox: unknown key 'prot'"),
        ("[inbox]\nport = 'x'", "inbox.port: expected int"),
        ("[inbox]\npassword = 'hunter2'", "unknown key 'password'"),
        ("[inbox]\nsecurity = 'tls'", "inbox.security: expected one of ssl, starttls, none"),
        ("[digest]\nday = 'someday'", "digest.day: expected a weekday name"),
        ("[digest]\ntime = '25:00'", "digest.time: expected HH:MM"),
        ("[group]\ntimezone = 'Mars/Olympus'", "group.timezone: unknown time zone"),
        ("[[feeds]]\nsubgroups = []", "feeds[0].url: missing"),
        ("[grop]\nname = 'x'", "unknown key 'grop'"),
        ("[group\n", "not valid TOML"),
        ("[tagging]\nnot_relevant_quorum = 0", "tagging.not_relevant_quorum: expected 1 or more"),
    ],
)
def test_mistakes_are_named_by_key(text: str, message: str) -> None:
    with pytest.raises(UserError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_config(text)


def test_secret_comes_from_environment_only(monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = parse_config("[inbox]\npassword_env = 'MY_IMAP_PW'")
    monkeypatch.delenv("MY_IMAP_PW", raising=False)
    with pytest.raises(UserError, match="MY_IMAP_PW is not set"):
        cfg.secret(cfg.inbox.password_env, "inbox.password_env")
    monkeypatch.setenv("MY_IMAP_PW", "s3cret")
    assert cfg.secret(cfg.inbox.password_env, "inbox.password_env") == "s3cret"


def test_cli_reports_config_error_in_one_line_with_exit_code_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[smtp]\nport = 'five'\n")
    result = CliRunner().invoke(cli, ["--config", str(path), "retag"])
    assert result.exit_code == 2
    assert "bad.toml" in result.output and "smtp.port: expected int" in result.output
    assert "Traceback" not in result.output


def test_missing_config_says_how_to_create_one(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--config", str(tmp_path / "none.toml"), "retag"])
    assert result.exit_code == 2
    assert "jobdigest init" in result.output


def test_init_writes_a_config_that_loads(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "site")])
    assert result.exit_code == 0, result.output
    cfg = load_config(tmp_path / "site" / "jobdigest.toml")
    assert cfg.inbox.password_env == "JOBDIGEST_IMAP_PASSWORD"
    assert (tmp_path / "site" / "jobdigest.db").exists()


def _installation(tmp_path: Path, group_text: str) -> Path:
    config = tmp_path / "jobdigest.toml"
    config.write_text(BRIEF_EXAMPLE)
    (tmp_path / "groups").mkdir()
    (tmp_path / "groups" / "north.toml").write_text(group_text)
    return config


def test_a_group_file_holds_the_groups_sections_and_inherits_the_site_ones(tmp_path: Path) -> None:
    from digest.config import group_slugs

    config = _installation(
        tmp_path,
        '[group]\nname = "North"\ntimezone = "America/New_York"\n'
        '[digest]\nday = "friday"\ntime = "08:30"\n'
        '[[feeds]]\nurl = "https://north.example/jobs.rss"\n',
    )
    assert group_slugs(config) == ["main", "north"]
    north = load_config(config, "north")
    assert (north.group.slug, north.group.name, north.group.timezone) == (
        "north",
        "North",
        "America/New_York",
    )
    assert (north.digest.day, [f.url for f in north.feeds]) == (
        "friday",
        ["https://north.example/jobs.rss"],
    )
    assert north.inbox.host == ""  # jobdigest.toml's own group's inbox is not north's
    assert north.database_url() == load_config(config).database_url()
    assert north.site_url() == "http://127.0.0.1:8000/g/north"
    main = load_config(config)
    assert (main.group.slug, main.site_url()) == ("main", "http://127.0.0.1:8000")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[group]\nnmae = "x"\n', "groups/north.toml: group: unknown key 'nmae'"),
        (
            '[database]\nurl = "sqlite:///x.db"\n',
            "groups/north.toml: unknown key 'database' (a site-wide section",
        ),
        ('[digest]\nday = "someday"\n', "groups/north.toml: digest.day: expected a weekday name"),
        ('[group]\nslug = "south"\n', "groups/north.toml: group.slug: expected 'north'"),
        ("[group\n", "groups/north.toml: not valid TOML"),
    ],
)
def test_a_mistake_in_a_group_file_names_the_file_and_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    _installation(tmp_path, text)
    result = CliRunner().invoke(cli, ["--config", "jobdigest.toml", "stats", "--group", "north"])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output


def test_a_group_file_named_like_the_main_group_is_refused_not_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """groups/main.toml beside a jobdigest.toml whose own group is 'main' would be read over it
    for one command and skipped by others: the operator hears of it instead."""
    monkeypatch.chdir(tmp_path)
    _installation(tmp_path, '[group]\nname = "North"\n')
    (tmp_path / "groups" / "main.toml").write_text('[group]\nname = "Shadow"\n')
    result = CliRunner().invoke(cli, ["--config", "jobdigest.toml", "stats", "--group", "north"])
    assert result.exit_code == 2, result.output
    assert "groups/main.toml: names jobdigest.toml's own group ('main')" in result.output
    assert "Traceback" not in result.output
