"""The weekly digest time in the group's zone: the rules live in digest/delivery/periods.py
(so `jobdigest groups list` shows each group's next digest too); the runner and the beat use
them from here."""

from __future__ import annotations

from digest.delivery.periods import WEEKDAYS, local_time, occurrences, previous

__all__ = ["WEEKDAYS", "local_time", "occurrences", "previous"]
