"""The store key: a raw 256-bit key file, or a passphrase. Never printed, never in argv."""

from __future__ import annotations

import contextlib
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tuanti_cli.errors import StoreKeyError
from tuanti_cli.paths import create_private_file

_HEX_KEY = re.compile(r"[0-9a-fA-F]{64}")
KEY_FILE_MAX_BYTES = 1024
_BOM = b"\xef\xbb\xbf"


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
    """Load a key file holding 64 hex characters (a UTF-8 BOM and a CRLF are tolerated).

    At most 1 KiB is read: ``--key-file /dev/zero`` or a mistyped path to a large file
    is refused at once instead of filling memory.
    """
    try:
        with path.open("rb") as stream:
            data = stream.read(KEY_FILE_MAX_BYTES + 1)
    except FileNotFoundError:
        raise StoreKeyError("key.file_missing", path=path) from None
    except IsADirectoryError:
        raise StoreKeyError("key.file_folder", path=path) from None
    except OSError:
        raise StoreKeyError("key.file_unreadable", path=path) from None
    if len(data) > KEY_FILE_MAX_BYTES:
        raise StoreKeyError("key.file_too_large", path=path, limit=KEY_FILE_MAX_BYTES)
    data = data.removeprefix(_BOM)
    try:
        text = data.decode("ascii").strip()
    except UnicodeDecodeError:
        raise StoreKeyError("key.file_bad", path=path) from None
    if not _HEX_KEY.fullmatch(text):
        raise StoreKeyError("key.file_bad", path=path)
    return Key(raw_hex=text.lower())


def has_unsafe_permissions(path: Path) -> bool:
    """Whether group or others may read or write the key file (as gpg warns about)."""
    if os.name != "posix":  # Windows reports 0o666 for every writable file
        return False
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISREG(mode) and bool(mode & 0o066)


def create_key_file(path: Path) -> Key:
    """Create a new random key file (mode 0600, folder 0700 if missing), never through a
    symbolic link; a path that cannot be made is a :class:`StoreKeyError` naming it."""
    import secrets

    if path.exists():
        raise StoreKeyError("key.file_exists", path=path)
    if path.is_symlink():  # dangling: it names no file, yet O_EXCL would not pass through it
        raise StoreKeyError("key.file_symlink", path=path)
    key = Key(raw_hex=secrets.token_hex(32))
    assert key.raw_hex is not None
    try:
        create_private_file(path, (key.raw_hex + "\n").encode("ascii"))
    except FileExistsError:  # made meanwhile, by someone else
        raise StoreKeyError("key.file_exists", path=path) from None
    except OSError as exc:
        raise StoreKeyError(
            "key.file_uncreatable", path=path, reason=exc.strerror or str(exc)
        ) from None
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
