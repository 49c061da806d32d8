"""Several admins, each with a key slot in ``<store>.keys`` (PRODUCT §9).

The store is encrypted under a random 256-bit *data key*. Each admin's slot wraps that key
with AES-256-GCM; the wrapping key comes from an X25519 agreement (as in age's X25519
recipients) between a fresh ephemeral key and the admin's public key. The admin's private
key is derived from their key file (HKDF-SHA256) or passphrase (scrypt, parameters stored in
the slot, as LUKS2 stores each keyslot's KDF). Public keys are what let one admin re-key the
store and re-wrap the new data key for every other admin without knowing their secrets — the
whole point of removing an admin. The encrypted store, not the slot file, is the authority
for each admin's public key: a slot whose admin is gone from the store, or whose public key
differs from the store's, opens nothing.

During a change of data key the file holds slots for two *generations* (old and new) of the
data key; opening tries both, and the next open under the lock finishes the change. The store
module only ever sees the data key. ``cryptography`` is imported inside the functions that
need it, so ``tuanti --help`` stays fast.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
import os
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tuanti_cli import audit, clock
from tuanti_cli.errors import BusyError, InputError, NotFound, StoreError, StoreKeyError
from tuanti_cli.keys import Key
from tuanti_cli.masking import mask_id, mask_phone
from tuanti_cli.models import Admin
from tuanti_cli.paths import keys_path
from tuanti_cli.store import Store, check_store_file
from tuanti_cli.writing import NOTHING, write_atomically

FORMAT = "tuanti-keys"
VERSION = 1
KEYS_FILE_MAX_BYTES = 1024 * 1024
DATA_KEY_BYTES = 32
# scrypt at N=2^17, r=8 (128 MiB, ≈0.3 s): age's default work factor is 2^18; a third of a
# second per passphrase open keeps interactive use bearable while costing a guesser as much.
SCRYPT_N = 2**17
SCRYPT_R = 8
SCRYPT_P = 1
KIND_KEYFILE = "keyfile"
KIND_PASSPHRASE = "passphrase"
_KEYFILE_INFO = b"tuanti-keys/1 keyfile x25519"
_WRAP_INFO = b"tuanti-keys/1 wrap"
_ADMIN_NO = re.compile(r"A[1-9][0-9]{0,5}")
ABOUT = (
    "Key slots of a tuanti store: each wraps the store's data key for one admin. "
    "Losing this file loses the store; back it up together with the store."
)


def has_slots(db_path: Path) -> bool:
    """Whether the store has been converted to key slots (its slot file exists)."""
    return os.path.lexists(keys_path(db_path))


@dataclass(frozen=True)
class Identity:
    """An admin's key pair, derived from their key file or passphrase; never printed."""

    kind: str
    kdf: dict[str, Any] | None
    private: bytes = field(repr=False)
    public: bytes


@dataclass(frozen=True)
class Recipient:
    """Whom a slot is wrapped for: an admin number and that admin's public key."""

    admin_no: str
    kind: str
    kdf: dict[str, Any] | None
    public: bytes


@dataclass(frozen=True)
class Unlocked:
    """What one admin's key opens in a slot file: the data key of each generation."""

    admin_no: str
    public: bytes
    data_keys: dict[int, bytes] = field(repr=False)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any, size: int | None = None) -> bytes:
    if not isinstance(text, str):
        raise ValueError("not text")
    data = base64.b64decode(text.encode("ascii"), validate=True)
    if size is not None and len(data) != size:
        raise ValueError("wrong size")
    return data


def _new_scrypt_params() -> dict[str, Any]:
    return {
        "name": "scrypt",
        "n": SCRYPT_N,
        "r": SCRYPT_R,
        "p": SCRYPT_P,
        "salt": _b64(secrets.token_bytes(16)),
    }


