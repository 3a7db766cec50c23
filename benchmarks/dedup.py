"""Dedup quality: pairwise precision and recall of `parsers.fingerprint.same_job`.

Run from the repo root: `python -m benchmarks.dedup [--generate] [--show N]`.

The labelled set, benchmarks/data/dedup_pairs.jsonl, holds pairs of postings as sources print
them and whether they are one job. It is generated with a fixed seed from real titles (O*NET
reported titles in ../shared/corpus/titles) and realistic employers and places
(benchmarks/data/dedup_seeds.toml): `--generate` rewrites it (needs the corpus); without it the
committed file is scored, so the figures reproduce anywhere.

Same job ("same": true): one posting written by different sources - abbreviations (Sr./Mgr),
levels (II/2), work arrangement, place and requisition-id tails, word order ("Manager, Brand"),
case, company legal forms ("Sabre" / "Sabre Corporation"), place spellings ("Dallas, Texas,
United States"), a missing place, and URLs across mirrors (a LinkedIn card or redirect whose
apply link is the employer's ATS URL, tracking parameters, Safe Links).

Not the same job: true near-misses - a seniority or level word more or less ("Brand Manager" /
"Associate Brand Manager", "Engineer II" / "Engineer III"), a related title at the same
employer ("Data Engineer" / "Senior Data Analyst"), the same title at another employer or in
another city, and two requisitions with the same title on one ATS.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from benchmarks.common import print_values
from parsers.fingerprint import same_job

ROOT = Path(__file__).resolve().parent.parent
TITLES_DIR = ROOT.parent / "shared" / "corpus" / "titles"
DATA = Path(__file__).resolve().parent / "data"
PAIRS = DATA / "dedup_pairs.jsonl"
SEEDS = DATA / "dedup_seeds.toml"
SEED = 20261123
BASES = 700

TARGET_PRECISION = 0.99
TARGET_RECALL = 0.90

_ROLE_NOUN = re.compile(
    r"\b(manager|engineer|analyst|director|specialist|coordinator|assistant|developer|designer|"
    r"accountant|consultant|representative|associate|administrator|officer|technician|"
    r"supervisor|buyer|planner|scientist|architect|recruiter|controller|auditor|nurse)\b",
    re.I,
)
_SENIORITY = ("Senior", "Associate", "Assistant", "Lead", "Principal", "Junior", "Chief", "Head")


@dataclass(frozen=True, slots=True)
class Place:
    city: str
    code: str
    state: str


# --- generating --------------------------------------------------------------------------------


def _load_titles() -> list[str]:
    """Reported titles a board would show: 2-5 plain words, naming a role."""
    path = TITLES_DIR / "Sample_of_Reported_Titles.txt"
    lines = path.read_text(encoding="utf-8").splitlines()[1:]
    titles = {line.split("\t")[1].strip() for line in lines if "\t" in line}
    return sorted(
        t
        for t in titles
        if 2 <= len(t.split()) <= 5 and re.fullmatch(r"[A-Za-z &/-]+", t) and _ROLE_NOUN.search(t)
    )


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _ats_url(rng: random.Random, company: str, title: str, place: Place) -> str:
    """An employer's posting on one of the common applicant-tracking systems."""
    board = _slug(re.sub(r",? (?:Inc|LLC|Corporation|Corp|Co|plc|LLP|SE|AG)\.?$", "", company))
    board = board.replace("-", "")[:20] or "employer"
    kind = rng.choice(("greenhouse", "lever", "workday", "icims", "smartrecruiters"))
    if kind == "greenhouse":
        return f"https://boards.greenhouse.io/{board}/jobs/{rng.randint(1_000_000, 9_999_999)}"
    if kind == "lever":
        uuid = "-".join(
            "".join(rng.choice("0123456789abcdef") for _ in range(n)) for n in (8, 4, 4, 4, 12)
        )
        return f"https://jobs.lever.co/{board}/{uuid}"
    if kind == "workday":
        where = f"{place.city.replace(' ', '-')}-{place.code}"
        words = title.replace(" ", "-")
        return (
            f"https://{board}.wd{rng.randint(1, 5)}.myworkdayjobs.com/en-US/External/job/"
            f"{where}/{words}_R{rng.randint(10_000, 99_999)}"
        )
    if kind == "icims":
        return f"https://careers-{board}.icims.com/jobs/{rng.randint(10_000, 99_999)}/{_slug(title)}/job"
    number = rng.randint(700_000_000_000_000, 799_999_999_999_999)
    return f"https://jobs.smartrecruiters.com/{board.capitalize()}/{number}-{_slug(title)}"


