"""The store key: a raw 256-bit key file, or a passphrase. Never printed, never in argv."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tuanti_cli.errors import StoreKeyError
from tuanti_cli.paths import create_private_file

_HEX_KEY = re.compile(r"[0-9a-fA-F]{64}")


@dataclass(frozen=True)
class Key:
    """A secret for SQLCipher; its repr never shows the secret."""

    raw_hex: str | None = field(default=None, repr=False)
    passphrase: str | None = field(default=None, repr=False)

    def pragma_value(self) -> str:
        """The right-hand side of ``PRAGMA key`` / ``PRAGMA rekey``."""
        if self.raw_hex is not None:
            # A raw key skips SQLCipher's PBKDF2, which is what makes key files fast for cron.
            return f"\"x'{self.raw_hex}'\""
        assert self.passphrase is not None
        return "'" + self.passphrase.replace("'", "''") + "'"


def read_key_file(path: Path) -> Key:
    """Load a key file holding 64 hex characters."""
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise StoreKeyError("key.file_missing", path=path) from None
    except (OSError, UnicodeDecodeError):
        raise StoreKeyError("key.file_unreadable", path=path) from None
    if not _HEX_KEY.fullmatch(text):
        raise StoreKeyError("key.file_bad", path=path)
    return Key(raw_hex=text.lower())


def create_key_file(path: Path) -> Key:
    """Create a new random key file (mode 0600, folder 0700 if missing)."""
    import secrets

    if path.exists():
        raise StoreKeyError("key.file_exists", path=path)
    key = Key(raw_hex=secrets.token_hex(32))
    assert key.raw_hex is not None
    create_private_file(path, (key.raw_hex + "\n").encode("ascii"))
    return key


@contextlib.contextmanager
def new_key_file(path: Path) -> Iterator[Key]:
    """Create a key file for the store work in the ``with`` block; if that work fails, the
    file is removed again, so no key is left behind that opens nothing."""
    key = create_key_file(path)
    try:
        yield key
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def passphrase_key(passphrase: str) -> Key:
    """Wrap a passphrase, refusing an empty one or one that is not text."""
    if not passphrase:
        raise StoreKeyError("key.passphrase_empty")
    try:
        passphrase.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes in the environment; never quote them
        raise StoreKeyError("key.passphrase_not_text") from None
    return Key(passphrase=passphrase)
