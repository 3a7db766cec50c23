"""Mail headers built from data (member names, the group's name): never a way to add a header.

Names come from CSV imports and the preferences page. Both refuse control characters, but rows
stored before that check, or written to the database by hand, may still hold a CR or LF; the
stdlib then raises (a 500 on the sign-in page) or, with other policies, folds the value into a
new header line. Every header value taken from data goes through `header_text` first.
"""

from __future__ import annotations

import re
from email.headerregistry import Address
from email.utils import parseaddr

from digest.store.members import CONTROL_CHARS

_SPACES = re.compile(r"\s+")


def header_text(value: str) -> str:
    """`value` as one line: control characters (CR and LF among them) become spaces."""
    return _SPACES.sub(" ", CONTROL_CHARS.sub(" ", value or "")).strip()


def mailbox(name: str, address: str) -> Address:
    """A To/From mailbox whose display name cannot break out of its header. An address with a
    control character is refused (ValueError), never "cleaned" into someone else's address."""
    if CONTROL_CHARS.search(address or ""):
        raise ValueError(f"address {address!r} contains a line break or control character")
    return Address(display_name=header_text(name), addr_spec=address)


#: names and addresses that str(mailbox(...)) writes as they are: nothing to quote or parse
_PLAIN_NAME = re.compile(r"[A-Za-z0-9]+(?: [A-Za-z0-9]+)*")
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9._+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


def mailbox_text(name: str, address: str) -> str:
    """str(mailbox(name, address)), without the email package's parsing in the common case of
    a plain name and address (a digest writes one To header per member)."""
    display = header_text(name)
    if _PLAIN_NAME.fullmatch(display) and _PLAIN_ADDRESS.fullmatch(address or ""):
        return f"{display} <{address}>"
    return str(mailbox(name, address))


def from_header(from_address: str) -> str:
    """smtp.from_address as a header value, its display name cleaned like any name."""
    name, address = parseaddr(header_text(from_address))
    return str(mailbox(name, address)) if address else header_text(from_address)
