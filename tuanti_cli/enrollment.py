"""Enrollment: validate records, then add or update members in one transaction (§4, §7)."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from tuanti_cli import audit, clock, codes, history, rosters
from tuanti_cli.errors import FieldError, InputError, NotFound
from tuanti_cli.i18n import t
from tuanti_cli.ingest import Parsed, Record
from tuanti_cli.masking import mask_field
from tuanti_cli.models import Roster
from tuanti_cli.printable import shown
from tuanti_cli.store import BackgroundWriter, Store
from tuanti_cli.validate import (
    clean_cell,
    require_consent,
    validate_department,
    validate_id,
    validate_name,
    validate_phone,
)

REPORTED_VALUE_MAX = 64
CHUNK_ROWS = 5_000
IMPORT_CACHE_KIB = 64 << 10
IMPORT_CACHE_MIN_KIB = 8 << 10
CACHE_BYTES_PER_MEMBER = 64
"""An import's page cache grows with the roster, from :data:`IMPORT_CACHE_MIN_KIB` to
:data:`IMPORT_CACHE_KIB`: the (roster, ID number) index takes random inserts and look-ups,
so it must stay in the cache (about 40 bytes a member; with SQLite's default 2 MB each would
decrypt and re-encrypt pages again and again), but the member table only grows
at its end, and a smaller cache lets SQLite write those pages on the writer's thread while
rows are validated instead of all at the commit (100,000 rows: ≈0.07 s of 1.3 s)."""

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Reject:
    """One rejected row: where, which field, why, and the offending value masked."""

    row: int
    field: str
    reason: str
    value: str


class Candidate(NamedTuple):
    """A valid person, ready to be added or updated."""

    row: int
    name: str
    id_number: str
    phone: str
    code: str | None
    department: str | None = None


@dataclass
class ImportReport:
    """What an import did (or, on a dry run, would do)."""

    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    encoding: str = ""
    columns: dict[str, str] = field(default_factory=dict)
    rejects: list[Reject] = field(default_factory=list)
    aborted: bool = False

    @property
    def rejected(self) -> int:
        """How many rows were rejected."""
        return len(self.rejects)

    def as_json(self) -> dict[str, Any]:
        """The §4 JSON object."""
        return {
            "rows": self.rows,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "encoding": self.encoding,
            "columns": dict(self.columns),
            "rejects": [
                {"row": r.row, "field": r.field, "reason": r.reason, "value": r.value}
                for r in self.rejects
            ],
        }


def reject(row: int, field_name: str, reason: str, value: Any) -> Reject:
    """The rejected row, its value masked as its field is, escaped and cut to a length."""
    masked = shown(mask_field(field_name, _text(value)))
    if len(masked) > REPORTED_VALUE_MAX:
        masked = masked[: REPORTED_VALUE_MAX - 1] + "…"
    return Reject(row, field_name, reason, masked)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if isinstance(value, str) else str(value)


class CodeChecker:
    """Checks the optional ``code`` column against the roster, remembering each verdict.

    The signing secret is read once, up front: during an import the connection belongs to
    the background writer.
    """

    def __init__(self, store: Store, roster: Roster, today: dt.date) -> None:
        self._roster, self._today = roster, today
        self._secret = rosters.code_secret(store)
        self._seen: dict[str, str | None] = {}

    def problem(self, code: str) -> str | None:
        """``None`` when ``code`` is a genuine, unexpired code of this roster; else a reason."""
        if code not in self._seen:
            self._seen[code] = self._judge(code)
        return self._seen[code]

    def _judge(self, code: str) -> str | None:
        try:
            parsed = codes.find_code(code)
        except InputError as exc:
            return t("code.several_in_cell" if exc.key == "code.several" else "code.not_a_code")
        if parsed.roster_id != self._roster.roster_id:
            return t("code.other_roster")
        status, _ = codes.judge(parsed, self._secret, self._roster.code_generation, self._today)
        if status is not codes.CodeStatus.GENUINE:
            return t(f"code.is_{status.value}")
        return None


class Layout:
    """Where the optional fields stand in a file's records (the required four come first)."""

    def __init__(self, fields: tuple[str, ...]) -> None:
        self.code = fields.index("code") if "code" in fields else None
        self.department = fields.index("department") if "department" in fields else None


