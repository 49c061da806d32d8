"""Enrollment files (CSV, JSON, JSONL, XLSX) read into numbered records of known fields.

Only the known fields are kept; unknown columns are dropped on reading (minimum collection).
"""

from __future__ import annotations

import csv
import io
import json
import operator
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from tuanti_cli.columns import (
    FORMATS_BY_EXTENSION,
    HEADER_SEARCH_ROWS,
    ID_NUMBER_RULE,
    NAME_RULE,
    FieldRule,
    Recognizer,
    aliases,
    find_header,
    format_by_content,
    format_by_extension,
)
from tuanti_cli.errors import InputError
from tuanti_cli.textfile import decode

REQUIRED = ("name", "id_number", "phone", "consent")
FIELD_ORDER = ("name", "id_number", "phone", "consent", "code")
RULES: dict[str, FieldRule] = {
    "name": NAME_RULE,
    "id_number": ID_NUMBER_RULE,
    "phone": FieldRule(
        aliases("phone", "手机号", "手机号码", "联系电话", "电话", "mobile"),
        words=(("手机", 60), ("电话", 55), ("联系方式", 50), ("phone", 50)),
        never=("紧急", "联系人", "家长", "监护人", "单位", "座机", "固定"),
    ),
    # A question about personal information or a privacy notice wins over a generic
    # 是否同意… (which may ask for anything).
    "consent": FieldRule(
        aliases("consent", "同意授权"),
        words=(
            ("授权", 70),
            ("个人信息", 70),
            ("隐私", 70),
            ("告知书", 70),
            ("知情同意", 70),
            ("同意", 50),
            ("consent", 50),
        ),
        never=("健康码", "风险", "到过", "接触", "症状", "疫苗", "核酸", "体温"),
    ),
    "code": FieldRule(aliases("code", "登记码"), words=(("登记码", 60),)),
}
RECOGNIZER = Recognizer(RULES, REQUIRED)
MAX_ROW_CHARS = 1 << 20
"""A row longer than this (1 MiB of characters) is rejected whole: no form answer is."""
_EXTENSIONS = {**FORMATS_BY_EXTENSION, ".xlsx": "xlsx", ".xls": "xls"}
_XLSX_MAGIC = b"PK\x03\x04"
_XLS_MAGIC = b"\xd0\xcf\x11\xe0"
# A CSV field may legitimately be long (an address pasted into a name column); the limit only
# keeps a runaway quoted field from eating memory.
csv.field_size_limit(16 * 1024 * 1024)


class Record(NamedTuple):
    """One input row: its number as the user sees it, and its values in ``FIELD_ORDER``.

    ``fields`` is ``None`` when the row cannot be read as a record; ``problem`` then names
    why (a message key), else it is not an object with fields (a JSON array item). It has
    four values when the file has no ``code`` column.
    """

    row: int
    fields: tuple[Any, ...] | None
    problem: str | None = None


@dataclass
class Parsed:
    """The records of one file, the encoding used to read it, and which header became
    which field (verbatim, for the report)."""

    records: list[Record]
    encoding: str
    has_code_column: bool
    columns: dict[str, str] = field(default_factory=dict)


def detect_format(data: bytes, source: str) -> str:
    """By extension, else by content (a zip file is a workbook)."""
    by_name = format_by_extension(source, _EXTENSIONS)
    if by_name is not None:
        return by_name
    if data.startswith(_XLSX_MAGIC):
        return "xlsx"
    if data.startswith(_XLS_MAGIC):
        return "xls"
    return format_by_content(data[:4096])


def parse(
    data: bytes,
    source: str,
    input_format: str,
    encoding: str,
    overrides: Mapping[str, str] | None = None,
) -> Parsed:
    """Read ``data`` as ``input_format`` (``auto`` detects it); ``overrides`` are
    ``--column`` choices (field → header)."""
    fmt = detect_format(data, source) if input_format == "auto" else input_format
    if fmt == "xls" or data.startswith(_XLS_MAGIC):
        raise InputError("input.xls", path=source)
    if fmt == "xlsx":
        return _parse_xlsx(data, source, overrides)
    if not data.strip():
        raise InputError("input.empty", path=source)
    text, used = decode(data, encoding, source)
    if fmt == "csv":
        return _parse_csv(text, used, source, overrides)
    if fmt == "json":
        return _parse_json(text, used, source, overrides)
    return _parse_jsonl(text, used, source, overrides)


Numbered = tuple[int, Sequence[Any]]


class _Table:
    """Numbered rows of a CSV or sheet: the header found among the first rows, then the
    records (row numbers as a spreadsheet shows them)."""

    def __init__(
        self,
        rows: Iterator[Numbered],
        source: str,
        overrides: Mapping[str, str] | None,
    ) -> None:
        self._rows = rows
        head: list[Numbered] = []
        for numbered in rows:
            head.append(numbered)
            if len(head) >= HEADER_SEARCH_ROWS:
                break
        if not head:
            raise InputError("input.empty", path=source)
        at, found = RECOGNIZER.locate((row for _, row in head), overrides, source)
        header = head[at][1]
        self._after_header = head[at + 1 :]
        self.indexes = [found[f] for f in FIELD_ORDER if f in found]
        self.width = max(self.indexes) + 1
        self.columns = {
            f: str(header[found[f]]).strip().lstrip("\ufeff") for f in FIELD_ORDER if f in found
        }
        self.has_code = "code" in found

    def rows(self) -> Iterator[Numbered]:
        """The rows after the header (the ones read ahead to find it included)."""
        yield from self._after_header
        yield from self._rows


