"""CSV feeds, scanned as bytes: a row's ID is cut out undecoded and looked up among the
members; a large file is scanned in two halves at once (this process and a forked one)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import os
import pickle
import signal
import sys
import threading
from array import array
from collections.abc import Callable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

from tuanti_cli.columns import HEADER_SEARCH_ROWS
from tuanti_cli.errors import InputError
from tuanti_cli.feed.common import (
    CHUNK_BYTES,
    FEED,
    MAX_ROW_BYTES,
    TOO_LONG,
    UNREADABLE_ROW,
    FeedScan,
    Prepare,
    carried_fields,
    id_damage,
    line_blocks,
    member_keys,
    replaces,
    sampling_rank,
    unguarded,
)
from tuanti_cli.textfile import codec, decode_all, encodings_to_try, open_input, undecodable

PARALLEL_MIN_BYTES = 16 << 20
MAX_RECORD_BYTES = 1 << 20
"""A quoted record still open after this many bytes is a stray quote: carrying it on would
hold the rest of the feed in memory."""
HASH_BLOCK_BYTES = CHUNK_BYTES


@dataclass
class _RangeScan:
    """Members' rows found in one byte range of a CSV feed."""

    hits: dict[bytes, tuple[int, bytes]] = field(default_factory=dict)
    rows: int = 0
    lines: int = 0
    """Physical lines read (errors name a line as an editor shows it)."""
    records: int = 0
    """Records read, blank ones included: a record with a quoted line break is one row in a
    spreadsheet, and rows are numbered so."""
    unfinished: bool = False
    """The range stops inside a quoted record, so the other half did not start at a row."""
    digests: list[bytes] = field(default_factory=list)
    damaged: int = 0
    masked: int = 0


@dataclass(frozen=True)
class _Picker:
    """Where the ID and the sampling time are, and which of a person's rows to keep."""

    column: int
    sampled: int | None

    def rank(self, line: bytes) -> dt.datetime | None:
        """The sampling time of a member's raw row (``None``: none, or unreadable)."""
        if self.sampled is None:
            return None
        if b'"' in line:
            cells = _cells(line.decode("latin-1"))
            cell = cells[self.sampled].encode("latin-1") if len(cells) > self.sampled else b""
        else:
            parts = line.split(b",", self.sampled + 1)
            cell = parts[self.sampled] if len(parts) > self.sampled else b""
        return sampling_rank(cell)

    def keep(self, hits: dict[bytes, tuple[int, bytes]], key: bytes, row: int, line: bytes) -> None:
        """Keep this row for the member unless the one kept so far was sampled later."""
        kept = hits.get(key)
        # Ranks are parsed only when a person has several rows: most have one.
        if kept is None or self.sampled is None or replaces(self.rank(line), self.rank(kept[1])):
            hits[key] = (row, line)


ROW_BYTES = 6
"""A kept row's number is stored in front of its bytes, in this many bytes."""


class RawRows(Mapping[str, tuple[int, Any]]):
    """Members' rows as the feed wrote them, by ID number: ``(row number, prepared)``.

    Only the raw bytes are held (the row number in front), about 150 bytes a member; a
    row is decoded, split and prepared when it is asked for, so a million members' rows
    are never held as Python objects, and each is read once, where it is compared.
    """

    def __init__(
        self,
        hits: dict[bytes, bytes],
        wanted: tuple[tuple[int, str], ...],
        encoding: str,
        prepare: Prepare,
    ) -> None:
        self._hits = hits
        self._wanted = wanted
        self._codec = codec(encoding) if encoding else "utf-8"
        self._prepare = prepare
        # A ``prepare`` may read a plain row's cells straight from the split (no dict).
        make_reader = getattr(prepare, "cells_reader", None)
        self._read_cells: Callable[[list[str]], Any] | None = (
            make_reader(wanted) if make_reader is not None else None
        )

    def __getitem__(self, key: str) -> tuple[int, Any]:
        found: tuple[int, Any] | None = self.get(key)
        if found is None:
            raise KeyError(key)
        return found

    def get(self, key: str, default: Any = None) -> Any:
        """The member's row, prepared (``default`` when the feed has none)."""
        try:
            raw = self._hits.get(key.encode("ascii"))
        except (UnicodeEncodeError, AttributeError):
            return default
        if raw is None:
            return default
        row = int.from_bytes(raw[:ROW_BYTES], "little")
        if self._codec == "utf-8-sig":  # as that codec reads, but in C: much faster
            text = raw[ROW_BYTES:].decode("utf-8")
            if text.startswith("\ufeff"):
                text = text[1:]
        else:
            text = raw[ROW_BYTES:].decode(self._codec)
        if self._read_cells is not None and not ('"' in text or "\r" in text or "\x00" in text):
            return row, self._read_cells(text.split(","))
        return row, self._prepare(_fields(text, self._wanted))

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.isascii() and key.encode("ascii") in self._hits

    def __iter__(self) -> Iterator[str]:
        for key in self._hits:
            yield key.decode("ascii")

    def __len__(self) -> int:
        return len(self._hits)


