"""What every feed format shares: the fields and how headers name them, the result of a
scan, which of a person's rows wins, damaged and masked IDs, and reading in blocks."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias, cast

from tuanti_cli.columns import (
    ID_NUMBER_RULE,
    NAME_RULE,
    FieldRule,
    Recognizer,
    aliases,
)
from tuanti_cli.errors import InputError
from tuanti_cli.jsontext import LongNumber
from tuanti_cli.textfile import open_input
from tuanti_cli.timeparse import in_shanghai, parse_datetime
from tuanti_cli.validate import check_character, clean_cell

CHUNK_BYTES = 256 << 10  # small blocks stay in the CPU cache: measurably faster


def _exact(*names: str) -> FieldRule:
    """A field that feeds name with fixed column names: exact aliases only, so that a
    note such as ``健康码颜色说明`` is never taken for the health code."""
    return FieldRule(aliases(*names))


FEED_RULES: dict[str, FieldRule] = {
    "id_number": ID_NUMBER_RULE,
    "name": NAME_RULE,
    "health_code": _exact(
        "health_code", "健康码状态", "健康码", "健康码颜色", "健康宝状态", "随申码状态"
    ),
    # Sheets name the sampling time in many ways (采样日期时间, 样本采集时间, 核酸采样时刻);
    # the result time (检测时间) stands in only when no column names the sampling time, and
    # a report or result time (报告时间, 采样结果报告时间) never does.
    "nat_sampled_at": FieldRule(
        _exact(
            "nat_sampled_at", "核酸采样时间", "采样时间", "采集时间", "最近一次采样时间"
        ).aliases,
        words=(("检测时间", 10),),
        never=("报告", "结果", "信息采集", "数据采集"),
        pairs=((("采样", "采集"), ("时间", "日期", "时刻"), 50),),
    ),
    "nat_result": _exact(
        "nat_result", "核酸结果", "核酸检测结果", "检测结果", "采样结果", "最近核酸检测结果"
    ),
    "vaccination": _exact("vaccination", "疫苗接种状态", "疫苗接种情况"),
    "vaccine_doses": _exact("vaccine_doses", "接种剂次", "疫苗接种剂次"),
    "last_dose_date": _exact(
        "last_dose_date", "最后接种日期", "末次接种日期", "疫苗接种日期", "最近一次接种日期"
    ),
}
FEED = Recognizer(FEED_RULES, required=("id_number",))
FEED_FIELDS = tuple(FEED_RULES)
HEALTH_FIELDS = FEED_FIELDS[2:]
"""The fields a feed may carry for a member's health record."""
DATED_FIELDS = ("nat_sampled_at", "last_dose_date")
"""The health fields that hold dates (a workbook's number cell there is a date serial)."""
UNREADABLE_ROW = "_unreadable_row"
"""Marks a member's feed record that could not be parsed at all."""


@dataclass
class FeedScan:
    """What one pass over the feed found."""

    rows: int = 0
    encoding: str = ""
    sha256: str = ""
    saw_id: bool = False
    """Whether any record carried an ID number at all (JSON has no header to check)."""
    latest: Mapping[str, tuple[int, Any]] = field(default_factory=dict)
    """Member ID number → (row number, prepared fields) of the row that wins for that
    person: the newest sampling time, else the last row (see :func:`replaces`). For a CSV
    feed a :class:`~tuanti_cli.feed.csv_feed.RawRows`, which prepares a row when asked."""
    carried: frozenset[str] = frozenset()
    """The health fields the feed has a column (JSON: a key) for; the others are left as
    they were."""
    damaged_ids: int = 0
    """Rows whose ID a spreadsheet turned into a number (digits lost)."""
    masked_ids: int = 0
    """Rows whose ID is masked (``110105********1535``): nobody can be matched by it."""

    def count_damage(self, damage: str | None) -> None:
        """Count a row by what :func:`cell_damage` or :func:`id_damage` says of its ID."""
        if damage == "damaged":
            self.damaged_ids += 1
        elif damage == "masked":
            self.masked_ids += 1

    def keep_latest(self, key: str, row: int, fields: dict[str, Any]) -> None:
        """Keep a member's row unless the one kept so far wins (see :func:`replaces`)."""
        latest = self.latest
        assert isinstance(latest, dict)  # JSON and xlsx feeds keep their rows in a dict
        kept = latest.get(key)
        if kept is None or replaces(
            sampling_rank(fields.get("nat_sampled_at")),
            sampling_rank(kept[1].get("nat_sampled_at")),
        ):
            latest[key] = (row, fields)