def validate_record(
    record: Record,
    today: dt.date,
    code_checker: CodeChecker,
    from_spreadsheet: bool,
    consent_answers: frozenset[str] | None,
    layout: Layout,
) -> Candidate | Reject:
    """Check one record with the §4 rules."""
    fields = record.fields
    if fields is None:
        return reject(record.row, "row", t(record.problem or "row.not_object"), "")
    raw_name, raw_id, raw_phone, consent = fields[:4]
    if isinstance(raw_id, float) or (from_spreadsheet and isinstance(raw_id, int)):
        # A number cell: a spreadsheet kept 15 significant digits of it.
        return reject(record.row, "id_number", t("id.excel"), raw_id)
    # The ID first: a spreadsheet's damage to it is what the admin must hear about.
    current = raw_id
    try:
        id_number = validate_id(cell_text(raw_id), today)
        current = raw_name
        name = validate_name(cell_text(raw_name))
        current = raw_phone
        phone = validate_phone(cell_text(raw_phone))
        current = consent
        require_consent(consent, consent_answers)
        department = None
        if layout.department is not None:
            current = fields[layout.department]
            department = validate_department(cell_text(current))
    except FieldError as exc:
        return reject(record.row, exc.field, str(exc), current)
    code = cell_text(fields[layout.code]) or None if layout.code is not None else None
    if code is not None:
        problem = code_checker.problem(code)
        if problem is not None:
            return reject(record.row, "code", problem, code)
    return Candidate(record.row, name, id_number, phone, code, department)


def cell_text(value: Any) -> str:
    """A cell as text, without digit guards, and empty when it is a placeholder."""
    return clean_cell(value if type(value) is str else _text(value))


class Validator:
    """Validates records chunk by chunk; a person repeated within a chunk is kept once
    (repeats across chunks are found by the :class:`Enroller`)."""

    def __init__(
        self,
        today: dt.date,
        code_checker: CodeChecker,
        from_spreadsheet: bool,
        consent_answers: frozenset[str] | None,
        layout: Layout,
    ) -> None:
        self._today, self._codes, self._spreadsheet = today, code_checker, from_spreadsheet
        self._answers, self._layout = consent_answers, layout

    def run(self, records: Iterable[Record]) -> tuple[list[Candidate], list[Reject]]:
        """Valid, first-seen people, and the rejected rows (later repeats included)."""
        candidates: list[Candidate] = []
        rejects: list[Reject] = []
        first_row: dict[str, int] = {}
        for record in records:
            result = validate_record(
                record, self._today, self._codes, self._spreadsheet, self._answers, self._layout
            )
            if isinstance(result, Reject):
                rejects.append(result)
            elif result.id_number in first_row:
                rejects.append(duplicate(result, first_row[result.id_number]))
            else:
                first_row[result.id_number] = result.row
                candidates.append(result)
        return candidates, rejects


def duplicate(candidate: Candidate, first: int) -> Reject:
    """The reject for a person already met at row ``first`` of the same file."""
    return reject(candidate.row, "id_number", t("row.duplicate", row=first), candidate.id_number)


