"""``tuanti summary``: compliance per roster (the industry view) or per department."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import typer

from tuanti_cli import audit, rosters
from tuanti_cli import summary as core
from tuanti_cli.cli.output import (
    OUTPUT_FILE,
    minute,
    open_csv_output,
    open_output,
    percent,
    print_table,
    to_json,
    write_csv,
)
from tuanti_cli.cli.show import parse_as_of
from tuanti_cli.errors import InputError
from tuanti_cli.i18n import t
from tuanti_cli.writing import check_target

SummaryFormat = Literal["table", "json", "csv", "xlsx"]
By = Literal["department"]


def summary(
    ctx: typer.Context,
    roster_ref: str | None = typer.Argument(None, metavar="[ROSTER]", help=t("opt.summary.roster")),
    by: By | None = typer.Option(None, "--by", help=t("opt.summary.by")),
    as_of: str | None = typer.Option(None, "--as-of", help=t("opt.summary.as_of")),
    output_format: SummaryFormat = typer.Option("table", "--format", help=t("opt.summary.format")),
    output: Path | None = typer.Option(
        None, "--output", parser=OUTPUT_FILE, help=t("opt.summary.output")
    ),
) -> None:
    if by == "department" and roster_ref is None:
        raise typer.BadParameter(t("summary.by_needs_roster"), param_hint="--by")
    moment = parse_as_of(as_of)
    if output_format == "xlsx" and output is None:
        raise InputError("show.xlsx_needs_output")
    protected = ctx.obj.protected()
    if output is not None:
        check_target(output, protected)  # before the store is read, as for `show`
    columns: tuple[str, ...]
    with ctx.obj.open_store() as store:
        if roster_ref is None:
            roster_id = None
            rows = core.by_roster(store, rosters.all_rosters(store), moment)
            columns = core.ROSTER_KEYS
        else:
            roster = rosters.get_roster(store, roster_ref)
            roster_id = roster.roster_id
            if by == "department":
                rows = core.by_department(store, roster, moment)
                columns = core.DEPARTMENT_KEYS
            else:
                rows = core.by_roster(store, [roster], moment)
                columns = core.ROSTER_KEYS
        detail: dict[str, Any] = {
            "members": sum(r["members"] for r in rows),
            "rows": len(rows),
            "format": output_format,
        }
        if by is not None:
            detail["by"] = by
        audit.record_read(store, "summary", roster_id, **detail)
    if output_format == "xlsx":
        assert output is not None
        from tuanti_cli.cli.xlsx import write_xlsx

        write_xlsx(output, rows, protected, columns=columns, sheet_name="summary")
        return
    if output_format == "json":
        with open_output(output, protected) as stream:
            stream.write(to_json([{c: r[c] for c in columns} for r in rows]) + "\n")
        return
    if output_format == "csv":
        with open_csv_output(output, protected) as stream:  # as `show` writes CSV
            write_csv(stream, rows, columns)
        return
    if not rows and output is None:
        typer.echo(t("summary.none"), err=True)
        return
    headers, cells = table_cells(rows, columns)
    if output is None:
        print_table(None, headers, cells)
        return
    with open_output(output, protected) as stream:  # the table printed, as `show` writes it
        print_table(None, headers, cells, file=stream)


def table_cells(
    rows: list[dict[str, Any]], columns: tuple[str, ...]
) -> tuple[list[str], list[list[str]]]:
    """The headers and cells of the summary table (compliance as a percentage)."""
    return [t(f"scol.{c}") for c in columns], [[_cell(c, r[c]) for c in columns] for r in rows]


def _cell(column: str, value: Any) -> str:
    """Human text of one table cell: compliance as a percentage, no department named."""
    if column == "compliance":
        return percent(value)
    if column == "department" and value is None:
        return t("summary.no_department")
    if column == "last_refresh":
        return minute(value)
    return str(value)


def register(app: typer.Typer) -> None:
    """Add ``summary`` to the root app."""
    app.command("summary", help=t("help.summary"))(summary)
