"""``show --format xlsx``: the masked records as a workbook (openpyxl, write-only mode)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tuanti_cli.errors import InputError
from tuanti_cli.view import RECORD_KEYS


def write_xlsx(path: Path, records: list[dict[str, Any]]) -> None:
    """Write one sheet: a header row of the §6 keys, then one row per record."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("roster")
    sheet.append(list(RECORD_KEYS))
    for record in records:
        sheet.append([_cell(record[key]) for key in RECORD_KEYS])
    try:
        workbook.save(path)
    except OSError as exc:
        raise InputError("output.unwritable", path=path, reason=exc.strerror or str(exc)) from None


def _cell(value: Any) -> Any:
    if isinstance(value, list):
        return ",".join(value)
    return value