_as_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode
"""A chunk's rows as the JSON array ``json_each`` reads (compact, and no cycle check: the
rows are flat tuples of text)."""
_INSERT_FROM_JSON = (
    "INSERT INTO member (roster_id, member_no, name, id_number, phone, enrolled_at,"
    " updated_at, consent_at, consent_code, consent_channel, department)"
    " SELECT ?1, value->>0, value->>1, value->>2, value->>3, ?2, ?2, ?2, value->>4, ?3,"
    " value->>5 FROM json_each(?4)"
)
_UPDATE = (
    "UPDATE member SET name = ?, phone = ?, department = ?, updated_at = ?, consent_at = ?,"
    " consent_code = ?, consent_channel = ? WHERE id = ?"
)
# Who in a chunk is already in the roster, and who was already met earlier in this file:
# both asked of SQLite (the roster's unique index; a temporary table in memory), so that
# memory does not grow with the roster or the file. CROSS JOIN keeps the chunk the outer
# loop: otherwise SQLite may walk the whole roster for every chunk.
_KNOWN = (
    "SELECT m.id_number, m.id, m.name, m.phone, m.department FROM json_each(?2) j"
    " CROSS JOIN member m ON m.roster_id = ?1 AND m.id_number = j.value"
)
_SEEN = (
    "SELECT s.id_number, s.row FROM json_each(?1) j"
    " CROSS JOIN temp.import_seen s ON s.id_number = j.value"
)
_REMEMBER = (
    "INSERT INTO temp.import_seen (id_number, row) SELECT value->>0, value->>1 FROM json_each(?1)"
)


class Enroller:
    """Adds and updates members of one roster inside the caller's transaction.

    The SQL runs on a :class:`BackgroundWriter`, so SQLite's own work (B-trees, encryption)
    overlaps the validation of the next chunk. ``departments``: the file has a department
    column, so a member's department is set from it (else it is left as it was).
    """

    def __init__(
        self,
        conn: Any,
        roster: Roster,
        channel: str,
        now: dt.datetime,
        report: ImportReport,
        departments: bool = False,
    ) -> None:
        self._roster, self._channel, self._report = roster, channel, report
        self._departments = departments
        self._stamp = clock.iso(now)
        (self._next_seq,) = conn.execute(
            "SELECT next_member_seq FROM roster WHERE roster_id = ?", (roster.roster_id,)
        ).fetchone()
        conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS import_seen"
            " (id_number TEXT PRIMARY KEY, row INTEGER NOT NULL) WITHOUT ROWID"
        )
        conn.execute("DELETE FROM temp.import_seen")
        # Into an empty roster nobody is known yet: no need to ask for each chunk (the
        # file's own repeats are found through ``import_seen``).
        self._roster_had_members = (
            conn.execute(
                "SELECT 1 FROM member WHERE roster_id = ? LIMIT 1", (roster.roster_id,)
            ).fetchone()
            is not None
        )
        self._writer = BackgroundWriter(conn)
        self._cache_kib = 0
        self._grow_cache()

    def add(self, candidates: list[Candidate]) -> list[Reject]:
        """Queue the inserts and updates for ``candidates``; returns the rejects for people
        met earlier in the same file."""
        if not candidates:
            return []
        ids = _as_json([c.id_number for c in candidates])
        seen = dict(self._writer.query(_SEEN, (ids,)))
        known = (
            {row[0]: row[1:] for row in self._writer.query(_KNOWN, (self._roster.roster_id, ids))}
            if self._roster_had_members
            else {}
        )
        rejects, fresh = [], []
        for c in candidates:
            if c.id_number in seen:
                rejects.append(duplicate(c, seen[c.id_number]))
            else:
                fresh.append(c)
        self._writer.submit(_REMEMBER, (_as_json([(c.id_number, c.row) for c in fresh]),))
        inserts, updates = [], []
        stamp, channel, report = self._stamp, self._channel, self._report
        for c in fresh:
            found = known.get(c.id_number)
            if found is None:
                member_no = f"M{self._next_seq:04d}"
                self._next_seq += 1
                inserts.append((member_no, c.name, c.id_number, c.phone, c.code, c.department))
                continue
            member_id, name, phone, department = found
            # Without a department column the member's department is left as it was.
            department_now = c.department if self._departments else department
            if (name, phone, department) != (c.name, c.phone, department_now):
                updates.append(
                    (c.name, c.phone, department_now, stamp, stamp, c.code, channel, member_id)
                )
            else:
                report.unchanged += 1
        if inserts:
            # In ID order the (roster_id, id_number) index grows at its end: much faster.
            inserts.sort(key=operator.itemgetter(2))
            payload = _as_json(inserts)
            self._writer.submit(
                _INSERT_FROM_JSON, (self._roster.roster_id, stamp, channel, payload)
            )
        if updates:
            self._writer.submit_many(_UPDATE, updates)
        self._grow_cache()
        report.added += len(inserts)
        report.updated += len(updates)
        return rejects

    def _grow_cache(self) -> None:
        """Keep the page cache at the size the roster's index needs (member numbers given
        so far bound the roster's size)."""
        wanted = self._next_seq * CACHE_BYTES_PER_MEMBER >> 10
        kib = min(max(wanted, IMPORT_CACHE_MIN_KIB), IMPORT_CACHE_KIB)
        # In steps of a MiB at least (each is a statement), or up to the cap.
        grown = kib - self._cache_kib
        if grown >= 1 << 10 or (grown > 0 and kib == IMPORT_CACHE_KIB):
            self._writer.submit(f"PRAGMA cache_size = -{kib}", ())
            self._cache_kib = kib

    def finish(self) -> None:
        """Wait for every queued statement and record the next member number."""
        self._writer.submit(
            "UPDATE roster SET next_member_seq = ? WHERE roster_id = ?",
            (self._next_seq, self._roster.roster_id),
        )
        self._writer.submit("DELETE FROM temp.import_seen", ())
        self._writer.close()


