"""Column names and formats as enrollment files and health feeds write them.

Both readers accept English or Chinese headers in any case (a BOM before the first one
too), keep the first column that names a field, and tell CSV from JSON and JSONL the
same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

NAME_ALIASES = ("name", "姓名")
ID_NUMBER_ALIASES = ("id_number", "身份证号", "身份证号码", "证件号", "证件号码")
FORMATS_BY_EXTENSION = {".csv": "csv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}

Value = TypeVar("Value")


class HeaderNames:
    """Which field each header names, for one set of fields and their aliases."""

    def __init__(self, aliases: Mapping[str, Sequence[str]]) -> None:
        self._fields = {alias.lower(): name for name, names in aliases.items() for alias in names}

    def field(self, header: Any) -> str | None:
        """The field ``header`` names (``身份证号码`` → ``id_number``), or ``None``."""
        if not isinstance(header, str):
            return None
        return self._fields.get(header.strip().lstrip("\ufeff").lower())

    def first_of_each(self, pairs: Iterable[tuple[Any, Value]]) -> dict[str, Value]:
        """Field → value for (header, value) pairs; the first header naming a field wins."""
        found: dict[str, Value] = {}
        for header, value in pairs:
            name = self.field(header)
            if name is not None and name not in found:
                found[name] = value
        return found


def format_by_extension(name: str, extensions: Mapping[str, str]) -> str | None:
    """The format a file name's extension gives, if it gives one."""
    lowered = name.lower()
    return next((fmt for ext, fmt in extensions.items() if lowered.endswith(ext)), None)


def format_by_content(start: bytes) -> str:
    """JSON, JSONL or CSV by the first non-blank byte of a file."""
    first = start.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return {b"[": "json", b"{": "jsonl"}.get(first, "csv")
