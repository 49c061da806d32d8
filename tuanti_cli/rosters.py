"""Creating the store's owner and its rosters, their codes and their QR payloads."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tuanti_cli import audit, clock, codes, history, qr
from tuanti_cli.errors import InputError, NotFound, StoreError
from tuanti_cli.i18n import t
from tuanti_cli.keys import Key
from tuanti_cli.masking import mask_phone
from tuanti_cli.models import ROSTER_COLUMNS, Admin, Roster
from tuanti_cli.store import IntegrityError, Store, remove_store_files

DEFAULT_MAX_NAT_DAYS = 3
TEXT_MAX = 200


@dataclass(frozen=True)
class IssuedCode:
    """A roster's current code and the payload its QR carries."""

    roster_id: str
    code: str
    payload: str


@dataclass(frozen=True)
class Verification:
    """The answer of ``roster verify``."""

    status: codes.CodeStatus
    roster_id: str
    institution: str | None
    expiry: str
    misstated: str | None = None
    """``institution`` or ``address`` when the text around the code names another
    one than the roster's: a real code on a false QR, which counts as forged."""

    @property
    def usable(self) -> bool:
        """Genuine and not expired: a member may enroll with it."""
        return self.status is codes.CodeStatus.GENUINE


def validate_admin(name: str, phone: str, id_number: str, today: dt.date) -> Admin:
    """Check the admin's details with the §4 rules."""
    from tuanti_cli.validate import validate_id, validate_name, validate_phone

    return Admin(validate_name(name), validate_phone(phone), validate_id(id_number, today))


def init_store(path: Path, key: Key, admin: Admin, now: dt.datetime) -> None:
    """Create the store with its admin and the secret that signs registration codes; if
    that fails, the half-made store is removed (an existing one is never touched)."""
    store = Store.create(path, key)
    try:
        with store, store.transaction() as conn:
            conn.execute(
                "INSERT INTO admin (id, name, phone, id_number, created_at) VALUES (1, ?, ?, ?, ?)",
                (admin.name, admin.phone, admin.id_number, clock.iso(now)),
            )
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('code_secret', ?)", (codes.new_secret(),)
            )
            audit.record(conn, "init", None, now=now)
    except BaseException:
        remove_store_files(path)
        raise


def code_secret(store: Store) -> str:
    """The secret that signs this store's registration codes."""
    rows = store.query("SELECT value FROM meta WHERE key = 'code_secret'")
    if not rows:
        raise StoreError("store.no_admin")
    return str(rows[0][0])


def admin_phone(store: Store) -> str:
    """The admin's phone number (mask it before showing it anywhere)."""
    rows = store.query("SELECT phone FROM admin WHERE id = 1")
    if not rows:
        raise StoreError("store.no_admin")
    return str(rows[0][0])


def _clean_text(value: str, what: str) -> str:
    text = value.strip()
    if not text:
        raise InputError("roster.empty_field", field=what)
    if len(text) > TEXT_MAX:
        raise InputError("roster.bad_field", field=what, max=TEXT_MAX)
    text = unicodedata.normalize("NFC", text)
    from tuanti_cli.validate import text_problem  # its patterns cost every command's start

    problem = text_problem(text, in_name=False)
    if problem is not None:
        key, char = problem
        raise InputError("field.invalid", option=what, reason=t(key, char=char))
    from tuanti_cli.masking import holds_spread_number

    # Shown in full (lists, summaries, reports, the QR text a member reads), as departments
    # are: a phone or ID number here would be printed unmasked.
    if holds_spread_number(text):
        raise InputError("roster.number", field=what)
    return text


def create_roster(
    store: Store,
    name: str,
    address: str,
    now: dt.datetime,
    roster_type: str | None = None,
    max_nat_days: int = DEFAULT_MAX_NAT_DAYS,
    expires_in: str | None = None,
    form_url: str | None = None,
) -> IssuedCode:
    """Open a new roster and issue its first registration code."""
    name = _clean_text(name, "--name")
    address = _clean_text(address, "--address")
    roster_type = _clean_text(roster_type, "--type") if roster_type is not None else None
    if not 0 <= max_nat_days <= 365:
        raise InputError("roster.bad_nat_days", value=max_nat_days)
    ttl = codes.parse_ttl_hours(expires_in) if expires_in else None
    expiry = codes.expiry_for(ttl, now)
    url = codes.check_form_url(form_url) if form_url else None
    if url is not None:
        _check_url_fits(url, expiry)
    code_secret(store)
    with store.transaction() as conn:
        if conn.execute("SELECT 1 FROM roster WHERE name = ?", (name,)).fetchone():
            raise InputError("roster.name_taken", name=name)
        for _ in range(20):
            roster_id = codes.new_roster_id()
            try:
                conn.execute(
                    "INSERT INTO roster (roster_id, name, address, type, max_nat_days, form_url,"
                    " code_generation, code_expiry, code_ttl_hours, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?)",
                    (
                        roster_id,
                        name,
                        address,
                        roster_type,
                        max_nat_days,
                        url,
                        expiry,
                        ttl,
                        clock.iso(now),
                    ),
                )
                break
            except IntegrityError:
                continue
        audit.record(conn, "roster.create", roster_id, now=now)
    return issued_code(store, get_roster(store, roster_id))


