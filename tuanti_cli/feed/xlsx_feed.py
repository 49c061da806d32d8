"""``.xlsx`` feeds, as providers deliver batch-query results: the first sheet, streamed in
openpyxl's read-only mode, the header below any title rows, several rows per person."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import Any

from tuanti_cli.columns import HEADER_SEARCH_ROWS
from tuanti_cli.errors import InputError
from tuanti_cli.feed.common import (
    CHUNK_BYTES,
    DATED_FIELDS,
    FEED,
    FeedScan,
    carried_fields,
    cell_damage,
    unguarded_id,
)
from tuanti_cli.textfile import open_input
from tuanti_cli.validate import normalise_id
from tuanti_cli.workbook import first_sheet_of_file, sheet_heads


def scan_xlsx(
    path: Path, members: AbstractSet[str], overrides: Mapping[str, str] | None = None
) -> FeedScan:
    """Scan the first sheet of an ``.xlsx`` feed; members' rows are kept as raw cell values
    (text, numbers, dates), everyone else's are dropped once their ID is read."""
    result = FeedScan(encoding="xlsx", sha256=_file_sha256(path))
    with first_sheet_of_file(path, str(path)) as (rows, epoch):
        head = list(itertools.islice(rows, HEADER_SEARCH_ROWS))
        if not any(_filled(row) for row in head):
            raise _first_sheet_error(path, overrides, "feed.empty")
        try:
            # As enrollment reads one: a title row, a header on two rows (merged cells).
            header = FEED.header(head, overrides, str(path))
        except InputError as exc:
            if exc.key in ("input.columns", "input.empty"):
                raise _first_sheet_error(path, overrides, "feed.no_id_column") from None
            raise
        columns, first = header.columns, header.records_from
        result.carried = carried_fields(columns)
        result.saw_id = True
        id_column = columns["id_number"]
        wanted = tuple(columns.items())
        dated = tuple(f for f in DATED_FIELDS if f in columns)
        result.latest = {}
        for number, row in enumerate(itertools.chain(head[first:], rows), first + 1):
            value = row[id_column] if id_column < len(row) else None
            if value is None and not _filled(row):
                continue  # an empty row (sheets often end with some)
            result.rows += 1
            key = _member_key(value, members)
            if key is None:
                result.count_damage(cell_damage(value))
                continue
            fields = {f: row[i] if i < len(row) else None for f, i in wanted}
            for name in dated:
                fields[name] = _date_cell(fields[name], epoch)
            result.keep_latest(key, number, fields)
    return result


def _date_cell(value: Any, epoch: dt.datetime) -> Any:
    """A date field's cell: a number cell as the Excel date serial it is (a sheet saved as
    values, as WPS does, keeps ``44900.3`` for 2022-12-05 07:12), in the workbook's date
    system (``epoch``: 1900, or 1904 as a Mac's Excel saves) and to the second; any other cell
    as it is. Only a workbook's number cell is read so: in CSV or JSON a bare number is no
    date."""
    if type(value) is not float and type(value) is not int:
        return value
    from openpyxl.utils.datetime import from_excel

    try:
        # Below 1: a time of day, as a date cell holding it reads.
        moment = from_excel(value, epoch=epoch)
        if isinstance(moment, dt.datetime):
            return (moment + dt.timedelta(microseconds=500_000)).replace(microsecond=0)
    except (OverflowError, ValueError):  # beyond the calendar, or not a number (NaN)
        return value
    return moment


def _first_sheet_error(path: Path, overrides: Mapping[str, str] | None, key: str) -> InputError:
    """The error for a first sheet that is empty or has no ID column (``key``). Only the
    first sheet is read (PRODUCT §5), so when the workbook has more (a summary sheet first,
    the results after it) the error names the sheet read, and a sheet with an ID column."""
    sheets = sheet_heads(path, str(path), HEADER_SEARCH_ROWS)
    (first, _), others = sheets[0], sheets[1:]
    found = FEED.sheet_with_header(others, overrides, str(path))
    if found is not None:
        return InputError("feed.id_on_other_sheet", path=path, sheet=first, other=found)
    if others and key == "feed.no_id_column":
        return InputError("feed.first_sheet_only", path=path, sheet=first)
    return InputError(key, path=path)


def _filled(row: tuple[Any, ...]) -> bool:
    return any(cell is not None and cell != "" for cell in row)


def _member_key(value: Any, members: AbstractSet[str]) -> str | None:
    """The member an ID cell names: text (a digit guard stripped), or an integer cell
    holding exactly a member's ID (a program wrote it; Excel cannot keep 18 digits, see
    ``cell_damage``)."""
    if isinstance(value, str):
        text = unguarded_id(value)
        if text in members:
            return text
        text = normalise_id(text)
        return text if text in members else None
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
        return text if text in members else None
    return None


def _file_sha256(path: Path) -> str:
    """The workbook's fingerprint: the SHA-256 of its bytes."""
    digest = hashlib.sha256()
    with open_input(path) as stream:
        while block := stream.read(CHUNK_BYTES):
            digest.update(block)
    return digest.hexdigest()
