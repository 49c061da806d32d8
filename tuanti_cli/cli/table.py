"""The member table: widths computed once from the data, rows written as plain lines.

Rich's ``Table`` re-measures every cell and takes most of a second for 1,000 rows; here Rich
only supplies the colour styles (rendered once per health code) and cell widths.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from tuanti_cli.i18n import t
from tuanti_cli.printable import shown

COLUMNS = (
    "member_no",
    "name",
    "department",
    "id_number",
    "phone",
    "health_code",
    "nat_days",
    "nat_result",
    "vaccination",
    "compared_at",
)
# Dropped in this order when the terminal is too narrow. The department goes early: a
# filtered view (`--department`) already names it, and the name column says who it is.
OPTIONAL_COLUMNS = ("compared_at", "department", "phone", "vaccination", "nat_result", "id_number")
HEALTH_STYLES = {
    "green": "bold white on green",
    "yellow": "bold black on yellow",
    "red": "bold white on red",
    "popup": "bold white on magenta",
    "unknown": "bold white on bright_black",
}
GAP = "  "


def _cell_len(text: str) -> int:
    """Terminal columns of ``text`` (CJK characters take two)."""
    if text.isascii():
        return len(text)
    from rich.cells import cell_len

    return cell_len(text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _cell_len(text))


def _ansi(style: str) -> tuple[str, str]:
    from rich.style import Style

    rendered = Style.parse(style).render("\x00")
    start, _, end = rendered.partition("\x00")
    return start, end


def cells(record: dict[str, Any]) -> dict[str, str]:
    """Human text for each column of one record."""
    days = record["nat_days"]
    compared = record["compared_at"]
    return {
        "member_no": record["member_no"],
        "name": shown(record["name"]),
        "department": "—" if record["department"] is None else shown(record["department"]),
        "id_number": record["id_number"],
        "phone": record["phone"],
        "health_code": t(f"code.{record['health_code']}")
        + (
            ""
            if not record["flags"]
            else t(
                "punct.flags", flags=t("punct.list").join(t(f"flag.{f}") for f in record["flags"])
            )
        ),
        "nat_days": "—"
        if days is None
        else t("table.days_over", days=days)
        if _late(record)
        else str(days),
        "nat_result": t(f"nat.{record['nat_result']}") if record["nat_result"] else "—",
        "vaccination": t(f"vaccine.{record['vaccination']}"),
        "compared_at": compared[:16].replace("T", " ") if compared else "—",
    }


def _late(record: dict[str, Any]) -> bool:
    """Whether the NAT days are what makes the member abnormal: nothing else shown does (a
    green code, no positive result, no flag), so the days are past the roster's policy."""
    return bool(
        record["abnormal"]
        and record["nat_days"] is not None
        and record["health_code"] == "green"
        and record["nat_result"] != "positive"
        and not record["flags"]
    )


