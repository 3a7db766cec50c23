"""A jobdigest.toml pointing at the test servers."""

from __future__ import annotations

from pathlib import Path

from tests.support.db import migrated


def write_config(
    folder: Path,
    *,
    db_url: str,
    imap: tuple[str, int, str, str] | None = None,
    smtp: tuple[str, int] | None = None,
    ca_file: str = "",
    extra: str = "",
    migrate: bool = True,
) -> Path:
    """The config file; its database brought to the newest schema unless `migrate` is False
    (commands refuse an unmigrated database, as they would in production)."""
    lines = [
        "[group]",
        'name = "Test Network"',
        'timezone = "America/Chicago"',
        "[database]",
        f'url = "{db_url}"',
    ]
    if imap:
        host, port, user, _pw = imap
        lines += [
            "[inbox]",
            f'host = "{host}"',
            f"port = {port}",
            'security = "starttls"',
            f'username = "{user}"',
            'password_env = "TEST_IMAP_PASSWORD"',
            f'ca_file = "{ca_file}"',
            "batch_size = 3",
        ]
    if smtp:
        host, port = smtp
        lines += [
            "[smtp]",
            f'host = "{host}"',
            f"port = {port}",
            'security = "starttls"',
            'username = "mailer@example.org"',
            'password_env = "TEST_SMTP_PASSWORD"',
            f'ca_file = "{ca_file}"',
            'from_address = "Test Leads <leads@group.example.org>"',
        ]
    lines += [
        "[web]",
        'base_url = "https://leads.group.example.org"',
        'secret_key_env = "TEST_SECRET_KEY"',
    ]
    path = folder / "jobdigest.toml"
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    if migrate:
        migrated(db_url)
    return path
