"""The one place that turns plain records into JSON, CSV or a Rich table."""

from __future__ import annotations

import csv
import json
import operator
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, TypeVar

import typer

from tuanti_cli.i18n import t
from tuanti_cli.printable import shown
from tuanti_cli.writing import Protected, write_atomically


def file_to_write(refusal: str) -> Callable[[str], Path]:
    """The parser of an option that names a file to write (``parser=`` of ``typer.Option``):
    ``-`` is a usage error saying ``refusal``, since it means standard input elsewhere
    (``enroll import``, ``member withdraw --from``) and a file named ``-`` is rarely what was
    meant; ``./-`` still names such a file (a parser sees what was typed, a ``Path`` would
    have made it ``-``)."""

    def path(value: str) -> Path:
        if value == "-":
            raise typer.BadParameter(t(refusal))
        return Path(value)

    return path


OUTPUT_FILE = file_to_write("output.dash_stdout")
"""``--output`` of a command that prints to standard output without it."""
FILE_ONLY = file_to_write("output.dash_file")
"""An option whose file is its only way out (``--rejects``, ``--png``, a new key file)."""


def to_json(data: Any) -> str:
    """Pretty JSON with readable Chinese."""
    return json.dumps(data, ensure_ascii=False, indent=2)


def write_json_array(stream: IO[str], records: Iterable[dict[str, Any]]) -> None:
    """A JSON array written as the records come: one record a line, so a million of them
    never stand in memory at once (and Python's fast encoder does the work)."""
    write_json_texts(stream, ([json.dumps(record, ensure_ascii=False)] for record in records))


def write_json_texts(stream: IO[str], batches: Iterable[list[str]]) -> None:
    """:func:`write_json_array` of records already written as JSON text, a batch at a time."""
    opened = False
    for texts in batches:
        if texts:
            stream.write((",\n" if opened else "[\n") + ",\n".join(texts))
            opened = True
    stream.write("\n]\n" if opened else "[]\n")


def write_csv(stream: IO[str], records: Iterable[dict[str, Any]], columns: Sequence[str]) -> None:
    """CSV with a header row, one row per record as it comes; lists are joined with ``;``,
    ``None`` is empty, and text a spreadsheet would run as a formula is defused."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(columns)
    pick = operator.itemgetter(*columns)
    if len(columns) == 1:
        writer.writerows([csv_cell(record[columns[0]])] for record in records)
        return
    writer.writerows(_csv_row(pick(record)) for record in records)


class _Lines:
    """What a :mod:`csv` writer writes, kept as a list of lines."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def write(self, line: str) -> None:
        self.lines.append(line)


_written = _Lines()
_line_writer = csv.writer(_written, lineterminator="\n")


def csv_line(cells: Sequence[Any]) -> str:
    """The line ``csv.writer(stream, lineterminator="\\n")`` writes for ``cells``."""
    _line_writer.writerow(cells)
    return _written.lines.pop()


# OWASP "CSV injection": a spreadsheet runs a cell starting with one of these as a formula
# (=HYPERLINK(…) leaks data, =cmd|… runs programs on old Excel); a leading ' makes it text.
# Also after leading spaces (a spreadsheet that trims cells on import then sees the formula),
# and in the full-width forms a Chinese keyboard types (＝＋－＠), which some fold.
_FORMULA_SIGNS = frozenset("=+-@＝＋－＠")
_FORMULA_CONTROLS = ("\t", "\r")
FORMULA_FIRST = _FORMULA_SIGNS | {*_FORMULA_CONTROLS, " "}
"""First characters that call for a closer look (other spaces are not printable: they do)."""


def _csv_row(values: Sequence[Any]) -> list[Any]:
    """:func:`csv_cell` for a whole row, with the common cases inline (a million rows of a
    roster pass through here)."""
    row: list[Any] = []
    for value in values:
        if value.__class__ is str:
            row.append(csv_text(value))
        elif value is None:
            row.append("")
        else:
            row.append(csv_cell(value))
    return row


def csv_text(text: str) -> str:
    """:func:`csv_cell` of text, the common case (printable, no formula start) first."""
    return text if text.isprintable() and text[:1] not in FORMULA_FIRST else csv_cell(text)


