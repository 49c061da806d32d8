"""The access log (PRODUCT §7): who did what to which roster, with counts — never personal data."""

from __future__ import annotations

import datetime as dt
import getpass
import json
from typing import Any

from tuanti_cli import clock
from tuanti_cli.store import Store


def os_user() -> str:
    """The login name of whoever runs the command."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def record(
    conn: Any,
    action: str,
    roster_id: str | None,
    detail: dict[str, int | str | bool] | None = None,
    now: dt.datetime | None = None,
) -> None:
    """Append one audit entry inside the caller's transaction (or on its own).

    The entry names the acting admin when the store was opened through a key slot (the
    connection carries the admin number; see :mod:`tuanti_cli.keyslots`).
    """
    values = (
        clock.iso(now or clock.now()),
        os_user(),
        action,
        roster_id,
        json.dumps(detail or {}, ensure_ascii=False, sort_keys=True),
    )
    admin_no = getattr(conn, "admin_no", None)
    if admin_no is None:  # a store without key slots: the column stays NULL
        conn.execute(
            "INSERT INTO audit (at, user, action, roster_id, detail) VALUES (?, ?, ?, ?, ?)",
            values,
        )
    else:
        conn.execute(
            "INSERT INTO audit (at, user, action, roster_id, detail, admin_no)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (*values, admin_no),
        )


def record_read(store: Store, action: str, roster_id: str | None, **detail: int | str) -> None:
    """Log a read of personal data in its own small transaction."""
    with store.transaction() as conn:
        record(conn, action, roster_id, dict(detail))


def entries(
    store: Store, roster_id: str | None = None, since: dt.datetime | None = None
) -> list[dict[str, Any]]:
    """Audit entries, oldest first, as ``at, user, action, roster, detail`` records, with
    ``admin`` too once the store has key slots (opened through one, so ``store.admin_no``)."""
    with_admin = store.admin_no is not None
    sql = "SELECT at, user, action, roster_id, detail, admin_no FROM audit WHERE 1=1"
    params: list[Any] = []
    if roster_id is not None:
        sql += " AND roster_id = ?"
        params.append(roster_id)
    rows = store.query(sql + " ORDER BY id", params)
    result = []
    for at, user, action, roster, detail, admin_no in rows:
        if since is not None and dt.datetime.fromisoformat(at) < since:
            continue
        entry = {
            "at": at,
            "user": user,
            "action": action,
            "roster": roster,
            "detail": json.loads(detail),
        }
        if with_admin:
            entry["admin"] = admin_no
        result.append(entry)
    return result
