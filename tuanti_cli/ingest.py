"""Enrollment files (CSV, JSON, JSONL, XLSX) read into numbered records of known fields.

Only the known fields are kept; unknown columns are dropped on reading (minimum collection).
"""

from __future__ import annotations

import csv
import io
import json
import operator
from dataclasses import dataclass
from typing import Any, NamedTuple

from tuanti_cli.columns import (
    FORMATS_BY_EXTENSION,
    ID_NUMBER_ALIASES,
    NAME_ALIASES,
    HeaderNames,
    format_by_content,
    format_by_extension,
)
from tuanti_cli.errors import InputError
from tuanti_cli.textfile import decode

REQUIRED = ("name", "id_number", "phone", "consent")
ALIASES: dict[str, tuple[str, ...]] = {
    "name": NAME_ALIASES,
    "id_number": ID_NUMBER_ALIASES,
    "phone": ("phone", "手机号", "手机号码", "联系电话", "电话"),
    "consent": ("consent", "同意授权", "授权", "是否同意"),
    "code": ("code", "登记码"),
}
HEADERS = HeaderNames(ALIASES)
MAX_ROW_CHARS = 1 << 20
"""A row longer than this (1 MiB of characters) is rejected whole: no form answer is."""
_EXTENSIONS = {**FORMATS_BY_EXTENSION, ".xlsx": "xlsx"}
_XLSX_MAGIC = b"PK\x03\x04"
# A CSV field may legitimately be long (an address pasted into a name column); the limit only
# keeps a runaway quoted field from eating memory.
csv.field_size_limit(16 * 1024 * 1024)


FIELD_ORDER = ("name", "id_number", "phone", "consent", "code")


class Record(NamedTuple):
    """One input row: its number as the user sees it, and its values in ``FIELD_ORDER``.

    ``fields`` is ``None`` when the record is not an object with fields (a JSON array item);
    it has four values when the file has no ``code`` column.
    """

    row: int
    fields: tuple[Any, ...] | None
    too_long: bool = False


@dataclass
class Parsed:
    """The records of one file and the encoding that was used to read it."""

    records: list[Record]
    encoding: str
    has_code_column: bool


def detect_format(data: bytes, source: str) -> str:
    """By extension, else by content (a zip file is a workbook)."""
    by_name = format_by_extension(source, _EXTENSIONS)
    if by_name is not None:
        return by_name
    return "xlsx" if data.startswith(_XLSX_MAGIC) else format_by_content(data[:4096])


def parse(data: bytes, source: str, input_format: str, encoding: str) -> Parsed:
    """Read ``data`` as ``input_format`` (``auto`` detects it)."""
    fmt = detect_format(data, source) if input_format == "auto" else input_format
    if fmt == "xlsx":
        return _parse_xlsx(data, source)
    if not data.strip():
        raise InputError("input.empty", path=source)
    text, used = decode(data, encoding, source)
    if fmt == "csv":
        return _parse_csv(text, used, source)
    if fmt == "json":
        return _parse_json(text, used, source)
    return _parse_jsonl(text, used, source)


def _header_map(headers: list[Any], source: str) -> dict[int, str]:
    by_field = HEADERS.first_of_each((header, index) for index, header in enumerate(headers))
    mapping = {index: field for field, index in by_field.items()}
    _require_columns(set(mapping.values()), source)
    return mapping


def _ordered_indexes(mapping: dict[int, str]) -> list[int]:
    """Column positions in ``FIELD_ORDER`` (``code`` only when the file has it)."""
    position = {field: index for index, field in mapping.items()}
    return [position[f] for f in FIELD_ORDER if f in position]


def _require_columns(present: set[str], source: str) -> None:
    missing = [f for f in REQUIRED if f not in present]
    if missing:
        expected = "; ".join(f"{f}: {', '.join(ALIASES[f])}" for f in missing)
        raise InputError(
            "input.columns", path=source, missing=", ".join(missing), expected=expected
        )


