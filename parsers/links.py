"""Finding job links in text, unwrapping redirectors and canonicalizing URLs.

The same posting reaches the inbox as a LinkedIn `/comm/` link, a SafeLinks-wrapped link, an
Indeed `rc/clk` click and a clean `viewjob` URL. Dedup needs one form per posting, so the
known boards and applicant-tracking systems get a fixed canonical URL and a `job_id_key`.

Which hosts are boards and applicant-tracking systems, where their posting ids sit (path,
query or fragment) and which employer a link names is data: parsers/data/ats_hosts.toml.
Company career sites (careers.acme.com/..., acme.com/careers/.../<id>, /jobs/<id>) are
recognised by their shape. A link whose own words say "job" ("Apply: <url>", "Job posting:
<url>") is a job link even when its URL has no such shape (`is_job_link`).

Interface (stable):
    find_urls(text: str) -> list[str]
    unwrap_redirect(url: str) -> str
    canonicalize_url(url: str) -> str
    is_job_url(url: str) -> bool
    job_id_key(url: str) -> str | None
    title_from_url(url: str) -> tuple[str, str]     # (title, company) read from a URL slug
    web_link(url: str) -> str                       # the URL if it may be a link, else ""
    is_job_link(url: str, label: str) -> bool       # is_job_url, or a link labelled as a job
    company_from_url(url: str) -> str               # the employer an ATS or careers link names
"""

from __future__ import annotations

import base64
import binascii
import html
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, wraps
from importlib.resources import files
from typing import TypeVar
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url as _w3_canonicalize

R = TypeVar("R")

_URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"'`\[\]{}|\\^]+", re.IGNORECASE)
_TRAILING = ".,;:!?*'\"»”’)"
_MAX_UNWRAP = 6
_MAX_URL = 4096

#: Query parameters that only say who sent the click; never part of a posting's identity.
_TRACKING_PARAMS = frozenset(
    {
        "trackingid", "refid", "gclid", "fbclid", "msclkid", "dclid", "yclid", "mc_cid",
        "mc_eid", "trk", "trkinfo", "trkemail", "src", "source", "ref", "referrer", "ref_src",
        "gh_src", "lever-source", "lever-origin", "lever-via", "_hsenc", "_hsmi", "mkt_tok",
        "ocid", "cmpid", "eid", "lipi", "midtoken", "midsig", "otptoken", "alertaction",
        "origin", "from", "tk", "sjdu", "acatk", "xkcb", "iaid", "igshid", "campaign",
        "campaignid", "emailtype", "recommendedflavor", "share_id", "shareid", "_ga", "_gl",
        "s_kwcid", "iis", "iisn", "promotion", "jvs", "jvst", "jvsd",
    }
)  # fmt: skip
_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "vero_", "oly_", "__hs", "li_", "ttc", "__jv")
#: Redirector query parameters that may carry the real destination.
_TARGET_PARAMS = ("url", "u", "q", "redirect", "redirect_url", "redirecturl", "redir", "target",
                  "dest", "destination", "link", "goto", "to", "r", "next", "href", "l", "uri",
                  "out", "rurl", "continue")  # fmt: skip
_BASE64_RE = re.compile(r"^[A-Za-z0-9_\-+/]{16,}={0,2}$")

_NOT_JOB_PATH_RE = re.compile(
    r"unsubscribe|optout|opt-out|/settings|/preferences|/psettings|email-?pref|/help\b|/help/|"
    r"/support\b|/legal|privacy|/terms|/cookie|/login|/signin|/sign-in|/signup|/sign-up|"
    r"/register|/logout|/account|/profile|/feedback|/notifications|/mynetwork|/messaging|"
    r"/company/|/school/|/in/|/pub/|/feed\b|/about-?us|/contact|/press|/blog/|/news/|"
    r"\.(png|jpe?g|gif|svg|webp|ico|css|js|woff2?|pdf)$|/pixel|/open\b|/track/open|/beacon",
    re.IGNORECASE,
)
_JOB_WORD_RE = re.compile(
    r"job|career|position|opening|vacanc|requisition|posting|opportunit|recruit|hiring|"
    r"stellen|empleo|emploi|vacature",
    re.IGNORECASE,
)
_SEARCH_PATH_RE = re.compile(r"/(search|results|alerts?|saved|browse|categories|locations)\b", re.I)
_ID_PARAMS = ("jobid", "job_id", "jid", "gh_jid", "ashby_jid", "req", "reqid", "requisitionid",
              "jobreqid", "jobpostingid", "postingid", "vacancyid", "id", "jk", "jl", "job",
              "jobnumber", "openingid", "pid", "lvk", "jobcode")  # fmt: skip
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


