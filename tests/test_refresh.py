"""``tuanti refresh`` and ``tuanti show --as-of`` end to end (PRODUCT §5 and §6)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import filelock
import pytest
from typer.testing import Result

from tests.conftest import Run
from tests.helpers import (
    SECTION_6_KEYS,
    all_rows,
    make_id,
    make_ids,
    make_phone,
    person_name,
    piped,
    query,
)
from tuanti_cli.keys import read_key_file
from tuanti_cli.store import Store

AS_OF = "2022-12-05 09:00"
AS_OF_ISO = "2022-12-05T09:00:00+08:00"

EN_HEADERS = (
    "name",
    "id_number",
    "health_code",
    "nat_sampled_at",
    "nat_result",
    "vaccination",
    "vaccine_doses",
    "last_dose_date",
)
ZH_HEADERS = (
    "姓名",
    "证件号码",
    "健康码状态",
    "核酸采样时间",
    "核酸结果",
    "疫苗接种状态",
    "接种剂次",
    "最后接种日期",
)
HEALTH_KEYS = SECTION_6_KEYS[
    SECTION_6_KEYS.index("health_code") : SECTION_6_KEYS.index("compared_at")
]
UNKNOWN_HEALTH = {
    "health_code": "unknown",
    "nat_sampled_at": None,
    "nat_result": None,
    "nat_days": None,
    "vaccination": "unknown",
    "vaccine_doses": None,
    "last_dose_date": None,
}
RESULT_KEYS = {
    "feed_rows",
    "bad_rows",
    "matched",
    "not_found",
    "name_mismatch",
    "changed",
    "skipped",
    "damaged_ids",
}

_seq = itertools.count(1)
_phones = itertools.count(5000)


def new_id(region: str = "110101", birth: dt.date = dt.date(1988, 4, 12)) -> str:
    """A fresh valid ID number, distinct from every other one this module makes."""
    n = next(_seq)
    return make_id(region, birth + dt.timedelta(days=n // 1000), n % 1000)


def id_with_x() -> str:
    """A valid ID number whose check character is ``X``."""
    while True:
        number = new_id("310104")
        if number.endswith("X"):
            return number


def masked(number: str) -> str:
    return number[:2] + "*" * 12 + number[14:]


# --------------------------------------------------------------------------- helpers


def enroll(run: Run, roster_id: str, tmp_path: Path, people: list[tuple[str, str]]) -> None:
    """Import ``(name, id_number)`` people into the roster (all with consent)."""
    path = tmp_path / f"enroll-{next(_seq)}.csv"
    lines = ["name,id_number,phone,consent"]
    lines += [f"{name},{number},{make_phone(next(_phones))},是" for name, number in people]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run("enroll", "import", roster_id, str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["rejected"] == 0, report


def write_feed(
    path: Path,
    rows: list[dict[str, Any]],
    zh: bool = False,
    encoding: str = "utf-8",
    headers: tuple[str, ...] = EN_HEADERS,
) -> Path:
    """Write a feed in the format the suffix names; ``rows`` use the English field names."""
    names = dict(zip(EN_HEADERS, ZH_HEADERS, strict=True)) if zh else {h: h for h in EN_HEADERS}
    columns = [names[h] for h in headers]
    if path.suffix == ".csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow(["" if row.get(h) is None else row.get(h) for h in headers])
        text = out.getvalue()
    else:
        objects = [{names[k]: v for k, v in row.items() if v not in ("", None)} for row in rows]
        if path.suffix == ".jsonl":
            text = "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objects)
        else:
            text = json.dumps(objects, ensure_ascii=False, indent=1)
    path.write_bytes(text.encode(encoding))
    return path


def refresh(run: Run, feed: Path, as_of: str = AS_OF, *extra: str) -> Result:
    return run("refresh", "--feed", str(feed), "--as-of", as_of, *extra)


def refresh_json(run: Run, feed: Path, as_of: str = AS_OF) -> dict[str, Any]:
    result = refresh(run, feed, as_of, "--format", "json")
    assert result.exit_code == 0, result.output
    report: dict[str, Any] = json.loads(result.stdout)
    assert set(report) == RESULT_KEYS, report
    return report


def show(run: Run, roster_id: str, as_of: str = AS_OF) -> list[dict[str, Any]]:
    result = run("show", roster_id, "--format", "json", "--as-of", as_of)
    assert result.exit_code == 0, result.output
    records: list[dict[str, Any]] = json.loads(result.stdout)
    return records


def by_name(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in records}


def health_of(record: dict[str, Any]) -> dict[str, Any]:
    return {k: record[k] for k in HEALTH_KEYS}


def run_count(db_path: Path, key_path: Path) -> int:
    return int(query(db_path, key_path, "SELECT count(*) FROM run")[0][0])


def green_row(name: str, number: str, sampled: str = "2022-12-05 07:00") -> dict[str, Any]:
    return {
        "name": name,
        "id_number": number,
        "health_code": "green",
        "nat_sampled_at": sampled,
        "nat_result": "negative",
        "vaccination": "booster",
        "vaccine_doses": "3",
        "last_dose_date": "2022-06-01",
    }


# --------------------------------------------------------------------------- 1. value forms

# name, feed cells (code, sampled, result, vaccination, doses, last dose), expected health
VALUE_CASES: list[tuple[str, tuple[str, ...], dict[str, Any]]] = [
    (
        "甲一",
        ("green", "2022-12-05 07:12", "negative", "booster", "3", "2022-06-01"),
        {
            "health_code": "green",
            "nat_sampled_at": "2022-12-05T07:12:00+08:00",
            "nat_result": "negative",
            "nat_days": 0,
            "vaccination": "booster",
            "vaccine_doses": 3,
            "last_dose_date": "2022-06-01",
        },
    ),
    (
        "乙二",
        ("绿码", "2022-12-04 18:30:15", "阴性", "完成加强免疫", "3", "2022-06-02"),
        {
            "health_code": "green",
            "nat_sampled_at": "2022-12-04T18:30:15+08:00",
            "nat_result": "negative",
            "nat_days": 1,
            "vaccination": "booster",
            "vaccine_doses": 3,
            "last_dose_date": "2022-06-02",
        },
    ),
    (
        "丙三",
        ("未见异常", "2022/12/3 8:05", "pending", "primary", "2", "2021-09-15"),
        {
            "health_code": "green",
            "nat_sampled_at": "2022-12-03T08:05:00+08:00",
            "nat_result": "pending",
            "nat_days": 2,
            "vaccination": "primary",
            "vaccine_doses": 2,
            "last_dose_date": "2021-09-15",
        },
    ),
    (
        "丁四",
        ("yellow", "2022-12-04T10:00:00+08:00", "待出结果", "完成基础免疫", "2", "2021-09-16"),
        {
            "health_code": "yellow",
            "nat_sampled_at": "2022-12-04T10:00:00+08:00",
            "nat_result": "pending",
            "nat_days": 1,
            "vaccination": "primary",
            "vaccine_doses": 2,
            "last_dose_date": "2021-09-16",
        },
    ),
    (
        "戊五",
        ("黄码", "2022-12-04T17:30:00Z", "positive", "partial", "1", "2021-05-02"),
        {
            "health_code": "yellow",
            "nat_sampled_at": "2022-12-05T01:30:00+08:00",
            "nat_result": "positive",
            "nat_days": 0,
            "vaccination": "partial",
            "vaccine_doses": 1,
            "last_dose_date": "2021-05-02",
        },
    ),
    (
        "己六",
        ("red", "2022-12-05 00:00:00", "阳性", "未完成基础免疫", "1", "2021-05-03"),
        {
            "health_code": "red",
            "nat_sampled_at": "2022-12-05T00:00:00+08:00",
            "nat_result": "positive",
            "nat_days": 0,
            "vaccination": "partial",
            "vaccine_doses": 1,
            "last_dose_date": "2021-05-03",
        },
    ),
    (
        "庚七",
        ("红码", "2022/12/4 23:59", "negative", "exempt", "0", ""),
        {
            "health_code": "red",
            "nat_sampled_at": "2022-12-04T23:59:00+08:00",
            "nat_result": "negative",
            "nat_days": 1,
            "vaccination": "exempt",
            "vaccine_doses": 0,
            "last_dose_date": None,
        },
    ),
    (
        "辛八",
        ("popup", "2022-12-01T08:00:00+08:00", "阴性", "不适宜接种", "0", ""),
        {
            "health_code": "popup",
            "nat_sampled_at": "2022-12-01T08:00:00+08:00",
            "nat_result": "negative",
            "nat_days": 4,
            "vaccination": "exempt",
            "vaccine_doses": 0,
            "last_dose_date": None,
        },
    ),
    (
        "壬九",
        ("弹窗", "2022-11-30T23:00:00Z", "pending", "unknown", "", ""),
        {
            "health_code": "popup",
            "nat_sampled_at": "2022-12-01T07:00:00+08:00",
            "nat_result": "pending",
            "nat_days": 4,
            "vaccination": "unknown",
            "vaccine_doses": None,
            "last_dose_date": None,
        },
    ),
    (
        "癸十",
        ("绿码", "2022-12-05 08:00", "阴性", "未查询到接种信息", "", ""),
        {
            "health_code": "green",
            "nat_sampled_at": "2022-12-05T08:00:00+08:00",
            "nat_result": "negative",
            "nat_days": 0,
            "vaccination": "unknown",
            "vaccine_doses": None,
            "last_dose_date": None,
        },
    ),
]
# green/yellow/red/popup with the roster's default --max-nat-days of 3
EXPECTED_ABNORMAL = {
    "甲一": False,
    "乙二": False,
    "丙三": False,
    "丁四": True,
    "戊五": True,
    "己六": True,
    "庚七": True,
    "辛八": True,
    "壬九": True,
    "癸十": False,
}


@pytest.mark.parametrize(
    ("suffix", "zh"),
    [
        (".csv", False),
        (".csv", True),
        (".jsonl", False),
        (".jsonl", True),
        (".json", False),
        (".json", True),
    ],
    ids=["csv-en", "csv-zh", "jsonl-en", "jsonl-zh", "json-en", "json-zh"],
)
def test_every_value_form_maps_to_its_enum(
    run: Run, roster_id: str, tmp_path: Path, suffix: str, zh: bool
) -> None:
    people = [(name, new_id()) for name, _, _ in VALUE_CASES]
    enroll(run, roster_id, tmp_path, people)
    rows = []
    for (name, number), (_, cells, _) in zip(people, VALUE_CASES, strict=True):
        code, sampled, result, vaccination, doses, last = cells
        row: dict[str, Any] = {
            "name": name,
            "id_number": number,
            "health_code": code,
            "nat_sampled_at": sampled,
            "nat_result": result,
            "vaccination": vaccination,
            "vaccine_doses": doses,
            "last_dose_date": last,
        }
        if suffix == ".json" and doses:
            row["vaccine_doses"] = int(doses)  # JSON writes numbers as numbers
        rows.append(row)
    # a stranger's row sits between the members' rows
    rows.insert(3, green_row("路人", new_id("440305")))
    feed = write_feed(tmp_path / f"feed{suffix}", rows, zh=zh)

    report = refresh_json(run, feed)
    assert report == {
        "feed_rows": 11,
        "bad_rows": 0,
        "matched": 10,
        "not_found": 0,
        "name_mismatch": 0,
        "changed": 10,
        "skipped": False,
        "damaged_ids": 0,
    }
    records = by_name(show(run, roster_id))
    assert set(records) == {name for name, _ in people}
    for name, _, expected in VALUE_CASES:
        record = records[name]
        assert health_of(record) == expected, name
        assert record["flags"] == [], name
        assert record["compared_at"] == AS_OF_ISO, name
        assert record["abnormal"] is EXPECTED_ABNORMAL[name], name


def test_json_records_have_the_section_6_keys_and_unknown_before_any_refresh(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    number = new_id()
    enroll(run, roster_id, tmp_path, [("张三", number)])
    (record,) = show(run, roster_id)
    assert list(record) == list(SECTION_6_KEYS)
    assert health_of(record) == UNKNOWN_HEALTH
    assert record["compared_at"] is None and record["flags"] == [] and record["abnormal"] is True
    assert record["id_number"] == masked(number)


# --------------------------------------------------------------------------- 2. outcomes


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".json"])
def test_mismatch_not_found_bad_row_and_last_row_wins(
    run: Run, roster_id: str, tmp_path: Path, db_path: Path, key_path: Path, suffix: str
) -> None:
    people = {name: new_id() for name in ("张三", "李四", "王五", "赵六", "钱七", "孙八", "周九")}
    enroll(run, roster_id, tmp_path, list(people.items()))
    everyone_green = [green_row(name, number) for name, number in people.items()]
    first = refresh_json(run, write_feed(tmp_path / "first.csv", everyone_green))
    assert first["matched"] == 7 and first["changed"] == 7

    strangers = [green_row("路人甲", new_id("440305")), green_row("路人乙", new_id("320102"))]
    rows = [
        strangers[0],
        green_row("张三", people["张三"]),  # matched, unchanged
        {**green_row("李思", people["李四"]), "health_code": "red"},  # another name
        # 王五 is absent: not found
        {**green_row("赵六", people["赵六"]), "health_code": "蓝码"},  # bad value
        {**green_row("钱七", people["钱七"]), "health_code": "红码"},
        {**green_row("孙八", people["孙八"]), "health_code": "蓝码"},
        {**green_row("周九", people["周九"])},
        strangers[1],
        green_row("钱七", people["钱七"]),  # the last row wins: green again
        green_row("孙八", people["孙八"]),  # the last row wins: the bad one is forgotten
        # the same sampling time, so the last row wins, and it is bad (a row with a readable
        # sampling time would beat one whose time cannot be read: see test_provider_feeds)
        {**green_row("周九", people["周九"]), "vaccine_doses": "99"},
    ]
    second_feed = write_feed(tmp_path / f"second{suffix}", rows)
    result = refresh(run, second_feed, AS_OF, "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report == {
        "feed_rows": len(rows),
        "bad_rows": 2,
        "matched": 3,
        "not_found": 1,
        "name_mismatch": 1,
        "changed": 4,  # 李四, 王五, 赵六, 周九
        "skipped": False,
        "damaged_ids": 0,
    }
    compared = report["matched"] + report["name_mismatch"] + report["bad_rows"]
    assert compared + report["not_found"] == len(people)
    for number in people.values():
        assert number not in result.stdout + result.stderr

    records = by_name(show(run, roster_id))
    expected_flags = {
        "张三": [],
        "李四": ["name_mismatch"],
        "王五": ["not_found"],
        "赵六": ["bad_row"],
        "钱七": [],
        "孙八": [],
        "周九": ["bad_row"],
    }
    assert {name: r["flags"] for name, r in records.items()} == expected_flags
    green = health_of(records["张三"])
    assert green["health_code"] == "green" and green["nat_days"] == 0
    for name in ("钱七", "孙八"):
        assert health_of(records[name]) == green, name
        assert records[name]["abnormal"] is False, name
    for name in ("李四", "王五", "赵六", "周九"):
        # the red code of 李思's row was not applied; the earlier green is gone as well
        assert health_of(records[name]) == UNKNOWN_HEALTH, name
        assert records[name]["abnormal"] is True, name
    # abnormal first, then by member number
    ordered = show(run, roster_id)
    assert [r["abnormal"] for r in ordered] == [True] * 4 + [False] * 3
    for group in (ordered[:4], ordered[4:]):
        assert [r["member_no"] for r in group] == sorted(r["member_no"] for r in group)

    (last_run,) = query(
        db_path,
        key_path,
        "SELECT feed_rows, bad_rows, matched, not_found, name_mismatch, changed,"
        " finished_at IS NOT NULL, feed_hash FROM run ORDER BY run_id DESC LIMIT 1",
    )
    assert tuple(last_run[:7]) == (len(rows), 2, 3, 1, 1, 4, 1)
    assert last_run[7]  # the feed hash is recorded
    history = query(
        db_path, key_path, "SELECT count(*), count(DISTINCT run_id) FROM health_history"
    )
    # change points: all 7 at their first comparison, then only the 4 whose state changed
    assert tuple(history[0]) == (7 + 4, 2)


def test_a_feed_name_written_as_enrollment_would_store_it_matches(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    """Enrollment stores ``买买提•艾力`` as ``买买提·艾力`` (§4): the feed's ``•`` (or ``・``,
    or ``’`` for ``'``) is the same name, not a mismatch; another name still is one."""
    people = {"买买提•艾力": new_id(), "阿依・古丽": new_id(), "O’Brien": new_id()}
    enroll(run, roster_id, tmp_path, list(people.items()))
    rows = [green_row(name, number) for name, number in people.items()]
    rows.append({**green_row("O’Brian", new_id()), "id_number": people["O’Brien"]})
    rows = rows[:2] + rows[3:]  # O'Brien's row is the misspelt one
    report = refresh_json(run, write_feed(tmp_path / "names.csv", rows))
    assert (report["matched"], report["name_mismatch"]) == (2, 1), report
    flags = {r["name"]: r["flags"] for r in show(run, roster_id)}
    assert flags == {"买买提·艾力": [], "阿依·古丽": [], "O'Brien": ["name_mismatch"]}
    exact = [green_row(name, number) for name, number in people.items()]
    report = refresh_json(run, write_feed(tmp_path / "exact.csv", exact))
    assert (report["matched"], report["name_mismatch"]) == (3, 0), report


