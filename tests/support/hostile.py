"""Pathological inputs for the parsers, built to a given size: what an attacker or bad luck sends.

Each class is one shape that made a regular expression backtrack (or a loop go quadratic)
before the parsers were hardened: blank lines, whitespace runs in a subject, runs of `www.`,
`a` or `.`, a URL followed by `)`s, dash rules, a long text bounce, odd charsets. The benchmark
(`python -m benchmarks.hostile`) times each class at several sizes; tests/test_hostile.py
checks that each parses within its budget.
"""

from __future__ import annotations

from collections.abc import Callable

#: A link that every parser stage treats as a job posting, so the body is read in full.
JOB_LINK = "https://jobs.acme-foods.com/jobs/12345-marketing-manager"


def mail(
    body: str,
    subject: str = "Fwd: Marketing Manager opening",
    ctype: str = "text/plain; charset=utf-8",
    sender: str = "Alice Moreno <alice@example.org>",
    extra: str = "",
) -> bytes:
    """One plain mail around `body`; `extra` holds additional header lines (CRLF-terminated)."""
    head = (
        f"From: {sender}\r\nTo: leads@group.example.org\r\nSubject: {subject}\r\n"
        f"Date: Mon, 1 Dec 2025 09:00:00 -0600\r\nMessage-ID: <hostile@example.org>\r\n"
        f"MIME-Version: 1.0\r\n{extra}Content-Type: {ctype}\r\n\r\n"
    )
    return (head + body).encode("utf-8", "surrogateescape")


def _times(unit: str, size: int) -> str:
    return unit * max(1, size // len(unit))


def _bounce(size: int) -> bytes:
    """A non-standard text bounce: an explanation with long runs of address-like text."""
    body = (
        "This is the mail system at host mx.example.org.\n\n"
        "I'm sorry to have to inform you that your message could not be delivered.\n\n"
        + _times("a.b-c+", size // 2)
        + "\n"
        + _times("x" * 60 + "@\n", size // 4)
        + _times("user@example.com 550 5.1.1 unknown\n", size // 4)
        + "\n--- the header of the original message is following. ---\nReceived: from x\n"
    )
    return mail(
        body,
        subject="Undelivered Mail Returned to Sender",
        sender="Mail Delivery System <MAILER-DAEMON@mx.example.org>",
        extra="Auto-Submitted: auto-replied\r\n",
    )


def _nested_multipart(depth: int) -> bytes:
    """multipart/mixed nested `depth` deep, a text part at the bottom."""
    head = "From: a@example.org\r\nSubject: nested\r\nMIME-Version: 1.0\r\n"
    opening = "".join(
        f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n' for i in range(depth)
    )
    closing = "".join(f"\r\n--b{i}--\r\n" for i in reversed(range(depth)))
    body = f"Content-Type: text/plain\r\n\r\nsee {JOB_LINK}\r\n"
    return (head + opening + body + closing).encode()


ALERT_SENDER = "LinkedIn Job Alerts <jobalerts-noreply@linkedin.com>"


def _alert_cards(size: int, line: str) -> bytes:
    """A LinkedIn alert whose cards carry `line` (a long hostile detail line), flat layout."""
    card = (
        "<a href='https://www.linkedin.com/comm/jobs/view/{id}/'>Marketing Manager {id}</a><br>"
        "Acme Foods \u00b7 Dallas, TX<br>{line}<br>"
    )
    count = max(1, size // (len(line) + 120))
    html = "".join(card.format(id=1_000_000 + i, line=line) for i in range(count))
    return mail(
        html, subject="Your job alert", ctype="text/html; charset=utf-8", sender=ALERT_SENDER
    )


#: name -> builder(size in bytes) -> raw mail. Sizes are approximate (the body's size).
MAIL_CLASSES: dict[str, Callable[[int], bytes]] = {
    "blank lines": lambda n: mail(f"see {JOB_LINK}\n" + "\n" * n),
    "blank lines (CRLF, spaces)": lambda n: mail(f"see {JOB_LINK}\r\n" + _times(" \r\n", n)),
    "whitespace run in subject": lambda n: mail(
        f"see {JOB_LINK}", subject="Fwd: Analyst" + " " * n + "x"
    ),
    "whitespace run in bare subject": lambda n: mail(
        f"see {JOB_LINK}", subject="Analyst" + " " * n + "x"
    ),
    "tabs in subject": lambda n: mail(f"see {JOB_LINK}", subject="Job:" + _times(" \t", n) + "-"),
    "www. run": lambda n: mail(_times("www.", n)),
    "a run": lambda n: mail("a" * n),
    "dot run": lambda n: mail("." * n),
    "URL and parentheses": lambda n: mail("http://x.com/" + ")" * n),
    "dash rule": lambda n: mail("-" * n),
    "dash rules (lines)": lambda n: mail(_times("-" * 78 + "\n", n)),
    "dash rules padded with spaces": lambda n: mail(_times("-----" + " " * 994 + "\n", n)),
    "header labels padded with spaces": lambda n: mail(_times("From" + " " * 995 + "\n", n)),
    "long text bounce": _bounce,
    "punycode charset (subject)": lambda n: mail(
        f"see {JOB_LINK}", subject="=?punycode?Q?" + "a" * n + "?="
    ),
    "punycode charset (body)": lambda n: mail(
        "a-" * (n // 2), ctype="text/plain; charset=punycode"
    ),
    "unknown charset": lambda n: mail(_times("caf\xe9 ", n), ctype="text/plain; charset=x-no-such"),
    "address-like run": lambda n: mail(_times("a.", n) + "@"),
    "capitalised words": lambda n: mail(f"for a {_times('Big ', n)}role {JOB_LINK}"),
    "quote markers": lambda n: mail(_times("> ", n) + "\n" + _times(">\n", n)),
    "header-like lines": lambda n: mail(_times("From: x\n", n)),
    "HTML whitespace": lambda n: mail(
        f"<p><a href='{JOB_LINK}'>Analyst</a>" + " \n" * (n // 2) + "</p>",
        ctype="text/html; charset=utf-8",
    ),
    "HTML many links": lambda n: mail(
        "".join(f"<p><a href='{JOB_LINK}{i}'>Analyst {i}</a></p>" for i in range(max(1, n // 80))),
        ctype="text/html; charset=utf-8",
    ),
    "alert: whitespace in a card line": lambda n: _alert_cards(n, "4.5" + " " * (n // 2) + "x"),
    "alert: many cards": lambda n: _alert_cards(n, "$90k - $100k"),
    "alert: number run": lambda n: _alert_cards(n, "1." * (n // 4) + "k"),
    "alert text part: blank and spaced lines": lambda n: mail(
        "Marketing Manager\nAcme\n"
        + _times(" \t \n", n)
        + "https://www.linkedin.com/jobs/view/1234567/",
        subject="Your job alert",
        sender=ALERT_SENDER,
    ),
    "nested multipart": lambda n: _nested_multipart(max(1, n // 60)),
}