# --- what may be a link -------------------------------------------------------------------------

#: characters that never belong in a link we show: whitespace, quotes, angle brackets, controls
_UNSAFE_IN_LINK = re.compile(r"[\s\"<>`\\\x00-\x1f\x7f]")


@lru_cache(maxsize=8192)
def web_link(url: str) -> str:
    """The URL, trimmed, if it is a plain http(s) link with a host; "" for javascript:, data:,
    vbscript:, relative paths and anything with whitespace, double quotes, backslashes or
    control characters.
    Postings are stored and rendered only with links that pass this."""
    url = (url or "").strip()
    if not url or len(url) > _MAX_URL or _UNSAFE_IN_LINK.search(url):
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return ""
    return url


def _short_cache(fn: Callable[[str], R]) -> Callable[[str], R]:
    """lru_cache for URLs of ordinary length only: a hostile 1 MB href must not stay in memory
    4096 times over (the cache outlives the mail in a parse worker)."""
    cached = lru_cache(maxsize=4096)(fn)

    @wraps(fn)
    def call(url: str) -> R:
        return cached(url) if len(url) <= _MAX_URL else fn(url)

    call.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
    return call


# --- finding ------------------------------------------------------------------------------------


def _trim(url: str) -> str:
    """Drop sentence punctuation and unbalanced closing brackets that followed a URL."""
    url = html.unescape(url)
    # Counted once, not per dropped character: "http://x.com/" + ")" * 100_000 stays linear.
    opened, closed = url.count("("), url.count(")")
    end = len(url)
    while end and url[end - 1] in _TRAILING:
        if url[end - 1] == ")":
            if opened >= closed:
                break
            closed -= 1
        end -= 1
    return url[:end]


def find_urls(text: str) -> list[str]:
    """URLs in running text (also `<url>` and bare `www.`), in order, without repeats."""
    seen: dict[str, None] = {}
    for match in _URL_RE.finditer(text or ""):
        url = _trim(match.group(0))
        if url.lower().startswith("www."):
            url = "https://" + url
        if len(url) > 10 and len(url) <= _MAX_URL:
            seen.setdefault(url, None)
    return list(seen)


# --- unwrapping ---------------------------------------------------------------------------------


def _split(url: str) -> tuple[str, str, str, str, str] | None:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return parts.scheme, parts.netloc, parts.path, parts.query, parts.fragment


def _host(url: str) -> str:
    parts = _split(url)
    if not parts:
        return ""
    return parts[1].rsplit("@", 1)[-1].split(":", 1)[0].lower().rstrip(".")


def _as_url(value: str) -> str | None:
    """A full http(s) URL hidden in a parameter value: plain, percent-encoded or base64."""
    for _ in range(3):
        if value.lower().startswith(("http://", "https://")):
            return value
        if value.lower().startswith(("http%3a", "https%3a")):
            value = unquote(value)
            continue
        break
    if _BASE64_RE.match(value):
        padded = value + "=" * (-len(value) % 4)
        for decoder in (base64.urlsafe_b64decode, base64.b64decode):
            try:
                decoded = decoder(padded).decode("utf-8")
            except (binascii.Error, ValueError, UnicodeDecodeError):
                continue
            if decoded.lower().startswith(("http://", "https://")):
                return decoded
    return None


def _unwrap_once(url: str) -> str | None:
    parts = _split(url)
    if not parts:
        return None
    scheme, netloc, path, query, fragment = parts
    host = _host(url)
    if host.endswith("linkedin.com") and path.startswith("/comm/"):
        return urlunsplit((scheme, netloc, path[len("/comm") :], query, fragment))
    params = parse_qsl(query, keep_blank_values=True)
    by_name: dict[str, str] = {}
    for key, value in params:
        by_name.setdefault(key.lower(), value)
    for name in _TARGET_PARAMS:
        value = by_name.get(name)
        if value:
            target = _as_url(value)
            if target and _host(target) and _host(target) != host:
                return target
    for seg in path.split("/"):
        target = _as_url(unquote(seg)) if len(seg) > 16 else None
        if target and _host(target) != host:
            return target
    return None


