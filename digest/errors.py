"""Errors a user can fix: the CLI shows them as one line and exits 2 (usage/input) or 1 (failure)."""

from __future__ import annotations

import errno


class UserError(Exception):
    """Bad input from the user (config, CSV, TOML, arguments): exit code 2, no traceback."""

    exit_code = 2


class ServiceError(Exception):
    """A server or resource failed (IMAP, SMTP, database): exit code 1, no traceback."""

    exit_code = 1


class LoginRefused(ServiceError):
    """A server refused the configured login: trying again with the same password cannot help."""


_OS_PROBLEMS = {
    errno.ENOENT: "no such file or folder",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EISDIR: "is a folder, not a file",
    errno.ENOTDIR: "part of the path is not a folder",
    errno.EROFS: "read-only file system",
    errno.ENOSPC: "no space left on the device",
    errno.EEXIST: "already exists",
}


def os_problem(exc: OSError) -> str:
    """What went wrong with a file, in words ('permission denied'), never '[Errno 13] ...'."""
    known = _OS_PROBLEMS.get(exc.errno or -1)
    if known:
        return known
    return (exc.strerror or type(exc).__name__).lower()


def readable(value: object) -> str:
    """A server's reply as text: bytes decoded, so no b'...' reaches a user."""
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", "replace").strip()
    if isinstance(value, tuple | list) and value:
        return " ".join(readable(v) for v in value)
    return str(value).strip()


def decode_utf8(data: bytes, where: str) -> str:
    """Text of an uploaded or read file; Latin-1 or Windows-1252 files get a line saying how to fix them."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise UserError(
            f"{where}: line {line}: not UTF-8 text (byte 0x{data[exc.start]:02x}); "
            "save the file as UTF-8 (in Excel: 'CSV UTF-8') and try again"
        ) from None