def csv_cell(value: Any) -> Any:
    """One CSV cell: numbers tuanti computed as they are; text with control and bidi
    characters escaped (a bare CR inside a cell is not quoted by :mod:`csv` and would start a
    new row, which a spreadsheet could then run) and defused with a leading ``'``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    text = ";".join(str(v) for v in value) if isinstance(value, list) else str(value)
    return "'" + shown(text) if runs_as_formula(text) else shown(text)


def runs_as_formula(text: str) -> bool:
    """Whether a spreadsheet could run ``text`` as a formula (then it gets a leading ``'``)."""
    return text.startswith(_FORMULA_CONTROLS) or text.lstrip()[:1] in _FORMULA_SIGNS


def echo(text: str) -> None:
    """Print to standard output."""
    typer.echo(text)


def info(text: str) -> None:
    """Print a human note to standard error (keeps stdout clean for data)."""
    typer.echo(text, err=True)


@contextmanager
def open_output(
    path: Path | None,
    protected: Protected,
    option: str = "--output",
    encoding: str = "utf-8",
    newline: str | None = None,
) -> Iterator[IO[str]]:
    """The chosen output: standard output, or ``path`` written through
    :func:`tuanti_cli.writing.write_atomically` (never onto a ``protected`` file)."""
    if path is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    with write_atomically(
        path, protected, option=option, encoding=encoding, newline=newline
    ) as stream:
        yield stream


def csv_encoding(encoding: str, to_file: bool) -> str:
    """The encoding a CSV is written in: the one named, else UTF-8 with a BOM in a file (Excel
    in China opens it right) and plain UTF-8 on standard output (for scripts)."""
    if encoding != "auto":
        return encoding
    return "utf-8-sig" if to_file else "utf-8"


@contextmanager
def open_csv_output(
    path: Path | None, protected: Protected, encoding: str = "auto"
) -> Iterator[IO[str]]:
    """:func:`open_output` for CSV, in :func:`csv_encoding` (standard output too)."""
    chosen = csv_encoding(encoding, path is not None)
    if path is None:
        sys.stdout.reconfigure(encoding=chosen)  # type: ignore[union-attr]
    with open_output(path, protected, encoding=chosen, newline="") as stream:
        yield stream


def percent(share: float | None) -> str:
    """A share as a percentage with one decimal (``93.3%``); ``—`` when there is none."""
    return "—" if share is None else f"{share * 100:.1f}%"


def minute(stamp: str | None) -> str:
    """An ISO 8601 time to the minute (``2022-12-05 09:00``); ``—`` when there is none."""
    return str(stamp)[:16].replace("T", " ") if stamp else "—"


UNBOUNDED = 1 << 16
"""A width no table reaches."""


def print_table(
    title: str | None,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    file: IO[str] | None = None,
) -> None:
    """A simple Rich table for short listings (rosters, summaries, changes, audit); drawn
    without column rules when the boxed one would not fit the terminal. Piped or redirected
    (no terminal, no ``COLUMNS``), or written to ``file``, it is as wide as its cells, never
    folded, and without colour."""
    from rich import box
    from rich.cells import cell_len
    from rich.console import Console
    from rich.measure import Measurement
    from rich.table import Table
    from rich.text import Text

    from tuanti_cli.cli.table import terminal_width

    # Text, not str: a roster name such as "[link=http://…]" is shown, never markup.
    cells = [[Text("" if v is None else shown(str(v))) for v in row] for row in rows]
    if file is not None:
        console = Console(file=file, width=UNBOUNDED, color_system=None)
    elif terminal_width() is not None:
        console = Console()
    else:
        console = Console(width=UNBOUNDED)
    # A header wraps between its words, not inside one, when the widest words all fit.
    words = [max((cell_len(word) for word in header.split()), default=1) for header in headers]
    if sum(words) + len(words) > console.width:
        words = [1] * len(words)

    def drawn(compact: bool) -> Table:
        table = Table(
            title=title,
            show_lines=False,
            box=box.SIMPLE_HEAD if compact else box.HEAVY_HEAD,
            padding=(0, 0) if compact else (0, 1),
            show_edge=not compact,
            pad_edge=not compact,
        )
        for header, widest in zip(headers, words, strict=True):
            # Fold, never cut with "…": names and departments are shown in full (§6),
            # however narrow the terminal.
            table.add_column(header, overflow="fold", min_width=widest)
        for row in cells:
            table.add_row(*row)
        return table

    table = drawn(compact=False)
    unbounded = console.options.update_width(UNBOUNDED)  # measure() stops at the width
    if Measurement.get(console, unbounded, table).maximum > console.width:
        table = drawn(compact=True)
    console.print(table)


Item = TypeVar("Item")


class Tally:
    """Counts what passes through it."""

    def __init__(self) -> None:
        self.seen = 0

    def count(self, items: Iterator[Item]) -> Iterator[Item]:
        """``items``, unchanged, counted as they go."""
        for item in items:
            self.seen += 1
            yield item

    def count_each(self, batches: Iterator[list[Item]]) -> Iterator[list[Item]]:
        """``batches``, unchanged, their items counted as they go."""
        for batch in batches:
            self.seen += len(batch)
            yield batch