def derive_identity(key: Key, kdf: dict[str, Any] | None = None) -> Identity:
    """The admin key pair for ``key``: a key file through HKDF-SHA256, a passphrase through
    scrypt with ``kdf`` (new random parameters when ``None``)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    if key.raw_hex is not None:
        kind, params = KIND_KEYFILE, None
        seed = HKDF(hashes.SHA256(), 32, salt=None, info=_KEYFILE_INFO).derive(
            bytes.fromhex(key.raw_hex)
        )
    else:
        assert key.passphrase is not None
        kind, params = KIND_PASSPHRASE, kdf or _new_scrypt_params()
        seed = Scrypt(
            salt=_unb64(params["salt"]), length=32, n=params["n"], r=params["r"], p=params["p"]
        ).derive(key.passphrase.encode("utf-8"))
    private = X25519PrivateKey.from_private_bytes(seed)
    return Identity(kind, params, seed, private.public_key().public_bytes_raw())


def _aad(admin_no: str, generation: int, kind: str) -> bytes:
    # Binds a slot to its admin, its generation and the format version: a slot moved to
    # another admin number or generation fails its tag check.
    return f"{FORMAT}/{VERSION}|{admin_no}|{generation}|{kind}".encode("ascii")


def _wrap_key(shared: bytes, ephemeral: bytes, public: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(hashes.SHA256(), 32, salt=ephemeral + public, info=_WRAP_INFO).derive(shared)


def wrap(data_key: bytes, recipient: Recipient, generation: int) -> dict[str, Any]:
    """One slot: ``data_key`` of ``generation`` wrapped for ``recipient``."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import (
        X25519PrivateKey,
        X25519PublicKey,
    )
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = ephemeral.public_key().public_bytes_raw()
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient.public))
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(_wrap_key(shared, ephemeral_public, recipient.public)).encrypt(
        nonce, data_key, _aad(recipient.admin_no, generation, recipient.kind)
    )
    return {
        "admin_no": recipient.admin_no,
        "generation": generation,
        "kind": recipient.kind,
        "kdf": recipient.kdf,
        "public_key": _b64(recipient.public),
        "ephemeral": _b64(ephemeral_public),
        "nonce": _b64(nonce),
        "wrapped": _b64(sealed),
    }


def _unwrap(slot: dict[str, Any], identity: Identity) -> bytes | None:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.asymmetric.x25519 import (
        X25519PrivateKey,
        X25519PublicKey,
    )
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    ephemeral = _unb64(slot["ephemeral"], 32)
    try:
        shared = X25519PrivateKey.from_private_bytes(identity.private).exchange(
            X25519PublicKey.from_public_bytes(ephemeral)
        )
        data_key = AESGCM(_wrap_key(shared, ephemeral, identity.public)).decrypt(
            _unb64(slot["nonce"], 12),
            _unb64(slot["wrapped"]),
            _aad(slot["admin_no"], slot["generation"], slot["kind"]),
        )
    except (InvalidTag, ValueError):  # ValueError: a low-order ephemeral key
        return None
    return data_key if len(data_key) == DATA_KEY_BYTES else None


# ---- the slot file ---------------------------------------------------------------------


@dataclass
class KeysFile:
    """The parsed slot file. ``legacy``: a first conversion may not have re-keyed the
    store yet, so A1's own key may still be its SQLCipher key."""

    slots: list[dict[str, Any]]
    legacy: bool = False

    def generations(self) -> set[int]:
        """The data-key generations that slots exist for."""
        return {slot["generation"] for slot in self.slots}


def read_keys_file(db_path: Path) -> KeysFile:
    """Read and check ``<store>.keys``; a damaged or foreign file is one sentence."""
    path = keys_path(db_path)
    try:
        with path.open("rb") as stream:
            data = stream.read(KEYS_FILE_MAX_BYTES + 1)
    except OSError:
        raise StoreKeyError("admin.keys_unreadable", path=path) from None
    try:
        if len(data) > KEYS_FILE_MAX_BYTES:
            raise ValueError("too large")
        document = json.loads(data.decode("utf-8"))
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise ValueError("not a slot file")
        if document.get("version") != VERSION:
            raise StoreError("admin.keys_newer", path=path, version=document.get("version"))
        slots = document["slots"]
        if not isinstance(slots, list):
            raise ValueError("no slots")
        for slot in slots:
            _check_slot(slot)
        legacy = document.get("legacy", False)
        if not isinstance(legacy, bool):
            raise ValueError("legacy")
    except StoreError:
        raise
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise StoreKeyError("admin.keys_bad", path=path) from None
    return KeysFile(slots, legacy)


