"""Health values as feeds write them (English or Chinese), parsed for members only (§5)."""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Callable
from typing import Any, NamedTuple

from tuanti_cli import clock
from tuanti_cli.feed.common import DATED_FIELDS, UNREADABLE_ROW
from tuanti_cli.timeparse import EARLIEST_YEAR, in_shanghai, parse_date, parse_datetime

HEALTH_CODE_WORDS = {
    "green": "green",
    "绿码": "green",
    "未见异常": "green",
    "绿": "green",
    "yellow": "yellow",
    "黄码": "yellow",
    "黄": "yellow",
    "red": "red",
    "红码": "red",
    "红": "red",
    "绿色": "green",
    "正常": "green",
    "popup": "popup",
    "弹窗": "popup",
    "黄色": "yellow",
    "红色": "red",
}
NAT_RESULT_WORDS = {
    "negative": "negative",
    "阴性": "negative",
    "positive": "positive",
    "阳性": "positive",
    "pending": "pending",
    "待出结果": "pending",
    "未出结果": "pending",
    "检测中": "pending",
    "待检测": "pending",
}
VACCINATION_WORDS = {
    "booster": "booster",
    "完成加强免疫": "booster",
    "primary": "primary",
    "完成基础免疫": "primary",
    "partial": "partial",
    "未完成基础免疫": "partial",
    "exempt": "exempt",
    "不适宜接种": "exempt",
    "已完成加强免疫": "booster",
    "已完成基础免疫": "primary",
    "未接种": "partial",
    "unknown": "unknown",
    "未查询到接种信息": "unknown",
}
MAX_DOSES = 10
UNKNOWN_WORDS = frozenset(
    ["unknown", "未知", "查询失败", "查询成功-数据为空", "数据为空", "暂无数据", "无数据", "-"]
)
"""What providers write when a query found nothing: the value is unknown (as an empty cell),
never a bad row. Any value beginning ``未查询到`` (``未查询到核酸检测信息``) is too."""
_DOSES = re.compile(r"(?:第|已接种)?([0-9]{1,2}|[一二三四五六七八九十])(?:剂|针|剂次)?")
_CHINESE_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九十")}


class Health(NamedTuple):
    """One member's health record as compared; ``None`` means unknown."""

    health_code: str = "unknown"
    nat_sampled_at: str | None = None
    nat_result: str | None = None
    vaccination: str = "unknown"
    vaccine_doses: int | None = None
    last_dose_date: str | None = None


UNKNOWN = Health()


class BadValue(ValueError):
    """A member's feed row holds a value that cannot be read; ``field`` names it, and
    ``reason`` what is wrong when more is known than "unreadable" (:data:`EARLY`)."""

    def __init__(self, field: str, reason: str | None = None) -> None:
        super().__init__(field)
        self.field = field
        self.reason = reason


EARLY = "early"
"""The reason of a time before 1900: it reads, but no sampling was then (1899-12-30, day
zero of spreadsheets, often stands in for an empty date)."""
NO_DATE = "no_date"
"""The reason of a workbook's time-of-day cell in a date field: a date cell holding 0
reads so, with no date at all."""
UNKNOWN_WORD = "word"
"""The reason of a health code, NAT result or vaccination status that is none of the words
tuanti knows (``蓝码``): the message lists those it does."""
NOT_A_DOSE = "doses"
"""The reason of a dose count that is no number from 0 to 10."""
NOT_A_TIME = "time_form"
"""The reason of a sampling time in no form that reads as a date and time: the message
shows one that does."""
NOT_A_DATE = "date_form"
"""The reason of a last dose date in no form that reads as a date."""


def _text(value: Any) -> str:
    """A cell as text, empty when the provider says the value is unknown."""
    if type(value) is str:
        return _cell_text(value)
    if value is None:
        return ""
    if isinstance(value, dt.datetime):  # a workbook's date cell
        return value.isoformat(sep=" ")
    if isinstance(value, float) and value.is_integer():  # a workbook's number cell: 3.0
        return str(int(value))
    return str(value)


