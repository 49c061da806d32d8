"""``tuanti refresh`` and ``tuanti schedule``."""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, Literal

import typer

from tuanti_cli import clock, rosters, signals, view
from tuanti_cli.cli.output import echo, info, minute, to_json
from tuanti_cli.cli.state import AppState
from tuanti_cli.errors import InputError, TuantiError
from tuanti_cli.i18n import field_label, t
from tuanti_cli.printable import shown

if TYPE_CHECKING:
    from tuanti_cli import compare
from tuanti_cli.schedule import DEFAULT_TIMES, DEFAULT_TZ

TextOrJson = Literal["text", "json"]


def summary_text(result: compare.RunResult) -> str:
    """The one-line summary of a run."""
    if result.skipped:
        return t("refresh.skipped")
    return t(
        "refresh.summary",
        rows=result.feed_rows,
        members=result.matched + result.not_found + result.name_mismatch + result.bad_rows,
        matched=result.matched,
        not_found=result.not_found,
        name_mismatch=result.name_mismatch,
        bad_rows=result.bad_rows,
        changed=result.changed,
    )


def notes(result: compare.RunResult) -> list[str]:
    """What the summary adds: fields the feed did not carry, IDs a spreadsheet damaged."""
    if result.skipped:
        return []
    lines = []
    if result.missing_fields:
        lines.append(t("refresh.missing_fields", fields=", ".join(result.missing_fields)))
    if result.damaged_ids:
        lines.append(t("refresh.damaged_ids", count=result.damaged_ids))
    return lines


def _overrides(values: list[str] | None) -> dict[str, str]:
    from tuanti_cli.columns import parse_overrides
    from tuanti_cli.feed import FEED_FIELDS

    return parse_overrides(values or [], FEED_FIELDS)


def _newly_abnormal_lines(result: compare.RunResult) -> list[str]:
    lines = []
    for m in result.newly_abnormal:
        flags = ", ".join(t(f"flag.{f}") for f in m["flags"])
        lines.append(
            t(
                "refresh.abnormal_line",
                roster_id=m["roster_id"],
                member_no=shown(str(m["member_no"])),
                name=shown(m["name"]),
                # "—" holds the place, so that every line lists the same things in order.
                department=f" {shown(m['department'] or '—')}",
                id_number=m["id_number"],
                phone=m["phone"],
                code=t(f"code.{m['health_code']}"),
                flags=f" ({flags})" if flags else "",
            )
        )
    return lines


def refresh_command(
    ctx: typer.Context,
    feed: Path = typer.Option(..., "--feed", help=t("opt.refresh.feed")),
    roster_ref: str | None = typer.Option(None, "--roster", help=t("opt.roster_filter")),
    as_of: str | None = typer.Option(None, "--as-of", help=t("opt.refresh.as_of")),
    output_format: TextOrJson = typer.Option("text", "--format", help=t("opt.format_text_json")),
    quiet: bool = typer.Option(False, "--quiet", help=t("opt.refresh.quiet")),
    column: list[str] | None = typer.Option(
        None, "--column", metavar="FIELD=HEADER", help=t("opt.refresh.column")
    ),
) -> None:
    from tuanti_cli.cli.show import parse_as_of
    from tuanti_cli.compare import refresh

    moment = parse_as_of(as_of)
    overrides = _overrides(column)
    held: list[object] = []  # Ctrl-C and SIGTERM, held from the commit until it is reported
    try:
        with _signals_stop_the_run(), ctx.obj.open_store() as store:
            roster = rosters.get_roster(store, roster_ref) if roster_ref else None
            compared = (
                view.last_compared(store.conn, roster.roster_id if roster else None)
                if as_of is not None
                else None
            )
            latest = dt.datetime.fromisoformat(compared) if compared else None
            result = refresh(
                store,
                feed,
                moment,
                roster,
                overrides=overrides,
                before_commit=lambda: held.append(signals.hold()),
            )
    except KeyboardInterrupt as stopped:
        # Before the commit (signals are held from there): the run's transaction rolled
        # back on the way out; the scanner's helper is gone.
        number = stopped.signum if isinstance(stopped, Stopped) else signal.SIGINT
        typer.echo(t("guards.interrupted", signal=signal.Signals(number).name), err=True)
        raise typer.Exit(128 + number) from None
    except BaseException:
        if held:
            signals.release(held[0])
        raise
    try:
        _report(result, moment, latest, output_format, quiet)
    finally:
        pending = signals.release(held[0]) if held else None
        if pending is not None:  # the run was saved and said: it ends as the signal asked
            name = signal.Signals(pending).name
            typer.echo(t("refresh.interrupted_saved", signal=name), err=True)
            raise typer.Exit(128 + pending)


