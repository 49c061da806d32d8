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


MAX_ROW_BYTES = 1 << 20
"""The longest feed row read (PRODUCT §7): a longer one is a bad row if it is a member's."""
TOO_LONG = b"\x00"
"""Marks the line put in place of a row longer than :data:`MAX_ROW_BYTES`. A feed cannot
hold it: NUL bytes are refused while the file is read."""


def drop_row(prefix: bytes) -> bytes:
    """What stands in for an over-long row nobody can be found in: a marked empty row."""
    return TOO_LONG


def line_blocks(
    blocks: Iterator[bytes],
    too_long: Callable[[bytes], bytes] = drop_row,
    limit: int = MAX_ROW_BYTES,
) -> Iterator[bytes]:
    """Blocks cut after their last newline (the rest carried into the next block).

    A line longer than ``limit`` is not carried on: its first ``limit`` bytes go to
    ``too_long``, whose answer (one line, no newline) stands in its place, and the rest is
    skipped up to the next newline. So time stays linear and memory bounded even for a
    file that is one 200 MB line.
    """
    carry: list[bytes] = []
    carried = 0
    skipping = False
    for big in blocks:
        # Lines inside a block are checked only where a block ends: keep blocks short.
        pieces = [big] if len(big) <= limit else _sliced(big, limit)
        for block in pieces:
            if skipping:
                newline = block.find(b"\n")
                if newline < 0:
                    continue
                block = block[newline + 1 :]
                skipping = False
                if not block:
                    continue
            cut = block.rfind(b"\n") + 1
            if not cut:
                carry.append(block)
                carried += len(block)
                if carried > limit:  # at most one block beyond the limit is held
                    yield too_long(b"".join(carry)[:limit]) + b"\n"
                    carry, carried, skipping = [], 0, True
                continue
            if carry:
                first = block.find(b"\n")
                if carried + first > limit:
                    yield too_long(b"".join(carry) + block[: limit - carried]) + b"\n"
                    block, cut = block[first + 1 :], cut - first - 1
                else:
                    block = b"".join(carry) + block
                    cut += carried
                carry, carried = [], 0
            if cut:
                yield block[:cut]
            if cut < len(block):
                carry.append(block[cut:])
                carried = len(block) - cut
    if carry and not skipping:
        rest = b"".join(carry)
        yield (too_long(rest[:limit]) if len(rest) > limit else rest) + b"\n"


def _sliced(block: bytes, size: int) -> list[bytes]:
    return [block[i : i + size] for i in range(0, len(block), size)]


def member_lookup(members: set[str]) -> dict[bytes, str]:
    """Member IDs as the bytes a feed may write them (``x`` for ``X`` too)."""
    table = {m.encode("ascii"): m for m in members}
    table.update({m[:-1].encode("ascii") + b"x": m for m in members if m.endswith("X")})
    return table


Prepare: TypeAlias = Callable[[dict[str, Any]], Any]


def as_is(fields: dict[str, Any]) -> Any:
    """Keep a member's raw fields as they are (the default ``prepare``)."""
    return fields
