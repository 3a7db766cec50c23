"""How many jobs of each alert sender `jobdigest parse` gets right, in every rendering.

    python -m benchmarks.alerts_quality [--data DIR] [--show-misses] [--json FILE]

Runs every fixture listed in tests/data/alerts/expected.toml through the code path of
`jobdigest parse` (parsers.detect.parse_file) and counts, per sender and per rendering, the
expected jobs found with the right title, company and canonical URL. Each alert sent with a
text part is also read once more without its HTML part (rendering "text"), as a mail client
that shows text/plain reads it. Postings that match no expected job are counted as extra;
a title that is a placeholder ("[image: …]", a URL, "Easy Apply", stars) as junk.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import json
import re
import sys
import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from parsers.detect import parse_file

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "alerts"
_JUNK_TITLE = re.compile(
    r"^\[|^<?https?://|^(?:easy apply|easily apply|apply(?: now)?|view job|promoted|actively "
    r"recruiting|be an early applicant)$|[\u2605\u2606]",
    re.I,
)


@dataclass
class Tally:
    expected: int = 0
    right: int = 0
    extra: int = 0
    junk: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        self.expected += other.expected
        self.right += other.right
        self.extra += other.extra
        self.junk += other.junk
        self.misses.extend(other.misses)

    @property
    def accuracy(self) -> float:
        return self.right / self.expected if self.expected else 1.0


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def score(postings: list[dict[str, Any]], jobs: list[dict[str, str]], file: str) -> Tally:
    """Expected jobs found right (title + company + canonical URL), extras and junk titles."""
    tally = Tally(expected=len(jobs))
    used: set[int] = set()
    for job in jobs:
        found = _match(postings, job, used)
        if found is None:
            tally.misses.append(f"{file}: missing {job['title']!r}")
            continue
        used.add(found)
        got = postings[found]
        ok = _norm(got.get("title", "")) == _norm(job["title"]) and _norm(
            got.get("company", "")
        ) == _norm(job["company"])
        if job.get("canonical_url"):
            ok = ok and got.get("canonical_url") == job["canonical_url"]
        if ok:
            tally.right += 1
        else:
            seen = (got.get("title"), got.get("company"), got.get("canonical_url"))
            tally.misses.append(f"{file}: {job['title']!r} read as {seen}")
    tally.extra = len(postings) - len(used)
    tally.junk = sum(1 for p in postings if _JUNK_TITLE.search(p.get("title") or ""))
    return tally


def _match(postings: list[dict[str, Any]], job: dict[str, str], used: set[int]) -> int | None:
    for index, posting in enumerate(postings):
        if index in used:
            continue
        if job.get("canonical_url") and posting.get("canonical_url") == job["canonical_url"]:
            return index
    for index, posting in enumerate(postings):
        if index not in used and _norm(posting.get("title", "")) == _norm(job["title"]):
            return index
    return None


def text_only(raw: bytes) -> bytes | None:
    """The alert without its HTML part, or None when it has no text part to read."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    text = msg.get_body(("plain",))
    if text is None or msg.get_body(("html",)) is None:
        return None
    out = email.message.EmailMessage(policy=email.policy.SMTP)
    for name in ("From", "To", "Subject", "Date", "Message-ID"):
        if msg[name]:
            out[name] = str(msg[name])
    out.set_content(text.get_content())
    return bytes(out)


def run(data: Path) -> dict[str, dict[str, Tally]]:
    """sender -> rendering -> tally."""
    fixtures = tomllib.loads((data / "expected.toml").read_text(encoding="utf-8"))["fixture"]
    results: dict[str, dict[str, Tally]] = defaultdict(lambda: defaultdict(Tally))
    for fixture in fixtures:
        raw = (data / fixture["file"]).read_bytes()
        jobs = fixture.get("job", [])
        inputs = [(fixture["rendering"], raw)]
        if fixture["rendering"] == "html":
            plain = text_only(raw)
            if plain is not None:
                inputs.append(("text", plain))
        for rendering, data_bytes in inputs:
            item = parse_file(fixture["file"], data_bytes).to_json()
            postings = item.get("postings") or []
            label = (
                rendering if fixture["language"] == "en" else f"{rendering} ({fixture['language']})"
            )
            tally = score(postings, jobs, f"{fixture['file']} [{rendering}]")
            results[fixture["sender"]][label].add(tally)
    return results


def report(results: dict[str, dict[str, Tally]], show_misses: bool) -> Tally:
    total = Tally()
    print(
        f"{'sender':<22}{'jobs':>6}{'right':>7}{'accuracy':>10}{'extra':>7}{'junk':>6}  renderings"
    )
    for sender in sorted(results):
        tally = Tally()
        for part in results[sender].values():
            tally.add(part)
        total.add(tally)
        kinds = ", ".join(
            f"{name} {part.right}/{part.expected}" for name, part in sorted(results[sender].items())
        )
        print(
            f"{sender:<22}{tally.expected:>6}{tally.right:>7}{tally.accuracy:>10.1%}"
            f"{tally.extra:>7}{tally.junk:>6}  {kinds}"
        )
    print(
        f"{'all':<22}{total.expected:>6}{total.right:>7}{total.accuracy:>10.1%}"
        f"{total.extra:>7}{total.junk:>6}"
    )
    if show_misses:
        for miss in total.misses:
            print("  " + miss)
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.alerts_quality", description=__doc__
    )
    parser.add_argument("--data", type=Path, default=DATA, help="folder with expected.toml")
    parser.add_argument("--show-misses", action="store_true", help="list every wrong job")
    parser.add_argument("--json", type=Path, help="also write the numbers as JSON")
    args = parser.parse_args(argv)
    if not (args.data / "expected.toml").is_file():
        print(f"{args.data / 'expected.toml'}: not found; pass --data DIR", file=sys.stderr)
        return 2
    results = run(args.data)
    total = report(results, args.show_misses)
    if args.json:
        out = {
            sender: {
                name: {"expected": t.expected, "right": t.right, "extra": t.extra, "junk": t.junk}
                for name, t in parts.items()
            }
            for sender, parts in results.items()
        }
        args.json.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    return 0 if total.right == total.expected and not total.junk else 1


if __name__ == "__main__":
    raise SystemExit(main())
