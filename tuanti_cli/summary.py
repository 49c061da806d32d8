"""Compliance per roster (the industry view, PRODUCT §8) or per department of one roster.

Counted by :func:`tuanti_cli.view.counts` and :func:`~tuanti_cli.view.department_counts`, with the
view's own rules for abnormality and NAT days: memory holds one row per roster or department.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from tuanti_cli import view
from tuanti_cli.models import Roster
from tuanti_cli.store import Store

_COUNTS = ("members", "green", "yellow", "red", "popup", "unknown", "nat_within_policy", "abnormal")
ROSTER_KEYS = ("roster_id", "name", *_COUNTS, "compliance", "last_refresh")
DEPARTMENT_KEYS = ("department", *_COUNTS, "compliance")


def compliance(members: int, abnormal: int) -> float | None:
    """Members not abnormal ÷ members, rounded to four places; ``None`` without members."""
    return None if members == 0 else round((members - abnormal) / members, 4)


def _worst_first(rows: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    """Lowest compliance first, rows without members last; ties by name (none last)."""
    return sorted(
        rows,
        key=lambda r: (
            r["compliance"] is None,
            r["compliance"] or 0.0,
            r[name] is None,
            r[name] or "",
        ),
    )


def by_roster(store: Store, rosters: Iterable[Roster], as_of: dt.datetime) -> list[dict[str, Any]]:
    """One row per roster (:data:`ROSTER_KEYS`), worst compliance first."""
    rows = []
    for roster in rosters:
        counted = view.counts(store, roster, as_of)
        row: dict[str, Any] = {"roster_id": roster.roster_id, "name": roster.name}
        row.update((key, counted[key]) for key in _COUNTS)
        row["compliance"] = compliance(counted["members"], counted["abnormal"])
        row["last_refresh"] = view.last_refresh(store, roster.roster_id)
        rows.append(row)
    return _worst_first(rows, "name")


def by_department(store: Store, roster: Roster, as_of: dt.datetime) -> list[dict[str, Any]]:
    """One row per department of ``roster`` (:data:`DEPARTMENT_KEYS`; ``department`` is
    ``None`` for the members without one), worst compliance first."""
    rows = []
    for counted in view.department_counts(store, roster, as_of):
        row: dict[str, Any] = {"department": counted["department"]}
        row.update((key, counted[key]) for key in _COUNTS)
        row["compliance"] = compliance(counted["members"], counted["abnormal"])
        rows.append(row)
    return _worst_first(rows, "department")