@_short_cache
def unwrap_redirect(url: str) -> str:
    """The destination of redirector/click-tracker links (nested too); other URLs unchanged."""
    url = _trim((url or "").strip().strip("<>"))
    for _ in range(_MAX_UNWRAP):
        inner = _unwrap_once(url)
        if not inner or inner == url:
            break
        url = inner.strip()
    return url


# --- known boards -------------------------------------------------------------------------------


def _params(query: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        out.setdefault(key.lower(), value)
    return out


def _linkedin(host: str, path: str, q: dict[str, str]) -> tuple[str, str] | None:
    if not host.endswith("linkedin.com"):
        return None
    m = re.search(r"/jobs/view/(?:[^/]*?-)?(\d{6,})(?:/|$)", path) or re.search(
        r"/jobs/view/externalapply/(\d{6,})", path, re.I
    )
    job_id = m.group(1) if m else (q.get("currentjobid") or "")
    if not job_id.isdigit():
        return None
    return f"https://www.linkedin.com/jobs/view/{job_id}/", f"linkedin:{job_id}"


def _indeed(host: str, path: str, q: dict[str, str]) -> tuple[str, str] | None:
    if "indeed." not in host:
        return None
    jk = q.get("jk") or q.get("vjk") or ""
    if not re.fullmatch(r"[0-9a-fA-F]{8,32}", jk):
        return None
    jk = jk.lower()
    return f"https://www.indeed.com/viewjob?jk={jk}", f"indeed:{jk}"


def _glassdoor(host: str, path: str, q: dict[str, str]) -> tuple[str, str] | None:
    if "glassdoor." not in host:
        return None
    job_id = q.get("joblistingid") or q.get("jl") or ""
    if not job_id.isdigit():
        return None
    return f"https://www.glassdoor.com/job-listing/j?jl={job_id}", f"glassdoor:{job_id}"


def _greenhouse(host: str, path: str, q: dict[str, str]) -> tuple[str, str] | None:
    if host.endswith("greenhouse.io"):
        m = re.match(r"^/([^/]+)/jobs/(\d+)", path)
        eu = ".eu." in f".{host}"
        base = "https://job-boards.eu.greenhouse.io" if eu else "https://job-boards.greenhouse.io"
        if m:
            return f"{base}/{m.group(1).lower()}/jobs/{m.group(2)}", f"greenhouse:{m.group(2)}"
        token, board = q.get("token", ""), q.get("for", "")
        if "embed" in path and token.isdigit() and board:
            return f"{base}/{board.lower()}/jobs/{token}", f"greenhouse:{token}"
        return None
    jid = q.get("gh_jid", "")
    return ("", f"greenhouse:{jid}") if jid.isdigit() else None


def _lever(host: str, path: str, q: dict[str, str]) -> tuple[str, str] | None:
    if not (host.endswith("lever.co") and host.startswith("jobs.")):
        return None
    m = re.match(rf"^/([^/]+)/({_UUID})", path)
    if not m:
        return None
    job = m.group(2).lower()
    return f"https://{host}/{m.group(1)}/{job}", f"lever:{job}"


def _ashby(host: str, path: str, q: dict[str, str]) -> tuple[str, str] | None:
    if host == "jobs.ashbyhq.com":
        m = re.match(rf"^/([^/]+)/({_UUID})", path)
        if m:
            job = m.group(2).lower()
            return f"https://jobs.ashbyhq.com/{m.group(1)}/{job}", f"ashby:{job}"
        return None
    jid = q.get("ashby_jid", "")
    if re.fullmatch(_UUID, jid):
        return "", f"ashby:{jid.lower()}"
    return None


def _smartrecruiters(host: str, path: str, q: dict[str, str]) -> tuple[str, str] | None:
    if not host.endswith("smartrecruiters.com"):
        return None
    m = re.match(r"^/([^/]+)/(\d{6,})(?:-|/|$)", path)
    if not m:
        return None
    return (
        f"https://jobs.smartrecruiters.com/{m.group(1)}/{m.group(2)}",
        f"smartrecruiters:{m.group(2)}",
    )


def _workday(host: str, path: str, q: dict[str, str]) -> tuple[str, str] | None:
    if not (host.endswith("myworkdayjobs.com") or host.endswith("myworkdaysite.com")):
        return None
    segs = [s for s in path.split("/") if s]
    if segs and re.fullmatch(r"[a-z]{2}(-[A-Za-z]{2})?", segs[0]):
        segs = segs[1:]  # locale such as en-US
    while segs and segs[-1].lower() in ("apply", "applymanually", "autofillwithresume"):
        segs.pop()
    if not any(s in ("job", "details") for s in segs) or not segs:
        return None
    m = re.search(r"_([A-Za-z0-9][A-Za-z0-9.\-]*)$", segs[-1])
    if not m:
        return None
    job_id = re.sub(r"(?<=\d)-\d{1,2}$", "", m.group(1))  # "JR109876-1": a copy of JR109876
    tenant = host.split(".", 1)[0]
    if host.endswith("myworkdaysite.com") and len(segs) > 1 and segs[0] == "recruiting":
        tenant = segs[1]
    return f"https://{host}/{'/'.join(segs)}", f"workday:{tenant}:{job_id.lower()}"


_Builder = Callable[[str, str, dict[str, str]], "tuple[str, str] | None"]
_BUILDERS: dict[str, _Builder] = {
    "linkedin": _linkedin,
    "indeed": _indeed,
    "glassdoor": _glassdoor,
    "greenhouse": _greenhouse,
    "lever": _lever,
    "ashby": _ashby,
    "smartrecruiters": _smartrecruiters,
    "workday": _workday,
}


@dataclass(frozen=True, slots=True)
class _Site:
    """One [[site]] of parsers/data/ats_hosts.toml."""

    name: str
    hosts: tuple[str, ...]
    rule: _Builder | None = None
    id_path: re.Pattern[str] | None = None
    id_query: tuple[str, ...] = ()
    id_fragment: re.Pattern[str] | None = None
    also_query: tuple[str, ...] = ()
    board: bool = False
    company: str = ""

    def owns(self, host: str) -> bool:
        return any(host == h or host.endswith("." + h) for h in self.hosts)

    def applies(self, host: str, q: dict[str, str]) -> bool:
        return self.owns(host) or any(q.get(name) for name in self.also_query)


@dataclass(frozen=True, slots=True)
class _SiteData:
    sites: tuple[_Site, ...]
    not_job_hosts: tuple[str, ...]
    career_labels: frozenset[str]
    #: host name (or suffix) -> the first site owning it; sites recognised by a query parameter
    by_host: dict[str, _Site]
    by_query: tuple[_Site, ...]


def _pattern(value: object) -> re.Pattern[str] | None:
    return re.compile(str(value)) if value else None


@lru_cache(maxsize=1)
def _site_data() -> _SiteData:
    """The host list, read once; a broken data file is a packaging bug and fails loudly."""
    raw = tomllib.loads(files("parsers").joinpath("data/ats_hosts.toml").read_text("utf-8"))
    sites = tuple(
        _Site(
            name=str(entry["name"]),
            hosts=tuple(str(h).lower() for h in entry.get("hosts", ())),
            rule=_BUILDERS[entry["rule"]] if entry.get("rule") else None,
            id_path=_pattern(entry.get("id_path")),
            id_query=tuple(str(x).lower() for x in entry.get("id_query", ())),
            id_fragment=_pattern(entry.get("id_fragment")),
            also_query=tuple(str(x).lower() for x in entry.get("also_query", ())),
            board=bool(entry.get("board", False)),
            company=str(entry.get("company", "")),
        )
        for entry in raw.get("site", ())
    )
    by_host: dict[str, _Site] = {}
    for site in sites:
        for host in site.hosts:
            by_host.setdefault(host, site)
    return _SiteData(
        sites=sites,
        not_job_hosts=tuple(str(h).lower() for h in raw.get("not_job_hosts", ())),
        career_labels=frozenset(str(x).lower() for x in raw.get("career_labels", ())),
        by_host=by_host,
        by_query=tuple(site for site in sites if site.also_query),
    )


@lru_cache(maxsize=8192)
def _site_for_host(host: str) -> _Site | None:
    """The site owning a host: the host itself or its nearest parent domain in the data."""
    labels = host.split(".")
    by_host = _site_data().by_host
    for i in range(len(labels)):
        site = by_host.get(".".join(labels[i:]))
        if site is not None:
            return site
    return None


def _site_of(host: str, q: dict[str, str]) -> _Site | None:
    site = _site_for_host(host)
    if site is not None:
        return site
    return next((s for s in _site_data().by_query if s.applies(host, q)), None)


def _declared_id(site: _Site, path: str, q: dict[str, str], fragment: str) -> str:
    """The posting id where the site's data says it lives: path, query or fragment."""
    if site.id_path:
        m = site.id_path.search(path)
        if m:
            return m.group(1)
    for name in site.id_query:
        value = (q.get(name) or "").strip()
        if value:
            return value
    if site.id_fragment:
        m = site.id_fragment.search(unquote(fragment))
        if m:
            return m.group(1)
    return ""


def _known(url: str) -> tuple[str, str] | None:
    """(canonical URL or '' for the generic one, dedup key) of a known site's posting link."""
    parts = _split(url)
    if not parts:
        return None
    host, path, q, fragment = _host(url), parts[2], _params(parts[3]), parts[4]
    site = _site_of(host, q)
    if site is None:
        return None
    if site.rule is not None:
        return site.rule(host, path, q)
    job_id = _declared_id(site, path, q, fragment)
    if not job_id:
        return None
    return "", f"{site.name}:{host.split('.')[0]}:{job_id.lower()}"


# --- canonical form -----------------------------------------------------------------------------


def _is_tracking(name: str) -> bool:
    low = name.lower()
    return low in _TRACKING_PARAMS or low.startswith(_TRACKING_PREFIXES)


def _generic_canonical(url: str) -> str:
    parts = _split(url)
    if not parts:
        return url.strip()
    scheme, netloc, path, query, fragment = parts
    netloc = netloc.rsplit("@", 1)[-1].lower().rstrip(".")
    if (scheme.lower(), netloc.rsplit(":", 1)[-1]) in (("http", "80"), ("https", "443")):
        netloc = netloc.rsplit(":", 1)[0]
    kept = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if not _is_tracking(k)]
    # Single-page job sites route with "#/job/123" (Oracle: "#en/sites/CX/job/123"); other
    # fragments are just anchors.
    frag = fragment if fragment.startswith(("/", "!")) or _fragment_id(fragment) else ""
    rebuilt = urlunsplit((scheme.lower(), netloc, path or "/", urlencode(kept), ""))
    try:
        out = _w3_canonicalize(rebuilt)
    except (ValueError, UnicodeError):
        out = rebuilt
    if "?" in frag:  # "#en/sites/jobsearch/job/240012?utm_medium=jobshare"
        route, _, fquery = frag.partition("?")
        kept_f = [
            (k, v) for k, v in parse_qsl(fquery, keep_blank_values=True) if not _is_tracking(k)
        ]
        frag = route + (f"?{urlencode(kept_f)}" if kept_f else "")
    return out + (f"#{quote(frag, safe='/!=&?-_.~%')}" if frag else "")