def test_bad_rows_are_reported_by_row_number_and_masked_id(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    people = {name: new_id() for name in ("张三", "赵六", "周九")}
    enroll(run, roster_id, tmp_path, list(people.items()))
    rows = [
        green_row("路人", new_id("440305")),
        green_row("张三", people["张三"]),
        {**green_row("赵六", people["赵六"]), "health_code": "蓝码"},
        {**green_row("周九", people["周九"]), "vaccine_doses": "11"},
    ]
    result = refresh(run, write_feed(tmp_path / "feed.csv", rows))
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "matched 1" in text and "bad row 2" in text, text
    # row numbers as a spreadsheet shows them, as enrollment reports them (the header is 1)
    assert f"feed row 4 ({masked(people['赵六'])}): health_code" in text, text
    assert f"feed row 5 ({masked(people['周九'])}): vaccine_doses" in text, text
    # what is wrong, and what would be read: the words tuanti knows, a number of doses
    assert "health_code is no code tuanti knows (write 绿码, 黄码, 红码 or 弹窗" in text, text
    assert "vaccine_doses is no number of doses from 0 to 10" in text, text
    for number in people.values():
        assert number not in result.stdout + result.stderr
    # under zh the field is named as a person reads it, not by its key
    again = run(
        "--lang", "zh", "refresh", "--feed", str(tmp_path / "feed.csv"), "--roster", roster_id
    )
    assert f"第 4 行（{masked(people['赵六'])}）：健康码不是可识别的值" in again.stdout, (
        again.stdout
    )
    assert f"第 5 行（{masked(people['周九'])}）：接种剂次不是 0 到 10 的剂次" in again.stdout
    assert "health_code" not in again.stdout and "vaccine_doses" not in again.stdout


def test_bad_rows_are_listed_in_the_feeds_order(run: Run, roster_id: str, tmp_path: Path) -> None:
    """Members are judged in member order; the listed bad rows follow the file, and beyond the
    first 50 it is the file's first 50 that are listed."""
    people = [(person_name(i, "坏行"), new_id()) for i in range(55)]
    enroll(run, roster_id, tmp_path, people)
    rows = [{**green_row(name, number), "health_code": "蓝码"} for name, number in people]
    rows.reverse()  # the last member enrolled is on row 2
    result = refresh(run, write_feed(tmp_path / "feed.csv", rows))
    assert result.exit_code == 0, result.output
    listed = [int(n) for n in re.findall(r"feed row (\d+) \(", result.stdout)]
    assert listed == list(range(2, 52)), listed
    first = people[-1][1]
    assert f"feed row 2 ({masked(first)}): health_code is no code" in result.stdout
    assert "… and 5 more bad rows." in result.stdout


@pytest.mark.parametrize("title", [False, True])
def test_a_line_break_inside_quotes_does_not_shift_feed_row_numbers(
    run: Run, roster_id: str, tmp_path: Path, title: bool
) -> None:
    people = {name: new_id() for name in ("张三", "赵六")}
    enroll(run, roster_id, tmp_path, list(people.items()))
    path = tmp_path / "feed.csv"
    path.write_text(
        ("核酸检测结果\n" if title else "")
        + "id_number,health_code,note\n"
        + f'{people["张三"]},green,"line one\nline two"\n'
        + f"{new_id()},green,\n"
        + f'{people["赵六"]},蓝码,"x\ny"\n',
        encoding="utf-8",
    )
    result = refresh(run, path)
    assert result.exit_code == 0, result.output
    row = 5 if title else 4  # a spreadsheet's row: the title 1, the header 2, one a record
    assert f"feed row {row} ({masked(people['赵六'])}): health_code" in result.stdout, result.stdout


# --------------------------------------------------------------------------- 3. failures

NO_ID_JSON = json.dumps([{"name": "张三", "idcard": "x", "health_code": "green"}])


@pytest.mark.parametrize(
    ("name", "content"),
    [
        pytest.param("no-id.csv", "name,health_code\n张三,green\n".encode(), id="no-id.csv"),
        pytest.param("no-id-zh.csv", "姓名,健康码状态\n张三,绿码\n".encode(), id="no-id-zh.csv"),
        pytest.param("empty.csv", b"", id="empty.csv"),
        pytest.param(
            "header-only.csv", (",".join(EN_HEADERS) + "\n").encode(), id="header-only.csv"
        ),
        pytest.param(
            "header-only-zh.csv",
            (",".join(ZH_HEADERS) + "\r\n").encode("gb18030"),
            id="header-only-zh.csv",
        ),
        pytest.param(
            "header-and-blank-lines.csv",
            (",".join(EN_HEADERS) + "\n\n\n").encode(),
            id="header-and-blank-lines.csv",
        ),
        pytest.param("empty.jsonl", b"", id="empty.jsonl"),
        pytest.param("blank.jsonl", b"\n  \n", id="blank.jsonl"),
        pytest.param("empty.json", b"", id="empty.json"),
        pytest.param("empty-array.json", b"[]", id="empty-array.json"),
        # Regression: a JSON/JSONL feed without any id_number is refused like a CSV one.
        pytest.param("no-id.json", NO_ID_JSON.encode(), id="no-id.json"),
        pytest.param("no-id.jsonl", NO_ID_JSON[1:-1].encode() + b"\n", id="no-id.jsonl"),
        pytest.param("missing.csv", None, id="missing.csv"),
        pytest.param("binary.csv", b"id_number,name\n\x00\x01\x02\n", id="binary.csv"),
        pytest.param("cut.csv", b'id_number,name\n110101199003071234,"cut off\n', id="cut.csv"),
        pytest.param("cut.json", b'[{"id_number": "1"', id="cut.json"),
        pytest.param("object.json", b'{"id_number": "1"}', id="object.json"),
        pytest.param("undecodable.csv", b"id_number,\xff\xfe\xff\n1,2\n", id="undecodable.csv"),
    ],
)
def test_a_failed_feed_changes_nothing(
    run: Run,
    roster_id: str,
    tmp_path: Path,
    db_path: Path,
    key_path: Path,
    name: str,
    content: bytes | None,
) -> None:
    people = {"张三": new_id(), "李四": new_id()}
    enroll(run, roster_id, tmp_path, list(people.items()))
    good = write_feed(tmp_path / "good.csv", [green_row("张三", people["张三"])])
    assert refresh_json(run, good)["matched"] == 1
    feed = tmp_path / name
    if content is not None:
        feed.write_bytes(content)
    before_show = show(run, roster_id)
    before = all_rows(db_path, key_path)

    result = refresh(run, feed, "2022-12-06 09:00", "--format", "json")

    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert result.stderr.strip(), "a failure says why"
    assert "Traceback" not in result.stderr
    assert all_rows(db_path, key_path) == before
    assert show(run, roster_id) == before_show
    assert by_name(before_show)["张三"]["health_code"] == "green"


def test_a_directory_as_feed_is_refused(run: Run, roster_id: str, tmp_path: Path) -> None:
    enroll(run, roster_id, tmp_path, [("张三", new_id())])
    before = show(run, roster_id)
    result = refresh(run, tmp_path)
    assert result.exit_code == 1 and result.stderr.strip()
    assert show(run, roster_id) == before


def test_a_feed_from_a_pipe_is_refused_before_it_is_read(
    run: Run, roster_id: str, tmp_path: Path, db_path: Path, key_path: Path
) -> None:
    # A run reads its feed more than once: `--feed <(cat feed.csv)` would look empty.
    people = {"张三": new_id()}
    enroll(run, roster_id, tmp_path, list(people.items()))
    data = write_feed(tmp_path / "feed.csv", [green_row("张三", people["张三"])]).read_bytes()
    before = all_rows(db_path, key_path)
    for path in [None, "/dev/null"]:
        with piped(data) as pipe:
            result = run("refresh", "--feed", path or pipe, "--as-of", AS_OF)
        assert result.exit_code == 1, result.output
        assert result.stderr.count("\n") == 1, result.stderr
        assert "is a pipe or device, not a file" in result.stderr
        assert "Save the feed to a file first" in result.stderr
        assert all_rows(db_path, key_path) == before


# --------------------------------------------------------------------------- 4. skipped


def test_an_identical_feed_is_skipped_until_the_members_change(
    run: Run, roster_id: str, tmp_path: Path, db_path: Path, key_path: Path
) -> None:
    people = {"张三": new_id(), "李四": new_id()}
    enroll(run, roster_id, tmp_path, list(people.items()))
    feed = write_feed(tmp_path / "feed.csv", [green_row(n, i) for n, i in people.items()])

    first = refresh_json(run, feed)
    assert first["skipped"] is False and first["matched"] == 2 and first["changed"] == 2
    assert run_count(db_path, key_path) == 1
    shown = show(run, roster_id)

    second = refresh_json(run, feed)
    assert second["skipped"] is True
    assert run_count(db_path, key_path) == 1, "a skipped run applies nothing"
    assert show(run, roster_id) == shown
    text = refresh(run, feed)
    assert text.exit_code == 0 and "byte-identical" in text.stdout

    copy = tmp_path / "copy.csv"
    copy.write_bytes(feed.read_bytes())
    assert refresh_json(run, copy)["skipped"] is True, "byte-identical, whatever the path"

    enroll(run, roster_id, tmp_path, [("王五", new_id())])
    third = refresh_json(run, feed)
    assert third["skipped"] is False
    assert (third["matched"], third["not_found"], third["changed"]) == (2, 1, 1)
    assert run_count(db_path, key_path) == 2
    assert by_name(show(run, roster_id))["王五"]["flags"] == ["not_found"]
    assert refresh_json(run, feed)["skipped"] is True

    # one byte more: applied again; only the member whose values differ counts as changed
    changed = write_feed(
        tmp_path / "changed.csv",
        [
            {**green_row("张三", people["张三"]), "health_code": "黄码"},
            green_row("李四", people["李四"]),
        ],
    )
    fourth = refresh_json(run, changed)
    assert fourth["skipped"] is False and fourth["changed"] == 1
    assert by_name(show(run, roster_id))["张三"]["health_code"] == "yellow"
    assert run_count(db_path, key_path) == 3


# --------------------------------------------------------------------------- 5. NAT days


def test_the_same_feed_read_with_other_columns_is_not_skipped(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    """A first run read the column named exactly 采样时间; run again with ``--column``
    naming the other sampling column, the same bytes are a new comparison, not skipped."""
    number = new_id()
    enroll(run, roster_id, tmp_path, [("张伟", number)])
    feed = tmp_path / "result.csv"
    feed.write_text(
        "姓名,证件号码,健康码状态,首次采样时间,采样时间,检测结果\n"
        f"张伟,{number},绿码,2022-12-01 08:00,2022-12-04 20:00,阴性\n",
        encoding="utf-8",
    )
    assert refresh_json(run, feed)["skipped"] is False
    assert show(run, roster_id)[0]["nat_days"] == 1  # 采样时间: the exact name wins
    fixed = ("--column", "nat_sampled_at=首次采样时间")
    again = refresh(run, feed, AS_OF, *fixed, "--format", "json")
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["skipped"] is False
    (record,) = show(run, roster_id)
    assert (record["nat_days"], record["nat_sampled_at"]) == (4, "2022-12-01T08:00:00+08:00")
    repeated = refresh(run, feed, AS_OF, *fixed, "--format", "json")
    assert json.loads(repeated.stdout)["skipped"] is True, "the same columns: done already"


def test_nat_days_count_calendar_days_in_shanghai(run: Run, roster_id: str, tmp_path: Path) -> None:
    samples = {
        "今早": "2022-12-05 08:00",
        "零点": "2022-12-05 00:00:00",
        "昨天": "2022-12-04 12:00",
        "昨夜": "2022-12-04 23:59",
        "世界时": "2022-12-04T16:30:00Z",  # 2022-12-05 00:30 in Shanghai
        "前天": "2022/12/3 23:59",
    }
    people = {name: new_id() for name in samples}
    enroll(run, roster_id, tmp_path, list(people.items()))
    rows = [green_row(name, people[name], sampled) for name, sampled in samples.items()]
    assert refresh_json(run, write_feed(tmp_path / "feed.csv", rows))["matched"] == 6

    def days(as_of: str) -> dict[str, int]:
        return {r["name"]: r["nat_days"] for r in show(run, roster_id, as_of)}

    assert days(AS_OF) == {"今早": 0, "零点": 0, "昨天": 1, "昨夜": 1, "世界时": 0, "前天": 2}
    # the same moment written in UTC: still 2022-12-05 in Shanghai
    assert days("2022-12-05T01:00:00Z") == days(AS_OF)
    # 2022-12-04 16:00 UTC is midnight in Shanghai
    assert days("2022-12-04T16:00:00Z")["零点"] == 0
    assert days("2022-12-04T15:59:00Z")["昨夜"] == 0
    # later views count on without another refresh
    assert days("2022-12-06 00:01") == {
        "今早": 1,
        "零点": 1,
        "昨天": 2,
        "昨夜": 2,
        "世界时": 1,
        "前天": 3,
    }
    later = by_name(show(run, roster_id, "2022-12-08 09:00"))
    assert later["今早"]["nat_days"] == 3 and later["今早"]["abnormal"] is False
    assert later["昨天"]["nat_days"] == 4 and later["昨天"]["abnormal"] is True  # > 3 days
    assert later["前天"]["nat_days"] == 5 and later["前天"]["abnormal"] is True


# --------------------------------------------------------------------------- 6. encodings, IDs


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".json"])
def test_gb18030_feed_with_chinese_headers(
    run: Run, roster_id: str, tmp_path: Path, suffix: str
) -> None:
    people = {"张伟": new_id(), "欧阳娜娜": new_id(), "䶮龑": new_id()}  # the last is GB18030-only
    enroll(run, roster_id, tmp_path, list(people.items()))
    rows = [
        {**green_row("张伟", people["张伟"]), "health_code": "绿码", "nat_result": "阴性"},
        {
            **green_row("欧阳娜娜", people["欧阳娜娜"]),
            "health_code": "黄码",
            "nat_result": "待出结果",
        },
        {
            **green_row("䶮龑", people["䶮龑"]),
            "health_code": "未见异常",
            "vaccination": "完成基础免疫",
        },
        green_row("陌生人", new_id("440305")),
    ]
    feed = write_feed(tmp_path / f"feed{suffix}", rows, zh=True, encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        feed.read_bytes().decode("utf-8")
    report = refresh_json(run, feed)
    assert (report["feed_rows"], report["matched"], report["name_mismatch"]) == (4, 3, 0)
    records = by_name(show(run, roster_id))
    assert records["张伟"]["health_code"] == "green"
    assert records["欧阳娜娜"]["health_code"] == "yellow"
    assert records["欧阳娜娜"]["nat_result"] == "pending"
    assert records["䶮龑"]["health_code"] == "green"
    assert records["䶮龑"]["vaccination"] == "primary"
    assert all(r["flags"] == [] for r in records.values())


def test_id_forms_bom_crlf_and_quotes(run: Run, roster_id: str, tmp_path: Path) -> None:
    x_number = id_with_x()
    people = {"张三": x_number, "李四": new_id(), "王五": new_id()}
    enroll(run, roster_id, tmp_path, list(people.items()))
    header = ",".join(EN_HEADERS)
    lines = [
        header,
        f"张三,{x_number[:-1]}x,green,2022-12-05 07:00,negative,booster,3,2022-06-01",
        f'"李四","{people["李四"]}","red","2022-12-05 07:00","negative","booster","3",""',
        '"路人, 甲",440305199001010011,green,"2022-12-05 07:00",negative,booster,3,',
        f"王五,{people['王五']},yellow,2022-12-05 07:00,negative,booster,3,2022-06-01",
    ]
    feed = tmp_path / "feed.csv"
    feed.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode() + b"\r\n")
    report = refresh_json(run, feed)
    assert (report["feed_rows"], report["matched"], report["not_found"]) == (4, 3, 0)
    records = by_name(show(run, roster_id))
    assert records["张三"]["health_code"] == "green", "a lowercase x matches X"
    assert records["李四"]["health_code"] == "red"
    assert records["王五"]["health_code"] == "yellow"
    assert records["王五"]["last_dose_date"] == "2022-06-01", "CRLF is not part of the value"

    jsonl = tmp_path / "feed.jsonl"
    jsonl.write_text(
        json.dumps({"id_number": x_number[:-1] + "x", "health_code": "red"}) + "\n",
        encoding="utf-8",
    )
    assert refresh_json(run, jsonl)["matched"] == 1
    assert by_name(show(run, roster_id))["张三"]["health_code"] == "red"


