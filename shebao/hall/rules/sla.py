"""SLA colours for the staff workbench. Pure: no Django.

The due date is ``statutory limit`` working days after the submission day (kernel
calendar, computed by the caller). ``remaining`` is the number of working days from
today to the due date (negative once overdue).
"""

from __future__ import annotations

import enum


class Sla(enum.StrEnum):
    GREEN = "green"  # on time
    AMBER = "amber"  # due soon
    RED = "red"  # overdue
    DONE = "done"  # completed (no clock)


def sla_colour(*, remaining: int | None, limit: int, final: bool = False) -> Sla:
    """Red when overdue, amber in the last quarter of the limit (at least the last day)."""
    if final or remaining is None:
        return Sla.DONE
    if remaining < 0:
        return Sla.RED
    if remaining <= max(1, limit // 4):
        return Sla.AMBER
    return Sla.GREEN
