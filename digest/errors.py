"""Errors a user can fix: the CLI shows them as one line and exits 2 (usage/input) or 1 (failure)."""


class UserError(Exception):
    """Bad input from the user (config, CSV, TOML, arguments): exit code 2, no traceback."""

    exit_code = 2


class ServiceError(Exception):
    """A server or resource failed (IMAP, SMTP, database): exit code 1, no traceback."""

    exit_code = 1