def measure(records: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Each column's width for these records (a first pass over them; nothing is kept).

    The department column gets width 0 when no record has a department: a roster without
    departments keeps the table it always had.
    """
    widths = {c: _cell_len(t(f"mcol.{c}")) for c in COLUMNS}
    any_department = False
    for record in records:
        row = cells(record)
        for c in COLUMNS:
            n = _cell_len(row[c])
            if n > widths[c]:
                widths[c] = n
        any_department = any_department or record["department"] is not None
    if not any_department:
        widths["department"] = 0
    return widths


def layout(widths: dict[str, int], width: int | None) -> list[str]:
    """The columns that fit ``width``, dropping OPTIONAL_COLUMNS in order; every column
    when there is no ``width`` to fit."""
    columns = [c for c in COLUMNS if widths[c] > 0]
    if width is None:
        return columns
    for optional in OPTIONAL_COLUMNS:
        if sum(widths[c] for c in columns) + len(GAP) * (len(columns) - 1) <= width:
            break
        if optional in columns:
            columns.remove(optional)
    return columns


def lines_of(
    records: Iterable[dict[str, Any]], widths: dict[str, int], width: int | None, colour: bool
) -> Iterator[str]:
    """The table as lines of text, produced as the records come (ANSI colour on the health
    code when ``colour``); ``width`` as for :func:`layout`."""
    columns = layout(widths, width)
    styles = {code: _ansi(style) for code, style in HEALTH_STYLES.items()} if colour else {}
    bold = _ansi("bold") if colour else ("", "")
    header = GAP.join(_pad(t(f"mcol.{c}"), widths[c]) for c in columns).rstrip()
    yield bold[0] + header + bold[1]
    yield "─" * (_cell_len(header) if width is None else min(width, _cell_len(header)))
    last = columns[-1]
    for record in records:
        row = cells(record)
        parts = []
        for c in columns:
            text = row[c] if c == last else _pad(row[c], widths[c])
            if c == "health_code" and colour:
                start, end = styles[record["health_code"]]
                text = start + row[c] + end + " " * (widths[c] - _cell_len(row[c]))
            parts.append(text)
        yield GAP.join(parts)


def _stdout_is_terminal() -> bool:
    return sys.stdout is not None and sys.stdout.isatty()


def use_colour() -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set or TERM is ``dumb``."""
    return (
        _stdout_is_terminal() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"
    )


def terminal_width() -> int | None:
    """The width a table must fit: ``COLUMNS`` when set, else the terminal's (100 when it
    cannot be asked); ``None``, no limit, when standard output is no terminal.

    A table piped or redirected to a file would otherwise lose columns to a width nobody
    chose (README: "Narrow terminals drop columns"); ``COLUMNS`` set explicitly still rules.
    """
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if not _stdout_is_terminal():
        return None
    return shutil.get_terminal_size((100, 24)).columns


MIN_FOLDED = 24
"""Narrower than this, the last column is not folded: its pieces would be cut anyway."""


def plain_table(
    headers: Sequence[str],
    rows: Callable[[], Iterable[Sequence[str]]],
    width: int | None = None,
    separator: str = "; ",
) -> tuple[int, Callable[[], Iterator[str]]]:
    """A table in the member table's plain lines (padded columns, a rule under the header)
    of the rows ``rows`` gives afresh on each call. The first call measures the columns and
    counts the rows, keeping none of them. Returns that count and a function giving the
    lines (for :func:`emit`).

    A row longer than ``width`` has its last cell folded where ``separator`` parts it, the
    following lines indented under that column, so that the terminal does not wrap it into
    the first columns; with no ``width`` the last column is as long as it is."""
    widths = [_cell_len(header) for header in headers]
    count = 0
    for row in rows():
        count += 1
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], _cell_len(cell))
    indent = sum(widths[:-1]) + len(GAP) * (len(widths) - 1)
    room = None if width is None or width - indent < MIN_FOLDED else width - indent

    def produce() -> Iterator[str]:
        header = GAP.join(_pad(h, w) for h, w in zip(headers, widths, strict=True)).rstrip()
        yield header
        yield "─" * _cell_len(header)
        for row in rows():
            padded = [_pad(cell, w) for cell, w in zip(row[:-1], widths, strict=False)]
            lead = GAP.join([*padded, ""])
            last = row[-1]
            if room is None or _cell_len(last) <= room:
                yield (lead + last).rstrip()
                continue
            for i, piece in enumerate(_folded(last, room, separator)):
                yield ((lead if i == 0 else " " * indent) + piece).rstrip()

    return count, produce


def _folded(text: str, room: int, separator: str) -> Iterator[str]:
    """``text`` in lines of at most ``room`` cells, broken after a ``separator`` (a part
    longer than ``room`` gets a line of its own)."""
    line = ""
    for part in text.split(separator):
        joined = f"{line}{separator}{part}" if line else part
        if line and _cell_len(joined) + len(separator.rstrip()) > room:
            yield line + separator.rstrip()
            line = part
        else:
            line = joined
    yield line


Lines = Sequence[str] | Callable[[], Iterable[str]]


def emit(lines: Lines, count: int | None = None) -> None:
    """Print, through a pager only when stdout is a terminal that can run one (TERM is not
    ``dumb``) and the text is taller than it.

    ``lines`` is a list, or a function giving the lines afresh each time it is called (so
    a long view streams: ``count`` then says how many lines it gives). The pager gets the
    lines on its standard input as they come. ``$PAGER`` (else ``less``) that cannot be
    started or exits non-zero gets a one-line note on stderr, and the text is then printed
    directly, so it is never lost.
    """
    if callable(lines):
        produce, total = lines, count or 0
    else:
        kept = lines
        produce, total = (lambda: kept), len(kept)
    height = shutil.get_terminal_size((100, 24)).lines
    if (
        _stdout_is_terminal()
        and os.environ.get("TERM") != "dumb"
        and total > height - 1
        and _page(produce)
    ):
        return
    write = sys.stdout.write
    for line in produce():
        write(line + "\n")
    sys.stdout.flush()


def _page(produce: Callable[[], Iterable[str]]) -> bool:
    """Show the lines in the pager; whether the pager ran and exited 0.

    ``$PAGER`` is a shell command, as for git and man (``less -R``, ``cat > file``).
    """
    from tuanti_cli.cli.state import PASSPHRASE_VARIABLES
    from tuanti_cli.printable import shown

    pager = os.environ.get("PAGER") or "less"
    env = {k: v for k, v in os.environ.items() if k not in PASSPHRASE_VARIABLES}
    env.setdefault("LESS", "FRX")
    # The pager writes to the same terminal, so it gets the bytes stdout would have written.
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    if not _command_exists(pager):
        print(t("pager.missing", pager=shown(pager)), file=sys.stderr)
        return False
    try:
        process = subprocess.Popen(pager, shell=True, stdin=subprocess.PIPE, env=env)
    except OSError:  # no shell at all
        status = _SHELL_NOT_FOUND
    else:
        assert process.stdin is not None
        try:
            chunk: list[str] = []
            for line in produce():
                chunk.append(line)
                if len(chunk) >= 512:
                    process.stdin.write(("\n".join(chunk) + "\n").encode(encoding, "replace"))
                    chunk.clear()
            process.stdin.write(
                ("\n".join(chunk) + "\n" if chunk else "").encode(encoding, "replace")
            )
            process.stdin.close()
        except BrokenPipeError:  # the reader quit the pager before the end: not a failure
            pass
        with contextlib.suppress(BrokenPipeError):
            process.stdin.close()
        status = process.wait()
    if status in (_SHELL_NOT_EXECUTABLE, _SHELL_NOT_FOUND):
        print(t("pager.missing", pager=shown(pager)), file=sys.stderr)
        return False
    if status != 0:
        print(t("pager.failed", pager=shown(pager), status=status), file=sys.stderr)
        return False
    return True


_SHELL_NOT_EXECUTABLE, _SHELL_NOT_FOUND = 126, 127


def _command_exists(command: str) -> bool:
    """False when the pager's first word is plainly no command (spares the shell's own
    "not found" line); anything the shell must interpret is left to the shell."""
    try:
        words = shlex.split(command)
    except ValueError:
        return True
    if not words or "=" in words[0]:
        return bool(words)
    return shutil.which(words[0]) is not None


def summary_line(summary: dict[str, Any], max_nat_days: int) -> str:
    """One line: counts per health code, NAT within policy, vaccination, abnormal."""
    comma = t("punct.list")
    codes = comma.join(f"{t(f'code.{c}')} {n}" for c, n in summary["health_code"].items())
    vaccines = comma.join(f"{t(f'vaccine.{v}')} {n}" for v, n in summary["vaccination"].items())
    return t(
        "show.summary",
        members=summary["members"],
        codes=codes,
        nat=summary["nat_within_policy"],
        days=max_nat_days,
        vaccines=vaccines,
        abnormal=summary["abnormal"],
    )


def _fitted(line: str, width: int | None) -> list[str]:
    """The summary line, or, wider than the terminal, its parts (split at ``·``) each on a
    line of its own: the terminal would otherwise break it anywhere, mid-word."""
    if width is None or _cell_len(line) <= width:
        return [line]
    first, *rest = line.split(" · ")
    return [first, *(f"  · {part}" for part in rest)]


def streamed_view(
    records: Callable[[], Iterable[dict[str, Any]]],
    unordered: Iterable[dict[str, Any]],
    counts: dict[str, Any],
    max_nat_days: int,
    colour: bool,
    width: int | None,
) -> Callable[[], Iterator[str]]:
    """The whole view, streamed: ``unordered`` (the same records in any order) is read once
    to measure the columns, ``records`` gives them in order afresh on each call (once per
    printing), ``counts`` is the summary line's aggregate
    (:func:`tuanti_cli.view.view_summary`)."""
    widths = measure(unordered)
    tail = summary_line(counts, max_nat_days)

    def produce() -> Iterator[str]:
        yield from lines_of(records(), widths, width, colour)
        yield from _fitted(tail, width)

    return produce
