"""Loading and validating jobdigest.toml. Every key is checked, so a typo is reported, not ignored."""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, get_type_hints
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from digest.errors import UserError, os_problem
from parsers.careers import KINDS, UnknownCareersSite, site_for

DEFAULT_CONFIG = "jobdigest.toml"
SECURITY_MODES = ("ssl", "starttls", "none")
MIN_KEY_LENGTH = 16
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


#: the sections of one group (jobdigest.toml's own group, or groups/<slug>.toml); the others
#: ([database], [web], [fetch], [tagging], [queue]) are site-wide, set in jobdigest.toml alone
GROUP_SECTIONS = ("group", "inbox", "smtp", "digest", "feeds", "boards")
GROUPS_FOLDER = "groups"
#: the slug of jobdigest.toml's own group (group 1) unless its [group] slug says otherwise
MAIN_SLUG = "main"
SLUG_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,59}")


@dataclass
class GroupConfig:
    #: the group's short name in URLs (/g/<slug>/), file names and --group
    slug: str = MAIN_SLUG
    name: str = "Job Network"
    timezone: str = "UTC"
    contact: str = ""
    #: the group's members agreed to be shown as inside contacts unless they opt out
    inside_contacts_default: bool = False
    inbox_address: str = ""  # where members forward postings; shown in every digest
    #: introduction requests one inside contact gets at most in seven days
    intro_requests_per_week: int = 3


@dataclass
class DatabaseConfig:
    url: str = "sqlite:///jobdigest.db"


@dataclass
class InboxConfig:
    host: str = ""
    port: int = 993
    security: str = "ssl"
    username: str = ""
    password_env: str = "JOBDIGEST_IMAP_PASSWORD"
    folder: str = "INBOX"
    processed_folder: str = "Processed"
    failed_folder: str = "Needs review"
    ca_file: str = ""
    batch_size: int = 100
    idle: bool = True
    poll_seconds: int = 300
    #: authserv-id of our receiving server's Authentication-Results headers (RFC 8601): a job
    #: alert auto-forwarded by a member counts as theirs only with a DKIM pass it records
    authserv_id: str = ""
    #: reply to a member whose mail had no job posting in it (at most one a day per member)
    receipts: bool = False
    #: CPU seconds and megabytes one mail's parse may use; past them the mail fails with that
    #: reason and the rest of the inbox goes on (digest.ingest.budget).
    parse_seconds: float = 10.0
    parse_memory_mb: int = 512


@dataclass
class SmtpConfig:
    host: str = ""
    port: int = 587
    security: str = "starttls"
    username: str = ""
    password_env: str = "JOBDIGEST_SMTP_PASSWORD"
    from_address: str = "Job Leads <leads@example.org>"
    ca_file: str = ""
    batch_size: int = 100
    rate_per_minute: int = 0
    #: a return path per digest (leads+d<id>-<token>@domain): bounces name the digest they are
    #: about. Needs a mailbox that accepts plus addresses (most do); false sends from from_address.
    verp: bool = True


@dataclass
class DigestConfig:
    day: str = "monday"
    time: str = "07:00"
    max_postings: int = 25
    max_per_company: int = 3
    period_days: int = 7
    grace_hours: int = 24


@dataclass
class WebConfig:
    base_url: str = "http://127.0.0.1:8000"
    secret_key_env: str = "JOBDIGEST_SECRET_KEY"
    #: the demo only: a file (mode 0600) holding the signing key, relative to the config file
    secret_key_file: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    #: addresses or networks (CIDR) of reverse proxies whose X-Forwarded-For/-Proto is believed
    trusted_proxies: list[str] = field(default_factory=list)


