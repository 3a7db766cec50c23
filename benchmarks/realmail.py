"""How well the mail parsers read mail as members send it: forwards and replies, career links,
dates. Run from the repo root: `python -m benchmarks.realmail [--upstream DIR]`.

Measured on
* the development corpus: the email-forward-parser cases and talon replies in tests/data/forwards;
* the held-out-style fixtures written for this project from the public formats of many clients
  and languages: tests/data/forwards/clients and tests/data/mail/links (each `expected.json`
  says what a case must yield; a case counts as right only when every stated fact is right);
* with `--upstream DIR`, the public fixtures of other projects fed through `parse_mail` as
  members' mails: DIR/email-forward-parser (a checkout of crisp-oss/email-forward-parser, every
  fixture, with its test suite's expectations), DIR/quotequail (closeio/quotequail's HTML files)
  and DIR/talon (mailgun/talon's reply fixtures). An email-forward-parser or quotequail fixture
  without an outer subject is sent as "Fwd: <subject>" - replies too, the harder case: a reply
  is never a forward whatever its subject says. Talon's HTML replies go without a subject (the
  Outlook header block they quote is a forward's too; only a subject tells them apart).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from benchmarks.common import print_values
from parsers.forwards import split_forward
from parsers.links import job_id_key
from parsers.mail import parse_mail
from parsers.model import Address, ParsedItem

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
EFP = DATA / "forwards" / "email-forward-parser"
TALON = DATA / "forwards" / "talon-replies"
CLIENTS = DATA / "forwards" / "clients"
LINKS = DATA / "mail" / "links"
MEMBER = "priya.raman@members.example"

SUBJECT = "Integer consequat non purus"
FROM = Address("John Doe", "john.doe@acme.com")
BODY = (
    "Aenean quis diam urna. Maecenas eleifend vulputate ligula ac consequat. Pellentesque cursus "
    "tincidunt mauris non venenatis.\nSed nec facilisis tellus. Nunc eget eros quis ex congue "
    "iaculis nec quis massa. Morbi in nisi tincidunt, euismod ante eget, eleifend nisi.\n\n"
    "Praesent ac ligula orci. Pellentesque convallis suscipit mi, at congue massa sagittis eget."
)
MESSAGE = "Praesent suscipit egestas hendrerit.\n\nAliquam eget dui dui."


def as_mail(body: str, subject: str | None, html: bool = False) -> bytes:
    """A member's mail to the group inbox carrying `body`."""
    msg = EmailMessage(policy=policy.default)
    msg["From"] = "Sam Member <sam@members.example>"
    msg["To"] = "leads@group.example.org"
    msg["Date"] = "Mon, 06 Jan 2025 10:00:00 +0000"
    if subject is not None:
        msg["Subject"] = subject
    msg.set_content(body, subtype="html" if html else "plain")
    return msg.as_bytes()


def ratio(right: int, total: int) -> str:
    return f"{right}/{total} = {right / total:.1%}" if total else "n/a"


# --- development corpus -----------------------------------------------------------------------


def _efp_right(case: dict[str, Any]) -> bool:
    """The checks of tests/test_forwards.py, as a yes/no per case."""
    text = (EFP / case["fixture"]).read_text("utf-8")
    subject = ""
    if case["subject_fixture"]:
        subject = (EFP / case["subject_fixture"]).read_text("utf-8").strip()
    result = split_forward(text, subject)
    want = case["expected"]
    if bool(result.messages) is not want["forwarded"]:
        return False
    if not want["forwarded"]:
        return result.note is None
    msg = result.messages[0]
    checks = [msg.subject == want["email.subject"], bool(msg.date.strip())]
    if "email.from" in want:
        checks.append(
            {"name": msg.from_.name or None, "address": msg.from_.address or None}
            == want["email.from"]
        )
    if "message" in want:
        checks.append(result.note == want["message"])
    if not want["email.body"].startswith("<text after"):
        checks.append(msg.body == want["email.body"])
    return all(checks)


