"""Statuses and kinds are named through the StrEnums of digest/store/statuses.py, not spelled again.

A typo in `member.status == "unsubscibed"` is silently false; `MemberStatus.UNSUBSCIBED` fails
on import. The code and the web templates (which get the enums as Jinja globals) are read for a
status or kind column compared with, or set to, one of the enums' values as a string literal.
"""

from __future__ import annotations

import re
from pathlib import Path

from digest.store import statuses

ROOT = Path(__file__).resolve().parent.parent
ENUMS = [v for v in vars(statuses).values() if isinstance(v, type) and issubclass(v, str)]
VALUES = sorted({str(m) for enum in ENUMS if enum is not str for m in enum}, key=len, reverse=True)
_VALUE = rf"""['"](?:{"|".join(re.escape(v) for v in VALUES)})['"]"""
LITERAL = re.compile(
    rf"\.(?:status|kind)\s*(?:==|!=|=)\s*{_VALUE}"  # row.status == "sent", row.status = "held"
    rf"|\.(?:status|kind)\s+(?:not\s+)?in\s*[(\[]\s*{_VALUE}"  # m.status in ("paused", ...)
    rf"|\.(?:status|kind)\.(?:not_)?in_\(\s*[(\[]?\s*{_VALUE}"  # Member.status.not_in(("removed",
    rf"|\b(?:status|kind)={_VALUE}"  # Source(kind="imap"), .values(status="unsubscribed")
)


def _sources() -> list[Path]:
    code = [p for p in (ROOT / "digest").rglob("*.py") if "migrations" not in p.parts]
    return sorted(code + list((ROOT / "templates").rglob("*.html")))


def test_no_status_is_spelled_as_a_string_literal() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in _sources()
        if path.name != "statuses.py"
        for n, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if LITERAL.search(line)
    ]
    assert found == []


def test_the_pattern_sees_a_literal() -> None:
    assert LITERAL.search('if member.status == "removed":')
    assert LITERAL.search("{% if m.status in ('paused', 'removed') %}")
    assert not LITERAL.search("if member.status == MemberStatus.REMOVED:")