def _check_slot(slot: Any) -> None:
    if not isinstance(slot, dict):
        raise ValueError("slot")
    if not isinstance(slot["admin_no"], str) or not _ADMIN_NO.fullmatch(slot["admin_no"]):
        raise ValueError("admin_no")
    generation = slot["generation"]
    if not isinstance(generation, int) or isinstance(generation, bool) or generation < 1:
        raise ValueError("generation")
    if slot["kind"] == KIND_KEYFILE:
        if slot["kdf"] is not None:
            raise ValueError("kdf")
    elif slot["kind"] == KIND_PASSPHRASE:
        kdf = slot["kdf"]
        if not isinstance(kdf, dict) or kdf.get("name") != "scrypt":
            raise ValueError("kdf")
        for name, low, high in (("n", 2**14, 2**22), ("r", 1, 32), ("p", 1, 16)):
            value = kdf.get(name)
            # Bounded both ways: a tampered file must not make an open take hours or
            # gigabytes, nor weaken a new slot copied from it.
            if not isinstance(value, int) or not low <= value <= high:
                raise ValueError(name)
        if kdf["n"] & (kdf["n"] - 1):
            raise ValueError("n")
        _unb64(kdf["salt"])
    else:
        raise ValueError("kind")
    _unb64(slot["public_key"], 32)
    _unb64(slot["ephemeral"], 32)
    _unb64(slot["nonce"], 12)
    _unb64(slot["wrapped"], DATA_KEY_BYTES + 16)


def _write_keys_file(db_path: Path, slots: list[dict[str, Any]], legacy: bool = False) -> None:
    """Replace ``<store>.keys`` through the one writer (:func:`tuanti_cli.writing.write_atomically`:
    a 0600 temporary beside it, fsync, rename, fsync of the folder) — a crash leaves the old
    file or the new, never half."""
    path = keys_path(db_path)
    document = {
        "format": FORMAT,
        "version": VERSION,
        "about": ABOUT,
        "legacy": legacy,
        "slots": slots,
    }
    content = (json.dumps(document, indent=2) + "\n").encode("ascii")
    try:
        with write_atomically(path, NOTHING, option=path.name, binary=True) as stream:
            stream.write(content)
    except InputError as exc:
        reason = exc.params.get("reason") or str(exc)
        raise StoreError("admin.keys_unwritable", path=path, reason=reason) from None


# ---- unlocking and opening -------------------------------------------------------------


def unlock(db_path: Path, key: Key) -> Unlocked | None:
    """The data keys that ``key`` unwraps from the store's slot file, or ``None``.

    A key file is tried against the key-file slots, a passphrase against the passphrase
    slots (one scrypt run per distinct set of parameters); the AES-GCM tag tells which.
    """
    return _unlock(read_keys_file(db_path), key)


def _unlock(keys_file: KeysFile, key: Key) -> Unlocked | None:
    wanted = KIND_KEYFILE if key.raw_hex is not None else KIND_PASSPHRASE
    identities: dict[str, Identity] = {}
    found: dict[int, bytes] = {}
    admin_no: str | None = None
    public = b""
    for slot in keys_file.slots:
        if slot["kind"] != wanted:
            continue
        params = json.dumps(slot["kdf"], sort_keys=True)
        if params not in identities:
            identities[params] = derive_identity(key, slot["kdf"])
        identity = identities[params]
        if _unb64(slot["public_key"]) != identity.public:
            continue
        if admin_no is not None and slot["admin_no"] != admin_no:
            continue
        data_key = _unwrap(slot, identity)
        if data_key is not None:
            admin_no, public = slot["admin_no"], identity.public
            found[slot["generation"]] = data_key
    if admin_no is None:
        return None
    return Unlocked(admin_no, public, found)


def _raw(data_key: bytes) -> Key:
    return Key(raw_hex=data_key.hex())