@_short_cache
def canonicalize_url(url: str) -> str:
    """One URL per posting: redirectors unwrapped, trackers dropped, known boards normalised."""
    url = unwrap_redirect(url)
    try:
        found = _known(url)
        return found[0] if found and found[0] else _generic_canonical(url)
    except (ValueError, UnicodeError):
        return url


@_short_cache
def job_id_key(url: str) -> str | None:
    """A stable dedup key like 'linkedin:4012345678' when the posting's board is known."""
    try:
        found = _known(unwrap_redirect(url))
    except (ValueError, UnicodeError):
        return None
    return found[1] if found else None


# --- deciding -----------------------------------------------------------------------------------


_FRAGMENT_ID_RE = re.compile(
    r"(?:^|[/=&?])(?:job|jobs|jobid|requisition|requisitions|req|posting|opening|position|vacancy)"
    r"(?:/preview)?[/=:-](?P<id>[A-Za-z]{0,4}[-_]?\d{3,}|" + _UUID + r")(?:[/&?]|$)",
    re.IGNORECASE,
)


def _fragment_id(fragment: str) -> str:
    """A posting id routed after '#' ("#en/sites/jobsearch/job/240012", "#job=123")."""
    m = _FRAGMENT_ID_RE.search(unquote(fragment)[:500])
    return m.group("id") if m else ""


