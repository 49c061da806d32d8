"""``tuanti enroll import``: every §4 rule, encodings, formats, upserts, masking."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from openpyxl import Workbook

from tests.conftest import Run
from tests.helpers import bad_check, fifo, make_id, make_ids, person_name, piped
from tuanti_cli import textfile

GOOD_ID = make_id("110101", dt.date(1990, 3, 7), 123)
GOOD_PHONE = "13912345678"


def write_csv(
    path: Path, rows: list[list[str]], header: list[str] | None = None, encoding: str = "utf-8"
) -> Path:
    header = header or ["name", "id_number", "phone", "consent"]
    lines = [",".join(header)] + [",".join(row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    return path


def import_json(run: Run, roster: str, path: Path, *extra: str) -> dict:
    result = run("enroll", "import", roster, str(path), "--format", "json", *extra)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def members(run: Run, roster: str) -> list[dict]:
    result = run("show", roster, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    ("row", "field", "reason"),
    [
        (["张三", bad_check(GOOD_ID), GOOD_PHONE, "是"], "id_number", "check character"),
        (["张三", "110101" + "19900231" + "1234", GOOD_PHONE, "是"], "id_number", "calendar date"),
        (["张三", make_id("110101", dt.date(2099, 1, 1)), GOOD_PHONE, "是"], "id_number", "future"),
        (["张三", "110101900307123", GOOD_PHONE, "是"], "id_number", "18-digit"),
        (["张三", make_id("990101"), GOOD_PHONE, "是"], "id_number", "province"),
        (["张三", GOOD_ID, "01012345678", "是"], "phone", "mobile"),
        (["张三", GOOD_ID, "12012345678", "是"], "phone", "mobile"),
        (["张三", GOOD_ID, GOOD_PHONE, "否"], "consent", "consent"),
        (["张三", GOOD_ID, GOOD_PHONE, ""], "consent", "consent"),
        (["  ", GOOD_ID, GOOD_PHONE, "是"], "name", "empty"),
    ],
)
def test_each_rule_rejects_its_row(
    run: Run, roster_id: str, tmp_path: Path, row: list[str], field: str, reason: str
) -> None:
    good = ["李四", make_id("310101", dt.date(1985, 1, 1), 7), "13800001111", "yes"]
    path = write_csv(tmp_path / "in.csv", [good, row])
    report = import_json(run, roster_id, path)
    assert report["added"] == 1 and report["rejected"] == 1
    reject = report["rejects"][0]
    assert reject["row"] == 3
    assert reject["field"] == field
    assert reason in reject["reason"]
    if field == "id_number" and len(row[1]) == 18:
        assert reject["value"] == row[1][:2] + "*" * 12 + row[1][14:]
    if field == "phone":
        assert reject["value"] == row[2][:3] + "****" + row[2][7:]
    assert [m["name"] for m in members(run, roster_id)] == ["李四"]


@pytest.mark.parametrize(
    ("raw_id", "raw_phone", "stored_phone"),
    [
        ("lower-x", "+86 139-1234-5678", "139****5678"),
        ("full-width", "0086 150 0000 1111", "150****1111"),
    ],
)
def test_normalisation(
    run: Run, roster_id: str, tmp_path: Path, raw_id: str, raw_phone: str, stored_phone: str
) -> None:
    number = next(
        make_id("440301", dt.date(1985, 6, 1), s)
        for s in range(1000)
        if make_id("440301", dt.date(1985, 6, 1), s).endswith("X")
    )
    given = (
        number.lower()
        if raw_id == "lower-x"
        else number.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    )
    path = tmp_path / "in.json"
    path.write_text(
        json.dumps(
            [{"姓名": "王五", "身份证号": given, "手机号": raw_phone, "同意授权": True}],
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    report = import_json(run, roster_id, path)
    assert report["added"] == 1, report
    [member] = members(run, roster_id)
    assert member["id_number"] == number[:2] + "*" * 12 + number[14:]
    assert member["phone"] == stored_phone


def test_gb18030_csv_with_chinese_headers(run: Run, roster_id: str, tmp_path: Path) -> None:
    ids = make_ids(3)
    path = write_csv(
        tmp_path / "excel.csv",
        [[person_name(i), ids[i], f"1391234567{i}", "同意"] for i in range(3)],
        header=["姓名", "身份证号码", "联系电话", "是否同意", "部门"],
        encoding="gb18030",
    )
    report = import_json(run, roster_id, path)
    assert report["encoding"] == "gb18030"
    assert report["added"] == 3


def test_utf8_bom(run: Run, roster_id: str, tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(
        "\ufeff姓名,证件号,手机号码,授权\n张三,".encode() + GOOD_ID.encode() + b",13912345678,1\n"
    )
    report = import_json(run, roster_id, path)
    assert report["encoding"] == "utf-8" and report["added"] == 1


def test_neither_encoding_names_the_fix(run: Run, roster_id: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(b"name,id_number,phone,consent\n\xff\xfe\xff," + GOOD_ID.encode() + b",1,1\n")
    result = run("enroll", "import", roster_id, str(path))
    assert result.exit_code == 1
    assert "neither UTF-8 nor GB18030" in result.stderr and "--encoding" in result.stderr
    assert members(run, roster_id) == []


def test_rejected_rows_name_the_field_in_the_language_of_the_text(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    path = tmp_path / "two.csv"
    path.write_text(
        f"姓名,身份证号,手机号,同意授权\n张三,{bad_check(GOOD_ID)},{GOOD_PHONE},是\n李四,{make_ids(1)[0]},{GOOD_PHONE},否\n"
    )
    zh = run("--lang", "zh", "enroll", "import", roster_id, str(path), "--dry-run")
    assert zh.exit_code == 0, zh.output
    assert "第 2 行，身份证号：" in zh.stdout and "第 3 行，同意授权：" in zh.stdout, zh.stdout
    assert "行，id_number" not in zh.stdout and "行，consent" not in zh.stdout
    en = run("--lang", "en", "enroll", "import", roster_id, str(path), "--dry-run")
    assert "row 2, id_number:" in en.stdout and "row 3, consent:" in en.stdout, en.stdout
    listed = tmp_path / "leave.csv"
    listed.write_text(f"身份证号\n{make_ids(1)[0]}\n12345\n")
    gone = run("--lang", "zh", "member", "withdraw", roster_id, "--from", str(listed), "--dry-run")
    assert gone.exit_code == 0, gone.output
    assert "第 2 行，身份证号：" in gone.stdout and "第 3 行，身份证号：" in gone.stdout, (
        gone.stdout
    )


@pytest.mark.parametrize("command", ["refresh", "withdraw"])
def test_a_command_without_encoding_does_not_offer_it(
    run: Run, roster_id: str, tmp_path: Path, command: str
) -> None:
    """Only ``enroll import`` has ``--encoding``: elsewhere the way out is to save again."""
    good = tmp_path / "good.csv"
    good.write_text(f"name,id_number,phone,consent\n张三,{GOOD_ID},13912345678,是\n")
    assert run("enroll", "import", roster_id, str(good)).exit_code == 0
    path = tmp_path / "bad.csv"  # a member's row: only theirs are decoded
    path.write_bytes(b"name,id_number,consent\n\xff\xfe\xff," + GOOD_ID.encode() + b",1\n")
    args = {
        "refresh": ("refresh", "--feed", str(path)),
        "withdraw": ("member", "withdraw", roster_id, "--from", str(path), "--dry-run"),
    }[command]
    result = run(*args)
    assert result.exit_code == 1, result.output
    assert "neither UTF-8 nor GB18030" in result.stderr and "CSV UTF-8" in result.stderr
    assert "--encoding" not in result.stderr


def test_unknown_columns_are_not_stored(
    run: Run, roster_id: str, tmp_path: Path, db_path: Path, key_path: Path
) -> None:
    from tuanti_cli.keys import read_key_file
    from tuanti_cli.store import Store

    path = write_csv(
        tmp_path / "in.csv",
        [["张三", GOOD_ID, GOOD_PHONE, "是", "秘密备注XYZ"]],
        header=["name", "id_number", "phone", "consent", "notes"],
    )
    assert import_json(run, roster_id, path)["added"] == 1
    with Store.open(db_path, read_key_file(key_path)) as store:
        for (table,) in store.query("SELECT name FROM sqlite_master WHERE type = 'table'"):
            for row in store.query(f"SELECT * FROM {table}"):
                assert "秘密备注XYZ" not in repr(row)


def test_code_column(run: Run, roster_id: str, tmp_path: Path) -> None:
    own = json.loads(
        run(
            "roster", "create", "--name", "其他机构", "--address", "上海", "--format", "json"
        ).stdout
    )
    code_result = run("roster", "reissue", roster_id)
    current = re.search(r"TB1\.\S+", code_result.stdout).group(0)
    ids = make_ids(3)
    path = write_csv(
        tmp_path / "in.csv",
        [
            ["甲", ids[0], GOOD_PHONE, "是", current],
            ["乙", ids[1], GOOD_PHONE, "是", own["code"]],
            ["丙", ids[2], GOOD_PHONE, "是", ""],
        ],
        header=["name", "id_number", "phone", "consent", "登记码"],
    )
    report = import_json(run, roster_id, path)
    assert report["added"] == 2
    assert [(r["row"], r["field"]) for r in report["rejects"]] == [(3, "code")]
    assert "another roster" in report["rejects"][0]["reason"]


def test_revoked_code_is_rejected(run: Run, roster_id: str, tmp_path: Path) -> None:
    first = re.search(r"TB1\.\S+", run("roster", "reissue", roster_id).stdout).group(0)
    run("roster", "reissue", roster_id)
    path = write_csv(
        tmp_path / "in.csv",
        [["甲", GOOD_ID, GOOD_PHONE, "是", first]],
        header=["name", "id_number", "phone", "consent", "code"],
    )
    report = import_json(run, roster_id, path)
    assert report["rejects"][0]["field"] == "code" and "revoked" in report["rejects"][0]["reason"]


def test_xlsx_and_numeric_id_cells(run: Run, roster_id: str, tmp_path: Path) -> None:
    ids = make_ids(2)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["姓名", "身份证号", "手机号", "同意授权"])
    sheet.append(["甲", ids[0], 13912345678, "是"])
    sheet.append(["乙", float(ids[1][:17]) * 10, "13912345679", True])
    path = tmp_path / "in.xlsx"
    workbook.save(path)
    report = import_json(run, roster_id, path)
    assert report["added"] == 1 and report["encoding"] == "xlsx"
    assert report["rejects"][0]["row"] == 3
    assert report["rejects"][0]["field"] == "id_number"
    assert "Excel" in report["rejects"][0]["reason"]


def test_jsonl_and_non_object_records(run: Run, roster_id: str, tmp_path: Path) -> None:
    ids = make_ids(2)
    path = tmp_path / "in.jsonl"
    path.write_text(
        json.dumps({"name": "甲", "id_number": ids[0], "phone": GOOD_PHONE, "consent": "y"})
        + "\n[1, 2]\n\n"
        + json.dumps({"name": "乙", "id_number": ids[1], "phone": GOOD_PHONE, "consent": 1})
        + "\n",
        encoding="utf-8",
    )
    report = import_json(run, roster_id, path)
    assert report["added"] == 2
    assert report["rejects"] == [
        {"row": 2, "field": "row", "reason": report["rejects"][0]["reason"], "value": ""}
    ]


def test_json_object_instead_of_list(run: Run, roster_id: str, tmp_path: Path) -> None:
    path = tmp_path / "in.json"
    path.write_text('{"name": "x"}', encoding="utf-8")
    result = run("enroll", "import", roster_id, str(path))
    assert result.exit_code == 1 and "not an array" in result.stderr


def test_missing_column_and_missing_file(run: Run, roster_id: str, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "in.csv", [["张三", GOOD_ID]], header=["name", "id_number"])
    result = run("enroll", "import", roster_id, str(path))
    assert result.exit_code == 1
    assert "phone, consent" in result.stderr and "手机号" in result.stderr
    missing = run("enroll", "import", roster_id, str(tmp_path / "nope.csv"))
    assert missing.exit_code == 1 and "does not exist" in missing.stderr


def test_stdin(run: Run, roster_id: str) -> None:
    text = f"name,id_number,phone,consent\n张三,{GOOD_ID},{GOOD_PHONE},是\n"
    result = run("enroll", "import", roster_id, "-", "--format", "json", input=text)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["added"] == 1


def test_a_pipe_or_a_fifo_is_read_as_stdin_is(run: Run, roster_id: str, tmp_path: Path) -> None:
    # `<(cat people.csv)`, `cat people.csv | … /dev/stdin` and a FIFO cannot seek: read whole.
    ids = make_ids(2)
    text = "name,id_number,phone,consent\n" + "".join(
        f"{person_name(i)},{ids[i]},1380000000{i},是\n" for i in range(2)
    )
    with piped(text.encode()) as path:
        result = run("enroll", "import", roster_id, path, "--dry-run", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["added"] == 2
    with fifo(tmp_path / "fifo", text.encode()) as path:
        result = run("enroll", "import", roster_id, str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["added"] == 2
    assert {m["name"] for m in members(run, roster_id)} == {person_name(0), person_name(1)}


def test_a_device_or_an_endless_pipe_is_refused_not_held_in_memory(
    run: Run, roster_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # /dev/zero as a file, or on standard input: NUL in the first block, refused at once.
    for args, stdin in ((("/dev/zero",), None), (("-",), "\x00" * 10)):
        result = run("enroll", "import", roster_id, *args, input=stdin)
        assert result.exit_code == 1, result.output
        assert "contains NUL bytes" in result.stderr
    # Text without end (``yes |``), here past a smaller limit: one sentence, not the memory.
    monkeypatch.setattr(textfile, "MAX_STREAMED_BYTES", 3 << 20)
    endless = "name,id_number,phone,consent\n" + "y\n" * (2 << 20)
    with fifo(tmp_path / "fifo", endless.encode()) as path:
        result = run("enroll", "import", roster_id, str(path))
    assert result.exit_code == 1, result.output
    assert "more than 3 MiB through a pipe or standard input" in result.stderr
    result = run("enroll", "import", roster_id, "-", input=endless)
    assert result.exit_code == 1 and "save it to a file" in result.stderr
    assert members(run, roster_id) == []


def test_a_line_break_inside_quotes_does_not_shift_row_numbers(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    # README: row numbers are those a spreadsheet shows, which shows a quoted record as one row.
    path = tmp_path / "multi-line.csv"
    path.write_text(
        "name,id_number,phone,consent,note\n"
        f'张三,{GOOD_ID},{GOOD_PHONE},yes,"line one\nline two\r\nline three"\n'
        "李四,123,13812345602,yes,\n"
        "\n"
        "王五,456,13812345603,yes,\n",
        encoding="utf-8",
    )
    rejects = tmp_path / "rejects.csv"
    report = import_json(run, roster_id, path, "--dry-run", "--rejects", str(rejects))
    assert [r["row"] for r in report["rejects"]] == [3, 5]  # row 4 is the blank line
    written = rejects.read_text(encoding="utf-8-sig").splitlines()
    assert [line.split(",")[0] for line in written[1:]] == ["3", "5"]


def test_reimport_updates_and_duplicates(run: Run, roster_id: str, tmp_path: Path) -> None:
    ids = make_ids(3)
    rows = [[person_name(i), ids[i], f"1380000000{i}", "是"] for i in range(3)]
    path = write_csv(tmp_path / "in.csv", rows)
    assert import_json(run, roster_id, path)["added"] == 3
    numbers = {m["member_no"] for m in members(run, roster_id)}
    again = import_json(run, roster_id, path)
    assert (again["added"], again["updated"], again["unchanged"]) == (0, 0, 3)
    rows[1][2] = "13999999999"
    rows.append([rows[0][0], ids[0], rows[0][2], "是"])
    changed = import_json(run, roster_id, write_csv(tmp_path / "in2.csv", rows))
    assert (changed["added"], changed["updated"], changed["unchanged"]) == (0, 1, 2)
    assert changed["rejects"][0]["row"] == 5 and "row 2" in changed["rejects"][0]["reason"]
    after = members(run, roster_id)
    assert {m["member_no"] for m in after} == numbers
    assert "139****9999" in {m["phone"] for m in after}


@pytest.mark.parametrize("roster_had_members", [False, True])
def test_repeats_are_found_across_chunks_with_the_first_row(
    run: Run,
    roster_id: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    roster_had_members: bool,
) -> None:
    ids = make_ids(6)
    if roster_had_members:
        earlier = write_csv(tmp_path / "earlier.csv", [[person_name(9), ids[5], GOOD_PHONE, "是"]])
        assert import_json(run, roster_id, earlier)["added"] == 1
    monkeypatch.setattr("tuanti_cli.enrollment.CHUNK_ROWS", 2)
    people = [[person_name(i), ids[i], GOOD_PHONE, "是"] for i in range(5)]
    # Rows 2–6 are five people; then three of them again, in later chunks.
    rows = [*people, people[3], people[0], people[3]]
    if roster_had_members:
        rows.append([person_name(9), ids[5], "13911112222", "是"])  # an update,
        rows.append([person_name(9), ids[5], "13933334444", "是"])  # then its repeat
    report = import_json(run, roster_id, write_csv(tmp_path / "in.csv", rows))
    assert report["added"] == 5
    assert report["updated"] == (1 if roster_had_members else 0)
    repeats = [(r["row"], r["reason"]) for r in report["rejects"]]
    expected = [(7, "row 5"), (8, "row 2"), (9, "row 5")]
    if roster_had_members:
        expected.append((11, "row 10"))
    assert [row for row, _ in repeats] == [row for row, _ in expected]
    for (_, reason), (_, first) in zip(repeats, expected, strict=True):
        assert first in reason, reason
    numbers = sorted(m["member_no"] for m in members(run, roster_id))
    assert numbers == [f"M{n:04d}" for n in range(1, 7 if roster_had_members else 6)]


def test_dry_run_and_strict_write_nothing(run: Run, roster_id: str, tmp_path: Path) -> None:
    ids = make_ids(2)
    path = write_csv(
        tmp_path / "in.csv", [["甲", ids[0], GOOD_PHONE, "是"], ["乙", ids[1], GOOD_PHONE, "否"]]
    )
    dry = import_json(run, roster_id, path, "--dry-run")
    assert (dry["added"], dry["rejected"]) == (1, 1)
    assert members(run, roster_id) == []
    strict = run("enroll", "import", roster_id, str(path), "--strict", "--format", "json")
    assert strict.exit_code == 1 and "--strict" in strict.stderr
    assert members(run, roster_id) == []
    assert import_json(run, roster_id, path)["added"] == 1


def test_member_numbers_are_never_reused(run: Run, roster_id: str, tmp_path: Path) -> None:
    ids = make_ids(3)
    path = write_csv(
        tmp_path / "in.csv", [[person_name(i), ids[i], GOOD_PHONE, "是"] for i in range(2)]
    )
    import_json(run, roster_id, path)
    assert run("member", "withdraw", roster_id, "M0002", "--yes").exit_code == 0
    path2 = write_csv(tmp_path / "in2.csv", [[person_name(2), ids[2], GOOD_PHONE, "是"]])
    import_json(run, roster_id, path2)
    assert sorted(m["member_no"] for m in members(run, roster_id)) == ["M0001", "M0003"]


def test_nothing_unmasked_anywhere(
    run: Run, roster_id: str, tmp_path: Path, db_path: Path, key_path: Path
) -> None:
    from tuanti_cli.keys import read_key_file
    from tuanti_cli.store import Store

    ids = make_ids(4)
    phones = [f"1391234560{i}" for i in range(4)]
    rows = [
        ["甲", ids[0], phones[0], "是"],
        ["乙", bad_check(ids[1]), phones[1], "是"],
        ["丙", ids[2], "12" + phones[2][2:], "是"],
        ["丁", ids[3], phones[3], "否"],
    ]
    path = write_csv(tmp_path / "in.csv", rows)
    rejects = tmp_path / "rejects.csv"
    outputs = []
    for fmt in ("text", "json"):
        result = run(
            "enroll", "import", roster_id, str(path), "--rejects", str(rejects), "--format", fmt
        )
        outputs += [result.stdout, result.stderr]
    outputs.append(rejects.read_text(encoding="utf-8-sig"))
    outputs.append(run("show", roster_id, "--format", "json").stdout)
    outputs.append(run("show", roster_id).stdout)
    with Store.open(db_path, read_key_file(key_path)) as store:
        outputs.append(repr(store.query("SELECT * FROM audit")))
    secrets = [*ids, bad_check(ids[1]), *phones, "12" + phones[2][2:]]
    for text in outputs:
        for secret in secrets:
            assert secret not in text
    assert "row,field,reason,value" in outputs[4]


def test_jsonl_lines_break_only_at_newlines(run: Run, roster_id: str, tmp_path: Path) -> None:
    # U+2028 may stand raw inside a JSON string; str.splitlines() would cut the record there
    record = {"name": "张\u2028三", "id_number": GOOD_ID, "phone": GOOD_PHONE, "consent": "是"}
    path = tmp_path / "people.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\r\n", encoding="utf-8")
    report = import_json(run, roster_id, path)
    # One record, rejected whole for its name (a line separator may not stand in a name)
    assert (report["rows"], report["added"], report["rejected"]) == (1, 0, 1), report
    assert report["rejects"][0]["field"] == "name"


def test_the_import_cache_grows_with_the_roster_up_to_its_cap() -> None:
    from tuanti_cli import enrollment

    class Writer:
        def __init__(self) -> None:
            self.sizes: list[int] = []

        def submit(self, sql: str, params: object) -> None:
            self.sizes.append(-int(sql.rsplit("=", 1)[1]))

    enroller = object.__new__(enrollment.Enroller)
    enroller._writer, enroller._cache_kib = Writer(), 0  # type: ignore[assignment]
    for members in (1, 5_000, 100_000, 200_000, 210_000, 2_000_000, 3_000_000):
        enroller._next_seq = members + 1
        enroller._grow_cache()
    sizes = enroller._writer.sizes  # type: ignore[attr-defined]
    # Small rosters keep the floor; a big one gets room for its index; never past the cap.
    assert sizes[0] == enrollment.IMPORT_CACHE_MIN_KIB
    assert sizes[1] == (200_001 * enrollment.CACHE_BYTES_PER_MEMBER) >> 10
    assert sizes[-1] == enrollment.IMPORT_CACHE_KIB and len(sizes) == 3


def test_code_cells_must_hold_exactly_one_code(run: Run, roster_id: str, tmp_path: Path) -> None:
    current = re.search(r"TB1\.\S+", run("roster", "reissue", roster_id).stdout).group(0)
    other = json.loads(
        run("roster", "create", "--name", "其他", "--address", "上海", "--format", "json").stdout
    )["code"]
    ids = make_ids(4)
    path = write_csv(
        tmp_path / "in.csv",
        [
            ["甲", ids[0], GOOD_PHONE, "是", f"{current}XYZ"],
            ["乙", ids[1], GOOD_PHONE, "是", f"x{current}"],
            ["丙", ids[2], GOOD_PHONE, "是", f"{current} {other}"],
            ["丁", ids[3], GOOD_PHONE, "是", f"https://f.example/a?code={current}&s=qr"],
        ],
        header=["name", "id_number", "phone", "consent", "code"],
    )
    report = import_json(run, roster_id, path)
    assert report["added"] == 1
    assert [(r["row"], r["reason"]) for r in report["rejects"]] == [
        (2, "Not a registration code."),
        (3, "Not a registration code."),
        (4, "More than one registration code."),
    ]
