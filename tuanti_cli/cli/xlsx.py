"""``show --format xlsx``: the masked records as a one-sheet workbook.

Written here as the few XML parts a workbook needs, straight into the zip file: openpyxl,
which reads enrollment workbooks, writes every sheet through a temporary file first, and
tuanti writes no temporary files (other than the one :mod:`tuanti_cli.writing` renames onto
the target). Text is always an inline string, never a formula, and passes through
:func:`tuanti_cli.printable.shown` first: XML 1.0 cannot hold most control characters, and a
workbook holding one is refused whole by Excel.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from tuanti_cli.printable import shown
from tuanti_cli.view import RECORD_KEYS
from tuanti_cli.writing import Protected, write_atomically

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
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{_PACKAGE_RELS}"><Relationship Id="rId1" '
        f'Type="{_RELS}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
    ),
}


def write_xlsx(
    path: Path,
    records: Iterable[dict[str, Any]],
    protected: Protected,
    option: str = "--output",
    columns: Sequence[str] = RECORD_KEYS,
    sheet_name: str = "roster",
) -> None:
    """Write one sheet: a header row of ``columns`` (the §6 keys unless told), then one row
    per record, each row compressed into the file as it is produced."""
    with (
        write_atomically(path, protected, option=option, binary=True) as stream,
        zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive,
    ):
        for name, xml in _PARTS.items():
            archive.writestr(name, _XML_DECLARATION + xml)
        archive.writestr(
            "xl/workbook.xml",
            f'{_XML_DECLARATION}<workbook xmlns="{_MAIN}" xmlns:r="{_RELS}"><sheets>'
            f'<sheet name="{escape(sheet_name)}" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(f'{_XML_DECLARATION}<worksheet xmlns="{_MAIN}"><sheetData>'.encode())
            sheet.write(_row(1, columns))
            for number, record in enumerate(records, start=2):
                sheet.write(_row(number, [record[key] for key in columns]))
            sheet.write(b"</sheetData></worksheet>")


def _row(number: int, values: Iterable[Any]) -> bytes:
    return f'<row r="{number}">{"".join(_cell(value) for value in values)}</row>'.encode()


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
    return f'<c t="inlineStr"><is><t xml:space="preserve">{escape(shown(text))}</t></is></c>'
