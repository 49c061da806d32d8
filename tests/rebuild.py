"""The plain, member-by-member rebuild of each member's state at given moments from their
change points: the reference the report's SQL is held to (tests only)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

from tuanti_cli import clock
from tuanti_cli.history import STATE_COLUMNS, State

_STATE_SQL = ", ".join(STATE_COLUMNS)


class Member(NamedTuple):
    """Who a current member is, for rebuilding their state over time."""

    member_id: int
    member_no: str
    name: str
    department: str | None
    enrolled_at: str
    max_nat_days: int


class Timeline(NamedTuple):
    """A member and their state at each of the moments asked for (``None``: not compared
    by then)."""

    member: Member
    states: list[State | None]


def timelines(
    conn: Any, roster_id: str, moments: Sequence[dt.datetime], chunk: int = 2000
) -> Iterator[Timeline]:
    """Every current member of the roster with their state as it stood at each moment in
    ``moments`` (ascending): the latest change point compared at or before it.

    It streams: members are read in chunks of ``chunk`` by member id, with their change
    points up to the last moment, so memory holds one chunk whatever the roster's size.
    Retention keeps each member's latest point before the 30-day window, so any moment
    within the last 30 days is rebuilt exactly. For the report (§8): judge each state at
    its moment with ``view.nat_days`` and ``view.is_abnormal``, and count a member on a
    day when ``states[i]`` is not ``None`` or ``enrolled_at`` is not after that moment.
    """
    if not moments:
        return
    stamps = [clock.iso(moment) for moment in moments]
    last_id = 0
    while True:
        members = conn.execute(
            "SELECT m.id, m.member_no, m.name, m.department, m.enrolled_at, r.max_nat_days"
            " FROM member m JOIN roster r ON r.roster_id = m.roster_id"
            " WHERE m.roster_id = ? AND m.id > ? ORDER BY m.id LIMIT ?",
            (roster_id, last_id, chunk),
        ).fetchall()
        if not members:
            return
        last_id = members[-1][0]
        points: dict[int, list[State]] = {}
        for row in conn.execute(
            f"SELECT member_id, {_STATE_SQL}, abnormal, compared_at FROM health_history"
            " WHERE member_id IN (SELECT id FROM member WHERE roster_id = ? AND id > ?"
            " AND id <= ?) AND compared_at <= ? ORDER BY member_id, compared_at, run_id",
            (roster_id, members[0][0] - 1, last_id, stamps[-1]),
        ):
            points.setdefault(row[0], []).append(State._make((*row[1:8], bool(row[8]), row[9])))
        for values in members:
            member = Member._make(values)
            yield Timeline(member, _at_moments(points.get(member.member_id, []), stamps))


def _at_moments(points: list[State], stamps: list[str]) -> list[State | None]:
    """The latest point at or before each stamp (points and stamps ascending)."""
    states: list[State | None] = []
    current: State | None = None
    index = 0
    for stamp in stamps:
        while index < len(points) and points[index].compared_at <= stamp:
            current = points[index]
            index += 1
        states.append(current)
    return states
