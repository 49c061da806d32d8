"""Streaming the health feed (PRODUCT §5): keep only members' rows, parse only those.

Memory grows with the number of members, not with the feed. CSV and JSONL are scanned as
bytes: a row's ID number is cut out without decoding the row, and a non-member's row is
dropped right there — its other fields are never decoded or parsed. Only the header and the
members' rows are decoded, strictly as UTF-8 or else GB18030 (in both, the bytes for
``,``, ``"`` and newlines never occur inside a multi-byte character, so cutting on them is
safe).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
import os
import pickle
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeAlias

from tuanti_cli.errors import InputError
from tuanti_cli.textfile import decode_all, open_input
from tuanti_cli.validate import normalise_id

CHUNK_BYTES = 256 << 10  # small blocks stay in the CPU cache: measurably faster
FEED_FIELDS: dict[str, tuple[str, ...]] = {
    "id_number": ("id_number", "证件号码", "身份证号", "身份证号码", "证件号"),
    "name": ("name", "姓名"),
    "health_code": ("health_code", "健康码状态", "健康码"),
    "nat_sampled_at": ("nat_sampled_at", "核酸采样时间"),
    "nat_result": ("nat_result", "核酸结果", "核酸检测结果"),
    "vaccination": ("vaccination", "疫苗接种状态"),
    "vaccine_doses": ("vaccine_doses", "接种剂次"),
    "last_dose_date": ("last_dose_date", "最后接种日期", "末次接种日期"),
}
_HEADER_TO_FIELD = {a.lower(): f for f, names in FEED_FIELDS.items() for a in names}
UNREADABLE_ROW = "_unreadable_row"
"""Marks a member's feed record that could not be parsed at all."""
_EXTENSIONS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json"}


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


def feed_field(header: Any) -> str | None:
    """The field a feed header names, or ``None``."""
    if not isinstance(header, str):
        return None
    return _HEADER_TO_FIELD.get(header.strip().lstrip("\ufeff").lower())


def _blocks(path: Path, digest: Any) -> Iterator[bytes]:
    """The file's bytes in large blocks, hashed on the way; NUL bytes refused."""
    with open_input(path) as stream:
        while block := stream.read(CHUNK_BYTES):
            if b"\x00" in block:
                raise InputError("input.binary", path=path)
            digest.update(block)
            yield block


def _line_blocks(blocks: Iterator[bytes]) -> Iterator[bytes]:
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


def detect_format(path: Path) -> str:
    """By extension, else by the first non-blank byte."""
    for extension, name in _EXTENSIONS.items():
        if path.name.lower().endswith(extension):
            return name
    with open_input(path) as stream:
        start = stream.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return {b"[": "json", b"{": "jsonl"}.get(start, "csv")


def _lookup(members: set[str]) -> dict[bytes, str]:
    """Member IDs as the bytes a feed may write them (``x`` for ``X`` too)."""
    table = {m.encode("ascii"): m for m in members}
    table.update({m[:-1].encode("ascii") + b"x": m for m in members if m.endswith("X")})
    return table


Prepare: TypeAlias = Callable[[dict[str, Any]], Any]


def _as_is(fields: dict[str, Any]) -> Any:
    return fields


def scan(
    path: Path,
    members: set[str],
    encoding: str = "auto",
    input_format: str = "auto",
    prepare: Prepare = _as_is,
) -> FeedScan:
    """Read the whole feed once, keeping the last row of every member's ID number.

    ``prepare`` turns a member's raw fields into what the caller wants kept (it must be
    picklable: for a large CSV it runs in both scanning processes, on each one's rows).
    A feed that is replaced or written to while it is read is refused: applying half of a
    snapshot would turn the members in the other half ``unknown``.
    """
    before = _identity(path)
    fmt = detect_format(path) if input_format == "auto" else input_format
    if fmt == "csv":
        result = _scan_csv(path, members, encoding, prepare)
    else:
        result = {"jsonl": _scan_jsonl, "json": _scan_json}[fmt](path, members, encoding)
        result.latest = {k: (row, prepare(f)) for k, (row, f) in result.latest.items()}
    if _identity(path) != before:
        raise InputError("feed.changed", path=path)
    if result.rows == 0:
        raise InputError("feed.empty", path=path)
    return result


def _identity(path: Path) -> tuple[int, int, int, int] | None:
    """Which file the path names and its size and modification time, if it names one."""
    try:
        status = path.stat()
    except OSError:
        return None  # missing or unreadable: opening it says so
    return (status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns)