@dataclass
class FetchConfig:
    timeout_seconds: float = 20.0
    #: the whole request (connect, headers, body, redirects); 0 means 3 x timeout_seconds
    deadline_seconds: float = 0.0
    #: sources fetched at the same time, so one slow host does not hold up the others
    concurrency: int = 4
    max_bytes: int = 5_000_000
    allow_private: bool = False
    allow_file: bool = False
    enrich_links: bool = False
    enrich_per_run: int = 50
    max_pages_per_run: int = 60
    page_delay_seconds: float = 0.5
    user_agent: str = "JobLeadDigest/0.1 (+https://github.com/jobdigest/jobdigest)"

    @property
    def deadline(self) -> float:
        """Seconds one fetch may take in all: the configured deadline, else 3 x the timeout."""
        return self.deadline_seconds or 3 * self.timeout_seconds


@dataclass
class TaggingConfig:
    vocabulary: str = ""  # a TOML file extending (or replacing) the bundled vocabulary
    semantic: bool = False
    semantic_threshold: float = 0.75
    #: also match pitches by static embeddings (WordLlama; `pip install 'jobdigest[pitch]'`)
    pitch_semantic: bool = False
    pitch_semantic_threshold: float = 0.5
    #: members whose "not relevant" it takes to lower a posting for everyone (one member's
    #: own mark hides it for them alone)
    not_relevant_quorum: int = 3


@dataclass
class QueueConfig:
    broker_url: str = ""  # e.g. "redis://127.0.0.1:6379/0"; empty: the in-process runner
    broker_password_env: str = ""  # environment variable with the broker password, if any
    ingest_seconds: int = 300  # how often `jobdigest beat` queues the ingest jobs
    visibility_seconds: int = (
        600  # a task unacknowledged this long (its worker died) is redelivered
    )


@dataclass
class FeedConfig:
    url: str = ""
    subgroups: list[str] = field(default_factory=list)
    name: str = ""


@dataclass
class BoardConfig:
    kind: str = ""  # a kind of parsers.careers.KINDS: "greenhouse", "lever", "workday", ...
    company: str = ""
    subgroups: list[str] = field(default_factory=list)
    name: str = ""


@dataclass
class Config:
    group: GroupConfig = field(default_factory=GroupConfig)
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    inbox: InboxConfig = field(default_factory=InboxConfig)
    smtp: SmtpConfig = field(default_factory=SmtpConfig)
    digest: DigestConfig = field(default_factory=DigestConfig)
    web: WebConfig = field(default_factory=WebConfig)
    fetch: FetchConfig = field(default_factory=FetchConfig)
    tagging: TaggingConfig = field(default_factory=TaggingConfig)
    queue: QueueConfig = field(default_factory=QueueConfig)
    feeds: list[FeedConfig] = field(default_factory=list)
    boards: list[BoardConfig] = field(default_factory=list)
    path: Path | None = None
    #: where the web app serves this group: "" for jobdigest.toml's own group (the site's root,
    #: also /g/<slug>/), "/g/<slug>" for a group of its own file (not a TOML key)
    url_prefix: str = ""

    @property
    def base_dir(self) -> Path:
        return self.path.parent if self.path else Path.cwd()

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.group.timezone)

    def database_url(self) -> str:
        """The database URL with a relative SQLite path resolved against the config file's folder."""
        url = self.database.url
        prefix = "sqlite:///"
        if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
            return prefix + str((self.base_dir / url[len(prefix) :]).resolve())
        return url

    def site_url(self) -> str:
        """The web app's address for this group: [web] base_url and the group's prefix, so
        every link in its digests and mails opens the group's own pages."""
        return self.web.base_url.rstrip("/") + self.url_prefix

    def unsubscribe_address(self) -> str:
        """The List-Unsubscribe mailto of digests: the From address with "+unsubscribe"; mail
        to it (any subject) unsubscribes its sender."""
        from email.utils import parseaddr

        local, _at, domain = parseaddr(self.smtp.from_address)[1].partition("@")
        return f"{local.split('+', 1)[0]}+unsubscribe@{domain}".lower() if local and domain else ""

    def secret(self, env_name: str, what: str) -> str:
        """A secret from the environment; secrets never live in the file."""
        value = os.environ.get(env_name, "")
        if not value:
            raise UserError(
                f"{what}: environment variable {env_name} is not set; "
                f"set it (export {env_name}=...) before running jobdigest"
            )
        return value

    def signing_key(self) -> str:
        """The key that signs digest links, sign-in links and sessions: from the environment, or
        (the demo only) from `web.secret_key_file`, a file only its owner can read."""
        if self.web.secret_key_file and not os.environ.get(self.web.secret_key_env):
            key = _read_key_file(self.base_dir / self.web.secret_key_file)
            where = f"web.secret_key_file ({self.web.secret_key_file})"
        else:
            key = self.secret(
                self.web.secret_key_env, "web.secret_key_env (signs links and sessions)"
            )
            where = f"web.secret_key_env: {self.web.secret_key_env}"
        if len(key) < MIN_KEY_LENGTH:
            raise UserError(
                f"{where}: the signing key has {len(key)} characters, at least {MIN_KEY_LENGTH} "
                'are needed; make one with: python3 -c "import secrets; print(secrets.token_urlsafe(48))"'
            )
        return key