@functools.lru_cache(maxsize=16384)
def _cell_text(value: str) -> str:
    """A text cell, trimmed; empty when it says "unknown" (cached: feeds repeat values)."""
    text = value.strip()
    return "" if text and _unknown(text) else text


@functools.lru_cache(maxsize=1024)
def _folded(text: str) -> str:
    """A value as vocabularies list it: NFKC (full-width forms), lower case, no spaces."""
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


def _unknown(text: str) -> bool:
    folded = _folded(text)
    return folded in UNKNOWN_WORDS or folded.startswith("未查询到")


def _word(fields: dict[str, Any], name: str, words: dict[str, str]) -> str | None:
    value = _text(fields.get(name))
    if not value:
        return None
    found = words.get(value.lower()) or words.get(_folded(value))
    if found is None:
        raise BadValue(name, UNKNOWN_WORD)
    return found


def _doses(text: str) -> int:
    """``3``, ``3剂``, ``第3针``, ``三剂`` as a number of doses; raises ``ValueError``."""
    match = _DOSES.fullmatch(_folded(text))
    if match is None:
        raise ValueError(text)
    digits = match.group(1)
    doses = int(digits) if digits.isascii() else _CHINESE_DIGITS[digits]
    if doses > MAX_DOSES:
        raise ValueError(text)
    return doses


@functools.lru_cache(maxsize=1 << 16)
def _sampled_iso(text: str) -> str:
    """A sampling time as ISO 8601 in Asia/Shanghai (cached: feeds repeat times a lot).

    Raises :class:`BadValue` for a time that does not read (:data:`NOT_A_TIME`) or lies
    before 1900 (:data:`EARLY`), ``ValueError`` for one the calendar cannot hold; a time
    after the comparison time is judged where that time is known (``compare``).
    """
    try:
        moment = parse_datetime(text)
    except ValueError:
        raise BadValue("nat_sampled_at", NOT_A_TIME) from None
    return clock.iso(_in_shanghai(moment, "nat_sampled_at"))


@functools.lru_cache(maxsize=4096)
def _date_only(text: str) -> str:
    """A last dose date as ``YYYY-MM-DD`` (a time with it is dropped, after conversion to
    Asia/Shanghai); raises as :func:`_sampled_iso` does (:data:`NOT_A_DATE`)."""
    try:
        day = parse_date(text)
    except ValueError:
        try:
            moment = parse_datetime(text)
        except ValueError:
            raise BadValue("last_dose_date", NOT_A_DATE) from None
        day = _in_shanghai(moment, "last_dose_date").date()
    if day.year < EARLIEST_YEAR:
        raise BadValue("last_dose_date", EARLY)
    return day.isoformat()


def _in_shanghai(moment: dt.datetime, field: str) -> dt.datetime:
    """``moment`` in Asia/Shanghai; :class:`BadValue` (:data:`EARLY`) before 1900, and
    ``ValueError`` when the calendar cannot hold it (year 9999 with an offset)."""
    try:
        return in_shanghai(moment)
    except ValueError:
        if moment.year <= EARLIEST_YEAR:  # 1900 too: its first hours lie before it elsewhere
            raise BadValue(field, EARLY) from None
        raise


class RowReading(NamedTuple):
    """A member's feed row, read: the name it carries, and its health or what broke it."""

    name: str
    health: Health | None
    bad_field: str | None
    reason: str | None = None
    """What is wrong with the bad field, when more is known than "unreadable"."""


_CHECKED = (
    "nat_sampled_at",
    "vaccine_doses",
    "last_dose_date",
    "nat_result",
    "health_code",
    "vaccination",
)
"""The health fields in the order a row is checked: the first bad one is the row's bad
field."""


@functools.lru_cache(maxsize=1 << 16)
def _cell_value(name: str, text: str) -> Any:
    """A non-empty health cell as read, or the :class:`BadValue` it raises (cached: a feed
    repeats its values, times included, a great deal)."""
    try:
        if name == "nat_sampled_at":
            return _sampled_iso(text)
        if name == "vaccine_doses":
            try:
                return _doses(text)
            except ValueError:
                raise BadValue(name, NOT_A_DOSE) from None
        if name == "last_dose_date":
            return _date_only(text)
        return _word({name: text}, name, _WORDS[name])
    except BadValue as exc:
        return exc
    except (ValueError, OverflowError):
        return BadValue(name)