def carried_fields(names: Any) -> frozenset[str]:
    """The health fields among ``names`` (a header's fields, or a JSON object's)."""
    return frozenset(name for name in names if name in HEALTH_FIELDS)


# --------------------------------------------------------------- which row wins


@functools.lru_cache(maxsize=4096)
def _rank_of_text(text: str) -> dt.datetime | None:
    try:
        return in_shanghai(parse_datetime(text)) if text else None
    except (ValueError, OverflowError):
        return None


def sampling_rank(value: Any) -> dt.datetime | None:
    """A row's sampling time as a comparable moment, or ``None`` when it has none (or one
    that cannot be read)."""
    if isinstance(value, dt.datetime):
        return _rank_of_text(value.isoformat(sep=" "))
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            return None  # dates are ASCII: this is no sampling time
    if not isinstance(value, str):
        return None
    return _rank_of_text(value.strip())


def replaces(later: dt.datetime | None, kept: dt.datetime | None) -> bool:
    """Whether a person's later row replaces the one kept so far.

    Result sheets list every test: the row with the newest sampling time wins, a row with a
    sampling time beats one without, and among rows without one (or with equal times) the
    last row wins.
    """
    if kept is None:
        return True
    return later is not None and later >= kept


# --------------------------------------------------------------- digit guards

_GUARDS = ("'", "=", '"')


def unguarded_id(text: str) -> str:
    """An ID cell, trimmed and without the digit guard a spreadsheet or form tool put in front
    of it (``'110…``, ``="110…"``, PRODUCT §4), as enrollment strips it
    (:func:`~tuanti_cli.validate.clean_cell`); a cell without one is only trimmed."""
    text = text.strip()
    return clean_cell(text) if text.startswith(_GUARDS) else text


def unguarded(cell: bytes) -> bytes:
    """:func:`unguarded_id` of a CSV cell's bytes, read as Latin-1: no byte is decoded."""
    return unguarded_id(cell.decode("latin-1")).encode("latin-1")


# --------------------------------------------------------------- damaged and masked IDs

_EXCEL_NUMBER = re.compile(
    r"[0-9](?:\.[0-9]*)?[eE]\+?[0-9]+|[0-9]{12,18}\.[0-9]*|[0-9]{15}000", re.ASCII
)


@functools.lru_cache(maxsize=1024)
def id_damage(raw: str) -> str | None:
    """``"damaged"`` for an ID a spreadsheet turned into a number (``1.10105E+17``,
    ``110105199003071000.0``, 18 digits ending ``000`` whose check character is wrong),
    ``"masked"`` for one with ``*`` in it, else ``None``."""
    text = raw.strip()
    if "*" in text:
        return "masked"
    if not _EXCEL_NUMBER.fullmatch(text):
        return None
    if len(text) == 18 and text.isdigit() and check_character(text) == text[17]:
        return None  # a real ID that happens to end in 000
    return "damaged"


def cell_damage(value: Any) -> str | None:
    """:func:`id_damage` for a workbook cell: a float is always a damaged ID, an integer
    one whose 18 digits fail the check (an exact integer written by a program is fine), as
    is a JSON integer too long for ``int``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float | LongNumber):
        return "damaged"
    if isinstance(value, int):
        return id_damage(str(value)) if len(str(value)) == 18 else "damaged"
    return id_damage(unguarded_id(value)) if isinstance(value, str) else None


def masked_feed(scan: FeedScan) -> bool:
    """Whether the feed's IDs are masked: it holds masked IDs and matched nobody, or
    most of its rows are masked."""
    if not scan.masked_ids:
        return False
    return not scan.latest or scan.masked_ids * 2 >= scan.rows


def damaged_feed(scan: FeedScan) -> bool:
    """Whether a spreadsheet damaged the feed's IDs: it holds damaged IDs and matched nobody,
    or at least half its rows are damaged. Applied, it would turn nearly every member
    ``unknown`` (only IDs ending in ``X`` survive Excel as text)."""
    if not scan.damaged_ids:
        return False
    return not scan.latest or scan.damaged_ids * 2 >= scan.rows


def blocks(path: Path, digest: Any) -> Iterator[bytes]:
    """The file's bytes in large blocks, hashed on the way; NUL bytes refused."""
    with open_input(path) as stream:
        while block := stream.read(CHUNK_BYTES):
            if b"\x00" in block:
                raise InputError("input.binary", path=path)
            digest.update(block)
            yield block


