"""The pitch and recruiters on the preferences page, and what a sub-group lead sees, in Chromium."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import select

from digest.delivery.render import Links
from digest.store.models import IntendedRecipient, Member, Recruiter
from tests.test_web_browser import Site, page, shot, sign_in_by_mail, site  # noqa: F401

PITCH = "I have global experience in high tech products, looking to pursue a career in social media marketing"


def test_member_writes_a_pitch_opts_in_and_marks_a_recruiter(
    site: Site,  # noqa: F811
    page: Page,  # noqa: F811
    smtp_server,  # type: ignore[no-untyped-def]
) -> None:
    w, cfg = site.world, site.cfg
    signer = site.app.extensions["jobdigest"].signer
    page.goto(Links(cfg, signer, w.carol).preferences)
    # the privacy note says who sees the pitch, before anything is saved
    expect(page.get_by_text("Only if you tick this do fellow members see it")).to_be_visible()
    page.get_by_label("My pitch: who I am and what I am looking for").fill(PITCH)
    page.get_by_label("Recruiters who send me leads (one address per line)").fill("not an address")
    page.get_by_role("button", name="Save preferences").click()
    expect(page.get_by_text("is not an email address: one address per line.")).to_be_visible()
    page.get_by_label("Recruiters who send me leads (one address per line)").fill(
        "Jane.Roe@acmestaffing.example"
    )
    page.get_by_label("My pitch: who I am and what I am looking for").fill(PITCH)
    page.get_by_role("button", name="Save preferences").click()
    expect(page.get_by_role("status")).to_contain_text("saved")
    with site.db.session() as s:
        carol = s.get_one(Member, w.carol)
        assert carol.pitch == PITCH and not carol.pitch_public
        assert s.scalars(select(Recruiter.address)).all() == ["jane.roe@acmestaffing.example"]
        # a note of Carol's naming a "Sarah" two members could be
        s.add_all([Member(email="sarah.kim@example.org", name="Sarah Kim"),
                   Member(email="sarah.lee@example.org", name="Sarah Lee")])  # fmt: skip
        s.flush()
        ids = list(s.scalars(select(Member.id).where(Member.name.like("Sarah%"))))
        s.add(IntendedRecipient(posting_id=w.p_social, sharer_id=w.carol, named="Sarah",
                                candidates=ids, note="For Sarah: worth a look"))  # fmt: skip

    # Not opted in: her lead does not see the pitch, but sees the unclear note.
    page.context.clear_cookies()
    sign_in_by_mail(page, site, smtp_server, "alice@example.org")
    page.goto(f"{site.url}/lead/{w.marketing}/members")
    expect(page.locator("#unclear-recipients")).to_contain_text("Sarah Kim")
    expect(page.locator("#unclear-recipients")).to_contain_text("Sarah Lee")
    expect(page.get_by_text("social media marketing")).to_have_count(0)

    page.goto(Links(cfg, signer, w.carol).preferences)
    expect(page.get_by_label("Recruiters who send me leads (one address per line)")).to_have_value(
        "jane.roe@acmestaffing.example"
    )
    page.get_by_label("Show my pitch to fellow members").check()
    page.get_by_role("button", name="Save preferences").click()
    expect(page.get_by_role("status")).to_contain_text("saved")
    page.goto(f"{site.url}/lead/{w.marketing}/members")
    expect(page.get_by_text(f"pitch: {PITCH}")).to_be_visible()
    shot(page, "lead-members-pitch")