def open_store(db_path: Path, key: Key, *, lock_held: bool = False) -> Store:
    """Open the store with an admin's key file or passphrase.

    Without a slot file this is :meth:`Store.open` as before slots existed. With one, the
    key must open one of its slots; the data key it unwraps opens the store, and the store
    remembers the acting admin for the audit. A change of data key that a crash interrupted
    is finished here, under the refresh lock (``lock_held``: the caller holds it; otherwise
    it is taken if free, and the work left for a later open if not).
    """
    check_store_file(db_path)
    if not has_slots(db_path):
        return Store.open(db_path, key)
    keys_file = read_keys_file(db_path)
    unlocked = _unlock(keys_file, key)
    store: Store | None = None
    if unlocked is not None:
        # Oldest first: after a kill during `PRAGMA rekey`, the old key is the one that
        # rolls the journal back; the new key is only tried on a store it fully encrypts.
        for generation in sorted(unlocked.data_keys):
            data_key = unlocked.data_keys[generation]
            try:
                store = Store.open(db_path, _raw(data_key))
            except StoreKeyError:
                continue
            store.data_key, store.key_generation = data_key, generation
            store.admin_no = unlocked.admin_no
            break
        if store is not None and not _still_admin(store, unlocked):
            store.close()
            raise StoreKeyError("key.wrong", path=db_path)
    if store is None and keys_file.legacy:
        with contextlib.suppress(StoreKeyError):
            store = Store.open(db_path, key)
    if store is None:
        raise StoreKeyError("key.wrong", path=db_path)
    if _unfinished(store, keys_file):
        try:
            _finish(store, key, lock_held)
        except BaseException:
            store.close()
            raise
    return store


def _still_admin(store: Store, unlocked: Unlocked) -> bool:
    rows = store.query("SELECT public_key FROM admins WHERE admin_no = ?", (unlocked.admin_no,))
    return bool(rows) and rows[0][0] == _b64(unlocked.public)


def _unfinished(store: Store, keys_file: KeysFile) -> bool:
    return (
        store.key_generation is None
        or keys_file.legacy
        or keys_file.generations() != {store.key_generation}
    )


def _finish(store: Store, key: Key, lock_held: bool) -> None:
    """Complete an interrupted conversion or change of data key (see :func:`remove_admin`)."""
    from tuanti_cli.locking import refresh_lock

    lock: contextlib.AbstractContextManager[None] = (
        contextlib.nullcontext() if lock_held else refresh_lock(store.path, timeout=0.5)
    )
    try:
        with lock:
            _finish_locked(store, key)
    except BusyError:
        return  # another admin command or a refresh runs; the next open finishes it


def _finish_locked(store: Store, key: Key) -> None:
    keys_file = read_keys_file(store.path)  # another process may have finished meanwhile
    if store.key_generation is None:
        # Opened with A1's own key: a first conversion was killed before its re-key.
        rows = store.query("SELECT public_key FROM admins WHERE admin_no = 'A1'")
        if not rows or rows[0][0] is None:
            # The conversion's transaction never committed: no slot is real.
            with contextlib.suppress(FileNotFoundError):
                os.unlink(keys_path(store.path))
            return
        unlocked = _unlock(keys_file, key)
        if unlocked is None or not _still_admin(store, unlocked):
            return
        store.admin_no = unlocked.admin_no
    else:
        unlocked = _unlock(keys_file, key)
        if unlocked is None:
            return
    newest = max(unlocked.data_keys)
    if newest != store.key_generation:
        store.rekey(_raw(unlocked.data_keys[newest]))
        store.data_key, store.key_generation = unlocked.data_keys[newest], newest
    assert store.data_key is not None and store.key_generation is not None
    _write_keys_file(
        store.path, _slots(store.conn, {store.key_generation: store.data_key}), legacy=False
    )


# ---- changing admins and keys (the caller holds the refresh lock) ----------------------


def _recipients(conn: Any) -> list[Recipient]:
    rows = conn.execute(
        "SELECT admin_no, kind, kdf, public_key FROM admins WHERE public_key IS NOT NULL"
        " ORDER BY seq"
    ).fetchall()
    return [
        Recipient(no, kind, json.loads(kdf) if kdf else None, _unb64(public))
        for no, kind, kdf, public in rows
    ]


def _slots(
    conn: Any, data_keys: dict[int, bytes], extra: Iterable[Recipient] = ()
) -> list[dict[str, Any]]:
    """Slots for every admin the store lists (plus ``extra``), for every generation."""
    recipients = [*_recipients(conn), *extra]
    return [
        wrap(data_key, recipient, generation)
        for generation, data_key in sorted(data_keys.items())
        for recipient in recipients
    ]


def _store_identity(conn: Any, admin_no: str, identity: Identity) -> None:
    conn.execute(
        "UPDATE admins SET kind = ?, kdf = ?, public_key = ? WHERE admin_no = ?",
        (
            identity.kind,
            json.dumps(identity.kdf) if identity.kdf else None,
            _b64(identity.public),
            admin_no,
        ),
    )


