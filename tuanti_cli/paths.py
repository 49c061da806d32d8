"""Where the store lives, with environment overrides for scripts and tests."""

from __future__ import annotations

import os
from pathlib import Path


def default_db_path() -> Path:
    """``TUANTI_DB`` if set, else ``<user data dir>/tuanti/tuanti.db`` (platformdirs)."""
    override = os.environ.get("TUANTI_DB")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("tuanti", appauthor=False)) / "tuanti.db"


def lock_path(db_path: Path) -> Path:
    """The lock file shared by every refresh of one store: ``<db>.lock`` beside it."""
    return db_path.with_name(db_path.name + ".lock")


def keys_path(db_path: Path) -> Path:
    """The admins' key slot file of the store at ``db_path``: ``<db>.keys`` beside it."""
    return db_path.with_name(db_path.name + ".keys")


def make_private_dir(path: Path) -> None:
    """Create ``path`` and any missing parents with mode 0700; existing folders are left alone."""
    missing = []
    current = path
    while not current.exists():
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        folder.mkdir(mode=0o700)
        os.chmod(folder, 0o700)


def create_private_file(path: Path, content: bytes) -> None:
    """Write a new file created with mode 0600 from the start; refuse to overwrite."""
    make_private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, content)
        os.fsync(fd)
    finally:
        os.close(fd)
