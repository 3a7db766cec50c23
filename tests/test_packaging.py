"""`pip install .` (not editable) gives a jobdigest that finds its templates, migrations and demo data."""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
    )
    return next(out.glob("jobdigest-*.whl"))


def test_wheel_carries_templates_migrations_and_demo_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "templates/email/digest.html" in names and "templates/email/digest.txt" in names
    assert any(n.startswith("templates/web/") for n in names)
    assert "digest/store/migrations/env.py" in names
    assert any(n.startswith("digest/store/migrations/versions/") for n in names)
    assert "digest/demo/data/members.csv" in names and "digest/demo/data/subgroups.toml" in names
    assert sum(n.startswith("digest/demo/data/inbox/") for n in names) >= 12
    assert any(n.startswith("digest/web/static/") for n in names)
    assert not any(n.startswith("tests/") for n in names)


def test_installed_wheel_runs_the_demo_from_an_empty_folder(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    # The venv sees the already-installed dependencies; the project itself comes only from the wheel.
    venv.EnvBuilder(system_site_packages=True, with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "-q",
            "--no-deps",
            "--force-reinstall",
            str(wheel),
        ],
        check=True,
    )
    work = tmp_path / "empty"
    work.mkdir()
    result = subprocess.run(
        [str(env_dir / "bin" / "jobdigest"), "demo"],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert len(list((work / "jobdigest-demo" / "outbox").glob("*.eml"))) >= 8
    # It really ran the installed copy, not the source tree.
    where = subprocess.run(
        [str(python), "-c", "import digest; print(digest.__file__)"],
        cwd=work,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(env_dir) in where
