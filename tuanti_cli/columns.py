"""Which column is which field, as enrollment files, form-tool exports and health feeds
write their headers (PRODUCT §4, §5), and which format a file is in.

Form tools write questions, not field names: ``1、您的姓名：``, ``Q3.身份证号码（必填）``,
``5.个人信息授权:我同意``. A header is first normalised (NFKC, question number, hints in
brackets, sub-item part, courtesy words, trailing punctuation and spaces dropped), then
matched against each field's rule: an exact alias scores highest, then the field's words by
their weight. Each field takes its best column; two different columns equally good for one
field are an error that names both, and ``--column FIELD=HEADER`` settles it.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from tuanti_cli.errors import InputError
from tuanti_cli.i18n import t

FORMATS_BY_EXTENSION = {".csv": "csv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}
HEADER_SEARCH_ROWS = 10
"""The header may sit below a title or notes row: the first of this many rows that names
every required field is the header (or, failing that, two adjacent rows: see
:meth:`Recognizer.header`)."""

Value = TypeVar("Value")

_QUESTION_NUMBER = re.compile(r"^\s*(?:q\s*\d+\s*[.:、)]?|\d+\s*[、.:)]|\(\s*\d+\s*\))\s*")
_HINT = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】|〔[^〔〕]*〕")
_BRACKETS = re.compile(r"[()\[\]【】〔〕]")
_COURTESY = re.compile(r"您的|你的|请输入|请填写|请选择|请提供|请问")
_TRAILING = re.compile(r"[\s:：?？*＊.。,，;；!！]+$")
_SUB_ITEM = re.compile(r"[:—–]|--|_{2,}")
_SPACE = re.compile(r"\s+")


def normalise_header(header: str) -> str:
    """The words of a header that name its field: ``1、您的姓名（必填）：`` → ``姓名``.

    NFKC folds full-width forms and look-alike radicals (``⽬`` → ``目``); the question
    number, hints in brackets, a sub-item part (``title:option``, ``title—sub``), courtesy
    words, trailing punctuation and all spaces are dropped; Latin letters are lower-cased.
    """
    return _normalised(header)[0]


@functools.lru_cache(maxsize=4096)
def _normalised(header: str) -> tuple[str, str]:
    """(the title, the whole header) of a header, both normalised.

    The whole keeps the sub-item part and what brackets hold: 问卷星 writes a checkbox
    option as its own column, ``第4题(我已阅读并同意)``.
    """
    text = unicodedata.normalize("NFKC", header).replace("\ufeff", "").strip().lower()
    text = _QUESTION_NUMBER.sub("", text)
    whole = _BRACKETS.sub("", text)
    text = _HINT.sub("", text)
    title = _SUB_ITEM.split(text, maxsplit=1)[0]
    return _tidy(title if title.strip() else text), _tidy(whole)


def _tidy(text: str) -> str:
    text = _COURTESY.sub("", text)
    text = _TRAILING.sub("", text)
    return _SPACE.sub("", text)


@dataclass(frozen=True)
class FieldRule:
    """How headers name one field: exact aliases, and words with their weights."""

    aliases: tuple[str, ...]
    words: tuple[tuple[str, int], ...] = ()
    never: tuple[str, ...] = ()
    """Words that rule a header out for this field (``紧急联系人电话`` is no member's phone)."""
    pairs: tuple[tuple[tuple[str, ...], tuple[str, ...], int], ...] = ()
    """Words that name the field only together: a word of the first group and one of the
    second anywhere in the header, with the weight (``采样`` with ``日期``: ``核酸采样日期``)."""
    despite: tuple[str, ...] = ()
    """Words that keep a header in for this field although it holds a ``never`` word: a
    consent question names the data it authorises (``是否同意授权收集您的健康码、核酸…``)."""

    def score(self, title: str, whole: str = "") -> int:
        """How well a normalised header names this field (0: not at all).

        ``whole`` is the header with its sub-item part (``阅读并勾选:我同意《隐私政策》``);
        its words count one less than the title's.
        """
        if title in self.aliases:
            return 100
        best = self._words(title)
        if whole and whole != title:
            best = max(best, self._words(whole) - 1)
        return best

    def rules_out(self, text: str) -> bool:
        """Whether normalised ``text`` holds a word that rules a header out for this field."""
        return any(word in text for word in self.never)

    def _words(self, text: str) -> int:
        if not text:
            return 0
        if any(word in text for word in self.never) and not any(w in text for w in self.despite):
            return 0
        best = max((weight for word, weight in self.words if word in text), default=0)
        for firsts, seconds, weight in self.pairs:
            if weight > best and any(w in text for w in firsts) and any(w in text for w in seconds):
                best = weight
        return best

    def key_words(self) -> tuple[str, ...]:
        """The words a header may hold to name this field, each once; a word that holds
        another of them (``知情同意`` holds ``同意``) adds nothing and is left out."""
        words = list(dict.fromkeys(word for word, _ in self.words))
        return tuple(w for w in words if not any(o != w and o in w for o in words))


def aliases(*names: str) -> tuple[str, ...]:
    """Header names as :class:`FieldRule` compares them (normalised, each once)."""
    return tuple(dict.fromkeys(normalise_header(n) for n in names))


METADATA = frozenset(
    normalise_header(h)
    for h in (
        "序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP", "开始答题时间",
        "结束答题时间", "答题时长", "提交人", "填写设备", "IP", "UA", "openid", "昵称",
        "微信昵称", "填写时间", "提交时间", "更新时间", "创建时间", "总分", "浏览器",
        "操作系统", "地理位置", "用户", "用户ID", "答卷编号", "填写人", "渠道",
    )
)  # fmt: skip
"""Columns form tools add around the answers; never a field, never stored."""


@dataclass(frozen=True)
class Header:
    """Where a file's header is among its first rows, and which column is which field."""

    records_from: int
    """The index (from 0) of the first row after the header: records start there."""
    cells: tuple[Any, ...]
    """The header's cells as the fields were matched against them (for a header written
    on two rows, the two read as one)."""
    columns: dict[str, int]


@dataclass(frozen=True)
class BareList:
    """How a list may come without a header: one value a line, from the first (a withdrawal
    list of ID numbers and member numbers)."""

    field: str
    """The field that each line's value stands for."""
    reads_as: Callable[[Any], bool]
    """Whether a cell alone on the first line is such a value (the line is then no header)."""


def stacked(upper: Sequence[Any], lower: Sequence[Any]) -> list[Any]:
    """Two header rows read as one: per column the lower row's text where it has some, else
    the upper row's. A cell merged down over both rows holds its text in the upper one."""
    return [
        below if _filled(below) else above for above, below in itertools.zip_longest(upper, lower)
    ]


def header_groups(upper: Sequence[Any], lower: Sequence[Any]) -> list[str]:
    """Per column of a two-row header, the label of the group it sits under (``""`` for
    none): an upper cell over lower cells with text, carried right over those whose upper
    cell is empty — a label merged across its columns holds its text in the first one
    (``紧急联系人`` over ``姓名 | 电话``)."""
    groups: list[str] = []
    current = ""
    for above, below in itertools.zip_longest(upper, lower):
        if _filled(above):
            current = str(above).strip() if _filled(below) else ""
        elif not _filled(below):
            current = ""
        groups.append(current if _filled(below) else "")
    return groups


def _filled(cell: Any) -> bool:
    return cell is not None and str(cell).strip() != ""


class Recognizer:
    """Finds the column of each field among a file's headers."""

    def __init__(
        self,
        rules: Mapping[str, FieldRule],
        required: Sequence[str],
        any_of: Sequence[str] = (),
        bare: BareList | None = None,
    ) -> None:
        self.rules = dict(rules)
        self.required = tuple(required)
        self.any_of = tuple(any_of)
        """At least one of these must be found too (a withdrawal list names people by ID
        number, by member number, or by both)."""
        self.bare = bare
        """Files that may come without a header, one value a line; ``None``: every file
        has a header."""

    def fields(self) -> tuple[str, ...]:
        """The fields this recognizer knows, in their order (the bare list's last)."""
        return (*self.rules, *((self.bare.field,) if self.bare else ()))

    def columns(
        self,
        headers: Sequence[Any],
        overrides: Mapping[str, str] | None = None,
        source: str = "",
    ) -> dict[str, int]:
        """Field → index of its column in ``headers``.

        ``overrides`` (from ``--column``) name a field's header verbatim; a header the file
        lacks is an error. Raises :class:`InputError` when two different headers are
        equally good for one field.
        """
        chosen, ambiguity = self._choose(headers, overrides, source)
        if ambiguity is not None:
            raise ambiguity
        return chosen

    def _choose(
        self,
        headers: Sequence[Any],
        overrides: Mapping[str, str] | None,
        source: str,
        groups: Sequence[str] = (),
    ) -> tuple[dict[str, int], InputError | None]:
        """:meth:`columns`, with the error for the first field two headers are equally good
        for returned rather than raised (that field then takes the first of them).

        ``groups`` (a two-row header's, :func:`header_groups`) rule a column out for a field
        when its group's label does (``姓名`` under ``紧急联系人`` is no member's name), and
        tell apart the same header under two groups."""
        chosen: dict[str, int] = {}
        taken: set[int] = set()
        for field, wanted in (overrides or {}).items():
            index = find_header(headers, wanted)
            if index is None:
                raise InputError(
                    "columns.override_missing",
                    path=source,
                    field=field,
                    header=wanted,
                    rows=HEADER_SEARCH_ROWS,
                )
            chosen[field] = index
            taken.add(index)
        best: dict[str, list[tuple[int, int]]] = {}
        seen: set[tuple[str, str]] = set()
        for index, header in enumerate(headers):
            if index in taken or not isinstance(header, str):
                continue
            raw = header.strip().lstrip("\ufeff")
            group = groups[index] if index < len(groups) else ""
            # Empty, or the same header again (under the same group): the first counts.
            if not raw or (group, raw) in seen:
                continue
            seen.add((group, raw))
            title, whole = _normalised(raw)
            if not title or title in METADATA:
                continue
            named, score = self._field_of(title, whole)
            if named is None or named in chosen:
                continue
            if group and self.rules[named].rules_out(normalise_header(group)):
                continue
            best.setdefault(named, []).append((score, index))
        ambiguity: InputError | None = None
        for field, candidates in best.items():
            candidates.sort(key=lambda c: -c[0])
            top = candidates[0]
            rivals = [c for c in candidates[1:] if c[0] == top[0]]
            if rivals and ambiguity is None:
                ambiguity = InputError(
                    "columns.ambiguous",
                    path=source,
                    field=field,
                    first=str(headers[top[1]]).strip(),
                    second=str(headers[rivals[0][1]]).strip(),
                )
            chosen[field] = top[1]
        return chosen, ambiguity

    def missing(self, columns: Mapping[str, int]) -> list[str]:
        """The required fields ``columns`` lacks (``any_of`` counts as one; a bare list's
        values need nothing else)."""
        if self.bare is not None and self.bare.field in columns:
            return []
        missing = [f for f in self.required if f not in columns]
        if self.any_of and not any(f in columns for f in self.any_of):
            missing.extend(self.any_of)
        return missing

    def locate(
        self,
        rows: Iterable[Sequence[Any]],
        overrides: Mapping[str, str] | None = None,
        source: str = "",
    ) -> tuple[int, dict[str, int]]:
        """The header row among the first rows (its index from 0) and its columns.

        The first row that names every required field wins; when none does, the error
        names the fields the first row lacks (or an ambiguity found there). With
        ``overrides``, that is the first row holding every header they name: a title row
        above the header lacks them, and saying so would send the user the wrong way.
        """
        first: tuple[list[Any], Exception | None] | None = None
        unnamed: InputError | None = None  # the first row's missing --column header
        for number, row in enumerate(rows):
            if number >= HEADER_SEARCH_ROWS:
                break
            headers = list(row)
            try:
                found = self.columns(headers, overrides, source)
            except InputError as exc:
                if exc.key == "columns.override_missing":
                    unnamed = unnamed or exc
                else:
                    first = first or (headers, exc)
                continue
            if not self.missing(found):
                return number, found
            # A row where only the --column headers are found is no header: a record whose
            # cell happens to read so (序号 5 for --column consent=5).
            if not overrides or len(found) > len(overrides):
                first = first or (headers, None)
        if first is None:
            raise unnamed or InputError("input.empty", path=source)
        headers, error = first
        if error is not None:
            raise error
        raise self.missing_error(self.columns(headers, overrides, source), source)

    def header(
        self,
        rows: Iterable[Sequence[Any]],
        overrides: Mapping[str, str] | None = None,
        source: str = "",
    ) -> Header:
        """The header among the first rows: one row, found as :meth:`locate` finds it; or,
        when no single row names every required field, the first two adjacent rows that
        do when read as one (:func:`stacked`: a sheet's header with merged cells, ``证件信息``
        above ``身份证号 | 手机号``). Errors are :meth:`locate`'s, but for a two-row header
        that names every field, one of them by two equally good columns: that ambiguity.

        A list that may come bare (:class:`BareList`) has no header when its first line is
        one cell that reads as a value: every line is then a record, its first cell the
        value (``columns`` maps the bare field to column 0, ``cells`` is empty).
        """
        head = [list(row) for row in itertools.islice(rows, HEADER_SEARCH_ROWS)]
        if self.bare is not None and not overrides and self._bare_first_line(head, self.bare):
            return Header(0, (), {self.bare.field: 0})
        try:
            at, found = self.locate(head, overrides, source)
        except InputError:
            split = self._two_row_header(head, overrides, source)
            if split is None:
                raise
            return split
        last, found, cells = self.continued(head, at, found, overrides, source)
        return Header(last + 1, tuple(cells), found)

    @staticmethod
    def _bare_first_line(head: list[list[Any]], bare: BareList) -> bool:
        first = next((row for row in head if any(map(_filled, row))), None)
        if first is None or any(map(_filled, first[1:])):
            return False
        return bare.reads_as(first[0])

    def sheet_with_header(
        self,
        sheets: Iterable[tuple[str, Sequence[Sequence[Any]]]],
        overrides: Mapping[str, str] | None = None,
        source: str = "",
    ) -> str | None:
        """The name of the first of ``sheets`` (name, first rows) whose rows hold a header
        naming every required field: where a workbook's answers are, when its first sheet,
        the one read, has none."""
        for name, head in sheets:
            try:
                self.header(head, overrides, source)
            except InputError:
                continue
            return name
        return None

    def continued(
        self,
        head: Sequence[Sequence[Any]],
        at: int,
        found: dict[str, int],
        overrides: Mapping[str, str] | None = None,
        source: str = "",
    ) -> tuple[int, dict[str, int], list[Any]]:
        """The header found on row ``at`` (``found``) with the row above or below it, when
        the two read as one (:func:`stacked`) name more fields, the ones found among them: a
        sheet's header on two rows, with merged cells. A feed's sheet with ``核酸信息`` merged
        over ``采样时间 | 检测结果`` has its ID column on the upper row, so the upper row alone
        is a header; with ``健康码状态`` merged down and the ID on the lower row, the lower
        one is. A row below is a header's only while its first required field's cell is
        empty: no record's is. Returns the header's last row, its columns and its cells."""
        if at > 0:
            more = self._more_fields(head[at - 1], head[at], found, overrides, source)
            if more is not None:
                return at, *more
        key = found.get(self.required[0]) if self.required else None
        if key is not None and at + 1 < len(head):
            lower = head[at + 1]
            if key >= len(lower) or not _filled(lower[key]):
                more = self._more_fields(head[at], lower, found, overrides, source)
                if more is not None:
                    return at + 1, *more
        return at, found, list(head[at])

    def _more_fields(
        self,
        upper: Sequence[Any],
        lower: Sequence[Any],
        found: dict[str, int],
        overrides: Mapping[str, str] | None,
        source: str,
    ) -> tuple[dict[str, int], list[Any]] | None:
        """The fields and cells of two rows read as one, if they name more than ``found``,
        unambiguously and those among them."""
        read = self._read_stacked(upper, lower, overrides, source)
        if read is None:
            return None
        cells, both, ambiguity = read
        if ambiguity is None and len(both) > len(found) and set(found) <= set(both):
            return both, cells
        return None

    def _read_stacked(
        self,
        upper: Sequence[Any],
        lower: Sequence[Any],
        overrides: Mapping[str, str] | None,
        source: str,
    ) -> tuple[list[Any], dict[str, int], InputError | None] | None:
        """Two header rows read as one (:func:`stacked`, under their groups' labels): the
        cells, the fields found and an ambiguity; ``None`` when a ``--column`` header is on
        neither row."""
        cells = stacked(upper, lower)
        try:
            found, ambiguity = self._choose(cells, overrides, source, header_groups(upper, lower))
        except InputError:
            return None
        return cells, found, ambiguity

    def _two_row_header(
        self, head: list[list[Any]], overrides: Mapping[str, str] | None, source: str
    ) -> Header | None:
        for lower in range(1, len(head)):
            read = self._read_stacked(head[lower - 1], head[lower], overrides, source)
            if read is None or self.missing(read[1]):
                continue
            cells, found, ambiguity = read
            if ambiguity is not None:
                raise ambiguity
            return Header(lower + 1, tuple(cells), found)
        return None

    def missing_error(self, columns: Mapping[str, int], source: str) -> InputError:
        """The error for a file whose header lacks required fields: which, and the headers
        that would name them (the exact aliases, and the words a header may hold)."""
        missing = self.missing(columns)
        expected = "; ".join(self._accepted(f) for f in missing)
        return InputError(
            "input.columns", path=source, missing=", ".join(missing), expected=expected
        )

    def _accepted(self, field: str) -> str:
        rule = self.rules[field]
        text = f"{field}: {', '.join(rule.aliases)}"
        words = rule.key_words()
        if words:
            text += t("input.columns_words", words="/".join(words))
        return text

    def _field_of(self, title: str, whole: str) -> tuple[str | None, int]:
        field, best = None, 0
        for name, rule in self.rules.items():
            score = rule.score(title, whole)
            if score > best:
                field, best = name, score
        return field, best

    @functools.lru_cache(maxsize=256)  # noqa: B019 (a few recognizers live for the process)
    def _keys_to_fields(self, keys: tuple[Any, ...]) -> tuple[tuple[int, str], ...]:
        try:
            found = self.columns(keys)
        except InputError:
            found = {}
        return tuple((index, field) for field, index in found.items())

    def first_of_each(self, pairs: Iterable[tuple[Any, Value]]) -> dict[str, Value]:
        """Field → value for one JSON object's (key, value) pairs (recognised as headers)."""
        items = list(pairs)
        keys = tuple(key for key, _ in items)
        return {field: items[index][1] for index, field in self._keys_to_fields(keys)}


def find_header(headers: Sequence[Any], wanted: str) -> int | None:
    """The index of the header ``wanted`` names: verbatim first, else after normalising."""
    target = wanted.strip().lstrip("\ufeff")
    texts = [h.strip().lstrip("\ufeff") if isinstance(h, str) else None for h in headers]
    if target in texts:
        return texts.index(target)
    normalised = normalise_header(target)
    for index, text in enumerate(texts):
        if text is not None and normalised and normalise_header(text) == normalised:
            return index
    # A question's number alone (`--column consent=5`, `Q5`, `第5题`) names the one question
    # a form tool numbered so (``5、是否同意授权…？``): forty characters are hard to copy.
    asked = _ASKED_NUMBER.fullmatch(unicodedata.normalize("NFKC", target))
    if asked is None:
        return None
    numbered = [
        index
        for index, text in enumerate(texts)
        if text is not None and _number_of(text) == asked.group(1)
    ]
    return numbered[0] if len(numbered) == 1 else None


_ASKED_NUMBER = re.compile(r"(?i)\s*(?:q|第)?\s*(\d{1,3})\s*题?\s*")
_LEADING_NUMBER = re.compile(
    r"(?i)\s*(?:q\s*|第\s*)?(\d{1,3})\s*(?:题|[、.:)]|\s)|\s*\(\s*(\d{1,3})\s*\)"
)


def _number_of(header: str) -> str | None:
    """The question number a form tool wrote before a header (``5、``, ``Q5.``, ``(5)``,
    ``第5题``), if any."""
    match = _LEADING_NUMBER.match(unicodedata.normalize("NFKC", header))
    return None if match is None else (match.group(1) or match.group(2))


def parse_overrides(values: Sequence[str], fields: Sequence[str]) -> dict[str, str]:
    """``--column FIELD=HEADER`` values as field → header; misuse is an :class:`InputError`."""
    overrides: dict[str, str] = {}
    for value in values:
        field, sep, header = value.partition("=")
        field = field.strip().lower()
        if not sep or not header.strip():
            raise InputError("columns.override_shape", value=value)
        if field not in fields:
            raise InputError("columns.override_field", field=field, fields=", ".join(fields))
        if field in overrides:
            raise InputError("columns.override_twice", field=field)
        overrides[field] = header.strip()
    return overrides


NAME_RULE = FieldRule(
    aliases("name", "姓名", "full name", "真实姓名"),
    words=(("姓名", 60), ("名字", 50)),
    never=("联系人", "家长", "监护人", "紧急", "拼音", "英文", "单位", "企业", "公司", "学校"),
)
ID_NUMBER_RULE = FieldRule(
    aliases("id_number", "身份证号", "身份证号码", "证件号", "证件号码", "id number"),
    words=(("身份证", 60), ("证件号", 60), ("证件号码", 60)),
    never=("照片", "图片", "上传", "地址", "有效期", "类型", "正面", "反面", "联系人", "紧急"),
)


OLE_MAGIC = b"\xd0\xcf\x11\xe0"
"""How an Excel 97–2003 workbook (``.xls``) begins, whatever its name says."""
ZIP_MAGIC = b"PK\x03\x04"
"""How an ``.xlsx`` workbook begins."""


def detect_format(start: bytes, name: str) -> str:
    """A file's format from its name and first bytes: ``xls`` (refused by callers: an Excel
    97–2003 workbook, by name or by content), ``xlsx``, else ``csv``, ``json`` or ``jsonl``
    by extension, else a zip file is a workbook, else by content."""
    lowered = name.lower()
    if lowered.endswith(".xls") or start.startswith(OLE_MAGIC):
        return "xls"
    if lowered.endswith((".xlsx", ".xlsm")):
        return "xlsx"
    by_name = format_by_extension(name, FORMATS_BY_EXTENSION)
    if by_name is not None:
        return by_name
    return "xlsx" if start.startswith(ZIP_MAGIC) else format_by_content(start[:4096])


def format_by_extension(name: str, extensions: Mapping[str, str]) -> str | None:
    """The format a file name's extension gives, if it gives one."""
    lowered = name.lower()
    return next((fmt for ext, fmt in extensions.items() if lowered.endswith(ext)), None)


def format_by_content(start: bytes) -> str:
    """JSON, JSONL or CSV by the first non-blank byte of a file."""
    first = start.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return {b"[": "json", b"{": "jsonl"}.get(first, "csv")
