"""Time in the product's zone. Callers pass ``now`` explicitly; nothing reads a test switch."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
SHANGHAI_OFFSET = "+08:00"
BEIJING_TIME = dt.timezone(dt.timedelta(hours=8))
"""UTC+8 as a fixed offset: before 1901 the time zone database gives Shanghai its local mean
time, ``+08:05:43``, an offset no ISO 8601 reader takes; such moments are given in this."""


def in_zone(moment: dt.datetime) -> dt.datetime:
    """``moment`` in Asia/Shanghai, or in :data:`BEIJING_TIME` where the zone's offset is
    not whole minutes (before 1901)."""
    local = moment.astimezone(SHANGHAI)
    return moment.astimezone(BEIJING_TIME) if local_mean_time(local) else local


def local_mean_time(local: dt.datetime) -> bool:
    """Whether an Asia/Shanghai time falls where the zone's offset is not whole minutes
    (its local mean time, before 1901)."""
    offset = local.utcoffset()
    return offset is not None and offset.seconds % 60 != 0


def now() -> dt.datetime:
    """The current time, aware, in Asia/Shanghai."""
    return dt.datetime.now(SHANGHAI)


def iso(moment: dt.datetime) -> str:
    """ISO 8601 with offset, second precision, in Asia/Shanghai (:func:`in_zone`)."""
    return in_zone(moment).isoformat(timespec="seconds")


def local_date(moment: dt.datetime) -> dt.date:
    """The calendar date of ``moment`` in Asia/Shanghai."""
    return moment.astimezone(SHANGHAI).date()
