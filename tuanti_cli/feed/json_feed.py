"""JSONL and JSON-array feeds: a stranger's line is dropped once its ID is found, unparsed;
an array not written one object a line is decoded one object at a time, never all at once."""

from __future__ import annotations

import codecs
import hashlib
import json
import re
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import Any

from tuanti_cli import jsontext
from tuanti_cli.errors import InputError
from tuanti_cli.feed.common import (
    FEED,
    MAX_ROW_BYTES,
    TOO_LONG,
    UNREADABLE_ROW,
    FeedScan,
    blocks,
    carried_fields,
    cell_damage,
    id_damage,
    line_blocks,
    member_id,
    member_keys,
    unguarded,
    unguarded_id,
)
from tuanti_cli.textfile import codec, decode_all, encodings_to_try, undecodable
from tuanti_cli.validate import normalise_id

_ID_KEYS = ("id_number", "身份证号", "身份证号码", "证件号", "证件号码", "ID number")
"""The keys the byte scanner looks for first; a record in which none is found is parsed
and its keys recognised like headers."""


def _id_patterns() -> re.Pattern[bytes]:
    keys = [k.encode(enc) for k in _ID_KEYS for enc in ("utf-8", "gb18030")]
    alternatives = b"|".join(re.escape(k) for k in dict.fromkeys(keys))
    # Excel's digit guard ="…" is written "=\"…\"" in JSON: the ID is what it encloses.
    return re.compile(rb'"(?:' + alternatives + rb')"\s*:\s*"(?:=\\")?([^"\\]*)(?:\\")?"')


def _text_id_pattern() -> re.Pattern[str]:
    alternatives = "|".join(re.escape(k) for k in _ID_KEYS)
    return re.compile(r'"(?:' + alternatives + r')"\s*:\s*"(?:=\\")?([^"\\]*)(?:\\")?"')


_TEXT_ID = _text_id_pattern()
KEYS_SAMPLE = 100
"""JSON has no header: the fields a feed carries are the keys of its first records (and of
every member's), so a feed in which no member appears still blanks what it carries. Only
the keys of those records are read, never a stranger's values."""
_KEY_DECODER = json.JSONDecoder()
_KEY = re.compile(rb'"((?:[^"\\]|\\.)*)"\s*:')
_TOKEN = re.compile(r'["{}\[\]]')
_STRING_END = re.compile(r'["\\]')


class _Skipper:
    """Follows one JSON value to its end, chunk by chunk, without keeping it (a record over
    ``MAX_ROW_BYTES``): only brackets and strings are tracked, so it stays linear."""

    def __init__(self) -> None:
        self.depth = 0
        self.in_string = False
        self.escaped = False

    def end(self, text: str, start: int) -> int | None:
        """The index just after the value's end in ``text``, or ``None`` if it goes on."""
        position = start
        while True:
            if self.escaped:
                if position >= len(text):
                    return None
                position += 1
                self.escaped = False
            if self.in_string:
                found = _STRING_END.search(text, position)
                if found is None:
                    return None
                position = found.end()
                if found.group() == "\\":
                    self.escaped = True
                    continue
                self.in_string = False
                if self.depth == 0:
                    return position
                continue
            found = _TOKEN.search(text, position)
            if found is None:
                return None
            position = found.end()
            token = found.group()
            if token == '"':
                self.in_string = True
            elif token in "{[":
                self.depth += 1
            else:
                self.depth -= 1
                if self.depth <= 0:
                    return position


def _object_fields(obj: Any) -> dict[str, Any] | None:
    if not isinstance(obj, dict):
        return None
    return FEED.first_of_each((k, "" if v is None else v) for k, v in obj.items())


def _member_key(raw: str, members: AbstractSet[str]) -> str | None:
    if raw in members:
        return raw
    key = normalise_id(unguarded_id(raw))
    return key if key in members else None


def scan_jsonl(path: Path, members: AbstractSet[str], encoding: str) -> FeedScan:
    """Scan a JSONL feed, one object a line."""
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
    path: Path, members: AbstractSet[str], encoding: str, array: _ArrayLines | None
) -> FeedScan:
    """JSONL, or a JSON array one object a line, read line by line: a stranger's line is
    dropped once its ID is found, unparsed. Raises :class:`_NotOnePerLine` for an array
    laid out otherwise (or not valid JSON: reading it object by object says where)."""
    digest = hashlib.sha256()
    find_id = _id_patterns()
    lookup = member_keys(members)
    rows = 0
    saw_id = False
    kept: list[tuple[int, bytes, str | None]] = []
    line_no = 0
    damaged = 0
    sample_keys: set[bytes] = set()

    def too_long(prefix: bytes) -> bytes:
        found = find_id.search(prefix)
        return TOO_LONG + (found.group(1).strip() if found else b"")

    for block in line_blocks(blocks(path, digest), too_long):
        for line in block.split(b"\n")[:-1]:
            line_no += 1
            text = line.strip()
            if not text:
                continue
            if text[:1] == TOO_LONG:  # a record over MAX_ROW_BYTES
                if array is not None:
                    if not array.opened or array.closed:
                        raise _NotOnePerLine
                    array.objects += 1
                    array.comma = True  # not known (the end was skipped): assume one
                rows += 1
                saw_id = saw_id or len(text) > 1
                key = member_id(text[1:]) if text[1:] in lookup else None
                if key is not None:
                    kept.append((rows if array is not None else line_no, TOO_LONG, key))
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
            raw = match.group(1).strip()
            if raw[:1] == b"'":  # a digit guard (PRODUCT §4)
                raw = unguarded(raw)
            key = member_id(raw) if raw in lookup else None
            if rows <= KEYS_SAMPLE:
                sample_keys.update(_KEY.findall(text))
            if key is not None or not raw.isalnum():
                # a member; or an ID written with full-width digits or inner spaces, which
                # only the parsed and normalised value can tell (see _keep)
                kept.append((number, text, key))
            elif raw.endswith(b"000") and id_damage(raw.decode("latin-1")):
                damaged += 1  # a stranger, dropped; but a spreadsheet lost this ID's digits
            # else: a stranger, dropped without parsing the rest
    if array is not None and not array.closed:
        raise _NotOnePerLine
    texts, used = decode_all([raw for _, raw, _ in kept], encoding, path)
    result = FeedScan(rows=rows, encoding=used, sha256=digest.hexdigest(), saw_id=saw_id)
    result.damaged_ids = damaged
    result.carried = _carried_by_keys(sample_keys, encoding)
    for (number, raw, key), decoded in zip(kept, texts, strict=True):
        if raw == TOO_LONG and key is not None:
            result.keep_latest(key, number, {UNREADABLE_ROW: True})
            continue
        try:
            fields = _object_fields(jsontext.loads(decoded))
        except (json.JSONDecodeError, RecursionError):
            if array is not None:
                raise _NotOnePerLine from None
            if key is not None:  # a member's line that is not JSON: a bad row for them
                result.keep_latest(key, number, {UNREADABLE_ROW: True})
            continue
        _keep(fields, number, members, result)
    _require_ids(result, path)
    return result


