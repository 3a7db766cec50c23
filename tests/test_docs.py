"""Documentation that cannot drift: every command and every setting must appear in the README."""

from __future__ import annotations

import re
import tomllib
from dataclasses import fields
from pathlib import Path
from typing import get_type_hints

import click
import pytest
from click.testing import CliRunner

from digest.cli import cli
from digest.config import Config

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    for name, cmd in sorted(group.commands.items()):
        path = f"{prefix}{name}"
        found.append((path, cmd))
        if isinstance(cmd, click.Group):
            found.extend(commands(cmd, path + " "))
    return found


ALL_COMMANDS = commands(cli)


@pytest.mark.parametrize(("path", "command"), ALL_COMMANDS, ids=[p for p, _ in ALL_COMMANDS])
def test_every_command_has_help_and_is_in_the_readme(path: str, command: click.Command) -> None:
    assert command.help and len(command.help.strip()) > 20, f"`jobdigest {path}` needs a help text"
    result = CliRunner().invoke(cli, [*path.split(), "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output
    top = path.split()[0]
    assert f"jobdigest {top}" in README, f"README does not mention `jobdigest {top}`"


def config_keys() -> list[str]:
    keys = []
    for name, hint in get_type_hints(Config).items():
        if name in ("path", "url_prefix"):  # not TOML keys
            continue
        if getattr(hint, "__origin__", None) is list:
            keys += [f"[[{name}]] {f.name}" for f in fields(hint.__args__[0])]
        else:
            keys += [f"{name}.{f.name}" for f in fields(hint)]
    return keys


@pytest.mark.parametrize("key", config_keys())
def test_every_setting_is_in_the_config_reference(key: str) -> None:
    assert f"`{key}`" in README, f"README's configuration reference lacks `{key}`"


def test_top_level_help_has_examples() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert "Examples:" in result.output and "jobdigest demo" in result.output


DOCS = sorted((Path(__file__).resolve().parent.parent / "docs").glob("*.md"))
SECTIONS = {key.split(".", 1)[0] for key in config_keys() if "." in key and "[[" not in key}
NAMED_SETTING = re.compile(r"`(\w+)\.(\w+)`")
TOML_BLOCK = re.compile(r"```toml\n(.*?)```", re.S)


def named_settings(text: str) -> list[str]:
    """Settings a document names: `section.key` in backticks, and every key of its TOML
    examples (`[[feeds]] url` for the list sections)."""
    found = [f"{a}.{b}" for a, b in NAMED_SETTING.findall(text) if a in SECTIONS]
    for block in TOML_BLOCK.findall(text):
        for section, table in tomllib.loads(block).items():
            for row in table if isinstance(table, list) else [table]:
                sep = f"[[{section}]] " if isinstance(table, list) else f"{section}."
                found += [sep + key for key in row]
    return found


@pytest.mark.parametrize("doc", DOCS, ids=[d.name for d in DOCS])
def test_every_setting_a_document_names_exists(doc: Path) -> None:
    known = set(config_keys())
    named = named_settings(doc.read_text(encoding="utf-8"))
    assert not [key for key in named if key not in known], f"{doc.name} names unknown settings"
