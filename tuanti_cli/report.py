"""The N-day report (PRODUCT §8): each calendar day's counts, rebuilt from history.

Data only: the terminal chart lives in :mod:`tuanti_cli.cli.report`, the page in
:mod:`tuanti_cli.cli.report_html`. A day's state of a member is their latest change point
compared at or before the end of that day in Asia/Shanghai (``as_of`` for the last day), as
:func:`tuanti_cli.history.timelines` rebuilds it, judged at that moment by the view's rules
(:func:`tuanti_cli.view.nat_days`, :func:`tuanti_cli.view.is_abnormal`, in SQL as
:func:`tuanti_cli.view.counts` has them; a test holds the two to the same counts), so the last
day agrees with ``show --as-of`` and ``summary``.

A day counts the current members compared by then or enrolled by then; one enrolled but not
yet compared is ``unknown`` (and abnormal), as ``show`` has them. A day on which no current
member had been compared yet has no counts: every count is ``None`` (JSON ``null``), never
an invented zero.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from tuanti_cli import clock, view
from tuanti_cli.models import Roster
from tuanti_cli.store import Store
from tuanti_cli.summary import compliance

MIN_DAYS, MAX_DAYS, DEFAULT_DAYS = 1, 30, 7
"""``--days``: the history kept (30 days) bounds what can be rebuilt exactly."""
COUNT_KEYS = view.COUNT_KEYS
REPORT_CACHE_KIB = 64 << 10
DAY_KEYS = ("date", *COUNT_KEYS, "compliance")
NO_DEPARTMENT = ""
"""The ``departments`` key of members without a department (no department is named ``""``:
department text is trimmed and an empty one is none)."""

_CODE_INDEX = {code: 1 + i for i, code in enumerate(view.HEALTH_CODES)}
_NAT, _ABNORMAL = len(COUNT_KEYS) - 2, len(COUNT_KEYS) - 1


def moments(as_of: dt.datetime, days: int) -> list[dt.datetime]:
    """The moment each day is judged at, oldest first: the end of each of the ``days``
    calendar days (Asia/Shanghai) up to ``as_of``'s date, and ``as_of`` itself for the last."""
    if not MIN_DAYS <= days <= MAX_DAYS:
        raise ValueError(f"days must be {MIN_DAYS}..{MAX_DAYS}")
    last = clock.local_date(as_of)
    ends = [
        dt.datetime.combine(last - dt.timedelta(days=n), dt.time(23, 59, 59), clock.SHANGHAI)
        for n in range(days - 1, 0, -1)
    ]
    return [*ends, as_of.astimezone(clock.SHANGHAI)]


@dataclass
class Report:
    """A roster's per-day counts; ``departments`` only when asked for (``None`` otherwise)."""

    roster_id: str
    name: str
    max_nat_days: int
    days: list[dict[str, Any]]
    departments: dict[str, list[dict[str, Any]]] | None = field(default=None)

    def as_json(self) -> dict[str, Any]:
        """The JSON object without ``abnormal_now`` (the records stream after it)."""
        data: dict[str, Any] = {"roster_id": self.roster_id, "name": self.name, "days": self.days}
        if self.departments is not None:
            data["departments"] = self.departments
        return data


class _Tally:
    """Per-day counters (``COUNT_KEYS`` order) kept as differences: a span of days
    ``[first, last]`` adds at ``first`` and takes away after ``last``; :meth:`days` sums them.
    ``known`` counts the compared members (from change points) the same way."""

    def __init__(self, days: int) -> None:
        self.deltas = [[0] * len(COUNT_KEYS) for _ in range(days + 1)]
        self.known = [0] * (days + 1)

    def add(self, column: int, first: int, last: int, n: int) -> None:
        """``n`` more in ``column`` on each day from ``first`` to ``last`` (indexes)."""
        if first <= last:
            self.deltas[first][column] += n
            self.deltas[last + 1][column] -= n

    def days(self, dates: list[dt.date], known: list[int]) -> list[dict[str, Any]]:
        """One entry per date; no counts on a day before any comparison (``known`` 0)."""
        result = []
        running = [0] * len(COUNT_KEYS)
        for date, delta, compared in zip(dates, self.deltas, known, strict=False):
            running = [r + d for r, d in zip(running, delta, strict=True)]
            day: dict[str, Any] = {"date": date.isoformat()}
            if compared:
                day.update(zip(COUNT_KEYS, running, strict=True))
                day["compliance"] = compliance(running[0], running[_ABNORMAL])
            else:
                day.update(dict.fromkeys((*COUNT_KEYS, "compliance")))
            result.append(day)
        return result