def _carried_by_keys(keys: set[bytes], encoding: str) -> frozenset[str]:
    """The health fields that JSON keys (raw bytes, as written between the quotes) name."""
    names: list[str] = []
    for key in sorted(keys):
        for name in encodings_to_try(encoding):
            try:
                names.append(_KEY_DECODER.decode('"' + key.decode(codec(name)) + '"'))
                break
            except (UnicodeDecodeError, json.JSONDecodeError):
                continue
    return carried_fields(FEED.first_of_each((name, None) for name in names))


def _require_ids(result: FeedScan, path: Path) -> None:
    if result.rows and not result.saw_id:
        raise InputError("feed.no_id_column", path=path)


def _keep(
    fields: dict[str, Any] | None, row: int, members: AbstractSet[str], result: FeedScan
) -> None:
    if not fields or "id_number" not in fields:
        return
    result.saw_id = True
    result.carried |= carried_fields(fields)
    value = fields["id_number"]
    # A JSON number is an ID only when it is exactly a member's (written by a program).
    key = _member_key(str(value).strip(), members) if not isinstance(value, float) else None
    if key is not None:
        result.keep_latest(key, row, fields)
        return
    result.count_damage(cell_damage(value))


def _keep_too_long(prefix: str, members: AbstractSet[str], result: FeedScan) -> None:
    """A record over ``MAX_ROW_BYTES``: a bad row if its ID (in its first MiB) is a member's."""
    found = _TEXT_ID.search(prefix)
    if found is None:
        return
    result.saw_id = True
    key = _member_key(found.group(1).strip(), members)
    if key is not None:
        result.keep_latest(key, result.rows, {UNREADABLE_ROW: True})


def _text_chunks(path: Path, encoding: str, digest: Any) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder(codec(encoding))()
    for block in blocks(path, digest):
        yield decoder.decode(block)
    yield decoder.decode(b"", final=True)


def scan_json(path: Path, members: AbstractSet[str], encoding: str) -> FeedScan:
    """A JSON array: line by line when written one object a line, else decoded one object
    at a time (``raw_decode``); never all at once."""
    try:
        return _scan_json_lines(path, members, encoding, _ArrayLines())
    except _NotOnePerLine:
        pass
    for name in encodings_to_try(encoding):
        digest = hashlib.sha256()
        result = FeedScan(encoding=name)
        try:
            _json_objects(_text_chunks(path, name, digest), members, result, path, name)
        except UnicodeDecodeError:
            continue
        result.sha256 = digest.hexdigest()
        _require_ids(result, path)
        return result
    raise undecodable(encoding, path)


def _json_objects(
    chunks: Iterator[str], members: AbstractSet[str], result: FeedScan, path: Path, encoding: str
) -> None:
    decoder = json.JSONDecoder()
    buffer = ""
    position = 0
    started = ended = False
    skipper: _Skipper | None = None
    for text in chunks:
        if skipper is not None:  # inside a record over MAX_ROW_BYTES: nothing is kept
            end = skipper.end(text, 0)
            if end is None:
                continue
            skipper, buffer = None, text[end:]
        else:
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
                start = position
                obj, position = jsontext.raw_decode(decoder, buffer, position)
            except json.JSONDecodeError:
                if len(buffer) - position <= MAX_ROW_BYTES:
                    break  # an object cut by the chunk boundary: read on
                result.rows += 1
                _keep_too_long(buffer[position : position + MAX_ROW_BYTES], members, result)
                skipper = _Skipper()
                end = skipper.end(buffer, position)
                if end is None:
                    buffer, position = "", 0
                    break
                skipper, position = None, end
                continue
            except RecursionError:
                raise InputError("feed.bad_json", path=path, line=result.rows + 1) from None
            result.rows += 1
            # Counted in characters so far; a character takes at most 4 bytes.
            if position - start > MAX_ROW_BYTES // 4 and (
                len(buffer[start:position].encode(codec(encoding))) > MAX_ROW_BYTES
            ):
                _keep_too_long(buffer[start : start + MAX_ROW_BYTES], members, result)
                continue
            _keep(_object_fields(obj), result.rows, members, result)
    if skipper is not None or buffer[position:].strip() or not ended:
        raise InputError("feed.bad_json", path=path, line=result.rows + 1)
