"""Recruitee career sites (the public careers-site API).

Shape: `GET https://<company>.recruitee.com/api/offers/` -> `{"offers": [{"id", "slug",
"title", "description" (HTML), "requirements" (HTML), "location", "city", "country",
"country_code", "remote", "hybrid", "on_site", "careers_url", "careers_apply_url",
"company_name", "department", "employment_type_code", "published_at", "created_at"
("2024-06-03 09:15:00 UTC"), "salary"?: {"min", "max", "currency", "period"}, "tags"}]}`.
One response holds every published offer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from parsers.ats._common import (
    board_entry,
    description,
    joined,
    mapping,
    mappings,
    salary_range,
    text,
)
from parsers.feeds import FeedEntry, iso_from_text

ORIGIN = "recruitee"


def is_board(doc: Any) -> bool:
    return isinstance(doc, Mapping) and isinstance(doc.get("offers"), list)


def _when(value: Any) -> str:
    """Recruitee writes '2024-06-03 09:15:00 UTC'; ISO 8601 otherwise."""
    stamp = text(value)
    if stamp.endswith(" UTC"):
        stamp = stamp.removesuffix(" UTC").replace(" ", "T") + "+00:00"
    return iso_from_text(stamp)


def entry(offer: Mapping[str, Any], company: str) -> FeedEntry:
    pay = mapping(offer.get("salary"))
    period = text(pay.get("period"))
    key = offer.get("id")
    return board_entry(
        guid=str(key) if isinstance(key, int | str) else text(offer.get("slug")),
        title=text(offer.get("title")),
        link=text(offer.get("careers_url")) or text(offer.get("careers_apply_url")),
        company=company or text(offer.get("company_name")),
        location=text(offer.get("location"))
        or joined([text(offer.get("city")), text(offer.get("country"))]),
        description=description(text(offer.get("description")), text(offer.get("requirements"))),
        posted_at=_when(offer.get("published_at")) or _when(offer.get("created_at")),
        origin=ORIGIN,
        remote=offer.get("remote") is True,
        salary=salary_range(
            pay.get("min"),
            pay.get("max"),
            text(pay.get("currency")),
            f"per {period}" if period else "",
        ),
        tags=[text(offer.get("department")), text(offer.get("employment_type_code"))],
    )


def entries(doc: Any, url: str = "", company: str = "") -> list[FeedEntry] | None:
    if not is_board(doc):
        return None
    return [entry(offer, company) for offer in mappings(doc["offers"])]
