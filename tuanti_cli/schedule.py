"""Running refresh at fixed times with APScheduler 3, and the equivalent crontab lines."""

from __future__ import annotations

import datetime as dt
import logging
import re
import shlex
import signal
from collections.abc import Callable, Sequence
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tuanti_cli.errors import InputError
from tuanti_cli.i18n import t
from tuanti_cli.masking import scrub

DEFAULT_TIMES = "06:00,09:00,12:00,16:00"
DEFAULT_TZ = "Asia/Shanghai"
MISFIRE_GRACE_SECONDS = 3600
_TIME = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])(?::([0-5][0-9]))?")


def parse_times(text: str) -> list[tuple[int, int, int]]:
    """``06:00,09:00`` (seconds allowed: ``06:00:30``) as sorted (hour, minute, second)."""
    times = set()
    for part in text.split(","):
        match = _TIME.fullmatch(part.strip())
        if not match:
            raise InputError("schedule.bad_time", value=part.strip())
        times.add((int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)))
    return sorted(times)


def parse_zone(name: str) -> ZoneInfo:
    """An IANA time zone such as ``Asia/Shanghai``."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError("schedule.bad_tz", value=name) from None


def run_schedule(
    job: Callable[[], str],
    times: Sequence[tuple[int, int, int]],
    zone: ZoneInfo,
    log: Callable[[str], None],
) -> None:
    """Block, running ``job`` at each time of day; return after SIGINT or SIGTERM.

    One run at a time (``max_instances=1``), missed runs coalesced into one, and a run up to
    an hour late still happens (a laptop waking from sleep at 06:40 refreshes once).
    ``job`` returns the line to log; its errors are logged and the schedule goes on.
    """
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger

    # APScheduler logs a failed job with its full traceback (through Python's last-resort
    # handler when nothing is configured); the listener below logs one masked line instead.
    quiet = logging.getLogger("apscheduler")
    quiet.addHandler(logging.NullHandler())
    quiet.propagate = False
    scheduler = BlockingScheduler(timezone=zone)
    for hour, minute, second in times:
        scheduler.add_job(
            job,
            CronTrigger(hour=hour, minute=minute, second=second, timezone=zone),
            id=f"refresh-{hour:02d}{minute:02d}{second:02d}",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=MISFIRE_GRACE_SECONDS,
        )

    def report(event: JobExecutionEvent) -> None:
        stamp = dt.datetime.now(zone).isoformat(timespec="seconds")
        if event.exception is not None:
            # An unexpected error's text could quote a value; mask any ID or phone in it.
            log(f"{stamp} {scrub(str(event.exception))}")
        else:
            log(f"{stamp} {event.retval}")

    scheduler.add_listener(report, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)

    def stop(signum: int, frame: Any) -> None:
        scheduler.shutdown(wait=False)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        scheduler.start()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def cron_lines(
    times: Sequence[tuple[int, int, int]],
    zone: ZoneInfo,
    command: Sequence[str],
    today: dt.date,
) -> list[str]:
    """Crontab lines running ``command`` at ``times`` in ``zone``, in this machine's local time.

    Classic cron reads times in the system's zone, so they are converted (for ``today``: a
    zone with daylight saving time needs the lines re-printed when it changes). Every ``%``
    is escaped; a part holding a line break is refused (:class:`InputError`).
    """
    local_zone = dt.datetime.now().astimezone().tzinfo
    for part in command:
        if "\n" in part or "\r" in part:
            raise InputError("guards.cron_line_break", path=part)
    # cron turns an unescaped % into a newline (and feeds the rest to standard input), even
    # inside the shell's quotes; it drops the backslash of \% before the shell sees it.
    line = " ".join(shlex.quote(part) for part in command).replace("%", "\\%")
    header = t(
        "schedule.cron_header",
        times=", ".join(f"{h:02d}:{m:02d}" for h, m, _ in times),
        zone=zone.key,
        local=dt.datetime.now().astimezone().tzname(),
    )
    lines = [f"# {header}"]
    for hour, minute, _second in times:
        moment = dt.datetime.combine(today, dt.time(hour, minute), zone).astimezone(local_zone)
        lines.append(f"{moment.minute} {moment.hour} * * * {line}")
    return lines
