"""Date and time values as feeds and users write them; no offset means Asia/Shanghai."""

from __future__ import annotations

import datetime as dt
import re

from tuanti_cli.clock import BEIJING_TIME, SHANGHAI, in_zone, local_mean_time

_LOCAL = re.compile(
    r"([0-9]{4})[-/]([0-9]{1,2})[-/]([0-9]{1,2})"
    r"(?:[ T]([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?)?"
)
_CHINESE = re.compile(
    r"([0-9]{4})\s*年\s*([0-9]{1,2})\s*月\s*([0-9]{1,2})\s*[日号]"
    r"(?:\s*([0-9]{1,2})\s*(?::|时|点)\s*([0-9]{1,2})"
    r"(?:\s*分(?:\s*([0-9]{1,2})\s*秒)?|:([0-9]{2}))?)?"
)
"""Dates as Chinese sheets write them: ``2022年12月05日 07:12``, ``2022年12月5日 7时12分``,
``2022年12月5日``."""


def _local_parts(value: str) -> tuple[int, int, int, int | None, int, int] | None:
    """(year, month, day, hour or ``None`` for a date alone, minute, second) of a local form."""
    match = _LOCAL.fullmatch(value)
    if match:
        year, month, day, hour, minute, second = match.groups()
    else:
        match = _CHINESE.fullmatch(value)
        if match is None:
            return None
        year, month, day, hour, minute, second, colon_second = match.groups()
        second = second or colon_second
    return (
        int(year),
        int(month),
        int(day),
        int(hour) if hour is not None else None,
        int(minute or 0),
        int(second or 0),
    )


def parse_datetime(text: str) -> dt.datetime:
    """Parse ``YYYY-MM-DD[ HH:MM[:SS]]``, ``YYYY/M/D H:MM``, ``YYYY年M月D日[ H:MM]`` (also
    ``H时M分[S秒]``) or ISO 8601 (``Z``/offset kept).

    Raises ``ValueError`` for anything else, including impossible dates.
    """
    value = text.strip()
    parts = _local_parts(value)
    if parts is not None:
        year, month, day, hour, minute, second = parts
        return _beijing(dt.datetime(year, month, day, hour or 0, minute, second))
    parsed = dt.datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else _beijing(parsed)


def _beijing(wall: dt.datetime) -> dt.datetime:
    """A wall-clock time without an offset, in Asia/Shanghai; before 1901, where the zone has
    no whole-minute offset, in UTC+8, so that the wall time stays as written."""
    local = wall.replace(tzinfo=SHANGHAI)
    return wall.replace(tzinfo=BEIJING_TIME) if local_mean_time(local) else local


def parse_date(text: str) -> dt.date:
    """Parse ``YYYY-MM-DD``, ``YYYY/M/D`` or ``YYYY年M月D日``; raises ``ValueError`` otherwise."""
    value = text.strip()
    parts = _local_parts(value)
    if parts is None or parts[3] is not None:
        raise ValueError(value)
    return dt.date(*parts[:3])


EARLIEST_YEAR = 1900
"""Health dates before this are typing or export errors, never a real sampling or dose."""
AS_OF_YEARS = (2000, 2100)
"""The comparison times ``--as-of`` accepts (inclusive): far enough either way for any
real use, near enough that every offset and day count stays representable."""


_EARLIEST = dt.datetime(EARLIEST_YEAR, 1, 1, tzinfo=BEIJING_TIME)


def in_shanghai(moment: dt.datetime) -> dt.datetime:
    """``moment`` in Asia/Shanghai, refusing what the calendar cannot hold.

    Raises ``ValueError`` for a moment before 1900-01-01 00:00 Beijing time (UTC+8) or one
    that conversion pushes out of the years 1–9999 (``0001-01-01T00:00+14:00``,
    ``9999-12-31T23:59-14:00``); before 1901 the moment is given in UTC+8
    (:func:`tuanti_cli.clock.in_zone`).
    """
    try:
        local = in_zone(moment)
    except OverflowError:
        raise ValueError(moment.isoformat()) from None
    if local.year < EARLIEST_YEAR or local < _EARLIEST:
        raise ValueError(moment.isoformat())
    return local


def check_as_of(moment: dt.datetime) -> dt.datetime:
    """A comparison time within :data:`AS_OF_YEARS`, in Asia/Shanghai.

    Raises ``ValueError`` otherwise (the caller words the refusal).
    """
    try:
        local = moment.astimezone(SHANGHAI)
    except OverflowError:
        raise ValueError(moment.isoformat()) from None
    if not AS_OF_YEARS[0] <= local.year <= AS_OF_YEARS[1]:
        raise ValueError(moment.isoformat())
    return local
