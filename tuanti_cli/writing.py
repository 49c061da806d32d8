"""The one way tuanti writes a file (PRODUCT §7, STYLE "One way to write a file").

Every output option (``show --output``, ``enroll import --rejects``, ``roster qr --png/--svg``,
…) goes through :func:`write_atomically`. It refuses a target that is the store or one of its
companion files, the key file in use or the command's own input (compared by resolved path
*and* by device and inode, so a hard link or ``./x/../store.db`` is caught; standard input,
which has no path, by device and inode only); it refuses a symbolic link and anything that
exists but is not a regular file; and it writes a 0600 temporary file beside the target,
fsyncs it and renames it over the target, so a full disk or any other failure leaves the old
file as it was and no temporary file behind.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar

from tuanti_cli.errors import InputError
from tuanti_cli.paths import keys_path, lock_path

T = TypeVar("T")

# SQLite's journal files, the refresh lock and the admins' key slots all sit beside the
# store; overwriting any of them loses or corrupts data as surely as the store itself.
STORE_SUFFIXES = ("-wal", "-shm", "-journal")


def store_companions(store: Path) -> tuple[Path, ...]:
    """The files that belong to the store at ``store``, the store itself first."""
    return (
        store,
        *(store.with_name(store.name + suffix) for suffix in STORE_SUFFIXES),
        lock_path(store),
        keys_path(store),
    )


@dataclass(frozen=True)
class Protected:
    """What no output of one command may replace: its store, its key file and its inputs
    (``stdin``: the command reads standard input, so whatever file that is)."""

    store: Path | None = None
    key_file: Path | None = None
    inputs: tuple[Path, ...] = field(default_factory=tuple)
    stdin: bool = False

    def files(self) -> list[tuple[Path, str]]:
        """Each protected path with the message key that explains why it is protected."""
        found: list[tuple[Path, str]] = []
        if self.store is not None:
            store, *companions = store_companions(self.store.expanduser())
            found.append((store, "output.is_store"))
            found.extend((path, "output.is_store_file") for path in companions)
        if self.key_file is not None:
            found.append((self.key_file.expanduser(), "output.is_key"))
        found.extend((path.expanduser(), "output.is_input") for path in self.inputs)
        return found


NOTHING = Protected()
"""For writers with no store, key or input around them (tests, ``demo``)."""


def check_target(target: Path, protected: Protected, option: str = "--output") -> None:
    """Raise :class:`InputError` unless ``target`` may be written by :func:`write_atomically`.

    Call it before any work whose result would be lost if the output were then refused (an
    import transaction, for instance); :func:`write_atomically` calls it again.
    """
    target = target.expanduser()
    try:
        found = target.lstat()
    except FileNotFoundError:
        found = None
    except OSError as exc:
        raise _unwritable(target, option, exc) from None
    if found is not None:
        # lstat, never stat: a link is refused as it is, whatever it points to.
        if stat.S_ISLNK(found.st_mode):
            raise InputError("output.symlink", path=target, option=option)
        if not stat.S_ISREG(found.st_mode):
            raise InputError("output.not_regular", path=target, option=option)
    where = _resolved(target)
    for path, key in protected.files():
        if _resolved(path) == where or (found is not None and _same_file(found, path)):
            raise InputError(key, path=target, option=option)
    # `import R - --rejects in.csv < in.csv`: standard input has no path, only its file.
    if protected.stdin and found is not None and _is_stdin(found):
        raise InputError("output.is_input", path=target, option=option)
    folder = target.parent
    if not folder.is_dir():
        raise InputError("output.no_folder", path=target, folder=folder, option=option)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError("output.folder_unwritable", path=target, folder=folder, option=option)


@contextlib.contextmanager
def write_atomically(
    target: Path,
    protected: Protected,
    *,
    option: str = "--output",
    binary: bool = False,
    encoding: str = "utf-8",
    newline: str | None = None,
) -> Iterator[IO[Any]]:
    """Yield a stream to write ``target`` with; on a clean exit the file replaces ``target``.

    The stream is a 0600 temporary file in the target's folder (created so, never chmod-ed
    after), flushed, fsynced and renamed over the target only when the ``with`` block ends
    without an error. On any error the temporary file is removed and the old target is left
    as it was; an :class:`OSError` (a full disk, a vanished folder) becomes an
    :class:`InputError` naming ``target`` and ``option``. ``binary`` yields a bytes stream;
    otherwise text in ``encoding`` with ``newline`` as for :func:`open`.
    """
    target = target.expanduser()
    check_target(target, protected, option)
    fd, temporary = _create_temporary(target, option)
    try:
        try:
            stream: IO[Any] = (
                os.fdopen(fd, "wb")
                if binary
                else os.fdopen(fd, "w", encoding=encoding, newline=newline)
            )
        except BaseException:
            os.close(fd)
            raise
        with stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
            # The target may have changed while the content was produced: check it again.
            check_target(target, protected, option)
            if temporary is None:  # complete now: a name, for the rename
                temporary = _named(stream.fileno(), target)
        os.replace(temporary, target)
    except BaseException as exc:
        if temporary is not None:
            with contextlib.suppress(OSError):
                temporary.unlink()
        if isinstance(exc, OSError):
            raise _unwritable(target, option, exc) from None
        raise
    sync_folder(target.parent)


@contextlib.contextmanager
def part_beside(
    target: Path, *, option: str = "--output", encoding: str = "utf-8", newline: str | None = None
) -> Iterator[IO[str]]:
    """A scratch stream for part of ``target``'s content that is produced out of order, to be
    read back (``seek(0)``) into the stream of :func:`write_atomically`.

    It is made as that stream's own temporary file is (0600 from the first instant, in the
    target's folder, never the system's temporary folder) and unlinked at once: it has no
    name, and nothing of it outlives the process, even one killed with SIGKILL. An
    :class:`OSError` becomes an :class:`InputError` naming ``target`` and ``option``.
    """
    target = target.expanduser()
    fd, temporary = _create_temporary(target, option, readable=True)
    try:
        if temporary is not None:
            temporary.unlink()
        stream = os.fdopen(fd, "w+", encoding=encoding, newline=newline)
    except OSError as exc:
        os.close(fd)
        raise _unwritable(target, option, exc) from None
    try:
        with stream:
            yield stream
    except OSError as exc:
        raise _unwritable(target, option, exc) from None


def _create_temporary(target: Path, option: str, readable: bool = False) -> tuple[int, Path | None]:
    """A new file beside ``target``, mode 0600 from the first instant (no chmod), and its
    name: ``None`` while it has none (:func:`_create_nameless`), else ``.<name>.<random>.tmp``
    (O_EXCL).

    Not :mod:`tempfile`: its functions default to the system temporary folder, and no
    plaintext may ever land there (PRODUCT §7); this file can only be in the target's folder.
    """
    fd = _create_nameless(target.parent)
    if fd is not None:
        return fd, None
    try:
        return _create_named(target, readable)
    except OSError as exc:
        raise _unwritable(target, option, exc) from None


def _create_named(target: Path, readable: bool) -> tuple[int, Path]:
    mode = os.O_RDWR if readable else os.O_WRONLY
    flags = mode | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    return _at_a_free_name(target, lambda temporary: os.open(temporary, flags, 0o600))


# The longest file name the common file systems take (ext4, XFS, Btrfs, tmpfs), in bytes.
NAME_MAX = 255


def _at_a_free_name(target: Path, make: Callable[[Path], T]) -> tuple[T, Path]:
    """``make(name)`` at the first ``.<name>.<random>.tmp`` beside ``target`` that is free
    (``make`` fails with :class:`FileExistsError` rather than replace a file), and the name.
    ``<name>`` is cut short where the whole would pass :data:`NAME_MAX`: a target name the
    file system takes must not fail for its temporary's sake."""
    stem = _shortened(target.name, NAME_MAX - len(".." + "0" * 12 + ".tmp"))
    for _ in range(100):
        temporary = target.with_name(f".{stem}.{os.urandom(6).hex()}.tmp")
        try:
            return make(temporary), temporary
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST))


