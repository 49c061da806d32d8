"""The counts of closed days that the report keeps (table ``report_day``, migration 0006).

A day before the report's last one is judged at its end, 23:59:59 in Asia/Shanghai, so its
counts change only when something that held by then changes: a change point compared by
then, a member enrolled by then, a member's department, a withdrawal, the roster's policy.
The migration's triggers forget exactly those days on each such write, and a purge forgets
the days its deleted points held (:func:`tuanti_cli.history.purge`); so a kept day is what
counting it again from history would give. Enrolments need no trigger: a day is kept only
once it has ended by the real clock, and enrolments are stamped by the real clock, so every
one comes after the end of every kept day. Only counts are kept (no member), in the store.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from tuanti_cli import clock
from tuanti_cli.view import COUNT_KEYS

ROSTER, DEPARTMENT = 0, 1
"""``kind`` of a row: the whole roster's counts, or one department's."""
NO_DEPARTMENT = ""
"""The department key of members without one (no department is named ``""``: department
text is trimmed and an empty one is none)."""
_COLUMNS = ", ".join(COUNT_KEYS)


@dataclass
class DayCounts:
    """One day's counts in :data:`COUNT_KEYS` order: the roster's, and each department's
    that had members that day; ``compared`` is how many members had been compared by then
    (none: the day has no counts)."""

    compared: int
    total: list[int]
    departments: dict[str, list[int]] = field(default_factory=dict)


def read(conn: Any, roster_id: str, first: dt.date, last: dt.date) -> dict[dt.date, DayCounts]:
    """The kept days of ``roster_id`` from ``first`` to ``last``."""
    days: dict[dt.date, DayCounts] = {}
    for day, kind, department, compared, *counts in conn.execute(
        f"SELECT day, kind, department, compared, {_COLUMNS} FROM report_day"
        " WHERE roster_id = ? AND day BETWEEN ? AND ? ORDER BY day, kind",
        (roster_id, first.isoformat(), last.isoformat()),
    ):
        date = dt.date.fromisoformat(day)
        if kind == ROSTER:
            days[date] = DayCounts(compared, counts)
        elif date in days:
            days[date].departments[department] = counts
    return days


def keep(conn: Any, roster_id: str, days: Iterable[tuple[dt.date, DayCounts]]) -> None:
    """Keep these days' counts of ``roster_id``, in place of what was kept for them; only
    the days that have ended by the real clock (see the module's docstring)."""
    today = clock.local_date(clock.now())
    rows: list[tuple[Any, ...]] = []
    for date, counts in days:
        if date >= today:
            continue
        day = date.isoformat()
        rows.append((roster_id, day, ROSTER, NO_DEPARTMENT, counts.compared, *counts.total))
        rows += [
            (roster_id, day, DEPARTMENT, name, 0, *values)
            for name, values in counts.departments.items()
        ]
    conn.executemany(
        "DELETE FROM report_day WHERE roster_id = ? AND day = ?",
        sorted({(row[0], row[1]) for row in rows}),
    )
    conn.executemany(
        f"INSERT INTO report_day (roster_id, day, kind, department, compared,"
        f" {_COLUMNS}) VALUES ({', '.join('?' * (5 + len(COUNT_KEYS)))})",
        rows,
    )
