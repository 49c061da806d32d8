"""Departments in enrollment (PRODUCT §4, issue #12): recognised headers, stored, updated on
re-import, typed with ``enroll add``, and checked like any text from the public."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Run, import_report
from tests.helpers import make_ids, make_phone, query


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