def dev_corpus() -> dict[str, str]:
    cases = json.loads((EFP / "expected.json").read_text("utf-8"))["cases"]
    efp = sum(_efp_right(c) for c in cases.values())
    talon = [p for p in sorted(TALON.iterdir()) if p.suffix in (".eml", ".html")]
    replies = 0
    for path in talon:
        raw = path.read_bytes()
        if path.suffix == ".html":
            raw = as_mail(raw.decode("utf-8", "replace"), None, html=True)
        replies += parse_mail(raw).forwarded == []
    return {
        "dev: email-forward-parser cases right": ratio(efp, len(cases)),
        "dev: talon replies not taken for forwards": ratio(replies, len(talon)),
    }


# --- held-out-style fixtures ------------------------------------------------------------------


def _fact(item: ParsedItem, index: int, name: str) -> str:
    posting = item.postings[index]
    if name == "key":
        return job_id_key(posting.canonical_url or posting.url) or ""
    return str(getattr(posting, name))


def _postings_right(item: ParsedItem, expected: list[dict[str, str]]) -> tuple[bool, int, int]:
    """(all right, facts right, facts stated)."""
    stated = sum(len(p) for p in expected) + 1
    if len(item.postings) != len(expected):
        return False, 0, stated
    right = 1 + sum(
        _fact(item, i, name) == value
        for i, want in enumerate(expected)
        for name, value in want.items()
    )
    return right == stated, right, stated


def _client_right(name: str, want: dict[str, Any]) -> tuple[bool, int, int]:
    item = parse_mail((CLIENTS / name).read_bytes(), name)
    ok = item.error is None and bool(item.sender) and item.sender.address == MEMBER  # type: ignore[union-attr]
    if want["kind"] == "reply":
        ok = ok and item.forwarded == []
    else:
        first = item.forwarded[0] if item.forwarded else None
        ok = ok and first is not None
        ok = ok and (first.from_.address == want["from"] if first and "from" in want else ok)
        ok = ok and (first.subject == want["subject"] if first and "subject" in want else ok)
        ok = ok and item.note == want.get("note")
    all_right, right, stated = _postings_right(item, want["postings"])
    return ok and all_right, right, stated


def held_out_style() -> dict[str, str]:
    clients = json.loads((CLIENTS / "expected.json").read_text("utf-8"))["cases"]
    results = {name: _client_right(name, want) for name, want in clients.items()}
    replies = [n for n, w in clients.items() if w["kind"] == "reply"]
    forwards = [n for n in clients if n not in replies]
    dated = [n for n, w in clients.items() if any("posted_at" in p for p in w["postings"])]
    links = json.loads((LINKS / "expected.json").read_text("utf-8"))["cases"]
    link_results = [
        _postings_right(parse_mail((LINKS / n).read_bytes(), n), w) for n, w in links.items()
    ]
    return {
        "fixtures: forwards right": ratio(sum(results[n][0] for n in forwards), len(forwards)),
        "fixtures: replies right (no forward, posting read)": ratio(
            sum(results[n][0] for n in replies), len(replies)
        ),
        "fixtures: forwarded alerts with dates right": ratio(
            sum(results[n][0] for n in dated), len(dated)
        ),
        "fixtures: career-link mails right": ratio(
            sum(r[0] for r in link_results), len(link_results)
        ),
        "fixtures: career-link facts right": ratio(
            sum(r[1] for r in link_results), sum(r[2] for r in link_results)
        ),
    }


# --- other projects' public fixtures -----------------------------------------------------------


def _efp_suite(repo: Path) -> list[tuple[str, str, str | None]]:
    """(test name, body fixture, subject fixture) for every case of email-forward-parser's suite."""
    source = (repo / "test" / "index.js").read_text("utf-8")
    out: list[tuple[str, str, str | None]] = []
    for block in re.split(r"\n  // Test: ", source)[1:]:
        title = block.split("\n")[0]
        entries = block.split("(result")[0]
        for pair, single in re.findall(
            r'^\s*(?:\["([^"]+", "[^"]+)"\]|"([a-z0-9_]+)")', entries, re.M
        ):
            body, _, subject = (pair or single).partition('", "')
            out.append((title, body, subject or None))
    return out