def _has_posting_id(path: str, q: dict[str, str]) -> bool:
    if any(q.get(name) for name in _ID_PARAMS):
        return True
    segs = [s for s in path.split("/") if s]
    for i, seg in enumerate(segs):
        if _JOB_WORD_RE.search(seg) and i + 1 < len(segs):
            rest = segs[i + 1 :]
            if any(re.search(r"\d{3,}|" + _UUID, s) or s.count("-") >= 2 for s in rest):
                return True
    return bool(re.search(r"\d{4,}|" + _UUID, path)) and bool(_JOB_WORD_RE.search(path))


@_short_cache
def is_job_url(url: str) -> bool:
    """Whether a link points at one posting (not a home page, search, settings or social link)."""
    url = unwrap_redirect(url)
    parts = _split(url)
    if not parts:
        return False
    host, path, q = _host(url), parts[2], _params(parts[3])
    if _not_job_host(host):
        return False
    try:
        known = _known(url)
    except (ValueError, UnicodeError):
        known = None
    if known:
        return True
    site = _site_of(host, q)
    if site is not None and site.board:
        return False  # these boards' postings all match their rule; the rest is chrome
    if _NOT_JOB_PATH_RE.search(path) or _SEARCH_PATH_RE.search(path):
        return False
    if _fragment_id(parts[4]) and (_JOB_WORD_RE.search(host) or _JOB_WORD_RE.search(path)):
        return True  # "careers.oracle.com/jobs/#en/sites/jobsearch/job/240012"
    if not (_JOB_WORD_RE.search(host) or _JOB_WORD_RE.search(path) or "jobid" in parts[3].lower()):
        return False
    return _has_posting_id(path, q)


