"""The table sheet (`jobdigest sheet`, PDF through WeasyPrint, looked at with poppler) and what
leads learn (`jobdigest stats`, the stats page), on the test group of tests/test_web.py; the
pages and the intro flow in Debian's Chromium, mail through aiosmtpd."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from playwright.sync_api import Page, expect

from digest.cli import cli
from digest.clock import utcnow
from digest.store.db import Database
from digest.store.intros import record_landing
from digest.store.members import set_targets
from digest.store.models import Feedback, IntroRequest, Member, PastEmployer, Posting
from tests.support.db import migrated_db
from tests.test_web import SECRET, SECRET_ENV, World, build_world, sign_in, token_for
from tests.test_web_browser import Site, page, sign_in_by_mail, site  # noqa: F401

needs_poppler = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils")


def _people(db: Database, world: World) -> None:
    """Targets, an open intro request, a celebrated landing and feedback for the stats."""
    with db.session() as s:
        alice, carol, dan = (s.get_one(Member, i) for i in (world.alice, world.carol, world.dan))
        set_targets(alice, ["Acme", "Hooli"])
        dan.contact_opt_in = dan.intro_opt_in = True
        dan.employers = [PastEmployer(name="Acme", company_key="acme")]
        s.add(IntroRequest(asker_id=alice.id, contact_id=dan.id, posting_id=world.p_marketing))
        carol.created_at = utcnow() - timedelta(days=30)
        record_landing(s, carol, s.get(Posting, world.p_social), "Globex", "Social Media Specialist",
                       celebrate=True, keep_helping=False)  # fmt: skip
        s.add_all([
            Feedback(member_id=alice.id, posting_id=world.p_marketing, kind="applied"),
            Feedback(member_id=alice.id, posting_id=world.p_marketing, kind="interviewing"),
            Feedback(member_id=carol.id, posting_id=world.p_social, kind="hired"),
            Feedback(member_id=alice.id, posting_id=world.p_social, kind="not_relevant"),
        ])  # fmt: skip


@pytest.fixture
def group(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Database, World]:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    config = tmp_path / "jobdigest.toml"
    config.write_text(
        '[group]\nname = "Test Network"\ntimezone = "America/Chicago"\n'
        '[database]\nurl = "sqlite:///web.db"\n'
        f'[web]\nbase_url = "http://127.0.0.1:5000"\nsecret_key_env = "{SECRET_ENV}"\n'
        '[smtp]\nfrom_address = "Test Network <leads@example.org>"\n',
        encoding="utf-8",
    )
    db = migrated_db(f"sqlite:///{tmp_path / 'web.db'}")
    world = build_world(db)
    _people(db, world)
    yield config, db, world
    db.dispose()


def _run(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--config", str(config), *args])
    return result.exit_code, result.output


def _tool(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


@needs_poppler
def test_the_pdf_sheet_has_every_part_on_one_a4_page(
    group: tuple[Path, Database, World], tmp_path: Path
) -> None:
    config, _db, _world = group
    out = tmp_path / "marketing.pdf"
    code, output = _run(config, "sheet", "marketing", "--out", str(out))
    assert code == 0, output
    assert "2 members" in output and "2 leads" in output
    info = _tool("pdfinfo", str(out))
    assert re.search(r"Pages:\s+1\b", info)
    assert "595.276 x 841.89 pts (A4)" in info
    text = " ".join(_tool("pdftotext", "-layout", str(out), "-").split())
    assert "Marketing: table sheet" in text
    assert "Alice Moreno — targets: Acme, Hooli" in text
    assert "Senior Marketing Manager, Acme" in text and "inside: Dan Whitaker" in text
    assert "Alice Moreno asked Dan Whitaker about Acme (Senior Marketing Manager)" in text
    assert "Landed: Carol King, Social Media Specialist at Globex" in text
    assert "Carol King (landed)" in text
    _tool("pdftoppm", "-r", "50", "-png", str(out), str(tmp_path / "page"))
    from PIL import Image

    with Image.open(tmp_path / "page-1.png") as img:
        assert img.size == (414, 585)  # A4 at 50 dpi
        gray = img.convert("L")
        assert sum(gray.histogram()[:128]) > 2000  # text, not a blank page
        top, middle = gray.crop((0, 0, 414, 290)), gray.crop((0, 300, 414, 560))
        assert top.getextrema()[0] < 100  # the sheet fills the top half ...
        assert middle.getextrema()[0] > 200  # ... and leaves the rest of the page for notes


def test_the_html_sheet_and_usage_errors(
    group: tuple[Path, Database, World], tmp_path: Path
) -> None:
    config, _db, _world = group
    out = tmp_path / "it.html"
    code, output = _run(config, "sheet", "IT", "--out", str(out))
    assert code == 0, output
    html = out.read_text(encoding="utf-8")
    assert "IT: table sheet" in html and "Bob Lee" in html and "@media print" in html
    code, output = _run(config, "sheet", "Sales", "--out", str(out))
    assert code == 2 and "no sub-group named 'Sales' (known: IT, Marketing)" in output
    code, output = _run(config, "sheet", "IT", "--out", str(tmp_path / "it.docx"))
    assert code == 2 and "expected a file ending in .pdf or .html" in output
    code, output = _run(config, "sheet", "IT", "--week", "2026-W99", "--out", str(out))
    assert code == 2 and "no such week" in output
    assert "Traceback" not in output


def test_stats_counts_what_leads_led_to(group: tuple[Path, Database, World]) -> None:
    config, _db, _world = group
    code, output = _run(config, "stats")
    assert code == 0, output
    rows = {line.split("\t")[0]: line.split("\t") for line in output.strip().splitlines()}
    assert rows["Sub-group"][:7] == ["Sub-group", "Leads", "Applied", "Interviewing", "Hired",
                                     "Landed", "Precision"]  # fmt: skip
    # Marketing: 2 leads; Alice applied and interviewed for one, Carol was hired by the other,
    # which Alice called not relevant: 1 of 2 rated postings -> 50 % precision
    assert rows["Marketing"][1:7] == ["2", "1", "1", "1", "1", "50%"]
    assert rows["Marketing"][7].startswith("Carol King (1)")
    assert rows["IT"][1:7] == ["1", "0", "0", "0", "0", ""]


def test_the_stats_page_draws_svg_charts_for_the_lead_only(
    group: tuple[Path, Database, World],
) -> None:
    from digest.config import load_config
    from digest.web import create_app

    config, db, world = group
    app = create_app(load_config(config), db)
    resp = sign_in(app, world.alice).get(f"/lead/{world.marketing}/stats")
    assert resp.status_code == 200
    assert resp.text.count("<svg") == 3 and "<script" not in resp.text.split("<main")[-1]
    assert "tag precision 50% (1 of 2 rated postings called not relevant)" in resp.text
    assert "median 30 days from joining to landing" in resp.text
    lead = sign_in(app, world.alice)
    sheet = lead.get(f"/lead/{world.marketing}/sheet")
    assert (
        "Alice Moreno asked Dan Whitaker about Acme" in sheet.text and "@media print" in sheet.text
    )
    pdf = lead.get(f"/lead/{world.marketing}/sheet.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF-")
    assert sign_in(app, world.bob).get(f"/lead/{world.marketing}/stats").status_code == 403
    assert sign_in(app, world.carol).get(f"/lead/{world.marketing}/sheet").status_code == 403


@pytest.mark.servers
def test_sheet_stats_and_an_intro_in_chromium(site: Site, page: Page, smtp_server) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    _people(site.db, site.world)
    sign_in_by_mail(page, site, smtp_server, "alice@example.org")
    page.goto(f"{site.url}/lead/{site.world.marketing}/sheet")
    expect(page.get_by_role("heading", name="Marketing: table sheet")).to_be_visible()
    expect(page.locator("li.member", has_text="Alice Moreno")).to_contain_text(
        "targets: Acme, Hooli"
    )
    expect(page.get_by_text("Landed: Carol King")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator("nav.actions")).to_be_hidden()  # print styles drop the page's links
    page.screenshot(path=str(Path(__file__).parent / "web_screenshots" / "lead-sheet-print.png"))
    page.emulate_media(media="screen")
    page.goto(f"{site.url}/lead/{site.world.marketing}/stats")
    expect(page.locator("svg.chart").first).to_be_visible()
    assert page.locator("svg.chart rect").count() >= 3
    page.screenshot(
        path=str(Path(__file__).parent / "web_screenshots" / "lead-stats.png"), full_page=True
    )
    with site.db.session() as s:  # Carol asks Dan from her digest's link
        s.get_one(Member, site.world.carol).status = "active"
    token = token_for(
        site.app, "intro-ask", [site.world.carol, site.world.dan, site.world.p_marketing]
    )
    before = len(smtp_server.messages)
    page.goto(f"{site.url}/intro/{token}")
    page.get_by_role("button", name="Yes, ask Dan Whitaker").click()
    expect(page.get_by_role("heading", name="Request sent")).to_be_visible()
    mails = smtp_server.wait_for(before + 1, timeout=10)
    body = mails[-1].message().get_content()
    help_link = re.search(r"(http://127\.0\.0\.1:\d+/intro/answer/\S+/help)", body).group(1)
    page.goto(help_link)
    page.get_by_role("button", name="Happy to help").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    with site.db.session() as s:
        statuses = sorted(r.status for r in s.query(IntroRequest))
    assert statuses == ["accepted", "pending"]
