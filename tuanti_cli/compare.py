"""One refresh run: match the feed to the members, apply it, keep history (PRODUCT §5)."""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from tuanti_cli import audit, clock, feed, history, report, view
from tuanti_cli.errors import StoreError
from tuanti_cli.health import UNKNOWN, Health, read_row
from tuanti_cli.locking import LOCK_WAIT_SECONDS, refresh_lock
from tuanti_cli.masking import mask_id, mask_phone
from tuanti_cli.models import Roster
from tuanti_cli.store import Store
from tuanti_cli.validate import normalise_name

FUTURE_TOLERANCE = dt.timedelta(hours=1)
"""A sampling time may run this far ahead of the comparison time (clocks drift); any
later is a typing or export error, and would read as "sampled in −N days"."""


@dataclass(frozen=True)
class BadRow:
    """A member's feed row that could not be read: where, whose (masked), which field."""

    row: int
    id_number: str
    field: str
    reason: str | None = None
    """What is wrong, when more is known than "unreadable": ``later`` (the sampling time
    lies after the comparison time, beyond the tolerance), or one of the reasons of
    :class:`~tuanti_cli.health.BadValue` (``early``: before 1900; ``no_date``;
    ``time_form`` / ``date_form``: no form that reads)."""


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
    """The first :data:`LISTED` bad rows in the feed's order (``bad_rows`` counts them all)."""
    bad_count: int = 0
    newly_abnormal: list[dict[str, Any]] = field(default_factory=list)
    """The first :data:`LISTED` members who newly became abnormal (masked), with their
    department; ``newly_abnormal_count`` counts them all."""
    newly_abnormal_count: int = 0

    @property
    def bad_rows(self) -> int:
        """Members whose feed row could not be read."""
        return self.bad_count

    def add_bad(self, row: int, id_number: str, field: str, reason: str | None) -> None:
        """Count a member's bad row, and list it (masked) while it is among the first
        :data:`LISTED` by feed row: members are judged in member order, but a person fixing
        the file reads it from the top."""
        self.bad_count += 1
        listed = self.bad
        if len(listed) == LISTED:
            if row > listed[-1].row:
                return
            listed.pop()
        bad = BadRow(row, mask_id(id_number), field, reason)
        bisect.insort(listed, bad, key=lambda kept: kept.row)

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


SCAN_ATTEMPTS = 3
CHUNK = 5000
"""Members judged and written per batch: memory holds one batch, not the roster."""
LISTED = 50
"""Bad rows and newly abnormal members kept by name in a result (the rest are counted)."""
_SCOPE = "(?1 IS NULL OR m.roster_id = ?1)"


def refresh(
    store: Store,
    feed_path: Path,
    now: dt.datetime,
    roster: Roster | None = None,
    lock_timeout: float = LOCK_WAIT_SECONDS,
    overrides: Mapping[str, str] | None = None,
    before_commit: Callable[[], None] | None = None,
) -> RunResult:
    """Compare every member in scope (one roster, or all) with the feed, as one transaction.

    Only the health fields the feed has a column for are compared; the others keep their
    values (a NAT-only sheet leaves health codes alone). ``overrides`` are ``--column``'s;
    ``before_commit`` runs just before the run's commit.

    The feed is read before the write transaction starts, so ``show`` and imports are not
    held up while a city-wide file streams by. If the members change meanwhile (an import
    lands), the feed is read again for the new set; the write itself is all or nothing.
    Members are then read, judged and written in batches of :data:`CHUNK`: besides the
    feed's rows of members, memory does not grow with the roster.
    """
    scope = roster.roster_id if roster else None
    recorded: list[RunResult] = []

    def commit_hook() -> None:  # only a transaction that recorded the run commits one
        if recorded and before_commit is not None:
            before_commit()

    with refresh_lock(store.path, lock_timeout):
        for _attempt in range(SCAN_ATTEMPTS):
            version = store.data_version()
            keys: set[bytes] = set()
            digest = _members(store.conn, scope, keys)
            scan = feed.scan(feed_path, keys, prepare=read_row, overrides=overrides)
            del keys  # the scan keeps only members' rows; their IDs are not needed again
            with store.transaction(commit_hook) as conn:
                # Only if another connection committed meanwhile can the members differ.
                if store.data_version() != version and _members(conn, scope) != digest:
                    continue
                run = _record_run(conn, scope, digest, scan, now, _feed_hash(scan, overrides))
                recorded.append(run)
            return run
    raise StoreError("refresh.members_changing")


