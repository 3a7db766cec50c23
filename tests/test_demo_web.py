"""After `jobdigest demo`, `cd jobdigest-demo && jobdigest web` serves the demo: every link in
its outbox works, and sign-in links are printed on the console (the demo sends no mail)."""

from __future__ import annotations

import re
import stat
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.support.webproc import cli_env, jobdigest_web

DEMO_BASE = "http://127.0.0.1:8000"
_HREF = re.compile(r'href="(http://127\.0\.0\.1:8000/[^"]+)"')


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo-web")
    done = subprocess.run(
        [sys.executable, "-m", "digest.cli", "demo"],
        cwd=folder,
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "jobdigest web" in done.stdout  # the demo says how to see its links work
    return folder / "jobdigest-demo"


def test_the_demo_keeps_its_own_key_readable_only_by_its_owner(demo: Path) -> None:
    key = demo / ".secret_key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert len(key.read_text().strip()) >= 32
    assert ".secret_key" in (demo / "jobdigest.toml").read_text()


def test_every_link_in_the_demo_outbox_works(demo: Path) -> None:
    links = sorted(
        {
            href.replace("&amp;", "&")
            for page in (demo / "outbox").glob("*.html")
            for href in _HREF.findall(page.read_text(encoding="utf-8"))
        }
    )
    kinds = {re.sub(r"^/([a-z-]+)/.*", r"\1", link[len(DEMO_BASE) :]) for link in links}
    assert {"preferences", "unsubscribe", "feedback"} <= kinds, kinds
    with jobdigest_web(demo, cli_env()) as web, httpx.Client(timeout=10) as client:
        for link in links:
            answer = client.get(web.url + link[len(DEMO_BASE) :])
            assert answer.status_code == 200, (link, answer.status_code, answer.text[:300])
            assert "not valid" not in answer.text, link
        assert "Traceback" not in web.stderr()


def test_without_smtp_the_web_app_prints_each_sign_in_link(demo: Path) -> None:
    with jobdigest_web(demo, cli_env()) as web, httpx.Client(timeout=10) as client:
        form = client.get(f"{web.url}/signin")
        token = re.search(r'name="csrf_token" [^>]*value="([^"]+)"', form.text)
        token = token or re.search(r'<meta name="csrf-token" content="([^"]+)"', form.text)
        assert token is not None
        sent = client.post(
            f"{web.url}/signin",
            data={"csrf_token": token.group(1), "email": "priya.raman@example.net"},
        )
        assert sent.status_code == 200 and "printed in the console" in sent.text
        stranger = client.post(
            f"{web.url}/signin", data={"csrf_token": token.group(1), "email": "x@nowhere.example"}
        )
        assert stranger.status_code == 200 and "printed in the console" in stranger.text
        log = web.stderr()
        found = re.findall(r"sign-in link for (\S+) \(no \[smtp\] configured\): (\S+)", log)
        assert [who for who, _ in found] == ["priya.raman@example.net"], log  # not the stranger
        link = found[0][1].replace(DEMO_BASE, web.url)
        confirm = client.get(link)
        assert confirm.status_code == 200
        signed_in = client.post(
            link,
            data={
                "csrf_token": re.search(
                    r'name="csrf_token"[^>]*value="([^"]+)"', confirm.text
                ).group(1)
            },  # fmt: skip
            follow_redirects=True,
        )
        assert signed_in.status_code == 200 and "Hello, Priya Raman" in signed_in.text


def test_sign_in_link_command_works_in_the_demo_folder(demo: Path) -> None:
    made = subprocess.run(
        [sys.executable, "-m", "digest.cli", "sign-in-link", "alice.moreno@example.org"],
        cwd=demo,
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert made.returncode == 0, made.stderr
    link = made.stdout.strip()
    assert link.startswith(f"{DEMO_BASE}/signin/") and "\n" not in link
    assert "15 minutes" in made.stderr
    with jobdigest_web(demo, cli_env()) as web, httpx.Client(timeout=10) as client:
        page = client.get(link.replace(DEMO_BASE, web.url))
        assert page.status_code == 200 and "Sign in as Alice Moreno" in page.text
