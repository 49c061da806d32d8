"""``show --format xlsx``: the masked records as a one-sheet workbook.

Written here as the few XML parts a workbook needs, straight into the zip file: openpyxl,
which reads enrollment workbooks, writes every sheet through a temporary file first, and
tuanti writes no temporary files.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from tuanti_cli.errors import InputError
from tuanti_cli.paths import open_private
from tuanti_cli.view import RECORD_KEYS

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_PARTS = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        f'<Relationships xmlns="{_PACKAGE_RELS}"><Relationship Id="rId1" '
        f'Type="{_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        f'<workbook xmlns="{_MAIN}" xmlns:r="{_RELS}"><sheets>'
        '<sheet name="roster" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{_PACKAGE_RELS}"><Relationship Id="rId1" '
        f'Type="{_RELS}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
    ),
}


def write_xlsx(path: Path, records: list[dict[str, Any]]) -> None:
    """Write one sheet: a header row of the §6 keys, then one row per record."""
    rows = [list(RECORD_KEYS), *([record[key] for key in RECORD_KEYS] for record in records)]
    sheet = "".join(
        f'<row r="{number}">{"".join(_cell(value) for value in row)}</row>'
        for number, row in enumerate(rows, start=1)
    )
    try:
        with (
            open_private(path, "wb") as stream,
            zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive,
        ):
            for name, xml in _PARTS.items():
                archive.writestr(name, _XML_DECLARATION + xml)
            archive.writestr(
                "xl/worksheets/sheet1.xml",
                f'{_XML_DECLARATION}<worksheet xmlns="{_MAIN}"><sheetData>{sheet}</sheetData>'
                "</worksheet>",
            )
    except OSError as exc:
        raise InputError("output.unwritable", path=path, reason=exc.strerror or str(exc)) from None


_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'


def _cell(value: Any) -> str:
    """One cell: a boolean, a number, text (lists joined with commas), or empty."""
    if isinstance(value, bool):
        return f'<c t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f"<c><v>{value}</v></c>"
    text = "" if value is None else ",".join(value) if isinstance(value, list) else str(value)
    if not text:
        return "<c/>"
    return f'<c t="inlineStr"><is><t xml:space="preserve">{escape(text)}</t></is></c>'
