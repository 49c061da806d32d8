"""The masked roster view (PRODUCT §6): records, NAT days, abnormality, filters.

One record definition (:data:`RECORD_KEYS`, :func:`member_records`) serves every writer: the
table, CSV, JSON, XLSX (and the report's HTML); CSV and JSON take it already written as text
by SQLite (:func:`text_row_batches`, :func:`json_row_batches`), which tests hold to the same
records. Records stream from SQLite: NAT days and abnormality are computed in SQL (the same
rules as :func:`nat_days` and :func:`is_abnormal`, which a test holds them to), and ID numbers
and phones are masked there, so filters, the abnormal-first order and the counts of
:func:`view_summary` and :mod:`tuanti_cli.summary` need no record in memory.
"""

from __future__ import annotations

import collections
import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from tuanti_cli import clock
from tuanti_cli.masking import mask_id_sql, mask_phone_sql
from tuanti_cli.models import Roster
from tuanti_cli.store import Store

HEALTH_CODES = ("green", "yellow", "red", "popup", "unknown")
ABNORMAL_CODES = frozenset(["yellow", "red", "popup", "unknown"])
VACCINATIONS = ("booster", "primary", "partial", "exempt", "unknown")

RECORD_KEYS = (
    "member_no",
    "name",
    "department",
    "id_number",
    "phone",
    "health_code",
    "nat_sampled_at",
    "nat_result",
    "nat_days",
    "vaccination",
    "vaccine_doses",
    "last_dose_date",
    "compared_at",
    "abnormal",
    "flags",
)


def nat_days(sampled_at: str | None, as_of: dt.datetime) -> int | None:
    """Calendar days in Asia/Shanghai from the sampling date to the view date (today → 0).

    Never negative: a sample up to an hour "in the future" is accepted (clocks differ), and
    one taken just after midnight counts as today's.
    """
    if not sampled_at:
        return None
    if sampled_at.endswith(clock.SHANGHAI_OFFSET):
        sampled = dt.date.fromisoformat(sampled_at[:10])  # stored in Asia/Shanghai already
    else:
        sampled = clock.local_date(dt.datetime.fromisoformat(sampled_at))
    return max(0, (clock.local_date(as_of) - sampled).days)


def is_abnormal(
    health_code: str, nat_result: str | None, days: int | None, flags: list[str], max_nat_days: int
) -> bool:
    """Abnormal: a non-green code, a positive NAT, no NAT within the policy, or any flag.

    A member without any NAT sampling time cannot be shown to be within the policy, so a
    missing NAT counts as over the limit.
    """
    return (
        health_code in ABNORMAL_CODES
        or nat_result == "positive"
        or days is None
        or days > max_nat_days
        or bool(flags)
    )


@dataclass(frozen=True)
class Filters:
    """What ``show`` keeps: every given filter must match (empty means "any").

    ``departments`` holds exact department names; ``None`` among them stands for the
    members without a department.
    """

    abnormal: bool = False
    health_codes: tuple[str, ...] = ()
    nat_days_over: int | None = None
    vaccinations: tuple[str, ...] = ()
    departments: tuple[str | None, ...] = ()


NO_FILTERS = Filters()

# Stored sampling times carry +08:00 (tuanti writes them so), so the first ten characters are
# the Shanghai date and compare as text with a cutoff date: ``sd >= cutoff`` is "NAT days <=
# max_nat_days", the same rule as :func:`nat_days` (a test holds the two to the same counts).
# A member never compared has no health row: every ``h`` column is NULL, so the code is
# 'unknown' (abnormal).
_CODE_OF = "coalesce(nullif({t}.health_code, ''), 'unknown')"
_SD_OF = "substr(nullif({t}.nat_sampled_at, ''), 1, 10)"
_FLAGS_OF = "coalesce({t}.flags, '')"
_CODE, _SD, _FLAGS = (term.format(t="h") for term in (_CODE_OF, _SD_OF, _FLAGS_OF))
_VACCINATION = "coalesce(nullif(h.vaccination, ''), 'unknown')"


def judged_columns(table: str) -> str:
    """What the rules judge of a health or history row ``table`` (an alias), as the columns
    ``code, nat_result, sd, flags`` that :data:`ALWAYS_ABNORMAL` reads."""
    return (
        f"{_CODE_OF.format(t=table)} AS code, {table}.nat_result AS nat_result,"
        f" {_SD_OF.format(t=table)} AS sd, {_FLAGS_OF.format(t=table)} AS flags"
    )


@dataclass(frozen=True)
class _Terms:
    """How a query names the computed values the filters test."""

    code: str
    sd: str
    vaccination: str
    abnormal: str


def _always_abnormal(code: str, result: str, sd: str, flags: str) -> str:
    return (
        f"({code} IN ('yellow', 'red', 'popup', 'unknown') OR {result} IS 'positive'"
        f" OR {sd} IS NULL OR {flags} != '')"
    )


def _abnormal(code: str, result: str, sd: str, flags: str) -> str:
    return f"({_always_abnormal(code, result, sd, flags)} OR {sd} < :cutoff)"


ALWAYS_ABNORMAL = _always_abnormal("code", "nat_result", "sd", "flags")
"""Abnormal whatever the NAT's age (over :func:`judged_columns`); otherwise only once the
NAT was sampled before the policy's limit (``sd < :cutoff``)."""


# The counts read this as a co-routine (its ORDER BY … LIMIT -1 keeps SQLite from flattening
# it), so each expression is computed once per member, in index order, with no sort.
_INNER = f"""
    SELECT m.member_no, m.name, m.department, m.id_number, m.phone, {_CODE} AS code,
           h.nat_sampled_at, h.nat_result, {_SD} AS sd, {_VACCINATION} AS vaccination,
           h.vaccine_doses, h.last_dose_date, {_FLAGS} AS flags
    FROM member m LEFT JOIN health h ON h.member_id = m.id
    WHERE m.roster_id = :roster{{inner}}
    ORDER BY {{order}} LIMIT -1
"""
_ABNORMAL = _abnormal("code", "nat_result", "sd", "flags")
_OVER_INNER = _Terms("code", "sd", "vaccination", _ABNORMAL)

# The records, one flat query per pass: its conditions test the health row alone, so SQLite
# reads a member's own row (name, ID, phone) only for the members the pass keeps. In member
# number order from the index, with no sort. ID numbers and phones are masked by SQLite: the
# full numbers never reach Python.
_ROWS = """
    SELECT {columns}
    FROM member m LEFT JOIN health h ON h.member_id = m.id
    WHERE m.roster_id = :roster{where}
    ORDER BY m.member_no
"""
_DAYS = f"max(0, CAST(:today - julianday({_SD}) AS INTEGER))"
# A member's record is rewritten only when their state changes: when they were last compared
# is when the roster's latest run compared (it compares everyone then in the roster, and only
# they have a record), or, before migration 0006 gave runs that time, their record's stamp.
_COMPARED = "CASE WHEN h.member_id IS NOT NULL THEN coalesce(:compared, h.compared_at) END"
# Each value of a record, as SQL; ``{abnormal}`` is filled in per pass.
_VALUES = {
    "member_no": "m.member_no",
    "name": "m.name",
    "department": "m.department",
    "id_number": mask_id_sql("m.id_number"),
    "phone": mask_phone_sql("m.phone"),
    "health_code": _CODE,
    "nat_sampled_at": "h.nat_sampled_at",
    "nat_result": "h.nat_result",
    "nat_days": _DAYS,
    "vaccination": _VACCINATION,
    "vaccine_doses": "h.vaccine_doses",
    "last_dose_date": "h.last_dose_date",
    "compared_at": _COMPARED,
    "abnormal": "{abnormal}",
    "flags": _FLAGS,
}
_TRUE_FALSE = "CASE WHEN {abnormal} THEN 'true' ELSE 'false' END"
_RECORD_COLUMNS = ", ".join(_VALUES[key] for key in RECORD_KEYS)
# The same record as text cells: no value as '', numbers as digits, abnormal as true/false,
# flags joined by ';'.
# Only the values that can be missing are coalesced, and only numbers cast: each costs time
# over a million rows.
_AS_TEXT = {"abnormal": _TRUE_FALSE, "flags": f"replace({_FLAGS}, ',', ';')"}
_NUMBERS = ("nat_days", "vaccine_doses")
_MAYBE_MISSING = (
    *_NUMBERS,
    "department",
    "nat_sampled_at",
    "nat_result",
    "last_dose_date",
    "compared_at",
)


def _as_text(key: str) -> str:
    if key in _AS_TEXT:
        return _AS_TEXT[key]
    value = f"CAST({_VALUES[key]} AS TEXT)" if key in _NUMBERS else _VALUES[key]
    return f"coalesce({value}, '')" if key in _MAYBE_MISSING else value


_TEXT_COLUMNS = ", ".join(_as_text(key) for key in RECORD_KEYS)
# The same record as the text of one JSON object, exactly as ``json.dumps(record,
# ensure_ascii=False)`` writes it (a test holds the two to the same bytes): json_quote()
# escapes as Python's encoder does, and flags are fixed words.
_AS_JSON = {
    "abnormal": _TRUE_FALSE,
    "flags": f"""CASE {_FLAGS} WHEN '' THEN '[]'
        ELSE '["' || replace({_FLAGS}, ',', '", "') || '"]' END""",
}
_JSON_COLUMNS = (  # braces doubled: the columns are a template for the abnormal term
    "'{{' || "
    + " || ', ' || ".join(
        f"""'"{key}": ' || {_AS_JSON.get(key, f"json_quote({_VALUES[key]})")}"""
        for key in RECORD_KEYS
    )
    + " || '}}'"
)
_OVER_TABLES = _Terms(_CODE, _SD, _VACCINATION, _abnormal(_CODE, "h.nat_result", _SD, _FLAGS))


def _today(as_of: dt.datetime) -> float:
    """The view date as a Julian day number, as SQLite's ``julianday()`` gives dates."""
    return clock.local_date(as_of).toordinal() + 1721424.5


def _filter_sql(
    filters: Filters, params: dict[str, Any], today: dt.date, terms: _Terms
) -> tuple[str, str]:
    """SQL conditions on the member table (inner) and on the computed values as ``terms``
    names them (outer)."""
    inner, outer = [], []
    if filters.departments:
        named = [d for d in filters.departments if d is not None]
        either = []
        if named:
            # The unary + keeps SQLite on the member-number index, so rows come in order
            # without a sort (a sort of a million rows would be held in memory).
            either.append(f"+m.department IN ({_marks(params, 'dept', named)})")
        if None in filters.departments:
            either.append("m.department IS NULL")
        inner.append("(" + " OR ".join(either) + ")")
    if filters.abnormal:
        outer.append(terms.abnormal)
    for field, values, term in (
        ("code", filters.health_codes, terms.code),
        ("vaccination", filters.vaccinations, terms.vaccination),
    ):
        if values:
            outer.append(f"{term} IN ({_marks(params, field, values)})")
    # NAT days are never negative: a limit below 0 keeps everyone.
    if filters.nat_days_over is not None and filters.nat_days_over >= 0:
        # A limit further back than the calendar goes leaves only those never sampled.
        days = min(filters.nat_days_over, today.toordinal() - 1)
        params["over"] = (today - dt.timedelta(days=days)).isoformat()
        outer.append(f"({terms.sd} IS NULL OR {terms.sd} < :over)")
    return "".join(f" AND {c}" for c in inner), "".join(f" AND {c}" for c in outer)


def _marks(params: dict[str, Any], prefix: str, values: Iterable[Any]) -> str:
    """Named parameters for ``values`` (added to ``params``), as the inside of ``IN (…)``."""
    marks = []
    for i, value in enumerate(values):
        params[f"{prefix}{i}"] = value
        marks.append(f":{prefix}{i}")
    return ", ".join(marks)


def _params(roster: Roster, as_of: dt.datetime) -> dict[str, Any]:
    today = clock.local_date(as_of)
    return {
        "roster": roster.roster_id,
        "today": _today(as_of),
        "cutoff": (today - dt.timedelta(days=roster.max_nat_days)).isoformat(),
    }


def last_compared(conn: Any, roster_id: str | None) -> str | None:
    """When the latest run that compared the roster (its own or a store-wide one) compared:
    every member of the roster with a health record was compared then. ``None`` when no run
    did, or when that run is older than migration 0006 (its records carry the time).
    ``roster_id`` ``None``: the latest run of the store, whichever it covered."""
    row = conn.execute(
        "SELECT compared_at FROM run WHERE ?1 IS NULL OR roster_id = ?1 OR roster_id IS NULL"
        " ORDER BY run_id DESC LIMIT 1",
        (roster_id,),
    ).fetchone()
    return None if row is None else row[0]


def member_records(
    store: Store,
    roster: Roster,
    as_of: dt.datetime,
    filters: Filters = NO_FILTERS,
    ordered: bool = True,
) -> Iterator[dict[str, Any]]:
    """The members of ``roster`` matching ``filters`` as masked §6 records, streamed.

    Abnormal first, then by member number (two index-ordered passes, so no sort holds the
    roster in memory); ``ordered=False`` gives one pass by member number, the abnormal and
    the others mixed, for callers that measure the records or put them in order themselves.
    Iterate while the store is open.
    """
    for rows in member_row_batches(store, roster, as_of, filters, ordered):
        for row in rows:
            yield dict(zip(RECORD_KEYS, row, strict=True))


def member_row_batches(
    store: Store,
    roster: Roster,
    as_of: dt.datetime,
    filters: Filters = NO_FILTERS,
    ordered: bool = True,
) -> Iterator[list[tuple[Any, ...]]]:
    """:func:`member_records` as tuples in :data:`RECORD_KEYS` order, in lists, one per read
    from SQLite, for a writer that takes a batch at a time."""
    for rows in _row_batches(store, roster, as_of, filters, ordered, _RECORD_COLUMNS):
        yield list(map(_record, rows))


def text_row_batches(
    store: Store,
    roster: Roster,
    as_of: dt.datetime,
    filters: Filters = NO_FILTERS,
    ordered: bool = True,
) -> Iterator[list[tuple[str, ...]]]:
    """:func:`member_row_batches` as text cells, as SQLite gives them (a million rows of CSV,
    each step in Python counts): no value is ``''``, numbers are digits, ``abnormal`` is
    ``true`` or ``false`` and the flags are joined by ``;``. The name and the department are
    the public's text, as entered: a writer defuses them."""
    yield from _row_batches(store, roster, as_of, filters, ordered, _TEXT_COLUMNS)


def json_row_batches(
    store: Store,
    roster: Roster,
    as_of: dt.datetime,
    filters: Filters = NO_FILTERS,
    ordered: bool = True,
) -> Iterator[list[str]]:
    """:func:`member_records` as the text of JSON objects (``json.dumps(record,
    ensure_ascii=False)``), made by SQLite: a million records, each built in Python, take
    twice as long."""
    for rows in _row_batches(store, roster, as_of, filters, ordered, _JSON_COLUMNS):
        yield [row[0] for row in rows]


def _row_batches(
    store: Store,
    roster: Roster,
    as_of: dt.datetime,
    filters: Filters,
    ordered: bool,
    columns: str,
) -> Iterator[list[Any]]:
    params = {**_params(roster, as_of), "compared": last_compared(store.conn, roster.roster_id)}
    today = clock.local_date(as_of)
    abnormal = _OVER_TABLES.abnormal
    if ordered:
        # Each pass tests abnormality itself, so the records need not.
        inner, outer = _filter_sql(replace(filters, abnormal=False), params, today, _OVER_TABLES)
        passes = [("1", f"{inner}{outer} AND {abnormal}")]
        if not filters.abnormal:
            passes.append(("0", f"{inner}{outer} AND NOT {abnormal}"))
    else:
        inner, outer = _filter_sql(filters, params, today, _OVER_TABLES)
        passes = [(abnormal, f"{inner}{outer}")]
    lengths = by_number_passes(store.conn, roster.roster_id)
    for shown, where in passes:
        for length in lengths:
            sql = _ROWS.format(columns=columns.format(abnormal=shown), where=where + length)
            cursor = store.conn.execute(sql, params)
            while rows := cursor.fetchmany(1000):
                yield rows


_SHORTEST_NUMBER = len("M0001")