def _fields(text: str, wanted: tuple[tuple[int, str], ...]) -> dict[str, Any]:
    """A member's decoded CSV row as its fields."""
    if "\x00" in text:  # stands in for a row over MAX_ROW_BYTES
        return {UNREADABLE_ROW: True}
    if '"' in text or "\r" in text:
        try:
            cells = next(csv.reader([text]), [])
        except csv.Error:  # e.g. a stray carriage return inside a member's row
            return {UNREADABLE_ROW: True}
    else:
        cells = text.split(",")  # no quotes: a plain split is the CSV reading
    return {name: cells[i].strip() if i < len(cells) else "" for i, name in wanted}


def _header(
    path: Path, encoding: str, overrides: Mapping[str, str] | None
) -> tuple[str, int, int, dict[str, int]]:
    """The header's encoding, the offset of the first data byte, the header's line index
    (from 0: title rows may come first) and the column of each field.

    Lines are read one at a time up to the header, so a huge data row is never read here.
    """
    rows: list[list[str]] = []
    offset = 0
    with open_input(path) as stream:
        while len(rows) < HEADER_SEARCH_ROWS:
            line = stream.readline(MAX_ROW_BYTES + 1)
            if not line:
                break
            if len(line) > MAX_ROW_BYTES:
                if not rows:
                    raise InputError("guards.header_too_long", path=path)
                break  # no title row is this long: the search ends here
            offset += len(line)
            raw = line.rstrip(b"\r\n")
            if b"\x00" in raw:
                raise InputError("input.binary", path=path)
            if b"\r" in raw:
                raise InputError("feed.cr_only", path=path)
            (text,), used = decode_all([raw], encoding, path)
            try:
                rows.append(next(csv.reader([text]), []))
            except csv.Error:
                raise InputError("feed.bad_csv", path=path, line=len(rows) + 1) from None
            try:
                _, columns = FEED.locate(rows[-1:], overrides, str(path))
            except InputError:
                continue  # a title or notes row, or no header at all (said below)
            return used, offset, len(rows) - 1, columns
    if not any(rows):
        raise InputError("feed.empty", path=path)
    try:
        FEED.locate(rows, overrides, str(path))
    except InputError as exc:
        if exc.key in ("input.columns", "input.empty"):
            raise InputError("feed.no_id_column", path=path) from None
        raise
    raise InputError("feed.no_id_column", path=path)  # not reached: locate raised


def scan_csv(
    path: Path,
    members: AbstractSet[str] | set[bytes],
    encoding: str,
    prepare: Prepare,
    overrides: Mapping[str, str] | None = None,
) -> FeedScan:
    """Scan a CSV feed: its header (below any title rows) names the columns; members' rows
    are read, others dropped."""
    header_encoding, data_start, header_line, columns = _header(path, encoding, overrides)
    picker = _Picker(columns["id_number"], columns.get("nat_sampled_at"))
    lookup = member_keys(members)
    size = path.stat().st_size
    try:
        scanned = _scan_in_two(path, data_start, size, picker, lookup)
        if scanned is None:
            scanned = _scan_range(path, data_start, size, picker, lookup, hash_from=0)
    except InputError as exc:
        if "line" in exc.params:  # counted as if the header were the first line
            exc.params["line"] += header_line
        raise
    hits = _compact(scanned.hits, picker, 1 + header_line)
    used = _encoding_of(hits, encoding, path) if hits else header_encoding
    wanted = tuple((i, name) for name, i in columns.items())
    return FeedScan(
        rows=scanned.rows,
        encoding=used,
        sha256=hashlib.sha256(b"".join(scanned.digests)).hexdigest(),
        latest=RawRows(hits, wanted, used, prepare),
        carried=carried_fields(columns),
        damaged_ids=scanned.damaged,
        masked_ids=scanned.masked,
    )


