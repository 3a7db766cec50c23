"""The starter config written by `jobdigest init`: every key, commented, with safe defaults."""

from __future__ import annotations

from pathlib import Path

from digest.errors import ServiceError, os_problem

STARTER = """\
# Job Lead Digest configuration. Reference: README.md ("Configuration").
# Secrets never go in this file: *_env keys name environment variables that hold them.

[group]
name = "My Job Network"
timezone = "America/Chicago"      # IANA zone: digests go out on [digest] day/time here
contact = ""                      # shown in every digest's footer
inside_contacts_default = false   # true only if your members agreed to be inside contacts
inbox_address = "leads@example.org"  # where members forward postings (said in every digest)

[database]
url = "sqlite:///jobdigest.db"    # relative to this file; or postgresql+psycopg://user@host/db

[inbox]
host = "imap.example.org"
port = 993
security = "ssl"                  # "ssl" | "starttls" | "none"
username = "leads@example.org"
password_env = "JOBDIGEST_IMAP_PASSWORD"
folder = "INBOX"
processed_folder = "Processed"
failed_folder = "Needs review"

[smtp]
host = "smtp.example.org"
port = 587
security = "starttls"
username = "leads@example.org"
password_env = "JOBDIGEST_SMTP_PASSWORD"
from_address = "Job Leads <leads@example.org>"

[digest]
day = "monday"
time = "07:00"
max_postings = 25

[web]
base_url = "https://leads.example.org"
secret_key_env = "JOBDIGEST_SECRET_KEY"

# [[feeds]]
# url = "https://example.org/jobs.rss"
# subgroups = ["Marketing"]
"""


def write_starter(directory: Path) -> tuple[Path, bool]:
    """DIRECTORY/jobdigest.toml (created with its folder), or the one already there, kept."""
    path = directory / "jobdigest.toml"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        if path.exists():
            return path, False
        path.write_text(STARTER, encoding="utf-8")
    except OSError as exc:
        raise ServiceError(
            f"{directory}: cannot create the config there: {os_problem(exc)}; "
            "choose a folder you can write to (jobdigest init DIR)"
        ) from None
    return path, True


GROUP_STARTER = """\
# Group {slug!r} of this installation: its own name, time zone, inbox, SMTP, digest time, feeds
# and boards. Site-wide settings ([database], [web], [fetch], [tagging], [queue]) stay in
# jobdigest.toml. Reference: README.md ("Many groups").

[group]
name = {name}
timezone = {timezone}
contact = ""
inside_contacts_default = false
inbox_address = ""                # where this group's members forward postings

# [inbox]                         # this group's own inbox (another mailbox than any other group's)
# host = "imap.example.org"
# username = "{slug}-leads@example.org"
# password_env = "JOBDIGEST_IMAP_PASSWORD_{env}"

# [smtp]
# host = "smtp.example.org"
# username = "{slug}-leads@example.org"
# password_env = "JOBDIGEST_SMTP_PASSWORD_{env}"
# from_address = "Job Leads <{slug}-leads@example.org>"

[digest]
day = "monday"
time = "07:00"

# [[feeds]]
# url = "https://example.org/jobs.rss"
# subgroups = ["Marketing"]
"""


def write_group_file(folder: Path, slug: str, name: str, timezone: str) -> Path:
    """groups/<slug>.toml from the template; an existing file is refused, never overwritten."""
    import json

    path = folder / f"{slug}.toml"
    text = GROUP_STARTER.format(
        slug=slug,
        name=json.dumps(name or slug),
        timezone=json.dumps(timezone),
        env=slug.upper().replace("-", "_"),
    )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        raise ServiceError(f"{path}: exists already; remove it or choose another slug") from None
    except OSError as exc:
        raise ServiceError(f"{folder}: cannot write {path.name} there: {os_problem(exc)}") from None
    return path
