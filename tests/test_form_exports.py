"""Enrollment files as form tools export them (PRODUCT §4; issue #11): question headers,
metadata columns, title rows, option letters, placeholders, digit guards, and the damage a
spreadsheet does to ID numbers. ``tests/data/README.md`` says where each fixture's shape
comes from."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from pathlib import Path

import pytest
from openpyxl import Workbook

from tests.conftest import Run, import_report
from tests.helpers import all_rows, make_id, make_ids, make_phone
from tuanti_cli.columns import normalise_header
from tuanti_cli.validate import is_consent, refuses

DATA = Path(__file__).parent / "data"
ADDED = {"赵一", "钱二", "阿依古丽·买买提", "吴六"}  # 孙三 refused consent; 周五 skipped the phone


def member_names(run: Run, roster: str) -> set[str]:
    return {m["name"] for m in json.loads(run("show", roster, "--format", "json").stdout)}


# --- each tool's export, unedited ------------------------------------------------------------

EXPORTS = {
    "wjx-text.csv": ("1、您的姓名：", "2、身份证号码：", "3、手机号码：", "4、您是否同意"),
    "wjx-code.csv": ("1、您的姓名：", "2、身份证号码：", "3、手机号码：", "4、您是否同意"),
    "wjx-text.xlsx": ("1、您的姓名：", "2、身份证号码：", "3、手机号码：", "4、您是否同意"),
    "tencent-survey.csv": ("1.您的姓名", "2.身份证号码", "3.手机号码", "4.您是否同意"),
    "surveyking.xlsx": ("您的姓名", "身份证号码", "手机号码", "您是否同意"),
}


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_an_export_imports_as_the_tool_wrote_it(
    run: Run, roster_id: str, name: str, db_path: Path, key_path: Path
) -> None:
    report = import_report(run, roster_id, DATA / name)
    assert (report["rows"], report["added"], report["rejected"]) == (6, 4, 2), report
    assert member_names(run, roster_id) == ADDED
    refused = {(r["field"]) for r in report["rejects"]}
    assert refused == {"consent", "phone"}, report["rejects"]
    # Which header became which field, verbatim
    name_h, id_h, phone_h, consent_h = EXPORTS[name]
    columns = report["columns"]
    assert (columns["name"], columns["id_number"], columns["phone"]) == (name_h, id_h, phone_h)
    assert columns["consent"].startswith(consent_h)
    # Health, travel and free-text answers, IP, UA and openids are never stored
    stored = all_rows(db_path, key_path)
    for never in ("203.0.113", "o86_0jTEST", "绿码", "以上均无", "手机提交", "微信", "Mozilla"):
        assert never not in stored, never


def test_the_text_report_says_which_header_became_which_field(run: Run, roster_id: str) -> None:
    result = run("enroll", "import", roster_id, str(DATA / "tencent-survey.csv"))
    assert result.exit_code == 0, result.output
    assert "name ← 1.您的姓名" in result.stdout
    assert "id_number ← 2.身份证号码" in result.stdout


def test_columns_reports_headers_verbatim_with_their_spaces(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    # 问卷星 writes question headers with a trailing space ('3、性别 '); UTF-8 BOM, CRLF.
    ids = make_ids(2)
    headers = ["序号", "1、姓名 ", "2、身份证号 ", "3、手机号码 ", "4、个人信息授权 "]
    lines = [",".join(headers), f"1,赵一,{ids[0]},{make_phone(1)},同意"]
    path = tmp_path / "wjx.csv"
    path.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))
    verbatim = dict(zip(("name", "id_number", "phone", "consent"), headers[1:], strict=True))
    assert import_report(run, roster_id, path, "--dry-run")["columns"] == verbatim
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["\ufeff 1、姓名 ", *headers[2:]])  # a BOM is not part of a header
    sheet.append(["钱二", ids[1], make_phone(2), "同意"])
    book.save(tmp_path / "wjx.xlsx")
    report = import_report(run, roster_id, tmp_path / "wjx.xlsx", "--dry-run")
    assert report["columns"]["name"] == " 1、姓名 " and report["columns"]["phone"] == "3、手机号码 "
    # The value reported works in --column, as does the header without its spaces.
    for header in ("1、姓名 ", "1、姓名"):
        named = import_report(run, roster_id, path, "--dry-run", "--column", f"name={header}")
        assert named["columns"]["name"] == "1、姓名 " and named["added"] == 1


def test_an_xls_workbook_gets_one_sentence(run: Run, roster_id: str) -> None:
    result = run("enroll", "import", roster_id, str(DATA / "wjx-text.xls"))
    assert result.exit_code == 1
    assert ".xlsx" in result.stderr and "wjx-text.xls" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


# --- damage done by a spreadsheet ------------------------------------------------------------

EXCEL_REASON = {"en": "Excel", "zh": "Excel"}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_ids_excel_turned_into_numbers_are_rejected_naming_excel(
    run: Run, roster_id: str, tmp_path: Path, lang: str
) -> None:
    # Re-saved by Excel on Chinese Windows: GBK, CRLF, digit-only IDs become numbers; an ID
    # ending in X stays text and survives.
    survivor = next(
        number
        for seq in range(1000)
        if (number := make_id("110101", dt.date(1988, 1, 1), seq)).endswith("X")
    )
    lines = [
        "1.您的姓名,2.身份证号码,3.手机号码,4.您是否同意本单位收集并使用以上个人信息？",
        "赵一,1.10105E+17,13912345601,A.同意",
        "钱二,310104199209030000,13912345602,A.同意",
        "孙三,110105198804120000.0,13912345603,A.同意",
        f"李四,{survivor},13912345604,A.同意",
    ]
    path = tmp_path / "resaved.csv"
    path.write_bytes("\r\n".join(lines).encode("gbk") + b"\r\n")
    result = run("--lang", lang, "enroll", "import", roster_id, str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["encoding"] == "gb18030"
    assert report["added"] == 1 and member_names(run, roster_id) == {"李四"}
    assert [(r["row"], r["field"]) for r in report["rejects"]] == [
        (2, "id_number"),
        (3, "id_number"),
        (4, "id_number"),
    ]
    for reject in report["rejects"]:
        assert EXCEL_REASON[lang] in reject["reason"], reject
    # distinct from a typo's wrong check character
    typo = survivor[:16] + ("1" if survivor[16] != "1" else "2") + survivor[17]
    assert "Excel" not in _reason_for(run, roster_id, tmp_path, typo)


def _reason_for(run: Run, roster: str, folder: Path, number: str) -> str:
    path = folder / "one.csv"
    path.write_text(f"姓名,身份证号,手机号,同意授权\n周五,{number},13912345605,是\n", "utf-8")
    report = import_report(run, roster, path)
    return str(report["rejects"][0]["reason"])


def test_numeric_id_cells_in_a_workbook_are_rejected_and_text_ones_imported(
    run: Run, roster_id: str
) -> None:
    report = import_report(run, roster_id, DATA / "excel-numeric-ids.xlsx")
    assert report["added"] == 0
    assert {r["field"] for r in report["rejects"]} == {"id_number"}
    assert all("Excel" in r["reason"] for r in report["rejects"])


def test_a_workbook_mixing_numeric_and_text_ids_rejects_exactly_the_numbers(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    ids = make_ids(3)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["1、您的姓名：", "2、身份证号码：", "3、手机号码：", "4、个人信息授权"])
    sheet.append(["赵一", ids[0], 13912345601, "同意"])  # phone a number: all 11 digits kept
    sheet.append(["钱二", float(ids[1]), "13912345602", "同意"])
    sheet.append(["孙三", ids[2], 13912345603.0, "同意"])
    path = tmp_path / "mixed.xlsx"
    book.save(path)
    report = import_report(run, roster_id, path)
    assert member_names(run, roster_id) == {"赵一", "孙三"}
    assert [(r["row"], r["field"]) for r in report["rejects"]] == [(3, "id_number")]
    assert "Excel" in report["rejects"][0]["reason"]


@pytest.mark.parametrize("answers_on", ["second", "nowhere"])
def test_a_workbook_whose_answers_are_not_on_its_first_sheet_names_the_sheets(
    run: Run, roster_id: str, tmp_path: Path, answers_on: str
) -> None:
    [number] = make_ids(1)
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = "统计"
    summary.append(["部门", "人数"])
    summary.append(["财务部", 1])
    answers = book.create_sheet("答卷数据")
    if answers_on == "second":
        answers.append(["1、您的姓名：", "2、身份证号码：", "3、手机号码：", "4、个人信息授权"])
        answers.append(["赵一", number, "13912345601", "同意"])
    path = tmp_path / "answers.xlsx"
    book.save(path)
    for command in (("enroll", "import", roster_id), ("member", "withdraw", roster_id, "--from")):
        result = run(*command, str(path), "--dry-run")
        assert result.exit_code == 1, result.output
        message = result.stderr.strip()
        assert "\n" not in message and "Traceback" not in message, message
        assert "'统计'" in message and "first sheet" in message, message
        if answers_on == "second":
            assert "'答卷数据'" in message and "move '答卷数据' to the front" in message
        else:
            assert "lacks the column" in message, message
    zh = run("--lang", "zh", "enroll", "import", roster_id, str(path), "--dry-run")
    assert "第一个工作表" in zh.stderr, zh.stderr


@pytest.mark.parametrize(
    ("phone", "accepted"),
    [
        ("13812345678.0", True),
        ("1.3812345678E+10", True),
        ("1.38123E+10", False),
        ("'+86 138 1234 5678", True),
        ("\t13812345678", True),
        ('="13812345678"', True),
    ],
)
def test_phones_that_became_numbers_or_carry_guards(
    run: Run, roster_id: str, tmp_path: Path, phone: str, accepted: bool
) -> None:
    [number] = make_ids(1)
    path = tmp_path / "phones.csv"
    path.write_text(f"姓名,身份证号,手机号,同意授权\n赵一,\t{number},{_csv(phone)},是\n", "utf-8")
    report = import_report(run, roster_id, path)
    assert report["added"] == (1 if accepted else 0), report
    if accepted:
        [member] = json.loads(run("show", roster_id, "--format", "json").stdout)
        assert member["phone"] == "138****5678"
    else:
        assert report["rejects"][0]["field"] == "phone"
        assert (
            "Excel" in report["rejects"][0]["reason"]
            or "spreadsheet" in report["rejects"][0]["reason"]
        )


def _csv(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


# --- headers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "words"),
    [
        ("1、您的姓名：", "姓名"),
        ("2.您的身份证号码", "身份证号码"),
        ("2．身份证号码（必填）", "身份证号码"),
        ("Q3. 手机号码 *", "手机号码"),
        ("（4）请填写联系方式 [填空题]", "联系方式"),
        ("5.个人信息授权:我同意", "个人信息授权"),
        ("⾝份证号", "身份证号"),  # a Kangxi radical that looks like 身
        ("\ufeffname", "name"),
    ],
)
def test_headers_are_normalised_to_their_words(header: str, words: str) -> None:
    assert normalise_header(header) == words


def test_a_header_below_a_title_row_and_trailing_empty_columns(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    ids = make_ids(2)
    path = tmp_path / "titled.csv"
    path.write_text(
        "员工防疫登记表（2022年12月）,,,,\n"
        "导出时间：2022-12-05,,,,\n"
        "序号,姓名,身份证号,手机号,是否同意授权,\n"
        f"1,赵一,{ids[0]},{make_phone(1)},同意,\n"
        f"2,钱二,{ids[1]},{make_phone(2)},同意,\n",
        "utf-8",
    )
    report = import_report(run, roster_id, path)
    assert report["added"] == 2
    assert report["columns"]["name"] == "姓名"


def _merged_header_book(path: Path, ids: list[str]) -> Path:
    """A sheet as an office lays one out in Excel: a title merged across, then a header on
    two rows, ``证件信息`` merged over ``身份证号 | 手机号`` and the other headers merged down."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["A1"] = "员工信息登记表"
    sheet.merge_cells("A1:E1")
    for column, header in zip("ABCE", ("序号", "姓名", "证件信息", "同意授权"), strict=True):
        sheet[f"{column}3"] = header
    for cells in ("A3:A4", "B3:B4", "E3:E4", "C3:D3"):
        sheet.merge_cells(cells)
    sheet["C4"], sheet["D4"] = "身份证号", "手机号"
    sheet.append([1, "赵一", ids[0], make_phone(1), "同意"])
    sheet.append([2, "钱二", ids[1], make_phone(2), "不同意"])
    sheet.append([3, "孙三", ids[2], make_phone(3), "同意"])
    book.save(path)
    return path


