"""Departments in enrollment (PRODUCT §4, issue #12): recognised headers, stored, updated on
re-import, typed with ``enroll add``, and checked like any text from the public."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import Run, import_report
from tests.helpers import make_ids, make_phone, query
from tuanti_cli.errors import FieldError
from tuanti_cli.masking import mask_field
from tuanti_cli.validate import validate_department


def departments(run: Run, roster: str) -> dict[str, str | None]:
    records = json.loads(run("show", roster, "--format", "json").stdout)
    return {r["name"]: r["department"] for r in records}


@pytest.mark.parametrize(
    "header", ["部门", "所在企业", "5、所在部门：", "班级", "科室", "department", "企业名称"]
)
def test_a_department_column_is_recognised_and_stored(
    run: Run, roster_id: str, tmp_path: Path, header: str
) -> None:
    ids = make_ids(2)
    path = tmp_path / "people.csv"
    path.write_text(
        f"姓名,身份证号,手机号,{header},同意授权\n"
        f"赵一,{ids[0]},{make_phone(1)},顺丰速运（北京）有限公司,是\n"
        f"钱二,{ids[1]},{make_phone(2)},,是\n",
        "utf-8",
    )
    report = import_report(run, roster_id, path)
    assert report["added"] == 2 and report["columns"]["department"] == header
    assert departments(run, roster_id) == {"赵一": "顺丰速运（北京）有限公司", "钱二": None}


def test_a_reimport_updates_the_department_and_a_file_without_one_leaves_it(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    ids = make_ids(2)
    first = tmp_path / "first.csv"
    first.write_text(
        "姓名,身份证号,手机号,部门,同意授权\n"
        f"赵一,{ids[0]},{make_phone(1)},行政部,是\n"
        f"钱二,{ids[1]},{make_phone(2)},财务部,是\n",
        "utf-8",
    )
    import_report(run, roster_id, first)
    moved = tmp_path / "moved.csv"
    moved.write_text(
        f"姓名,身份证号,手机号,部门,同意授权\n赵一,{ids[0]},{make_phone(1)},研发部,是\n", "utf-8"
    )
    report = import_report(run, roster_id, moved)
    assert (report["updated"], report["unchanged"]) == (1, 0)
    without = tmp_path / "without.csv"
    without.write_text(
        f"姓名,身份证号,手机号,同意授权\n钱二,{ids[1]},{make_phone(2)},是\n", "utf-8"
    )
    report = import_report(run, roster_id, without)
    assert (report["updated"], report["unchanged"]) == (0, 1)
    assert departments(run, roster_id) == {"赵一": "研发部", "钱二": "财务部"}


def test_enroll_add_with_a_department(run: Run, roster_id: str) -> None:
    [number] = make_ids(1)
    added = run(
        "enroll", "add", roster_id, "--name", "赵一", "--id-number", number,
        "--phone", make_phone(1), "--department", "三年级二班", "--yes",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    again = run(
        "enroll", "add", roster_id, "--name", "赵一", "--id-number", number,
        "--phone", make_phone(1), "--yes",
    )  # fmt: skip
    assert again.exit_code == 0 and "nothing changed" in again.stdout
    assert departments(run, roster_id) == {"赵一": "三年级二班"}
    bad = run(
        "enroll", "add", roster_id, "--name", "钱二", "--id-number", make_ids(2)[1],
        "--phone", make_phone(2), "--department", "财务\u202e部", "--yes",
    )  # fmt: skip
    assert bad.exit_code == 1
    assert bad.stderr.startswith("--department:") and "\\u202e" in bad.stderr


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("部" * 51, "longer than 50"),
        ("行政\x1b[8m部", "control"),
        ("13812345678", "like a phone or ID number"),  # typed into the wrong box
        ("所在单位 138-1234-5678", "like a phone or ID number"),
    ],
)
def test_a_department_that_cannot_be_stored_rejects_the_row(
    run: Run, roster_id: str, tmp_path: Path, db_path: Path, key_path: Path, value: str,
    fragment: str,
) -> None:  # fmt: skip
    [number] = make_ids(1)
    path = tmp_path / "bad.csv"
    path.write_text(
        f"姓名,身份证号,手机号,部门,同意授权\n赵一,{number},{make_phone(1)},{value},是\n", "utf-8"
    )
    report = import_report(run, roster_id, path)
    assert report["added"] == 0
    [reject] = report["rejects"]
    assert reject["field"] == "department" and fragment in reject["reason"]
    assert query(db_path, key_path, "SELECT count(*) FROM member") == [(0,)]
    assert "12345678" not in json.dumps(report)  # the rejected value is masked too


def test_a_class_with_numbers_is_a_department(run: Run, roster_id: str) -> None:
    for i, value in enumerate(("2023级1班", "三年级2班", "第3车间 B-12"), 1):
        result = run(
            "enroll", "add", roster_id, "--name", f"赵{'一二三'[i - 1]}",
            "--id-number", make_ids(4)[i], "--phone", make_phone(i), "--department", value,
            "--yes",
        )  # fmt: skip
        assert result.exit_code == 0, result.output


# Phones and IDs written so that no separator the masking of messages knows stands between
# their digits; each is read as the one long number it shows.
SPREAD_NUMBERS = [
    "139——1234——5601",
    "139、1234、5697",
    "139。1234。5697",
    "139，1234，5697",
    "139,1234,5697",
    "139_1234_5697",
    "139 1234_5697",
    "139~1234~5697",
    "139·1234·5697",
    "139\u20091234\u20095697",  # thin spaces
    "139\u00a01234\u00a05697",  # no-break spaces
    "１３９、１２３４、５６９７",  # full-width digits
    "𝟏𝟑𝟗𝟏𝟐𝟑𝟒𝟓𝟔𝟗𝟕",  # mathematical digits: NFKC makes them ASCII
    "①③⑨①②③④⑤⑥⑨⑦",
    "部门 110105·19880412·0315",
    "电话：139*1234*5697",
]
ORDINARY_DEPARTMENTS = [
    "2023级1班",
    "第3车间",
    "一部",
    "A-12 班组",
    "销售2部",
    "三年级2班",
    "第3车间 B-12",
    "2023-2024学年 高三(1)班",
    "3号楼 101-105室",
]


@pytest.mark.parametrize("value", SPREAD_NUMBERS)
def test_a_number_spread_out_by_any_separator_is_no_department(value: str) -> None:
    with pytest.raises(FieldError) as refused:
        validate_department(value)
    assert refused.value.key == "department.number"
    masked = mask_field("department", value)
    assert "1234" not in masked and "１２３４" not in masked and "19880412" not in masked, masked


@pytest.mark.parametrize("value", ORDINARY_DEPARTMENTS)
def test_ordinary_departments_with_digits_pass(value: str) -> None:
    assert validate_department(value) == value
    assert mask_field("department", value) == value


@given(
    st.text(
        alphabet=st.sampled_from("0123456789１３９①⑩𝟏 -—、，,._~·*:/\u2009\u3000a部"), max_size=50
    )
)
def test_no_department_shows_eleven_digits_between_two_letters(text: str) -> None:
    try:
        department = validate_department(text)
    except FieldError:
        return
    # Read as a person reads it: NFKC, then whatever stands between two letters is one number.
    for part in re.split(r"[^\W\d_]", unicodedata.normalize("NFKC", department or "")):
        assert sum(c.isdigit() for c in part) < 11, (text, part)


def test_a_spread_number_is_refused_at_enroll_add_and_masked_in_an_import(
    run: Run, roster_id: str, tmp_path: Path, db_path: Path, key_path: Path
) -> None:
    [first, second] = make_ids(2)
    added = run(
        "enroll", "add", roster_id, "--name", "张伟", "--id-number", first,
        "--phone", make_phone(1), "--department", "139——1234——5601", "--yes",
    )  # fmt: skip
    assert added.exit_code == 1
    assert "like a phone or ID number" in added.stderr and "1234" not in added.output
    path = tmp_path / "spread.csv"
    path.write_text(
        f'姓名,身份证号,手机号,部门,同意授权\n赵一,{second},{make_phone(2)},"139,1234,5697",是\n',
        "utf-8",
    )
    report = import_report(run, roster_id, path)
    [reject] = report["rejects"]
    assert reject["field"] == "department" and "1234" not in reject["value"]
    assert query(db_path, key_path, "SELECT count(*) FROM member") == [(0,)]