def _linkedin(rng: random.Random) -> str:
    return f"https://www.linkedin.com/jobs/view/{rng.randint(3_000_000_000, 4_999_999_999)}/"


def _indeed(rng: random.Random) -> str:
    return f"https://www.indeed.com/viewjob?jk={rng.getrandbits(64):016x}"


def _mirror(rng: random.Random, ats: str) -> str:
    """The same ATS posting reached another way: tracking added, wrapped by a redirector or by
    LinkedIn's apply link."""
    choice = rng.randrange(4)
    if choice == 0:
        sep = "&" if "?" in ats else "?"
        return f"{ats}{sep}utm_source=linkedin&utm_medium=jobs&gh_src=a1b2c3&lever-source=LinkedIn"
    if choice == 1:
        job = rng.randint(3_000_000_000, 4_999_999_999)
        return f"https://www.linkedin.com/jobs/view/externalApply/{job}?url={quote(ats, safe='')}"
    if choice == 2:
        return (
            "https://nam12.safelinks.protection.outlook.com/?url="
            f"{quote(ats, safe='')}&data=05%7C02%7C&reserved=0"
        )
    return f"https://www.google.com/url?q={quote(ats, safe='')}&sa=D&ust=1700000000000000"


_ABBREVIATIONS = (
    ("Senior", ("Sr.", "Sr", "Snr")),
    ("Manager", ("Mgr", "Mgr.")),
    ("Director", ("Dir.",)),
    ("Associate", ("Assoc.",)),
    ("Assistant", ("Asst.",)),
    ("Vice President", ("VP",)),
    ("Engineer", ("Engr", "Eng.")),
    ("Administrator", ("Admin",)),
    ("Coordinator", ("Coord.",)),
    ("Representative", ("Rep",)),
    ("Marketing", ("Mktg",)),
    ("Operations", ("Ops",)),
    ("Human Resources", ("HR",)),
    (" and ", (" & ",)),
)


def _title_variant(rng: random.Random, title: str, place: Place) -> str:
    """The same job title as another source writes it."""
    out = title
    for _ in range(rng.randint(1, 3)):
        move = rng.randrange(7)
        if move == 0:
            found = [(a, b) for a, b in _ABBREVIATIONS if re.search(rf"\b{a}\b", out)]
            if found:
                long, shorts = rng.choice(found)
                out = re.sub(rf"\b{long}\b", rng.choice(shorts), out, count=1)
        elif move == 1:
            out += rng.choice((" - Remote", " – Remote", " (Remote)", " (Hybrid)", " - Hybrid"))
        elif move == 2:
            out += rng.choice(
                (
                    f" - {place.city}",
                    f" - {place.city}, {place.code}",
                    f" ({place.city}, {place.code})",
                    f" – {place.city}, {place.state}",
                )
            )
        elif move == 3:
            out += rng.choice(
                (
                    f" (R{rng.randint(10_000, 99_999)})",
                    f" - JR{rng.randint(100_000, 999_999)}",
                    f" #{rng.randint(1_000, 99_999)}",
                    f" [REQ-{rng.randint(1_000, 99_999)}]",
                )
            )
        elif move == 4:
            out = rng.choice((out.upper(), out.lower(), out.title()))
        elif move == 5:
            words = out.split()
            if 2 <= len(words) <= 3 and _ROLE_NOUN.fullmatch(words[-1]):
                out = f"{words[-1]}, {' '.join(words[:-1])}"
        else:
            for roman, digit in ((" III", " 3"), (" II", " 2")):
                if out.endswith(roman):
                    out = out[: -len(roman)] + rng.choice((digit, f" Level{roman}"))
                    break
    return out