def _shortened(name: str, room: int) -> str:
    """``name`` without as many characters at its end as it takes to fit ``room`` bytes
    (in the file system's encoding; a character is never cut in half)."""
    name = name[:room]  # every character takes a byte at least
    while len(os.fsencode(name)) > room:
        name = name[:-1]
    return name


_OPEN_FILES = "/proc/self/fd"


def _create_nameless(folder: Path) -> int | None:
    """A file with no name in ``folder`` (Linux ``O_TMPFILE``), mode 0600, open for reading
    and writing: until it is given one, nothing of it outlives the process, even one killed
    with SIGKILL mid-export. ``None`` where the system or the file system has no such files,
    or no ``/proc`` to name one through: a named temporary file serves there."""
    flag = getattr(os, "O_TMPFILE", None)
    if flag is None or not os.path.isdir(_OPEN_FILES):
        return None
    try:
        return os.open(folder, flag | os.O_RDWR, 0o600)
    except OSError:
        return None  # e.g. EOPNOTSUPP: a named file then, which also reports real errors


def _named(fd: int, target: Path) -> Path:
    """Give the complete nameless file ``fd`` a temporary name beside ``target``: ``linkat``
    (which fails rather than replace a file already there), or, where the system refuses
    that, a named copy."""
    folder = os.open(target.parent, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))

    def link(temporary: Path) -> None:
        os.link(f"{_OPEN_FILES}/{fd}", temporary.name, dst_dir_fd=folder, follow_symlinks=True)

    try:
        return _at_a_free_name(target, link)[1]
    except FileExistsError:
        raise
    except OSError:
        return _copied(fd, target)
    finally:
        os.close(folder)


def _copied(fd: int, target: Path) -> Path:
    """The content of ``fd`` in a new named temporary file beside ``target``, fsynced."""
    copy, temporary = _create_named(target, readable=False)
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        while block := os.read(fd, 1 << 20):
            while block:
                block = block[os.write(copy, block) :]
        os.fsync(copy)
    except BaseException:
        os.close(copy)
        temporary.unlink()
        raise
    os.close(copy)
    return temporary


def _unwritable(target: Path, option: str, exc: OSError) -> InputError:
    if exc.errno == errno.ENAMETOOLONG:  # no space to free: the name itself is refused
        return InputError("output.name_too_long", path=target, option=option)
    return InputError(
        "output.write_failed", path=target, option=option, reason=exc.strerror or str(exc)
    )


def _resolved(path: Path) -> str:
    return os.path.normcase(os.path.realpath(path))


def _same_file(found: os.stat_result, path: Path) -> bool:
    try:
        other = path.stat()
    except OSError:
        return False
    return (found.st_dev, found.st_ino) == (other.st_dev, other.st_ino)


def _is_stdin(found: os.stat_result) -> bool:
    try:
        stdin = os.fstat(0)
    except OSError:  # closed
        return False
    return (found.st_dev, found.st_ino) == (stdin.st_dev, stdin.st_ino)


def sync_folder(folder: Path) -> None:
    """Make the rename itself durable; not every platform lets a folder be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
