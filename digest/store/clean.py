"""Text made storable on every backend before it is written.

PostgreSQL refuses a NUL character in text and a value longer than its VARCHAR, and a btree
index entry over ~2.7 KB; SQLite takes all three. Mail is written by strangers, so every text
column filled from a mail goes through here: one bad header or link never costs the whole mail.
"""

from __future__ import annotations

import hashlib

#: a bounded key keeps this many characters and a digest of the whole, so it stays unique
_DIGEST_CHARS = 16


def storable(value: str | None, size: int | None = None) -> str:
    """`value` without NUL characters or unencodable surrogates, cut to `size` characters."""
    if not value:
        return ""
    if "\x00" in value:
        value = value.replace("\x00", "")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            value = value.encode("utf-8", "replace").decode("utf-8")
    return value[:size] if size and len(value) > size else value


def bounded_key(value: str | None, size: int) -> str:
    """A unique key (a canonical URL) that fits `size`: a longer one keeps its start and ends
    in a digest of the whole, so two long keys with the same start stay apart."""
    value = storable(value)
    if len(value) <= size:
        return value
    digest = hashlib.sha256(value.encode("utf-8")).hexdigest()[:_DIGEST_CHARS]
    return f"{value[: size - _DIGEST_CHARS - 1]}#{digest}"