def _check_url_fits(url: str, expiry: str) -> None:
    """Refuse a form URL that no QR code can carry with the code added, before the roster
    exists (its QR could never be drawn)."""
    # Every code with this expiry has the same length, whatever its roster id and signature.
    sample = codes.ParsedCode("A" * codes.ROSTER_ID_LENGTH, expiry, "A" * codes.SIGNATURE_LENGTH)
    payload = codes.build_payload(sample.text, "", "", "", url)
    if not qr.fits(payload):
        excess = len(payload.encode("utf-8")) - qr.MAX_PAYLOAD_BYTES
        plain = qr.MAX_PAYLOAD_BYTES - len(f"&code={sample.text}")
        raise InputError("roster.url_too_long", excess=excess, plain=plain)


def _row_to_roster(row: Any) -> Roster:
    return Roster(*row)


def get_roster(store: Store, ref: str) -> Roster:
    """Find a roster by its id or its exact institution name."""
    rows = store.query(
        f"SELECT {ROSTER_COLUMNS} FROM roster WHERE roster_id = ? OR name = ?",
        (ref.strip().upper(), ref.strip()),
    )
    if not rows:
        raise NotFound("roster.not_found", ref=ref)
    return _row_to_roster(rows[0])


def all_rosters(store: Store) -> list[Roster]:
    """Every roster, oldest first."""
    rows = store.query(f"SELECT {ROSTER_COLUMNS} FROM roster ORDER BY created_at, roster_id")
    return [_row_to_roster(row) for row in rows]


def issued_code(store: Store, roster: Roster) -> IssuedCode:
    """The roster's current code and QR payload."""
    code = codes.make_code(
        code_secret(store), roster.roster_id, roster.code_expiry, roster.code_generation
    )
    payload = codes.build_payload(
        code, roster.name, roster.address, mask_phone(admin_phone(store)), roster.form_url
    )
    return IssuedCode(roster.roster_id, code, payload)


def code_to_show(store: Store, roster: Roster, today: dt.date) -> IssuedCode:
    """The roster's current code for its QR; an expired one is refused, since nobody could
    register with it."""
    if codes.has_expired(roster.code_expiry, today):
        raise InputError(
            "roster.code_expired",
            roster_id=roster.roster_id,
            date=codes.expiry_text(roster.code_expiry),
        )
    return issued_code(store, roster)


def verify(store: Store, text: str, today: dt.date) -> Verification:
    """Judge a code or a whole payload against this store's rosters."""
    parsed = codes.find_code(text)
    rows = store.query(
        "SELECT name, address, code_generation FROM roster WHERE roster_id = ?",
        (parsed.roster_id,),
    )
    if not rows:
        return Verification(codes.CodeStatus.FORGED, parsed.roster_id, None, parsed.expiry)
    institution, address, generation = rows[0]
    status, expiry = codes.judge(parsed, code_secret(store), generation, today)
    misstated = codes.misstated(text, institution, address)
    if misstated is not None:
        status = codes.CodeStatus.FORGED
    return Verification(status, parsed.roster_id, institution, expiry, misstated)


def reissue(store: Store, roster: Roster, now: dt.datetime) -> IssuedCode:
    """Move the roster to its next code generation: every earlier code becomes revoked."""
    with store.transaction() as conn:
        conn.execute(
            "UPDATE roster SET code_generation = code_generation + 1, code_expiry = ?"
            " WHERE roster_id = ?",
            (codes.expiry_for(roster.code_ttl_hours, now), roster.roster_id),
        )
        audit.record(conn, "roster.reissue", roster.roster_id, now=now)
    return issued_code(store, get_roster(store, roster.roster_id))


def delete(store: Store, roster: Roster, now: dt.datetime) -> int:
    """Delete the roster and erase its members and their health data; returns members erased."""
    with store.transaction() as conn:
        (members,) = conn.execute(
            "SELECT count(*) FROM member WHERE roster_id = ?", (roster.roster_id,)
        ).fetchone()
        # History has no foreign key to member (see migration 0002): erase it by hand,
        # each member's chain of change points, before their health records go.
        history.erase(conn, "SELECT id FROM member WHERE roster_id = ?", (roster.roster_id,))
        conn.execute("DELETE FROM roster WHERE roster_id = ?", (roster.roster_id,))
        audit.record(conn, "roster.delete", roster.roster_id, {"members": members}, now=now)
    store.checkpoint()  # as for a withdrawal: no copy of the erased pages stays in the WAL
    return int(members)
