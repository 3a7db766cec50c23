"""Personio career sites (the public XML feed of open positions).

Shape: `GET https://<company>.jobs.personio.de/xml?language=en` -> `<workzag-jobs>` with one
`<position>` per published job: `id`, `subcompany`, `office`, `additionalOffices/office`,
`department`, `recruitingCategory`, `name` (the title), `jobDescriptions/jobDescription/{name,
value}` (value: HTML in CDATA), `employmentType`, `seniority`, `schedule`, `yearsOfExperience`,
`keywords`, `occupation`, `occupationCategory`, `createdAt`. Job pages are
`https://<company>.jobs.personio.de/job/<id>`. Without `language=en` the texts come in German.

The XML is read with entity resolution and network access off: it is a stranger's document.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from lxml import etree

from parsers.ats._common import board_entry, company_from_slug, description, places
from parsers.feeds import FeedEntry, iso_from_text
from parsers.location import mentions_remote

ORIGIN = "personio"
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True
)


def looks_like(data: bytes) -> bool:
    return b"<workzag-jobs" in data[:4096]


def _root(data: bytes) -> Any:
    try:
        root = etree.fromstring(data, _PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return None
    return root if root is not None and root.tag == "workzag-jobs" else None


def _field(position: Any, name: str) -> str:
    return (position.findtext(name) or "").strip()


def _site(url: str) -> tuple[str, str]:
    """('https://acme.jobs.personio.de', 'acme') from the feed's address, if it is one."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "", ""
    host = (parts.hostname or "").lower()
    if ".jobs.personio." not in host and "-jobs.personio." not in host:
        return (f"{parts.scheme}://{parts.netloc}", "") if parts.netloc else ("", "")
    return f"{parts.scheme}://{parts.netloc}", host.split(".")[0].removesuffix("-jobs")


def entry(position: Any, base: str, company: str, fallback: str = "") -> FeedEntry:
    key = _field(position, "id")
    sections = [
        (d.findtext("value") or "") for d in position.iterfind("jobDescriptions/jobDescription")
    ]
    offices = [_field(position, "office")] + [
        (o.text or "").strip() for o in position.iterfind("additionalOffices/office")
    ]
    schedule = _field(position, "schedule")
    return board_entry(
        guid=key,
        title=_field(position, "name"),
        link=f"{base}/job/{key}" if base and key else "",
        company=company or _field(position, "subcompany") or fallback,
        location=places(offices),
        description=description(*sections),
        posted_at=iso_from_text(_field(position, "createdAt")),
        origin=ORIGIN,
        remote=mentions_remote(*offices),
        tags=[_field(position, "department"), schedule, _field(position, "employmentType")],
    )


def entries(data: bytes, url: str = "", company: str = "") -> list[FeedEntry] | None:
    """Every position of a feed; None when the bytes are no Personio feed."""
    root = _root(data)
    if root is None:
        return None
    base, slug = _site(url)
    fallback = company_from_slug(slug) if slug else ""
    return [entry(p, base, company, fallback) for p in root.iterfind("position")]
