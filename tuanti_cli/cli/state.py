"""What the global options decide: which store, which key, which language."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import typer

from tuanti_cli import clock, paths
from tuanti_cli.cli.prompts import ask_secret
from tuanti_cli.errors import FieldError, InputError, StoreKeyError
from tuanti_cli.i18n import t, t_masked
from tuanti_cli.keys import Key, has_unsafe_permissions, passphrase_key, read_key_file
from tuanti_cli.models import Admin
from tuanti_cli.store import Store, check_store_file
from tuanti_cli.writing import Protected


@dataclass
class AppState:
    """Global options, shared by every command through ``ctx.obj``."""

    db: Path | None = None
    key_file: Path | None = None

    def db_path(self) -> Path:
        """The store path: ``--db``, else ``TUANTI_DB``, else the platform data folder; with
        symbolic links resolved, as SQLite resolves them to place the store's ``-wal`` and
        ``-shm``: the lock, the key slots and what outputs must not replace then sit beside
        the store itself, however it is named."""
        path = self.db.expanduser() if self.db else paths.default_db_path()
        return Path(os.path.realpath(path))

    def key(self, confirm: bool = False) -> Key:
        """The key: key file, else ``TUANTI_PASSPHRASE``, else a hidden prompt on a terminal."""
        if self.key_file is not None:
            path = self.key_file.expanduser()
            key = read_key_file(path)
            if has_unsafe_permissions(path):
                typer.echo(t_masked("key.file_unsafe", path=path), err=True)
            return key
        return ask_passphrase("TUANTI_PASSPHRASE", "cli.passphrase", confirm)

    def protected(self, inputs: tuple[Path, ...] = (), stdin: bool = False) -> Protected:
        """What this command's outputs must never replace: the store and its companion
        files, the key file in use and the command's own ``inputs`` (``stdin``: it reads
        standard input, whatever file that is)."""
        return Protected(store=self.db_path(), key_file=self.key_file, inputs=inputs, stdin=stdin)

    def open_store(self, key: Key | None = None) -> Store:
        """Open the store with ``key``, else the configured key (a missing store is reported
        first); through the acting admin's key slot when the store has slots."""
        from tuanti_cli import keyslots

        path = self.db_path()
        check_store_file(path)  # before the key: no passphrase asked for an empty file
        try:
            return keyslots.open_store(path, key or self.key())
        except StoreKeyError as exc:
            if exc.key != "key.wrong" or key is not None:
                raise
            raise self._wrong_key(path) from None

    def _wrong_key(self, path: Path) -> StoreKeyError:
        """The wrong-key sentence, naming the secret that was tried (a key file comes before
        ``TUANTI_PASSPHRASE``) and, when the store has no key-slot file beside it, that a
        store with admins needs it (a restore that copied only the ``.db`` loses it)."""
        if self.key_file is not None:
            tried = t_masked("key.tried_file", path=self.key_file.expanduser())
            if os.environ.get("TUANTI_PASSPHRASE"):
                tried += t("key.tried_file_first")
        else:
            tried = t("key.tried_passphrase")
        slots = (
            ""
            if paths.keys_path(path).exists()
            else t_masked("key.no_slot_file", keys=paths.keys_path(path))
        )
        return StoreKeyError("key.wrong_tried", path=path, tried=tried, slots=slots)

    @contextlib.contextmanager
    def locked_store(self, key: Key | None = None) -> Iterator[Store]:
        """The store opened under the refresh lock, for changes of admins and keys: the
        lock is taken before the slot file is read, so no other change interleaves."""
        from tuanti_cli import keyslots
        from tuanti_cli.locking import refresh_lock

        path = self.db_path()
        check_store_file(path)
        key = key or self.key()
        with refresh_lock(path), keyslots.open_store(path, key, lock_held=True) as store:
            yield store


def stdin_is_terminal() -> bool:
    """Whether a person can answer a prompt."""
    # sys.stdin is None when the command runs with standard input closed (`<&-`).
    return sys.stdin is not None and sys.stdin.isatty()


def validated_admin(
    name: str, phone: str, id_number: str, now: dt.datetime, options: Mapping[str, str]
) -> Admin:
    """:func:`tuanti_cli.rosters.validate_admin`, a bad field named by its option
    (``options``: field name → option)."""
    from tuanti_cli.rosters import validate_admin

    try:
        return validate_admin(name, phone, id_number, clock.local_date(now))
    except FieldError as exc:
        raise InputError("field.invalid", option=options[exc.field], reason=str(exc)) from None


PASSPHRASE_VARIABLES = ("TUANTI_PASSPHRASE", "TUANTI_NEW_PASSPHRASE")
"""Where passphrases may come from; never passed on to a program tuanti starts."""


def ask_passphrase(env_var: str, prompt_key: str, confirm: bool) -> Key:
    """Read a passphrase from ``env_var`` or, on a terminal, a hidden prompt."""
    from_env = os.environ.get(env_var)
    if from_env is not None:
        return passphrase_key(from_env)
    if not stdin_is_terminal():
        raise StoreKeyError("key.none")
    first = ask_secret(t(prompt_key))
    if confirm:
        again = ask_secret(t(prompt_key + "_again"))
        if again != first:
            raise StoreKeyError("key.passphrase_mismatch")
    return passphrase_key(first)