def import_parsed(
    store: Store,
    roster: Roster,
    parsed: Parsed,
    now: dt.datetime,
    dry_run: bool = False,
    strict: bool = False,
    progress: Progress | None = None,
    consent_answers: frozenset[str] | None = None,
) -> ImportReport:
    """Validate and import ``parsed`` as one transaction, chunk by chunk as it is read.

    A dry run, or a strict import with rejected rows, is rolled back whole; only its audit
    entry is kept. ``consent_answers`` (``--consent-answer``) are the only answers that
    then mean yes. ``progress`` is told how many rows have been read.
    """
    report = ImportReport(encoding=parsed.encoding, columns=parsed.columns)
    today = clock.local_date(now)
    checker = CodeChecker(store, roster, today)
    layout = Layout(parsed.layout)
    validator = Validator(today, checker, parsed.encoding == "xlsx", consent_answers, layout)
    # The Enroller sizes the page cache for its roster: given back afterwards.
    with store.larger_cache(IMPORT_CACHE_MIN_KIB), store.transaction() as conn:
        conn.execute("SAVEPOINT import")
        enroller = Enroller(
            conn, roster, "import", now, report, departments=layout.department is not None
        )
        try:
            while chunk := list(itertools.islice(parsed.records, CHUNK_ROWS)):
                report.rows += len(chunk)
                candidates, rejects = validator.run(chunk)
                report.rejects.extend(rejects)
                report.rejects.extend(enroller.add(candidates))
                if progress is not None:
                    progress(report.rows)
        finally:
            enroller.finish()
        report.rejects.sort(key=operator.attrgetter("row"))
        report.aborted = strict and bool(report.rejects)
        if dry_run or report.aborted:
            conn.execute("ROLLBACK TO import")
        conn.execute("RELEASE import")
        action = "enroll.import.dry_run" if dry_run or report.aborted else "enroll.import"
        audit.record(conn, action, roster.roster_id, _counts(report), now=now)
    return report


def _counts(report: ImportReport) -> dict[str, int | str | bool]:
    return {
        "rows": report.rows,
        "added": report.added,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "rejected": report.rejected,
    }


