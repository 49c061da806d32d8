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
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

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
    member_lookup,
    replaces,
    sampling_rank,
)
from tuanti_cli.textfile import decode_all, open_input

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
    unfinished: bool = False
    """The range stops inside a quoted record, so the other half did not start at a row."""
    digests: list[bytes] = field(default_factory=list)
    finished: dict[bytes, tuple[int, Any]] | None = None
    """The hits decoded and prepared, or ``None`` when that is left to the caller."""
    encoding: str = ""
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


@dataclass(frozen=True)
class _Finisher:
    """Decodes members' raw CSV rows and prepares them (in whichever process found them)."""

    wanted: tuple[tuple[int, str], ...]
    encoding: str
    path: Path
    prepare: Prepare

    def finish(
        self, hits: dict[bytes, tuple[int, bytes]]
    ) -> tuple[dict[bytes, tuple[int, Any]], str]:
        keys = list(hits)
        texts, used = decode_all([hits[k][1] for k in keys], self.encoding, self.path)
        done = {}
        for key, text in zip(keys, texts, strict=True):
            done[key] = (hits[key][0], self.prepare(self._fields(text)))
        return done, used

    def _fields(self, text: str) -> dict[str, Any]:
        if "\x00" in text:  # stands in for a row over MAX_ROW_BYTES
            return {UNREADABLE_ROW: True}
        if '"' in text or "\r" in text:
            try:
                cells = next(csv.reader([text]), [])
            except csv.Error:  # e.g. a stray carriage return inside a member's row
                return {UNREADABLE_ROW: True}
        else:
            cells = text.split(",")  # no quotes: a plain split is the CSV reading
        return {name: cells[i].strip() if i < len(cells) else "" for i, name in self.wanted}


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
    members: set[str],
    encoding: str,
    prepare: Prepare,
    overrides: Mapping[str, str] | None = None,
) -> FeedScan:
    """Scan a CSV feed: its header (below any title rows) names the columns; members' rows
    are read, others dropped."""
    header_encoding, data_start, header_line, columns = _header(path, encoding, overrides)
    picker = _Picker(columns["id_number"], columns.get("nat_sampled_at"))
    lookup = member_lookup(members)
    size = path.stat().st_size
    finisher = _Finisher(tuple((i, name) for name, i in columns.items()), encoding, path, prepare)
    try:
        scanned = _scan_in_two(path, data_start, size, picker, lookup, finisher)
        if scanned is None:
            scanned = _scan_range(path, data_start, size, picker, lookup, hash_from=0)
    except InputError as exc:
        if "line" in exc.params:  # counted as if the header were the first line
            exc.params["line"] += header_line
        raise
    if scanned.finished is None:
        scanned.finished, scanned.encoding = finisher.finish(scanned.hits)
    result = FeedScan(
        rows=scanned.rows,
        encoding=scanned.encoding if scanned.hits else header_encoding,
        sha256=hashlib.sha256(b"".join(scanned.digests)).hexdigest(),
        carried=carried_fields(columns),
        damaged_ids=scanned.damaged,
        masked_ids=scanned.masked,
    )
    for key, (row, value) in scanned.finished.items():
        result.latest[lookup[key]] = (row + 1 + header_line, value)
    return result


def _scan_in_two(
    path: Path,
    start: int,
    end: int,
    picker: _Picker,
    lookup: dict[bytes, str],
    finisher: _Finisher,
) -> _RangeScan | None:
    """Scan the two halves of a large feed at once, in this process and a forked one;
    each also decodes and prepares the members' rows it found.

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
            _finish_quietly(second, finisher)
            with os.fdopen(writer, "wb") as out:
                pickle.dump(second, out, protocol=pickle.HIGHEST_PROTOCOL)
        finally:
            os._exit(0)
    os.close(writer)
    try:
        first = _scan_range(path, start, middle, picker, lookup, hash_from=0, to_the_end=False)
        _finish_quietly(first, finisher)
        with os.fdopen(reader, "rb") as incoming:
            data = incoming.read()
    except BaseException:
        # Interrupted (Ctrl-C, SIGTERM) or failed: the helper's half is of no use now.
        os.kill(pid, signal.SIGKILL)
        raise
    finally:
        os.waitpid(pid, 0)
    try:
        second = pickle.loads(data)
    except (pickle.UnpicklingError, EOFError, ValueError):
        return None  # the helper died half-way: scan the whole file here instead
    if first.unfinished:
        return None  # the second half began inside a record
    from_second = []
    for key, (row, line) in second.hits.items():
        kept = first.hits.get(key)
        if kept is None or replaces(picker.rank(line), picker.rank(kept[1])):
            first.hits[key] = (first.lines + row, line)
            from_second.append(key)
    if (
        first.finished is not None
        and second.finished is not None
        and (first.encoding == second.encoding or not first.hits or not second.hits)
    ):
        for key in from_second:
            row, value = second.finished[key]
            first.finished[key] = (first.lines + row, value)
        first.encoding = second.encoding if second.hits else first.encoding
    else:
        first.finished = None  # the halves disagree on the encoding: decode all together
    first.rows += second.rows
    first.damaged += second.damaged
    first.masked += second.masked
    first.lines += second.lines
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


def _finish_quietly(part: _RangeScan, finisher: _Finisher) -> None:
    """Decode and prepare a half's rows; on any trouble leave it to the caller."""
    if part.unfinished:
        return
    try:
        part.finished, part.encoding = finisher.finish(part.hits)
    except InputError:
        part.finished = None


