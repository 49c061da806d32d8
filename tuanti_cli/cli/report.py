"""``tuanti report``: the N-day report as a terminal chart, JSON or an HTML page.

The counts come from :mod:`tuanti_cli.report`; today's abnormal members are the view's own
records (``show --abnormal``), streamed. Rich draws the chart: each bar is a row of block
characters, one run per health code, and every code has its own character, so the chart
reads without colour too (the legend names them).
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal

import typer

from tuanti_cli import audit, rosters, view
from tuanti_cli import report as core
from tuanti_cli.cli.output import OUTPUT_FILE, Tally, minute, open_output, percent, write_json_texts
from tuanti_cli.cli.show import parse_as_of
from tuanti_cli.i18n import t
from tuanti_cli.printable import shown
from tuanti_cli.writing import check_target

if TYPE_CHECKING:
    from rich.text import Text

ReportFormat = Literal["text", "json", "html"]
By = Literal["department"]

CODE_MARKS = {"green": "█", "yellow": "▓", "red": "▒", "popup": "░", "unknown": "·"}
CODE_STYLES = {
    "green": "green",
    "yellow": "yellow",
    "red": "red",
    "popup": "magenta",
    "unknown": "bright_black",
}
NAT_MARKS = ("█", "░")
SPARKS = "▁▂▃▄▅▆▇█"
MIN_WIDTH, MAX_WIDTH = 80, 120
"""The chart is drawn for the terminal's width within these bounds (a file gets 80)."""


def chart_width(limit: int | None) -> int:
    """The chart's width for a table width ``limit`` (:func:`tuanti_cli.cli.table.terminal_width`;
    ``None``, no limit, gets :data:`MIN_WIDTH`, as a file does)."""
    return MIN_WIDTH if limit is None else max(MIN_WIDTH, min(MAX_WIDTH, limit))


def report(
    ctx: typer.Context,
    roster_ref: str = typer.Argument(..., metavar="ROSTER", help=t("opt.roster_ref")),
    days: int = typer.Option(core.DEFAULT_DAYS, "--days", help=t("opt.report.days")),
    by: By | None = typer.Option(None, "--by", help=t("opt.report.by")),
    as_of: str | None = typer.Option(None, "--as-of", help=t("opt.report.as_of")),
    output_format: ReportFormat = typer.Option("text", "--format", help=t("opt.report.format")),
    output: Path | None = typer.Option(
        None, "--output", parser=OUTPUT_FILE, help=t("opt.report.output")
    ),
) -> None:
    if not core.MIN_DAYS <= days <= core.MAX_DAYS:
        raise typer.BadParameter(t("report.days_range", value=days), param_hint="--days")
    moment = parse_as_of(as_of)
    protected = ctx.obj.protected()
    if output is not None:
        check_target(output, protected)  # before the store is read, as for `show`
    with ctx.obj.open_store() as store:
        roster = rosters.get_roster(store, roster_ref)
        built = core.build(store, roster, moment, days, by_department=by == "department")
        abnormal = view.Filters(abnormal=True)

        def records() -> Iterator[dict[str, Any]]:
            return view.member_records(store, roster, moment, abnormal)

        tally = Tally()
        try:
            # The count, the measuring pass and the list read one state of the store.
            with store.snapshot(), open_output(output, protected) as stream:
                if output_format == "json":
                    texts = view.json_row_batches(store, roster, moment, abnormal)
                    _json(stream, built, tally.count_each(texts))
                elif output_format == "html":
                    from tuanti_cli.cli.report_html import write_page

                    # The page names how many before it lists them: counted in SQL first.
                    count = view.counts(store, roster, moment, abnormal)["members"]
                    write_page(stream, built, tally.count(records()), count, moment)
                else:
                    _text(stream, output is None, built, records, tally, moment)
        finally:
            audit.record_read(
                store,
                "report",
                roster.roster_id,
                days=days,
                members=built.days[-1]["members"] or 0,
                abnormal=tally.seen,
                format=output_format,
            )


