"""CSV feeds, scanned as bytes: a row's ID is cut out undecoded and looked up among the
members; a large file is scanned in two halves at once (this process and a forked one)."""

from __future__ import annotations

import csv
import hashlib
import os
import pickle
import signal
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from tuanti_cli.errors import InputError
from tuanti_cli.feed.common import (
    CHUNK_BYTES,
    FEED_HEADERS,
    MAX_ROW_BYTES,
    TOO_LONG,
    UNREADABLE_ROW,
    FeedScan,
    Prepare,
    line_blocks,
    member_lookup,
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


def _header(path: Path, encoding: str) -> tuple[str, int, list[str]]:
    """The header's encoding, the offset of the first data byte, and the header cells."""
    with open_input(path) as stream:
        first = stream.readline(MAX_ROW_BYTES + 1)
    if len(first) > MAX_ROW_BYTES:
        raise InputError("guards.header_too_long", path=path)
    raw = first.rstrip(b"\r\n")
    if b"\x00" in raw:
        raise InputError("input.binary", path=path)
    if not raw:
        raise InputError("feed.empty", path=path)
    if b"\r" in raw:
        raise InputError("feed.cr_only", path=path)
    (text,), used = decode_all([raw], encoding, path)
    try:
        return used, len(first), next(csv.reader([text]))
    except csv.Error:
        raise InputError("feed.bad_csv", path=path, line=1) from None


def scan_csv(path: Path, members: set[str], encoding: str, prepare: Prepare) -> FeedScan:
    """Scan a CSV feed: its header names the columns; members' rows are read, others dropped."""
    header_encoding, data_start, headers = _header(path, encoding)
    columns = FEED_HEADERS.first_of_each((header, index) for index, header in enumerate(headers))
    if "id_number" not in columns:
        raise InputError("feed.no_id_column", path=path)
    column = columns["id_number"]
    lookup = member_lookup(members)
    size = path.stat().st_size
    finisher = _Finisher(tuple((i, name) for name, i in columns.items()), encoding, path, prepare)
    scanned = _scan_in_two(path, data_start, size, column, lookup, finisher)
    if scanned is None:
        scanned = _scan_range(path, data_start, size, column, lookup, hash_from=0)
    if scanned.finished is None:
        scanned.finished, scanned.encoding = finisher.finish(scanned.hits)
    result = FeedScan(
        rows=scanned.rows,
        encoding=scanned.encoding if scanned.hits else header_encoding,
        sha256=hashlib.sha256(b"".join(scanned.digests)).hexdigest(),
    )
    for key, (row, value) in scanned.finished.items():
        result.latest[lookup[key]] = (row + 1, value)
    return result


def _scan_in_two(
    path: Path,
    start: int,
    end: int,
    column: int,
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
            second = _scan_range(path, middle, end, column, lookup, hash_from=middle)
            _finish_quietly(second, finisher)
            with os.fdopen(writer, "wb") as out:
                pickle.dump(second, out, protocol=pickle.HIGHEST_PROTOCOL)
        finally:
            os._exit(0)
    os.close(writer)
    try:
        first = _scan_range(path, start, middle, column, lookup, hash_from=0, to_the_end=False)
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
    for key, (row, line) in second.hits.items():
        first.hits[key] = (first.lines + row, line)  # later rows win
    if (
        first.finished is not None
        and second.finished is not None
        and (first.encoding == second.encoding or not first.hits or not second.hits)
    ):
        for key, (row, value) in second.finished.items():
            first.finished[key] = (first.lines + row, value)
        first.encoding = second.encoding if second.hits else first.encoding
    else:
        first.finished = None  # the halves disagree on the encoding: decode all together
    first.rows += second.rows
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
    column: int,
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
            _TooLong(column, frozenset(lookup)),
        )
        for block in blocks:
            if b"\r" in block:
                block = block.replace(b"\r\n", b"\n")
            if pending or b'"' in block:
                if keys is None:
                    keys = {key.decode("latin-1") for key in lookup}
                pending, counted, result.lines = _quoted_rows(
                    pending + block, column, keys, result.hits, result.lines
                )
                result.rows += counted
                if len(pending) > MAX_RECORD_BYTES:  # a stray quote, not a record
                    raise InputError("feed.open_quote", path=path, line=result.lines + 2)
                continue
            lines = block.split(b"\n")
            lines.pop()  # the block ends with a newline: the last piece is empty
            result.rows += len(lines) - lines.count(b"")
            _plain_rows(lines, column, lookup, result.hits, result.lines)
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
    column: int,
    lookup: dict[bytes, str],
    hits: dict[bytes, tuple[int, bytes]],
    row_no: int,
) -> None:
    """Rows without quotes: cut each ID out with one ``split`` and test it, in bulk."""
    limit = column + 1
    try:
        # strip(): a provider's export may pad cells with spaces.
        found = [line for line in lines if line.split(b",", limit)[column].strip() in lookup]
    except IndexError:  # a row with fewer cells than the ID column: test row by row
        found = [
            line
            for line in lines
            if (line.split(b",", limit)[column:limit] or [b""])[0].strip() in lookup
        ]
    position = 0
    for line in found:
        # The found line is the very object in ``lines``, so ``index`` matches it by
        # identity at once; equal lines before it were found (and passed) first.
        position = lines.index(line, position)
        # Last row wins: a later row for the same person replaces the earlier one.
        hits[line.split(b",", limit)[column].strip()] = (row_no + position + 1, line)
        position += 1


def _quoted_rows(
    data: bytes,
    column: int,
    keys: set[str],
    hits: dict[bytes, tuple[int, bytes]],
    row_no: int,
) -> tuple[bytes, int, int]:
    """Rows that may hold quoted fields (commas or newlines inside quotes), read by ``csv``.

    The bytes are read as Latin-1, one character a byte, so that cells can be cut without
    decoding them. Returns the unfinished record to carry into the next block, the rows
    counted, and the number of the last physical line of the records finished here.
    """
    lines = data.decode("latin-1").split("\n")
    lines.pop()  # the data ends with a newline: the last piece is empty
    records, firsts, done = _records(lines)
    try:
        found = [
            (index, key)
            for index, cells in enumerate(csv.reader(records))
            if len(cells) > column and (key := cells[column].strip()) in keys
        ]
    except csv.Error:  # e.g. a lone carriage return: read record by record instead
        found = [
            (index, key)
            for index, record in enumerate(records)
            if (cells := _cells(record))[column:] and (key := cells[column].strip()) in keys
        ]
    for index, key in found:
        first = firsts[index] if firsts is not None else index
        # Last row wins: a later row for the same person replaces the earlier one.
        hits[key.encode("latin-1")] = (row_no + first + 1, records[index].encode("latin-1"))
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
