"""Streaming the health feed (PRODUCT §5): keep only members' rows, parse only those.

Memory grows with the number of members, not with the feed. CSV and JSONL are scanned as
bytes: a row's ID number is cut out without decoding the row, and a non-member's row is
dropped right there — its other fields are never decoded or parsed. Only the header and the
members' rows are decoded, strictly as UTF-8 or else GB18030 (in both, the bytes for
``,``, ``"`` and newlines never occur inside a multi-byte character, so cutting on them is
safe).
"""

from __future__ import annotations

from pathlib import Path

from tuanti_cli.columns import FORMATS_BY_EXTENSION, format_by_content, format_by_extension
from tuanti_cli.errors import InputError
from tuanti_cli.feed import csv_feed, json_feed
from tuanti_cli.feed.common import (
    FEED_FIELDS,
    UNREADABLE_ROW,
    FeedScan,
    Prepare,
    as_is,
)
from tuanti_cli.textfile import open_input

__all__ = [
    "FEED_FIELDS",
    "UNREADABLE_ROW",
    "FeedScan",
    "Prepare",
    "detect_format",
    "scan",
]


def detect_format(path: Path) -> str:
    """By extension, else by the first non-blank byte."""
    by_name = format_by_extension(path.name, FORMATS_BY_EXTENSION)
    if by_name is not None:
        return by_name
    with open_input(path) as stream:
        return format_by_content(stream.read(4096))


def scan(
    path: Path,
    members: set[str],
    encoding: str = "auto",
    input_format: str = "auto",
    prepare: Prepare = as_is,
) -> FeedScan:
    """Read the whole feed once, keeping the last row of every member's ID number.

    ``prepare`` turns a member's raw fields into what the caller wants kept (it must be
    picklable: for a large CSV it runs in both scanning processes, on each one's rows).
    A feed that is replaced or written to while it is read is refused: applying half of a
    snapshot would turn the members in the other half ``unknown``.
    """
    before = _identity(path)
    fmt = detect_format(path) if input_format == "auto" else input_format
    if fmt == "csv":
        result = csv_feed.scan_csv(path, members, encoding, prepare)
    else:
        reader = {"jsonl": json_feed.scan_jsonl, "json": json_feed.scan_json}[fmt]
        result = reader(path, members, encoding)
        result.latest = {k: (row, prepare(f)) for k, (row, f) in result.latest.items()}
    if _identity(path) != before:
        raise InputError("feed.changed", path=path)
    if result.rows == 0:
        raise InputError("feed.empty", path=path)
    return result


def _identity(path: Path) -> tuple[int, int, int, int] | None:
    """Which file the path names and its size and modification time, if it names one."""
    try:
        status = path.stat()
    except OSError:
        return None  # missing or unreadable: opening it says so
    return (status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns)