def _not_job_host(host: str) -> bool:
    return any(host == h or host.endswith("." + h) for h in _site_data().not_job_hosts)


#: Words that make a link a job link whatever its URL ("Apply: <url>"); "Careers" or "Jobs"
#: alone are site menus, not one job.
_LABEL_RE = re.compile(
    r"(?:^|\b)(?:apply|application|job|posting|position|role|opening|vacancy|opportunity|"
    r"requisition|req|listing|job description|jd|stelle|poste|empleo|vaga)\b"
    r"(?:\W+\w+){0,3}\W*$",
    re.IGNORECASE,
)


@lru_cache(maxsize=4096)
def is_job_link(url: str, label: str = "") -> bool:
    """A job link as a person sees it: a posting URL, or any other page link whose own words
    say it is the job ("Apply: <url>", "Job description here: <url>", a button "Apply now")."""
    if is_job_url(url):
        return True
    if not label or not _LABEL_RE.search(label[-80:]):
        return False
    url = unwrap_redirect(url)
    parts = _split(url)
    if not parts:
        return False
    host, path, q = _host(url), parts[2], _params(parts[3])
    site = _site_of(host, q)
    if _not_job_host(host) or (site is not None and site.board):
        return False
    if _NOT_JOB_PATH_RE.search(path) or _SEARCH_PATH_RE.search(path):
        return False
    return path.strip("/") != "" or bool(parts[3])


def title_from_url(url: str) -> tuple[str, str]:
    """(title, company) spelled in a posting URL's slug: LinkedIn `-at-`, Workday `Title_REQ`."""
    parts = _split(unwrap_redirect(url))
    if not parts:
        return "", ""
    host, path = _host(url), unquote(parts[2])
    m = re.search(r"/jobs/view/([a-z0-9\-]+?)-(\d{6,})", path) if "linkedin" in host else None
    if m:
        title, _, company = m.group(1).rpartition("-at-")
        if not title:
            title, company = company, ""
        return _words(title), _words(company)
    if "myworkday" in host:
        m = re.search(r"/([^/]+)_[A-Za-z0-9.\-]+$", path.rstrip("/").removesuffix("/apply"))
        if m:
            return _workday_words(m.group(1)), ""
    if host.endswith("smartrecruiters.com"):
        m = re.match(r"^/[^/]+/\d{6,}-([a-z0-9][a-z0-9\-]*)/?$", path, re.I)
        if m:
            return _words(m.group(1)), ""
        return "", ""
    return _slug_title(path) if is_job_url(url) else "", ""


