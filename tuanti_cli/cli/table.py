"""The member table: widths computed once from the data, rows written as plain lines.

Rich's ``Table`` re-measures every cell and takes most of a second for 1,000 rows; here Rich
only supplies the colour styles (rendered once per health code) and cell widths.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

from tuanti_cli.i18n import t
from tuanti_cli.printable import shown

COLUMNS = (
    "member_no",
    "name",
    "id_number",
    "phone",
    "health_code",
    "nat_days",
    "nat_result",
    "vaccination",
    "compared_at",
)
# Dropped in this order when the terminal is too narrow.
OPTIONAL_COLUMNS = ("compared_at", "phone", "vaccination", "nat_result", "id_number")
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
        "id_number": record["id_number"],
        "phone": record["phone"],
        "health_code": t(f"code.{record['health_code']}")
        + (
            ""
            if not record["flags"]
            else " (" + ", ".join(t(f"flag.{f}") for f in record["flags"]) + ")"
        ),
        "nat_days": "—" if days is None else str(days),
        "nat_result": t(f"nat.{record['nat_result']}") if record["nat_result"] else "—",
        "vaccination": t(f"vaccine.{record['vaccination']}"),
        "compared_at": compared[:16].replace("T", " ") if compared else "—",
    }


def render(records: Sequence[dict[str, Any]], colour: bool, width: int) -> list[str]:
    """The table as lines of text (ANSI colour on the health code when ``colour``)."""
    rows = [cells(r) for r in records]
    columns = list(COLUMNS)
    widths = {
        c: max([_cell_len(t(f"mcol.{c}"))] + [_cell_len(row[c]) for row in rows]) for c in columns
    }
    for optional in OPTIONAL_COLUMNS:
        if sum(widths[c] for c in columns) + len(GAP) * (len(columns) - 1) <= width:
            break
        columns.remove(optional)
    styles = {code: _ansi(style) for code, style in HEALTH_STYLES.items()} if colour else {}
    bold = _ansi("bold") if colour else ("", "")
    header = GAP.join(_pad(t(f"mcol.{c}"), widths[c]) for c in columns).rstrip()
    lines = [bold[0] + header + bold[1], "─" * min(width, _cell_len(header))]
    last = columns[-1]
    for record, row in zip(records, rows, strict=True):
        parts = []
        for c in columns:
            text = row[c] if c == last else _pad(row[c], widths[c])
            if c == "health_code" and colour:
                start, end = styles[record["health_code"]]
                text = start + row[c] + end + " " * (widths[c] - _cell_len(row[c]))
            parts.append(text)
        lines.append(GAP.join(parts))
    return lines


def _stdout_is_terminal() -> bool:
    return sys.stdout is not None and sys.stdout.isatty()


def use_colour() -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set or TERM is ``dumb``."""
    return (
        _stdout_is_terminal() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"
    )


def terminal_width() -> int:
    """``COLUMNS`` or the terminal's width (100 when unknown)."""
    return shutil.get_terminal_size((100, 24)).columns


def emit(lines: list[str]) -> None:
    """Print, through a pager only when stdout is a terminal that can run one (TERM is not
    ``dumb``) and the text is taller than it.

    ``$PAGER`` (else ``less``) that cannot be started or exits non-zero gets a one-line
    note on stderr, and the text is then printed directly, so it is never lost.
    """
    text = "\n".join(lines) + "\n"
    height = shutil.get_terminal_size((100, 24)).lines
    if (
        _stdout_is_terminal()
        and os.environ.get("TERM") != "dumb"
        and len(lines) > height - 1
        and _page(text)
    ):
        return
    sys.stdout.write(text)
    sys.stdout.flush()


def _page(text: str) -> bool:
    """Show ``text`` in the pager; whether the pager ran and exited 0.

    ``$PAGER`` is a shell command, as for git and man (``less -R``, ``cat > file``).
    """
    from tuanti_cli.printable import shown

    pager = os.environ.get("PAGER") or "less"
    env = dict(os.environ)
    env.setdefault("LESS", "FRX")
    # The pager writes to the same terminal, so it gets the bytes stdout would have written.
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    if not _command_exists(pager):
        print(t("pager.missing", pager=shown(pager)), file=sys.stderr)
        return False
    try:
        status = subprocess.run(
            pager, shell=True, input=text.encode(encoding, "replace"), env=env, check=False
        ).returncode
    except OSError:  # no shell at all
        status = _SHELL_NOT_FOUND
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
    codes = ", ".join(f"{t(f'code.{c}')} {n}" for c, n in summary["health_code"].items())
    vaccines = ", ".join(f"{t(f'vaccine.{v}')} {n}" for v, n in summary["vaccination"].items())
    return t(
        "show.summary",
        members=summary["members"],
        codes=codes,
        nat=summary["nat_within_policy"],
        days=max_nat_days,
        vaccines=vaccines,
        abnormal=summary["abnormal"],
    )


def view_lines(
    records: Sequence[dict[str, Any]], max_nat_days: int, colour: bool, width: int
) -> list[str]:
    """The whole view: the table, then the summary line."""
    from tuanti_cli.view import summary

    lines = render(records, colour, width)
    lines.append(summary_line(summary(list(records), max_nat_days), max_nat_days))
    return lines