def _read_key_file(path: Path) -> str:
    """A key file must be private: a signing key others can read lets them forge links."""
    try:
        mode = path.stat().st_mode
        key = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise UserError(f"web.secret_key_file: cannot read {path}: {os_problem(exc)}") from None
    except UnicodeDecodeError:
        raise UserError(f"web.secret_key_file: {path} is not a text file") from None
    if os.name == "posix" and mode & 0o077:
        raise UserError(f"web.secret_key_file: {path} can be read by others; run: chmod 600 {path}")
    return key


def _check_value(where: str, hint: Any, value: Any) -> Any:
    origin = getattr(hint, "__origin__", None)
    if origin is list:
        (inner,) = hint.__args__
        if not isinstance(value, list):
            raise UserError(f"{where}: expected a list, got {type(value).__name__}")
        return [_check_value(f"{where}[{i}]", inner, v) for i, v in enumerate(value)]
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint in (str, int, float, bool) and (
        not isinstance(value, hint) or (hint is int and isinstance(value, bool))
    ):
        raise UserError(f"{where}: expected {hint.__name__}, got {value!r}")
    return value


def _build(cls: type, where: str, table: Any) -> Any:
    if not isinstance(table, dict):
        raise UserError(f"{where}: expected a table")
    hints = get_type_hints(cls)
    known = {f.name for f in fields(cls) if f.name not in ("path", "url_prefix")}
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in known:
            raise UserError(
                f"{where}: unknown key {key!r} (expected one of: {', '.join(sorted(known))})"
            )
        hint = hints[key]
        name = f"{where}.{key}" if where else key
        if isinstance(hint, type) and hasattr(hint, "__dataclass_fields__"):
            values[key] = _build(hint, name, value)
        elif getattr(hint, "__origin__", None) is list and hasattr(
            hint.__args__[0], "__dataclass_fields__"
        ):
            if not isinstance(value, list):
                raise UserError(f"{name}: expected an array of tables ([[{key}]])")
            values[key] = [_build(hint.__args__[0], f"{name}[{i}]", v) for i, v in enumerate(value)]
        else:
            values[key] = _check_value(name, hint, value)
    return cls(**values)


def _validate_parse_budget(cfg: Config, where: str) -> None:
    if cfg.inbox.parse_seconds <= 0 or cfg.inbox.parse_memory_mb <= 0:
        raise UserError(
            f"{where}: inbox.parse_seconds and inbox.parse_memory_mb: expected positive numbers"
        )


def _validate_tagging(cfg: Config, where: str) -> None:
    """The quorum counts members: below 1 means nothing (1 is "one member lowers it for all")."""
    if cfg.tagging.not_relevant_quorum < 1:
        raise UserError(f"{where}: tagging.not_relevant_quorum: expected 1 or more")


