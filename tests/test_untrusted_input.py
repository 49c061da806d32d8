"""Input from the public (PRODUCT §4, §7): names as on the ID card, roster texts, values
echoed escaped, and the bounds on enrollment files (long rows, zip bombs, stale sheet sizes)."""

from __future__ import annotations

import io
import json
import re
import time
import unicodedata
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from tests.conftest import Run
from tests.helpers import make_ids, make_phone, query
from tuanti_cli.errors import FieldError
from tuanti_cli.printable import UNSAFE, shown
from tuanti_cli.validate import validate_name

# --- names as on the ID card ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("张三", "张三"),
        ("  刘䶮 ", "刘䶮"),  # an Extension A ideograph
        ("李〇", "李〇"),
        ("阿依古丽·买买提", "阿依古丽·买买提"),
        ("阿依古丽•买买提", "阿依古丽·买买提"),
        ("阿依古丽‧买买提", "阿依古丽·买买提"),
        ("阿依古丽・买买提", "阿依古丽·买买提"),
        ("阿依古丽･买买提", "阿依古丽·买买提"),
        ("Jose\u0301 Garci\u0301a", "José García"),  # NFD in, NFC stored
        ("O’Brien", "O'Brien"),
        ("Anne-Marie St. John", "Anne-Marie St. John"),
        ("Zoë Müller", "Zoë Müller"),
        ("Ελένη", "Ελένη"),
        ("नमस्ते", "नमस्ते"),  # marks after letters
        ("x" * 50, "x" * 50),
    ],
)
def test_real_names_are_accepted(typed: str, stored: str) -> None:
    assert validate_name(typed) == stored
    assert unicodedata.is_normalized("NFC", validate_name(typed))


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("", "name.empty"),
        ("x" * 51, "name.long"),
        ("张三1", "name.digits"),
        ("１１０１０１", "name.digits"),
        ("张三²", "name.digits"),
        ('=HYPERLINK("http://evil.example","x")', "name.character"),
        ("张三<script>", "name.character"),
        ("张三😀", "name.character"),
        ("a\x1b]52;c;aGVsbG8=\x07b", "text.control"),
        ("a\x1b[8mb", "text.control"),
        ("a\x85b", "text.control"),
        ("a\x7fb", "text.control"),
        ("a\u2028b", "text.control"),
        ("a\u2029b", "text.control"),
        ("a\u202eb", "text.bidi"),
        ("a\u2066b", "text.bidi"),
        ("a\u200fb", "text.bidi"),
        ("a\u200bb", "text.invisible"),
        ("a\ufeffb", "text.invisible"),
        ("a\U000e0041b", "text.invisible"),
        ("a\ufffeb", "text.not_a_character"),
        ("a\ud800b", "text.not_a_character"),
        ("\u0301abc", "text.mark"),
        ("a \u0301bc", "text.mark"),
        ("王" + "\u0489" * 20 + "\u030d" * 29, "text.marks"),  # "Zalgo": marks piled on a letter
        ("a" + "\u0336" * 7, "text.marks"),
    ],
)
def test_what_no_name_holds_is_rejected_with_its_reason(typed: str, key: str) -> None:
    with pytest.raises(FieldError) as caught:
        validate_name(typed)
    assert caught.value.field == "name"
    assert caught.value.key == key
    assert not UNSAFE.search(str(caught.value)), ascii(str(caught.value))


@pytest.mark.parametrize("name", ["Nguyễn Thị Ngọc", "Nguye\u0302\u0303n", "a" + "\u0301" * 6])
def test_real_names_keep_their_marks(name: str) -> None:
    assert validate_name(name)


