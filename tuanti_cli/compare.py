"""One refresh run: match the feed to the members, apply it, keep history (PRODUCT §5)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from tuanti_cli import audit, clock, feed, view
from tuanti_cli.errors import StoreError
from tuanti_cli.health import UNKNOWN, Health, read_row
from tuanti_cli.locking import LOCK_WAIT_SECONDS, refresh_lock
from tuanti_cli.masking import mask_id, mask_phone
from tuanti_cli.models import Roster
from tuanti_cli.store import Store

RETENTION_DAYS = 30
FUTURE_TOLERANCE = dt.timedelta(hours=1)
"""A sampling time may run this far ahead of the comparison time (clocks drift); any
later is a typing or export error, and would read as "sampled in −N days"."""


@dataclass(frozen=True)
class BadRow:
    """A member's feed row that could not be read: where, whose (masked), which field."""

    row: int
    id_number: str
    field: str


@dataclass
class RunResult:
    """The outcome of one refresh."""

    feed_rows: int = 0
    matched: int = 0
    not_found: int = 0
    name_mismatch: int = 0
    changed: int = 0
    skipped: bool = False
    damaged_ids: int = 0
    """Feed rows whose ID a spreadsheet damaged: nobody can be matched by them."""
    missing_fields: list[str] = field(default_factory=list)
    """Health fields the feed has no column for: left as they were (text summary only)."""
    bad: list[BadRow] = field(default_factory=list)
    newly_abnormal: list[dict[str, Any]] = field(default_factory=list)

    @property
    def bad_rows(self) -> int:
        """Members whose feed row could not be read."""
        return len(self.bad)

    def as_json(self) -> dict[str, Any]:
        """The §5 JSON object."""
        return {
            "feed_rows": self.feed_rows,
            "bad_rows": self.bad_rows,
            "matched": self.matched,
            "not_found": self.not_found,
            "name_mismatch": self.name_mismatch,
            "changed": self.changed,
            "skipped": self.skipped,
            "damaged_ids": self.damaged_ids,
        }


class _Member(NamedTuple):
    member_id: int
    member_no: str
    roster_id: str
    name: str
    id_number: str
    phone: str
    max_nat_days: int


SCAN_ATTEMPTS = 3


def refresh(
    store: Store,
    feed_path: Path,
    now: dt.datetime,
    roster: Roster | None = None,
    lock_timeout: float = LOCK_WAIT_SECONDS,
    overrides: Mapping[str, str] | None = None,
) -> RunResult:
    """Compare every member in scope (one roster, or all) with the feed, as one transaction.

    Only the health fields the feed has a column for are compared; the others keep their
    values (a NAT-only sheet leaves health codes alone). ``overrides`` are ``--column``'s.

    The feed is read before the write transaction starts, so ``show`` and imports are not
    held up while a city-wide file streams by. If the members change meanwhile (an import
    lands), the feed is read again for the new set; the write itself is all or nothing.
    """
    scope = roster.roster_id if roster else None
    with refresh_lock(store.path, lock_timeout):
        for _attempt in range(SCAN_ATTEMPTS):
            version = store.data_version()
            members = _members(store.conn, roster)
            digest = _digest(members)
            scan = feed.scan(
                feed_path, {m.id_number for m in members}, prepare=read_row, overrides=overrides
            )
            with store.transaction() as conn:
                # Only if another connection committed meanwhile can the members differ.
                if store.data_version() != version and _digest(_members(conn, roster)) != digest:
                    continue
                return _record_run(conn, scope, members, digest, scan, now)
    raise StoreError("refresh.members_changing")


def _record_run(
    conn: Any,
    scope: str | None,
    members: list[_Member],
    digest: str,
    scan: feed.FeedScan,
    now: dt.datetime,
) -> RunResult:
    last = conn.execute(
        "SELECT feed_hash, members_digest FROM run WHERE roster_id IS ?"
        " ORDER BY run_id DESC LIMIT 1",
        (scope,),
    ).fetchone()
    if last is not None and tuple(last) == (scan.sha256, digest):
        audit.record(conn, "refresh.skipped", scope)
        return RunResult(skipped=True)
    result = RunResult(feed_rows=scan.rows, damaged_ids=scan.damaged_ids)
    result.missing_fields = [f for f in feed.HEALTH_FIELDS if f not in compared_fields(scan)]
    run_id = conn.execute(
        "INSERT INTO run (roster_id, started_at, feed_hash, members_digest) VALUES (?, ?, ?, ?)",
        (scope, clock.iso(clock.now()), scan.sha256, digest),
    ).lastrowid
    _apply(conn, scope, members, scan, run_id, now, result)
    # By the real clock and when each run really happened, never by --as-of: a run "as of
    # 2030" must not purge today's history, nor one "as of 2022" keep it forever.
    cutoff = clock.iso(clock.now() - dt.timedelta(days=RETENTION_DAYS))
    conn.execute(
        "DELETE FROM health_history WHERE run_id IN (SELECT run_id FROM run WHERE started_at < ?)",
        (cutoff,),
    )
    conn.execute(
        "UPDATE run SET finished_at = ?, feed_rows = ?, bad_rows = ?, matched = ?,"
        " not_found = ?, name_mismatch = ?, changed = ? WHERE run_id = ?",
        (
            clock.iso(clock.now()),
            result.feed_rows,
            result.bad_rows,
            result.matched,
            result.not_found,
            result.name_mismatch,
            result.changed,
            run_id,
        ),
    )
    audit.record(conn, "refresh", scope, result.as_json())
    return result