def _refuse_same_key(conn: Any, identity: Identity, except_admin: str | None = None) -> None:
    rows = conn.execute(
        "SELECT admin_no FROM admins WHERE public_key = ? AND admin_no IS NOT ?",
        (_b64(identity.public), except_admin),
    ).fetchall()
    if rows:
        raise InputError("admin.same_key", admin_no=rows[0][0])


def check_new_admin(store: Store, admin: Admin) -> None:
    """Refuse to add a person who is an admin already (the same ID number)."""
    rows = store.query(
        "SELECT admin_no FROM admins WHERE id_number = ? ORDER BY seq", (admin.id_number,)
    )
    if rows:
        raise InputError("admin.already", admin_no=rows[0][0], id=mask_id(admin.id_number))


@dataclass(frozen=True)
class Added:
    """The outcome of :func:`add_admin`."""

    admin_no: str
    converted: bool


def add_admin(store: Store, acting_key: Key, admin: Admin, new_key: Key, now: dt.datetime) -> Added:
    """Give a new admin a slot; the first call converts a store without slots.

    Conversion: the key in use becomes A1's, and the store is re-keyed to a fresh data key.
    The slot file is written inside the transaction that records the new admin (a kill
    before the commit leaves slots the store does not vouch for, which open nothing) and,
    for a conversion, marked ``legacy`` until the re-key is done, so A1's own key is tried
    as well. Caller holds the refresh lock.
    """
    new_identity = derive_identity(new_key)
    converting = store.data_key is None
    if converting:
        acting = derive_identity(acting_key)
        data_key, generation = secrets.token_bytes(DATA_KEY_BYTES), 1
        store.admin_no = "A1"
    else:
        assert store.data_key is not None and store.key_generation is not None
        data_key, generation = store.data_key, store.key_generation
    with store.transaction() as conn:
        check_new_admin(store, admin)  # again, inside the transaction that adds
        if converting:
            _store_identity(conn, "A1", acting)
        _refuse_same_key(conn, new_identity)
        admin_no = _insert_admin(conn, admin, new_identity, now)
        audit.record(
            conn,
            "admin.add",
            None,
            {"admin_no": admin_no, "kind": new_identity.kind, "converted": converting},
            now=now,
        )
        _write_keys_file(store.path, _slots(conn, {generation: data_key}), legacy=converting)
    if converting:
        _complete_renewal(store, (data_key, generation))
    return Added(admin_no, converting)


def _insert_admin(conn: Any, admin: Admin, identity: Identity, now: dt.datetime) -> str:
    # Numbers are never reused: an audit entry naming A2 must keep meaning that person.
    rows = conn.execute("SELECT value FROM meta WHERE key = 'last_admin_seq'").fetchall()
    last = max(
        int(rows[0][0]) if rows else 0,
        conn.execute("SELECT coalesce(max(seq), 0) FROM admins").fetchone()[0],
    )
    seq = last + 1
    admin_no = f"A{seq}"
    conn.execute(
        "INSERT INTO admins (admin_no, seq, name, phone, id_number, added_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (admin_no, seq, admin.name, admin.phone, admin.id_number, clock.iso(now)),
    )
    conn.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('last_admin_seq', ?)", (str(seq),)
    )
    _store_identity(conn, admin_no, identity)
    return admin_no


def normalise_admin_no(text: str) -> str:
    """``a2`` → ``A2``; anything else that cannot be an admin number is not found."""
    candidate = text.strip().upper()
    if not _ADMIN_NO.fullmatch(candidate):
        raise NotFound("admin.not_found", admin_no=text)
    return candidate


def check_removable(store: Store, admin_no: str) -> None:
    """Raise unless ``admin_no`` names an admin who is not the last one."""
    if not store.query("SELECT 1 FROM admins WHERE admin_no = ?", (admin_no,)):
        raise NotFound("admin.not_found", admin_no=admin_no)
    if store.query("SELECT count(*) FROM admins")[0][0] <= 1:
        raise InputError("admin.last", admin_no=admin_no)


