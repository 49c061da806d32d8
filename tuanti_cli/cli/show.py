"""``tuanti show``: the masked roster view as a table, JSON, CSV or XLSX."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal

import typer

from tuanti_cli import audit, clock, rosters, view
from tuanti_cli.cli.output import (
    FORMULA_FIRST,
    OUTPUT_FILE,
    Tally,
    csv_encoding,
    csv_line,
    csv_text,
    open_csv_output,
    open_output,
    write_json_texts,
)
from tuanti_cli.errors import InputError
from tuanti_cli.i18n import t
from tuanti_cli.writing import Protected, check_target, part_beside

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


def _split(values: list[str], allowed: tuple[str, ...], option: str, label: str = "") -> list[str]:
    """The values of a repeatable, comma-separated filter, each one of ``allowed`` — or, in
    either language, the word the table shows for one (``label`` names its messages:
    ``code`` gives ``红码``, ``未知``; a feed's words count too: ``绿色``, ``未见异常``)."""
    pieces = re.split(r"[,，]", ",".join(values))
    chosen = [v.strip().lower() for v in pieces if v.strip()]
    words: dict[str, str] = {}
    picked = []
    for value in chosen:
        if value not in allowed and label:  # the words are gathered only when needed
            words = words or _words_for(allowed, label)
            value = words.get(value, value)
        if value not in allowed:
            raise typer.BadParameter(
                t("opt.not_one_of", value=value, allowed=", ".join(allowed)), param_hint=option
            )
        picked.append(value)
    return picked


def _words_for(allowed: tuple[str, ...], label: str) -> dict[str, str]:
    """The words, in both languages and as feeds write them, that name each of ``allowed``."""
    from tuanti_cli.health import HEALTH_CODE_WORDS, VACCINATION_WORDS
    from tuanti_cli.messages import CATALOGUE

    fed = {"code": HEALTH_CODE_WORDS, "vaccine": VACCINATION_WORDS}.get(label, {})
    words = {word.lower(): value for word, value in fed.items() if value in allowed}
    for messages in CATALOGUE.values():
        for value in allowed:
            words[messages.get(f"{label}.{value}", value).lower()] = value
    return words


def _departments(values: list[str]) -> tuple[str | None, ...]:
    """``--department`` values, split at commas (ASCII or full-width); an empty value
    (``--department ""``) stands for the members without a department."""
    chosen: list[str | None] = []
    for value in values:
        for part in value.replace("，", ",").split(","):
            name = part.strip()
            item = name or None
            if item not in chosen:
                chosen.append(item)
    return tuple(chosen)


def show(
    ctx: typer.Context,
    roster_ref: str = typer.Argument(..., metavar="ROSTER", help=t("opt.roster_ref")),
    abnormal: bool = typer.Option(False, "--abnormal", help=t("opt.show.abnormal")),
    health_code: list[str] = typer.Option([], "--health-code", help=t("opt.show.health_code")),
    nat_days_over: int | None = typer.Option(
        None, "--nat-days-over", help=t("opt.show.nat_days_over")
    ),
    vaccination: list[str] = typer.Option([], "--vaccination", help=t("opt.show.vaccination")),
    department: list[str] = typer.Option([], "--department", help=t("opt.show.department")),
    output_format: ShowFormat = typer.Option("table", "--format", help=t("opt.show.format")),
    output: Path | None = typer.Option(
        None, "--output", parser=OUTPUT_FILE, help=t("opt.show.output")
    ),
    encoding: CsvEncoding = typer.Option("auto", "--encoding", help=t("opt.show.encoding")),
    as_of: str | None = typer.Option(None, "--as-of", help=t("opt.show.as_of")),
) -> None:
    filters = view.Filters(
        abnormal=abnormal,
        health_codes=tuple(_split(health_code, view.HEALTH_CODES, "--health-code", "code")),
        nat_days_over=nat_days_over,
        vaccinations=tuple(_split(vaccination, view.VACCINATIONS, "--vaccination", "vaccine")),
        departments=_departments(department),
    )
    moment = parse_as_of(as_of)
    if output_format == "xlsx" and output is None:
        raise InputError("show.xlsx_needs_output")
    protected = ctx.obj.protected()
    if output is not None:
        # Refused before the store is read, so no read is audited for an export never made.
        check_target(output, protected)
    with ctx.obj.open_store() as store:
        roster = rosters.get_roster(store, roster_ref)
        # The records stream from the store as they are written, so it stays open until
        # the last one is out; and every pass over them (the counts, the table's widths,
        # the abnormal, the rest) reads one state of it, whatever a refresh commits
        # meanwhile (store.snapshot): nobody is listed twice or left out.
        if output_format == "table":
            counts: dict[str, Any] = {}
            try:
                with store.snapshot():
                    counts.update(view.view_summary(store, roster, moment, filters))
                    _table(
                        output,
                        protected,
                        counts,
                        roster.max_nat_days,
                        lambda ordered: view.member_records(
                            store, roster, moment, filters, ordered
                        ),
                    )
            finally:
                if counts:
                    audit.record_read(
                        store, "show", roster.roster_id, members=counts["members"], format="table"
                    )
            return
        # An export is audited with the number of records it read, once they are read (a
        # count first would be one more pass over a million members).
        tally = Tally()
        try:
            with store.snapshot():
                if output_format == "csv" and output is not None:
                    # One pass in member-number order; the file is put in order as written.
                    batches = view.text_row_batches(store, roster, moment, filters, ordered=False)
                    _csv_file(output, protected, encoding, tally.count_each(batches))
                elif output_format == "csv":
                    batches = view.text_row_batches(store, roster, moment, filters)
                    _csv(output, protected, encoding, tally.count_each(batches))
                elif output_format == "json":
                    texts = view.json_row_batches(store, roster, moment, filters)
                    with open_output(output, protected) as stream:
                        write_json_texts(stream, tally.count_each(texts))
                else:
                    records = tally.count(view.member_records(store, roster, moment, filters))
                    _xlsx(output, protected, records)
        finally:
            audit.record_read(
                store, "show", roster.roster_id, members=tally.seen, format=output_format
            )


def _csv(
    output: Path | None,
    protected: Protected,
    encoding: CsvEncoding,
    batches: Iterator[list[tuple[str, ...]]],
) -> None:
    with open_csv_output(output, protected, encoding) as stream:
        stream.write(csv_line(view.RECORD_KEYS))
        for rows in batches:
            stream.write("".join([_csv_line(row) for row in rows]))


_ABNORMAL_AT = view.RECORD_KEYS.index("abnormal")


def _csv_file(
    output: Path,
    protected: Protected,
    encoding: CsvEncoding,
    batches: Iterator[list[tuple[str, ...]]],
) -> None:
    """The CSV export to a file, abnormal members first as ever, from one pass over the
    roster in member-number order: the abnormal go straight into the file, the others into
    a nameless part beside it (:func:`tuanti_cli.writing.part_beside`) that is appended when
    the pass ends. Two passes would decrypt the whole roster twice; a sort would hold it."""
    chosen = csv_encoding(encoding, to_file=True)
    rest_encoding = "utf-8" if chosen == "utf-8-sig" else chosen  # the BOM goes first only
    with (
        open_output(output, protected, encoding=chosen, newline="") as stream,
        part_beside(output, encoding=rest_encoding, newline="") as rest,
    ):
        stream.write(csv_line(view.RECORD_KEYS))
        for rows in batches:
            abnormal: list[str] = []
            normal: list[str] = []
            for row in rows:
                (abnormal if row[_ABNORMAL_AT] == "true" else normal).append(_csv_line(row))
            stream.write("".join(abnormal))
            rest.write("".join(normal))
        rest.seek(0)
        shutil.copyfileobj(rest, stream, 1 << 20)


_NAME_AT = view.RECORD_KEYS.index("name")
_DEPARTMENT_AT = view.RECORD_KEYS.index("department")
_COMMAS = len(view.RECORD_KEYS) - 1


def _csv_line(cells: tuple[str, ...]) -> str:
    """A record's text cells (:func:`tuanti_cli.view.text_row_batches`) as the CSV line
    :func:`csv_line` gives once the name and department, the public's text, are defused
    (:func:`csv_text`); the rest is tuanti's own (codes, masked numbers, ISO times). Most
    rows need neither quotes nor defusing: their line is the cells joined by commas, a fifth
    of the writer's cost (a test holds the two to the same text)."""
    line = ",".join(cells)
    if (
        line.count(",") == _COMMAS
        and '"' not in line
        and line.isprintable()
        and cells[_NAME_AT][:1] not in FORMULA_FIRST
        and cells[_DEPARTMENT_AT][:1] not in FORMULA_FIRST
    ):
        return line + "\n"
    defused = list(cells)
    defused[_NAME_AT] = csv_text(cells[_NAME_AT])
    defused[_DEPARTMENT_AT] = csv_text(cells[_DEPARTMENT_AT])
    return csv_line(defused)


def _xlsx(output: Path | None, protected: Protected, records: Iterator[dict[str, Any]]) -> None:
    from tuanti_cli.cli.xlsx import write_xlsx

    assert output is not None  # refused before the store was opened
    write_xlsx(output, records, protected)


def _table(
    output: Path | None,
    protected: Protected,
    counts: dict[str, Any],
    max_nat_days: int,
    again: Callable[[bool], Iterator[dict[str, Any]]],
) -> None:
    from tuanti_cli.cli import table

    colour = output is None and table.use_colour()
    width = None if output is not None else table.terminal_width()  # a file keeps every column
    produce = table.streamed_view(
        lambda: again(True), again(False), counts, max_nat_days, colour, width
    )
    if output is not None:
        with open_output(output, protected) as stream:
            for line in produce():
                stream.write(line + "\n")
        return
    table.emit(produce, counts["members"] + 3)


def register(app: typer.Typer) -> None:
    """Add ``show`` to the root app."""
    app.command("show", help=t("help.show"))(show)