def _company_variant(rng: random.Random, company: str, aliases: dict[str, list[str]]) -> str:
    """The same employer as another source names it: legal form, case, or a short name."""
    if company in aliases and rng.random() < 0.5:
        return rng.choice(aliases[company])
    move = rng.randrange(5)
    bare = re.sub(
        r",? (?:Inc|LLC|LLP|Corporation|Corp|Incorporated|Co|Company|plc|p\.l\.c|SE|AG|GmbH|"
        r"S\.A|Limited)\.?$",
        "",
        company,
    )
    if move == 0:
        return bare
    if move == 1:
        return company.upper()
    if move == 2:
        return (
            company.replace("Corporation", "Corp.")
            .replace("Incorporated", "Inc.")
            .replace("Company", "Co.")
            .replace(", Inc.", " Inc")
        )
    if move == 3:
        return bare.removeprefix("The ")
    return f"{bare}, Inc." if bare == company else company


def _place_variant(rng: random.Random, place: Place) -> str:
    """The same place as another source prints it (or not at all)."""
    return rng.choice(
        (
            f"{place.city}, {place.code}",
            f"{place.city}, {place.state}",
            f"{place.city}, {place.code}, United States",
            f"{place.city}, {place.state}, US",
            f"{place.city}, {place.code} {rng.randint(10_000, 99_999)}",
            f"Hybrid work in {place.city}, {place.code}",
            f"{place.city}, {place.code} (Hybrid)",
            "",
        )
    )


def _posting(title: str, company: str, location: str, url: str) -> dict[str, str]:
    return {"title": title, "company": company, "location": location, "url": url}


def _base_title(rng: random.Random, titles: list[str]) -> str:
    title = rng.choice(titles)
    if rng.random() < 0.15 and not title.endswith((" I", " II", " III")):
        title += rng.choice((" II", " III"))
    return title


def _positive(
    rng: random.Random, title: str, company: str, place: Place, pools: dict[str, Any]
) -> dict[str, Any]:
    ats = _ats_url(rng, company, title, place)
    side = rng.randrange(4)
    other = (_linkedin(rng), _indeed(rng), _mirror(rng, ats), "")[side]
    kind = ("linkedin-card", "indeed-card", "mirror-url", "no-url")[side]
    a = _posting(title, company, f"{place.city}, {place.code}", ats)
    b = _posting(
        _title_variant(rng, title, place),
        _company_variant(rng, company, pools["aliases"]),
        _place_variant(rng, place),
        other,
    )
    return {"a": a, "b": b, "same": True, "kind": kind}


def _near_title(rng: random.Random, title: str, titles: list[str]) -> tuple[str, str]:
    """(another title, why): a seniority or level word more or less, or a related title."""
    words = title.split()
    move = rng.randrange(3)
    if move == 0:
        head = words[0]
        if head in _SENIORITY:
            choices = [s for s in _SENIORITY if s != head] + [""]
            new = rng.choice(choices)
            return (f"{new} {' '.join(words[1:])}".strip(), "seniority")
        return f"{rng.choice(_SENIORITY)} {title}", "seniority"
    if move == 1:
        for roman, other in ((" II", " III"), (" III", " II")):
            if title.endswith(roman):
                return title[: -len(roman)] + other, "level"
        return f"{title} {rng.choice(('II', 'III'))}", "level"
    last = words[-1]
    related = [t for t in titles if t != title and (last in t.split() or words[0] in t.split())]
    return (rng.choice(related) if related else f"Senior {title}"), "related-title"