def _record_run(
    conn: Any,
    scope: str | None,
    digest: str,
    scan: feed.FeedScan,
    now: dt.datetime,
    feed_hash: str,
) -> RunResult:
    last = conn.execute(
        "SELECT feed_hash, members_digest FROM run WHERE roster_id IS ?"
        " ORDER BY run_id DESC LIMIT 1",
        (scope,),
    ).fetchone()
    if last is not None and tuple(last) == (feed_hash, digest):
        audit.record(conn, "refresh.skipped", scope)
        return RunResult(skipped=True)
    result = RunResult(feed_rows=scan.rows, damaged_ids=scan.damaged_ids)
    result.missing_fields = [f for f in feed.HEALTH_FIELDS if f not in compared_fields(scan)]
    run_id = conn.execute(
        "INSERT INTO run (roster_id, started_at, compared_at, feed_hash, members_digest)"
        " VALUES (?, ?, ?, ?, ?)",
        (scope, clock.iso(clock.now()), clock.iso(now), feed_hash, digest),
    ).lastrowid
    report.keep_days_before(conn, scope, run_id, now)
    _apply(conn, scope, scan, run_id, now, result)
    # By the real clock and when each run really happened, never by --as-of: a run "as of
    # 2030" must not purge today's history, nor one "as of 2022" keep it forever.
    history.purge(conn, clock.now())
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


def _feed_hash(scan: feed.FeedScan, overrides: Mapping[str, str] | None) -> str:
    """What a run records of its feed: the file's SHA-256, and with ``--column`` the columns
    named too, so that the same bytes read another way are not skipped as done."""
    if not overrides:
        return scan.sha256
    named = "\n".join(f"{field}={header}" for field, header in sorted(overrides.items()))
    return hashlib.sha256(f"{scan.sha256}\n{named}".encode()).hexdigest()


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


class _Member(NamedTuple):
    member_id: int
    name: str
    id_number: str
    max_nat_days: int


_MEMBER_WIDTH = len(_Member._fields)


def _members(conn: Any, scope: str | None, keys: set[bytes] | None = None) -> str:
    """Who is compared, with their names, as a digest: a changed roster means a feed must be
    re-applied. ``keys``, if given, gets their ID numbers as the bytes a feed writes them
    (compact: no text kept).

    Read in batches, each joined by SQLite (one pass for both), so that a million members
    are read quickly.
    """
    digest = hashlib.sha256()
    last = 0
    while True:
        top, lines, ids = conn.execute(
            "SELECT max(id), group_concat(line, ''), group_concat(id_number, ',') FROM"
            " (SELECT m.id, m.id_number,"
            " m.id || char(9) || m.id_number || char(9) || m.name || char(10) AS line"
            f" FROM member m WHERE {_SCOPE} AND m.id > ?2 ORDER BY m.id LIMIT ?3)",
            (scope, last, CHUNK * 10),
        ).fetchone()
        if top is None:
            return digest.hexdigest()
        digest.update(lines.encode())
        if keys is not None:
            # A stored ID number is validated: 17 digits and a digit or X, never a comma.
            keys.update(ids.encode().split(b","))
        last = top


def _batches(conn: Any, scope: str | None) -> Iterator[list[Any]]:
    """The members in scope in batches by id, each with their current health row (or
    ``None``s): the state columns, then ``abnormal``."""
    last = 0
    while True:
        rows = conn.execute(
            f"SELECT m.id, m.name, m.id_number, r.max_nat_days, {_HEALTH_SQL}, h.abnormal"
            " FROM member m JOIN roster r ON r.roster_id = m.roster_id"
            f" LEFT JOIN health h ON h.member_id = m.id WHERE {_SCOPE} AND m.id > ?2"
            " ORDER BY m.id LIMIT ?3",
            (scope, last, CHUNK),
        ).fetchall()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


_HEALTH_SQL = ", ".join(f"h.{column}" for column in history.STATE_COLUMNS)


def _judge(
    member: _Member, scan: feed.FeedScan, moments: _Moments, result: RunResult
) -> tuple[Health, list[str]]:
    found = scan.latest.get(member.id_number)
    if found is None:
        result.not_found += 1
        return UNKNOWN, ["not_found"]
    row, reading = found
    if reading.name and reading.name != member.name and not _same_name(reading.name, member):
        result.name_mismatch += 1
        return UNKNOWN, ["name_mismatch"]
    bad_field, reason = (
        (reading.bad_field, reading.reason) if reading.health is None else (None, None)
    )
    if reading.health is not None and moments.after(reading.health.nat_sampled_at):
        bad_field, reason = "nat_sampled_at", "later"
    if reading.health is None or bad_field is not None:
        result.add_bad(row, member.id_number, bad_field or "row", reason)
        return UNKNOWN, ["bad_row"]
    result.matched += 1
    return reading.health, []


