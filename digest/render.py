"""Rendering a member's digest: Jinja2 HTML (CSS inlined for mail clients) and plain text, as MIME."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from functools import lru_cache
from importlib.resources import files

import css_inline
import nh3
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from digest.compose import MemberDigest
from digest.config import Config
from digest.tokens import Signer

FEEDBACK_KINDS = (
    ("not_relevant", "Not relevant"),
    ("applied", "Applied"),
    ("interviewing", "Interviewing"),
    ("hired", "Hired"),
    ("dead_link", "Dead link"),
)


def templates_dir() -> str:
    return str(files("templates"))


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(templates_dir()),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["clean"] = clean_text
    return env


def clean_text(value: str, limit: int = 300) -> str:
    """Posting text as plain words: any HTML removed (nh3), whitespace folded, cut at `limit`."""
    text = nh3.clean(value or "", tags=set())
    text = re.sub(r"\s+", " ", text).strip()
    text = text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


@dataclass
class Links:
    """Signed links for one member; the web app verifies them."""

    cfg: Config
    signer: Signer
    member_id: int

    def _url(self, path: str, purpose: str, data: object) -> str:
        return f"{self.cfg.web.base_url.rstrip('/')}/{path}/{self.signer.dumps(purpose, data)}"

    def feedback(self, posting_id: int, kind: str) -> str:
        return self._url("feedback", "feedback", [self.member_id, posting_id, kind])

    @property
    def preferences(self) -> str:
        return self._url("preferences", "preferences", self.member_id)

    @property
    def unsubscribe(self) -> str:
        return self._url("unsubscribe", "unsubscribe", self.member_id)

    @property
    def web_digest(self) -> str:
        return self._url("digest", "preferences", self.member_id)


def render(cfg: Config, digest: MemberDigest, links: Links) -> tuple[str, str]:
    """(html, text) of one digest."""
    env = environment()
    context = {
        "group": cfg.group,
        "digest": digest,
        "member": digest.member,
        "links": links,
        "feedback_kinds": FEEDBACK_KINDS,
    }
    html = env.get_template("email/digest.html").render(context)
    text = env.get_template("email/digest.txt").render(context)
    return _inliner().inline(html), text


@lru_cache(maxsize=1)
def _inliner() -> css_inline.CSSInliner:
    return css_inline.CSSInliner(keep_style_tags=True, load_remote_stylesheets=False)


def subject_line(cfg: Config, digest: MemberDigest) -> str:
    n = len(digest.leads) + digest.more
    return f"{cfg.group.name}: {n} job lead{'s' if n != 1 else ''} for you ({digest.period})"


def _domain(cfg: Config) -> str:
    return parseaddr(cfg.smtp.from_address)[1].rpartition("@")[2] or "localhost"


def build_message(cfg: Config, digest: MemberDigest, links: Links, now: datetime | None = None) -> EmailMessage:
    html, text = render(cfg, digest, links)
    msg = EmailMessage()
    msg["From"] = cfg.smtp.from_address
    msg["To"] = Address(digest.member.name or "", addr_spec=digest.member.email)
    msg["Subject"] = subject_line(cfg, digest)
    msg["Date"] = format_datetime(now or datetime.now(timezone.utc))
    domain = _domain(cfg)
    msg["Message-ID"] = make_msgid(f"digest.{digest.period}.{digest.member.id}", domain=domain)
    slug = re.sub(r"[^a-z0-9]+", "-", cfg.group.name.casefold()).strip("-") or "group"
    msg["List-Id"] = f"{cfg.group.name} digest <{slug}.{domain}>"
    mailto = parseaddr(cfg.smtp.from_address)[1]
    msg["List-Unsubscribe"] = f"<{links.unsubscribe}>, <mailto:{mailto}?subject=unsubscribe>"
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Jobdigest-Period"] = digest.period
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg
