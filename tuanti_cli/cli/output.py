"""The one place that turns plain records into JSON, CSV or a Rich table."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import typer

from tuanti_cli.errors import InputError
from tuanti_cli.paths import open_private


def to_json(data: Any) -> str:
    """Pretty JSON with readable Chinese."""
    return json.dumps(data, ensure_ascii=False, indent=2)


def write_csv(stream: IO[str], records: Iterable[dict[str, Any]], columns: Sequence[str]) -> None:
    """CSV with a header row; lists are joined with ``;`` and ``None`` is empty."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(columns)
    for record in records:
        writer.writerow([_csv_cell(record[c]) for c in columns])


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return value


def echo(text: str) -> None:
    """Print to standard output."""
    typer.echo(text)


def info(text: str) -> None:
    """Print a human note to standard error (keeps stdout clean for data)."""
    typer.echo(text, err=True)


@contextmanager
def open_output(
    path: Path | None, encoding: str = "utf-8", newline: str | None = None
) -> Iterator[IO[str]]:
    """The chosen output: ``--output FILE`` (0600) or standard output."""
    if path is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    try:
        stream = open_private(path, "w", encoding=encoding, newline=newline)
    except OSError as exc:
        raise InputError("output.unwritable", path=path, reason=exc.strerror or str(exc)) from None
    with stream:
        yield stream


def print_table(title: str | None, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """A simple Rich table for short listings (rosters, changes, audit)."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    for header in headers:
        table.add_column(header)
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    Console().print(table)
