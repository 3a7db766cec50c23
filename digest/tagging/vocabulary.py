"""General English job-title vocabulary the matcher uses to see past wording differences.

Everything here is general knowledge about how job titles are written (abbreviations, spelling
variants, interchangeable phrasings, seniority levels), never a list of particular postings: the
matcher must work on titles nobody has seen yet. A group can extend or replace any part from a TOML
file (`load_vocabulary_toml`) without touching code.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

# Token -> what it may stand for. Several expansions = ambiguous: each one is accepted in a
# title, but an ambiguous abbreviation is never substituted into a role phrase.
ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "mgr": ("manager",),
    "mngr": ("manager",),
    "mgmt": ("management",),
    "sr": ("senior",),
    "snr": ("senior",),
    "jr": ("junior",),
    "vp": ("vice president",),
    "svp": ("senior vice president",),
    "evp": ("executive vice president",),
    "avp": ("assistant vice president",),
    "dir": ("director",),
    "eng": ("engineer", "engineering"),
    "engr": ("engineer",),
    "smm": ("social media marketing",),
    "fp&a": ("financial planning and analysis",),
    "hrbp": ("human resources business partner",),
    "hr": ("human resources",),
    "pm": ("project manager", "product manager", "program manager"),
    "tpm": ("technical program manager",),
    "pmo": ("project management office",),
    "qa": ("quality assurance",),
    "qc": ("quality control",),
    "sqa": ("software quality assurance",),
    "acct": ("accountant", "account", "accounting"),
    "acctg": ("accounting",),
    "admin": ("administrator", "administrative", "administration"),
    "asst": ("assistant",),
    "assoc": ("associate",),
    "coord": ("coordinator",),
    "dev": ("developer", "development"),
    "ops": ("operations",),
    "mktg": ("marketing",),
    "mkt": ("marketing",),
    "marcom": ("marketing communications",),
    "marcomm": ("marketing communications",),
    "comms": ("communications",),
    "rep": ("representative",),
    "spec": ("specialist",),
    "tech": ("technician", "technology", "technical"),
    "it": ("information technology",),
    "mis": ("management information systems",),
    "pr": ("public relations",),
    "seo": ("search engine optimization",),
    "sem": ("search engine marketing",),
    "ppc": ("pay per click",),
    "ux": ("user experience",),
    "ui": ("user interface",),
    "ad": ("advertising",),
    "ads": ("advertising",),
    "cfo": ("chief financial officer",),
    "cio": ("chief information officer",),
    "cto": ("chief technology officer",),
    "cmo": ("chief marketing officer",),
    "coo": ("chief operating officer",),
    "ceo": ("chief executive officer",),
    "chro": ("chief human resources officer",),
    "ciso": ("chief information security officer",),
    "cpa": ("certified public accountant",),
    "dba": ("database administrator",),
    "sde": ("software development engineer",),
    "sdet": ("software development engineer in test",),
    "swe": ("software engineer",),
    "sre": ("site reliability engineer",),
    "sysadmin": ("systems administrator",),
    "l&d": ("learning and development",),
    "t&d": ("training and development",),
    "r&d": ("research and development",),
    "o&m": ("operations and maintenance",),
    "ap": ("accounts payable",),
    "ar": ("accounts receivable",),
    "bd": ("business development",),
    "bizdev": ("business development",),
    "bdm": ("business development manager",),
    "bdr": ("business development representative",),
    "sdr": ("sales development representative",),
    "ae": ("account executive",),
    "kam": ("key account manager",),
    "csm": ("customer success manager",),
    "csr": ("customer service representative",),
    "scm": ("supply chain management",),
    "hris": ("human resources information system",),
    "gm": ("general manager",),
    "sys": ("systems",),
    "db": ("database",),
    "sw": ("software",),
    "hw": ("hardware",),
    "info": ("information",),
    "infosec": ("information security",),
    "cyber": ("cybersecurity",),
    "mfg": ("manufacturing",),
    "mech": ("mechanical",),
    "elec": ("electrical",),
    "env": ("environmental",),
    "proj": ("project",),
    "prog": ("program",),
    "purch": ("purchasing",),
    "whse": ("warehouse",),
    "fin": ("finance", "financial"),
    "exec": ("executive",),
    "svc": ("service",),
    "svcs": ("services",),
    "cust": ("customer",),
    "supv": ("supervisor",),
    "supvr": ("supervisor",),
    "supt": ("superintendent",),
    "ehs": ("environmental health and safety",),
    "hse": ("health safety and environment",),
    "bi": ("business intelligence",),
    "ml": ("machine learning",),
    "erp": ("enterprise resource planning",),
    "gis": ("geographic information systems",),
    # Compounds written as one word: split so they meet their spaced forms.
    "salesperson": ("sales person",),
    "salespeople": ("sales person",),
    "salesman": ("sales person",),
    "salesmen": ("sales person",),
    "saleswoman": ("sales person",),
    "helpdesk": ("help desk",),
    "webmaster": ("web master",),
    "frontend": ("front end",),
    "backend": ("back end",),
    "fullstack": ("full stack",),
    "cybersecurity": ("cyber security",),
    "presales": ("pre sales",),
    "bookkeeping": ("book keeping",),
    "bookkeeper": ("book keeper",),
}

# British (and other) spellings -> the spelling used for matching.
SPELLINGS: dict[str, str] = {
    "labour": "labor",
    "programme": "program",
    "programmes": "programs",
    "organisation": "organization",
    "organisational": "organizational",
    "centre": "center",
    "optimisation": "optimization",
    "analyse": "analyze",
    "licence": "license",
    "defence": "defense",
    "catalogue": "catalog",
    "behaviour": "behavior",
    "colour": "color",
    "cheque": "check",
    "modelling": "modeling",
    "travelling": "traveling",
}

# Phrases that name the same job in practice. A role containing one of them also matches titles
# written with any other member of its group.
SYNONYMS: tuple[tuple[str, ...], ...] = (
    # information technology
    (
        "software engineer",
        "software developer",
        "programmer",
        "software programmer",
        "application developer",
        "applications developer",
        "coder",
    ),
    (
        "web developer",
        "web programmer",
        "front end developer",
        "full stack developer",
        "web master",
    ),
    ("systems administrator", "system administrator", "sysadmin", "server administrator"),
    ("help desk", "service desk"),
    (
        "desktop support",
        "it support",
        "technical support",
        "computer support",
        "user support",
        "computer technician",
        "pc technician",
        "it technician",
        "it specialist",
    ),
    ("network administrator", "network specialist", "network technician", "lan administrator"),
    ("cybersecurity", "information security", "it security", "network security"),
    ("information security analyst", "cybersecurity analyst", "it security analyst"),
    ("information technology", "information systems"),
    ("systems analyst", "it analyst", "applications analyst"),
    (
        "data engineer",
        "etl developer",
        "data warehouse developer",
        "data warehouse engineer",
        "big data engineer",
    ),
    (
        "database administrator",
        "database engineer",
        "database architect",
        "database analyst",
        "database developer",
        "database specialist",
    ),
    (
        "qa engineer",
        "qa analyst",
        "qa tester",
        "software test engineer",
        "test automation engineer",
        "automation tester",
        "software quality engineer",
    ),
    ("software tester", "qa tester"),
    (
        "devops engineer",
        "site reliability engineer",
        "platform engineer",
        "build engineer",
        "release engineer",
    ),
    (
        "solutions architect",
        "solution architect",
        "enterprise architect",
        "technical architect",
        "systems architect",
        "it architect",
        "software architect",
        "cloud architect",
    ),
    (
        "ux designer",
        "ui designer",
        "user experience designer",
        "interaction designer",
        "ux researcher",
    ),
    ("web designer", "web design specialist"),
    # finance and accounting
    ("controller", "comptroller", "financial controller"),
    ("accountant", "certified public accountant"),
    (
        "bookkeeper",
        "accounting clerk",
        "bookkeeping clerk",
        "account clerk",
        "accounting assistant",
        "accounting technician",
    ),
    (
        "accountant",
        "staff accountant",
        "accounting specialist",
        "accounting associate",
        "accounting officer",
    ),
    ("accounts payable", "payables"),
    ("accounts receivable", "receivables"),
    ("financial analyst", "finance analyst", "financial planning analyst"),
    (
        "tax accountant",
        "tax specialist",
        "tax preparer",
        "tax consultant",
        "tax advisor",
        "tax associate",
    ),
    ("auditor", "audit associate", "audit senior"),
    (
        "investment analyst",
        "equity analyst",
        "equity research analyst",
        "securities analyst",
        "portfolio analyst",
        "portfolio manager",
        "investment manager",
        "quantitative analyst",
    ),
    ("finance", "financial"),
    # human resources
    ("human resources", "personnel"),
    ("hr generalist", "hr specialist", "hr representative", "hr associate", "hr officer"),
    ("hr business partner", "people partner"),
    (
        "recruiter",
        "recruitment specialist",
        "recruiting specialist",
        "talent acquisition specialist",
        "talent sourcer",
        "headhunter",
        "recruitment consultant",
        "staffing specialist",
    ),
    ("talent acquisition", "recruiting", "recruitment", "staffing"),
    (
        "training and development",
        "learning and development",
        "training",
        "talent development",
        "employee development",
        "corporate trainer",
    ),
    ("labor relations", "industrial relations"),
    ("people operations", "people and culture", "hr operations"),
    ("hris analyst", "hr systems analyst", "hris specialist"),
    ("compensation analyst", "total rewards analyst"),
    # marketing
    ("digital marketing", "online marketing", "internet marketing", "web marketing"),
    ("social media marketing", "social media"),
    (
        "market research analyst",
        "market analyst",
        "market researcher",
        "marketing analyst",
        "market research specialist",
    ),
    ("seo specialist", "sem specialist", "search marketing specialist", "paid search specialist"),
    ("public relations", "media relations", "public affairs"),
    ("content marketing", "content strategist"),
    ("growth marketing", "growth hacker"),
    ("email marketing", "lifecycle marketing", "crm marketing"),
    ("communications manager", "corporate communications manager"),
    # sales
    (
        "sales representative",
        "sales person",
        "sales consultant",
        "sales executive",
        "sales professional",
    ),
    ("sales engineer", "pre sales engineer", "solutions engineer", "technical sales engineer"),
    ("territory manager", "territory sales manager", "area sales manager"),
    (
        "key account manager",
        "key account executive",
        "strategic account manager",
        "national account manager",
        "major account manager",
        "global account manager",
    ),
    ("vice president of sales", "chief sales officer", "head of sales"),
    # supply chain and operations
    ("logistics manager", "transportation manager", "traffic manager", "freight manager"),
    ("procurement", "purchasing"),
    ("procurement manager", "sourcing manager", "category manager", "commodity manager"),
    (
        "buyer",
        "purchasing agent",
        "purchaser",
        "procurement specialist",
        "procurement agent",
        "purchasing specialist",
        "sourcing specialist",
    ),
    ("warehouse manager", "distribution center manager", "fulfillment center manager"),
    (
        "inventory analyst",
        "inventory control analyst",
        "inventory planner",
        "inventory control specialist",
    ),
    (
        "demand planner",
        "demand planning analyst",
        "forecast analyst",
        "supply planner",
        "materials planner",
        "production planner",
        "supply chain planner",
    ),
    ("production manager", "manufacturing manager"),
    ("plant manager", "factory manager", "mill manager"),
    # project and program management
    ("scrum master", "agile coach"),
    ("project coordinator", "project administrator", "project assistant"),
    ("pmo director", "project management office director"),
)

# Head nouns that name the same kind of job at a different level or flavour. A role generalises
# to a sibling head only when the sub-group itself lists a role with that head (or when the
# matcher is told to generalise always), because "Marketing Manager" does not by itself mean
# the group wants directors.
HEAD_FAMILIES: tuple[tuple[str, ...], ...] = (
    ("manager", "director", "head", "lead", "leader", "supervisor", "vice president", "chief"),
    ("specialist", "analyst", "consultant", "strategist", "coordinator", "associate", "advisor"),
    ("engineer", "developer", "programmer"),
    ("administrator", "admin"),
)

# Head-noun families of different levels: a group listing "Compensation Analyst" and any
# "... Manager" role also wants a "Compensation Manager" (lower score; only heads it lists).
LEVEL_FAMILIES: tuple[tuple[str, ...], ...] = (
    ("manager", "director", "head", "supervisor", "vice president"),
    (
        "specialist",
        "analyst",
        "consultant",
        "strategist",
        "coordinator",
        "associate",
        "advisor",
        "administrator",
        "generalist",
        "officer",
    ),
)

# Modifiers that are interchangeable in front of given heads, for a sub-group that lists several of
# them with the same head: a group after "Mechanical/Electrical/Civil Engineer" also wants a
# "Petroleum Engineer". Each family is (heads, modifiers).
MODIFIER_FAMILIES: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (
        ("engineer",),
        (
            "mechanical",
            "electrical",
            "civil",
            "chemical",
            "industrial",
            "manufacturing",
            "process",
            "aerospace",
            "aeronautical",
            "structural",
            "environmental",
            "agricultural",
            "biomedical",
            "electronics",
            "geotechnical",
            "marine",
            "materials",
            "metallurgical",
            "mining",
            "nuclear",
            "petroleum",
            "transportation",
            "traffic",
            "hydraulic",
            "automotive",
            "controls",
            "instrumentation",
            "reliability",
            "safety",
            "fire protection",
            "energy",
            "optical",
            "power",
            "hardware",
            "packaging",
            "water resources",
            "geological",
            "automation",
            "robotics",
            "rf",
            "avionics",
            "drilling",
            "reservoir",
            "acoustic",
            "welding",
            "tooling",
            "hvac",
            "plumbing",
            "geomatics",
            "biochemical",
            "ceramic",
        ),
    ),
    (
        ("engineer", "developer"),
        (
            "software",
            "web",
            "data",
            "network",
            "cloud",
            "devops",
            "database",
            "security",
            "qa",
            "front end",
            "back end",
            "full stack",
            "mobile",
            "ios",
            "android",
            "java",
            "python",
            "javascript",
            "platform",
            "site reliability",
            "machine learning",
            "salesforce",
            "sql",
            "etl",
            "big data",
            "cybersecurity",
            "ux",
            "ui",
            "game",
            "php",
            "ruby",
            "golang",
            "react",
            "angular",
            "node",
            "kubernetes",
            "aws",
            "azure",
        ),
    ),
)

STOPWORDS: frozenset[str] = frozenset(
    {"a", "an", "and", "the", "of", "for", "to", "in", "on", "at", "with", "or", "&", "+", "/"}
)

# Plural forms that are a different word from their singular (securities are not security).
NO_STEM: frozenset[str] = frozenset(
    {"securities", "physics", "news", "always", "its", "is", "was", "has", "this", "us", "ups"}
)


@dataclass(frozen=True)
class Vocabulary:
    """What the matcher treats as equivalent; build with `load_vocabulary_toml` or `default()`."""

    abbreviations: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    spellings: Mapping[str, str] = field(default_factory=dict)
    synonyms: tuple[tuple[str, ...], ...] = ()
    head_families: tuple[tuple[str, ...], ...] = ()
    modifier_families: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = ()
    level_families: tuple[tuple[str, ...], ...] = ()
    stopwords: frozenset[str] = frozenset()
    no_stem: frozenset[str] = frozenset()

    @classmethod
    def default(cls) -> Vocabulary:
        return cls(
            abbreviations=dict(ABBREVIATIONS),
            spellings=dict(SPELLINGS),
            synonyms=SYNONYMS,
            head_families=HEAD_FAMILIES,
            modifier_families=MODIFIER_FAMILIES,
            level_families=LEVEL_FAMILIES,
            stopwords=STOPWORDS,
            no_stem=NO_STEM,
        )

    @classmethod
    def empty(cls) -> Vocabulary:
        """No knowledge at all: handy to measure what the vocabulary adds."""
        return cls(stopwords=STOPWORDS, no_stem=NO_STEM)


def _str_tuple(value: object, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{where}: expected a string or a list of strings")
    return tuple(value)


def _groups(value: object, where: str) -> tuple[tuple[str, ...], ...]:
    if not isinstance(value, list):
        raise ValueError(f"{where}: expected a list of lists of strings")
    return tuple(_str_tuple(g, f"{where}[{i}]") for i, g in enumerate(value))


def load_vocabulary_toml(data: str, base: Vocabulary | None = None) -> Vocabulary:
    """Extend (or with `replace = true`, replace) the default vocabulary from TOML text.

    Format::

        replace = false                 # true: start from an empty vocabulary
        stopwords = ["of", "and"]
        no_stem = ["securities"]
        synonyms = [["controller", "comptroller"]]
        head_families = [["manager", "director"]]
        level_families = [["manager", "director"], ["analyst", "specialist"]]
        modifier_families = [{heads = ["engineer"], modifiers = ["mechanical", "civil"]}]
        [abbreviations]
        mgr = "manager"                 # or a list for an ambiguous abbreviation
        [spellings]
        labour = "labor"

    Raises ValueError with the offending key when the text is not of that shape.
    """
    try:
        raw = tomllib.loads(data)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"vocabulary: {exc}") from exc
    vocab = Vocabulary.empty() if raw.get("replace") else (base or Vocabulary.default())
    abbreviations = dict(vocab.abbreviations)
    for key, value in _table(raw, "abbreviations").items():
        abbreviations[key.casefold()] = _str_tuple(value, f"abbreviations.{key}")
    spellings = dict(vocab.spellings)
    for key, value in _table(raw, "spellings").items():
        spellings[key.casefold()] = _str_tuple(value, f"spellings.{key}")[0]
    return replace(
        vocab,
        abbreviations=abbreviations,
        spellings=spellings,
        synonyms=vocab.synonyms + _groups(raw.get("synonyms", []), "synonyms"),
        head_families=vocab.head_families + _groups(raw.get("head_families", []), "head_families"),
        modifier_families=vocab.modifier_families + _families(raw.get("modifier_families", [])),
        level_families=vocab.level_families
        + _groups(raw.get("level_families", []), "level_families"),
        stopwords=vocab.stopwords | frozenset(_str_tuple(raw.get("stopwords", []), "stopwords")),
        no_stem=vocab.no_stem | frozenset(_str_tuple(raw.get("no_stem", []), "no_stem")),
    )


def _families(value: object) -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ValueError("modifier_families: expected a list of {heads, modifiers} tables")
    return tuple(
        (
            _str_tuple(v.get("heads", []), f"modifier_families[{i}].heads"),
            _str_tuple(v.get("modifiers", []), f"modifier_families[{i}].modifiers"),
        )
        for i, v in enumerate(value)
    )


def _table(raw: dict[str, object], key: str) -> dict[str, object]:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise ValueError(f"{key}: expected a table")
    return value
