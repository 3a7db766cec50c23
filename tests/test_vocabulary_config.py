"""`[tagging] vocabulary`: a group's own words reach every place that tags, through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from digest.cli import cli
from digest.tagging.vocabulary import Vocabulary
from tests.support.db import migrated_db

SUBGROUPS = """
[[subgroup]]
name = "Operations"
roles = ["Warehouse Manager"]
"""
POSTINGS = '{"id": 1, "title": "Stockroom Boss"}\n{"id": 2, "title": "Sr. Warehouse Mgr"}\n'


def _group(tmp_path: Path, vocabulary: str | None) -> Path:
    (tmp_path / "subgroups.toml").write_text(SUBGROUPS, encoding="utf-8")
    config = tmp_path / "jobdigest.toml"
    lines = ["[database]", 'url = "sqlite:///jd.db"']
    if vocabulary is not None:
        (tmp_path / "words.toml").write_text(vocabulary, encoding="utf-8")
        lines += ["[tagging]", 'vocabulary = "words.toml"']
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


def _match(config: Path | None, tmp_path: Path) -> tuple[int, list[dict], str]:
    args = ["--config", str(config)] if config else []
    args += ["match", "--subgroups", str(tmp_path / "subgroups.toml")]
    result = CliRunner().invoke(cli, args, input=POSTINGS)
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return result.exit_code, lines, result.output


def test_bundled_vocabulary_is_a_data_file_with_the_usual_knowledge() -> None:
    vocab = Vocabulary.default()
    assert vocab.abbreviations["mgr"] == ("manager",)
    assert vocab.spellings["labour"] == "labor"
    assert any("comptroller" in group for group in vocab.synonyms)


def test_group_vocabulary_extends_the_bundled_one(tmp_path: Path) -> None:
    words = 'synonyms = [["stockroom boss", "warehouse manager"]]\n'
    code, lines, _ = _match(_group(tmp_path, words), tmp_path)
    assert code == 0
    assert [bool(line["tags"]) for line in lines] == [True, True]  # own synonym + bundled 'mgr'


def test_without_the_file_the_group_words_are_unknown(tmp_path: Path) -> None:
    code, lines, _ = _match(_group(tmp_path, None), tmp_path)
    assert code == 0
    assert [bool(line["tags"]) for line in lines] == [False, True]


def test_replace_starts_from_no_vocabulary(tmp_path: Path) -> None:
    words = 'replace = true\nsynonyms = [["stockroom boss", "warehouse manager"]]\n'
    code, lines, _ = _match(_group(tmp_path, words), tmp_path)
    assert code == 0
    assert [bool(line["tags"]) for line in lines] == [True, False]  # 'mgr' is no longer known


def test_a_bad_vocabulary_file_is_one_line_naming_it(tmp_path: Path) -> None:
    code, _lines, output = _match(_group(tmp_path, "colours = ['red']\n"), tmp_path)
    assert code == 2
    assert "words.toml" in output and "colours" in output and "Traceback" not in output


def test_retag_uses_the_group_vocabulary(tmp_path: Path) -> None:
    from digest.store.models import Posting, Tag

    config = _group(tmp_path, 'synonyms = [["stockroom boss", "warehouse manager"]]\n')
    db = migrated_db(f"sqlite:///{tmp_path / 'jd.db'}")  # commands do not migrate
    runner = CliRunner()
    assert (
        runner.invoke(
            cli, ["--config", str(config), "subgroups", "import", str(tmp_path / "subgroups.toml")]
        ).exit_code
        == 0
    )
    with db.session() as session:
        session.add(Posting(title="Stockroom Boss", fingerprint="fp-1"))
    result = runner.invoke(cli, ["--config", str(config), "retag"])
    assert result.exit_code == 0, result.output
    with db.session() as session:
        assert [t.role for t in session.query(Tag).all()] == ["Warehouse Manager"]
    db.dispose()