def _parse_csv(text: str, encoding: str, source: str) -> Parsed:
    # strict: an unterminated quote is an error, not one huge cell swallowing later rows.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        headers = next(reader, None)
        if headers is None:
            raise InputError("input.empty", path=source)
        mapping = _header_map(headers, source)
        indexes = _ordered_indexes(mapping)
        pick = operator.itemgetter(*indexes)
        width = max(indexes) + 1
        records = []
        for row in reader:
            if len(row) < width or not row[indexes[0]]:
                if not any(cell.strip() for cell in row):
                    continue
                row = row + [""] * (width - len(row))
            if sum(map(len, row)) > MAX_ROW_CHARS:
                records.append(Record(reader.line_num, None, too_long=True))
                continue
            records.append(Record(reader.line_num, pick(row)))
    except csv.Error as exc:
        raise InputError("input.csv", path=source, line=reader.line_num, reason=str(exc)) from None
    if not records:
        raise InputError("input.empty", path=source)
    return Parsed(records, encoding, "code" in mapping.values())


def _object_fields(item: Any) -> tuple[Any, ...] | None:
    if not isinstance(item, dict) or not item:
        return None
    fields = HEADERS.first_of_each(item.items())
    return tuple(fields.get(f) for f in FIELD_ORDER)


def _json_record(number: int, item: Any) -> Record:
    if isinstance(item, dict) and _text_length(item.items()) > MAX_ROW_CHARS:
        return Record(number, None, too_long=True)
    return Record(number, _object_fields(item))


def _text_length(pairs: Any) -> int:
    """Characters of the keys and text values of one record (nested values not counted)."""
    return sum(len(k) + (len(v) if isinstance(v, str) else 0) for k, v in pairs)


def _load_json(text: str, source: str, line: int | None = None) -> Any:
    try:
        return json.loads(text)
    except RecursionError:
        raise InputError("input.json_deep", path=source) from None
    except json.JSONDecodeError as exc:
        where = line if line is not None else exc.lineno
        raise InputError("input.json", path=source, line=where, reason=exc.msg) from None


def _parse_json(text: str, encoding: str, source: str) -> Parsed:
    data = _load_json(text, source)
    if not isinstance(data, list):
        raise InputError("input.json_not_list", path=source)
    records = [_json_record(i, item) for i, item in enumerate(data, start=1)]
    return _checked(records, encoding, source)


def _parse_jsonl(text: str, encoding: str, source: str) -> Parsed:
    records = []
    # split("\n"), not splitlines(): that also breaks at U+2028, U+0085 and others, which
    # JSON allows inside a string (a name), and would split one record into two
    for number, line in enumerate(text.split("\n"), start=1):
        if len(line) > MAX_ROW_CHARS:
            records.append(Record(number, None, too_long=True))
        elif line.strip():
            records.append(Record(number, _object_fields(_load_json(line, source, number))))
    return _checked(records, encoding, source)


def _checked(records: list[Record], encoding: str, source: str) -> Parsed:
    """JSON has no header row: the fields seen across all objects stand in for it."""
    present = {
        f
        for r in records
        if r.fields
        for f, v in zip(FIELD_ORDER, r.fields, strict=True)
        if v is not None
    }
    if any(r.fields for r in records):
        _require_columns(present, source)
    elif not records:
        raise InputError("input.empty", path=source)
    return Parsed(records, encoding, "code" in present)


def _parse_xlsx(data: bytes, source: str) -> Parsed:
    from tuanti_cli.workbook import UNREADABLE, first_sheet_rows

    with first_sheet_rows(data, source) as rows:
        try:
            headers = next(rows, None)
            if headers is None:
                raise InputError("input.empty", path=source)
            mapping = _header_map(list(headers), source)
            indexes = _ordered_indexes(mapping)
            records = []
            for number, row in enumerate(rows, start=2):
                if not any(cell is not None and str(cell).strip() for cell in row):
                    continue
                if _text_length(("", c) for c in row) > MAX_ROW_CHARS:
                    records.append(Record(number, None, too_long=True))
                    continue
                records.append(
                    Record(number, tuple(row[i] if i < len(row) else None for i in indexes))
                )
        except UNREADABLE:
            raise InputError("input.xlsx", path=source) from None
    if not records:
        raise InputError("input.empty", path=source)
    return Parsed(records, "xlsx", "code" in mapping.values())