def test_a_department_with_marks_piled_on_a_letter_is_refused(run: Run, roster_id: str) -> None:
    [number] = make_ids(1)
    result = run(
        "enroll", "add", roster_id, "--name", "王五", "--id-number", number,
        "--phone", make_phone(1), "--department", "部" + "\u0488" * 20, "--yes",
    )  # fmt: skip
    assert result.exit_code == 1 and "More than six combining marks" in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_enroll_add_refuses_a_formula_name(run: Run, roster_id: str) -> None:
    [number] = make_ids(1)
    result = run(
        "enroll", "add", roster_id, "--name", '=HYPERLINK("http://x","y")',
        "--id-number", number, "--phone", make_phone(1), "--yes",
    )  # fmt: skip
    assert result.exit_code == 1
    assert result.stderr.startswith("--name:"), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


# --- roster names and addresses --------------------------------------------------------------


@pytest.mark.parametrize("option", ["--name", "--address"])
@pytest.mark.parametrize(
    "bad", ["示例\u202e公司", "示例\x1b[2J公司", "示例\u200b公司", "\u0301示例"]
)
def test_roster_texts_refuse_controls_and_invisible_characters(
    run: Run, store_ready: None, option: str, bad: str
) -> None:
    values = {"--name": "示例科技", "--address": "北京市海淀区"}
    values[option] = bad
    result = run("roster", "create", *(x for pair in values.items() for x in pair))
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(option), result.stderr
    assert not UNSAFE.search(result.stderr.replace("\n", "")), ascii(result.stderr)
    assert "roster" not in "".join(str(r) for r in run("roster", "list", "--format", "json").stdout)