def _upstream_efp(repo: Path) -> str:
    right = 0
    suite = _efp_suite(repo)
    for title, body_name, subject_name in suite:
        body = (repo / "test" / "fixtures" / f"{body_name}.txt").read_text("utf-8")
        subject = f"Fwd: {SUBJECT}"
        if subject_name:
            subject = (
                (repo / "test" / "fixtures" / f"{subject_name}.txt").read_text("utf-8").strip()
            )
        item = parse_mail(as_mail(body, subject))
        if "not-forwarded" in title:
            right += item.forwarded == []
            continue
        if not item.forwarded:
            continue
        msg = item.forwarded[0]
        ok = msg.subject == SUBJECT and bool(msg.date)
        if not any(v in title for v in ("variant 8", "variant 13", "variant 14", "variant 15")):
            ok = ok and msg.body == BODY
        if any(v in title for v in ("common", "variant 2", "variant 9", "variant 10")):
            ok = ok and msg.from_ == FROM
        if any(v in title for v in ("variant 2", "variant 9", "variant 10", "variant 14")):
            ok = ok and item.note == MESSAGE
        right += ok
    return ratio(right, len(suite))


#: quotequail's HTML files: forward (sender address, subject) or reply.
_QUOTEQUAIL = {
    "apple_forward.html": ("foo@bar.example", "The Subject"),
    "gmail_forward.html": ("foo@bar.example", "The Subject"),
    "outlook_forward.html": ("", "The subject!"),
    "thunderbird_forward.html": ("johndoe@example.com", "Re: Example subject"),
    "mailru_forward.html": ("ivanivanov@example.com", "Тестовая тема"),
    "apple_reply.html": None,
    "gmail_reply.html": None,
    "ios_mail_reply_unescaped_address.html": None,
    "yahoo_reply_unescaped_address.html": None,
}


def _upstream_quotequail(repo: Path) -> str:
    right = total = 0
    for name, want in _QUOTEQUAIL.items():
        path = repo / "tests" / "files" / name
        if not path.exists():
            continue
        total += 1
        item = parse_mail(as_mail(path.read_text("utf-8"), "Fwd: The Subject", html=True))
        if want is None:
            right += item.forwarded == []
        elif item.forwarded:
            first = item.forwarded[0]
            right += (first.from_.address, first.subject) == want
    return ratio(right, total)


def _upstream_talon(repo: Path) -> str:
    files = [
        p
        for p in sorted((repo / "tests" / "fixtures").rglob("*"))
        if p.is_file() and p.suffix in (".eml", ".html") and "signature" not in p.parts
    ]
    right = 0
    for path in files:
        raw = path.read_bytes()
        if path.suffix == ".html":
            raw = as_mail(raw.decode("utf-8", "replace"), None, html=True)
        right += parse_mail(raw).forwarded == []
    return ratio(right, len(files))


def upstream(directory: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    if (directory / "email-forward-parser" / "test" / "index.js").exists():
        out["upstream: email-forward-parser suite right"] = _upstream_efp(
            directory / "email-forward-parser"
        )
    if (directory / "quotequail" / "tests" / "files").exists():
        out["upstream: quotequail HTML right"] = _upstream_quotequail(directory / "quotequail")
    if (directory / "talon" / "tests" / "fixtures").exists():
        out["upstream: talon replies not forwards"] = _upstream_talon(directory / "talon")
    return out


def run(quick: bool = False) -> dict[str, str]:
    """The benchmark entry for `python -m benchmarks`."""
    return {**dev_corpus(), **held_out_style()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.realmail", description=__doc__)
    parser.add_argument("--upstream", type=Path, help="folder with the other projects' checkouts")
    args = parser.parse_args(argv)
    values = run()
    if args.upstream:
        values.update(upstream(args.upstream))
    print_values("mail as members send it", values, "100% on the dev corpus; all fixtures right")
    return 0


if __name__ == "__main__":
    sys.exit(main())
