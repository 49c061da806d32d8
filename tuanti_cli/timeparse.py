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
