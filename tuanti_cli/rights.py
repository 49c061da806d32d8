"""People's rights (PRODUCT §9): withdrawal from a list of requests, and a member's own copy.

A withdrawal list names people by ID number, by member number, or both. Each line is judged
on its own: a malformed value rejects the line; a well-formed one that names nobody in the
roster is reported (masked); everyone it names is erased in one transaction, exactly as a
single withdrawal erases one member (:func:`tuanti_cli.enrollment.erase_prepared`).

A member's own copy holds everything stored about that one person, unmasked because it is
theirs: it goes only to a file (the command layer sees to that) and is audited.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from tuanti_cli import audit, clock, enrollment, history, view
from tuanti_cli.columns import ID_NUMBER_RULE, BareList, FieldRule, Recognizer, aliases
from tuanti_cli.enrollment import Reject
from tuanti_cli.errors import FieldError, InputError
from tuanti_cli.history import chain_of
from tuanti_cli.i18n import t
from tuanti_cli.ingest import Parsed, Record
from tuanti_cli.masking import mask_field
from tuanti_cli.models import Roster
from tuanti_cli.store import Store
from tuanti_cli.validate import validate_id

CHUNK_ROWS = 5_000

MEMBER_NO_RULE = FieldRule(
    aliases("member_no", "成员编号", "会员编号", "member number", "member no"),
    words=(("成员编号", 60), ("会员编号", 60), ("编号", 40)),
)
"""The member-number column. A bare ``编号`` counts less than ``成员编号``: Tencent Survey
names its response numbers (1, 2, 3 …) so, and those are never taken for member numbers
(see :func:`judge`)."""

_MEMBER_NO = re.compile(r"M([0-9]{1,9})")
_PLAIN_INTEGER = re.compile(r"[0-9]+")
REQUEST = "request"
"""The field of a list without a header: each line's one value, an ID number or a member
number, whichever it reads as (:func:`split_request`)."""


def _request_text(value: Any) -> str:
    return unicodedata.normalize("NFKC", enrollment.cell_text(value)).strip().upper()


_LONG_NUMBER = re.compile(r"[0-9]{7,}[Xx]?")


def reads_as_request(value: Any) -> bool:
    """Whether a cell reads as a member number or an ID number, a wrong one included (a
    wrong check character, 15 digits, Excel's ``1.10101E+17``: the line's problem, reported
    with it); a header never does."""
    text = _request_text(value)
    if _MEMBER_NO.fullmatch(text) or _LONG_NUMBER.fullmatch(text):
        return True  # a long number is a mistyped ID (17 or 19 digits), never a header
    try:
        validate_id(text, dt.date.max)
    except FieldError as exc:
        return exc.key not in ("id.shape", "id.empty")
    return True


def split_request(value: Any) -> tuple[Any, Any]:
    """(ID number, member number) of a value alone on its line: a member number when it
    reads as one (``M0003``, ``m5``), else an ID number."""
    if isinstance(value, str) and _MEMBER_NO.fullmatch(_request_text(value)):
        return None, value
    return value, None


RECOGNIZER = Recognizer(
    {"id_number": ID_NUMBER_RULE, "member_no": MEMBER_NO_RULE},
    required=(),
    any_of=("id_number", "member_no"),
    bare=BareList(REQUEST, reads_as_request),
)


class Request(NamedTuple):
    """A well-formed line of a withdrawal list: whom it names, by ID number and/or number."""

    row: int
    id_number: str | None
    member_no: str | None


class Unmatched(NamedTuple):
    """A well-formed line that names nobody in the roster; ``value`` is masked."""

    row: int
    field: str
    value: str


@dataclass
class WithdrawalReport:
    """What a bulk withdrawal did (or, on a dry run, would do).

    ``requested`` counts the distinct people the well-formed lines name: each member found
    once however many lines name them (by ID number, by member number or both), plus each
    distinct value that names nobody.
    """

    rows: int = 0
    requested: int = 0
    withdrawn: list[str] = field(default_factory=list)
    not_found: list[Unmatched] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    dry_run: bool = False

    def as_json(self) -> dict[str, Any]:
        """The §9 JSON object."""
        return {
            "requested": self.requested,
            "withdrawn": list(self.withdrawn),
            "not_found": [
                {"row": u.row, "field": u.field, "value": u.value} for u in self.not_found
            ],
            "rejects": [
                {"row": r.row, "field": r.field, "reason": r.reason, "value": r.value}
                for r in self.rejects
            ],
        }

    def counts(self) -> dict[str, int | str | bool]:
        """The audit detail: counts only, never a person's data."""
        return {
            "rows": self.rows,
            "requested": self.requested,
            "withdrawn": len(self.withdrawn),
            "not_found": len(self.not_found),
            "rejected": len(self.rejects),
        }


