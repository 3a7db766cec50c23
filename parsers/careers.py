"""Which applicant tracking system a careers URL belongs to, and its public job-board API.

A lead pastes whatever URL they have ("the Sabre job I applied to", an apply form, a page with a
locale in it); a watch needs the board behind it. The URL forms of each system are data
(parsers/data/ats_urls.toml), so a new form is one entry there, not a code change.

Interface (stable):
    recognise(url: str) -> CareersSite          # raises UnknownCareersSite with the reason
    site_for(kind: str, board: str) -> CareersSite   # `[[boards]] company`: an id or any URL
    KINDS: tuple[str, ...]                       # every board kind, config order
    label(kind: str) -> str                      # "smartrecruiters" -> "SmartRecruiters"
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit


class UnknownCareersSite(ValueError):
    """A URL that names no job board this project can read; the message says why."""


@dataclass(frozen=True, slots=True)
class CareersSite:
    """One company's job board on one ATS: what to fetch, where people browse it."""

    kind: str  # "workday"
    ident: str  # "sabre.wd1/SabreJobs": how the board is written in [[boards]] company
    api_url: str
    careers_url: str
    name: str = ""  # "sabre": the company as the board's address spells it

    @property
    def label(self) -> str:
        return label(self.kind)

    def describe(self) -> str:
        """'Workday career site sabre.wd1/SabreJobs', for messages and lists."""
        return f"{self.label} board {self.ident}"


@dataclass(frozen=True, slots=True)
class _Pattern:
    kind: str
    host: re.Pattern[str]
    path: re.Pattern[str] | None
    query: tuple[tuple[str, str], ...]
    api: str
    careers: str


@dataclass(frozen=True, slots=True)
class _Unsupported:
    host: re.Pattern[str]
    path: re.Pattern[str] | None
    says: str


@dataclass(frozen=True, slots=True)
class _Data:
    kinds: dict[str, dict[str, Any]]
    patterns: tuple[_Pattern, ...]
    unsupported: tuple[_Unsupported, ...]


@lru_cache(maxsize=1)
def _data() -> _Data:
    """The URL knowledge, compiled once."""
    raw = tomllib.loads(files("parsers").joinpath("data/ats_urls.toml").read_text("utf-8"))
    kinds: dict[str, dict[str, Any]] = raw["kinds"]
    patterns = tuple(
        _Pattern(
            kind=entry["kind"],
            host=re.compile(entry["host"]),
            path=re.compile(entry["path"]) if entry.get("path") else None,
            query=tuple(entry.get("query", {}).items()),
            api=entry.get("api") or kinds[entry["kind"]]["api"],
            careers=entry.get("careers") or kinds[entry["kind"]]["careers"],
        )
        for entry in raw["url"]
    )
    unsupported = tuple(
        _Unsupported(
            re.compile(e["host"]), re.compile(e["path"]) if e.get("path") else None, e["says"]
        )
        for e in raw.get("unsupported", [])
    )
    return _Data(kinds, patterns, unsupported)


KINDS: tuple[str, ...] = tuple(_data().kinds)


def label(kind: str) -> str:
    """The ATS's name as people write it; the kind itself when unknown."""
    return str(_data().kinds.get(kind, {}).get("label", kind))


def _fill(template: str, groups: dict[str, str]) -> str:
    """A template with each group percent-encoded once (URL parts arrive encoded already)."""
    return template.format(**{k: quote(unquote(v), safe="") for k, v in groups.items()})


def _site(kind: str, groups: dict[str, str], api: str = "", careers: str = "") -> CareersSite:
    spec = _data().kinds[kind]
    plain = {k: unquote(v) for k, v in groups.items()}
    return CareersSite(
        kind=kind,
        ident=spec["id_format"].format(**plain),
        api_url=_fill(api or spec["api"], groups),
        careers_url=_fill(careers or spec["careers"], groups),
        name=spec["name"].format(**plain),
    )


def _match(pattern: _Pattern, host: str, path: str, query: dict[str, list[str]]) -> CareersSite:
    """The site a pattern reads from the URL's parts; raises LookupError when it does not fit."""
    found = pattern.host.match(host)
    if not found:
        raise LookupError
    groups = {k: v for k, v in found.groupdict().items() if v}
    if pattern.path is not None:
        in_path = pattern.path.match(path or "/")
        if not in_path:
            raise LookupError
        groups |= {k: v for k, v in in_path.groupdict().items() if v}
    for group, parameter in pattern.query:
        values = [v for v in query.get(parameter, []) if v.strip()]
        if not values:
            raise LookupError
        groups[group] = values[0].strip()
    return _site(pattern.kind, groups, pattern.api, pattern.careers)


def _parts(url: str) -> tuple[str, str, dict[str, list[str]]]:
    text = (url or "").strip()
    if "://" not in text and re.match(r"[A-Za-z][A-Za-z0-9+.-]*:(?!\d)", text):
        raise UnknownCareersSite("not a web address (expected https://...)")
    if "://" not in text:
        text = "https://" + text  # "sabre.wd1.myworkdayjobs.com/SabreJobs" as people paste it
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").lower().rstrip(".")
    except ValueError as exc:
        raise UnknownCareersSite(f"not a URL: {exc}") from None
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise UnknownCareersSite("not a web address (expected https://...)")
    return host, parts.path, parse_qs(parts.query)


def recognise(url: str) -> CareersSite:
    """The job board behind any careers URL of a known ATS: list, job, apply or embed page."""
    host, path, query = _parts(url)
    for pattern in _data().patterns:
        try:
            return _match(pattern, host, path, query)
        except LookupError:
            continue
    for rule in _data().unsupported:
        if rule.host.match(host) and (rule.path is None or rule.path.match(path or "/")):
            raise UnknownCareersSite(rule.says)
    known = ", ".join(label(k) for k in KINDS)
    raise UnknownCareersSite(
        f"{host} is not a career site of a system this can read ({known}); "
        "give the address of the company's job list there"
    )


def site_for(kind: str, board: str) -> CareersSite:
    """A `[[boards]]` entry's site: `board` is the board's id ("acme", "sabre.wd1/SabreJobs")
    or any careers URL of that system. Raises UnknownCareersSite saying what is expected."""
    spec = _data().kinds.get(kind)
    if spec is None:
        raise UnknownCareersSite(
            f"unknown board kind {kind!r} (expected one of {', '.join(KINDS)})"
        )
    text = board.strip()
    found = re.match(spec["id"], text)
    if found:
        return _site(kind, {k: v for k, v in found.groupdict().items() if v})
    if "/" in text or "." in text:
        site = recognise(text)
        if site.kind != kind:
            raise UnknownCareersSite(f"{text} is a {site.label} address, not {spec['label']}")
        return site
    raise UnknownCareersSite(f"{text!r} is no {spec['label']} board name; {spec['hint']}")