def by_number_passes(conn: Any, roster_id: str) -> list[str]:
    """SQL conditions (each `` AND …`` on ``m.member_no``, or empty) that between them take
    each member once, by the length of their member number, shortest first. Member numbers
    are text, and the index puts ``M10000`` between ``M1000`` and ``M1001``: a pass per
    length keeps number order without a sort (each pass tests the length on the index
    alone). One condition, empty, below ``M10000``."""
    (next_seq,) = conn.execute(
        "SELECT next_member_seq FROM roster WHERE roster_id = ?", (roster_id,)
    ).fetchone()
    longest = len(f"M{max(next_seq - 1, 1):04d}")
    if longest <= _SHORTEST_NUMBER:
        return [""]
    return [
        f" AND length(m.member_no) <= {_SHORTEST_NUMBER}",
        *(f" AND length(m.member_no) = {n}" for n in range(_SHORTEST_NUMBER + 1, longest)),
        f" AND length(m.member_no) >= {longest}",
    ]


def _record(row: Any) -> tuple[Any, ...]:
    (no, name, department, id_number, phone, code, sampled, result, days, vaccination,
     doses, last_dose, compared, abnormal, flags) = row  # fmt: skip
    return (
        no, name, department, id_number, phone, code, sampled, result, days, vaccination,
        doses, last_dose, compared, bool(abnormal), flags.split(",") if flags else [],
    )  # fmt: skip


COUNT_KEYS = (
    "members",
    "green",
    "yellow",
    "red",
    "popup",
    "unknown",
    "nat_within_policy",
    "abnormal",
)
# One aggregate row: COUNT_KEYS, then the vaccination counts (VACCINATIONS order).
_AGGREGATES = (
    "count(*), "
    + ", ".join(f"coalesce(sum(code = '{c}'), 0)" for c in HEALTH_CODES)
    + ", coalesce(sum(sd >= :cutoff), 0)"
    + f", coalesce(sum({_ABNORMAL}), 0), "
    + ", ".join(f"coalesce(sum(vaccination = '{v}'), 0)" for v in VACCINATIONS)
)


def counts(
    store: Store, roster: Roster, as_of: dt.datetime, filters: Filters = NO_FILTERS
) -> dict[str, Any]:
    """Aggregate counts (:data:`COUNT_KEYS` and ``vaccination``) of the matching members,
    computed in SQL in one pass."""
    params = _params(roster, as_of)
    inner, outer = _filter_sql(filters, params, clock.local_date(as_of), _OVER_INNER)
    sql = (
        f"SELECT {_AGGREGATES} FROM ("
        + _INNER.format(inner=inner, order="m.member_no")
        + f") WHERE 1 = 1{outer}"
    )
    values = list(store.conn.execute(sql, params).fetchone())
    entry: dict[str, Any] = dict(zip(COUNT_KEYS, values[: len(COUNT_KEYS)], strict=True))
    entry["vaccination"] = dict(zip(VACCINATIONS, values[len(COUNT_KEYS) :], strict=True))
    return entry


# Each member reduced to their department and one small number, tallied in Python: grouping
# by department in SQL needs a sort (held in memory) or walks the department index and reads
# the health rows in random order, decrypting pages again and again (7–10 s for a million
# members). Read in storage order instead, a million members take about 2 s in 30 MB. The
# number packs the code (its place in HEALTH_CODES, times 4), NAT within the policy (2) and
# abnormal (1): Python keeps small integers ready-made, so the rows cost less to fetch.
_CODE_PLACE = " ".join(f"WHEN '{code}' THEN {4 * i}" for i, code in enumerate(HEALTH_CODES))
_STATUS = f"""
    SELECT department, (CASE code {_CODE_PLACE} ELSE {4 * HEALTH_CODES.index("unknown")} END)
           + 2 * coalesce(sd >= :cutoff, 0) + {_ABNORMAL}
    FROM (
        SELECT m.department, {judged_columns("h")}
        FROM member m {{member}} LEFT JOIN health h ON h.member_id = m.id
        WHERE m.roster_id = :roster
    )
"""


