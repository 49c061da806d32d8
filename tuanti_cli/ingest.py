"""Enrollment files (CSV, JSON, JSONL, XLSX) read into numbered records of known fields.

Only the known fields are kept; unknown columns are dropped on reading (minimum collection).
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import operator
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import IO, Any, NamedTuple

from tuanti_cli import jsontext
from tuanti_cli.columns import (
    HEADER_SEARCH_ROWS,
    ID_NUMBER_RULE,
    NAME_RULE,
    OLE_MAGIC,
    ZIP_MAGIC,
    FieldRule,
    Recognizer,
    aliases,
    detect_format,
    find_header,
)
from tuanti_cli.errors import InputError
from tuanti_cli.textfile import codec, open_seekable, undecodable

REQUIRED = ("name", "id_number", "phone", "consent")
FIELD_ORDER = ("name", "id_number", "phone", "consent", "code", "department")
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
        # A question about the health data is no consent (是否接种疫苗), unless it asks for
        # authorisation to collect it: that is this roster's consent question.
        never=("健康码", "风险", "到过", "接触", "症状", "疫苗", "核酸", "体温"),
        despite=("授权", "个人信息", "隐私", "告知书", "知情同意"),
    ),
    "code": FieldRule(aliases("code", "登记码"), words=(("登记码", 60),)),
    # 部门 in an office, 班级 in a school, 所在企业 in an industry roster (行业簿).
    "department": FieldRule(
        aliases(
            "department",
            "dept",
            "class",
            "team",
            "unit",
            "部门",
            "所在部门",
            "班级",
            "科室",
            "班组",
            "所在企业",
            "所在单位",
            "企业名称",
            "单位名称",
        ),
        words=(
            ("部门", 60),
            ("科室", 60),
            ("班级", 60),
            ("班组", 60),
            ("所在企业", 60),
            ("所在单位", 60),
            ("企业名称", 60),
        ),
        never=("地址", "电话", "联系", "负责人", "领导"),
    ),
}
RECOGNIZER = Recognizer(RULES, REQUIRED)
MAX_ROW_CHARS = 1 << 20
"""A row longer than this (1 MiB of characters) is rejected whole: no form answer is."""
# A CSV field may legitimately be long (an address pasted into a name column); the limit only
# keeps a runaway quoted field from eating memory.
csv.field_size_limit(16 * 1024 * 1024)


class Record(NamedTuple):
    """One input row: its number as the user sees it, and its values in the file's layout
    (:attr:`Parsed.layout`: the fields of ``FIELD_ORDER`` the file has, in that order).

    ``fields`` is ``None`` when the row cannot be read as a record; ``problem`` then names
    why (a message key), else it is not an object with fields (a JSON array item), and
    ``text`` is that item as JSON (cut short), to be shown masked.
    """

    row: int
    fields: tuple[Any, ...] | None
    problem: str | None = None
    text: str = ""


@dataclass
class Parsed:
    """A file being read: its records (streamed, to be consumed once), the encoding used,
    which fields each record holds, and which header became which field (verbatim)."""

    records: Iterator[Record]
    encoding: str
    layout: tuple[str, ...]
    columns: dict[str, str] = field(default_factory=dict)


@contextmanager
def open_records(
    source: str,
    input_format: str,
    encoding: str,
    overrides: Mapping[str, str] | None = None,
    recognizer: Recognizer | None = None,
    data: bytes | None = None,
) -> Iterator[Parsed]:
    """Open ``source`` (a path, or ``-`` for standard input) and read it as
    ``input_format`` (``auto`` detects it); ``overrides`` are ``--column`` choices.
    ``data``: the source's bytes, already read (a pipe to be read more than once).

    The records stream: memory does not grow with the file (a JSON array, standard input
    and a pipe are read whole). Errors found on the way (a CSV quote left open, bytes that
    are not the encoding) are raised while the records are consumed.
    """
    stream = io.BytesIO(data) if data is not None else open_seekable(source)
    with stream:
        yield parse_stream(stream, source, input_format, encoding, overrides, recognizer)


def parse(
    data: bytes,
    source: str,
    input_format: str,
    encoding: str,
    overrides: Mapping[str, str] | None = None,
) -> Parsed:
    """Read ``data`` (a whole file in memory) like :func:`open_records`."""
    return parse_stream(io.BytesIO(data), source, input_format, encoding, overrides)


def parse_stream(
    stream: IO[bytes],
    source: str,
    input_format: str,
    encoding: str,
    overrides: Mapping[str, str] | None = None,
    recognizer: Recognizer | None = None,
) -> Parsed:
    """Read a seekable binary ``stream`` (see :func:`open_records`). ``recognizer`` names
    the fields to read (default: enrollment's); records hold them in its field order."""
    recognizer = recognizer or RECOGNIZER
    start = stream.read(4096)
    stream.seek(0)
    fmt = detect_format(start, source) if input_format == "auto" else input_format
    if fmt == "xls" or start.startswith(OLE_MAGIC):
        raise InputError("input.xls", path=source)
    if fmt != "xlsx" and start.startswith(ZIP_MAGIC):
        # A workbook under a .csv name: read as text, it is only NUL bytes and noise.
        raise InputError("input.zip", path=source, format=fmt.upper())
    if fmt == "xlsx":
        return _parse_xlsx(stream, source, overrides, recognizer)
    if not start.strip():
        raise InputError("input.empty", path=source)
    used = _detect_encoding(stream, encoding, source)
    text = io.TextIOWrapper(stream, encoding=codec(used), newline="" if fmt == "csv" else "\n")
    # Bytes that are not GB18030 either surface while reading: say what ``auto`` tried.
    failed = undecodable(encoding, source)
    if fmt == "csv":
        return _parse_csv(text, used, source, overrides, failed, recognizer)
    if fmt == "json":
        return _parse_json(_read_text(text, failed), used, source, overrides, recognizer)
    return _parse_jsonl(text, used, source, overrides, failed, recognizer)


def _detect_encoding(stream: IO[bytes], encoding: str, source: str) -> str:
    """Strict UTF-8 if the whole stream is UTF-8, else GB18030 (``auto``); NUL bytes refused.

    One pass in large blocks (C speed, nothing kept); GB18030 errors surface while reading.
    """
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    utf8 = encoding in ("auto", "utf-8")
    while block := stream.read(1 << 20):
        if b"\x00" in block:
            raise InputError("input.binary", path=source)
        if utf8:
            try:
                decoder.decode(block)
            except UnicodeDecodeError:
                utf8 = False
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    stream.seek(0)
    if encoding != "auto":
        if encoding == "utf-8" and not utf8:
            raise undecodable(encoding, source)
        return encoding
    return "utf-8" if utf8 else "gb18030"


def _read_text(text: IO[str], failed: InputError) -> str:
    try:
        return text.read()
    except UnicodeDecodeError:
        raise failed from None


Numbered = tuple[int, Sequence[Any]]


class _Table:
    """Numbered rows of a CSV or sheet: the header found among the first rows (one row, or
    two read as one), then the records (row numbers as a spreadsheet shows them)."""

    def __init__(
        self,
        rows: Iterator[Numbered],
        source: str,
        overrides: Mapping[str, str] | None,
        recognizer: Recognizer,
    ) -> None:
        self._rows = rows
        head: list[Numbered] = []
        for numbered in rows:
            head.append(numbered)
            if len(head) >= HEADER_SEARCH_ROWS:
                break
        if not head:
            raise InputError("input.empty", path=source)
        header = recognizer.header((row for _, row in head), overrides, source)
        found = header.columns
        self._after_header = head[header.records_from :]
        self.layout = tuple(f for f in recognizer.fields() if f in found)
        self.indexes = [found[f] for f in self.layout]
        self.width = max(self.indexes) + 1
        # Verbatim (§4), spaces included: the header as the file writes it, for --column.
        # (A list without a header has none to name.)
        self.columns = {
            f: str(header.cells[found[f]]).lstrip("\ufeff") for f in self.layout if header.cells
        }

    def rows(self) -> Iterator[Numbered]:
        """The rows after the header (the ones read ahead to find it included)."""
        yield from self._after_header
        yield from self._rows


def _too_long(cells: Iterable[Any]) -> bool:
    return sum(len(c) for c in cells if isinstance(c, str)) > MAX_ROW_CHARS


def _delimiter(text: IO[str]) -> str:
    """A comma; or a TAB for text saved tab-separated under a ``.csv`` name (Excel's "Text
    (Tab delimited)", a sheet copied and pasted). Among the first records read as CSV, the
    first that has several cells or holds a TAB between two words decides: a header
    without a comma but with tabs is tab-separated. (Title rows above it are one cell; a
    TAB at a cell's start is Tencent Survey's digit guard, not a separator.) ``text`` is
    left at its start. Text that is no CSV at its commas but reads at its tabs, cells in
    quotes (``"姓名"\t"身份证号"``, as LibreOffice quotes text cells), is tab-separated too."""
    head = _head_rows(text, ",")
    if head is None:
        tabbed = _head_rows(text, "\t")
        # Otherwise reading the file proper says what is wrong.
        return "\t" if tabbed and any(len(row) > 1 for row in tabbed) else ","
    for row in head:
        if len(row) > 1:
            return ","
        if row and "\t" in row[0].strip():
            return "\t"
    return ","


def _head_rows(text: IO[str], delimiter: str) -> list[list[str]] | None:
    """The first records of ``text`` read with ``delimiter`` (``None``: they do not read so);
    ``text`` is left at its start."""
    try:
        reader = csv.reader(text, delimiter=delimiter, strict=True)
        return list(itertools.islice(reader, HEADER_SEARCH_ROWS))
    except (csv.Error, UnicodeDecodeError):
        return None
    finally:
        text.seek(0)


def _parse_csv(
    text: IO[str],
    encoding: str,
    source: str,
    overrides: Mapping[str, str] | None,
    failed: InputError,
    recognizer: Recognizer,
) -> Parsed:
    # strict: an unterminated quote is an error, not one huge cell swallowing later rows.
    reader = csv.reader(text, delimiter=_delimiter(text), strict=True)

    def numbered() -> Iterator[Numbered]:
        try:
            # Records, not lines (``line_num``): a quoted cell may hold a line break, and a
            # spreadsheet shows that record as one row.
            yield from enumerate(reader, start=1)
        except csv.Error as exc:
            raise InputError(
                "input.csv", path=source, line=reader.line_num, reason=str(exc)
            ) from None
        except UnicodeDecodeError:
            raise failed from None

    table = _Table(numbered(), source, overrides, recognizer)

    def records() -> Iterator[Record]:
        pick = operator.itemgetter(*table.indexes)
        width, first = table.width, table.indexes[0]
        single = len(table.indexes) == 1
        found = False
        for number, row in table.rows():
            if len(row) < width or not row[first]:
                if not any(cell.strip() for cell in row):
                    continue
                row = [*row, *[""] * (width - len(row))]
            found = True
            if sum(map(len, row)) > MAX_ROW_CHARS:  # CSV cells are all text
                yield Record(number, None, "row.too_long")
                continue
            yield Record(number, (pick(row),) if single else pick(row))
        if not found:
            raise InputError("input.empty", path=source)

    return Parsed(records(), encoding, table.layout, table.columns)


class _Objects:
    """JSON objects' keys recognised as headers, once per distinct set of keys."""

    def __init__(
        self, source: str, overrides: Mapping[str, str] | None, recognizer: Recognizer
    ) -> None:
        self._source, self._overrides = source, dict(overrides or {})
        self._recognizer = recognizer
        self._order = recognizer.fields()
        self._known: dict[tuple[Any, ...], list[tuple[str, int]]] = {}
        self.columns: dict[str, str] = {}
        self.present: set[str] = set()

    def record(self, number: int, item: Any) -> Record:
        """One JSON value as a record of the recognizer's fields (absent ones ``None``).

        A string or a number is a value of a bare list (:class:`BareList`: ``["M0003"]``)
        when the recognizer reads such lists; any other value is no record.
        """
        bare = self._recognizer.bare
        if bare is not None and isinstance(item, str | int | float) and type(item) is not bool:
            if _too_long([item]):
                return Record(number, None, "row.too_long")
            self.present.add(bare.field)
            return Record(number, tuple(item if f == bare.field else None for f in self._order))
        if not isinstance(item, dict) or not item:
            return Record(number, None, text=_json_text(item))
        if _too_long([*item, *item.values()]):
            return Record(number, None, "row.too_long")
        keys = tuple(item)
        places = self._known.get(keys)
        if places is None:
            wanted = {f: h for f, h in self._overrides.items() if find_header(keys, h) is not None}
            found = self._recognizer.columns(keys, wanted, self._source)
            places = self._known[keys] = [(f, found[f]) for f in self._order if f in found]
            for f, index in places:
                self.columns.setdefault(f, str(keys[index]))
        values = list(item.values())
        by_field = {f: values[index] for f, index in places}
        self.present.update(f for f, v in by_field.items() if v is not None)
        return Record(number, tuple(by_field.get(f) for f in self._order))

    def checked(self, records: list[Record], encoding: str) -> Parsed:
        """JSON has no header row: the fields seen across all objects stand in for it."""
        for f, header in self._overrides.items():
            if f not in self.columns:
                raise InputError(
                    "columns.override_missing_key", path=self._source, field=f, header=header
                )
        if any(r.fields for r in records):
            present = dict.fromkeys(self.present, 0)
            if self._recognizer.missing(present):
                raise self._recognizer.missing_error(present, self._source)
        elif not records:
            raise InputError("input.empty", path=self._source)
        return Parsed(iter(records), encoding, self._order, self.columns)


SHOWN_TEXT_MAX = 256
"""A value that is no record is shown cut to this length (a reject shows less still)."""


def _json_text(item: Any) -> str:
    try:
        return json.dumps(item, ensure_ascii=False)[:SHOWN_TEXT_MAX]
    except (RecursionError, ValueError):
        return ""


def _load_json(text: str, source: str) -> Any:
    try:
        return jsontext.loads(text)
    except RecursionError:
        raise InputError("input.json_deep", path=source) from None
    except json.JSONDecodeError as exc:
        raise InputError("input.json", path=source, line=exc.lineno, reason=exc.msg) from None


def _parse_json(
    text: str,
    encoding: str,
    source: str,
    overrides: Mapping[str, str] | None,
    recognizer: Recognizer,
) -> Parsed:
    data = _load_json(text, source)
    if not isinstance(data, list):
        raise InputError("input.json_not_list", path=source)
    objects = _Objects(source, overrides, recognizer)
    records = [objects.record(i, item) for i, item in enumerate(data, start=1)]
    return objects.checked(records, encoding)


def _parse_jsonl(
    text: IO[str],
    encoding: str,
    source: str,
    overrides: Mapping[str, str] | None,
    failed: InputError,
    recognizer: Recognizer,
) -> Parsed:
    # JSON Lines has no header either: which fields it holds is known only from its
    # records, so they are read here (a JSONL file is read whole; CSV streams).
    objects = _Objects(source, overrides, recognizer)
    records = []
    try:
        # Lines end at "\n" only: U+2028, U+0085 and others may stand inside a JSON string
        # (a name), and splitting there would cut one record into two.
        for number, line in enumerate(text, start=1):
            if len(line) > MAX_ROW_CHARS:
                records.append(Record(number, None, "row.too_long"))
            elif line.strip():
                try:
                    item = jsontext.loads(line)
                except (json.JSONDecodeError, RecursionError):
                    # One broken line is that line's problem (§4), not the whole file's.
                    records.append(Record(number, None, "row.not_json"))
                    continue
                records.append(objects.record(number, item))
    except UnicodeDecodeError:
        raise failed from None
    if records and all(r.problem == "row.not_json" for r in records):
        raise InputError("input.jsonl", path=source)
    return objects.checked(records, encoding)


def _first_sheet_error(
    stream: IO[bytes],
    source: str,
    overrides: Mapping[str, str] | None,
    recognizer: Recognizer,
    error: InputError,
) -> InputError:
    """``error`` (the first sheet lacks the columns, or is empty), or, when the workbook
    has more sheets, one that names the sheet read (only the first is) and a later sheet
    whose header has every column, if one has."""
    from tuanti_cli.workbook import sheet_heads_of_stream

    sheets = sheet_heads_of_stream(stream, source, HEADER_SEARCH_ROWS)
    if len(sheets) < 2:
        return error
    (first, _), others = sheets[0], sheets[1:]
    found = recognizer.sheet_with_header(others, overrides, source)
    if found is not None:
        return InputError("input.columns_other_sheet", path=source, sheet=first, other=found)
    return InputError("input.first_sheet_only", path=source, sheet=first, reason=str(error))


def _parse_xlsx(
    stream: IO[bytes],
    source: str,
    overrides: Mapping[str, str] | None,
    recognizer: Recognizer,
) -> Parsed:
    from tuanti_cli.workbook import UNREADABLE, first_sheet_rows_of_stream

    opened = ExitStack()  # closed when the records are done (or the header is not found)
    with ExitStack() as on_error:
        on_error.callback(opened.close)
        rows = opened.enter_context(first_sheet_rows_of_stream(stream, source))
        try:  # the header search reads the first rows: openpyxl may fail on any of them
            table = _Table(enumerate(rows, start=1), source, overrides, recognizer)
        except UNREADABLE:
            raise InputError("input.xlsx", path=source) from None
        except InputError as exc:
            if exc.key not in ("input.columns", "input.empty"):
                raise
            opened.close()
            raise _first_sheet_error(stream, source, overrides, recognizer, exc) from None
        on_error.pop_all()
    indexes = table.indexes

    def records() -> Iterator[Record]:
        found = False
        try:
            for number, row in table.rows():
                if not any(cell is not None and str(cell).strip() for cell in row):
                    continue
                found = True
                if _too_long(row):
                    yield Record(number, None, "row.too_long")
                    continue
                yield Record(number, tuple(row[i] if i < len(row) else None for i in indexes))
        except UNREADABLE:
            raise InputError("input.xlsx", path=source) from None
        finally:
            opened.close()
        if not found:
            raise InputError("input.empty", path=source)

    return Parsed(records(), "xlsx", table.layout, table.columns)