def test_a_header_on_two_rows_with_merged_cells_imports(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    ids = make_ids(3)
    path = _merged_header_book(tmp_path / "merged.xlsx", ids)
    report = import_report(run, roster_id, path)
    assert (report["rows"], report["added"], report["rejected"]) == (3, 2, 1), report
    assert report["columns"] == {
        "name": "姓名",
        "id_number": "身份证号",
        "phone": "手机号",
        "consent": "同意授权",
    }
    # Row numbers are the sheet's: the header takes rows 3 and 4, the people rows 5 to 7.
    assert [(r["row"], r["field"]) for r in report["rejects"]] == [(6, "consent")]
    assert member_names(run, roster_id) == {"赵一", "孙三"}
    # --column names a header of either row.
    named = import_report(
        run,
        roster_id,
        path,
        "--dry-run",
        "--column",
        "phone=手机号",
        "--column",
        "consent=同意授权",
    )
    assert named["columns"]["phone"] == "手机号" and named["unchanged"] == 2


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_under_a_two_row_header_a_contacts_columns_are_never_the_members(
    run: Run, roster_id: str, tmp_path: Path, suffix: str
) -> None:
    ids = make_ids(2)
    upper = ["紧急联系人", None, "本人信息", None, None, "同意授权"]
    lower = ["姓名", "电话", "姓名", "身份证号", "手机号", None]
    people = [["家长某", "13800000000", "赵一", ids[0], make_phone(1), "同意"],
              ["家长某", "13800000000", "钱二", ids[1], make_phone(2), "同意"]]  # fmt: skip
    path = tmp_path / f"contacts{suffix}"
    if suffix == ".xlsx":
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        for row in (upper, lower, *people):
            sheet.append(row)
        for cells in ("A1:B1", "C1:E1", "F1:F2"):
            sheet.merge_cells(cells)
        book.save(path)
    else:  # as Excel saves the merged sheet: merged cells empty but the first
        rows = [upper, lower, *people]
        text = "\n".join(",".join("" if c is None else str(c) for c in row) for row in rows)
        path.write_text(text + "\n", encoding="utf-8-sig")
    report = import_report(run, roster_id, path)
    assert report["added"] == 2 and report["rejected"] == 0, report
    assert member_names(run, roster_id) == {"赵一", "钱二"}


def test_a_header_on_two_rows_in_csv_as_excel_saves_a_merged_sheet(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    ids = make_ids(2)
    lines = [
        "员工信息登记表,,,,",
        ",,,,",
        "序号,姓名,证件信息,,同意授权",
        ",,身份证号,手机号,",
        f"1,赵一,{ids[0]},{make_phone(1)},同意",
        f"2,钱二,{ids[1]},139,同意",
    ]
    path = tmp_path / "merged.csv"
    path.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))
    report = import_report(run, roster_id, path)
    assert report["added"] == 1 and report["columns"]["id_number"] == "身份证号"
    assert [(r["row"], r["field"]) for r in report["rejects"]] == [(6, "phone")]


