"""Health history as change points (PRODUCT §5, §7, §8): how they are written, linked,
purged and read.

A member's history row is a *change point*: it is written at their first comparison and
whenever their state changes — health code, NAT sampling time, NAT result, vaccination
(status, doses, last dose date), flags — or whether they are abnormal as judged at that run
(NAT days age into the policy's limit without any field changing; keeping that judgement
makes ``changes`` exact). A refresh that changes nothing writes nothing here. A member's
state at any moment is their latest change point compared at or before it.

Each point links to the member's previous one (``previous_id``) and the member's health
record to their latest (``point_id``), so a member's points are a chain walked back from their
record: for erasure, a member's copy and the purge. There is no index led by the member: a
refresh in which most members change would write a page of it per member (migration 0007).

Retention keeps 30 days of change points by the real clock, plus each member's latest
change point at or before the cutoff: it is the state the 30-day window starts from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

from tuanti_cli import clock
from tuanti_cli.view import by_number_passes

RETENTION_DAYS = 30
STATE_COLUMNS = (
    "health_code",
    "nat_sampled_at",
    "nat_result",
    "vaccination",
    "vaccine_doses",
    "last_dose_date",
    "flags",
)
"""The columns of a member's state, in the order of :class:`State`; ``flags`` is the
comma-joined text stored."""
_STATE_SQL = ", ".join(STATE_COLUMNS)
PURGED_THROUGH = "history_purged_through_run"
"""``meta`` key: the newest run whose superseded change points have been purged."""


class State(NamedTuple):
    """A member's state as compared (``None`` fields are unknown)."""

    health_code: str
    nat_sampled_at: str | None
    nat_result: str | None
    vaccination: str
    vaccine_doses: int | None
    last_dose_date: str | None
    flags: str
    abnormal: bool
    compared_at: str

    @property
    def flag_list(self) -> list[str]:
        """The flags as a list (``name_mismatch``, ``not_found``, ``bad_row``)."""
        return self.flags.split(",") if self.flags else []


def copy_points(conn: Any, run_id: int, first: int, last: int) -> int:
    """Write run ``run_id``'s change points of the members with ids from ``first`` to
    ``last``: a copy of the health records it rewrote (a record's ``run_id`` is the run
    that last rewrote it), each linked to the member's previous point, and each record then
    to its new point. In SQL, so that SQLite moves a million rows without Python binding
    each; by a range of members, so that only that range's records are read. Returns the
    number written."""
    written = conn.execute(
        f"INSERT INTO health_history (member_id, run_id, {_STATE_SQL}, abnormal, compared_at,"
        f" previous_id) SELECT member_id, run_id, {_STATE_SQL}, abnormal, compared_at, point_id"
        " FROM health WHERE member_id BETWEEN ?2 AND ?3 AND run_id = ?1 ORDER BY member_id",
        (run_id, first, last),
    ).rowcount
    conn.execute(
        "UPDATE health SET point_id = (SELECT p.id FROM health_history p"
        " WHERE p.run_id = health.run_id AND p.member_id = health.member_id)"
        " WHERE member_id BETWEEN ?2 AND ?3 AND run_id = ?1",
        (run_id, first, last),
    )
    return int(written)


def chain_of(members: str) -> str:
    """A ``WITH`` clause naming ``chain(id)``: every change point of the members whose ids
    the SQL ``members`` selects, walked back from each one's latest. Use it before their
    health records are deleted (they hold where each chain starts)."""
    return (
        "WITH RECURSIVE chain(id) AS ("
        f" SELECT point_id FROM health WHERE point_id IS NOT NULL AND member_id IN ({members})"
        " UNION ALL SELECT p.previous_id FROM health_history p JOIN chain ON p.id = chain.id"
        " WHERE p.previous_id IS NOT NULL) "
    )


def erase(conn: Any, members: str, params: Any = ()) -> None:
    """Delete every change point of the members whose ids the SQL ``members`` selects (with
    ``params``); before their health records go."""
    conn.execute(
        chain_of(members) + "DELETE FROM health_history WHERE id IN (SELECT id FROM chain)",
        params,
    )