def _json(stream: IO[str], built: core.Report, records: Iterator[list[str]]) -> None:
    """The report's JSON object, ``abnormal_now`` written as its records come (as JSON
    text, :func:`tuanti_cli.view.json_row_batches`)."""
    head = json.dumps(built.as_json(), ensure_ascii=False, indent=2)
    stream.write(head[: head.rindex("}")].rstrip() + ',\n  "abnormal_now": ')
    write_json_texts(stream, records)
    stream.write("}\n")


def _text(
    stream: IO[str],
    terminal: bool,
    built: core.Report,
    records: Callable[[], Iterator[dict[str, Any]]],
    tally: Tally,
    moment: Any,
) -> None:
    from tuanti_cli.cli import table

    colour = terminal and table.use_colour()
    limit = table.terminal_width() if terminal else None  # a file keeps every column
    width = chart_width(limit)
    chart = chart_lines(built, moment, width, colour)
    # The abnormal list is the view's table: measured on a first pass, then streamed
    # again as it is printed, as `show` does.
    widths = table.measure(tally.count(records()))
    count = tally.seen

    def produce() -> Iterator[str]:
        yield from chart
        yield ""
        if count == 0:
            yield t("report.abnormal_none")
            return
        yield t("report.abnormal_title", count=count)
        yield from table.lines_of(records(), widths, None if limit is None else width, colour)

    if not terminal:
        for line in produce():
            stream.write(line + "\n")
        return
    table.emit(produce, len(chart) + count + 4)


def chart_lines(built: core.Report, moment: Any, width: int, colour: bool) -> list[str]:
    """The chart, the NAT share, the numbers and (with departments) their sparklines, as
    lines of at most ``width`` columns (ANSI colour when ``colour``)."""
    from rich.console import Console

    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        color_system="standard" if colour else None,
        force_terminal=colour,
        highlight=False,
        emoji=False,
        markup=False,
        no_color=not colour,
    )
    for renderable in _renderables(built, moment, width):
        console.print(renderable)
    return [line.rstrip() for line in buffer.getvalue().rstrip("\n").split("\n")]


def _renderables(built: core.Report, moment: Any, width: int) -> Iterator[Any]:
    from rich.text import Text

    from tuanti_cli import clock

    days = built.days
    first, last = days[0]["date"], days[-1]["date"]
    yield Text(
        t("report.title", name=shown(built.name), days=len(days), first=first, last=last),
        style="bold",
    )
    yield Text(
        t(
            "report.period",
            first=first,
            last=last,
            moment=minute(clock.iso(moment)),
            policy=built.max_nat_days,
        )
    )
    yield Text("")
    yield Text(t("report.codes_title"), style="bold")
    legend = Text("  ")
    for code, mark in CODE_MARKS.items():
        legend.append(mark * 2, style=CODE_STYLES[code])
        legend.append(f" {t(f'code.{code}')}  ")
    yield legend
    most = max((d["members"] or 0 for d in days), default=0)
    digits = max(len(str(most)), 1)
    bar_width = width - 6 - 1 - digits - 1
    for day in days:
        yield _code_bar(day, most, bar_width, digits)
    yield Text("")
    yield Text(t("report.nat_title", policy=built.max_nat_days), style="bold")
    yield Text("  " + t("report.nat_legend"))
    for day in days:
        yield _nat_bar(day, width - 6 - 7)
    yield Text("")
    yield Text(t("report.numbers_title"), style="bold")
    yield _numbers(days)
    if built.departments is not None:
        yield Text("")
        yield Text(t("report.departments_title"), style="bold")
        yield from _sparklines(built.departments, width)


def _label(day: dict[str, Any]) -> str:
    return str(day["date"])[5:] + " "


def _code_bar(day: dict[str, Any], most: int, width: int, digits: int) -> Text:
    """One day's stacked bar, scaled to the largest day (``most`` members = ``width``)."""
    from rich.text import Text

    line = Text(_label(day), no_wrap=True, overflow="crop")
    if day["members"] is None:
        line.append(t("report.not_compared"), style="italic")
        return line
    counts = {code: day[code] for code in CODE_MARKS}
    cells = _segments(counts, round(width * day["members"] / most) if most else 0)
    for code, n in cells.items():
        line.append(CODE_MARKS[code] * n, style=CODE_STYLES[code])
    line.append(" " * (width - sum(cells.values()) + 1))
    line.append(str(day["members"]).rjust(digits))
    return line