def _compact(
    hits: dict[bytes, tuple[int, bytes]], picker: _Picker, offset: int
) -> dict[bytes, bytes]:
    """The rows kept, in place: each key the member's ID (``x`` read as ``X``), each value
    the row's number (``offset`` added) in front of its bytes.

    Entry by entry, so that a million members' rows are never held twice. When a member's
    ID is written both with ``x`` and ``X``, the rows meet here and the usual rule picks.
    """
    compact = cast("dict[bytes, Any]", hits)
    lowered = []
    for key, (row, line) in hits.items():
        compact[key] = (row + offset).to_bytes(ROW_BYTES, "little") + line
        if key.endswith(b"x"):
            lowered.append(key)
    for key in lowered:
        raw = compact.pop(key)
        upper = key[:-1] + b"X"
        kept = compact.get(upper)
        if kept is None:
            compact[upper] = raw
            continue
        # The later row replaces the earlier one unless the earlier was sampled later.
        early, late = sorted((kept, raw), key=lambda value: value[:ROW_BYTES][::-1])
        line_early, line_late = early[ROW_BYTES:], late[ROW_BYTES:]
        compact[upper] = (
            late if replaces(picker.rank(line_late), picker.rank(line_early)) else early
        )
    return compact


def _encoding_of(hits: dict[bytes, bytes], encoding: str, path: Path) -> str:
    """The encoding of the members' rows: UTF-8 if all of them are UTF-8, else GB18030
    (``auto``), or the one the user named. Checked in batches, joined: one call each."""
    rows = list(hits.values())
    for name in encodings_to_try(encoding):
        try:
            for start in range(0, len(rows), 20000):
                batch = rows[start : start + 20000]
                b"\n".join([row[ROW_BYTES:] for row in batch]).decode(codec(name))
        except UnicodeDecodeError:
            continue
        return name
    raise undecodable(encoding, path)