def add_one(
    store: Store,
    roster: Roster,
    name: str,
    id_number: str,
    phone: str,
    now: dt.datetime,
    department: str | None = None,
) -> tuple[str, str]:
    """Enroll one person typed at the terminal (consent already given).

    ``department`` ``None`` leaves a known member's department as it was. Returns (member
    number, ``added`` | ``updated`` | ``unchanged``).
    """
    today = clock.local_date(now)
    candidate = Candidate(
        0,
        validate_name(name),
        validate_id(id_number, today),
        validate_phone(phone),
        None,
        validate_department(department) if department is not None else None,
    )
    report = ImportReport(rows=1)
    # The Enroller sizes the page cache for its roster: given back afterwards.
    with store.larger_cache(IMPORT_CACHE_MIN_KIB), store.transaction() as conn:
        enroller = Enroller(
            conn, roster, "terminal", now, report, departments=department is not None
        )
        try:
            enroller.add([candidate])
        finally:
            enroller.finish()
        (member_no,) = conn.execute(
            "SELECT member_no FROM member WHERE roster_id = ? AND id_number = ?",
            (roster.roster_id, candidate.id_number),
        ).fetchone()
        outcome = "added" if report.added else "updated" if report.updated else "unchanged"
        audit.record(conn, "enroll.add", roster.roster_id, {outcome: 1}, now=now)
    return str(member_no), outcome


def member_id(store: Store, roster: Roster, member_no: str) -> int:
    """The internal id of member ``M0001`` (any case) of ``roster``, or :class:`NotFound`."""
    rows = store.query(
        "SELECT id FROM member WHERE roster_id = ? AND member_no = ?",
        (roster.roster_id, member_no.strip().upper()),
    )
    if not rows:
        raise NotFound("member.not_found", member_no=member_no, roster_id=roster.roster_id)
    return int(rows[0][0])


def withdraw(store: Store, roster: Roster, member_no: str, now: dt.datetime) -> None:
    """Erase a member: personal data and health history (secure_delete overwrites the bytes)."""
    number = member_no.strip().upper()
    with store.transaction() as conn:
        erased = member_id(store, roster, number)
        prepare_erasure(conn)
        mark_for_erasure(conn, [(erased, number)])
        erase_prepared(conn, roster.roster_id, now)
    store.checkpoint()  # no copy of the erased pages stays in the WAL


ERASURE_TABLE = "temp.erasure"
"""The members one withdrawal erases: internal ids and member numbers only, in memory
(``temp_store = MEMORY``)."""


def prepare_erasure(conn: Any) -> None:
    """Start (or clear) the list of members to erase, inside the caller's transaction."""
    conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS erasure (id INTEGER PRIMARY KEY, member_no TEXT NOT NULL)"
    )
    conn.execute(f"DELETE FROM {ERASURE_TABLE}")


def mark_for_erasure(conn: Any, members: Iterable[tuple[int, str]]) -> None:
    """Add (internal id, member number) pairs to the list; a member marked twice stays once."""
    conn.executemany(
        f"INSERT OR IGNORE INTO {ERASURE_TABLE} (id, member_no) VALUES (?, ?)", members
    )


def erase_prepared(conn: Any, roster_id: str, now: dt.datetime, bulk: bool = False) -> int:
    """Erase every member on the list, single or bulk alike: their health history (which has
    no foreign key to member, see migration 0002), their health state (by cascade) and
    their member row. Each gets an audit entry with the member number only. The caller
    commits, then checkpoints the WAL. Returns how many were erased."""
    numbers = [
        n
        for (n,) in conn.execute(
            f"SELECT member_no FROM {ERASURE_TABLE} ORDER BY length(member_no), member_no"
        )
    ]
    history.erase(conn, f"SELECT id FROM {ERASURE_TABLE}")
    conn.execute(f"DELETE FROM member WHERE id IN (SELECT id FROM {ERASURE_TABLE})")
    conn.execute(f"DELETE FROM {ERASURE_TABLE}")
    for number in numbers:
        detail: dict[str, int | str | bool] = {"member_no": number}
        if bulk:
            detail["list"] = True
        audit.record(conn, "member.withdraw", roster_id, detail, now=now)
    return len(numbers)