def remove_admin(store: Store, admin_no: str, now: dt.datetime) -> None:
    """Remove an admin's slot and personal data, and re-key the store to a fresh data key.

    Order of writes, each step crash-safe (kill -9 anywhere leaves a store the remaining
    admins open, with the old data key or the new):
    1. one transaction deletes the admin and, before committing, writes a slot file with
       slots for the remaining admins under BOTH the old and the new data key;
    2. ``PRAGMA rekey`` to the new data key (atomic: a rollback journal);
    3. the slot file is rewritten with the new generation only.
    An open that finds two generations finishes steps 2–3. Caller holds the refresh lock.
    """
    check_removable(store, admin_no)
    with store.transaction() as conn:
        conn.execute("DELETE FROM admins WHERE admin_no = ?", (admin_no,))
        # `admin` (the store's owner, shown masked on QR codes) follows the first admin
        # left, so a removed admin's personal data does not stay behind there.
        conn.execute(
            "UPDATE admin SET (name, phone, id_number) = (SELECT name, phone, id_number"
            " FROM admins ORDER BY seq LIMIT 1) WHERE id = 1"
        )
        audit.record(conn, "admin.remove", None, {"admin_no": admin_no}, now=now)
        renewal = _write_renewal(store, conn)
    _complete_renewal(store, renewal)


def rotate_data_key(store: Store, now: dt.datetime) -> None:
    """Re-key the store to a fresh data key and re-wrap it for every admin (the same
    crash-safe order as :func:`remove_admin`). Caller holds the refresh lock."""
    if store.data_key is None:
        raise InputError("admin.no_slots_data_key")
    with store.transaction() as conn:
        audit.record(conn, "key.rotate", None, {"data_key": True}, now=now)
        renewal = _write_renewal(store, conn)
    _complete_renewal(store, renewal)


def _write_renewal(store: Store, conn: Any) -> tuple[bytes, int]:
    """Step 1 of a change of data key: slots for the old and a new generation."""
    assert store.data_key is not None and store.key_generation is not None
    new_key, generation = secrets.token_bytes(DATA_KEY_BYTES), store.key_generation + 1
    _write_keys_file(
        store.path, _slots(conn, {store.key_generation: store.data_key, generation: new_key})
    )
    return new_key, generation


def _complete_renewal(store: Store, renewal: tuple[bytes, int]) -> None:
    """Steps 2 and 3: re-key, then keep only the new generation's slots."""
    new_key, generation = renewal
    store.rekey(_raw(new_key))
    store.data_key, store.key_generation = new_key, generation
    _write_keys_file(store.path, _slots(store.conn, {generation: new_key}))


def rotate_own_key(store: Store, new_key: Key, now: dt.datetime) -> None:
    """Give the acting admin a new key file or passphrase (their slot only).

    The slot file written inside the transaction keeps the old slot beside the new one, so
    a kill before the commit leaves the old key working; after it, the file is rewritten
    from the store, without the old slot. Caller holds the refresh lock.
    """
    admin_no = store.admin_no
    assert admin_no is not None and store.data_key is not None
    assert store.key_generation is not None
    identity = derive_identity(new_key)
    keys = {store.key_generation: store.data_key}
    with store.transaction() as conn:
        _refuse_same_key(conn, identity, except_admin=admin_no)
        old = [r for r in _recipients(conn) if r.admin_no == admin_no]
        _store_identity(conn, admin_no, identity)
        audit.record(conn, "key.rotate", None, {"kind": _kind_word(identity)}, now=now)
        _write_keys_file(store.path, _slots(conn, keys, extra=old))
    _write_keys_file(store.path, _slots(store.conn, keys))


def _kind_word(identity: Identity) -> str:
    return "file" if identity.kind == KIND_KEYFILE else "passphrase"


# ---- listing ---------------------------------------------------------------------------


def list_admins(store: Store) -> list[dict[str, Any]]:
    """Every admin, masked as §6 masks members: ``admin_no, name, phone, added,
    last_used``. "Last used" is the newest audit entry the admin made; entries from before
    the store had slots were all made by A1, its only admin."""
    rows = store.query(
        "SELECT a.admin_no, a.name, a.phone, a.added_at,"
        " (SELECT max(at) FROM audit u WHERE u.admin_no = a.admin_no"
        "  OR (a.admin_no = 'A1' AND u.admin_no IS NULL))"
        " FROM admins a ORDER BY a.seq"
    )
    return [
        {
            "admin_no": no,
            "name": name,
            "phone": mask_phone(phone),
            "added": added,
            "last_used": last,
        }
        for no, name, phone, added, last in rows
    ]
