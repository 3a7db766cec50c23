"""The operator's path from an empty folder, walked as a person walks it (README, "Set it up").

Every step is the real program: `jobdigest` commands in a shell-like subprocess, `jobdigest web`
as its own process, and Debian's Chromium for the pages. From `init --operator` to a lead editing
a target role with the live preview showing what would newly match.
"""

from __future__ import annotations

import mailbox
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.servers._net import free_port
from tests.support.webproc import WebProcess, cli_env, jobdigest_web

DEMO = Path(__file__).resolve().parent.parent / "digest" / "demo" / "data"
OPERATOR = "olga.operator@example.org"
NEW_LEAD = "dan.whitaker@example.com"  # a plain Marketing member in the bundled group
KEY = "journey-signing-key-" + "j" * 24
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
#: saving roles re-tags every stored posting before the page comes back: on a busy two-core
#: machine that took longer than expect()'s default 5 s
SLOW = 30_000


def jobdigest(folder: Path, *args: str) -> str:
    """One command as typed in the group's folder; it must succeed."""
    done = subprocess.run(
        [sys.executable, "-m", "digest.cli", *args],
        cwd=folder,
        env=cli_env(JOBDIGEST_SECRET_KEY=KEY),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"jobdigest {' '.join(args)}:\n{done.stdout}{done.stderr}"
    assert "Traceback" not in done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def group(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, WebProcess]]:
    """An empty folder turned into a running group, the way the README says."""
    home = tmp_path_factory.mktemp("journey")
    folder = home / "jobdigest"
    said = jobdigest(home, "init", str(folder), "--operator", OPERATOR)
    assert f"{OPERATOR} is now an operator" in said and "sign-in-link" in said
    port = free_port()
    config = folder / "jobdigest.toml"
    # The one edit every group makes first: where the web app is reached.
    text = config.read_text().replace(
        'base_url = "https://leads.example.org"', f'base_url = "http://127.0.0.1:{port}"'
    )
    config.write_text(text)
    # README order: sub-groups first, then members (the leads are linked when they arrive).
    for name in ("subgroups.toml", "members.csv"):
        (folder / name).write_bytes((DEMO / name).read_bytes())
    assert "4 sub-groups created" in jobdigest(folder, "subgroups", "import", "subgroups.toml")
    assert "10 members created" in jobdigest(folder, "members", "import", "members.csv")
    exported = jobdigest(folder, "subgroups", "export")
    assert 'leads = ["alice.moreno@example.org"]' in exported  # no lead dropped on the way
    # Last weeks' mail, backfilled from a Maildir, so the lead pages have postings to show.
    box = mailbox.Maildir(home / "old-mail", create=True)
    for eml in sorted((DEMO / "inbox").glob("*.eml")):
        box.add(eml.read_bytes())
    jobdigest(folder, "import-mail", str(home / "old-mail"))
    jobdigest(folder, "retag")
    with jobdigest_web(folder, cli_env(JOBDIGEST_SECRET_KEY=KEY), port=port) as web:
        yield folder, web
        assert "Traceback" not in web.stderr()


def sign_in(page: Page, folder: Path, email: str) -> None:
    """`jobdigest sign-in-link EMAIL` on the console, then the link in the browser."""
    link = jobdigest(folder, "sign-in-link", email).strip()
    page.goto(link)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=re.compile("^Hello"))).to_be_visible(timeout=SLOW)


@pytest.fixture
def operator_page(browser: Browser, group: tuple[Path, WebProcess]) -> Iterator[Page]:
    folder, _web = group
    context = browser.new_context(viewport=WIDTHS["desktop"])
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, folder, OPERATOR)
    yield page
    context.close()


