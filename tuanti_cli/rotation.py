"""Re-encrypting the store under a new key (``tuanti key rotate``)."""

from __future__ import annotations

import datetime as dt

from tuanti_cli import audit
from tuanti_cli.keys import Key
from tuanti_cli.locking import refresh_lock
from tuanti_cli.store import Store


def rotate(store: Store, new_key: Key, now: dt.datetime) -> None:
    """Rewrite every page under ``new_key``; no refresh may run meanwhile.

    ``PRAGMA rekey`` runs as one transaction with a rollback journal: killed half-way, the
    store is still entirely under the old key.
    """
    with refresh_lock(store.path):
        store.rekey(new_key)
        with store.transaction() as conn:
            audit.record(
                conn,
                "key.rotate",
                None,
                {"kind": "file" if new_key.raw_hex else "passphrase"},
                now=now,
            )
