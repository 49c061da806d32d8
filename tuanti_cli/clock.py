"""Time in the product's zone. Callers pass ``now`` explicitly; nothing reads a test switch."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
SHANGHAI_OFFSET = "+08:00"


def now() -> dt.datetime:
    """The current time, aware, in Asia/Shanghai."""
    return dt.datetime.now(SHANGHAI)


def iso(moment: dt.datetime) -> str:
    """ISO 8601 with offset, second precision, in Asia/Shanghai."""
    return moment.astimezone(SHANGHAI).isoformat(timespec="seconds")


def local_date(moment: dt.datetime) -> dt.date:
    """The calendar date of ``moment`` in Asia/Shanghai."""
    return moment.astimezone(SHANGHAI).date()
