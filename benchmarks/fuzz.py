"""A longer fuzz run of every parser entry point: python -m benchmarks.fuzz --minutes N.

With atheris installed (`pip install atheris`; it ships wheels for Linux x86-64), it runs a
coverage-guided libFuzzer session: each input picks an entry point by its first byte and is
parsed under a CPU budget (`--cap`, default 2 s). An exception, or a parse over the budget, is
a finding: atheris stops and writes the input to `crash-<sha1>` in `--artifacts`.

Without atheris it runs the hypothesis suite of tests/test_hostile.py round after round with
many examples and a random seed (HOSTILE_EXAMPLES, HOSTILE_RANDOM), until the time is up; a
failure prints the shrunk input as hypothesis reports it. Exit code 1 on a finding, else 0.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

Target = Callable[[bytes], Any]


def _fields(data: bytes, count: int) -> list[str]:
    """`count` text fields from the fuzzer's bytes, split at 0xFF (never valid UTF-8)."""
    parts = data.split(b"\xff", count - 1)
    parts += [b""] * (count - len(parts))
    return [p.decode("utf-8", "replace") for p in parts]


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


CHARSETS = ["utf-8", "utf-16", "utf-7", "punycode", "idna", "gb2312", "x-unknown", "cp1252", ""]


def _targets() -> list[tuple[str, Target]]:
    """Every entry point, fed from raw bytes. Imported here, after atheris instruments."""
    from datetime import datetime

    from parsers import company, dates, location, subjects
    from parsers.alerts import parse_alert
    from parsers.boards import parse_board
    from parsers.detect import parse_file
    from parsers.feeds import parse_feed_entries
    from parsers.forwards import split_forward
    from parsers.htmltext import html_links, html_to_text
    from parsers.jsonld import loads_lenient, page_jobs
    from parsers.links import canonicalize_url, find_urls, is_job_url, title_from_url
    from parsers.mail import parse_mail
    from parsers.mime import bounce_recipients, decode_bytes, decode_header_value, decode_mail

    senders = ["jobalerts-noreply@linkedin.com", "alert@indeed.com", "noreply@glassdoor.com",
               "alerts@ziprecruiter.com", "alerts@dice.com", "notify-noreply@google.com"]  # fmt: skip

    def alert(data: bytes) -> Any:
        html, text = _fields(data[1:], 2)
        return parse_alert(senders[data[0] % len(senders)] if data else "", "alert", html, text)

    def links(data: bytes) -> Any:
        for url in [_text(data), *find_urls(_text(data))]:
            canonicalize_url(url), is_job_url(url), title_from_url(url)

    def text_bits(data: bytes) -> Any:
        text = _text(data)
        subjects.subject_parts(text), subjects.company_from_body(text)
        location.tidy_location(text), company.normalize_company(text)
        dates.absolute_date(text, datetime(2026, 12, 1))

    return [
        ("mail", lambda d: parse_mail(d, "fuzz")),
        ("mime", lambda d: (decode_mail(d), bounce_recipients(d))),
        ("charset", lambda d: decode_bytes(d[1:], CHARSETS[d[0] % len(CHARSETS)] if d else "")),
        ("header", lambda d: decode_header_value(_text(d))),
        ("forward", lambda d: split_forward(*_fields(d, 2))),
        ("alert", alert),
        ("links", links),
        ("html", lambda d: (html_to_text(_text(d)), html_links(_text(d)))),
        ("jsonld", lambda d: (page_jobs(_text(d)), loads_lenient(_text(d)))),
        ("feed", lambda d: parse_feed_entries(d, "fuzz")),
        ("board", lambda d: parse_board(d, "https://api.lever.co/v0/postings/acme")),
        ("file", lambda d: parse_file("fuzz", d)),
        ("text", text_bits),
    ]


def _atheris(seconds: int, cap: float, artifacts: Path, replay: list[Path]) -> int:
    import atheris  # type: ignore[import-not-found]

    from digest.ingest.budget import ParseBudget, within_budget

    with atheris.instrument_imports():
        targets = _targets()
    budget = ParseBudget(seconds=cap)

    def one_input(data: bytes) -> None:
        if not data:
            return
        _name, target = targets[data[0] % len(targets)]
        within_budget(target, data[1:], budget=budget)  # raises on a finding: atheris saves it

    artifacts.mkdir(parents=True, exist_ok=True)
    argv = [sys.argv[0], f"-max_total_time={seconds}", f"-artifact_prefix={artifacts}/"]
    if replay:  # libFuzzer runs the given inputs once instead of fuzzing
        argv = [sys.argv[0], *map(str, replay)]
    atheris.Setup(argv, one_input)
    atheris.Fuzz()
    return 0


def _hypothesis(seconds: int, examples: int) -> int:
    """Rounds of the hypothesis suite with a random seed each, until `seconds` have passed."""
    env = {**os.environ, "HOSTILE_EXAMPLES": str(examples), "HOSTILE_RANDOM": "1"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    end = time.monotonic() + seconds
    rounds = 0
    while time.monotonic() < end:
        rounds += 1
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
             "tests/test_hostile.py", "-k", "anything or charsets or titles"],
            cwd=ROOT,
            env=env,
        )  # fmt: skip
        if done.returncode != 0:
            print(f"fuzz: finding in round {rounds} (see the hypothesis report above)")
            return 1
    print(f"fuzz: {rounds} rounds of {examples} examples per entry point, no finding")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fuzz", description=__doc__)
    parser.add_argument("--minutes", type=float, default=10.0, help="how long to fuzz")
    parser.add_argument("--cap", type=float, default=2.0, help="CPU seconds per input (atheris)")
    parser.add_argument("--examples", type=int, default=2000, help="per entry point and round")
    parser.add_argument("--artifacts", type=Path, default=ROOT / "benchmarks" / "results" / "fuzz")
    parser.add_argument(
        "--hypothesis", action="store_true", help="use hypothesis even with atheris"
    )
    parser.add_argument("replay", nargs="*", type=Path, help="crash files to run again (atheris)")
    args = parser.parse_args(argv)
    seconds = max(1, int(args.minutes * 60))
    try:
        import atheris  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        args.hypothesis = True
    if args.hypothesis:
        return _hypothesis(seconds, args.examples)
    return _atheris(seconds, args.cap, args.artifacts, args.replay)


if __name__ == "__main__":
    raise SystemExit(main())