# --------------------------------------------------------------------------- 7. privacy


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".json"])
def test_no_data_of_a_non_member_is_stored(
    run: Run, roster_id: str, tmp_path: Path, db_path: Path, key_path: Path, suffix: str
) -> None:
    member = new_id()
    enroll(run, roster_id, tmp_path, [("张三", member)])
    strangers = [
        ("陌生人鑫淼", make_id("440305", dt.date(1977, 7, 7), 777)),
        ("过客燚垚", make_id("510107", dt.date(1966, 6, 6), 666)),
        ("张三", make_id("420106", dt.date(1955, 5, 5), 555)),  # same name, another person
    ]
    secret_values = ["1919-09-19", "2011-11-11 11:11"]
    rows = [green_row("张三", member)]
    for name, number in strangers:
        rows.append(
            {
                **green_row(name, number, secret_values[1]),
                "health_code": "red",
                "last_dose_date": secret_values[0],
            }
        )
    # a stranger's row with an unparsable value is dropped too, never reported
    rows.append({**green_row("过客燚垚", strangers[1][1]), "health_code": "蓝码"})
    feed = write_feed(tmp_path / f"feed{suffix}", rows)
    result = refresh(run, feed, AS_OF, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["bad_rows"] == 0
    assert json.loads(result.stdout)["matched"] == 1
    text = refresh(run, write_feed(tmp_path / f"again{suffix}", rows[::-1]))
    assert text.exit_code == 0, text.output

    stored = all_rows(db_path, key_path)
    assert "张三" in stored and member in stored  # the reading works
    for name, number in strangers:
        assert number not in stored, name
        assert masked(number) not in stored, name
        assert number not in result.output + text.output
        assert masked(number) not in result.output + text.output
    for name in ("陌生人鑫淼", "过客燚垚"):
        assert name not in stored
    for value in ("1919-09-19", "1919-9-19", "2011-11-11"):
        assert value not in stored
    assert by_name(show(run, roster_id))["张三"]["health_code"] == "green"
    # nothing but the store's own files beside it
    left = {p.name for p in db_path.parent.iterdir()}
    assert left <= {db_path.name + s for s in ("", "-wal", "-shm", ".lock")}, left


# --------------------------------------------------------------------------- 8. concurrency


def cli(*args: str, **kwargs: Any) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tuanti_cli", *args],
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def lock_of(db_path: Path) -> filelock.FileLock:
    return filelock.FileLock(str(db_path) + ".lock")


def test_a_held_lock_gives_exit_75_and_changes_nothing(
    run: Run, roster_id: str, tmp_path: Path, db_path: Path, key_path: Path
) -> None:
    number = new_id()
    enroll(run, roster_id, tmp_path, [("张三", number)])
    feed = write_feed(tmp_path / "feed.csv", [green_row("张三", number)])
    before = all_rows(db_path, key_path)
    lock = lock_of(db_path)
    lock.acquire(timeout=5)
    try:
        started = time.monotonic()
        refused = cli("refresh", "--feed", str(feed), "--as-of", AS_OF)
        time.sleep(3.0)
        # started while the lock is held; it will get the lock once we let go
        waiter = cli("refresh", "--feed", str(feed), "--as-of", AS_OF, "--format", "json")
        out, err = refused.communicate(timeout=30)
        waited = time.monotonic() - started
        assert refused.returncode == 75, (out, err)
        assert out == ""
        assert "Another refresh" in err and "nothing was changed" in err, err
        assert err.strip().count("\n") == 0, "one sentence, no traceback"
        assert waited >= 2.0, "a second run waits briefly before giving up"
        assert all_rows(db_path, key_path) == before
        assert waiter.poll() is None, "the second one is still waiting"
    finally:
        lock.release()
    out, err = waiter.communicate(timeout=30)
    assert waiter.returncode == 0, (out, err)
    assert json.loads(out)["matched"] == 1
    assert run_count(db_path, key_path) == 1


def big_feed(path: Path, rows: int, members: dict[str, str], code: str, quoted: bool) -> Path:
    """``rows`` rows, the members' near the end; stranger rows repeat a block (fast to write)."""
    block_rows = 10_000
    strangers = [f"{440000000000000000 + i},{code}" for i in range(block_rows)]
    if quoted:
        strangers = [f'"{line}"' if i % 2 else line for i, line in enumerate(strangers)]
        strangers = [f'{line},"x"' for line in strangers]
    block = "\n".join(strangers) + "\n"
    member_lines = "".join(f"{number},{code}\n" for number in members.values())
    repeats, rest = divmod(rows - len(members), block_rows)
    with path.open("w", encoding="utf-8") as out:
        out.write("id_number,health_code" + (",note" if quoted else "") + "\n")
        out.write(block * repeats)
        out.write("\n".join(strangers[:rest]) + ("\n" if rest else ""))
        out.write(member_lines)
    return path


def test_two_refreshes_at_once_never_overlap(
    run: Run, roster_id: str, tmp_path: Path, db_path: Path, key_path: Path
) -> None:
    people = {person_name(i, "成员"): new_id() for i in range(5)}
    enroll(run, roster_id, tmp_path, list(people.items()))
    feeds = [
        big_feed(tmp_path / "a.csv", 200_000, people, "green", quoted=True),
        big_feed(tmp_path / "b.csv", 200_000, people, "yellow", quoted=True),
    ]
    before = run_count(db_path, key_path)
    procs = [
        cli("refresh", "--feed", str(feed), "--as-of", as_of, "--format", "json")
        for feed, as_of in zip(feeds, ["2022-12-05 09:00", "2022-12-05 09:01"], strict=True)
    ]
    outcomes = [p.communicate(timeout=60) for p in procs]
    codes = [p.returncode for p in procs]
    assert all(c in (0, 75) for c in codes), outcomes
    assert 0 in codes, outcomes
    succeeded = codes.count(0)
    for code, (out, err) in zip(codes, outcomes, strict=True):
        if code == 0:
            report = json.loads(out)
            assert report["feed_rows"] == 200_000 and report["matched"] == 5, report
        else:
            assert "Another refresh" in err
    assert run_count(db_path, key_path) == before + succeeded
    with Store.open(db_path, read_key_file(key_path)) as store:
        assert store.integrity_ok()
        assert store.query("SELECT count(*) FROM run WHERE finished_at IS NULL")[0][0] == 0
        runs = [r[0] for r in store.query("SELECT run_id FROM run ORDER BY run_id")]
        health = store.query("SELECT run_id, count(*) FROM health GROUP BY run_id")
        assert [tuple(h) for h in health] == [(runs[-1], 5)]
        history = store.query("SELECT count(*) FROM health_history")[0][0]
        assert history == 5 * len(runs)
    codes_now = {r["health_code"] for r in show(run, roster_id)}
    assert len(codes_now) == 1 and codes_now <= {"green", "yellow"}


# --------------------------------------------------------------------------- 9. kill -9


def test_kill_during_refresh_leaves_the_store_as_it_was(
    run: Run, roster_id: str, tmp_path: Path, db_path: Path, key_path: Path
) -> None:
    people = {person_name(i, "成员"): new_id() for i in range(5)}
    enroll(run, roster_id, tmp_path, list(people.items()))
    small = write_feed(tmp_path / "small.csv", [green_row(n, i) for n, i in people.items()])
    assert refresh_json(run, small)["matched"] == 5
    before = all_rows(db_path, key_path)
    # quoted cells make every row go through the csv module: slow enough to be killed mid-run
    big = big_feed(tmp_path / "big.csv", 2_000_000, people, "red", quoted=True)
    probe = lock_of(db_path)
    killed_mid_run = False
    for _attempt in range(3):
        proc = cli("refresh", "--feed", str(big), "--as-of", "2022-12-06 09:00")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                probe.acquire(timeout=0)
            except filelock.Timeout:
                break  # the refresh holds the lock: it is running
            probe.release()
            time.sleep(0.01)
        time.sleep(0.3)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate()
            if out == "":  # it had not finished (a finished run prints its summary)
                killed_mid_run = True
                break
        else:
            proc.communicate()
    assert killed_mid_run, "the refresh finished before it could be killed"
    assert all_rows(db_path, key_path) == before
    with Store.open(db_path, read_key_file(key_path)) as store:
        assert store.integrity_ok()
    first = person_name(0, "成员")
    after = refresh_json(run, write_feed(tmp_path / "next.csv", [green_row(first, people[first])]))
    assert after["matched"] == 1 and after["not_found"] == 4 and after["skipped"] is False


def test_kill_while_the_run_is_written_leaves_the_store_as_it_was(
    run: Run, roster_id: str, tmp_path: Path, db_path: Path, key_path: Path
) -> None:
    """Killed while the commit is being written to the WAL: the run is all or nothing."""
    count = 10_000
    numbers = make_ids(count, start=0)
    people = {person_name(i): number for i, number in enumerate(numbers)}
    enroll(run, roster_id, tmp_path, list(people.items()))
    first = big_feed(tmp_path / "first.csv", count, people, "green", quoted=False)
    assert refresh_json(run, first)["matched"] == count
    wal = Path(f"{db_path}-wal")
    killed_mid_write = False
    for attempt, code in enumerate(["red", "yellow", "popup", "red", "yellow"]):
        before = all_rows(db_path, key_path)
        runs_before = run_count(db_path, key_path)
        start_size = wal.stat().st_size if wal.exists() else 0
        feed = big_feed(tmp_path / f"next{attempt}.csv", count, people, code, quoted=False)
        proc = cli("refresh", "--feed", str(feed), "--as-of", "2022-12-06 09:00")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and proc.poll() is None:
            if wal.exists() and wal.stat().st_size > start_size + 256 * 1024:
                break
            time.sleep(0.0005)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        after = all_rows(db_path, key_path)
        if after == before:
            assert out == "" and proc.returncode == -signal.SIGKILL
            killed_mid_write = True
            break
        # the kill came too late: then the whole run must have landed, never a part of it
        assert run_count(db_path, key_path) == runs_before + 1
        codes = query(db_path, key_path, "SELECT health_code, count(*) FROM health GROUP BY 1")
        assert [tuple(c) for c in codes] == [(code, count)], codes
    assert killed_mid_write, "every refresh finished before it could be killed"
    with Store.open(db_path, read_key_file(key_path)) as store:
        assert store.integrity_ok()
        codes = store.query("SELECT DISTINCT health_code FROM health")
    assert [c[0] for c in codes] != [code]
    assert refresh_json(run, feed)["matched"] == count
    assert {r["health_code"] for r in show(run, roster_id)} == {code}


def test_a_member_jsonl_line_that_is_not_json_is_a_bad_row(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    people = {"张三": new_id(), "李四": new_id()}
    enroll(run, roster_id, tmp_path, list(people.items()))
    feed = tmp_path / "feed.jsonl"
    feed.write_text(
        json.dumps(green_row("张三", people["张三"]), ensure_ascii=False)
        + "\n"
        + f'{{"id_number": "{people["李四"]}", "health_code": "green", oops}}\n'
        + '{"id_number": "440305199001010011", "broken stranger\n',
        encoding="utf-8",
    )
    # Regression: a member's JSONL line that is not JSON is a bad row, not a failed run.
    result = refresh(run, feed, AS_OF, "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["matched"], report["bad_rows"], report["feed_rows"]) == (1, 1, 3)
    records = by_name(show(run, roster_id))
    assert records["李四"]["flags"] == ["bad_row"]
    assert health_of(records["李四"]) == UNKNOWN_HEALTH
    assert records["张三"]["health_code"] == "green"