def _report(
    result: Any, moment: dt.datetime, latest: dt.datetime | None, output_format: str, quiet: bool
) -> None:
    """What a run says: its summary (text or JSON), bad rows and newly abnormal members."""
    if latest is not None and not result.skipped and moment < latest:
        # Back-filling is allowed; replaying an old feed by mistake should not pass unseen.
        info(
            t(
                "refresh.older_as_of",
                moment=minute(clock.iso(moment)),
                latest=minute(clock.iso(latest)),
            )
        )
    if output_format == "json" and not quiet:
        echo(to_json(result.as_json()))
        return
    if not quiet:
        echo(summary_text(result))
        for note in notes(result):
            echo(note)
        for bad in result.bad:  # the first compare.LISTED; the rest are counted
            echo(
                t(
                    _bad_line_key(bad),
                    row=bad.row,
                    id_number=shown(bad.id_number),
                    field=shown(field_label(bad.field)),
                )
            )
        if result.bad_rows > len(result.bad):
            echo(t("refresh.more_bad", count=result.bad_rows - len(result.bad)))
    if result.newly_abnormal_count:
        # The result names the first few; the rest are counted (memory stays flat).
        echo(t("refresh.newly_abnormal", count=result.newly_abnormal_count))
        for line in _newly_abnormal_lines(result):
            echo(line)
        listed = len(result.newly_abnormal)
        if result.newly_abnormal_count > listed:
            echo(t("refresh.more_abnormal", count=result.newly_abnormal_count - listed))


def _bad_line_key(bad: Any) -> str:
    """The message of a bad row: what is wrong with the field, when that is known."""
    if bad.reason == "word":  # each field's own words are listed
        return f"refresh.bad_line_word_{bad.field}"
    return f"refresh.bad_line_{bad.reason}" if bad.reason else "refresh.bad_line"


class Stopped(KeyboardInterrupt):
    """SIGINT or SIGTERM arrived during a refresh: unwind it like Ctrl-C."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def _signals_stop_the_run() -> Iterator[None]:
    """SIGINT and SIGTERM raise :class:`Stopped`, so the transaction rolls back and the
    lock is let go; a second signal while that happens is ignored (the first one stops)."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signals reach only the main thread
        return
    stopping = (signal.SIGINT, signal.SIGTERM)

    def stop(signum: int, frame: FrameType | None) -> None:
        for number in stopping:
            signal.signal(number, signal.SIG_IGN)
        raise Stopped(signum)

    previous = {number: signal.signal(number, stop) for number in stopping}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def schedule_command(
    ctx: typer.Context,
    feed: Path = typer.Option(..., "--feed", help=t("opt.schedule.feed")),
    at: str = typer.Option(DEFAULT_TIMES, "--at", help=t("opt.schedule.at")),
    tz: str = typer.Option(DEFAULT_TZ, "--tz", help=t("opt.schedule.tz")),
    print_cron: bool = typer.Option(False, "--print-cron", help=t("opt.schedule.print_cron")),
    column: list[str] | None = typer.Option(
        None, "--column", metavar="FIELD=HEADER", help=t("opt.refresh.column")
    ),
) -> None:
    from tuanti_cli import schedule
    from tuanti_cli.compare import refresh
    from tuanti_cli.keyslots import open_store

    times = schedule.parse_times(at)
    zone = schedule.parse_zone(tz)
    overrides = _overrides(column)
    state: AppState = ctx.obj
    if print_cron:
        with_seconds = [f"{h:02d}:{m:02d}:{s:02d}" for h, m, s in times if s]
        if with_seconds:  # cron starts jobs on the minute: 06:00:30 would run at 06:00
            raise InputError("schedule.cron_seconds", value=with_seconds[0])
        for line in schedule.cron_lines(
            times, zone, _cron_command(state, feed, column or []), clock.local_date(clock.now())
        ):
            echo(line)
        if state.key_file is None:
            info(t("schedule.cron_no_key"))
        return
    path = state.db_path()
    key = state.key()
    open_store(path, key).close()  # fail now, not at 06:00, if the store or key is wrong

    def job() -> str:
        try:
            with open_store(path, key) as store:
                result = refresh(store, feed, clock.now(), overrides=overrides)
                return " ".join([summary_text(result), *notes(result)])
        except TuantiError as exc:
            return str(exc)

    info(
        t(
            "schedule.started",
            times=", ".join(f"{h:02d}:{m:02d}:{s:02d}" for h, m, s in times),
            tz=zone.key,
        )
    )
    schedule.run_schedule(job, times, zone, info)
    info(t("schedule.stopped"))


def _cron_command(state: AppState, feed: Path, columns: list[str]) -> list[str]:
    from tuanti_cli.i18n import language

    executable = shutil.which("tuanti") or sys.argv[0]
    # The language in use now: cron's environment has no locale, and its mail is read here.
    command = [str(Path(executable).resolve()), "--lang", language()]
    command += ["--db", str(state.db_path().resolve())]
    if state.key_file is not None:
        command += ["--key-file", str(state.key_file.expanduser().resolve())]
    command += ["refresh", "--feed", str(feed.expanduser().resolve()), "--quiet"]
    return command + [part for value in columns for part in ("--column", value)]


def register(app: typer.Typer) -> None:
    """Add ``refresh`` and ``schedule`` to the root app."""
    app.command("refresh", help=t("help.refresh"))(refresh_command)
    app.command("schedule", help=t("help.schedule"))(schedule_command)