def test_roster_texts_keep_digits_and_punctuation(run: Run, store_ready: None) -> None:
    result = run(
        "roster", "create", "--name", "第3分公司（A座）#2", "--address", "海淀区中关村大街1号-501",
        "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    [listed] = json.loads(run("roster", "list", "--format", "json").stdout)
    assert (listed["name"], listed["address"]) == ("第3分公司（A座）#2", "海淀区中关村大街1号-501")


# --- echoed values ---------------------------------------------------------------------------


def test_a_typed_reference_is_echoed_escaped(run: Run, store_ready: None) -> None:
    result = run("show", "\x1b]52;c;aGVsbG8=\x07\u202eR")
    assert result.exit_code == 1
    assert "\\x1b]52;c;aGVsbG8=\\x07\\u202eR" in result.stderr
    assert not UNSAFE.search(result.stderr.replace("\n", "")), ascii(result.stderr)


def test_rejected_values_are_echoed_escaped(run: Run, roster_id: str, tmp_path: Path) -> None:
    ids = make_ids(2)
    path = tmp_path / "in.csv"
    path.write_text(
        "name,id_number,phone,consent\n"
        f"\x1b[8m隐藏,{ids[0]},{make_phone(1)},是\n"
        f"张三,{ids[1]}\u202e,{make_phone(2)},是\n",
        encoding="utf-8",
    )
    for output in ("text", "json"):
        result = run("enroll", "import", roster_id, str(path), "--format", output)
        assert result.exit_code == 0, result.output
        assert not UNSAFE.search(result.stdout.replace("\n", "")), ascii(result.stdout)
        assert "\\x1b[8m" in result.stdout and "\\u202e" in result.stdout


def test_a_name_already_in_an_older_store_is_shown_escaped(
    run: Run, roster_id: str, db_path: Path, key_path: Path
) -> None:
    [number] = make_ids(1)
    assert run(
        "enroll", "add", roster_id, "--name", "张三", "--id-number", number,
        "--phone", make_phone(1), "--yes",
    ).exit_code == 0  # fmt: skip
    # A store filled before names were checked may hold anything: write one in directly.
    from tuanti_cli.keys import read_key_file
    from tuanti_cli.store import Store

    with Store.open(db_path, read_key_file(key_path)) as store, store.transaction() as conn:
        conn.execute("UPDATE member SET name = ?", ("张\x1b]52;c;aGk=\x07三\u202e",))
    result = run("show", roster_id)
    assert result.exit_code == 0, result.output
    assert "张\\x1b]52;c;aGk=\\x07三\\u202e" in result.stdout
    assert not UNSAFE.search(result.stdout.replace("\n", "")), ascii(result.stdout)


def test_shown_escapes_only_what_is_unsafe() -> None:
    assert shown("刘䶮 Zoë O'Brien·阿依古丽") == "刘䶮 Zoë O'Brien·阿依古丽"
    assert shown("a\x1bb\u202ec\U000e0041\ud800") == "a\\x1bb\\u202ec\\U000e0041\\ud800"


# --- bounds on enrollment files --------------------------------------------------------------


def test_a_row_over_one_mib_is_rejected_and_the_others_import(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    ids = make_ids(3)
    path = tmp_path / "long.csv"
    path.write_text(
        "name,id_number,phone,consent,note\n"
        f"张三,{ids[0]},{make_phone(1)},是,\n"
        f"李四,{ids[1]},{make_phone(2)},是,{'长' * (1 << 20)}\n"
        f"王五,{ids[2]},{make_phone(3)},是,\n",
        encoding="utf-8",
    )
    report = json.loads(run("enroll", "import", roster_id, str(path), "--format", "json").stdout)
    assert (report["added"], report["rejected"]) == (2, 1), report
    assert report["rejects"][0]["row"] == 3 and report["rejects"][0]["field"] == "row"


def test_a_jsonl_line_over_one_mib_is_rejected_unparsed(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    ids = make_ids(2)
    good = {"name": "张三", "id_number": ids[0], "phone": make_phone(1), "consent": "是"}
    # Not even valid JSON: it must be rejected for its length, not fail the whole file.
    long_line = '{"name": "' + "x" * (1 << 20) + '", "id_number": '
    path = tmp_path / "long.jsonl"
    path.write_text(json.dumps(good, ensure_ascii=False) + "\n" + long_line + "\n", "utf-8")
    report = json.loads(run("enroll", "import", roster_id, str(path), "--format", "json").stdout)
    assert (report["added"], report["rejected"]) == (1, 1), report
    assert report["rejects"][0] == {
        "row": 2,
        "field": "row",
        "reason": report["rejects"][0]["reason"],
        "value": "",
    }
    assert "1 MiB" in report["rejects"][0]["reason"]


LONG_NUMBER = "1" * 5000
"""A JSON integer over Python's 4,300-digit limit for turning text into an ``int``."""


@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
def test_a_json_integer_too_long_for_python_is_a_rejected_row(
    run: Run, roster_id: str, tmp_path: Path, suffix: str
) -> None:
    ids = make_ids(3)
    # The ID and the phone as JSON writes them: a number, or text in quotes.
    people = [
        ("张三", LONG_NUMBER, f'"{make_phone(1)}"'),
        ("李四", f'"{ids[1]}"', LONG_NUMBER),
        ("王五", ids[2], make_phone(3)),
    ]
    records = [
        f'{{"name": "{name}", "id_number": {number}, "phone": {phone}, "consent": "是"}}'
        for name, number, phone in people
    ]
    path = tmp_path / f"long{suffix}"
    text = "[" + ",".join(records) + "]" if suffix == ".json" else "\n".join(records) + "\n"
    path.write_text(text, "utf-8")
    result = run("enroll", "import", roster_id, str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["added"], report["rejected"]) == (1, 2), report  # plain numbers as before
    assert [(r["row"], r["field"]) for r in report["rejects"]] == [(1, "id_number"), (2, "phone")]
    assert all(r["value"].startswith("11***") and len(r["value"]) <= 64 for r in report["rejects"])
    listed = tmp_path / f"withdraw{suffix}"
    listed.write_text(text.replace(f'"{ids[1]}"', LONG_NUMBER), "utf-8")
    withdrawn = run("member", "withdraw", roster_id, "--from", str(listed), "--dry-run")
    assert withdrawn.exit_code == 0, withdrawn.output
    assert "1 member would be withdrawn" in withdrawn.stdout, withdrawn.stdout
    assert "row 1, id_number" in withdrawn.stdout and "row 2, id_number" in withdrawn.stdout


@pytest.mark.parametrize("row", [2, 20])
def test_an_xlsx_number_too_long_for_python_is_one_sentence(
    run: Run, roster_id: str, tmp_path: Path, row: int
) -> None:
    """openpyxl turns a number cell's digits into an int: over 4,300 digits that raises,
    in the header search (row 2) or after it (row 20)."""
    people = [["张三", number, make_phone(i), "是"] for i, number in enumerate(make_ids(20))]
    people[row - 2][2] = 13900000000 + row  # a phone as a number cell, made long below
    data = _workbook([["姓名", "身份证号", "手机号", "同意授权"], *people])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    long_cell = f"<v>{13900000000 + row}</v>".encode()
    assert long_cell in parts[sheet]
    parts[sheet] = parts[sheet].replace(long_cell, f"<v>{LONG_NUMBER}</v>".encode())
    path = tmp_path / "long.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    result = run("enroll", "import", roster_id, str(path))
    assert result.exit_code == 1, result.output
    assert "is not a readable .xlsx workbook" in result.stderr
    assert "bug" not in result.stderr
    assert query_members(run, roster_id) == []


def query_members(run: Run, roster_id: str) -> list[object]:
    result = run("show", roster_id, "--format", "json")
    assert result.exit_code == 0, result.output
    records: list[object] = json.loads(result.stdout)
    return records


def _workbook(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _rewrite_sheet(data: bytes, change: object) -> bytes:
    """The workbook with its first sheet's XML passed through ``change``."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = change(content)  # type: ignore[operator]
            target.writestr(item.filename, content)
    return out.getvalue()


def _people(count: int) -> list[list[object]]:
    ids = make_ids(count)
    names = ["张三", "李四", "王五", "赵六", "钱七"]
    return [[names[i], ids[i], make_phone(i), "是"] for i in range(count)]


def test_a_stale_sheet_dimension_drops_no_row(run: Run, roster_id: str, tmp_path: Path) -> None:
    data = _workbook([["姓名", "身份证号", "手机号", "同意授权"], *_people(5)])

    def stale(xml: bytes) -> bytes:
        changed, count = re.subn(rb'<dimension ref="[^"]*" ?/>', b'<dimension ref="A1:B2"/>', xml)
        assert count == 1
        return changed

    path = tmp_path / "stale.xlsx"
    path.write_bytes(_rewrite_sheet(data, stale))
    report = json.loads(run("enroll", "import", roster_id, str(path), "--format", "json").stdout)
    assert (report["rows"], report["added"], report["rejected"]) == (5, 5, 0), report


def test_a_zip_bomb_is_refused_before_it_is_inflated(
    run: Run, roster_id: str, tmp_path: Path, db_path: Path, key_path: Path
) -> None:
    data = _workbook([["姓名", "身份证号", "手机号", "同意授权"], *_people(2)])
    padding = b" " * (64 << 20)  # whitespace inside the XML: a valid, enormous sheet

    path = tmp_path / "bomb.xlsx"
    path.write_bytes(
        _rewrite_sheet(data, lambda xml: xml.replace(b"<sheetData>", padding + b"<sheetData>"))
    )
    assert path.stat().st_size < 1 << 20
    started = time.monotonic()
    result = run("enroll", "import", roster_id, str(path))
    assert time.monotonic() - started < 5
    assert result.exit_code == 1
    assert "bomb.xlsx" in result.stderr and "MiB" in result.stderr
    packed = path.stat().st_size >> 10
    assert re.search(rf"from {packed} KiB\b", result.stderr), result.stderr  # not "0 MiB"
    assert len(result.stderr.strip().splitlines()) == 1
    assert query(db_path, key_path, "SELECT count(*) FROM member") == [(0,)]


def test_a_small_workbook_of_repeated_values_is_no_bomb(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    # Compresses far better than 50:1, yet unpacks to a few MiB: read as usual.
    rows = [["姓名", "身份证号", "手机号", "同意授权", "备注"]]
    rows += [[p[0], p[1], p[2], p[3], "同" * 30000] for p in _people(5)]
    path = tmp_path / "repeats.xlsx"
    path.write_bytes(_workbook(rows))
    result = run("enroll", "import", roster_id, str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["added"] == 5


# --- whatever the public types, nothing starts a formula and nothing steers the terminal ----

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@pytest.mark.parametrize("file_format", ["csv", "json"])
def test_any_text_imports_safely(
    run: Run, roster_id: str, tmp_path: Path, file_format: str
) -> None:
    import csv

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from tests.test_bad_input import ANY_CHARACTER

    ids = make_ids(4)
    source = tmp_path / f"people.{file_format}"
    rejects = tmp_path / "rejects.csv"
    export = tmp_path / "show.csv"

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        names=st.lists(st.text(ANY_CHARACTER, min_size=1, max_size=12), min_size=4, max_size=4),
        phones=st.lists(st.text(ANY_CHARACTER, max_size=14) | st.just(""), min_size=4, max_size=4),
    )
    def one(names: list[str], phones: list[str]) -> None:
        people = [
            {"name": n, "id_number": i, "phone": p or make_phone(k), "consent": "是"}
            for k, (n, i, p) in enumerate(zip(names, ids, phones, strict=True))
        ]
        if file_format == "json":
            source.write_text(json.dumps(people), encoding="utf-8")
        else:
            lines = ["name,id_number,phone,consent"]
            lines += [",".join(_quoted(v) for v in person.values()) for person in people]
            source.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass")
        result = run(
            "enroll", "import", roster_id, str(source), "--rejects", str(rejects),
            "--format", "json",
        )  # fmt: skip
        assert "Traceback" not in result.output
        assert result.exit_code in (0, 1, 2, 75), result.output
        for stream in (result.stdout, result.stderr):
            assert not UNSAFE.search(stream.replace("\n", "")), ascii(stream)
        shown_csv = run("show", roster_id, "--format", "csv", "--output", str(export))
        assert shown_csv.exit_code == 0, shown_csv.output
        for path in (rejects, export) if result.exit_code == 0 else (export,):
            with path.open(encoding="utf-8-sig", newline="") as stream:
                for row in csv.reader(stream):
                    for cell in row:
                        assert not cell.startswith(FORMULA_START), (path.name, ascii(cell))
                        assert not UNSAFE.search(cell), (path.name, ascii(cell))

    one()


def _quoted(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def test_roster_names_are_never_rich_markup(run: Run, store_ready: None) -> None:
    name = "[link=http://evil.example]点这里[/link][bold]"
    assert run("roster", "create", "--name", name, "--address", "北京").exit_code == 0
    result = run("roster", "list")
    assert result.exit_code == 0, result.output
    assert "[link=http://evil.example]" in result.stdout
    assert "\x1b]8;" not in result.stdout


def test_nat_days_are_never_negative() -> None:
    import datetime as dt

    from tuanti_cli.clock import SHANGHAI
    from tuanti_cli.view import nat_days

    late_evening = dt.datetime(2022, 12, 5, 23, 45, tzinfo=SHANGHAI)
    # Within the hour's tolerance, but already tomorrow: today's sample, not day −1
    assert nat_days("2022-12-06T00:30:00+08:00", late_evening) == 0
    assert nat_days("2022-12-04T08:00:00+08:00", late_evening) == 1


def test_a_phone_typed_as_a_number_option_is_not_echoed(run: Run, store_ready: None) -> None:
    result = run(
        "roster", "create", "--name", "示例", "--address", "北京",
        "--max-nat-days", "13812345678",
    )  # fmt: skip
    assert result.exit_code != 0
    assert "13812345678" not in result.output and "***" in result.stderr
