"""The encrypted store: the only module that touches the SQLCipher driver."""

from __future__ import annotations

import contextlib
import os
import queue
import stat
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import sqlcipher3

from tuanti_cli import clock
from tuanti_cli.errors import StoreError, StoreKeyError
from tuanti_cli.keys import Key
from tuanti_cli.migrations import MIGRATIONS
from tuanti_cli.paths import create_private_file

BUSY_TIMEOUT_MS = 15_000
STORE_FILE_SUFFIXES = ("", "-wal", "-shm", "-journal")

DatabaseError = sqlcipher3.DatabaseError
IntegrityError = sqlcipher3.IntegrityError


class _Connection(sqlcipher3.Connection):  # type: ignore[misc]
    """A connection that knows which admin acts through it, so every audit entry written
    on it names that admin whichever module writes it."""

    admin_no: str | None = None


def _connect(path: Path, key: Key) -> sqlcipher3.Connection:
    conn = sqlcipher3.connect(
        str(path), isolation_level=None, check_same_thread=False, factory=_Connection
    )
    # Silence SQLCipher's own logging before the key is sent, or a wrong key prints
    # "hmac check failed" lines on stderr.
    conn.execute("PRAGMA cipher_log_level = NONE")
    conn.execute(f"PRAGMA key = {key.pragma_value()}")
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except DatabaseError:
        conn.close()
        # SQLite reports a folder where it cannot create `-wal`/`-shm` as a read-only
        # database, which would otherwise be taken for a wrong key.
        if not os.access(path.parent, os.W_OK | os.X_OK):
            raise StoreError("store.folder_read_only", folder=path.parent, name=path.name) from None
        raise StoreKeyError("key.wrong", path=path) from None
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    # In WAL mode NORMAL never corrupts and survives a killed process; only a power cut can
    # lose the last commits. It spares an fsync on every commit (each `show` logs one).
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA secure_delete = ON")
    conn.execute("PRAGMA foreign_keys = ON")
    # Sorts and temporary indexes stay in memory: no temp file may hold personal data.
    conn.execute("PRAGMA temp_store = MEMORY")
    return conn


def check_store_path(path: Path) -> None:
    """Refuse a store path that names a folder or a device, pipe or socket: no store can be
    there, nor be created there (a missing path passes; the callers deal with it)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return
    if stat.S_ISDIR(mode):
        raise StoreError("store.is_folder", path=path)
    if not stat.S_ISREG(mode):
        raise StoreError("store.not_a_file", path=path)


def check_store_file(path: Path) -> None:
    """Refuse a path that holds no store (missing, not a file, or a 0-byte file) before any
    key is needed; a 0-byte file would otherwise be taken for a new database and filled in."""
    check_store_path(path)
    if not path.is_file():
        raise StoreError("store.missing", path=path)
    if _is_empty(path):
        raise StoreError("store.empty", path=path)


def _is_empty(path: Path) -> bool:
    """A 0-byte file, which SQLCipher would silently take for a new database.

    A store whose every page is still in its `-wal` file (a crash right after `init`)
    is not empty: SQLite folds the WAL back in when it opens it.
    """
    try:
        if path.stat().st_size:
            return False
        return os.stat(f"{path}-wal").st_size == 0
    except FileNotFoundError:
        return True


def remove_store_files(path: Path) -> None:
    """Delete a store this command has just created and could not finish setting up."""
    for suffix in STORE_FILE_SUFFIXES:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{path}{suffix}")


def _tighten_permissions(path: Path) -> None:
    for suffix in STORE_FILE_SUFFIXES:
        with contextlib.suppress(FileNotFoundError):
            os.chmod(f"{path}{suffix}", 0o600)


class BackgroundWriter:
    """Runs statements on ``conn`` in a second thread, in the order submitted.

    SQLite releases the GIL while it works, so the caller's Python (validating the next
    chunk) overlaps SQLite's B-tree and encryption work. The caller must not use ``conn``
    until :meth:`close` returns; ``close`` re-raises the first error the writer met.
    """

    SWITCH_SECONDS = 0.001
    """The GIL's switch interval while the writer runs (Python's default is 5 ms): after
    each statement the writer needs the GIL back from the caller's validating thread, and
    a million-row import runs hundreds of statements (≈7 % faster at a million rows)."""

    def __init__(self, conn: sqlcipher3.Connection) -> None:
        self._conn = conn
        self._queue: queue.Queue[tuple[str, Any, Any] | None] = queue.Queue(maxsize=2)
        self._error: BaseException | None = None
        self._switch = sys.getswitchinterval()
        sys.setswitchinterval(min(self._switch, self.SWITCH_SECONDS))
        self._thread = threading.Thread(target=self._work, name="tuanti-writer", daemon=True)
        self._thread.start()

    def submit(self, sql: str, params: Any) -> None:
        """Queue one statement."""
        self._raise_if_failed()
        self._queue.put((sql, params, False))

    def submit_many(self, sql: str, rows: Any) -> None:
        """Queue one statement run for every row."""
        self._raise_if_failed()
        self._queue.put((sql, rows, True))

    def query(self, sql: str, params: Any) -> list[Any]:
        """Run a query after everything queued before it, and return its rows."""
        self._raise_if_failed()
        answer: queue.Queue[list[Any]] = queue.Queue(maxsize=1)
        self._queue.put((sql, params, answer))
        while True:
            try:
                return answer.get(timeout=0.1)
            except queue.Empty:
                self._raise_if_failed()

    def close(self) -> None:
        """Wait for everything queued; raise the writer's error, if any."""
        self._queue.put(None)
        self._thread.join()
        sys.setswitchinterval(self._switch)
        self._raise_if_failed()

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def _work(self) -> None:
        while (item := self._queue.get()) is not None:
            if self._error is not None:
                continue
            sql, params, how = item
            try:
                if how is True:
                    self._conn.executemany(sql, params)
                elif how is False:
                    self._conn.execute(sql, params)
                else:  # a query: its rows go back to the caller waiting on ``how``
                    how.put(self._conn.execute(sql, params).fetchall())
            except BaseException as exc:
                self._error = exc


