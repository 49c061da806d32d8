"""Reading ``.xlsx`` workbooks from untrusted hands: sizes checked before anything is
inflated, openpyxl's streaming read-only mode, and the sheet's own ``<dimension>`` ignored."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import os
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

from tuanti_cli.errors import InputError

MAX_RATIO = 50
"""A workbook may unpack to at most this many times its own size …"""
MAX_UNPACKED = 1 << 30
"""… and never beyond 1 GiB."""
ALWAYS_ALLOWED = 16 << 20
"""Unpacking this much is harmless whatever the ratio (a small sheet of repeated values
compresses far better than 50:1)."""

# openpyxl reports a damaged or unusual workbook with many exception types.
UNREADABLE = (
    zipfile.BadZipFile,
    zlib.error,
    KeyError,
    ValueError,
    OSError,
    TypeError,
    AttributeError,
    IndexError,
    EOFError,
)


def check_unpacked_size(archive: zipfile.ZipFile, size: int, source: str) -> None:
    """Refuse a zip bomb by what the archive says its parts unpack to.

    zipfile never inflates a part beyond the size its directory declares, so checking the
    declared sizes bounds the work before any of it is done.
    """
    unpacked = sum(part.file_size for part in archive.infolist())
    limit = min(MAX_UNPACKED, max(ALWAYS_ALLOWED, MAX_RATIO * size))
    if unpacked > limit:
        raise InputError(
            "input.xlsx_too_big", path=source, unpacked=_size(unpacked), packed=_size(size)
        )


def _size(count: int) -> str:
    """A byte count as people read it: whole MiB, else whole KiB (a 310 KiB bomb is not
    "0 MiB")."""
    return f"{count >> 20} MiB" if count >= 1 << 20 else f"{max(count >> 10, 1)} KiB"


@contextmanager
def first_sheet_rows_of_stream(
    stream: IO[bytes], source: str
) -> Iterator[Iterator[tuple[Any, ...]]]:
    """The rows of the workbook's first sheet as tuples of cell values, streamed from a
    seekable binary stream the caller closes."""
    size = stream.seek(0, os.SEEK_END)
    stream.seek(0)
    with _sheet_rows(stream, size, source) as rows:
        yield rows


@contextmanager
def first_sheet_of_file(
    path: str | os.PathLike[str], source: str
) -> Iterator[tuple[Iterator[tuple[Any, ...]], dt.datetime]]:
    """The rows of the workbook's first sheet, streamed from a file on disk (a feed may be
    large: it is never read into memory whole), and the workbook's date system: the day its
    date serials count from (1900, or 1904 as a Mac's Excel saved it)."""
    with _workbook_of_file(path, source) as workbook:
        yield _rows(workbook.worksheets[0]), workbook.epoch


def sheet_heads(
    path: str | os.PathLike[str], source: str, rows: int
) -> list[tuple[str, list[tuple[Any, ...]]]]:
    """Each worksheet's name and its first ``rows`` rows, in the workbook's order: what a
    message needs to say which sheet holds what, when the first is not the one wanted."""
    with _workbook_of_file(path, source) as workbook:
        return _heads(workbook, rows)


def sheet_heads_of_stream(
    stream: IO[bytes], source: str, rows: int
) -> list[tuple[str, list[tuple[Any, ...]]]]:
    """:func:`sheet_heads` of a workbook in a seekable binary stream the caller closes."""
    size = stream.seek(0, os.SEEK_END)
    stream.seek(0)
    with _workbook(stream, size, source) as workbook:
        return _heads(workbook, rows)


def _heads(workbook: Any, rows: int) -> list[tuple[str, list[tuple[Any, ...]]]]:
    return [
        (sheet.title, list(itertools.islice(_rows(sheet), rows))) for sheet in workbook.worksheets
    ]


@contextmanager
def _workbook_of_file(path: str | os.PathLike[str], source: str) -> Iterator[Any]:
    try:
        stream = open(path, "rb")  # noqa: SIM115 (closed below, after the workbook)
    except OSError:
        raise InputError("input.xlsx", path=source) from None
    try:
        size = os.fstat(stream.fileno()).st_size
        with _workbook(stream, size, source) as workbook:
            yield workbook
    finally:
        stream.close()


@contextmanager
def _sheet_rows(
    stream: io.BufferedIOBase | Any, size: int, source: str
) -> Iterator[Iterator[tuple[Any, ...]]]:
    with _workbook(stream, size, source) as workbook:
        yield _rows(workbook.worksheets[0])


@contextmanager
def _workbook(stream: io.BufferedIOBase | Any, size: int, source: str) -> Iterator[Any]:
    """The workbook, opened read-only once its declared sizes pass the zip-bomb check; a
    damaged one (while it is opened or read) is one :class:`InputError`."""
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(stream) as archive:
            check_unpacked_size(archive, size, source)
        stream.seek(0)
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except UNREADABLE:
        raise InputError("input.xlsx", path=source) from None
    try:
        yield workbook
    except UNREADABLE:
        raise InputError("input.xlsx", path=source) from None
    finally:
        workbook.close()


def _rows(sheet: Any) -> Iterator[tuple[Any, ...]]:
    # A writer's stale <dimension ref="A1:B2"> would make openpyxl silently drop every row
    # and column beyond it.
    reset = getattr(sheet, "reset_dimensions", None)
    if reset is not None:
        reset()
    rows: Iterator[tuple[Any, ...]] = sheet.iter_rows(values_only=True)
    return rows