def department_counts(store: Store, roster: Roster, as_of: dt.datetime) -> list[dict[str, Any]]:
    """:data:`COUNT_KEYS` per department (``department`` first; ``None`` for the members
    without one), in department order."""
    params = _params(roster, as_of)
    tally = tally_members(store.conn, _STATUS, params)
    by_department: dict[Any, dict[str, Any]] = {}
    for (department, packed), n in tally.items():
        entry = by_department.get(department)
        if entry is None:
            entry = by_department[department] = {
                "department": department,
                **dict.fromkeys(COUNT_KEYS, 0),
            }
        entry["members"] += n
        entry[HEALTH_CODES[packed >> 2]] += n
        entry["nat_within_policy"] += n if packed & 2 else 0
        entry["abnormal"] += n if packed & 1 else 0
    return sorted(
        by_department.values(), key=lambda e: (e["department"] is None, e["department"] or "")
    )


def tally_members(conn: Any, sql: str, params: dict[str, Any]) -> Counter[tuple[Any, ...]]:
    """How many times each row of ``sql`` comes, over the members of roster ``:roster``;
    ``sql`` reads the member table as ``member m {member}``. Read in chunks, and in storage
    order when the roster is most of the store (else through its index)."""
    tally: Counter[tuple[Any, ...]] = collections.Counter()
    member = "NOT INDEXED" if in_storage_order(conn, params["roster"]) else ""
    cursor = conn.execute(sql.format(member=member), params)
    while rows := cursor.fetchmany(10_000):
        tally.update(rows)
    return tally


def in_storage_order(conn: Any, roster_id: str) -> bool:
    """Whether a roster's members are best read by scanning the member table in storage order
    (``NOT INDEXED``) rather than through the roster's index, whose entries lead to table
    pages in random order: when the roster holds more than half of all members. Asked only
    when the store has other rosters, and of the span of member ids rather than a count of
    everyone (which reads a million index entries): ids freed by withdrawals make the span
    larger, and at worst the index is used."""
    (rosters,) = conn.execute("SELECT count(*) FROM roster").fetchone()
    if rosters == 1:
        return True
    (in_roster,) = conn.execute(
        "SELECT count(*) FROM member WHERE roster_id = ?", (roster_id,)
    ).fetchone()
    (span,) = conn.execute("SELECT coalesce(max(id) - min(id) + 1, 0) FROM member").fetchone()
    return bool(in_roster * 2 > span)


def view_summary(
    store: Store, roster: Roster, as_of: dt.datetime, filters: Filters = NO_FILTERS
) -> dict[str, Any]:
    """The table's summary line of the matching members, as :func:`summary` shapes it."""
    row = counts(store, roster, as_of, filters)
    return {
        "members": row["members"],
        "health_code": {c: row[c] for c in HEALTH_CODES},
        "nat_within_policy": row["nat_within_policy"],
        "vaccination": row["vaccination"],
        "abnormal": row["abnormal"],
    }


def last_refresh(store: Store, roster_id: str) -> str | None:
    """When a refresh last compared this roster: one of its own, or one over all rosters
    that started after the roster was created (an earlier one never saw it). Times are kept
    to the second: within the roster's first second, such a run counts only if some member
    of the roster has been compared."""
    rows = store.query(
        "SELECT max(finished_at) FROM run, (SELECT created_at FROM roster WHERE roster_id = ?1)"
        " WHERE finished_at IS NOT NULL AND (roster_id = ?1 OR roster_id IS NULL"
        " AND (started_at > created_at OR started_at = created_at AND EXISTS (SELECT 1"
        " FROM member m JOIN health h ON h.member_id = m.id WHERE m.roster_id = ?1)))",
        (roster_id,),
    )
    finished: str | None = rows[0][0]  # an aggregate: always one row, NULL before any run
    return finished


def roster_summaries(
    store: Store, rosters: Iterable[Roster], as_of: dt.datetime
) -> list[dict[str, Any]]:
    """``roster list`` records: id, name, address, members, abnormal, last refresh."""
    summaries = []
    for roster in rosters:
        row = counts(store, roster, as_of)
        summaries.append(
            {
                "roster_id": roster.roster_id,
                "name": roster.name,
                "address": roster.address,
                "members": row["members"],
                "abnormal": row["abnormal"],
                "last_refresh": last_refresh(store, roster.roster_id),
            }
        )
    return summaries
