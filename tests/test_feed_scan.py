"""The byte-level feed scanner, tested directly (both the serial and the two-process path)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import make_id, make_ids
from tuanti_cli import feed
from tuanti_cli.errors import InputError
from tuanti_cli.feed import csv_feed

HEADER = "姓名,证件号码,健康码状态\n"


def x_id() -> str:
    return next(n for n in (make_id("440301", seq=s) for s in range(1000)) if n.endswith("X"))


def _scan_with_spy(
    path: Path, members: set[str], monkeypatch: pytest.MonkeyPatch, parallel: bool
) -> tuple[feed.FeedScan, list[bool]]:
    """Scan, noting whether the two-process scan was used (``True``) or gave up."""
    monkeypatch.setattr(csv_feed, "PARALLEL_MIN_BYTES", 1 << 20 if parallel else 1 << 40)
    used: list[bool] = []
    scan_in_two = csv_feed._scan_in_two

    def spy(*args: object) -> object:
        result = scan_in_two(*args)  # type: ignore[arg-type]
        used.append(result is not None)
        return result

    monkeypatch.setattr(csv_feed, "_scan_in_two", spy)
    return feed.scan(path, members), used


def test_padded_and_lowercase_ids_match(tmp_path: Path) -> None:
    plain, with_x = make_ids(1)[0], x_id()
    path = tmp_path / "feed.csv"
    path.write_text(
        HEADER + f"甲, {plain} ,绿码\n乙,{with_x.lower()},红码\n丙,99,黄码\n", encoding="utf-8"
    )
    scan = feed.scan(path, {plain, with_x})
    assert scan.rows == 3
    assert scan.latest[plain] == (2, {"name": "甲", "id_number": plain, "health_code": "绿码"})
    assert scan.latest[with_x][1]["health_code"] == "红码"


@pytest.mark.parametrize("parallel", [False, True])
def test_both_paths_agree_on_rows_fingerprint_and_last_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parallel: bool
) -> None:
    members = make_ids(50)
    path = tmp_path / "feed.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        for i in range(300_000):
            out.write(f"路人{i},9{i:017d},绿码\n")
        for number in members:
            out.write(f"甲,{number},黄码\n")
        out.write(f"甲,{members[0]},红码\n")  # the last row for this person wins
    scan, used = _scan_with_spy(path, set(members), monkeypatch, parallel)
    assert used == [parallel]
    assert scan.rows == 300_000 + 51
    assert scan.latest[members[0]] == (
        300_000 + 52,
        {"name": "甲", "id_number": members[0], "health_code": "红码"},
    )
    assert scan.latest[members[1]][0] == 300_000 + 3
    monkeypatch.setattr(csv_feed, "PARALLEL_MIN_BYTES", 1 << 40 if parallel else 1 << 20)
    assert feed.scan(path, set(members)).sha256 == scan.sha256


def test_halves_that_disagree_on_the_encoding_are_decoded_together(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = make_ids(2)
    path = tmp_path / "feed.csv"
    with path.open("wb") as out:
        out.write("name,id_number,health_code\n".encode("gb18030"))
        out.write(f"Li,{first},green\n".encode("gb18030"))  # ASCII: valid UTF-8 as well
        for i in range(200_000):
            out.write(f"x{i},9{i:017d},green\n".encode("gb18030"))
        out.write(f"㑇{second[:2]},{second},red\n".encode("gb18030"))  # not UTF-8
    monkeypatch.setattr(csv_feed, "PARALLEL_MIN_BYTES", 1 << 20)
    scan = feed.scan(path, {first, second})
    assert scan.encoding == "gb18030"
    assert scan.latest[first][1]["name"] == "Li"
    assert scan.latest[second][1] == {
        "name": f"㑇{second[:2]}",
        "id_number": second,
        "health_code": "red",
    }


@pytest.mark.parametrize("parallel", [False, True])
def test_row_numbers_count_blank_short_and_repeated_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parallel: bool
) -> None:
    members = make_ids(40)
    lines = []
    for i in range(120_000):
        lines.append(f"路人{i},9{i:017d},绿码")
        if i % 3001 == 0:
            lines.append("")  # a blank line: counted as a line, not as a row
        if i % 2999 == 0:
            lines.append("short")  # fewer cells than the ID column
        if i % 3000 == 0:
            member = members[i // 3000]
            lines += [f"甲,{member},黄码"] * 2  # the same bytes twice: the second one wins
    path = tmp_path / "feed.csv"
    path.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    expected = {}
    for number, line in enumerate(lines, start=2):  # the header is line 1
        cells = line.split(",")
        if len(cells) > 1 and cells[1] in members:
            expected[cells[1]] = number
    monkeypatch.setattr(csv_feed, "PARALLEL_MIN_BYTES", 1 << 20 if parallel else 1 << 40)
    scan = feed.scan(path, set(members))
    assert scan.rows == sum(1 for line in lines if line)
    assert {key: row for key, (row, _) in scan.latest.items()} == expected


def test_quoted_feeds_are_split_too_and_agree_with_the_serial_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    members = make_ids(30)
    path = tmp_path / "quoted.csv"
    expected = {}
    with path.open("w", encoding="utf-8") as out:
        out.write('"姓名","证件号码","健康码状态","备注"\n')
        for i in range(60_000):
            number = members[i % 30] if i % 2000 == 7 else f"9{i:017d}"
            # Newlines inside quotes near both ends (the cut, in the middle, is not in one);
            # commas inside quotes everywhere.
            multi_line = i < 3000 or i > 57_000
            note = '"两行\n备注"' if multi_line else '"甲,乙"'
            out.write(f'"路人{i}","{number}","绿码",{note}\n')
            if number in members:
                expected[number] = i + 2  # a spreadsheet's row: one a record, the header 1
    serial, _ = _scan_with_spy(path, set(members), monkeypatch, parallel=False)
    split, used = _scan_with_spy(path, set(members), monkeypatch, parallel=True)
    assert used == [True]
    assert (split.rows, split.latest, split.sha256) == (serial.rows, serial.latest, serial.sha256)
    assert serial.rows == 60_000
    assert {key: row for key, (row, _) in serial.latest.items()} == expected
    assert serial.latest[members[7]][1]["health_code"] == "绿码"


def test_a_cut_inside_a_quoted_field_falls_back_to_one_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = make_ids(2)
    path = tmp_path / "long-note.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write("姓名,证件号码,健康码状态,备注\n")
        out.write(f"甲,{first},绿码,x\n")
        for i in range(15_000):
            out.write(f"路人{i},9{i:017d},绿码,\n")
        # ≈0.9 MB of one quoted field: the middle of the file, where it is cut in two
        note = "\n".join(f"第{i}行,{second}" for i in range(30_000))
        out.write(f'路人,999999999999999999,红码,"{note}"\n')
        for i in range(15_000):
            out.write(f"路人{i},8{i:017d},绿码,\n")
        out.write(f"乙,{second},黄码,\n")
    scan, used = _scan_with_spy(path, {first, second}, monkeypatch, parallel=True)
    assert used == [False]
    assert scan.rows == 30_003
    assert scan.latest[first][0] == 2
    assert scan.latest[second] == (
        2 + 15_000 + 1 + 15_000 + 1,  # the 30,000-line note is one record: one row
        {"name": "乙", "id_number": second, "health_code": "黄码"},
    )


@pytest.mark.parametrize("parallel", [False, True])
def test_a_stray_quote_is_reported_not_carried_through_the_feed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parallel: bool
) -> None:
    member = make_ids(1)[0]
    path = tmp_path / "stray.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        out.write(f"甲,{member},绿码\n")
        out.write('乙",999999999999999999,绿码\n')  # line 3: a quote that never closes
        for i in range(100_000):
            out.write(f"路人{i},9{i:017d},绿码\n")
    monkeypatch.setattr(csv_feed, "PARALLEL_MIN_BYTES", 1 << 20 if parallel else 1 << 40)
    with pytest.raises(InputError) as raised:
        feed.scan(path, {member})
    assert raised.value.key == "feed.open_quote"
    assert "line 3" in str(raised.value)


def test_a_feed_cut_inside_quotes_names_the_line_the_quote_opened(tmp_path: Path) -> None:
    member = make_ids(1)[0]
    path = tmp_path / "cut.csv"
    path.write_text(HEADER + f'甲,{member},绿码\n\n乙,{member},"红码\n', encoding="utf-8")
    with pytest.raises(InputError) as raised:
        feed.scan(path, {member})
    assert raised.value.key == "feed.bad_csv"
    assert "(line 4)" in str(raised.value)


@pytest.mark.parametrize("how", ["appended", "replaced"])
def test_a_feed_written_while_it_is_read_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    member = make_ids(1)[0]
    path = tmp_path / "feed.csv"
    path.write_text(HEADER + f"甲,{member},绿码\n", encoding="utf-8")
    scan_csv = csv_feed.scan_csv

    def provider_writes_meanwhile(*args: object) -> object:
        result = scan_csv(*args)  # type: ignore[arg-type]
        if how == "appended":
            with path.open("a", encoding="utf-8") as out:
                out.write(f"乙,{make_ids(2)[1]},红码\n")
        else:
            fresh = tmp_path / "fresh.csv"
            fresh.write_text(HEADER + f"甲,{member},红码\n", encoding="utf-8")
            fresh.replace(path)
        return result

    monkeypatch.setattr(csv_feed, "scan_csv", provider_writes_meanwhile)
    with pytest.raises(InputError) as raised:
        feed.scan(path, {member})
    assert raised.value.key == "feed.changed"
    monkeypatch.setattr(csv_feed, "scan_csv", scan_csv)
    assert feed.scan(path, {member}).rows >= 1  # once it stands still, it is read


def _json_feed(path: Path, objects: list[dict[str, str]], layout: str) -> None:
    if layout == "one-a-line":
        lines = ",\n".join(json.dumps(o, ensure_ascii=False) for o in objects)
        text = "\ufeff[\n" + lines + "\n]\n"
    elif layout == "compact":
        text = json.dumps(objects, ensure_ascii=False)
    else:
        text = json.dumps(objects, ensure_ascii=False, indent=2)
    path.write_text(text, encoding="utf-8")


@pytest.mark.parametrize("layout", ["one-a-line", "compact", "pretty"])
def test_json_arrays_one_object_a_line_leave_strangers_unparsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, layout: str
) -> None:
    members = make_ids(3)
    objects = [{"证件号码": f"9{i:017d}", "健康码状态": "绿码"} for i in range(500)]
    objects[100] = {"姓名": "甲", "证件号码": members[0], "健康码状态": "红码"}
    objects[300] = {"证件号码": members[1].lower(), "健康码状态": "黄码", "x": {"y": [1]}}
    objects.append({"证件号码": members[0], "健康码状态": "绿码"})  # the last one wins
    path = tmp_path / "feed.json"
    _json_feed(path, objects, layout)
    parsed = []
    loads = json.loads

    def counting_loads(text: str) -> object:
        parsed.append(text)
        return loads(text)

    monkeypatch.setattr(json, "loads", counting_loads)
    scan = feed.scan(path, set(members))
    assert scan.rows == 501
    assert scan.latest[members[0]] == (501, {"id_number": members[0], "health_code": "绿码"})
    assert scan.latest[members[1]][0] == 301
    assert members[2] not in scan.latest
    if layout == "one-a-line":
        assert len(parsed) == 3  # the members' objects, and nobody else's
    else:
        assert parsed == []  # read object by object instead (raw_decode)


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        pytest.param('[\n{"id_number": "1"},\n{"id_number": "2"},\n]\n', False, id="comma-at-end"),
        pytest.param('[\n{"id_number": "1"}\n{"id_number": "2"}\n]\n', False, id="comma-missing"),
        pytest.param('[\n{"id_number": "1"},\n{"id_number": "2"},\n', True, id="cut-short"),
        pytest.param('[\n{"id_number": "1"},\n{"id_number": 2 3}\n]\n', True, id="not-json"),
    ],
)
def test_loose_commas_are_forgiven_and_a_broken_json_array_refused(
    tmp_path: Path, text: str, refused: bool
) -> None:
    path = tmp_path / "feed.json"
    path.write_text(text, encoding="utf-8")
    if refused:
        with pytest.raises(InputError) as raised:
            feed.scan(path, {"1", "2"})
        assert raised.value.key == "feed.bad_json"
    else:  # as the object-by-object reader always has
        scan = feed.scan(path, {"1", "2"})
        assert (scan.rows, sorted(scan.latest)) == (2, ["1", "2"])


_cell = st.sampled_from(
    ["", "绿码", " 红码 ", '"甲,乙"', '"两行\n备注"', '"say ""hi"""', "x", '"\n"', "a b"]
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(
        st.tuples(st.integers(0, 4), _cell, _cell, st.booleans()), min_size=1, max_size=25
    ),
    block=st.integers(16, 200),
    crlf=st.booleans(),
)
def test_block_boundaries_never_change_what_is_found(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    rows: list[tuple[int, str, str, bool]],
    block: int,
    crlf: bool,
) -> None:
    members = make_ids(4)
    lines = []
    for who, before, after, quoted in rows:
        number = members[who] if who < 4 else "999999999999999999"
        lines.append(f"{before},{f'{chr(34)}{number}{chr(34)}' if quoted else number},{after}")
    text = "姓名,证件号码,健康码状态\n" + "\n".join(lines) + "\n"
    path = tmp_path / "feed.csv"
    path.write_bytes(text.replace("\n", "\r\n" if crlf else "\n").encode("utf-8"))
    monkeypatch.setattr(csv_feed, "HASH_BLOCK_BYTES", 1 << 30)
    try:
        whole = feed.scan(path, set(members))
    except InputError as refused:
        whole_or_error: object = refused.key
    else:
        whole_or_error = (whole.rows, whole.latest)
    monkeypatch.setattr(csv_feed, "HASH_BLOCK_BYTES", block)  # many blocks, cut anywhere
    try:
        pieces = feed.scan(path, set(members))
    except InputError as refused:
        assert refused.key == whole_or_error
    else:
        assert (pieces.rows, pieces.latest) == whole_or_error


@pytest.mark.parametrize("layout", ["jsonl", "one-a-line", "pretty"])
def test_json_ids_in_full_width_or_groups_match_in_every_layout(
    tmp_path: Path, layout: str
) -> None:
    first, second = make_ids(2)
    wide = first.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    objects = [{"证件号码": f"9{i:017d}", "健康码状态": "绿码"} for i in range(20)] + [
        {"证件号码": wide, "健康码状态": "红码"},
        {"证件号码": f"{second[:6]} {second[6:14]} {second[14:]}", "健康码状态": "黄码"},
    ]
    if layout == "jsonl":
        path = tmp_path / "feed.jsonl"
        text = "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objects)
        path.write_text(text, encoding="utf-8")
    else:
        path = tmp_path / "feed.json"
        _json_feed(path, objects, layout)
    scan = feed.scan(path, {first, second})
    assert scan.latest[first][1]["health_code"] == "红码"
    assert scan.latest[second][1]["health_code"] == "黄码"