_ID_WORD_RE = re.compile(r"^(?:[a-z]{0,4}\d{3,}[a-z0-9]*|\d+|r|jr|req)$", re.IGNORECASE)


def _slug_title(path: str) -> str:
    """'senior-brand-manager' in /en/jobs/jr245817/senior-brand-manager/ or /jobs/123-x-y:
    the last slug of a posting path that names a role, ids and numbers dropped."""
    from parsers.subjects import is_title_like  # noqa: PLC0415 - subjects imports links' users

    for seg in reversed([x for x in path.split("/") if x][-4:]):
        words = [w for w in re.split(r"[-_+]+", seg) if w]
        while words and _ID_WORD_RE.match(words[0]):
            words.pop(0)
        while words and _ID_WORD_RE.match(words[-1]):
            words.pop()
        level = len(words) > 2 and re.fullmatch(r"i{1,3}|iv|[1-4]", words[-1], re.I)
        core = words[:-1] if level else words
        if len(words) >= 2 and all(w.isalnum() for w in words) and is_title_like(core[-1]):
            if level:
                words[-1] = words[-1].upper()
            return _words("-".join(words))  # ends with its role noun: no place or team after
    return ""


def company_from_url(url: str) -> str:
    """The employer an ATS or careers link names: 'Sabre' for sabre.wd1.myworkdayjobs.com,
    'Acme' for jobs.lever.co/acme or careers.acme.com; '' when the link names none."""
    parts = _split(unwrap_redirect(url))
    if not parts:
        return ""
    host, path, q = _host(url), parts[2], _params(parts[3])
    site = _site_of(host, q)
    labels = [x for x in host.split(".") if x]
    career = _site_data().career_labels
    if site is not None:
        if site.company == "path":
            segs = [x for x in path.split("/") if x]
            if segs and segs[0].lower() in ("embed", "j", "o", "jobs", "job", "v1"):
                return _slug_company(q.get("for", ""))
            return _slug_company(segs[0]) if segs else ""
        if site.company in ("subdomain", "tenant") and len(labels) > 2:
            head = re.sub(r"^(?:careers?|jobs?|uscareers)-|-(?:careers?|jobs?)$", "", labels[0])
            return "" if head in career else _slug_company(head)
        return ""
    # careers.acme.com, jobs.sap.com: the company's own careers site (not a job board)
    second_level = len(labels) >= 4 and labels[-2] in ("co", "com", "org", "net", "ac", "gov")
    owner = labels[:-2] if second_level else labels[:-1]
    if len(owner) != 2 or owner[0] not in ("careers", "career", "jobs", "job"):
        return ""
    name = owner[1]
    return "" if name in career or _JOB_WORD_RE.search(name) else _slug_company(name)


def _slug_company(slug: str) -> str:
    """'acme-foods' -> 'Acme Foods', 'sap' -> 'SAP'; a slug with digits names no company."""
    slug = unquote(slug).strip()
    if not slug or re.search(r"\d{3,}", slug) or len(slug) > 40:
        return ""
    slug = re.sub(r"(?<=[a-z])(?=[A-Z][a-z])", " ", slug)  # "LoneStarLogistics"
    words = [w for w in re.split(r"[-_+ ]+", slug) if w]
    return " ".join(w.upper() if len(w) <= 3 else w[:1].upper() + w[1:] for w in words)


def _workday_words(slug: str) -> str:
    """Workday writes ', ' as '--' and '&' as '-': 'Analyst--FP-A' is 'Analyst, FP&A'."""
    slug = re.sub(r"(?<![A-Za-z])([A-Z]{1,3})-([A-Z])(?![A-Za-z])", r"\1&\2", slug)
    return ", ".join(_words(part) for part in slug.split("--") if part.strip("-"))


def _words(slug: str) -> str:
    text = re.sub(r"[-_+]+", " ", slug).strip()
    return " ".join(
        w if w.isupper() else w.upper() if re.fullmatch(r"i{2,3}|iv", w, re.I) else w.capitalize()
        for w in text.split()
    )