def test_two_rows_read_as_one_header_can_be_ambiguous_too(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    rival = tmp_path / "rival.csv"
    rival.write_text(
        "序号,姓名,证件信息,,,同意授权\n,,身份证号,证件号码,手机号,\n", encoding="utf-8"
    )
    result = run("enroll", "import", roster_id, str(rival))
    assert result.exit_code == 1, result.output
    assert "'身份证号' and '证件号码'" in result.stderr and "--column id_number=" in result.stderr


def test_a_data_row_is_never_read_as_half_of_a_header(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    # The header lacks the consent column's name; the first person's answer, which holds
    # 个人信息, must not stand in for it.
    [number] = make_ids(1)
    path = tmp_path / "no-consent-header.csv"
    path.write_text(
        f"姓名,身份证号,手机号,\n赵一,{number},{make_phone(1)},我已阅读并同意《个人信息保护告知书》\n",
        encoding="utf-8",
    )
    result = run("enroll", "import", roster_id, str(path))
    assert result.exit_code == 1, result.output
    assert "lacks the column(s) consent" in result.stderr


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_missing_column_names_the_words_matched_and_column(
    run: Run, roster_id: str, tmp_path: Path, lang: str
) -> None:
    path = tmp_path / "no-consent.csv"
    path.write_text(f"姓名,身份证号,手机号\n赵一,{make_ids(1)[0]},{make_phone(1)}\n", "utf-8")
    result = run("--lang", lang, "enroll", "import", roster_id, str(path))
    assert result.exit_code == 1, result.output
    message = result.stderr.strip()
    assert "\n" not in message
    # The aliases, and the words a header may hold (授权, 个人信息, 隐私, 同意 …).
    assert "consent, 同意授权" in message
    assert "授权/个人信息/隐私/告知书/同意/consent" in message
    assert "--column" in message


def test_a_privacy_notice_column_beats_a_generic_agreement(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    ids = make_ids(2)
    path = tmp_path / "two-agreements.csv"
    path.write_text(
        "姓名,身份证号,手机号,是否同意参加周末团建活动,是否同意《个人信息保护告知书》\n"
        f"赵一,{ids[0]},{make_phone(1)},不同意,我已阅读并同意《个人信息保护告知书》\n"
        f"钱二,{ids[1]},{make_phone(2)},同意,B.不同意\n",
        "utf-8",
    )
    report = import_report(run, roster_id, path)
    assert report["columns"]["consent"] == "是否同意《个人信息保护告知书》"
    assert member_names(run, roster_id) == {"赵一"}


def test_health_and_travel_questions_are_never_a_field(
    run: Run, roster_id: str, tmp_path: Path, db_path: Path, key_path: Path
) -> None:
    ids = make_ids(1)
    path = tmp_path / "health.csv"
    path.write_text(
        "今日健康码颜色,是否到过中高风险地区,1、姓名,2、身份证号,3、手机,4、授权\n"
        f"绿码,否,赵一,{ids[0]},{make_phone(1)},同意\n",
        "utf-8",
    )
    report = import_report(run, roster_id, path)
    assert report["added"] == 1
    assert set(report["columns"].values()) == {"1、姓名", "2、身份证号", "3、手机", "4、授权"}
    assert "绿码" not in all_rows(db_path, key_path)


def test_a_consent_question_naming_the_health_data_it_authorises_is_the_consent_column(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    [number] = make_ids(1)
    question = "5、是否同意授权本单位收集您的健康码、核酸检测及疫苗接种信息用于疫情防控？"
    path = tmp_path / "wjx.csv"
    path.write_text(
        f"序号,1、您的姓名：,2、身份证号码：,3、手机号码：,4、您是否已接种疫苗？,{question}\n"
        f"1,赵一,{number},{make_phone(1)},是,A.同意\n",
        "utf-8-sig",
    )
    report = import_report(run, roster_id, path)
    assert report["added"] == 1 and report["columns"]["consent"] == question, report


def test_column_takes_a_questions_number_and_never_a_records_cell(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    ids = make_ids(6)
    question = "5、您是否愿意把信息交给本单位？"  # a consent question no rule recognises
    names = ["赵一", "钱二", "孙三", "李四", "周五", "吴六"]
    rows = [f"{n + 1},{names[n]},{ids[n]},{make_phone(n + 1)},愿意" for n in range(6)]
    path = tmp_path / "wjx.csv"
    path.write_text(
        f"序号,1、您的姓名：,2、身份证号码：,3、手机号码：,{question}\n" + "\n".join(rows) + "\n",
        "utf-8-sig",
    )
    for number in ("5", "Q5", "第5题"):
        report = import_report(
            run, roster_id, path, "--dry-run", "--column", f"consent={number}",
            "--consent-answer", "愿意",
        )  # fmt: skip
        assert report["columns"]["consent"] == question and report["rejected"] == 0, report
    # No question 7: the record whose 序号 is 7 is not taken for the header.
    rows.append(f"7,孙七,{make_ids(7)[6]},{make_phone(7)},愿意")
    path.write_text(
        f"序号,1、您的姓名：,2、身份证号码：,3、手机号码：,{question}\n" + "\n".join(rows) + "\n",
        "utf-8-sig",
    )
    wrong = run("enroll", "import", roster_id, str(path), "--column", "consent=7")
    assert wrong.exit_code == 1 and "has no column '7' for consent" in wrong.stderr, wrong.stderr


def test_two_equally_good_columns_are_an_error_naming_both(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    [number] = make_ids(1)
    path = tmp_path / "twice.csv"
    path.write_text(
        f"姓名,身份证号,本人手机,常用手机号,同意授权\n赵一,{number},{make_phone(1)},{make_phone(2)},是\n",
        "utf-8",
    )
    result = run("enroll", "import", roster_id, str(path))
    assert result.exit_code == 1
    assert "本人手机" in result.stderr and "常用手机号" in result.stderr
    assert "--column phone=" in result.stderr
    fixed = import_report(run, roster_id, path, "--column", "phone=常用手机号")
    assert fixed["added"] == 1 and fixed["columns"]["phone"] == "常用手机号"
    [member] = json.loads(run("show", roster_id, "--format", "json").stdout)
    assert member["phone"] == "139****0002"


@pytest.mark.parametrize(
    ("option", "fragment"),
    [
        ("phone=电话号码", "电话号码"),  # a header the file lacks
        ("phone", "FIELD=HEADER"),
        ("mobile=手机号", "unknown field"),
    ],
)
def test_column_misuse_is_one_sentence(
    run: Run, roster_id: str, tmp_path: Path, option: str, fragment: str
) -> None:
    path = tmp_path / "in.csv"
    path.write_text(
        f"姓名,身份证号,手机号,同意授权\n赵一,{make_ids(1)[0]},{make_phone(1)},是\n", "utf-8"
    )
    result = run("enroll", "import", roster_id, str(path), "--column", option)
    assert result.exit_code == 1, result.output
    assert fragment in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_column_looks_for_its_header_below_a_title_row(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    [number] = make_ids(1)
    path = tmp_path / "title.csv"
    path.write_text(
        f"员工登记\n姓名,身份证号,手机号,同意授权\n张三,{number},{make_phone(1)},是\n", "utf-8"
    )
    report = import_report(run, roster_id, path, "--column", "id_number=身份证号", "--dry-run")
    assert report["rejected"] == 0 and report["columns"]["id_number"] == "身份证号"
    # The header row holds 身份证号: taken for phone, it leaves id_number without a column.
    taken = run("enroll", "import", roster_id, str(path), "--column", "phone=身份证号")
    assert taken.exit_code == 1, taken.output
    assert "lacks the column(s) id_number" in taken.stderr, taken.stderr
    assert "has no column" not in taken.stderr
    absent = run("enroll", "import", roster_id, str(path), "--column", "phone=电话号码")
    assert absent.exit_code == 1, absent.output
    assert "no column '电话号码' for phone" in absent.stderr, absent.stderr
    assert "first 10 rows" in absent.stderr and "first row" not in absent.stderr
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps([{"姓名": "张三", "身份证号": number}], ensure_ascii=False))
    json_absent = run("enroll", "import", roster_id, str(keys), "--column", "phone=电话号码")
    assert json_absent.exit_code == 1, json_absent.output
    assert "no key '电话号码' for phone" in json_absent.stderr, json_absent.stderr


# --- files saved as another format than their name says --------------------------------------


def test_a_tab_separated_file_named_csv_is_read_at_its_tabs(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    ids = make_ids(3)
    path = tmp_path / "tab.csv"
    path.write_text(
        f"姓名\t身份证号\t手机号\t同意授权\n赵一\t{ids[0]}\t{make_phone(1)}\t同意\n", "utf-8"
    )
    report = import_report(run, roster_id, path)
    assert report["added"] == 1 and report["columns"]["id_number"] == "身份证号", report
    # Excel's "Text (Tab delimited)" on Chinese Windows: GBK, CRLF, a title row, a quoted
    # cell holding a comma, and a row number as the sheet shows it.
    lines = [
        "员工登记表",
        "姓名\t身份证号\t手机号\t同意授权\t部门",
        f'钱二\t{ids[1]}\t{make_phone(2)}\t同意\t"财务部,出纳"',
        f"孙三\t{ids[2]}\t139\t同意\t财务部",
    ]
    excel = tmp_path / "excel-tab.txt"
    excel.write_bytes("\r\n".join(lines).encode("gbk") + b"\r\n")
    report = import_report(run, roster_id, excel)
    assert report["encoding"] == "gb18030" and report["added"] == 1, report
    assert [(r["row"], r["field"]) for r in report["rejects"]] == [(4, "phone")]
    shown = json.loads(run("show", roster_id, "--format", "json").stdout)
    assert {m["name"]: m["department"] for m in shown}["钱二"] == "财务部,出纳"


def test_tab_separated_text_with_every_cell_quoted_is_read_at_its_tabs(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    """LibreOffice's "Text CSV" with a TAB separator quotes every text cell."""
    ids = make_ids(2)
    rows = [["姓名", "身份证号", "手机号", "同意授权"], ["赵一", ids[0], make_phone(1), "同意"],
            ["钱二", ids[1], make_phone(2), "同意"]]  # fmt: skip
    path = tmp_path / "quoted-tabs.csv"
    path.write_text("".join("\t".join(f'"{c}"' for c in row) + "\r\n" for row in rows), "utf-8")
    report = import_report(run, roster_id, path)
    assert report["added"] == 2, report
    listed = tmp_path / "leaving.csv"
    listed.write_text(f'"身份证号"\t"姓名"\r\n"{ids[0]}"\t"赵一"\r\n', "utf-8")
    result = run("member", "withdraw", roster_id, "--from", str(listed), "--dry-run")
    assert result.exit_code == 0 and "1 member" in result.stdout, result.output
    # Broken quoting that reads neither way is still one sentence about the quoting.
    broken = tmp_path / "broken.csv"
    broken.write_text('"姓名","身份证号\n赵一,1\n', "utf-8")
    failed = run("enroll", "import", roster_id, str(broken))
    assert failed.exit_code == 1 and "not valid CSV" in failed.stderr, failed.stderr


@pytest.mark.parametrize("name", ["answers.csv", "answers.json", "answers.jsonl"])
def test_a_workbook_under_a_text_name_says_it_is_a_workbook(
    run: Run, roster_id: str, tmp_path: Path, name: str
) -> None:
    path = tmp_path / name
    path.write_bytes((DATA / "wjx-text.xlsx").read_bytes())
    result = run("enroll", "import", roster_id, str(path))
    assert result.exit_code == 1, result.output
    message = result.stderr.strip()
    assert "\n" not in message and "NUL" not in message, message
    assert "is an .xlsx workbook" in message and "--input-format xlsx" in message, message
    assert import_report(run, roster_id, path, "--input-format", "xlsx")["added"] == 4
    zh = run("--lang", "zh", "enroll", "import", roster_id, str(path))
    assert zh.exit_code == 1 and ".xlsx 工作簿" in zh.stderr, zh.stderr
    # member withdraw has no --input-format: renaming is its advice.
    listed = run("member", "withdraw", roster_id, "--from", str(path), "--yes")
    assert listed.exit_code == 1 and "is an .xlsx workbook" in listed.stderr, listed.stderr
    assert "--input-format" not in listed.stderr


# --- consent as forms export a choice --------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        "A.同意",
        "A、同意",
        "1.是",
        "我已阅读并同意《个人信息保护告知书》",
        "同意",
        "是",
        "1",
        "I agree",
        "非常同意",  # 非常 is "very", no negation
        '="同意"',  # Excel's text guard around the answer
    ],
)
def test_answers_that_consent(answer: str) -> None:
    assert is_consent(answer)


@pytest.mark.parametrize(
    "answer",
    ["B.不同意", "我不同意", "拒绝授权", "(跳过)", "（空）", "-3", "否", "未同意", "No", "not now",
     "2", "", "B.暂不授权", "非同意", "同意撤回", "同意（已撤回）", "撤销授权", "取消同意",
     "反对", "consent withdrawn", '=HYPERLINK("http://evil.example/","同意")'],
)  # fmt: skip
def test_answers_that_never_consent(answer: str) -> None:
    assert not is_consent(answer)


def test_consent_answer_names_the_answers_that_mean_yes(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    ids = make_ids(3)
    path = tmp_path / "choice.csv"
    path.write_text(
        "姓名,身份证号,手机号,隐私授权\n"
        f"赵一,{ids[0]},{make_phone(1)},A.好的\n"
        f"钱二,{ids[1]},{make_phone(2)},B.以后再说\n"
        f"孙三,{ids[2]},{make_phone(3)},同意\n",
        "utf-8",
    )
    report = import_report(run, roster_id, path, "--consent-answer", "A.好的")
    assert member_names(run, roster_id) == {"赵一"}  # 同意 is not among the declared answers
    assert report["rejected"] == 2
    reasons = [r["reason"] for r in report["rejects"]]
    assert all("not one of those --consent-answer names" in r for r in reasons), reasons
    empty = run("enroll", "import", roster_id, str(path), "--consent-answer", " ")
    assert empty.exit_code == 1 and "--consent-answer" in empty.stderr


@pytest.mark.parametrize("refusal", ["B.不同意", "拒绝授权", "Ｂ．不同意", "No", "未授权"])
def test_a_consent_answer_that_refuses_is_refused_before_anything_is_read(
    run: Run, roster_id: str, tmp_path: Path, db_path: Path, key_path: Path, refusal: str
) -> None:
    # §4: any negation is a refusal; naming it as a yes would enroll people who said no.
    ids = make_ids(2)
    path = tmp_path / "refuse.csv"
    path.write_text(
        "姓名,身份证号,手机号,隐私授权\n"
        f"赵一,{ids[0]},{make_phone(1)},B.不同意\n"
        f"钱二,{ids[1]},{make_phone(2)},拒绝授权\n",
        "utf-8",
    )
    before = all_rows(db_path, key_path)
    result = run(
        "enroll", "import", roster_id, str(path),
        "--consent-answer", "A.同意", "--consent-answer", refusal,
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    message = result.stderr.strip()
    assert "\n" not in message and "is a refusal" in message, message
    assert unicodedata.normalize("NFKC", refusal) in message, message
    assert all_rows(db_path, key_path) == before  # not even an audit entry
    assert member_names(run, roster_id) == set()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_negation_names_its_word_and_how_to_accept_a_conditional_yes(
    run: Run, roster_id: str, tmp_path: Path, lang: str
) -> None:
    ids = make_ids(3)
    answer = "同意（如信息不实，本人承担责任）"
    path = tmp_path / "condition.csv"
    path.write_text(
        "姓名,身份证号,手机号,隐私授权\n"
        f"赵一,{ids[0]},{make_phone(1)},{answer}\n"
        f"钱二,{ids[1]},{make_phone(2)},B.不同意\n"
        f"孙三,{ids[2]},{make_phone(3)},{make_phone(3)}不\n",
        "utf-8",
    )
    result = run("--lang", lang, "enroll", "import", roster_id, str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    reasons = {r["row"]: r["reason"] for r in json.loads(result.stdout)["rejects"]}
    values = {r["row"]: r["value"] for r in json.loads(result.stdout)["rejects"]}
    assert "'不'" in reasons[2] and "--consent-answer '…'" in reasons[2], reasons
    # A refusal is one: no advice to declare it a yes (--consent-answer would refuse it).
    assert "'不'" in reasons[3] and "--consent-answer" not in reasons[3], reasons
    assert make_phone(3) not in reasons[4] + values[4] and values[4].endswith("不"), values
    accepted = import_report(run, roster_id, path, "--consent-answer", answer)
    assert accepted["added"] == 1 and member_names(run, roster_id) == {"赵一"}


@pytest.mark.parametrize("answer", ["同意（已撤回）", "agree (withdrawn)", "同意（已取消）"])
def test_a_consent_taken_back_is_no_consent_answer_and_no_hint_suggests_one(
    run: Run, roster_id: str, tmp_path: Path, answer: str
) -> None:
    [number] = make_ids(1)
    path = tmp_path / "taken-back.csv"
    path.write_text(
        f"姓名,身份证号,手机号,同意授权\n赵一,{number},{make_phone(1)},{answer}\n", "utf-8"
    )
    report = import_report(run, roster_id, path, "--dry-run")
    (reject,) = report["rejects"]
    assert "--consent-answer" not in reject["reason"], reject
    named = run("enroll", "import", roster_id, str(path), "--consent-answer", answer)
    assert named.exit_code == 1 and "--consent-answer" in named.stderr, named.output
    assert member_names(run, roster_id) == set()


@pytest.mark.parametrize(
    ("answer", "refusal"),
    [
        ("同意（如信息不实，本人承担责任）", False),
        ("A.是（如有不实，本人承担法律责任）", False),
        ("我已阅读并同意，如有不实愿承担责任", False),
        ("A.好的", False),
        ("B.不同意", True),
        ("B.暂不授权", True),
        ("不予授权", True),
        ("拒绝", True),
        ("B.否", True),
        ("I do not agree", True),
        ("not now", True),
        ("同意，但不同意共享", True),
        ("同意（已撤回）", True),  # taking consent back refuses wherever it stands
        ("同意。已撤回", True),
        ("是（已撤销）", True),
        ("同意（反对）", True),
        ("agree (withdrawn)", True),
    ],
)
def test_which_answers_are_refusals(answer: str, refusal: bool) -> None:
    assert refuses(answer) is refusal
    if refusal:
        assert not is_consent(answer)


def test_placeholders_are_empty_values(run: Run, roster_id: str, tmp_path: Path) -> None:
    ids = make_ids(3)
    path = tmp_path / "skipped.csv"
    path.write_text(
        "姓名,身份证号,手机号,授权\n"
        f"赵一,{ids[0]},(跳过),同意\n"
        f"(空),{ids[1]},{make_phone(2)},同意\n"
        f"孙三,{ids[2]},{make_phone(3)},-3\n",
        "utf-8",
    )
    report = import_report(run, roster_id, path)
    reasons = {r["field"]: r["reason"] for r in report["rejects"]}
    assert set(reasons) == {"phone", "name", "consent"}
    assert "empty" in reasons["phone"] and "empty" in reasons["name"]


# --- JSON Lines ------------------------------------------------------------------------------


def test_a_broken_jsonl_line_is_a_rejected_row(run: Run, roster_id: str, tmp_path: Path) -> None:
    ids = make_ids(2)
    good = [
        {"name": n, "id_number": i, "phone": make_phone(k), "consent": "是"}
        for k, (n, i) in enumerate(zip(("赵一", "钱二"), ids, strict=True))
    ]
    lines = [
        json.dumps(good[0], ensure_ascii=False),
        '{"name": "孙三", "id_number": ',
        json.dumps(good[1], ensure_ascii=False),
    ]
    path = tmp_path / "people.jsonl"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    report = import_report(run, roster_id, path)
    assert report["added"] == 2
    assert [(r["row"], r["field"]) for r in report["rejects"]] == [(2, "row")]


def test_json_records_with_question_keys(run: Run, roster_id: str, tmp_path: Path) -> None:
    ids = make_ids(1)
    record = {
        "序号": 1,
        "1、您的姓名：": "赵一",
        "2、身份证号码：": ids[0],
        "3、手机号码：": make_phone(1),
        "4、个人信息授权": "A.同意",
    }
    path = tmp_path / "people.json"
    path.write_text(json.dumps([record], ensure_ascii=False), "utf-8")
    report = import_report(run, roster_id, path)
    assert report["added"] == 1
    assert report["columns"]["name"] == "1、您的姓名："


def test_a_ticked_checkbox_column_is_consent(run: Run, roster_id: str, tmp_path: Path) -> None:
    # 问卷星 code mode writes each checkbox option as a column of 1/0; text mode writes the
    # option's text when ticked and (空) when not.
    ids = make_ids(4)
    path = tmp_path / "checkbox.csv"
    path.write_text(
        "序号,1、姓名,2、身份证号,3、手机,第4题(我已阅读并同意《个人信息保护告知书》)\n"
        f"1,赵一,{ids[0]},{make_phone(1)},1\n"
        f"2,钱二,{ids[1]},{make_phone(2)},0\n",
        "utf-8",
    )
    assert import_report(run, roster_id, path)["added"] == 1
    text_mode = tmp_path / "checkbox-text.csv"
    text_mode.write_text(
        "序号,1、姓名,2、身份证号,3、手机,4、隐私授权:我已阅读并同意\n"
        f"1,孙三,{ids[2]},{make_phone(3)},我已阅读并同意\n"
        f"2,李四,{ids[3]},{make_phone(4)},(空)\n",
        "utf-8",
    )
    assert import_report(run, roster_id, text_mode)["added"] == 1
    assert member_names(run, roster_id) == {"赵一", "孙三"}