MAX_ROW_BYTES = 1 << 20
"""The longest feed row read (PRODUCT §7): a longer one is a bad row if it is a member's."""
TOO_LONG = b"\x00"
"""Marks the line put in place of a row longer than :data:`MAX_ROW_BYTES`. A feed cannot
hold it: NUL bytes are refused while the file is read."""


def line_blocks(
    blocks: Iterator[bytes],
    too_long: Callable[[bytes], bytes],
    limit: int = MAX_ROW_BYTES,
) -> Iterator[bytes]:
    """Blocks cut after their last newline (the rest carried into the next block).

    A line longer than ``limit`` is not carried on: its first ``limit`` bytes go to
    ``too_long``, whose answer (one line, no newline) stands in its place, and the rest is
    skipped up to the next newline. So time stays linear and memory bounded even for a
    file that is one 200 MB line.
    """
    carry: list[bytes] = []
    carried = 0
    skipping = False
    for big in blocks:
        # Lines inside a block are checked only where a block ends: keep blocks short.
        pieces = [big] if len(big) <= limit else _sliced(big, limit)
        for block in pieces:
            if skipping:
                newline = block.find(b"\n")
                if newline < 0:
                    continue
                block = block[newline + 1 :]
                skipping = False
                if not block:
                    continue
            cut = block.rfind(b"\n") + 1
            if not cut:
                carry.append(block)
                carried += len(block)
                if carried > limit:  # at most one block beyond the limit is held
                    yield too_long(b"".join(carry)[:limit]) + b"\n"
                    carry, carried, skipping = [], 0, True
                continue
            if carry:
                first = block.find(b"\n")
                if carried + first > limit:
                    yield too_long(b"".join(carry) + block[: limit - carried]) + b"\n"
                    block, cut = block[first + 1 :], cut - first - 1
                else:
                    block = b"".join(carry) + block
                    cut += carried
                carry, carried = [], 0
            if cut:
                yield block[:cut]
            if cut < len(block):
                carry.append(block[cut:])
                carried = len(block) - cut
    if carry and not skipping:
        rest = b"".join(carry)
        yield (too_long(rest[:limit]) if len(rest) > limit else rest) + b"\n"


def _sliced(block: bytes, size: int) -> list[bytes]:
    return [block[i : i + size] for i in range(0, len(block), size)]


def member_keys(members: AbstractSet[str] | set[bytes]) -> set[bytes]:
    """Member IDs as the bytes a feed may write them (``x`` for ``X`` too).

    A set of bytes is extended in place rather than copied: for a million members the set
    is the scan's largest structure. :func:`member_id` turns a key found back into the ID.
    """
    sample = next(iter(members), b"")
    if isinstance(sample, bytes):
        keys = cast("set[bytes]", members)
    else:
        keys = {m.encode("ascii") for m in cast("AbstractSet[str]", members)}
    keys.update([key[:-1] + b"x" for key in keys if key.endswith(b"X")])
    return keys


def member_id(key: bytes) -> str:
    """The member's ID number for a key of :func:`member_keys` (``x`` read as ``X``)."""
    return key.decode("ascii").upper()


def member_texts(members: AbstractSet[str] | set[bytes]) -> AbstractSet[str]:
    """Member IDs as text, for the formats read as text (JSON, ``.xlsx``)."""
    sample = next(iter(members), "")
    if isinstance(sample, bytes):
        return {key.decode("ascii") for key in cast("set[bytes]", members)}
    return cast("AbstractSet[str]", members)


Prepare: TypeAlias = Callable[[dict[str, Any]], Any]


def as_is(fields: dict[str, Any]) -> Any:
    """Keep a member's raw fields as they are (the default ``prepare``)."""
    return fields
