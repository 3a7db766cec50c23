"""Mail headers built from data (member names, the group's name): never a way to add a header.

Names come from CSV imports and the preferences page. Both refuse control characters, but rows
stored before that check, or written to the database by hand, may still hold a CR or LF; the
stdlib then raises (a 500 on the sign-in page) or, with other policies, folds the value into a
new header line. Every header value taken from data goes through `header_text` first.
"""

from __future__ import annotations

import re
from email.headerregistry import Address

from digest.store.members import CONTROL_CHARS

_SPACES = re.compile(r"\s+")


def header_text(value: str) -> str:
    """`value` as one line: control characters (CR and LF among them) become spaces."""
    return _SPACES.sub(" ", CONTROL_CHARS.sub(" ", value or "")).strip()


def mailbox(name: str, address: str) -> Address:
    """A To/From mailbox whose display name cannot break out of its header."""
    return Address(display_name=header_text(name), addr_spec=header_text(address))
