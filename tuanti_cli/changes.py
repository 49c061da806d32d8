"""Who changed status between the last two refreshes of a roster (``tuanti changes``)."""

from __future__ import annotations

from typing import Any

from tuanti_cli.models import Roster
from tuanti_cli.store import Store

COMPARED = ("health_code", "abnormal", "flags")


def last_two_runs(store: Store, roster: Roster) -> list[int]:
    """The ids of the two latest runs that compared this roster, newest first."""
    rows = store.query(
        "SELECT DISTINCT h.run_id FROM health_history h JOIN member m ON m.id = h.member_id"
        " WHERE m.roster_id = ? ORDER BY h.run_id DESC LIMIT 2",
        (roster.roster_id,),
    )
    return [row[0] for row in rows]


def _states(store: Store, roster: Roster, run_id: int) -> dict[int, dict[str, Any]]:
    rows = store.query(
        "SELECT h.member_id, h.health_code, h.abnormal, h.flags FROM health_history h"
        " JOIN member m ON m.id = h.member_id WHERE m.roster_id = ? AND h.run_id = ?",
        (roster.roster_id, run_id),
    )
    return {
        member_id: {
            "health_code": code,
            "abnormal": bool(abnormal),
            "flags": flags.split(",") if flags else [],
        }
        for member_id, code, abnormal, flags in rows
    }


def changes(store: Store, roster: Roster) -> list[dict[str, Any]] | None:
    """Members whose health code, abnormal state or flags changed between the last two runs.

    ``None`` when the roster has been compared fewer than twice. A member with no state in
    the earlier run (enrolled in between) shows ``null`` before.
    """
    runs = last_two_runs(store, roster)
    if len(runs) < 2:
        return None
    latest, earlier = _states(store, roster, runs[0]), _states(store, roster, runs[1])
    names = {
        member_id: (member_no, name)
        for member_id, member_no, name in store.query(
            "SELECT id, member_no, name FROM member WHERE roster_id = ?", (roster.roster_id,)
        )
    }
    result = []
    for member_id, after in latest.items():
        before = earlier.get(member_id, dict.fromkeys(COMPARED))
        changed = [f for f in COMPARED if before[f] != after[f]]
        if changed:
            member_no, name = names[member_id]
            result.append(
                {
                    "member_no": member_no,
                    "name": name,
                    "before": {f: before[f] for f in changed},
                    "after": {f: after[f] for f in changed},
                }
            )
    result.sort(key=lambda r: r["member_no"])
    return result