def _validate(cfg: Config, where: str) -> None:
    for section in ("inbox", "smtp"):
        sec = getattr(cfg, section)
        if sec.security not in SECURITY_MODES:
            raise UserError(
                f"{where}: {section}.security: expected one of {', '.join(SECURITY_MODES)}, got {sec.security!r}"
            )
    if cfg.digest.day.lower() not in WEEKDAYS:
        raise UserError(f"{where}: digest.day: expected a weekday name, got {cfg.digest.day!r}")
    try:
        hh, mm = cfg.digest.time.split(":")
        if not (0 <= int(hh) < 24 and 0 <= int(mm) < 60):
            raise ValueError
    except ValueError:
        raise UserError(f"{where}: digest.time: expected HH:MM, got {cfg.digest.time!r}") from None
    try:
        ZoneInfo(cfg.group.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserError(
            f"{where}: group.timezone: unknown time zone {cfg.group.timezone!r} (e.g. 'America/Chicago')"
        ) from None
    address = cfg.group.inbox_address.strip()
    if address and not re.fullmatch(r"[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+", address):
        raise UserError(
            f"{where}: group.inbox_address: expected a bare address like 'leads@example.org', "
            f"got {address!r}"
        )
    _validate_boards(cfg, where)
    if cfg.fetch.max_pages_per_run < 1:
        raise UserError(f"{where}: fetch.max_pages_per_run: expected at least 1")
    if cfg.fetch.page_delay_seconds < 0:
        raise UserError(f"{where}: fetch.page_delay_seconds: expected 0 or more")
    _validate_parse_budget(cfg, where)
    _validate_tagging(cfg, where)
    for i, feed in enumerate(cfg.feeds):
        if not feed.url:
            raise UserError(f"{where}: feeds[{i}].url: missing")
    _validate_web_and_fetch(cfg, where)


def _validate_web_and_fetch(cfg: Config, where: str) -> None:
    """Proxy networks must parse (a typo would silently trust nobody, or everybody)."""
    for i, entry in enumerate(cfg.web.trusted_proxies):
        try:
            ipaddress.ip_network(entry.strip(), strict=False)
        except ValueError:
            raise UserError(
                f"{where}: web.trusted_proxies[{i}]: {entry!r} is not an IP address or network"
                ' (e.g. "127.0.0.1" or "10.0.0.0/8")'
            ) from None
    if cfg.fetch.concurrency < 1:
        raise UserError(
            f"{where}: fetch.concurrency: expected 1 or more, got {cfg.fetch.concurrency}"
        )
    if cfg.fetch.deadline_seconds < 0:
        raise UserError(f"{where}: fetch.deadline_seconds: expected 0 (3 x timeout) or more")


def _validate_boards(cfg: Config, where: str) -> None:
    """Every board names a known kind and a board that kind can read (an id or a careers URL)."""
    for i, board in enumerate(cfg.boards):
        if board.kind not in KINDS:
            raise UserError(f"{where}: boards[{i}].kind: expected one of {', '.join(KINDS)}")
        try:
            site_for(board.kind, board.company)
        except UnknownCareersSite as exc:
            raise UserError(f"{where}: boards[{i}].company: {exc}") from None


def parse_config(
    text: str,
    path: Path | None = None,
    group_text: str | None = None,
    group_path: Path | None = None,
) -> Config:
    """The config of one group: jobdigest.toml's text, and (for a group of its own file) the
    text of groups/<slug>.toml, whose sections replace jobdigest.toml's group sections."""
    where = str(path) if path else "config"
    data = _toml(text, where)
    if group_text is not None:
        group_where = str(group_path) if group_path else "group config"
        group_data = _toml(group_text, group_where)
        _check_group_file(group_data, group_where)
        slug = group_path.stem if group_path else str(group_data.get("group", {}).get("slug", ""))
        group_data.setdefault("group", {}).setdefault("slug", slug)
        if group_data["group"]["slug"] != slug:
            raise UserError(f"{group_where}: group.slug: expected {slug!r} (the file's name)")
        try:
            _validate(_build(Config, "", group_data), group_where)
        except UserError as exc:
            text_of = str(exc)
            raise UserError(
                text_of if text_of.startswith(group_where) else f"{group_where}: {text_of}"
            ) from None
        data = {k: v for k, v in data.items() if k not in GROUP_SECTIONS} | group_data
    cfg = _build(Config, "", data)
    cfg.path = path.resolve() if path else None
    if group_text is not None:
        cfg.url_prefix = f"/g/{cfg.group.slug}"
    _validate(cfg, where)
    return cfg


def _toml(text: str, where: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{where}: not valid TOML: {exc}") from None


def _check_group_file(data: dict[str, Any], where: str) -> None:
    """A group file holds group sections only: a site-wide one there would be ignored."""
    for key in data:
        if key not in GROUP_SECTIONS:
            hint = " (a site-wide section: set it in jobdigest.toml)" if key in _SITE else ""
            raise UserError(
                f"{where}: unknown key {key!r}{hint} (expected one of: {', '.join(GROUP_SECTIONS)})"
            )


_SITE = ("database", "web", "fetch", "tagging", "queue")


def _config_file(path: str | os.PathLike[str] | None) -> Path:
    return Path(path or os.environ.get("JOBDIGEST_CONFIG") or DEFAULT_CONFIG)


def _read(chosen: Path) -> str:
    try:
        return chosen.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(
            f"{chosen}: config file not found (create one with 'jobdigest init', or pass --config)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{chosen}: cannot read: {exc}") from None


def groups_folder(path: str | os.PathLike[str] | None) -> Path:
    """groups/ beside jobdigest.toml: one <slug>.toml per group of its own file."""
    return _config_file(path).parent / GROUPS_FOLDER


def main_slug(text: str, where: str) -> str:
    """The slug of jobdigest.toml's own group ([group] slug, else "main")."""
    slug = _toml(text, where).get("group", {}).get("slug", MAIN_SLUG)
    if not isinstance(slug, str) or not SLUG_PATTERN.fullmatch(slug):
        raise UserError(f"{where}: group.slug: expected lowercase letters, digits and dashes")
    return slug


def group_slugs(path: str | os.PathLike[str] | None) -> list[str]:
    """The installation's groups as the config names them: jobdigest.toml's own group first,
    then one per groups/<slug>.toml, by name."""
    chosen = _config_file(path)
    slugs = [main_slug(_read(chosen), str(chosen))]
    folder = groups_folder(path)
    if folder.is_dir():
        for file in sorted(folder.glob("*.toml")):
            if not SLUG_PATTERN.fullmatch(file.stem):
                raise UserError(
                    f"{file}: a group file is named by its slug: lowercase letters, digits, dashes"
                )
            if file.stem == slugs[0]:  # it would be read over jobdigest.toml's own group
                raise UserError(
                    f"{file}: names jobdigest.toml's own group ({slugs[0]!r}); rename the file"
                    " or change [group] slug in jobdigest.toml"
                )
            slugs.append(file.stem)
    return slugs


def load_config(path: str | os.PathLike[str] | None, group: str | None = None) -> Config:
    """The config of one group: `path`, $JOBDIGEST_CONFIG, or ./jobdigest.toml, with the
    group's groups/<slug>.toml when it has one. `group` None is jobdigest.toml's own group."""
    chosen = _config_file(path)
    text = _read(chosen)
    group_path = groups_folder(path) / f"{group}.toml" if group else None
    group_text = None
    if group_path is not None and group_path.is_file():
        group_text = _read(group_path)
    elif group is not None and group != main_slug(text, str(chosen)):
        raise UserError(f"unknown group {group!r} (groups: {', '.join(group_slugs(path))})")
    try:
        return parse_config(text, chosen, group_text, group_path)
    except UserError as exc:
        msg = str(exc)
        if not msg.startswith(str(chosen)) and not (group_path and msg.startswith(str(group_path))):
            msg = f"{chosen}: {msg}"
        raise UserError(msg) from None
