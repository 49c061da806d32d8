"""Who changed status between the last two refreshes of a roster (``tuanti changes``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tuanti_cli import history
from tuanti_cli.models import Roster
from tuanti_cli.store import Store

COMPARED = ("health_code", "nat_result", "vaccination", "abnormal", "flags")
"""A member's status: a new sampling time alone (most members', at every test) or a dose
count is no change of status; a NAT result or vaccination status that changes is one, even
when the health code or the abnormal judgement stays (yellow, then NAT-positive)."""


def last_two_runs(store: Store, roster: Roster) -> list[int]:
    """The ids of the two latest runs that compared this roster, newest first."""
    return history.last_two_runs(store.conn, roster.roster_id, roster.created_at)


def _compared(state: history.State | None) -> dict[str, Any]:
    if state is None:
        return dict.fromkeys(COMPARED)
    return {
        "health_code": state.health_code,
        "nat_result": state.nat_result,
        "vaccination": state.vaccination,
        "abnormal": state.abnormal,
        "flags": state.flag_list,
    }


def changes(store: Store, roster: Roster) -> Iterator[dict[str, Any]] | None:
    """Members whose health code, NAT result, vaccination, abnormal state or flags changed
    between the last two runs, by member number, each naming their department (``None``
    when they have none), streamed (iterate while the store is open).

    ``None`` when the roster has been compared fewer than twice. A member with no state in
    the earlier run (enrolled in between) shows ``null`` before. Only members with a change
    point in the latest run are read.
    """
    runs = last_two_runs(store, roster)
    if len(runs) < 2:
        return None
    return _changed(history.changes_in(store.conn, roster.roster_id, runs[0], runs[1]))


def _changed(points: Iterator[history.Change]) -> Iterator[dict[str, Any]]:
    for change in points:
        before, after = _compared(change.before), _compared(change.after)
        changed = [f for f in COMPARED if before[f] != after[f]]
        if changed:
            yield {
                "member_no": change.member_no,
                "name": change.name,
                "department": change.department,
                "before": {f: before[f] for f in changed},
                "after": {f: after[f] for f in changed},
            }