_WORDS = {
    "nat_result": NAT_RESULT_WORDS,
    "health_code": HEALTH_CODE_WORDS,
    "vaccination": VACCINATION_WORDS,
}


@functools.lru_cache(maxsize=1 << 16)
def _raw_cell_value(name: str, raw: str) -> Any:
    """:func:`_cell_value` of a text cell as the feed wrote it (``None`` when empty or
    "unknown"); one cache lookup a cell."""
    text = _text(raw)
    return _cell_value(name, text) if text else None


def _name_text(value: Any) -> str:
    """The name cell as :func:`_text` reads it, without its caches: every name differs,
    and a million of them would only push the repeated values out."""
    if type(value) is not str:
        return _text(value)
    text = value.strip()
    if not text:
        return ""
    folded = "".join(unicodedata.normalize("NFKC", text).lower().split())
    return "" if folded in UNKNOWN_WORDS or folded.startswith("未查询到") else text


_MISSING = object()
_CELL_CACHE_SIZE = 1 << 16
_cell_cache: dict[str, dict[str, Any]] = {field: {} for field in _CHECKED}
"""Per health field: a raw text cell → :func:`_raw_cell_value` (a plain dict: the lookup
a CSV row's cells take is then as cheap as it gets; emptied when full)."""


_new_tuple = tuple.__new__


def _reading(name: str, values: list[Any]) -> RowReading:
    """A row's reading from its six cell values in :data:`_CHECKED` order (the first bad
    one names the bad field). Built with ``tuple.__new__``: a million rows are read."""
    for value in values:
        if type(value) is BadValue:
            return _new_tuple(RowReading, (name, None, value.field, value.reason))
    sampled, doses, last_dose, result, code, vaccination = values
    health = _new_tuple(
        Health,
        (
            code or "unknown",
            sampled,
            result if result is not None or sampled is None else "pending",
            vaccination or "unknown",
            doses,
            last_dose,
        ),
    )
    return _new_tuple(RowReading, (name, health, None, None))


class RowReader:
    """Reads a member's feed row without raising: empty cells and the providers' "nothing
    found" words are unknown, an unreadable one makes the row bad; read cell by cell
    through caches. Picklable, like any ``prepare``."""

    def __call__(self, fields: dict[str, Any]) -> RowReading:
        name = _name_text(fields.get("name"))
        if fields.get(UNREADABLE_ROW):
            return RowReading(name, None, "row")
        values: list[Any] = []
        for field in _CHECKED:
            cell = fields.get(field)
            if type(cell) is str:
                value = _raw_cell_value(field, cell)
            elif type(cell) is dt.time and field in DATED_FIELDS:
                value = BadValue(field, NO_DATE)
            else:
                text = _text(cell)
                value = _cell_value(field, text) if text else None
            values.append(value)
        return _reading(name, values)

    def cells_reader(
        self, wanted: tuple[tuple[int, str], ...]
    ) -> Callable[[list[str]], RowReading]:
        """The same reading of a CSV row's cells as split (``wanted``: the column of each
        field), skipping the dict of fields: the refresh of a million members reads a
        million rows."""
        columns = {name: index for index, name in wanted}
        name_at = columns.get("name")
        plan = tuple((field, columns.get(field), _cell_cache[field]) for field in _CHECKED)

        def read(cells: list[str]) -> RowReading:
            count = len(cells)
            name = _name_text(cells[name_at]) if name_at is not None and name_at < count else ""
            values: list[Any] = []
            for field, at, cache in plan:
                if at is None or at >= count:
                    values.append(None)
                    continue
                cell = cells[at]
                value = cache.get(cell, _MISSING)
                if value is _MISSING:
                    if len(cache) >= _CELL_CACHE_SIZE:
                        cache.clear()
                    value = cache[cell] = _raw_cell_value(field, cell)
                values.append(value)
            return _reading(name, values)

        return read


read_row = RowReader()
"""Read a member's feed row (the ``prepare`` of a refresh)."""