def _scan_range(
    path: Path,
    start: int,
    end: int,
    picker: _Picker,
    lookup: dict[bytes, str],
    hash_from: int,
    to_the_end: bool = True,
) -> _RangeScan:
    """Find members' rows between two line starts; row numbers count from the range start.

    On the way it hashes the fixed-size blocks of the file that begin in ``[hash_from,
    end)``: the feed's fingerprint is the SHA-256 of all block digests, the same whether one
    process read the file or two processes read a half each. A range that stops inside a
    quoted record fails at the end of the file and is marked ``unfinished`` elsewhere.
    Errors name the file's line as if the range began right after the header (line 2): a
    forked half that fails is scanned again from there.
    """
    result = _RangeScan()
    pending = b""
    keys: set[str] | None = None  # the lookup as Latin-1 text, for quoted blocks
    with open_input(path) as stream:
        blocks = line_blocks(
            _read_hashed(stream, start, end, hash_from, result.digests, path),
            _TooLong(picker.column, frozenset(lookup)),
        )
        for block in blocks:
            if b"\r" in block:
                block = block.replace(b"\r\n", b"\n")
            if pending or b'"' in block:
                if keys is None:
                    keys = {key.decode("latin-1") for key in lookup}
                pending, counted, result.lines = _quoted_rows(
                    pending + block, picker, keys, result, result.lines
                )
                result.rows += counted
                if len(pending) > MAX_RECORD_BYTES:  # a stray quote, not a record
                    raise InputError("feed.open_quote", path=path, line=result.lines + 2)
                continue
            lines = block.split(b"\n")
            lines.pop()  # the block ends with a newline: the last piece is empty
            result.rows += len(lines) - lines.count(b"")
            _plain_rows(lines, picker, lookup, result, result.lines)
            result.lines += len(lines)
    if pending and to_the_end:
        raise InputError("feed.bad_csv", path=path, line=result.lines + 2)
    result.unfinished = bool(pending)
    return result


@dataclass(frozen=True)
class _TooLong:
    """What stands in for a row over ``MAX_ROW_BYTES``: a marked row carrying only its ID,
    when the ID cell lies within the first MiB and is a member's (a stranger's is dropped)."""

    column: int
    keys: frozenset[bytes]

    def __call__(self, prefix: bytes) -> bytes:
        """The stand-in row for an over-long row that begins with ``prefix``."""
        cells = _whole_cells(prefix.decode("latin-1"), self.column + 1)
        key = cells[self.column].strip().encode("latin-1") if len(cells) > self.column else b""
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
    lookup: dict[bytes, str],
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
    _odd_ids(ids, joined, scan)
    position = 0
    for key in list(filter(lookup.__contains__, ids)):
        # ``key`` is the very object in ``ids``: ``index`` stops at it, in row order.
        position = ids.index(key, position)
        picker.keep(scan.hits, key, row_no + position + 1, lines[position])
        position += 1


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
    keys: set[str],
    scan: _RangeScan,
    row_no: int,
) -> tuple[bytes, int, int]:
    """Rows that may hold quoted fields (commas or newlines inside quotes), read by ``csv``.

    The bytes are read as Latin-1, one character a byte, so that cells can be cut without
    decoding them. Returns the unfinished record to carry into the next block, the rows
    counted, and the number of the last physical line of the records finished here.
    """
    column = picker.column
    lines = data.decode("latin-1").split("\n")
    lines.pop()  # the data ends with a newline: the last piece is empty
    records, firsts, done = _records(lines)
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
    _odd_ids(raw_ids, b",".join(raw_ids) + b",", scan)
    for index, key in enumerate(ids):
        if key in keys:
            first = firsts[index] if firsts is not None else index
            picker.keep(
                scan.hits,
                key.encode("latin-1"),
                row_no + first + 1,
                records[index].encode("latin-1"),
            )
    pending = "".join(line + "\n" for line in lines[done:]).encode("latin-1")
    return pending, len(records) - records.count(""), row_no + done


def _records(lines: list[str]) -> tuple[list[str], list[int] | None, int]:
    """Physical lines grouped into records: a record goes on while it holds an odd number of
    quote characters (a quoted field with a newline in it).

    Returns the records, the index of each one's first line (``None`` when every line is a
    record), and how many lines the finished records take: the rest is a record still open.
    """
    odd = [index for index, line in enumerate(lines) if line.count('"') & 1]
    if not odd:
        return lines, None, len(lines)
    records: list[str] = []
    firsts: list[int] = []
    position = 0
    for opening, closing in zip(odd[::2], odd[1::2], strict=False):
        records += lines[position:opening]
        firsts += range(position, opening)
        records.append("\n".join(lines[opening : closing + 1]))
        firsts.append(opening)
        position = closing + 1
    done = odd[-1] if len(odd) % 2 else len(lines)
    records += lines[position:done]
    firsts += range(position, done)
    return records, firsts, done


def _cells(record: str) -> list[str]:
    """One record's cells; none when ``csv`` cannot read it (then it is nobody's row)."""
    try:
        return next(csv.reader([record]), [])
    except csv.Error:
        return []
