"""The lock that keeps refresh runs from overlapping (cron, ``schedule`` and people alike)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from tuanti_cli.errors import BusyError
from tuanti_cli.paths import lock_path

LOCK_WAIT_SECONDS = 5.0


@contextlib.contextmanager
def refresh_lock(db_path: Path, timeout: float = LOCK_WAIT_SECONDS) -> Iterator[None]:
    """Hold ``<db>.lock`` for the duration; wait up to ``timeout`` seconds, then BusyError.

    filelock uses ``flock``: the kernel drops the lock when its holder dies, even by
    kill -9, so a crashed run never leaves a stale lock behind.
    """
    from filelock import FileLock, Timeout

    lock = FileLock(str(lock_path(db_path)), timeout=timeout, mode=0o600)
    try:
        lock.acquire()
    except Timeout:
        raise BusyError("refresh.locked", seconds=int(timeout)) from None
    try:
        yield
    finally:
        lock.release()
