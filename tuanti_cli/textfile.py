"""Reading input files: standard input or a path, and the UTF-8 → GB18030 encoding rule."""

from __future__ import annotations

import io
import os
import stat
import sys
from pathlib import Path
from typing import IO

from tuanti_cli.columns import ZIP_MAGIC
from tuanti_cli.errors import InputError

STDIN = "-"


def open_input(path: Path) -> IO[bytes]:
    """Open a user's input file for reading bytes; a missing or unreadable one is an
    :class:`InputError` that says which file and why."""
    try:
        return path.open("rb")
    except FileNotFoundError:
        raise InputError("input.missing", path=path) from None
    except IsADirectoryError:
        raise InputError("input.directory", path=path) from None
    except OSError as exc:
        raise InputError("input.unreadable", path=path, reason=exc.strerror or str(exc)) from None


def is_stream(path: Path) -> bool:
    """Whether ``path`` names something that can be read only once, front to back (a pipe,
    a FIFO, a socket or a character device: ``<(cmd)``, ``/dev/stdin`` fed by a pipe) rather
    than a regular file. A path that cannot be looked at is not one: opening it says why."""
    try:
        return _streamed(path.stat().st_mode)
    except OSError:
        return False


def _streamed(mode: int) -> bool:
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or stat.S_ISSOCK(mode)


MAX_STREAMED_BYTES = 1 << 30
"""Standard input or a pipe is held in memory: past this it is refused (``/dev/zero`` or an
endless ``yes`` must not fill the memory; a file on disk has no such limit)."""
_STREAM_BLOCK = 1 << 20


def open_seekable(source: str) -> IO[bytes]:
    """``source`` (a path, or ``-`` for standard input) as a seekable binary stream.

    A regular file is opened; standard input, a pipe or a FIFO is read whole into memory
    (never spooled to a temporary file: no plaintext outside the store, PRODUCT §7).
    """
    if source == STDIN:
        return io.BytesIO(read_bytes(source))
    stream = open_input(Path(source))
    if not _streamed(os.fstat(stream.fileno()).st_mode):
        return stream
    with stream:
        return io.BytesIO(_read_bounded(stream, source))


def read_bytes(source: str) -> bytes:
    """The whole content of ``source`` (a path, or ``-`` for standard input); standard input
    and pipes within :data:`MAX_STREAMED_BYTES`."""
    if source == STDIN:
        if sys.stdin is None:  # Python's value when the command ran with fd 0 closed
            raise InputError("stdin.closed")
        return _read_bounded(sys.stdin.buffer, source)
    with open_input(Path(source)) as stream:
        if _streamed(os.fstat(stream.fileno()).st_mode):
            return _read_bounded(stream, source)
        return stream.read()


def _read_bounded(stream: IO[bytes], source: str) -> bytes:
    """A stream's bytes up to :data:`MAX_STREAMED_BYTES`. A first block with NUL bytes that
    is no workbook (a zip) is refused at once: a text file never holds them, and a device
    such as ``/dev/zero`` would otherwise be read up to the limit."""
    blocks: list[bytes] = []
    size = 0
    while block := stream.read(_STREAM_BLOCK):
        if not blocks and b"\x00" in block and not block.startswith(ZIP_MAGIC):
            raise InputError("input.binary", path=source)
        size += len(block)
        if size > MAX_STREAMED_BYTES:
            raise InputError("input.stream_too_big", path=source, limit=MAX_STREAMED_BYTES >> 20)
        blocks.append(block)
    return b"".join(blocks)


def decode_all(pieces: list[bytes], encoding: str, source: str | Path) -> tuple[list[str], str]:
    """Decode every piece in one encoding: UTF-8 if all of them are UTF-8, else GB18030
    (``auto``), or the one the user named."""
    for name in encodings_to_try(encoding):
        try:
            return [p.decode(codec(name)) for p in pieces], name
        except UnicodeDecodeError:
            continue
    raise undecodable(encoding, source)


def encodings_to_try(encoding: str) -> tuple[str, ...]:
    """``auto``: strict UTF-8 first, then GB18030; otherwise just the one the user named."""
    return ("utf-8", "gb18030") if encoding == "auto" else (encoding,)


def codec(name: str) -> str:
    """Python's codec for an encoding name (UTF-8 with or without a BOM)."""
    return "utf-8-sig" if name == "utf-8" else name


def undecodable(encoding: str, source: str | Path) -> InputError:
    """The error for input that none of the encodings tried can read."""
    if encoding == "auto":
        return InputError("input.encoding", path=source)
    return InputError("input.encoding_forced", path=source, encoding=encoding)