PARALLEL_MIN_BYTES = 16 << 20
MAX_RECORD_BYTES = 1 << 20
"""A quoted record still open after this many bytes is a stray quote (csv's own limit for
a field is 128 KiB): carrying it on would hold the rest of the feed in memory."""
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
        first = stream.readline()
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


def _scan_csv(path: Path, members: set[str], encoding: str, prepare: Prepare) -> FeedScan:
    header_encoding, data_start, headers = _header(path, encoding)
    columns: dict[str, int] = {}
    for index, header in enumerate(headers):
        name = feed_field(header)
        if name is not None and name not in columns:
            columns[name] = index
    if "id_number" not in columns:
        raise InputError("feed.no_id_column", path=path)
    column = columns["id_number"]
    lookup = _lookup(members)
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
    with open_input(path) as stream:
        stream.seek(start + (end - start) // 2)
        stream.readline()
        middle = stream.tell()
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: scan the second half, send it back, leave at once
        try:
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
        blocks = _line_blocks(_read_hashed(stream, start, end, hash_from, result.digests, path))
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
            index
            for index, cells in enumerate(csv.reader(records))
            if len(cells) > column and cells[column].strip() in keys
        ]
    except csv.Error:  # e.g. a lone carriage return: read record by record instead
        found = [
            index
            for index, record in enumerate(records)
            if (cells := _cells(record))[column:] and cells[column].strip() in keys
        ]
    for index in found:
        record = records[index]
        key = _cells(record)[column].strip().encode("latin-1")
        first = firsts[index] if firsts is not None else index
        hits[key] = (row_no + first + 1, record.encode("latin-1"))  # last row wins
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


def _id_patterns() -> re.Pattern[bytes]:
    keys = [k.encode(enc) for k in FEED_FIELDS["id_number"] for enc in ("utf-8", "gb18030")]
    alternatives = b"|".join(re.escape(k) for k in dict.fromkeys(keys))
    return re.compile(rb'"(?:' + alternatives + rb')"\s*:\s*"([^"\\]*)"')


def _object_fields(obj: Any) -> dict[str, Any] | None:
    if not isinstance(obj, dict):
        return None
    fields: dict[str, Any] = {}
    for key, value in obj.items():
        name = feed_field(key)
        if name is not None and name not in fields:
            fields[name] = "" if value is None else value
    return fields


def _member_key(raw: str, members: set[str]) -> str | None:
    if raw in members:
        return raw
    key = normalise_id(raw)
    return key if key in members else None


def _scan_jsonl(path: Path, members: set[str], encoding: str) -> FeedScan:
    return _scan_json_lines(path, members, encoding, None)


class _NotOnePerLine(Exception):
    """The JSON array is not written one object a line: read it object by object instead."""


class _ArrayLines:
    """Follows a JSON array written ``[``, one object a line with a comma after each but the
    last, ``]`` (as most exporters stream it), and hands on each object's bytes."""

    def __init__(self) -> None:
        self.opened = self.closed = self.comma = False
        self.objects = 0

    def item(self, text: bytes) -> bytes | None:
        """The object on this stripped, non-blank line, or ``None`` for a bracket."""
        if not self.opened:
            if text.removeprefix(b"\xef\xbb\xbf").strip() != b"[":
                raise _NotOnePerLine
            self.opened = True
            return None
        if self.closed:
            raise _NotOnePerLine
        if text == b"]":
            if self.comma:  # a comma after the last object
                raise _NotOnePerLine
            self.closed = True
            return None
        if self.objects and not self.comma:  # two objects with no comma between them
            raise _NotOnePerLine
        self.comma = text.endswith(b",")
        text = text[:-1].rstrip() if self.comma else text
        if not (text.startswith(b"{") and text.endswith(b"}")):
            raise _NotOnePerLine
        self.objects += 1
        return text


