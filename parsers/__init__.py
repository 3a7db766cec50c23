"""Pure parsing: bytes or text in, dataclasses out. No database, no network, no clock."""
