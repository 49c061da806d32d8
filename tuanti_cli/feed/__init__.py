"""Streaming the health feed (PRODUCT §5): keep only members' rows, parse only those.

Memory grows with the number of members, not with the feed. CSV and JSONL are scanned as
bytes: a row's ID number is cut out without decoding the row, and a non-member's row is
dropped right there — its other fields are never decoded or parsed. Only the header and the
members' rows are decoded, strictly as UTF-8 or else GB18030 (in both, the bytes for
``,``, ``"`` and newlines never occur inside a multi-byte character, so cutting on them is
safe).
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from pathlib import Path

from tuanti_cli import columns
from tuanti_cli.errors import InputError
from tuanti_cli.feed import csv_feed, json_feed, xlsx_feed
from tuanti_cli.feed.common import (
    FEED_FIELDS,
    HEALTH_FIELDS,
    UNREADABLE_ROW,
    FeedScan,
    Prepare,
    as_is,
    damaged_feed,
    masked_feed,
    member_texts,
)
from tuanti_cli.textfile import is_stream, open_input

__all__ = [
    "FEED_FIELDS",
    "HEALTH_FIELDS",
    "UNREADABLE_ROW",
    "FeedScan",
    "Prepare",
    "detect_format",
    "scan",
]


def detect_format(path: Path) -> str:
    """By extension, else by the first bytes (:func:`tuanti_cli.columns.detect_format`); an
    ``.xls`` workbook is refused."""
    with open_input(path) as stream:
        start = stream.read(4096)
    fmt = columns.detect_format(start, path.name)
    if fmt == "xls":
        raise InputError("feed.xls", path=path)
    if fmt != "xlsx" and start.startswith(columns.ZIP_MAGIC):
        # A workbook under a .csv name: read as text, it is only NUL bytes and noise.
        raise InputError("feed.zip", path=path, format=fmt.upper())
    return fmt


def scan(
    path: Path,
    members: AbstractSet[str] | set[bytes],
    encoding: str = "auto",
    input_format: str = "auto",
    prepare: Prepare = as_is,
    overrides: Mapping[str, str] | None = None,
) -> FeedScan:
    """Read the whole feed once, keeping one row for every member's ID number: the one
    with the newest sampling time, else the last (:func:`~tuanti_cli.feed.common.replaces`).

    ``prepare`` turns a member's raw fields into what the caller wants. A CSV feed keeps
    only each member's raw row and prepares it when ``latest`` is asked for it (each time:
    read each member once); a ``prepare`` with a ``cells_reader(wanted)`` method reads a
    plain row's split cells directly. Other formats are prepared during the scan.
    ``overrides`` (``--column FIELD=HEADER``) name columns of a CSV or ``.xlsx`` feed.
    ``members`` may be ID numbers as text, or as ASCII bytes (compact for a million
    members; such a set is extended in place with the ``x`` spellings of ``X``).
    A feed that is replaced or written to while it is read is refused: applying half of a
    snapshot would turn the members in the other half ``unknown``; so is a feed whose IDs
    are masked, which can match nobody, and one whose IDs a spreadsheet damaged.
    A pipe, FIFO or device is refused before anything is read: a run may read its feed more
    than once (the header, the scan, a second scan when the members change meanwhile).
    """
    if is_stream(path):
        raise InputError("feed.not_a_file", path=path)
    before = _identity(path)
    fmt = detect_format(path) if input_format == "auto" else input_format
    if fmt == "csv":
        result = csv_feed.scan_csv(path, members, encoding, prepare, overrides)
    elif fmt == "xlsx":
        result = xlsx_feed.scan_xlsx(path, member_texts(members), overrides)
        result.latest = {k: (row, prepare(f)) for k, (row, f) in result.latest.items()}
    else:
        if overrides:
            raise InputError("feed.column_json", path=path)
        reader = {"jsonl": json_feed.scan_jsonl, "json": json_feed.scan_json}[fmt]
        result = reader(path, member_texts(members), encoding)
        result.latest = {k: (row, prepare(f)) for k, (row, f) in result.latest.items()}
    if _identity(path) != before:
        raise InputError("feed.changed", path=path)
    if result.rows == 0:
        raise InputError("feed.empty", path=path)
    if masked_feed(result):
        raise InputError("feed.masked", path=path, count=result.masked_ids)
    if damaged_feed(result):
        raise InputError("feed.damaged", path=path, count=result.damaged_ids)
    return result


def _identity(path: Path) -> tuple[int, int, int, int] | None:
    """Which file the path names and its size and modification time, if it names one."""
    try:
        status = path.stat()
    except OSError:
        return None  # missing or unreadable: opening it says so
    return (status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns)
