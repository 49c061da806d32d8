"""What every feed format shares: the fields, the result of a scan, and reading in blocks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

from tuanti_cli.columns import ID_NUMBER_ALIASES, NAME_ALIASES, HeaderNames
from tuanti_cli.errors import InputError
from tuanti_cli.textfile import open_input

CHUNK_BYTES = 256 << 10  # small blocks stay in the CPU cache: measurably faster
FEED_FIELDS: dict[str, tuple[str, ...]] = {
    "id_number": ID_NUMBER_ALIASES,
    "name": NAME_ALIASES,
    "health_code": ("health_code", "健康码状态", "健康码"),
    "nat_sampled_at": ("nat_sampled_at", "核酸采样时间"),
    "nat_result": ("nat_result", "核酸结果", "核酸检测结果"),
    "vaccination": ("vaccination", "疫苗接种状态"),
    "vaccine_doses": ("vaccine_doses", "接种剂次"),
    "last_dose_date": ("last_dose_date", "最后接种日期", "末次接种日期"),
}
FEED_HEADERS = HeaderNames(FEED_FIELDS)
UNREADABLE_ROW = "_unreadable_row"
"""Marks a member's feed record that could not be parsed at all."""


@dataclass
class FeedScan:
    """What one pass over the feed found."""

    rows: int = 0
    encoding: str = ""
    sha256: str = ""
    saw_id: bool = False
    """Whether any record carried an ID number at all (JSON has no header to check)."""
    latest: dict[str, tuple[int, Any]] = field(default_factory=dict)
    """Member ID number → (row number, prepared fields) of the last row for that person."""


def blocks(path: Path, digest: Any) -> Iterator[bytes]:
    """The file's bytes in large blocks, hashed on the way; NUL bytes refused."""
    with open_input(path) as stream:
        while block := stream.read(CHUNK_BYTES):
            if b"\x00" in block:
                raise InputError("input.binary", path=path)
            digest.update(block)
            yield block


def line_blocks(blocks: Iterator[bytes]) -> Iterator[bytes]:
    """Blocks cut after their last newline (the rest carried into the next block)."""
    carry = b""
    for block in blocks:
        block = carry + block
        cut = block.rfind(b"\n") + 1
        carry = block[cut:]
        if cut:
            yield block[:cut]
    if carry:
        yield carry + b"\n"


def member_lookup(members: set[str]) -> dict[bytes, str]:
    """Member IDs as the bytes a feed may write them (``x`` for ``X`` too)."""
    table = {m.encode("ascii"): m for m in members}
    table.update({m[:-1].encode("ascii") + b"x": m for m in members if m.endswith("X")})
    return table


Prepare: TypeAlias = Callable[[dict[str, Any]], Any]


def as_is(fields: dict[str, Any]) -> Any:
    """Keep a member's raw fields as they are (the default ``prepare``)."""
    return fields
