"""The N-day report (PRODUCT §8): each calendar day's counts, rebuilt from history.

Data only: the terminal chart lives in :mod:`tuanti_cli.cli.report`, the page in
:mod:`tuanti_cli.cli.report_html`. A day's state of a member is their latest change point
compared at or before the end of that day in Asia/Shanghai (``as_of`` for the last day), as
a member-by-member rebuild has it (``tests/rebuild.py``), judged at that moment by the view's
rules (:func:`tuanti_cli.view.nat_days`, :func:`tuanti_cli.view.is_abnormal`, in SQL as
:func:`tuanti_cli.view.counts` has them; a test holds the two to the same counts), so the last
day agrees with ``show --as-of`` and ``summary``.

A day counts the current members compared by then or enrolled by then; one enrolled but not
yet compared is ``unknown`` (and abnormal), as ``show`` has them. A day on which no current
member had been compared yet has no counts: every count is ``None`` (JSON ``null``), never
an invented zero.

Where the counts come from, cheapest first: a closed day (any but the last) that an earlier
report or the day's first refresh kept (:mod:`tuanti_cli.report_days`); the members' health
records, when they are each member's state on the days asked for (runs in time order and
none compared since: :func:`from_health`); otherwise the change points (the spans of
``_SPANS``). All three give the same counts, which tests hold them to.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

from tuanti_cli import clock, history, report_days, view
from tuanti_cli.models import Roster
from tuanti_cli.report_days import DayCounts
from tuanti_cli.store import Store
from tuanti_cli.summary import compliance

MIN_DAYS, MAX_DAYS, DEFAULT_DAYS = 1, history.RETENTION_DAYS, 7
"""``--days``: the history kept (30 days) bounds what can be rebuilt exactly."""
COUNT_KEYS = view.COUNT_KEYS
REPORT_CACHE_KIB = 64 << 10
NO_DEPARTMENT = report_days.NO_DEPARTMENT
"""The ``departments`` key of members without a department."""
ROSTER_KEY = None
"""The tally's key of the whole roster's counts (departments are keyed by name)."""

_CODE_INDEX = {code: 1 + i for i, code in enumerate(view.HEALTH_CODES)}
_NAT, _ABNORMAL = len(COUNT_KEYS) - 2, len(COUNT_KEYS) - 1
_DAY_END = dt.time(23, 59, 59)
"""Each day but the last is judged at its end."""


def moments(as_of: dt.datetime, days: int) -> list[dt.datetime]:
    """The moment each day is judged at, oldest first: the end of each of the ``days``
    calendar days (Asia/Shanghai) up to ``as_of``'s date, and ``as_of`` itself for the last."""
    if not MIN_DAYS <= days <= MAX_DAYS:
        raise ValueError(f"days must be {MIN_DAYS}..{MAX_DAYS}")
    last = clock.local_date(as_of)
    ends = [
        dt.datetime.combine(last - dt.timedelta(days=n), _DAY_END, clock.SHANGHAI)
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
    """Per-day counters (``COUNT_KEYS`` order) of the roster and of each department, kept as
    differences: a span of days ``[first, last]`` adds at ``first`` and takes away after
    ``last``; :meth:`days` sums them. ``compared`` counts the roster's compared members
    (from change points) the same way."""

    def __init__(self, days: int) -> None:
        self.size = days
        self.deltas: dict[str | None, list[list[int]]] = {}
        self.compared = [0] * (days + 1)

    def add(self, department: str | None, column: int, first: int, last: int, n: int) -> None:
        """``n`` more in ``column`` on each day from ``first`` to ``last`` (indexes), for the
        roster and for ``department`` (``None``: members without one)."""
        if first > last:
            return
        for key in (ROSTER_KEY, NO_DEPARTMENT if department is None else department):
            deltas = self.deltas.get(key)
            if deltas is None:
                deltas = self.deltas[key] = [[0] * len(COUNT_KEYS) for _ in range(self.size + 1)]
            deltas[first][column] += n
            deltas[last + 1][column] -= n

    def days(self) -> list[DayCounts]:
        """Each day's counts, summed."""
        sums = {key: list(accumulate(d, _plus))[: self.size] for key, d in self.deltas.items()}
        compared = list(accumulate(self.compared))
        zero = [0] * len(COUNT_KEYS)
        result = []
        for i in range(self.size):
            departments = {key: values[i] for key, values in sums.items() if key is not ROSTER_KEY}
            result.append(
                DayCounts(
                    compared[i],
                    sums[ROSTER_KEY][i] if ROSTER_KEY in sums else zero,
                    {key: counts for key, counts in departments.items() if counts[0]},
                )
            )
        return result


def _plus(a: list[int], b: list[int]) -> list[int]:
    return [x + y for x, y in zip(a, b, strict=True)]


# The history is read in storage order (NOT INDEXED: one pass reads each page once), with a larger
# page cache for the query, as view.counts does. Each change point holds from when it was compared
# until the member's next one: as day indexes, from ``a`` (the day it was compared; 0 if before the
# report) to ``b`` (the day before the next point's day; the last day if none). A day's moment is
# its end, 23:59:59, or ``--as-of`` for the last day, and no point after ``--as-of`` is read, so a
# point on day d holds at d's moment. NAT days age within a span: the view's rule "sampled on or
# after the day minus max_nat_days" (the SQL of view.counts; stored times carry +08:00, so their
# first ten characters are the Shanghai date) holds up to day ``c``; the other abnormal reasons hold
# for the whole span. So every count is a span of days, summed per span shape in SQL and spread over
# the days in Python: no row per member and day.
_SPANS = f"""
WITH points AS (
    SELECT m.department AS department, h.compared_at AS start,
           lead(h.compared_at) OVER (
               PARTITION BY h.member_id ORDER BY h.compared_at, h.run_id) AS stop,
           {view.judged_columns("h")}
    FROM health_history h NOT INDEXED CROSS JOIN member m ON m.id = h.member_id
    WHERE m.roster_id = :roster AND h.compared_at <= :last
      AND (h.compared_at >= :start OR h.id IN ({{baseline}}))
), spans AS (
    SELECT department, code,
           max(0, CAST(julianday(substr(start, 1, 10)) - :first AS INTEGER)) AS a,
           CASE WHEN stop IS NULL THEN :days - 1
                ELSE CAST(julianday(substr(stop, 1, 10)) - :first AS INTEGER) - 1 END AS b,
           coalesce(CAST(julianday(sd) - :first AS INTEGER) + :max_nat_days, -1) AS c,
           {view.ALWAYS_ABNORMAL} AS always
    FROM points
)
SELECT department, code, a, b, min(b, c),
       CASE WHEN always THEN a ELSE max(a, c + 1) END, count(*)
FROM spans WHERE b >= a GROUP BY 1, 2, 3, 4, 5, 6
"""
# Each member's latest point before the report's first day: where their state starts. In
# time order, the point before a member's first one since then (each point links to the
# previous), or, with none since, the member's latest; otherwise the latest in the report's
# order (compared, then run), grouped over the older points (SQLite takes a bare column from
# the row where max() is found).
_BASELINE_IN_ORDER = """
    SELECT previous_id FROM health_history WHERE compared_at >= :start
    UNION ALL SELECT point_id FROM health
"""
_BASELINE = """
    SELECT id FROM (
        SELECT id, max(compared_at || printf(' %012d', run_id)) FROM health_history
        WHERE compared_at < :start GROUP BY member_id)
"""
# Members enrolled but not yet compared: unknown, without NAT, so abnormal (as `show` has
# them), from the day they enrolled to the day before their first comparison. In time order
# a member's first point is the one that links to no point kept; with none from the first day
# to the last moment, a member with a health record was compared before the first day,
# unless first after the last moment.
_UNCOMPARED = """
SELECT department, e, z, count(*) FROM (
    SELECT m.department AS department,
           max(0, CAST(julianday(substr(m.enrolled_at, 1, 10)) - :first AS INTEGER)) AS e,
           coalesce(CAST(julianday(substr(f.first_at, 1, 10)) - :first AS INTEGER) - 1,
                    {otherwise}) AS z
    FROM member m LEFT JOIN ({first_points}) AS f ON f.member_id = m.id
    WHERE m.roster_id = :roster AND m.enrolled_at <= :last
) WHERE z >= e GROUP BY 1, 2, 3
"""
_TAIL = (
    "(t.previous_id IS NULL"
    " OR NOT EXISTS (SELECT 1 FROM health_history p WHERE p.id = t.previous_id))"
)
_FIRST_IN_ORDER = (
    "SELECT t.member_id, t.compared_at AS first_at FROM health_history t"
    f" WHERE t.compared_at >= :start AND t.compared_at <= :last AND {_TAIL}",
    "CASE WHEN m.id IN (SELECT member_id FROM health) AND m.id NOT IN ("
    f" SELECT t.member_id FROM health_history t WHERE t.compared_at > :last AND {_TAIL})"
    " THEN -1 ELSE :days - 1 END",
)
_FIRST = (
    "SELECT member_id, min(compared_at) AS first_at FROM health_history"
    " WHERE compared_at <= :last GROUP BY member_id",
    ":days - 1",
)


def build(
    store: Store,
    roster: Roster,
    as_of: dt.datetime,
    days: int = DEFAULT_DAYS,
    by_department: bool = False,
) -> Report:
    """The report's counts of ``roster`` for the ``days`` days up to ``as_of`` (see the
    module's docstring), with a series per department when ``by_department``.

    Closed days come from what earlier reports kept (:mod:`tuanti_cli.report_days`), the
    others are counted in SQL from the change points and kept; the last day is the view's
    counts when nothing newer than ``as_of`` was compared. Memory holds one row of counters
    per department and day, never the members.
    """
    stamps = moments(as_of, days)
    dates = [clock.local_date(moment) for moment in stamps]
    # One read transaction: the kept days, the counted ones and the last day all see the
    # same history, and what is kept matches the history it was counted from (if another
    # process wrote meanwhile, the counts are right for this report but are not kept).
    with store.larger_cache(REPORT_CACHE_KIB), store.snapshot() as keep:
        # Out of time order, a kept day could miss a run back in time: count them all.
        in_order = history.in_time_order(store.conn)
        closed, fresh = _closed_days(store, roster, dates[:-1], in_order)
        counted = [*closed, _last_day(store, roster, as_of, in_order)]
        keep(lambda conn: report_days.keep(conn, roster.roster_id, fresh))
    departments = None
    if by_department:
        names = {name for day in counted for name in day.departments}
        departments = {
            name: [
                _entry(date, day.departments.get(name, _ZERO), day.compared)
                for date, day in zip(dates, counted, strict=True)
            ]
            for name in _department_order(names)
        }
    return Report(
        roster_id=roster.roster_id,
        name=roster.name,
        max_nat_days=roster.max_nat_days,
        days=[
            _entry(date, day.total, day.compared) for date, day in zip(dates, counted, strict=True)
        ],
        departments=departments,
    )


_ZERO = [0] * len(COUNT_KEYS)


def _entry(date: dt.date, counts: list[int], compared: int) -> dict[str, Any]:
    """A day of the JSON: no counts before any member of the roster was compared (a
    department's days follow the roster's: its members may all be uncompared that day)."""
    day: dict[str, Any] = {"date": date.isoformat()}
    if compared:
        day.update(zip(COUNT_KEYS, counts, strict=True))
        day["compliance"] = compliance(counts[0], counts[_ABNORMAL])
    else:
        day.update(dict.fromkeys((*COUNT_KEYS, "compliance")))
    return day


def _closed_days(
    store: Store, roster: Roster, dates: list[dt.date], in_order: bool
) -> tuple[list[DayCounts], list[tuple[dt.date, DayCounts]]]:
    """The days before the last, each judged at its end: the kept ones read, the others
    counted; and those newly counted, to keep (none when out of order)."""
    if not dates:
        return [], []
    kept = report_days.read(store.conn, roster.roster_id, dates[0], dates[-1]) if in_order else {}
    # Days that ended before anything was compared have no counts to rebuild (a new million
    # -member roster's first report would otherwise read its history for each of them).
    first = _first_comparison(store.conn)
    kept.update(
        (date, DayCounts(0, list(_ZERO)))
        for date in dates
        if date not in kept and (first is None or first > _day_end(date))
    )
    missing = [i for i, date in enumerate(dates) if date not in kept]
    if not missing:
        return [kept[date] for date in dates], []
    span = dates[missing[0] : missing[-1] + 1]
    end = dt.datetime.combine(span[-1], _DAY_END, clock.SHANGHAI)
    fresh = list(zip(span, _counted(store, roster, span, end, in_order), strict=True))
    kept.update(fresh)
    return [kept[date] for date in dates], fresh if in_order else []


def _day_end(date: dt.date) -> str:
    return clock.iso(dt.datetime.combine(date, _DAY_END, clock.SHANGHAI))


def _first_comparison(conn: Any) -> str | None:
    """When the store's first run compared (any roster: a member may have moved since), or
    ``None`` when no run has; the empty string when a run's time is unknown (runs from
    before migration 0006 that wrote no change point), which is before every day."""
    (unknown,) = conn.execute("SELECT count(*) FROM run WHERE compared_at IS NULL").fetchone()
    if unknown:
        return ""
    (first,) = conn.execute("SELECT min(compared_at) FROM run").fetchone()
    return str(first) if first is not None else None


def _last_day(store: Store, roster: Roster, as_of: dt.datetime, in_order: bool) -> DayCounts:
    """The last day, judged at ``as_of``."""
    return _counted(store, roster, [clock.local_date(as_of)], as_of, in_order)[0]


def _counted(
    store: Store, roster: Roster, dates: list[dt.date], last: dt.datetime, in_order: bool
) -> list[DayCounts]:
    """The counts of consecutive ``dates``, each judged at its end and the last at ``last``:
    from the members' health records when they are each member's state on all of them (runs
    in time order and none compared after the first date's moment; and, unless ``last``
    ends its day, no member enrolled after it, since the records count enrolments by day);
    otherwise from history."""
    conn = store.conn
    stamp = clock.iso(last)
    first = dt.datetime.combine(dates[0], _DAY_END, clock.SHANGHAI)
    since = stamp if len(dates) == 1 else clock.iso(first)
    (latest,) = conn.execute("SELECT max(compared_at) FROM health_history").fetchone()
    day_end = last.astimezone(clock.SHANGHAI).time() == _DAY_END
    member = "NOT INDEXED" if view.in_storage_order(conn, roster.roster_id) else ""
    later = (
        not day_end
        and conn.execute(
            f"SELECT 1 FROM member {member} WHERE roster_id = ? AND enrolled_at > ? LIMIT 1",
            (roster.roster_id, stamp),
        ).fetchone()
    )
    if not in_order or (latest is not None and latest > since) or later:
        return _from_history(store, roster, dates, last, in_order)
    return from_health(conn, roster.roster_id, roster.max_nat_days, dates)


# Each member's health record reduced to what judging a day needs, read in storage order and
# tallied in Python (as view.department_counts does, for the same reason): the department;
# whether compared; for the others, the day they enrolled; the code; the NAT sampling date
# and whether they are abnormal whatever their NAT's age.
_HEALTH_STATES = f"""
SELECT department, compared, CASE WHEN compared THEN NULL ELSE substr(enrolled_at, 1, 10) END,
       code, sd, {view.ALWAYS_ABNORMAL}
FROM (
    SELECT m.department AS department, m.enrolled_at AS enrolled_at,
           h.member_id IS NOT NULL AS compared, {view.judged_columns("h")}
    FROM member m {{member}} LEFT JOIN health h ON h.member_id = m.id
    WHERE m.roster_id = :roster
)
"""


def from_health(
    conn: Any, roster_id: str, max_nat_days: int, dates: list[dt.date]
) -> list[DayCounts]:
    """The counts of ``dates`` from the members' health records, for when each record is its
    member's state on all of those days (no run compared in between): a member is counted
    on a day when compared, or when enrolled by that day; NAT days age day by day. One pass
    over the roster, whatever the number of days."""
    states = view.tally_members(conn, _HEALTH_STATES, {"roster": roster_id})
    tally = _Tally(len(dates))
    last = len(dates) - 1
    days = [date.isoformat() for date in dates]
    limits = [(date - dt.timedelta(days=max_nat_days)).isoformat() for date in dates]
    for (department, compared, enrolled, code, sd, always), n in states.items():
        if not compared:
            first = bisect.bisect_left(days, enrolled)
            for column in (0, _CODE_INDEX["unknown"], _ABNORMAL):
                tally.add(department, column, first, last, n)
            continue
        tally.compared[0] += n
        tally.compared[last + 1] -= n
        tally.add(department, 0, 0, last, n)
        tally.add(department, _CODE_INDEX.get(code, _CODE_INDEX["unknown"]), 0, last, n)
        # Within the policy on the days whose limit is not after the sampling date.
        within = bisect.bisect_right(limits, sd) if sd is not None else 0
        tally.add(department, _NAT, 0, within - 1, n)
        tally.add(department, _ABNORMAL, 0 if always else within, last, n)
    return tally.days()


def keep_days_before(conn: Any, scope: str | None, run_id: int, compared_at: dt.datetime) -> None:
    """Before run ``run_id`` (compared at ``compared_at``) changes any health record: keep
    the counts of the days since the previous run, for each roster in ``scope`` (``None``:
    all). The members' records are their state on each of those days, so no report counts
    them again from history: one pass over each roster, on the day's first run only."""
    if not history.in_time_order(conn):
        conn.execute("DELETE FROM report_day")  # never read again (see build)
        return
    today = clock.local_date(compared_at)
    ended = clock.local_date(clock.now())  # only days over by the real clock are kept
    for roster_id, max_nat_days, previous in conn.execute(
        "SELECT r.roster_id, r.max_nat_days, (SELECT max(compared_at) FROM run"
        "  WHERE run_id < :run AND (roster_id IS NULL OR roster_id = r.roster_id))"
        " FROM roster r WHERE (:scope IS NULL OR r.roster_id = :scope)",
        {"run": run_id, "scope": scope},
    ).fetchall():
        if previous is None:
            continue
        first = max(dt.date.fromisoformat(previous[:10]), today - dt.timedelta(days=MAX_DAYS))
        dates = [first + dt.timedelta(days=n) for n in range((today - first).days)]
        dates = [date for date in dates if date < ended]
        if dates:
            days = from_health(conn, roster_id, max_nat_days, dates)
            report_days.keep(conn, roster_id, zip(dates, days, strict=True))


def _from_history(
    store: Store, roster: Roster, dates: list[dt.date], last: dt.datetime, in_order: bool
) -> list[DayCounts]:
    """The counts of consecutive ``dates``, each judged at its end and the last at ``last``,
    rebuilt in SQL from the change points in one pass over the roster's history (as
    a member-by-member rebuild would each day, which a test holds it to)."""
    params = {
        "roster": roster.roster_id,
        "last": clock.iso(last),
        # Points before the first day matter only as each member's state when it begins:
        # the latest one, in the order the report sorts points (compared, then run).
        "start": clock.iso(dt.datetime.combine(dates[0], dt.time(), tzinfo=clock.SHANGHAI)),
        "first": dates[0].toordinal() + 1721424.5,  # julianday() of the first date
        "days": len(dates),
        "max_nat_days": roster.max_nat_days,
    }
    tally = _Tally(len(dates))
    baseline = _BASELINE_IN_ORDER if in_order else _BASELINE
    first_points, otherwise = _FIRST_IN_ORDER if in_order else _FIRST
    spans = store.conn.execute(_SPANS.format(baseline=baseline), params).fetchall()
    uncompared = store.conn.execute(
        _UNCOMPARED.format(first_points=first_points, otherwise=otherwise), params
    ).fetchall()
    for department, code, a, b, nat_end, abnormal_from, n in spans:
        tally.add(department, 0, a, b, n)
        tally.add(department, _CODE_INDEX.get(code, _CODE_INDEX["unknown"]), a, b, n)
        tally.add(department, _NAT, a, nat_end, n)
        tally.add(department, _ABNORMAL, abnormal_from, b, n)
        tally.compared[a] += n
        tally.compared[b + 1] -= n
    for department, first, last_day, n in uncompared:
        for column in (0, _CODE_INDEX["unknown"], _ABNORMAL):
            tally.add(department, column, first, last_day, n)
    return tally.days()


def _department_order(departments: Iterable[str]) -> list[str]:
    """Departments by name, the members without one last."""
    return sorted(departments, key=lambda name: (name == NO_DEPARTMENT, name))
