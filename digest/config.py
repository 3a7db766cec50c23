"""Loading and validating jobdigest.toml. Every key is checked, so a typo is reported, not ignored."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, get_type_hints
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from digest.errors import UserError

DEFAULT_CONFIG = "jobdigest.toml"
SECURITY_MODES = ("ssl", "starttls", "none")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass
class GroupConfig:
    name: str = "Job Network"
    timezone: str = "UTC"
    contact: str = ""


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
    host: str = "127.0.0.1"
    port: int = 8000


@dataclass
class FetchConfig:
    timeout_seconds: float = 20.0
    max_bytes: int = 5_000_000
    allow_private: bool = False
    allow_file: bool = False
    enrich_links: bool = False
    enrich_per_run: int = 50
    user_agent: str = "JobLeadDigest/0.1 (+https://github.com/jobdigest/jobdigest)"


@dataclass
class TaggingConfig:
    semantic: bool = False
    semantic_threshold: float = 0.75


@dataclass
class FeedConfig:
    url: str = ""
    subgroups: list[str] = field(default_factory=list)
    name: str = ""


@dataclass
class BoardConfig:
    kind: str = ""  # "greenhouse" | "lever"
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
    feeds: list[FeedConfig] = field(default_factory=list)
    boards: list[BoardConfig] = field(default_factory=list)
    path: Path | None = None

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

    def secret(self, env_name: str, what: str) -> str:
        """A secret from the environment; secrets never live in the file."""
        value = os.environ.get(env_name, "")
        if not value:
            raise UserError(f"{what}: environment variable {env_name} is not set")
        return value


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
    known = {f.name for f in fields(cls) if f.name != "path"}
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
    if cfg.inbox.parse_seconds <= 0 or cfg.inbox.parse_memory_mb <= 0:
        raise UserError(
            f"{where}: inbox.parse_seconds and inbox.parse_memory_mb: expected positive numbers"
        )
    for i, board in enumerate(cfg.boards):
        if board.kind not in ("greenhouse", "lever"):
            raise UserError(f"{where}: boards[{i}].kind: expected 'greenhouse' or 'lever'")
    for i, feed in enumerate(cfg.feeds):
        if not feed.url:
            raise UserError(f"{where}: feeds[{i}].url: missing")


def parse_config(text: str, path: Path | None = None) -> Config:
    where = str(path) if path else "config"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{where}: not valid TOML: {exc}") from None
    cfg = _build(Config, "", data)
    cfg.path = path.resolve() if path else None
    try:
        _validate(cfg, where)
    except UserError:
        raise
    return cfg


def load_config(path: str | os.PathLike[str] | None) -> Config:
    """The config at `path`, $JOBDIGEST_CONFIG, or ./jobdigest.toml."""
    chosen = Path(path or os.environ.get("JOBDIGEST_CONFIG") or DEFAULT_CONFIG)
    try:
        text = chosen.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(
            f"{chosen}: config file not found (create one with 'jobdigest init', or pass --config)"
        ) from None
    try:
        return parse_config(text, chosen)
    except UserError as exc:
        msg = str(exc)
        if not msg.startswith(str(chosen)):
            msg = f"{chosen}: {msg}"
        raise UserError(msg) from None