#: every operator page: path, its heading, and an action or content that must be on it
PAGES = [
    ("/operator/", "Overview", "link", "Members"),
    ("/operator/members", "Members", "button", "Add member"),
    ("/operator/subgroups", "Sub-groups", "button", "Save the leads of Marketing"),
    ("/operator/sources", "Sources", "text", "Demo inbox|inbox|source"),
    ("/operator/held", "Mail held from non-members", "button", "Add .* as a member"),
    ("/operator/failed", "Inbox failures", "button", "Reprocess message"),
    ("/operator/deliveries", "Send log", "button", "Show"),
]


@pytest.mark.parametrize("width", list(WIDTHS))
def test_every_operator_page_loads_with_its_actions(
    browser: Browser, group: tuple[Path, WebProcess], width: str
) -> None:
    folder, web = group
    context = browser.new_context(viewport=WIDTHS[width], is_mobile=width == "phone")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        sign_in(page, folder, OPERATOR)
        for path, heading, kind, what in PAGES:
            page.goto(web.url + path)
            expect(page.get_by_role("heading", level=1, name=re.compile(heading))).to_be_visible()
            if kind == "text":
                expect(page.locator("main")).to_contain_text(re.compile(what, re.I))
            else:
                expect(page.get_by_role(kind, name=re.compile(what)).first).to_be_visible()
        page.goto(f"{web.url}/operator/members")
        page.get_by_role("link", name=f"Edit {NEW_LEAD}").click()
        expect(
            page.get_by_role("heading", level=1, name=re.compile("Dan Whitaker"))
        ).to_be_visible()
        expect(page.get_by_role("button", name="Save")).to_be_visible()
        page.get_by_role("link", name="Remove…").click()
        expect(page.get_by_role("heading", name="Remove Dan Whitaker?")).to_be_visible()
        page.get_by_role("link", name="Keep them").click()  # nothing happens without the POST
        expect(page.get_by_role("heading", level=1, name=re.compile("Members"))).to_be_visible()
    finally:
        context.close()


def test_the_operator_makes_a_member_a_lead_who_edits_a_role_and_sees_the_preview(
    browser: Browser, operator_page: Page, group: tuple[Path, WebProcess]
) -> None:
    folder, web = group
    page = operator_page
    page.goto(f"{web.url}/operator/members")
    page.get_by_role("link", name=f"Edit {NEW_LEAD}").click()
    page.get_by_role("group", name="What they may do").get_by_label("Marketing").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("now leads Marketing", timeout=SLOW)
    page.goto(f"{web.url}/operator/members")
    expect(page.get_by_role("row", name=re.compile("Dan Whitaker"))).to_contain_text(
        "leads Marketing"
    )
    # Dan signs in on his own device and curates Marketing's roles.
    context = browser.new_context(viewport=WIDTHS["desktop"])
    dan = context.new_page()
    dan.set_default_timeout(15_000)
    try:
        sign_in(dan, folder, NEW_LEAD)
        dan.get_by_role("link", name="My sub-groups").click()
        dan.get_by_role("link", name="target roles").first.click()
        expect(dan.get_by_role("heading", level=1, name=re.compile("Marketing"))).to_be_visible()
        blank = dan.locator("details.role.fresh")  # the blank row, open for a new role
        blank.get_by_label("Target role").fill("Cloud Security Engineer")
        preview = dan.locator("#preview-body")
        expect(preview).to_contain_text("Would newly match", timeout=15_000)
        expect(preview.locator("li", has_text="Cloud Security Engineer")).to_be_visible()
        preview.scroll_into_view_if_needed()
        expect(dan.locator("#preview")).to_be_in_viewport()
        dan.get_by_role("button", name="Save").click()
        expect(dan.get_by_role("status")).to_contain_text("Saved", timeout=SLOW)
    finally:
        context.close()
    exported = jobdigest(folder, "subgroups", "export")
    marketing = exported.split('name = "Marketing"')[1].split("[[subgroup]]")[0]
    assert '"Cloud Security Engineer"' in marketing
    assert "dan.whitaker@example.com" in marketing