def compared_fields(scan: feed.FeedScan) -> frozenset[str]:
    """The health fields a run compares: those the feed carries, and the NAT result with the
    sampling time (a sampling time without a result is ``pending``, §5)."""
    if "nat_sampled_at" in scan.carried:
        return scan.carried | {"nat_result"}
    return scan.carried


def _kept(health: Health, before: Any, fields: frozenset[str]) -> Health:
    """``health`` in the fields compared, the values from before in the others."""
    if len(fields) == len(Health._fields):
        return health
    old = UNKNOWN if before is None else Health(*before[:6])
    pairs = zip(Health._fields, health, old, strict=True)
    return Health._make(new if name in fields else was for name, new, was in pairs)


def _members(conn: Any, roster: Roster | None) -> list[_Member]:
    rows = conn.execute(
        "SELECT m.id, m.member_no, m.roster_id, m.name, m.id_number, m.phone, r.max_nat_days"
        " FROM member m JOIN roster r ON r.roster_id = m.roster_id"
        " WHERE ?1 IS NULL OR m.roster_id = ?1 ORDER BY m.id",
        (roster.roster_id if roster else None,),
    ).fetchall()
    return [_Member._make(row) for row in rows]


def _digest(members: list[_Member]) -> str:
    """Who is compared, with their names: a changed roster means a feed must be re-applied."""
    digest = hashlib.sha256()
    for m in members:
        digest.update(f"{m.member_id}\t{m.id_number}\t{m.name}\n".encode())
    return digest.hexdigest()


def _judge(
    member: _Member, scan: feed.FeedScan, now: dt.datetime, result: RunResult
) -> tuple[Health, list[str]]:
    found = scan.latest.get(member.id_number)
    if found is None:
        result.not_found += 1
        return UNKNOWN, ["not_found"]
    row, reading = found
    if reading.name and reading.name != member.name:
        result.name_mismatch += 1
        return UNKNOWN, ["name_mismatch"]
    bad_field = reading.bad_field if reading.health is None else None
    if reading.health is not None and _after(reading.health.nat_sampled_at, now):
        bad_field = "nat_sampled_at"
    if reading.health is None or bad_field is not None:
        result.bad.append(BadRow(row, mask_id(member.id_number), bad_field or "row"))
        return UNKNOWN, ["bad_row"]
    result.matched += 1
    return reading.health, []


def _after(sampled_at: str | None, now: dt.datetime) -> bool:
    """Whether a sampling time lies after the comparison time (beyond the tolerance)."""
    if sampled_at is None:
        return False
    return dt.datetime.fromisoformat(sampled_at) > now + FUTURE_TOLERANCE


def _apply(
    conn: Any,
    scope: str | None,
    members: list[_Member],
    scan: feed.FeedScan,
    run_id: int,
    now: dt.datetime,
    result: RunResult,
) -> None:
    previous = {
        row[0]: row[1:]
        for row in conn.execute(
            "SELECT member_id, health_code, nat_sampled_at, nat_result, vaccination,"
            " vaccine_doses, last_dose_date, flags, abnormal FROM health h"
            " WHERE ?1 IS NULL OR h.member_id IN (SELECT id FROM member WHERE roster_id = ?1)",
            (scope,),
        )
    }
    stamp = clock.iso(now)
    records = []
    fields = compared_fields(scan)
    for member in members:
        health, flags = _judge(member, scan, now, result)
        before = previous.get(member.member_id)
        health = _kept(health, before, fields)
        values = tuple(health)
        flag_text = ",".join(flags)
        days = view.nat_days(health.nat_sampled_at, now)
        abnormal = view.is_abnormal(
            health.health_code, health.nat_result, days, flags, member.max_nat_days
        )
        if before is None or tuple(before[:7]) != (*values, flag_text):
            result.changed += 1
        if abnormal and (before is None or not before[7]):
            result.newly_abnormal.append(
                {
                    "member_no": member.member_no,
                    "roster_id": member.roster_id,
                    "name": member.name,
                    "id_number": mask_id(member.id_number),
                    "phone": mask_phone(member.phone),
                    "health_code": health.health_code,
                    "flags": flags,
                }
            )
        records.append((member.member_id, run_id, *values, stamp, flag_text, int(abnormal)))
    conn.executemany(
        "INSERT INTO health (member_id, run_id, health_code, nat_sampled_at, nat_result,"
        " vaccination, vaccine_doses, last_dose_date, compared_at, flags, abnormal)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (member_id) DO UPDATE SET run_id = excluded.run_id,"
        " health_code = excluded.health_code, nat_sampled_at = excluded.nat_sampled_at,"
        " nat_result = excluded.nat_result, vaccination = excluded.vaccination,"
        " vaccine_doses = excluded.vaccine_doses, last_dose_date = excluded.last_dose_date,"
        " compared_at = excluded.compared_at, flags = excluded.flags,"
        " abnormal = excluded.abnormal",
        records,
    )
    conn.executemany(
        "INSERT INTO health_history (member_id, run_id, health_code, nat_sampled_at,"
        " nat_result, vaccination, vaccine_doses, last_dose_date, compared_at, flags, abnormal)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        records,
    )
