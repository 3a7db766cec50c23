"""`pip install .` (not editable) gives a jobdigest that finds its templates, migrations and demo data."""

from __future__ import annotations

import os
import shutil
import site
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


def venv_over_this_interpreter(env_dir: Path) -> Path:
    """A venv whose own site-packages comes first, then every site-packages the interpreter
    running the tests uses, so it sees the dependencies installed there.

    `--system-site-packages` is not enough: inside a venv (the README's `.venv`) it chains to
    the *base* interpreter, which lacks the dependencies `pip install .` put into the venv. A
    .pth file naming this interpreter's site directories works for a system Python (CI) and a
    venv alike."""
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    outer = list(site.getsitepackages())
    if site.ENABLE_USER_SITE:
        outer.append(site.getusersitepackages())
    lines = [f"import site; site.addsitedir({p!r})\n" for p in outer if os.path.isdir(p)]
    Path(purelib, "zz_outer_site_packages.pth").write_text("".join(lines), encoding="utf-8")
    return python


def install_wheel(wheel: Path, env_dir: Path) -> Path:
    """A fresh venv with the wheel (its dependencies come from this interpreter); its python."""
    python = venv_over_this_interpreter(env_dir)
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
    return python


def test_installed_wheel_runs_the_demo_from_an_empty_folder(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    # The venv sees the already-installed dependencies; the project itself comes only from the wheel.
    python = install_wheel(wheel, env_dir)
    work = tmp_path / "empty"
    work.mkdir()
    clean = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}  # no PYTHONPATH to a source tree
    result = subprocess.run(
        [str(env_dir / "bin" / "jobdigest"), "demo"],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=300,
        env=clean,
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
        env=clean,
    ).stdout
    assert str(env_dir) in where


def test_the_demo_still_works_after_jobdigest_is_reinstalled_elsewhere(
    wheel: Path, tmp_path: Path
) -> None:
    """The demo's config names its bundled feeds as demo:NAME, found at run time, never by the
    path of the site-packages it was first installed into."""
    clean = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    first = tmp_path / "first"
    install_wheel(wheel, first)
    work = tmp_path / "work"
    work.mkdir()
    made = subprocess.run(
        [str(first / "bin" / "jobdigest"), "demo"], cwd=work, capture_output=True, text=True,
        timeout=300, env=clean,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr + made.stdout
    config = (work / "jobdigest-demo" / "jobdigest.toml").read_text()
    assert "site-packages" not in config and str(first) not in config
    shutil.rmtree(first)
    second = tmp_path / "second"
    install_wheel(wheel, second)
    fetched = subprocess.run(
        [str(second / "bin" / "jobdigest"), "fetch"], cwd=work / "jobdigest-demo",
        capture_output=True, text=True, timeout=300, env=clean,
    )  # fmt: skip
    assert fetched.returncode == 0, fetched.stderr + fetched.stdout
    assert fetched.stdout.count("ok  demo:") == 2, fetched.stdout  # both bundled feeds read