def _scan_json_lines(
    path: Path, members: set[str], encoding: str, array: _ArrayLines | None
) -> FeedScan:
    """JSONL, or a JSON array one object a line, read line by line: a stranger's line is
    dropped once its ID is found, unparsed. Raises :class:`_NotOnePerLine` for an array
    laid out otherwise (or not valid JSON: reading it object by object says where)."""
    digest = hashlib.sha256()
    find_id = _id_patterns()
    lookup = _lookup(members)
    rows = 0
    saw_id = False
    kept: list[tuple[int, bytes, str | None]] = []
    line_no = 0
    for block in _line_blocks(_blocks(path, digest)):
        for line in block.split(b"\n")[:-1]:
            line_no += 1
            text = line.strip()
            if not text:
                continue
            if array is not None:
                if array.comma and text[-2:] == b"}," and text[:1] == b"{":
                    text = text[:-1]  # the usual line, checked here for speed
                    array.objects += 1
                else:
                    item = array.item(text)
                    if item is None:
                        continue
                    text = item
            rows += 1
            number = rows if array is not None else line_no  # JSON counts objects
            match = find_id.search(text)
            if match is None:
                kept.append((number, text, None))  # no ID found cheaply: parse to look
                continue
            saw_id = True
            key = lookup.get(match.group(1).strip())
            if key is not None:
                kept.append((number, text, key))
            # else: a stranger, dropped without parsing the rest
    if array is not None and not array.closed:
        raise _NotOnePerLine
    texts, used = decode_all([raw for _, raw, _ in kept], encoding, path)
    result = FeedScan(rows=rows, encoding=used, sha256=digest.hexdigest(), saw_id=saw_id)
    for (number, _, key), decoded in zip(kept, texts, strict=True):
        try:
            fields = _object_fields(json.loads(decoded))
        except (json.JSONDecodeError, RecursionError):
            if array is not None:
                raise _NotOnePerLine from None
            if key is not None:  # a member's line that is not JSON: a bad row for them
                result.latest[key] = (number, {UNREADABLE_ROW: True})
            continue
        _keep(fields, number, members, result)
    _require_ids(result, path)
    return result


def _require_ids(result: FeedScan, path: Path) -> None:
    if result.rows and not result.saw_id:
        raise InputError("feed.no_id_column", path=path)


def _keep(fields: dict[str, Any] | None, row: int, members: set[str], result: FeedScan) -> None:
    if not fields or "id_number" not in fields:
        return
    result.saw_id = True
    key = _member_key(str(fields["id_number"]).strip(), members)
    if key is not None:
        result.latest[key] = (row, fields)


def _text_chunks(path: Path, encoding: str, digest: Any) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder("utf-8-sig" if encoding == "utf-8" else encoding)()
    for block in _blocks(path, digest):
        yield decoder.decode(block)
    yield decoder.decode(b"", final=True)


def _scan_json(path: Path, members: set[str], encoding: str) -> FeedScan:
    """A JSON array: line by line when written one object a line, else decoded one object
    at a time (``raw_decode``); never all at once."""
    try:
        return _scan_json_lines(path, members, encoding, _ArrayLines())
    except _NotOnePerLine:
        pass
    tried = ("utf-8", "gb18030") if encoding == "auto" else (encoding,)
    for name in tried:
        digest = hashlib.sha256()
        result = FeedScan(encoding=name)
        try:
            _json_objects(_text_chunks(path, name, digest), members, result, path)
        except UnicodeDecodeError:
            continue
        result.sha256 = digest.hexdigest()
        _require_ids(result, path)
        return result
    if encoding == "auto":
        raise InputError("input.encoding", path=path)
    raise InputError("input.encoding_forced", path=path, encoding=encoding)


def _json_objects(chunks: Iterator[str], members: set[str], result: FeedScan, path: Path) -> None:
    decoder = json.JSONDecoder()
    buffer = ""
    position = 0
    started = ended = False
    for text in chunks:
        buffer = buffer[position:] + text
        position = 0
        while True:
            while position < len(buffer) and buffer[position] in " \t\r\n,":
                position += 1
            if position >= len(buffer):
                break
            if not started:
                if buffer[position] != "[":
                    raise InputError("feed.json_not_list", path=path)
                started = True
                position += 1
                continue
            if buffer[position] == "]":
                ended = True
                position += 1
                continue
            if ended:
                raise InputError("feed.bad_json", path=path, line=result.rows + 1)
            try:
                obj, position = decoder.raw_decode(buffer, position)
            except json.JSONDecodeError:
                break  # an object cut by the chunk boundary: read on
            except RecursionError:
                raise InputError("feed.bad_json", path=path, line=result.rows + 1) from None
            result.rows += 1
            _keep(_object_fields(obj), result.rows, members, result)
    if buffer[position:].strip() or not ended:
        raise InputError("feed.bad_json", path=path, line=result.rows + 1)