def _segments(counts: dict[str, int], cells: int) -> dict[str, int]:
    """``cells`` shared out in proportion to ``counts`` (largest remainders); a code with
    any members gets at least one cell, taken from the largest, so a single red member
    shows in a bar of thousands."""
    total = sum(counts.values())
    if total == 0 or cells == 0:
        return dict.fromkeys(counts, 0)
    exact = {code: n * cells / total for code, n in counts.items()}
    shares = {code: int(value) for code, value in exact.items()}
    left = cells - sum(shares.values())
    for code in sorted(exact, key=lambda c: shares[c] - exact[c])[:left]:
        shares[code] += 1
    for code, n in counts.items():
        if n and not shares[code]:
            largest = max(shares, key=lambda c: shares[c])
            if shares[largest] > 1:
                shares[largest] -= 1
                shares[code] = 1
    return shares


def _nat_bar(day: dict[str, Any], width: int) -> Text:
    from rich.text import Text

    line = Text(_label(day), no_wrap=True, overflow="crop")
    if day["members"] is None:
        line.append(t("report.not_compared"), style="italic")
        return line
    share = day["nat_within_policy"] / day["members"] if day["members"] else 0.0
    filled = round(width * share)
    line.append(NAT_MARKS[0] * filled, style="cyan")
    line.append(NAT_MARKS[1] * (width - filled), style="bright_black")
    line.append(f" {share * 100:5.1f}%" if day["members"] else "     —")
    return line


def _numbers(days: list[dict[str, Any]]) -> Any:
    from rich import box
    from rich.table import Table

    numbers = Table(
        box=box.SIMPLE_HEAD, padding=(0, 1), collapse_padding=True, pad_edge=False, show_edge=False
    )
    numbers.add_column(t("report.date"), no_wrap=True)
    for key in core.COUNT_KEYS:
        numbers.add_column(t(f"report.col.{key}"), justify="right")
    numbers.add_column(t("report.col.compliance"), justify="right", no_wrap=True)
    for day in days:
        counts = ["—" if day[k] is None else str(day[k]) for k in core.COUNT_KEYS]
        numbers.add_row(str(day["date"])[5:], *counts, percent(day["compliance"]))
    return numbers


def _sparklines(departments: dict[str, list[dict[str, Any]]], width: int) -> Iterator[Text]:
    """One line per department: its compliance per day as a sparkline, then the last day's."""
    from rich.cells import cell_len, set_cell_size
    from rich.text import Text

    names = {
        name: shown(name) if name != core.NO_DEPARTMENT else t("summary.no_department")
        for name in departments
    }
    room = width - len(next(iter(departments.values()), [])) - 8 - 2
    name_width = min(max((cell_len(n) for n in names.values()), default=0), max(room, 8))
    for name, days in departments.items():
        label = _shortened(names[name], name_width)
        line = Text(set_cell_size(label, name_width) + "  ", no_wrap=True, overflow="crop")
        for day in days:
            value = day["compliance"]
            line.append(
                " " if value is None else SPARKS[min(int(value * len(SPARKS)), len(SPARKS) - 1)]
            )
        line.append("  " + percent(days[-1]["compliance"]).rjust(6))
        yield line


def _shortened(label: str, width: int) -> str:
    """``label`` in ``width`` cells: whole if it fits, else its beginning and its end around
    ``…`` — departments often differ only at the end (第一组, 第二组)."""
    from rich.cells import cell_len, set_cell_size

    if cell_len(label) <= width:
        return label
    tail_width = (width - 1) // 3
    tail = ""
    for char in reversed(label):
        if cell_len(char + tail) > tail_width:
            break
        tail = char + tail
    head = set_cell_size(label, width - 1 - cell_len(tail)).rstrip()
    return f"{head}…{tail}"


def register(app: typer.Typer) -> None:
    """Add ``report`` to the root app."""
    app.command("report", help=t("help.report"))(report)