def _negative(
    rng: random.Random, title: str, company: str, place: Place, pools: dict[str, Any]
) -> dict[str, Any]:
    """A true near-miss: one fact that makes it another job, the rest written as a variant."""
    move = rng.randrange(6)
    a_url = _ats_url(rng, company, title, place)
    b_title, b_company, b_place, b_url = title, company, place, _linkedin(rng)
    kind = ""
    if move <= 2:
        b_title, kind = _near_title(rng, title, pools["titles"])
    elif move == 3:
        b_company = rng.choice([c for c in pools["companies"] if c != company])
        kind = "other-company"
    elif move == 4:
        b_place = rng.choice([p for p in pools["places"] if p.city != place.city])
        kind = "other-city"
    else:
        b_url = _ats_url(rng, company, title, place)
        while b_url.split("/")[2] != a_url.split("/")[2]:
            b_url = _ats_url(rng, company, title, place)
        kind = "other-requisition"
    a = _posting(title, company, f"{place.city}, {place.code}", a_url)
    b = _posting(
        _title_variant(rng, b_title, b_place) if rng.random() < 0.5 else b_title,
        _company_variant(rng, b_company, pools["aliases"]),
        _place_variant(rng, b_place) or f"{b_place.city}, {b_place.code}",
        b_url,
    )
    return {"a": a, "b": b, "same": False, "kind": kind}


def generate(bases: int = BASES, seed: int = SEED) -> list[dict[str, Any]]:
    """The labelled pairs, from real titles and the seed employers and places."""
    rng = random.Random(seed)
    seeds = tomllib.loads(SEEDS.read_text(encoding="utf-8"))
    pools = {
        "titles": _load_titles(),
        "companies": list(seeds["companies"]),
        "places": [Place(*p) for p in seeds["places"]],
        "aliases": {str(k): list(v) for k, v in seeds.get("aliases", {}).items()},
    }
    pairs: list[dict[str, Any]] = []
    for _ in range(bases):
        title = _base_title(rng, pools["titles"])
        company = rng.choice(pools["companies"])
        place = rng.choice(pools["places"])
        pairs.append(_positive(rng, title, company, place, pools))
        pairs.append(_negative(rng, title, company, place, pools))
    return pairs


# --- scoring -----------------------------------------------------------------------------------


def score(pairs: list[dict[str, Any]]) -> dict[str, Any]:
    """Pairwise precision and recall of same_job, and the misses by kind."""
    tp = fp = fn = tn = 0
    misses: Counter[str] = Counter()
    wrong: list[dict[str, Any]] = []
    for pair in pairs:
        said = same_job(pair["a"], pair["b"])
        if said and pair["same"]:
            tp += 1
        elif said:
            fp += 1
        elif pair["same"]:
            fn += 1
        else:
            tn += 1
        if said != pair["same"]:
            misses[pair["kind"]] += 1
            wrong.append(pair)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return {
        "pairs": len(pairs),
        "same-job pairs": tp + fn,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "false merges": fp,
        "missed merges": fn,
        "misses by kind": dict(sorted(misses.items())),
        "_wrong": wrong,
    }


def load_pairs(path: Path = PAIRS) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def write_pairs(pairs: list[dict[str, Any]], path: Path = PAIRS) -> None:
    lines = [json.dumps(p, ensure_ascii=False, sort_keys=True) for p in pairs]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def run(quick: bool = False) -> dict[str, Any]:
    """The benchmark entry for `python -m benchmarks`: scores the committed set."""
    result = score(load_pairs())
    result.pop("_wrong")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.dedup", description=__doc__)
    parser.add_argument("--generate", action="store_true", help="rewrite the labelled set")
    parser.add_argument("--show", type=int, default=0, help="print N wrongly judged pairs")
    args = parser.parse_args(argv)
    if args.generate:
        if not (TITLES_DIR / "Sample_of_Reported_Titles.txt").exists():
            print(f"cannot generate: {TITLES_DIR} is missing (the O*NET titles corpus)")
            return 1
        write_pairs(generate())
        print(f"wrote {PAIRS.relative_to(ROOT)}")
    result = score(load_pairs())
    wrong = result.pop("_wrong")
    print_values(
        "dedup (parsers.fingerprint.same_job)",
        result,
        f"precision >= {TARGET_PRECISION}, recall >= {TARGET_RECALL}",
    )
    for pair in wrong[: args.show]:
        print(json.dumps(pair, ensure_ascii=False))
    met = result["precision"] >= TARGET_PRECISION and result["recall"] >= TARGET_RECALL
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