def _same_name(fed: str, member: _Member) -> bool:
    """Whether a feed's name is the member's once written as enrollment writes names
    (``买买提•艾力`` is ``买买提·艾力``): only asked when the two texts differ."""
    return normalise_name(fed) == member.name


def _after(sampled_at: str | None, now: dt.datetime) -> bool:
    """Whether a sampling time lies after the comparison time (beyond the tolerance)."""
    if sampled_at is None:
        return False
    return dt.datetime.fromisoformat(sampled_at) > now + FUTURE_TOLERANCE


class _Moments:
    """One run's judgements of sampling times, each worked out once: a feed repeats its
    times, and a million members' would otherwise each be parsed (twice)."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now
        self._after: dict[str | None, bool] = {}
        self._days: dict[str | None, int | None] = {}

    def after(self, sampled_at: str | None) -> bool:
        """:func:`_after` for this run's comparison time."""
        found = self._after.get(sampled_at)
        if found is None:
            found = self._after[sampled_at] = _after(sampled_at, self.now)
        return found

    def days(self, sampled_at: str | None) -> int | None:
        """``view.nat_days`` at this run's comparison time."""
        if sampled_at in self._days:
            return self._days[sampled_at]
        days = self._days[sampled_at] = view.nat_days(sampled_at, self.now)
        return days


_INSERT = (
    "INSERT INTO health (member_id, run_id, health_code, nat_sampled_at, nat_result,"
    " vaccination, vaccine_doses, last_dose_date, flags, abnormal, compared_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_UPDATE = (
    "UPDATE health SET run_id = ?2, health_code = ?3, nat_sampled_at = ?4, nat_result = ?5,"
    " vaccination = ?6, vaccine_doses = ?7, last_dose_date = ?8, flags = ?9, abnormal = ?10,"
    " compared_at = ?11 WHERE member_id = ?1"
)
"""A member's health record, new or rewritten: the same parameters for both (a plain
``UPDATE`` is cheaper than an upsert that first tries to insert)."""


def _apply(
    conn: Any,
    scope: str | None,
    scan: feed.FeedScan,
    run_id: int,
    now: dt.datetime,
    result: RunResult,
) -> None:
    stamp = clock.iso(now)
    fields = compared_fields(scan)
    moments = _Moments(now)
    every_field = len(fields) == len(Health._fields)
    for batch in _batches(conn, scope):
        changed: list[tuple[Any, ...]] = []
        added: list[tuple[Any, ...]] = []
        for row in batch:
            member = _Member._make(row[:_MEMBER_WIDTH])
            before = row[_MEMBER_WIDTH:] if row[_MEMBER_WIDTH] is not None else None
            health, flags = _judge(member, scan, moments, result)
            if not every_field:
                health = _kept(health, before, fields)
            days = moments.days(health.nat_sampled_at)
            abnormal = view.is_abnormal(
                health.health_code, health.nat_result, days, flags, member.max_nat_days
            )
            state = (*health, ",".join(flags))
            # A rewritten record is a change point (history.copy_points copies the batch's):
            # its state or its abnormal judgement changed, or it is the first.
            if before is None:
                result.changed += 1
                if abnormal:
                    _newly_abnormal(conn, result, member, health, flags)
                added.append((member.member_id, run_id, *state, int(abnormal), stamp))
                continue
            differs = before[:7] != state
            if differs:
                result.changed += 1
            if abnormal and not before[7]:
                _newly_abnormal(conn, result, member, health, flags)
            if differs or bool(before[7]) != abnormal:
                changed.append((member.member_id, run_id, *state, int(abnormal), stamp))
        if changed or added:
            conn.executemany(_UPDATE, changed)
            conn.executemany(_INSERT, added)
            history.copy_points(conn, run_id, batch[0][0], batch[-1][0])


def _newly_abnormal(
    conn: Any, result: RunResult, member: _Member, health: Health, flags: list[str]
) -> None:
    result.newly_abnormal_count += 1
    if len(result.newly_abnormal) < LISTED:
        # Read only for the few listed: the batches carry what judging needs.
        member_no, roster_id, department, phone = conn.execute(
            "SELECT member_no, roster_id, department, phone FROM member WHERE id = ?",
            (member.member_id,),
        ).fetchone()
        result.newly_abnormal.append(
            {
                "member_no": member_no,
                "roster_id": roster_id,
                "name": member.name,
                "department": department,
                "id_number": mask_id(member.id_number),
                "phone": mask_phone(phone),
                "health_code": health.health_code,
                "flags": flags,
            }
        )