class Store:
    """An open, migrated store. Use :meth:`open` or :meth:`create`."""

    def __init__(self, conn: sqlcipher3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        # Set by tuanti_cli.keyslots when the store was opened through an admin's key slot.
        self.data_key: bytes | None = None
        self.key_generation: int | None = None

    @property
    def admin_no(self) -> str | None:
        """The acting admin (``A1``…) when the store was opened through a key slot."""
        return getattr(self.conn, "admin_no", None)

    @admin_no.setter
    def admin_no(self, value: str | None) -> None:
        self.conn.admin_no = value

    @classmethod
    def open(cls, path: Path, key: Key) -> Store:
        """Open an existing store, migrating it if needed."""
        check_store_file(path)
        try:
            conn = _connect(path, key)
        except sqlcipher3.OperationalError:
            raise StoreError("store.unreadable", path=path) from None
        store = cls(conn, path)
        try:
            store._migrate()
        except BaseException:
            store.close()
            raise
        _tighten_permissions(path)
        return store

    @classmethod
    def create(cls, path: Path, key: Key) -> Store:
        """Create a new, empty store (0600 files in a 0700 folder if it is new)."""
        check_store_path(path)
        if path.exists():
            raise StoreError("store.exists", path=path)
        create_private_file(path, b"")  # 0600 before SQLite writes a byte into it
        try:
            store = cls(_connect(path, key), path)
            store._migrate()
        except BaseException:
            remove_store_files(path)
            raise
        _tighten_permissions(path)
        return store

    def close(self) -> None:
        """Close the connection (idempotent)."""
        with contextlib.suppress(Exception):
            self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(
        self, before_commit: Callable[[], None] | None = None
    ) -> Iterator[sqlcipher3.Connection]:
        """One write transaction: all of it lands, or none of it (also under kill -9).
        ``before_commit`` runs once the block is done, just before the commit (a refresh
        holds Ctrl-C and SIGTERM from there until it has said what it saved)."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlcipher3.OperationalError:
            raise StoreError("store.busy") from None
        try:
            yield self.conn
            if before_commit is not None:
                before_commit()
        except BaseException:
            self._roll_back()
            raise
        try:
            self.conn.execute("COMMIT")
        except sqlcipher3.OperationalError as exc:
            self._roll_back()
            if disk_full(exc):
                raise StoreError("store.full", folder=self.path.parent) from None
            raise StoreError("store.busy") from None

    def _roll_back(self) -> None:
        """Roll back the open transaction, if SQLite has not already: on a full disk it
        rolls back itself, and a ROLLBACK then fails with "no transaction is active", which
        would hide the error that mattered."""
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def query(self, sql: str, params: Any = ()) -> list[Any]:
        """Run a read query and return every row."""
        try:
            rows: list[Any] = self.conn.execute(sql, params).fetchall()
            return rows
        except sqlcipher3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise StoreError("store.busy") from None
            raise

    def rekey(self, new_key: Key) -> None:
        """Re-encrypt every page under ``new_key`` (atomic: old key or new, never half)."""
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.conn.execute("PRAGMA journal_mode = DELETE")
        self.conn.execute(f"PRAGMA rekey = {new_key.pragma_value()}")
        self.conn.execute("PRAGMA journal_mode = WAL")

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[Callable[[Callable[[Any], None]], bool]]:
        """One read transaction: everything read in the ``with`` block sees the same store.
        The block may end by calling the ``keep`` it is given with a function that writes
        what was derived from that read: ``keep(write)`` commits ``write(conn)`` with the
        transaction, unless the store is busy or another process wrote since the block began
        (what was read is then out of date); then it rolls back and returns False."""
        self.conn.execute("BEGIN")
        ended = False

        def keep(write: Callable[[Any], None]) -> bool:
            nonlocal ended
            ended = True
            try:
                write(self.conn)
                self.conn.execute("COMMIT")
            except sqlcipher3.OperationalError:
                self.conn.execute("ROLLBACK")
                return False
            return True

        try:
            yield keep
        except BaseException:
            if not ended:
                self.conn.execute("ROLLBACK")
            raise
        if not ended:
            self.conn.execute("COMMIT")

    @contextlib.contextmanager
    def larger_cache(self, kib: int) -> Iterator[None]:
        """A page cache of ``kib`` KiB for the queries in the ``with`` block, then back to
        what it was (and its memory given back)."""
        (saved,) = self.conn.execute("PRAGMA cache_size").fetchone()
        self.conn.execute(f"PRAGMA cache_size = -{int(kib)}")
        try:
            yield
        finally:
            self.conn.execute(f"PRAGMA cache_size = {int(saved)}")
            self.conn.execute("PRAGMA shrink_memory")

    def data_version(self) -> int:
        """Changes whenever another connection commits to the store (PRAGMA data_version)."""
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    def checkpoint(self) -> None:
        """Fold the WAL into the database and truncate it, so erased rows leave no old copy."""
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def integrity_ok(self) -> bool:
        """``PRAGMA integrity_check`` says ``ok``."""
        return bool(self.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok")

    def _migrate(self) -> None:
        self.conn.execute(
            "CREATE TABLE IF NOT EXISTS migrations"
            " (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        done = {row[0] for row in self.conn.execute("SELECT name FROM migrations")}
        _refuse_newer(done, self.path)
        pending = [(name, sql) for name, sql in MIGRATIONS if name not in done]
        if not pending:
            return
        with self.transaction() as conn:
            # Another process may have migrated while this one waited for the write lock.
            done = {row[0] for row in conn.execute("SELECT name FROM migrations")}
            _refuse_newer(done, self.path)
            for name, sql in pending:
                if name in done:
                    continue
                for statement in _statements(sql):
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO migrations (name, applied_at) VALUES (?, ?)",
                    (name, clock.iso(clock.now())),
                )


def _statements(script: str) -> Iterator[str]:
    """The statements of a migration, one by one; a trigger's body keeps its own ``;``."""
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlcipher3.complete_statement(pending):
            if pending.strip(" \n;"):
                yield pending
            pending = ""
    if pending.strip(" \n;"):
        yield pending


def _refuse_newer(done: set[str], path: Path) -> None:
    """A migration this version does not know means a newer tuanti wrote the store; its
    schema may differ in ways this code would misread or damage, so nothing is touched."""
    unknown = sorted(done - {name for name, _ in MIGRATIONS})
    if unknown:
        raise StoreError("store.newer", path=path, migration=unknown[-1])


def disk_full(error: Exception) -> bool:
    """Whether SQLite reports a full disk (SQLITE_FULL)."""
    return "disk is full" in str(error)
