"""Date and time values as feeds and users write them; no offset means Asia/Shanghai."""

from __future__ import annotations

import datetime as dt
import re

from tuanti_cli.clock import SHANGHAI

_LOCAL = re.compile(
    r"([0-9]{4})[-/]([0-9]{1,2})[-/]([0-9]{1,2})"
    r"(?:[ T]([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?)?"
)


def parse_datetime(text: str) -> dt.datetime:
    """Parse ``YYYY-MM-DD[ HH:MM[:SS]]``, ``YYYY/M/D H:MM`` or ISO 8601 (``Z``/offset kept).

    Raises ``ValueError`` for anything else, including impossible dates.
    """
    value = text.strip()
    match = _LOCAL.fullmatch(value)
    if match:
        year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups())
        return dt.datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)
    parsed = dt.datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=SHANGHAI)


def parse_date(text: str) -> dt.date:
    """Parse ``YYYY-MM-DD`` or ``YYYY/M/D``; raises ``ValueError`` otherwise."""
    value = text.strip()
    match = _LOCAL.fullmatch(value)
    if not match or match.group(4) is not None:
        raise ValueError(value)
    return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))


EARLIEST_YEAR = 1900
"""Health dates before this are typing or export errors, never a real sampling or dose."""
AS_OF_YEARS = (2000, 2100)
"""The comparison times ``--as-of`` accepts (inclusive): far enough either way for any
real use, near enough that every offset and day count stays representable."""


def in_shanghai(moment: dt.datetime) -> dt.datetime:
    """``moment`` in Asia/Shanghai, refusing what the calendar cannot hold.

    Raises ``ValueError`` for a moment before 1900 or one that conversion pushes out of
    the years 1–9999 (``0001-01-01T00:00+14:00``, ``9999-12-31T23:59-14:00``).
    """
    try:
        local = moment.astimezone(SHANGHAI)
    except OverflowError:
        raise ValueError(moment.isoformat()) from None
    if local.year < EARLIEST_YEAR:
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
