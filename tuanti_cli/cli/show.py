"""``tuanti show``: the masked roster view as a table, JSON, CSV or XLSX."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Literal

import typer

from tuanti_cli import audit, clock, rosters, view
from tuanti_cli.cli.output import open_output, to_json, write_csv
from tuanti_cli.errors import InputError
from tuanti_cli.i18n import t
from tuanti_cli.writing import check_target

ShowFormat = Literal["table", "json", "csv", "xlsx"]
CsvEncoding = Literal["auto", "utf-8", "utf-8-sig", "gb18030"]


def parse_as_of(value: str | None) -> dt.datetime:
    """``--as-of`` as an aware datetime (default: now)."""
    if value is None:
        return clock.now()
    from tuanti_cli.timeparse import AS_OF_YEARS, check_as_of, parse_datetime

    try:
        moment = parse_datetime(value)
    except (ValueError, OverflowError):
        raise InputError("show.bad_as_of", value=value) from None
    try:
        return check_as_of(moment)
    except ValueError:
        first, last = AS_OF_YEARS
        raise InputError("guards.as_of_range", value=value, first=first, last=last) from None


def _split(values: list[str], allowed: tuple[str, ...], option: str) -> list[str]:
    chosen = [v.strip().lower() for value in values for v in value.split(",") if v.strip()]
    for value in chosen:
        if value not in allowed:
            raise typer.BadParameter(
                t("opt.not_one_of", value=value, allowed=", ".join(allowed)), param_hint=option
            )
    return chosen


def show(
    ctx: typer.Context,
    roster_ref: str = typer.Argument(..., metavar="ROSTER", help=t("opt.roster_ref")),
    abnormal: bool = typer.Option(False, "--abnormal", help=t("opt.show.abnormal")),
    health_code: list[str] = typer.Option([], "--health-code", help=t("opt.show.health_code")),
    nat_days_over: int | None = typer.Option(
        None, "--nat-days-over", help=t("opt.show.nat_days_over")
    ),
    vaccination: list[str] = typer.Option([], "--vaccination", help=t("opt.show.vaccination")),
    output_format: ShowFormat = typer.Option("table", "--format", help=t("opt.show.format")),
    output: Path | None = typer.Option(None, "--output", help=t("opt.show.output")),
    encoding: CsvEncoding = typer.Option("auto", "--encoding", help=t("opt.show.encoding")),
    as_of: str | None = typer.Option(None, "--as-of", help=t("opt.show.as_of")),
) -> None:
    codes = _split(health_code, view.HEALTH_CODES, "--health-code")
    vaccines = _split(vaccination, view.VACCINATIONS, "--vaccination")
    moment = parse_as_of(as_of)
    if output_format == "xlsx" and output is None:
        raise InputError("show.xlsx_needs_output")
    protected = ctx.obj.protected()
    if output is not None:
        # Refused before the store is read, so no read is audited for an export never made.
        check_target(output, protected)
    with ctx.obj.open_store() as store:
        roster = rosters.get_roster(store, roster_ref)
        records = view.filter_records(
            view.member_records(store, roster, moment), abnormal, codes, nat_days_over, vaccines
        )
        audit.record_read(
            store, "show", roster.roster_id, members=len(records), format=output_format
        )
    if output_format == "xlsx":
        assert output is not None
        from tuanti_cli.cli.xlsx import write_xlsx

        write_xlsx(output, records, protected)
        return
    if output_format == "json":
        with open_output(output, protected) as stream:
            stream.write(to_json(records) + "\n")
        return
    if output_format == "csv":
        chosen = encoding if encoding != "auto" else ("utf-8-sig" if output else "utf-8")
        if output is None:
            sys.stdout.reconfigure(encoding=chosen)  # type: ignore[union-attr]
        with open_output(output, protected, encoding=chosen, newline="") as stream:
            write_csv(stream, records, view.RECORD_KEYS)
        return
    from tuanti_cli.cli import table

    colour = output is None and table.use_colour()
    lines = table.view_lines(records, roster.max_nat_days, colour, table.terminal_width())
    if output is not None:
        with open_output(output, protected) as stream:
            stream.write("\n".join(lines) + "\n")
        return
    table.emit(lines)


def register(app: typer.Typer) -> None:
    """Add ``show`` to the root app."""
    app.command("show", help=t("help.show"))(show)