def _scan_in_two(
    path: Path,
    start: int,
    end: int,
    picker: _Picker,
    lookup: set[bytes],
) -> _RangeScan | None:
    """Scan the two halves of a large feed at once, in this process and a forked one,
    which sends back only the raw rows of members it found.

    Returns ``None`` (scan serially instead) for small files, where fork is missing, when
    other threads run (forking them is unsafe), or when the cut fell inside a quoted field
    that holds a newline: the first half, read from the start, knows.
    """
    if end - start < PARALLEL_MIN_BYTES or not hasattr(os, "fork") or threading.active_count() > 1:
        return None
    middle = _line_start_after(path, start + (end - start) // 2)
    reader, writer = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the child: scan the second half, send it back, leave at once
        try:
            _die_with(parent)
            os.close(reader)
            second = _scan_range(path, middle, end, picker, lookup, hash_from=middle)
            keys = list(second.hits)
            rows = array("q", [second.hits[key][0] for key in keys])
            lines = [second.hits[key][1] for key in keys]
            second.hits = {}
            with os.fdopen(writer, "wb") as out:
                pickle.dump((second, keys, rows, lines), out, protocol=pickle.HIGHEST_PROTOCOL)
        finally:
            os._exit(0)
    os.close(writer)
    try:
        first = _scan_range(path, start, middle, picker, lookup, hash_from=0, to_the_end=False)
        with os.fdopen(reader, "rb") as incoming:
            data = incoming.read()
    except BaseException:
        # Interrupted (Ctrl-C, SIGTERM) or failed: the helper's half is of no use now.
        os.kill(pid, signal.SIGKILL)
        raise
    finally:
        os.waitpid(pid, 0)
    try:
        second, keys, rows, lines = pickle.loads(data)
    except (pickle.UnpicklingError, EOFError, ValueError):
        return None  # the helper died half-way: scan the whole file here instead
    del data  # the helper's half, pickled
    if first.unfinished:
        return None  # the second half began inside a record
    hits = first.hits
    base = first.records
    for key, row, line in zip(keys, rows, lines, strict=True):
        kept = hits.get(key)
        if kept is None or replaces(picker.rank(line), picker.rank(kept[1])):
            hits[key] = (base + row, line)
    first.rows += second.rows
    first.damaged += second.damaged
    first.masked += second.masked
    first.lines += second.lines
    first.records += second.records
    first.digests += second.digests
    return first


def _line_start_after(path: Path, offset: int) -> int:
    """The offset of the first line start after ``offset`` (or the file's end), read in
    blocks: ``readline`` would hold a 200 MB line in memory."""
    with open_input(path) as stream:
        stream.seek(offset)
        while block := stream.read(CHUNK_BYTES):
            newline = block.find(b"\n")
            if newline >= 0:
                return offset + newline + 1
            offset += len(block)
    return offset


def _die_with(parent: int) -> None:
    """In the forked helper: end with the parent, however it ends (even by kill -9)."""
    # Ctrl-C reaches the whole process group: the helper leaves quietly, no traceback.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        import contextlib
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent ended before the line above took effect
        os._exit(0)


def _scan_range(
    path: Path,
    start: int,
    end: int,
    picker: _Picker,
    lookup: set[bytes],
    hash_from: int,
    to_the_end: bool = True,
) -> _RangeScan:
    """Find members' rows between two line starts; rows are numbered by record (a quoted
    line break does not start one) from the range start.

    On the way it hashes the fixed-size blocks of the file that begin in ``[hash_from,
    end)``: the feed's fingerprint is the SHA-256 of all block digests, the same whether one
    process read the file or two processes read a half each. A range that stops inside a
    quoted record fails at the end of the file and is marked ``unfinished`` elsewhere.
    Errors name the file's line as if the range began right after the header (line 2): a
    forked half that fails is scanned again from there.
    """
    result = _RangeScan()
    pending = b""
    with open_input(path) as stream:
        blocks = line_blocks(
            _read_hashed(stream, start, end, hash_from, result.digests, path),
            _TooLong(picker.column, lookup),
        )
        for block in blocks:
            if b"\r" in block:
                block = block.replace(b"\r\n", b"\n")
            if pending or b'"' in block:
                pending, counted, lines_done, records_done = _quoted_rows(
                    pending + block, picker, lookup, result, result.records
                )
                result.rows += counted
                result.lines += lines_done
                result.records += records_done
                if len(pending) > MAX_RECORD_BYTES:  # a stray quote, not a record
                    raise InputError("feed.open_quote", path=path, line=result.lines + 2)
                continue
            lines = block.split(b"\n")
            lines.pop()  # the block ends with a newline: the last piece is empty
            result.rows += len(lines) - lines.count(b"")
            _plain_rows(lines, picker, lookup, result, result.records)
            result.lines += len(lines)
            result.records += len(lines)
    if pending and to_the_end:
        raise InputError("feed.bad_csv", path=path, line=result.lines + 2)
    result.unfinished = bool(pending)
    return result


@dataclass(frozen=True)
class _TooLong:
    """What stands in for a row over ``MAX_ROW_BYTES``: a marked row carrying only its ID,
    when the ID cell lies within the first MiB and is a member's (a stranger's is dropped)."""

    column: int
    keys: AbstractSet[bytes]

    def __call__(self, prefix: bytes) -> bytes:
        """The stand-in row for an over-long row that begins with ``prefix``."""
        cells = _whole_cells(prefix.decode("latin-1"), self.column + 1)
        key = unguarded(cells[self.column].encode("latin-1")) if len(cells) > self.column else b""
        if key not in self.keys:
            return TOO_LONG
        return b"," * self.column + key + b"," + TOO_LONG


def _whole_cells(text: str, count: int) -> list[str]:
    """Up to ``count`` leading cells of a row's beginning that a comma closes (the last cell
    may be cut short). Read by hand: ``csv`` refuses cells over 128 KiB."""
    cells: list[str] = []
    position = 0
    while len(cells) < count:
        value = ""
        if text.startswith('"', position):
            position += 1
            while (closing := text.find('"', position)) >= 0:
                value += text[position:closing]
                position = closing + 1
                if not text.startswith('"', position):
                    break
                value += '"'  # a doubled quote
                position += 1
            else:
                return cells
        comma = text.find(",", position)
        if comma < 0:
            return cells
        cells.append(value + text[position:comma])
        position = comma + 1
    return cells


def _read_hashed(
    stream: IO[bytes], start: int, end: int, hash_from: int, digests: list[bytes], path: Path
) -> Iterator[bytes]:
    """The bytes of ``[start, end)``, read (and hashed) in aligned blocks."""
    offset = start - start % HASH_BLOCK_BYTES
    stream.seek(offset)
    while offset < end and (block := stream.read(HASH_BLOCK_BYTES)):
        if b"\x00" in block:
            raise InputError("input.binary", path=path)
        if offset >= hash_from:
            digests.append(hashlib.sha256(block).digest())
        first, stop = max(start - offset, 0), min(end - offset, len(block))
        yield block if (first, stop) == (0, len(block)) else block[first:stop]
        offset += len(block)


def _plain_rows(
    lines: list[bytes],
    picker: _Picker,
    lookup: set[bytes],
    scan: _RangeScan,
    row_no: int,
) -> None:
    """Rows without quotes: cut each ID out with one ``split`` and test them, in bulk."""
    column = picker.column
    limit = column + 1
    try:
        ids = [line.split(b",", limit)[column] for line in lines]
    except IndexError:  # a row with fewer cells than the ID column: cut row by row
        ids = [(line.split(b",", limit)[column:limit] or [b""])[0] for line in lines]
    joined = b",".join(ids) + b","
    if b" " in joined or b"\t" in joined:  # a provider's export may pad cells with spaces
        ids = [cell.strip() for cell in ids]
        joined = b",".join(ids) + b","
    ids, joined = _without_guards(ids, joined)
    _odd_ids(ids, joined, scan)
    position = 0
    for key in list(filter(lookup.__contains__, ids)):
        # ``key`` is the very object in ``ids``: ``index`` stops at it, in row order.
        position = ids.index(key, position)
        picker.keep(scan.hits, key, row_no + position + 1, lines[position])
        position += 1


def _without_guards(ids: list[bytes], joined: bytes) -> tuple[list[bytes], bytes]:
    """A block's ID cells without their digit guards (``'110…``, ``="110…"``), and joined
    again (``joined``: the cells, each followed by a comma). The usual block has none: two
    searches of the joined cells tell."""
    if b"'" not in joined and b"=" not in joined:
        return ids, joined
    ids = [unguarded(cell) if cell.startswith((b"'", b"=")) else cell for cell in ids]
    return ids, b",".join(ids) + b","


def _odd_ids(ids: list[bytes], joined: bytes, scan: _RangeScan) -> None:
    """Count the IDs a spreadsheet damaged and the masked ones among a block's ID cells
    (``joined``: the cells, each followed by a comma).

    Checked in bulk: when every cell is 18 characters (the usual block) only those ending
    in ``000`` can be damaged, and they are found with one search of the joined cells.
    """
    if len(joined) == 19 * len(ids) and b"*" not in joined:
        position = joined.find(b"000,")
        while position >= 0:  # every match ends a cell: only cells end with a comma
            if id_damage(joined[position - 15 : position + 3].decode("latin-1")):
                scan.damaged += 1
            position = joined.find(b"000,", position + 4)
        return
    for cell in ids:
        if len(cell) != 18 or cell.endswith(b"000") or b"*" in cell:
            damage = id_damage(cell.decode("latin-1")) if cell else None
            if damage == "damaged":
                scan.damaged += 1
            elif damage == "masked":
                scan.masked += 1


def _quoted_rows(
    data: bytes,
    picker: _Picker,
    keys: AbstractSet[bytes],
    scan: _RangeScan,
    row_no: int,
) -> tuple[bytes, int, int, int]:
    """Rows that may hold quoted fields (commas or newlines inside quotes), read by ``csv``;
    ``row_no`` is the number of records before them.

    The bytes are read as Latin-1, one character a byte, so that cells can be cut without
    decoding them. Returns the unfinished record to carry into the next block, the rows
    counted, and the physical lines and the records (blank ones included) finished here.
    """
    column = picker.column
    lines = data.decode("latin-1").split("\n")
    lines.pop()  # the data ends with a newline: the last piece is empty
    records, done = _records(lines)
    try:
        ids = [
            cells[column].strip() if len(cells) > column else "" for cells in csv.reader(records)
        ]
    except csv.Error:  # e.g. a lone carriage return: read record by record instead
        ids = [
            cells[column].strip() if len(cells := _cells(record)) > column else ""
            for record in records
        ]
    raw_ids = [key.encode("latin-1") for key in ids]
    raw_ids, joined = _without_guards(raw_ids, b",".join(raw_ids) + b",")
    _odd_ids(raw_ids, joined, scan)
    for index, key in enumerate(raw_ids):
        if key in keys:
            picker.keep(scan.hits, key, row_no + index + 1, records[index].encode("latin-1"))
    pending = "".join(line + "\n" for line in lines[done:]).encode("latin-1")
    return pending, len(records) - records.count(""), done, len(records)


def _records(lines: list[str]) -> tuple[list[str], int]:
    """Physical lines grouped into records: a record goes on while it holds an odd number of
    quote characters (a quoted field with a newline in it).

    Returns the records and how many lines the finished ones take: the rest is a record
    still open.
    """
    odd = [index for index, line in enumerate(lines) if line.count('"') & 1]
    if not odd:
        return lines, len(lines)
    records: list[str] = []
    position = 0
    for opening, closing in zip(odd[::2], odd[1::2], strict=False):
        records += lines[position:opening]
        records.append("\n".join(lines[opening : closing + 1]))
        position = closing + 1
    done = odd[-1] if len(odd) % 2 else len(lines)
    records += lines[position:done]
    return records, done


def _cells(record: str) -> list[str]:
    """One record's cells; none when ``csv`` cannot read it (then it is nobody's row)."""
    try:
        return next(csv.reader([record]), [])
    except csv.Error:
        return []