def purge(conn: Any, now: dt.datetime, days: int = RETENTION_DAYS) -> int:
    """Delete change points of runs started more than ``days`` before ``now`` (the real
    clock, never ``--as-of``), except each member's latest one at or before that cutoff.

    Only runs that aged past the cutoff since the last purge are looked at (``meta`` keeps
    where it got to), so a refresh does not walk every member's baseline each time.
    Returns the number of rows deleted.
    """
    cutoff = clock.iso(now - dt.timedelta(days=days))
    (through,) = conn.execute(
        "SELECT max(run_id) FROM run WHERE started_at < ?", (cutoff,)
    ).fetchone()
    if through is None:
        return 0
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (PURGED_THROUGH,)).fetchone()
    done = int(row[0]) if row else 0
    if through <= done:
        return 0
    # A point is superseded once a later point of the same member is itself at or before
    # the cutoff: only those later points in newly aged runs can supersede anything new,
    # and what they supersede is the chain behind them, back to what earlier purges left.
    deleted = conn.execute(
        "WITH RECURSIVE old(id) AS ("
        " SELECT previous_id FROM health_history"
        " WHERE run_id > ? AND run_id <= ? AND previous_id IS NOT NULL"
        " UNION SELECT p.previous_id FROM health_history p JOIN old ON p.id = old.id"
        " WHERE p.previous_id IS NOT NULL)"
        " DELETE FROM health_history WHERE id IN (SELECT id FROM old)",
        (done, through),
    ).rowcount
    if deleted:
        # A purged point was superseded by a later one of a run up to ``through``: in runs
        # that came in time order, only days up to that run's comparison can change (the
        # report reads no kept day of a store whose runs did not, see in_time_order).
        conn.execute(
            "DELETE FROM report_day WHERE day <= (SELECT substr(max(compared_at), 1, 10)"
            " FROM run WHERE run_id <= ?)",
            (through,),
        )
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (PURGED_THROUGH, str(through)),
    )
    return int(deleted)


def in_time_order(conn: Any) -> bool:
    """Whether every run compared at or after the runs before it (``--as-of`` never went
    back). Then each member's latest change point is also their latest in time, and their
    health record is their state from its comparison on; otherwise only history says
    what held when. Runs from before migration 0006 that wrote no change point are left out:
    they changed nothing that history or the report reads."""
    row = conn.execute(
        "SELECT 1 FROM (SELECT compared_at, max(compared_at) OVER (ORDER BY run_id"
        " ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before"
        " FROM run WHERE compared_at IS NOT NULL) WHERE compared_at < before LIMIT 1"
    ).fetchone()
    return row is None


def last_two_runs(conn: Any, roster_id: str, since: str) -> list[int]:
    """The two latest runs that compared the roster (its own or store-wide ones) started at
    or after ``since`` (the roster's creation), newest first."""
    rows = conn.execute(
        "SELECT run_id FROM run WHERE (roster_id = ? OR roster_id IS NULL) AND started_at >= ?"
        " ORDER BY run_id DESC LIMIT 2",
        (roster_id, since),
    ).fetchall()
    return [row[0] for row in rows]


class Change(NamedTuple):
    """A member's change point in one run, next to their state before it."""

    member_no: str
    name: str
    department: str | None
    after: State
    before: State | None


_STATE_OF = ", ".join(f"{{0}}.{c}" for c in (*STATE_COLUMNS, "abnormal", "compared_at"))


def _state(values: Sequence[Any]) -> State | None:
    if values[0] is None:
        return None
    return State._make((*values[:7], bool(values[7]), values[8]))


FEW_POINTS = 20_000
"""Up to this many change points in a run, ``changes`` has SQLite sort them by member number
(it holds them while it sorts); with more, it walks the roster in member-number order and
looks each member's point up, holding nothing."""

_CHANGES = (
    f"SELECT m.member_no, m.name, m.department, {_STATE_OF.format('h')},"
    f" {_STATE_OF.format('p')} FROM {{members}} health_history h"
    " {join} m.id = h.member_id"
    " LEFT JOIN health_history p ON p.id = h.previous_id AND p.run_id <= ?1"
    " WHERE h.run_id = ?2 AND m.roster_id = ?3{{length}} ORDER BY {{order}}"
)
_SORTED = _CHANGES.format(members="", join="JOIN member m ON").format(
    length="", order="length(m.member_no), m.member_no"
)
# CROSS JOIN keeps the member table the outer loop, read through its member-number index.
_WALKED = _CHANGES.format(members="member m CROSS JOIN", join="ON")


def changes_in(conn: Any, roster_id: str, latest: int, earlier: int) -> Iterator[Change]:
    """The roster's members with a change point in run ``latest``, with their state as of
    run ``earlier`` (``None`` when they had not been compared by then), by member number.
    Streamed: memory does not grow with the number of changes."""
    params = (earlier, latest, roster_id)
    (points,) = conn.execute(
        "SELECT count(*) FROM health_history WHERE run_id = ?", (latest,)
    ).fetchone()
    if points <= FEW_POINTS:
        rows: Iterator[Any] = iter(conn.execute(_SORTED, params))
    else:
        rows = (
            row
            for length in by_number_passes(conn, roster_id)
            for row in conn.execute(_WALKED.format(length=length, order="m.member_no"), params)
        )
    width = len(STATE_COLUMNS) + 2
    for row in rows:
        after = _state(row[3 : 3 + width])
        assert after is not None  # an inner join: the latest run's point is there
        yield Change(row[0], row[1], row[2], after, _state(row[3 + width :]))