# The history is read in storage order (NOT INDEXED: the index by member would fetch the rows of
# each member from pages all over the table), with a larger page cache for the query, as
# view.counts does. Each change point holds from when it was compared until the member's next one:
# as day indexes, from ``a`` (the day it was compared; 0 if before the report) to ``b`` (the day
# before the next point's day; the last day if none). A day's moment is its end, 23:59:59, or
# ``--as-of`` for the last day, and no point after ``--as-of`` is read, so a point on day d holds
# at d's moment. NAT days age within a span: the view's rule "sampled on or after the day minus
# max_nat_days" (the SQL of view.counts; stored times carry +08:00, so their first ten characters
# are the Shanghai date) holds up to day ``c``; the other abnormal reasons hold for the whole
# span. So every count is a span of days, summed per span shape in SQL and spread over the days in
# Python: no row per member and day.
_SPANS = """
WITH points AS (
    SELECT m.department AS department, h.compared_at AS start,
           lead(h.compared_at) OVER (
               PARTITION BY h.member_id ORDER BY h.compared_at, h.run_id) AS stop,
           coalesce(nullif(h.health_code, ''), 'unknown') AS code, h.nat_result AS nat_result,
           substr(nullif(h.nat_sampled_at, ''), 1, 10) AS sd, coalesce(h.flags, '') AS flags
    FROM health_history h NOT INDEXED CROSS JOIN member m ON m.id = h.member_id
    WHERE m.roster_id = :roster AND h.compared_at <= :last
      AND (h.compared_at >= :start OR h.id IN (
          -- SQLite takes a bare column from the row where max() is found
          SELECT id FROM (
              SELECT id, max(compared_at || printf(' %012d', run_id)) FROM health_history
              WHERE compared_at < :start GROUP BY member_id)))
), spans AS (
    SELECT department, code,
           max(0, CAST(julianday(substr(start, 1, 10)) - :first AS INTEGER)) AS a,
           CASE WHEN stop IS NULL THEN :days - 1
                ELSE CAST(julianday(substr(stop, 1, 10)) - :first AS INTEGER) - 1 END AS b,
           coalesce(CAST(julianday(sd) - :first AS INTEGER) + :max_nat_days, -1) AS c,
           (code IN ('yellow', 'red', 'popup', 'unknown') OR nat_result IS 'positive'
            OR sd IS NULL OR flags != '') AS always
    FROM points
)
SELECT department, code, a, b, min(b, c),
       CASE WHEN always THEN a ELSE max(a, c + 1) END, count(*)
FROM spans WHERE b >= a GROUP BY 1, 2, 3, 4, 5, 6
"""
# Members enrolled but not yet compared: unknown, without NAT, so abnormal (as `show` has
# them), from the day they enrolled to the day before their first comparison.
_UNCOMPARED = """
SELECT department, e, z, count(*) FROM (
    SELECT m.department AS department,
           max(0, CAST(julianday(substr(m.enrolled_at, 1, 10)) - :first AS INTEGER)) AS e,
           coalesce(CAST(julianday(substr((
               SELECT min(h.compared_at) FROM health_history h
               WHERE h.member_id = m.id AND h.compared_at <= :last), 1, 10))
               - :first AS INTEGER) - 1, :days - 1) AS z
    FROM member m WHERE m.roster_id = :roster AND m.enrolled_at <= :last
) WHERE z >= e GROUP BY 1, 2, 3
"""


def build(
    store: Store,
    roster: Roster,
    as_of: dt.datetime,
    days: int = DEFAULT_DAYS,
    by_department: bool = False,
) -> Report:
    """The report's counts of ``roster`` for the ``days`` days up to ``as_of`` (see the
    module's docstring), with a series per department when ``by_department``.

    Counted in SQL from the change points (one pass over the roster's history, as
    :func:`tuanti_cli.history.timelines` would rebuild each day, which a test holds it to):
    memory holds one row of counters per department and day, never the members.
    """
    stamps = moments(as_of, days)
    dates = [clock.local_date(moment) for moment in stamps]
    params = {
        "roster": roster.roster_id,
        "last": clock.iso(stamps[-1]),
        # Points before the first day matter only as each member's state when it begins:
        # the latest one, in the order the report sorts points (compared, then run).
        "start": clock.iso(dt.datetime.combine(dates[0], dt.time(), tzinfo=clock.SHANGHAI)),
        "first": dates[0].toordinal() + 1721424.5,  # julianday() of the first date
        "days": days,
        "max_nat_days": roster.max_nat_days,
    }
    total = _Tally(days)
    departments: dict[str, _Tally] = {}

    def tallies(department: str | None) -> list[_Tally]:
        if not by_department:
            return [total]
        key = NO_DEPARTMENT if department is None else department
        if key not in departments:
            departments[key] = _Tally(days)
        return [total, departments[key]]

    with store.larger_cache(REPORT_CACHE_KIB):
        spans = store.conn.execute(_SPANS, params).fetchall()
        uncompared = store.conn.execute(_UNCOMPARED, params).fetchall()
    for department, code, a, b, nat_end, abnormal_from, n in spans:
        for tally in tallies(department):
            tally.add(0, a, b, n)
            tally.add(_CODE_INDEX.get(code, _CODE_INDEX["unknown"]), a, b, n)
            tally.add(_NAT, a, nat_end, n)
            tally.add(_ABNORMAL, abnormal_from, b, n)
            tally.known[a] += n
            tally.known[b + 1] -= n
    for department, first, last, n in uncompared:
        for tally in tallies(department):
            for column in (0, _CODE_INDEX["unknown"], _ABNORMAL):
                tally.add(column, first, last, n)
    # A day is known once any member of the roster had been compared by then; a
    # department's days follow the roster's (its members may all be uncompared that day).
    known, running = [], 0
    for delta in total.known[:days]:
        running += delta
        known.append(running)
    return Report(
        roster_id=roster.roster_id,
        name=roster.name,
        max_nat_days=roster.max_nat_days,
        days=total.days(dates, known),
        departments=(
            {name: departments[name].days(dates, known) for name in _department_order(departments)}
            if by_department
            else None
        ),
    )


def _department_order(departments: dict[str, Any]) -> list[str]:
    """Departments by name, the members without one last."""
    return sorted(departments, key=lambda name: (name == NO_DEPARTMENT, name))