def _reject(row: int, field_name: str, key: str, value: Any) -> Reject:
    return enrollment.reject(row, field_name, t(key), value)


def member_number(value: Any) -> str | None:
    """A member-number cell as ``M0001`` (upper case, at least four digits), ``None`` when
    empty; else :class:`FieldError` (``withdraw.response_number`` for a plain integer)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, int) or value.is_integer():
            raise FieldError("member_no", "withdraw.response_number")
        raise FieldError("member_no", "withdraw.member_no_shape")
    text = unicodedata.normalize("NFKC", enrollment.cell_text(value)).strip().upper()
    if not text:
        return None
    if _PLAIN_INTEGER.fullmatch(text):
        raise FieldError("member_no", "withdraw.response_number")
    match = _MEMBER_NO.fullmatch(text)
    if match is None:
        raise FieldError("member_no", "withdraw.member_no_shape")
    return f"M{int(match.group(1)):04d}"


def judge(
    record: Record, positions: dict[str, int], today: dt.date, from_spreadsheet: bool
) -> Request | Reject:
    """One line of a withdrawal list: whom it names, or why it names nobody for sure.

    A malformed ID number or member number rejects the line (a withdrawal erases: a line
    that may be a typo erases nothing). A plain integer in the member-number column is a
    form tool's response number (Tencent Survey's ``编号``): ignored when the line names
    its person by ID number, else the line is rejected.
    """
    fields = record.fields
    if fields is None:
        return _reject(record.row, "row", record.problem or "row.not_object", record.text)
    raw_id = fields[positions["id_number"]] if "id_number" in positions else None
    raw_no = fields[positions["member_no"]] if "member_no" in positions else None
    if REQUEST in positions and fields[positions[REQUEST]] is not None:
        raw_id, raw_no = split_request(fields[positions[REQUEST]])
    id_number: str | None = None
    if isinstance(raw_id, float) or (from_spreadsheet and isinstance(raw_id, int)):
        # A number cell: a spreadsheet kept 15 significant digits of it.
        return _reject(record.row, "id_number", "id.excel", raw_id)
    text = enrollment.cell_text(raw_id)
    if text:
        try:
            id_number = validate_id(text, today)
        except FieldError as exc:
            return _reject(record.row, exc.field, exc.key, raw_id)
    number: str | None = None
    try:
        number = member_number(raw_no)
    except FieldError as exc:
        if exc.key != "withdraw.response_number" or id_number is None:
            return _reject(record.row, exc.field, exc.key, raw_no)
    if id_number is None and number is None:
        empty_field = "member_no" if positions.keys() == {"member_no"} else "id_number"
        return _reject(record.row, empty_field, "withdraw.empty", "")
    return Request(record.row, id_number, number)


# Who a chunk names, asked of SQLite through the roster's unique indexes: memory does not
# grow with the roster. CROSS JOIN keeps the chunk the outer loop.
_BY_ID = (
    "SELECT j.value, m.id, m.member_no FROM json_each(?2) j"
    " CROSS JOIN member m ON m.roster_id = ?1 AND m.id_number = j.value"
)
_BY_NUMBER = (
    "SELECT j.value, m.id, m.member_no FROM json_each(?2) j"
    " CROSS JOIN member m ON m.roster_id = ?1 AND m.member_no = j.value"
)


class _Matcher:
    """Resolves the requests of each chunk to members and marks them for erasure."""

    def __init__(self, conn: Any, roster_id: str, report: WithdrawalReport) -> None:
        self._conn, self._roster_id, self._report = conn, roster_id, report
        self._strangers: set[tuple[str, str]] = set()

    def add(self, requests: list[Request]) -> None:
        """Mark the members ``requests`` name; report the lines that name nobody."""
        by_id = self._lookup(_BY_ID, {r.id_number for r in requests if r.id_number})
        by_no = self._lookup(_BY_NUMBER, {r.member_no for r in requests if r.member_no})
        marked: list[tuple[int, str]] = []
        for request in requests:
            found_by_id = by_id.get(request.id_number) if request.id_number else None
            found_by_no = by_no.get(request.member_no) if request.member_no else None
            # A line naming two different people (or a known and an unknown one): neither
            # is erased on its word.
            both = request.id_number is not None and request.member_no is not None
            if both and found_by_id != found_by_no and (found_by_id or found_by_no):
                self._report.rejects.append(
                    _reject(request.row, "member_no", "withdraw.mismatch", request.member_no)
                )
                continue
            found = found_by_id or found_by_no
            if found is not None:
                marked.append(found)
            elif request.id_number:
                self._unmatched(request.row, "id_number", request.id_number)
            elif request.member_no:
                self._unmatched(request.row, "member_no", request.member_no)
        if marked:
            enrollment.mark_for_erasure(self._conn, marked)

    def strangers(self) -> int:
        """How many distinct values named nobody."""
        return len(self._strangers)

    def _unmatched(self, row: int, field_name: str, value: str) -> None:
        self._strangers.add((field_name, value))
        self._report.not_found.append(Unmatched(row, field_name, mask_field(field_name, value)))

    def _lookup(self, sql: str, values: set[str]) -> dict[str, tuple[int, str]]:
        if not values:
            return {}
        rows = self._conn.execute(sql, (self._roster_id, json.dumps(sorted(values)))).fetchall()
        return {value: (int(member), str(number)) for value, member, number in rows}


def withdraw_list(
    store: Store,
    roster: Roster,
    parsed: Parsed,
    now: dt.datetime,
    dry_run: bool = False,
    expected: Sequence[str] | None = None,
    record: bool = True,
) -> WithdrawalReport:
    """Erase every member the list ``parsed`` names, in one transaction, chunk by chunk.

    A dry run erases nothing (and is audited as one). ``expected``: the member numbers a
    person confirmed; if the list now names others, nothing is erased and
    :class:`InputError` says so. ``record=False`` (a preview before asking) leaves no
    audit entry. The audit keeps member numbers and counts, never an ID number.
    """
    report = WithdrawalReport(dry_run=dry_run)
    today = clock.local_date(now)
    positions = {name: index for index, name in enumerate(parsed.layout)}
    from_spreadsheet = parsed.encoding == "xlsx"
    with store.transaction() as conn:
        enrollment.prepare_erasure(conn)
        matcher = _Matcher(conn, roster.roster_id, report)
        while chunk := list(itertools.islice(parsed.records, CHUNK_ROWS)):
            report.rows += len(chunk)
            requests: list[Request] = []
            for line in chunk:
                judged = judge(line, positions, today, from_spreadsheet)
                if isinstance(judged, Reject):
                    report.rejects.append(judged)
                else:
                    requests.append(judged)
            matcher.add(requests)
        report.withdrawn = [
            str(n)
            for (n,) in conn.execute(
                f"SELECT member_no FROM {enrollment.ERASURE_TABLE}"
                " ORDER BY length(member_no), member_no"
            )
        ]
        report.requested = len(report.withdrawn) + matcher.strangers()
        report.rejects.sort(key=lambda r: r.row)
        if expected is not None and sorted(expected) != sorted(report.withdrawn):
            raise InputError("withdraw.changed")
        if dry_run:
            enrollment.prepare_erasure(conn)
        else:
            enrollment.erase_prepared(conn, roster.roster_id, now, bulk=True)
        if record:
            action = "member.withdraw.dry_run" if dry_run else "member.withdraw.list"
            audit.record(conn, action, roster.roster_id, report.counts(), now=now)
    if report.withdrawn and not dry_run:
        store.checkpoint()  # no copy of the erased pages stays in the WAL
    return report


# --- a member's own copy ---------------------------------------------------------------------

COPY_FORMAT = "tuanti-member-copy"
COPY_VERSION = 1
# The state's columns as stored, with when it was compared after the NAT and vaccination.
_STATE = (*history.STATE_COLUMNS[:6], "compared_at", "flags", "abnormal")
_STATE_SQL = ", ".join(_STATE)


def _state(row: Sequence[Any]) -> dict[str, Any]:
    state = dict(zip(_STATE, row, strict=True))
    state["flags"] = state["flags"].split(",") if state["flags"] else []
    state["abnormal"] = bool(state["abnormal"])
    return state


def member_copy(
    store: Store, roster: Roster, member_no: str, now: dt.datetime, fmt: str
) -> dict[str, Any]:
    """Everything stored about member ``member_no`` of ``roster``, unmasked, as the
    documented copy structure; the read is audited (``member.copy``) in the same
    transaction. Only entries of the audit that name this member's number are included.
    """
    number = member_no.strip().upper()
    with store.transaction() as conn:
        internal = enrollment.member_id(store, roster, number)
        (
            name,
            id_number,
            phone,
            department,
            enrolled_at,
            updated_at,
            consent_at,
            consent_code,
            consent_channel,
        ) = conn.execute(
            "SELECT name, id_number, phone, department, enrolled_at, updated_at, consent_at,"
            " consent_code, consent_channel FROM member WHERE id = ?",
            (internal,),
        ).fetchone()
        health = conn.execute(
            f"SELECT {_STATE_SQL} FROM health WHERE member_id = ?", (internal,)
        ).fetchone()
        current = None
        if health is not None:
            current = _state(health)
            # A record keeps the time of its last change; the member was last compared when
            # the roster's latest run compared, as the view shows it.
            current["compared_at"] = (
                view.last_compared(conn, roster.roster_id) or current["compared_at"]
            )
        history = conn.execute(
            chain_of("?") + f"SELECT {_STATE_SQL} FROM health_history"
            " WHERE id IN (SELECT id FROM chain) ORDER BY run_id, id",
            (internal,),
        ).fetchall()
        # The same person in the store's other rosters (one person may be in several): each
        # roster keeps its own data, so the copy names where else to ask.
        elsewhere = conn.execute(
            "SELECT r.roster_id, r.name, m.member_no FROM member m"
            " JOIN roster r ON r.roster_id = m.roster_id"
            " WHERE m.id_number = ? AND m.roster_id != ? ORDER BY r.created_at, r.roster_id",
            (id_number, roster.roster_id),
        ).fetchall()
        # Only entries that name this member's number; other members are never named.
        entries = conn.execute(
            "SELECT at, user, action, detail, admin_no FROM audit"
            " WHERE roster_id = ? AND json_valid(detail)"
            " AND json_extract(detail, '$.member_no') = ? ORDER BY id",
            (roster.roster_id, number),
        ).fetchall()
        audit.record(
            conn, "member.copy", roster.roster_id, {"member_no": number, "format": fmt}, now=now
        )
    return {
        "format": COPY_FORMAT,
        "version": COPY_VERSION,
        "made_at": clock.iso(now),
        "roster": {"roster_id": roster.roster_id, "name": roster.name, "address": roster.address},
        "member": {
            "member_no": number,
            "name": name,
            "id_number": id_number,
            "phone": phone,
            "department": department,
            "enrolled_at": enrolled_at,
            "updated_at": updated_at,
            "consent": {"at": consent_at, "code": consent_code, "channel": consent_channel},
        },
        "other_rosters": [
            {"roster_id": roster_id, "name": other, "member_no": member_no}
            for roster_id, other, member_no in elsewhere
        ],
        "health": current,
        "history": [_state(row) for row in history],
        "audit": [
            {
                "at": at,
                "user": user,
                "action": action,
                "admin": admin_no,
                "detail": json.loads(detail),
            }
            for at, user, action, detail, admin_no in entries
        ],
    }
