"""Re-encrypting the store under a new key (``tuanti key rotate``)."""

from __future__ import annotations

import datetime as dt
from contextlib import AbstractContextManager

from tuanti_cli import audit
from tuanti_cli.errors import StoreError
from tuanti_cli.keys import Key
from tuanti_cli.locking import refresh_lock
from tuanti_cli.store import Store


def rotate(store: Store, new_key: AbstractContextManager[Key], now: dt.datetime) -> None:
    """Rewrite every page under the new key; no refresh may run meanwhile.

    ``new_key`` gives the key (``keys.new_key_file`` creates a key file and removes it again
    if the re-keying fails). ``PRAGMA rekey`` runs as one transaction with a rollback
    journal: killed half-way, the store is still entirely under the old key. Once it has
    succeeded the new key is the only one, so nothing after it may remove that key.
    """
    with refresh_lock(store.path):
        with new_key as key:
            store.rekey(key)
        try:
            with store.transaction() as conn:
                audit.record(
                    conn,
                    "key.rotate",
                    None,
                    {"kind": "file" if key.raw_hex else "passphrase"},
                    now=now,
                )
        except Exception as exc:
            raise StoreError("key.rotated_unaudited", reason=exc) from None