def _too_long(cells: Iterable[Any]) -> bool:
    return sum(len(c) for c in cells if isinstance(c, str)) > MAX_ROW_CHARS


def _parse_csv(
    text: str, encoding: str, source: str, overrides: Mapping[str, str] | None
) -> Parsed:
    # strict: an unterminated quote is an error, not one huge cell swallowing later rows.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        table = _Table(((reader.line_num, row) for row in reader), source, overrides)
        pick = operator.itemgetter(*table.indexes)
        width, first = table.width, table.indexes[0]
        records = []
        for number, row in table.rows():
            if len(row) < width or not row[first]:
                if not any(cell.strip() for cell in row):
                    continue
                row = [*row, *[""] * (width - len(row))]
            if sum(map(len, row)) > MAX_ROW_CHARS:  # CSV cells are all text
                records.append(Record(number, None, "row.too_long"))
                continue
            records.append(Record(number, pick(row)))
    except csv.Error as exc:
        raise InputError("input.csv", path=source, line=reader.line_num, reason=str(exc)) from None
    if not records:
        raise InputError("input.empty", path=source)
    return Parsed(records, encoding, table.has_code, table.columns)


class _Objects:
    """JSON objects' keys recognised as headers, once per distinct set of keys."""

    def __init__(self, source: str, overrides: Mapping[str, str] | None) -> None:
        self._source, self._overrides = source, dict(overrides or {})
        self._known: dict[tuple[Any, ...], list[tuple[str, int]]] = {}
        self.columns: dict[str, str] = {}
        self.present: set[str] = set()

    def record(self, number: int, item: Any) -> Record:
        if not isinstance(item, dict) or not item:
            return Record(number, None)
        if _too_long([*item, *item.values()]):
            return Record(number, None, "row.too_long")
        keys = tuple(item)
        places = self._known.get(keys)
        if places is None:
            wanted = {f: h for f, h in self._overrides.items() if find_header(keys, h) is not None}
            found = RECOGNIZER.columns(keys, wanted, self._source)
            places = self._known[keys] = [(f, found[f]) for f in FIELD_ORDER if f in found]
            for f, index in places:
                self.columns.setdefault(f, str(keys[index]))
        values = list(item.values())
        by_field = {f: values[index] for f, index in places}
        self.present.update(f for f, v in by_field.items() if v is not None)
        return Record(number, tuple(by_field.get(f) for f in FIELD_ORDER))

    def parsed(self, records: list[Record], encoding: str) -> Parsed:
        """JSON has no header row: the fields seen across all objects stand in for it."""
        for f, header in self._overrides.items():
            if f not in self.columns:
                raise InputError(
                    "columns.override_missing", path=self._source, field=f, header=header
                )
        if any(r.fields for r in records):
            missing = [f for f in REQUIRED if f not in self.present]
            if missing:
                raise RECOGNIZER.missing_error({f: 0 for f in self.present}, self._source)
        elif not records:
            raise InputError("input.empty", path=self._source)
        return Parsed(records, encoding, "code" in self.present, self.columns)


def _load_json(text: str, source: str, line: int | None = None) -> Any:
    try:
        return json.loads(text)
    except RecursionError:
        raise InputError("input.json_deep", path=source) from None
    except json.JSONDecodeError as exc:
        where = line if line is not None else exc.lineno
        raise InputError("input.json", path=source, line=where, reason=exc.msg) from None


def _parse_json(
    text: str, encoding: str, source: str, overrides: Mapping[str, str] | None
) -> Parsed:
    data = _load_json(text, source)
    if not isinstance(data, list):
        raise InputError("input.json_not_list", path=source)
    objects = _Objects(source, overrides)
    records = [objects.record(i, item) for i, item in enumerate(data, start=1)]
    return objects.parsed(records, encoding)


def _parse_jsonl(
    text: str, encoding: str, source: str, overrides: Mapping[str, str] | None
) -> Parsed:
    objects = _Objects(source, overrides)
    records = []
    # split("\n"), not splitlines(): that also breaks at U+2028, U+0085 and others, which
    # JSON allows inside a string (a name), and would split one record into two
    for number, line in enumerate(text.split("\n"), start=1):
        if len(line) > MAX_ROW_CHARS:
            records.append(Record(number, None, "row.too_long"))
        elif line.strip():
            try:
                item = json.loads(line)
            except (json.JSONDecodeError, RecursionError):
                # One broken line is that line's problem (§4), not the whole file's.
                records.append(Record(number, None, "row.not_json"))
                continue
            records.append(objects.record(number, item))
    if records and all(r.problem == "row.not_json" for r in records):
        raise InputError("input.jsonl", path=source)
    return objects.parsed(records, encoding)


def _parse_xlsx(data: bytes, source: str, overrides: Mapping[str, str] | None) -> Parsed:
    from tuanti_cli.workbook import UNREADABLE, first_sheet_rows

    with first_sheet_rows(data, source) as sheet_rows:
        try:
            table = _Table(enumerate(sheet_rows, start=1), source, overrides)
            indexes = table.indexes
            records = []
            for number, row in table.rows():
                if not any(cell is not None and str(cell).strip() for cell in row):
                    continue
                if _too_long(row):
                    records.append(Record(number, None, "row.too_long"))
                    continue
                records.append(
                    Record(number, tuple(row[i] if i < len(row) else None for i in indexes))
                )
        except UNREADABLE:
            raise InputError("input.xlsx", path=source) from None
    if not records:
        raise InputError("input.empty", path=source)
    return Parsed(records, "xlsx", table.has_code, table.columns)
