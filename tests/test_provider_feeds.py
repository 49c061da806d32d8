"""Feeds as providers deliver them (PRODUCT §5, issue #11): ``.xlsx`` result sheets with a
title row, only some columns, several rows per person; IDs that Excel damaged or that the
provider masked; ``.xls``; and ``--column``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from tests.conftest import Run
from tests.helpers import make_id, person_name
from tests.test_refresh import (
    AS_OF,
    by_name,
    enroll,
    green_row,
    new_id,
    refresh,
    refresh_json,
    run_count,
    show,
    write_feed,
)
from tuanti_cli import feed
from tuanti_cli.feed.common import id_damage

TITLE = "核酸检测结果查询（批量）"
NAT_HEADERS = ["序号", "姓名", "证件号码", "采样时间", "检测结果", "检测机构"]
LAB = "示例检测实验室"
NAT_ONLY_MISSING = "health_code, vaccination, vaccine_doses, last_dose_date"


def write_table(path: Path, headers: list[str], rows: list[list[Any]]) -> Path:
    """The same sheet as ``.xlsx`` (with its title row), ``.csv`` or JSON lines, by suffix."""
    if path.suffix == ".xlsx":
        return write_xlsx(path, [headers, *rows])
    if path.suffix == ".csv":
        lines = (",".join(map(str, r)) for r in [headers, *rows])
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path
    records = (dict(zip(headers, r, strict=True)) for r in rows)
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    return path


def write_xlsx(path: Path, rows: list[list[Any]], title: str | None = TITLE) -> Path:
    """A result sheet as providers write it: a title row, then the header and the rows."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    if title is not None:
        sheet.append([title])
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def people(count: int) -> list[tuple[str, str]]:
    return [(person_name(i, "职工"), new_id("110105")) for i in range(count)]


def everyone_green(run: Run, tmp_path: Path, members: list[tuple[str, str]]) -> None:
    """A first, full feed: everyone green, sampled on the 3rd, booster."""
    rows = [green_row(name, number, "2022-12-03 07:00") for name, number in members]
    report = refresh_json(run, write_feed(tmp_path / "full.csv", rows), "2022-12-04 09:00")
    assert report["matched"] == len(members)


def health(record: dict[str, Any]) -> dict[str, Any]:
    keys = ("health_code", "nat_sampled_at", "nat_result", "nat_days", "vaccination")
    return {k: record[k] for k in (*keys, "vaccine_doses", "last_dose_date", "flags")}


BOOSTER = {"vaccination": "booster", "vaccine_doses": 3, "last_dose_date": "2022-06-01"}


# --------------------------------------------------------------------------- NAT-only sheet


def test_a_nat_only_xlsx_with_a_title_row_keeps_health_codes_and_vaccination(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    members = people(5)
    enroll(run, roster_id, tmp_path, members)
    everyone_green(run, tmp_path, members)
    (a, a_id), (b, b_id), (c, c_id), (d, d_id), (e, _) = members
    sheet = write_xlsx(
        tmp_path / "result.xlsx",
        [
            NAT_HEADERS,
            [1, a, a_id, "2022-12-05 07:12:00", "阴性", LAB],
            # a date cell, as Excel keeps times
            [2, b, b_id, dt.datetime(2022, 12, 4, 18, 30), "阳性", LAB],
            [3, c, c_id, "2022/12/5 8:05", "", LAB],  # sampled, no result yet: pending
            [4, d, d_id, "", "查询成功-数据为空", LAB],  # the provider found nothing
            # e is not in the sheet
            [5, "路人", make_id("440305", seq=7), "2022-12-05 06:00", "阴性", LAB],
        ],
    )
    result = refresh(run, sheet)
    assert result.exit_code == 0, result.output
    assert "Feed: 5 rows. Compared 5 members — matched 4, not found 1" in result.stdout
    assert f"The feed has no column for {NAT_ONLY_MISSING}" in result.stdout
    assert "left as they were for everyone" in result.stdout

    records = by_name(show(run, roster_id))
    assert health(records[a]) == {
        "health_code": "green",
        "nat_sampled_at": "2022-12-05T07:12:00+08:00",
        "nat_result": "negative",
        "nat_days": 0,
        **BOOSTER,
        "flags": [],
    }
    assert health(records[b]) == {
        "health_code": "green",
        "nat_sampled_at": "2022-12-04T18:30:00+08:00",
        "nat_result": "positive",
        "nat_days": 1,
        **BOOSTER,
        "flags": [],
    }
    assert health(records[c]) == {
        "health_code": "green",
        "nat_sampled_at": "2022-12-05T08:05:00+08:00",
        "nat_result": "pending",
        "nat_days": 0,
        **BOOSTER,
        "flags": [],
    }
    assert health(records[d]) == {
        "health_code": "green",
        "nat_sampled_at": None,
        "nat_result": None,
        "nat_days": None,
        **BOOSTER,
        "flags": [],
    }
    # Absent from a NAT-only sheet: the NAT fields it carries are unknown, the rest stay.
    assert health(records[e]) == {
        "health_code": "green",
        "nat_sampled_at": None,
        "nat_result": None,
        "nat_days": None,
        **BOOSTER,
        "flags": ["not_found"],
    }


def test_json_summary_keeps_exactly_the_section_5_keys(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    members = people(1)
    enroll(run, roster_id, tmp_path, members)
    ((name, number),) = members
    sheet = write_xlsx(
        tmp_path / "r.xlsx", [NAT_HEADERS, [1, name, number, "2022-12-05 07:00", "阴性", LAB]]
    )
    report = refresh_json(run, sheet)
    assert report == {
        "feed_rows": 1,
        "bad_rows": 0,
        "matched": 1,
        "not_found": 0,
        "name_mismatch": 0,
        "changed": 1,
        "skipped": False,
        "damaged_ids": 0,
    }


@pytest.mark.parametrize(
    ("headers", "values", "expected"),
    [
        (
            ["姓名", "证件号码", "健康宝状态", "最近一次采样时间", "最近核酸检测结果"],
            ["未见异常", "2022-12-05 07:00", "阴性"],
            {"health_code": "green", "nat_result": "negative"},
        ),
        (
            ["姓名", "证件号码", "随申码状态", "采集时间", "采样结果"],
            ["黄码", "2022-12-05 07:00", "查询失败"],
            {"health_code": "yellow", "nat_result": "pending"},
        ),
        (
            ["姓名", "证件号码", "健康码", "检测时间", "采样时间", "检测结果"],
            ["弹窗", "2022-12-05 09:30", "2022-12-04 07:00", "阴性"],
            # the sampling time, never the result time when both are there
            {"health_code": "popup", "nat_sampled_at": "2022-12-04T07:00:00+08:00"},
        ),
        (
            ["姓名", "证件号码", "疫苗接种情况", "疫苗接种剂次", "疫苗接种日期", "健康码颜色说明"],
            ["完成基础免疫", "第2剂", "2021-09-15", "绿码为正常"],
            {"vaccination": "primary", "vaccine_doses": 2, "last_dose_date": "2021-09-15"},
        ),
        (
            ["姓名", "证件号码", "疫苗接种情况", "疫苗接种剂次"],
            ["未查询到接种信息", 3],
            {"vaccination": "unknown", "vaccine_doses": 3},
        ),
    ],
)
def test_result_sheet_words_and_vocabularies(
    run: Run,
    roster_id: str,
    tmp_path: Path,
    headers: list[str],
    values: list[Any],
    expected: dict[str, Any],
) -> None:
    ((name, number),) = members = people(1)
    enroll(run, roster_id, tmp_path, members)
    sheet = write_xlsx(tmp_path / "r.xlsx", [headers, [name, number, *values]])
    report = refresh_json(run, sheet)
    assert (report["matched"], report["bad_rows"]) == (1, 0), report
    (record,) = show(run, roster_id)
    assert {k: record[k] for k in expected} == expected


SAMPLING_HEADERS = [
    "采样日期时间",
    "采样日期",
    "核酸采样日期",
    "最近核酸采样时间",
    "采集日期",
    "样本采集时间",
    "采样时刻",
    "采样时间点",
    "3、采样日期（必填）：",
]


@pytest.mark.parametrize("sampling", SAMPLING_HEADERS)
def test_a_sampling_column_in_other_words_is_the_sampling_time_not_the_result_time(
    sampling: str,
) -> None:
    """PRODUCT §5: the sampling time is never the result time 检测时间 when a sampling column
    exists, whatever words the sheet uses for it (采样 or 采集 with 时间, 日期 or 时刻)."""
    headers = ["姓名", "证件号码", "检测时间", sampling, "采样结果", "报告时间"]
    found = feed.common.FEED.columns(headers)
    assert found["nat_sampled_at"] == headers.index(sampling)
    assert found["nat_result"] == headers.index("采样结果")


@pytest.mark.parametrize(
    ("headers", "sampled"),
    [
        # the exact name wins over a header that only holds the words
        (["证件号码", "采样日期", "采样时间"], "采样时间"),
        (["证件号码", "采集时间", "样本采集日期"], "采集时间"),
        # no sampling column: the result time stands in; a report time never does
        (["证件号码", "报告时间", "检测时间"], "检测时间"),
        (["证件号码", "报告时间", "结果时间", "采样结果报告时间"], None),
        # words about the data, not the sample
        (["证件号码", "数据采集时间", "信息采集日期"], None),
        (["证件号码", "采样点", "采集地点"], None),
    ],
)
def test_which_column_holds_the_sampling_time(headers: list[str], sampled: str | None) -> None:
    found = feed.common.FEED.columns(headers)
    assert found.get("nat_sampled_at") == (None if sampled is None else headers.index(sampled))


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_feed_with_an_unlisted_sampling_header_takes_it_not_the_result_time(
    run: Run, roster_id: str, tmp_path: Path, suffix: str
) -> None:
    """The tester's sheet: 采样日期时间 beside 检测时间. Taking 检测时间 made the result time
    the sampling time, silently."""
    members = [("王小明", "110105199003071239"), ("李娜", "440306198512014565")]
    enroll(run, roster_id, tmp_path, members)
    headers = ["姓名", "证件号码", "采样日期时间", "检测时间", "检测结果"]
    rows = [
        ["王小明", "110105199003071239", "2022-12-04 22:10:00", "2022-12-05 09:30:00", "阴性"],
        ["李娜", "440306198512014565", "2022-12-05 07:00:00", "", ""],
    ]
    path = write_table(tmp_path / f"nat{suffix}", headers, rows)
    result = refresh(run, path, "2022-12-05 16:00", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["matched"] == 2
    records = by_name(show(run, roster_id, "2022-12-05 16:00"))
    assert records["王小明"]["nat_sampled_at"] == "2022-12-04T22:10:00+08:00"
    assert records["王小明"]["nat_result"] == "negative"
    assert records["李娜"]["nat_sampled_at"] == "2022-12-05T07:00:00+08:00"
    assert records["李娜"]["nat_result"] == "pending"


def test_two_sampling_headers_equally_good_are_refused_naming_both(
    run: Run, roster_id: str, tmp_path: Path, db_path: Path, key_path: Path
) -> None:
    ((name, number),) = members = people(1)
    enroll(run, roster_id, tmp_path, members)
    path = tmp_path / "two.csv"
    path.write_text(
        f"姓名,证件号码,采样日期,采集日期,检测结果\n{name},{number},2022-12-04,2022-12-05,阴性\n",
        encoding="utf-8",
    )
    result = refresh(run, path)
    assert result.exit_code == 1, result.output
    assert "'采样日期' and '采集日期'" in result.stderr
    assert "--column nat_sampled_at=HEADER" in result.stderr
    assert run_count(db_path, key_path) == 0
    chosen = refresh(run, path, AS_OF, "--column", "nat_sampled_at=采集日期", "--format", "json")
    assert chosen.exit_code == 0, chosen.output
    (record,) = show(run, roster_id)
    assert record["nat_sampled_at"] == "2022-12-05T00:00:00+08:00"


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2022年12月05日 07:12", dt.datetime(2022, 12, 5, 7, 12)),
        ("2022年12月5日 7时12分", dt.datetime(2022, 12, 5, 7, 12)),
        ("2022年12月5日 7时12分30秒", dt.datetime(2022, 12, 5, 7, 12, 30)),
        ("2022年12月05日07:12:30", dt.datetime(2022, 12, 5, 7, 12, 30)),
        ("2022年12月5号 7点12分", dt.datetime(2022, 12, 5, 7, 12)),
        ("2022年12月05日", dt.datetime(2022, 12, 5)),
        ("2022 年 12 月 5 日", dt.datetime(2022, 12, 5)),
    ],
)
def test_dates_as_chinese_sheets_write_them(text: str, expected: dt.datetime) -> None:
    from tuanti_cli.clock import SHANGHAI
    from tuanti_cli.timeparse import parse_date, parse_datetime

    assert parse_datetime(text) == expected.replace(tzinfo=SHANGHAI)
    if expected.time() == dt.time(0):
        assert parse_date(text) == expected.date()


@settings(max_examples=200, deadline=None)
@given(
    st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 12, 31)),
    st.sampled_from(["{h}:{m:02d}:{s:02d}", "{h}时{m}分{s}秒", " {h:02d}:{m:02d}:{s:02d}"]),
)
def test_any_moment_written_the_chinese_way_reads_back(moment: dt.datetime, clock: str) -> None:
    from tuanti_cli.clock import SHANGHAI
    from tuanti_cli.timeparse import parse_datetime

    moment = moment.replace(microsecond=0)
    text = f"{moment.year}年{moment.month}月{moment.day:02d}日" + clock.format(
        h=moment.hour, m=moment.minute, s=moment.second
    )
    parsed = parse_datetime(text)
    assert parsed.replace(tzinfo=None) == moment  # the wall time as written
    if moment.year >= 1901:
        assert parsed == moment.replace(tzinfo=SHANGHAI)
    else:  # the zone's local mean time (+08:05:43) gives way to UTC+8
        assert parsed.utcoffset() == dt.timedelta(hours=8)


@pytest.mark.parametrize(
    "text", ["2022年13月05日", "2022年12月32日", "2022年12月5日 7时", "12月5日 07:12", "2022年12月"]
)
def test_impossible_or_partial_chinese_dates_do_not_read(text: str) -> None:
    from tuanti_cli.timeparse import parse_datetime

    with pytest.raises(ValueError):
        parse_datetime(text)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".jsonl"])
def test_sampling_times_and_dose_dates_in_chinese_forms_are_read(
    run: Run, roster_id: str, tmp_path: Path, suffix: str
) -> None:
    """They were bad rows that said only "cannot be read"."""
    members = people(3)
    enroll(run, roster_id, tmp_path, members)
    (a, a_id), (b, b_id), (c, c_id) = members
    headers = ["姓名", "证件号码", "采样时间", "检测结果", "最后接种日期"]
    rows = [
        [a, a_id, "2022年12月05日 07:12", "阴性", "2022年6月1日"],
        [b, b_id, "2022年12月5日 7时12分", "阴性", "2022年06月01日"],
        [c, c_id, "2022年12月04日", "阴性", ""],
    ]
    report = refresh_json(run, write_table(tmp_path / f"cn{suffix}", headers, rows))
    assert (report["matched"], report["bad_rows"]) == (3, 0), report
    records = by_name(show(run, roster_id))
    assert records[a]["nat_sampled_at"] == "2022-12-05T07:12:00+08:00"
    assert records[b]["nat_sampled_at"] == "2022-12-05T07:12:00+08:00"
    assert records[c]["nat_sampled_at"] == "2022-12-04T00:00:00+08:00"
    assert records[a]["last_dose_date"] == records[b]["last_dose_date"] == "2022-06-01"


@pytest.mark.parametrize("layout", ["id on the upper row", "id on the lower row"])
def test_a_feed_header_on_two_rows_with_merged_cells_keeps_every_column(
    run: Run, roster_id: str, tmp_path: Path, layout: str
) -> None:
    members = people(2)
    enroll(run, roster_id, tmp_path, members)
    (a, a_id), (b, b_id) = members
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    if layout == "id on the upper row":  # 核酸信息 merged over 采样时间 | 检测结果
        sheet.append(["姓名", "证件号码", "健康码状态", "核酸信息", None])
        sheet.append([None, None, None, "采样时间", "检测结果"])
        merged = ("A1:A2", "B1:B2", "C1:C2", "D1:E1")
    else:  # a title row, 健康码状态 merged down, the ID under 人员信息
        sheet.append(["核酸检测结果"])
        sheet.append(["人员信息", None, "健康码状态", "采样时间", "检测结果"])
        sheet.append(["姓名", "证件号码", None, None, None])
        merged = ("A1:E1", "A2:B2", "C2:C3", "D2:D3", "E2:E3")
    sheet.append([a, a_id, "红码", "2022-12-05 07:12", "阳性"])
    sheet.append([b, b_id, "绿码", "2022-12-05 07:30", "阴性"])
    for cells in merged:
        sheet.merge_cells(cells)
    path = tmp_path / "two-rows.xlsx"
    book.save(path)
    report = refresh_json(run, path)
    assert (report["feed_rows"], report["matched"]) == (2, 2), report
    records = by_name(show(run, roster_id))
    assert (records[a]["health_code"], records[a]["nat_result"]) == ("red", "positive")
    assert records[a]["nat_sampled_at"] == "2022-12-05T07:12:00+08:00"
    assert (records[b]["health_code"], records[b]["nat_result"]) == ("green", "negative")


def test_a_date_serial_is_read_in_the_workbooks_own_date_system(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    """A Mac's Excel may save in the 1904 date system: its serials count from 1904-01-01."""
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    [(name, number)] = people(1)
    enroll(run, roster_id, tmp_path, [(name, number)])
    book = Workbook()
    book.epoch = CALENDAR_MAC_1904
    sheet = book.active
    assert sheet is not None
    sheet.append(["姓名", "证件号码", "采样时间", "检测结果", "最后接种日期"])
    sheet.append([name, number, 43438.3, "阴性", 43251])  # 2022-12-05 07:12, 2022-06-01
    path = tmp_path / "mac.xlsx"
    book.save(path)
    result = refresh(run, path)
    assert result.exit_code == 0 and "matched 1" in result.stdout, result.output
    record = by_name(show(run, roster_id))[name]
    assert record["nat_sampled_at"] == "2022-12-05T07:12:00+08:00"
    assert record["last_dose_date"] == "2022-06-01"


def test_an_excel_date_serial_in_a_workbook_number_cell_is_a_date(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    """A sheet saved as values (WPS) keeps dates as serial numbers in number cells."""
    members = people(4)
    enroll(run, roster_id, tmp_path, members)
    (a, a_id), (b, b_id), (c, c_id), (d, d_id) = members
    headers = ["姓名", "证件号码", "采样时间", "检测结果", "最后接种日期"]
    sheet = write_xlsx(
        tmp_path / "values.xlsx",
        [
            headers,
            [a, a_id, 44900.3, "阴性", 44713],
            [b, b_id, 44899.770833333336, "阳性", 44713.0],
            [c, c_id, 0.5, "阴性", None],  # a time of day: no date
            [d, d_id, 1e300, "阴性", None],  # no calendar holds it
        ],
    )
    result = refresh(run, sheet)
    assert result.exit_code == 0, result.output
    assert "matched 2" in result.stdout and "bad row 2" in result.stdout, result.stdout
    assert "feed row 5" in result.stdout and "is a time of day without a date" in result.stdout
    assert "feed row 6" in result.stdout and "cannot be read as a date and time" in result.stdout
    records = by_name(show(run, roster_id))
    assert records[a]["nat_sampled_at"] == "2022-12-05T07:12:00+08:00"
    assert records[a]["last_dose_date"] == "2022-06-01"
    assert records[b]["nat_sampled_at"] == "2022-12-04T18:30:00+08:00"
    assert records[b]["last_dose_date"] == "2022-06-01"
    assert records[c]["flags"] == records[d]["flags"] == ["bad_row"]


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_a_bare_number_in_csv_or_json_is_no_date(
    run: Run, roster_id: str, tmp_path: Path, suffix: str
) -> None:
    ((name, number),) = members = people(1)
    enroll(run, roster_id, tmp_path, members)
    headers = ["姓名", "证件号码", "采样时间", "检测结果"]
    path = write_table(tmp_path / f"serial{suffix}", headers, [[name, number, 44900.3, "阴性"]])
    result = refresh(run, path)
    assert result.exit_code == 0, result.output
    assert "bad row 1" in result.stdout
    assert "nat_sampled_at cannot be read as a date and time" in result.stdout


@pytest.mark.parametrize(
    ("field", "value", "en", "zh"),
    [
        (
            "nat_sampled_at",
            "12/05/2022 7:12 AM",
            "nat_sampled_at cannot be read as a date and time (write it like 2022-12-05 07:12)",
            "无法将 核酸采样时间 读作日期和时间（请写成 2022-12-05 07:12 这样）",
        ),
        (
            "nat_sampled_at",
            "2022-13-05 07:12",
            "nat_sampled_at cannot be read as a date and time (write it like 2022-12-05 07:12)",
            "无法将 核酸采样时间 读作日期和时间（请写成 2022-12-05 07:12 这样）",
        ),
        (
            "last_dose_date",
            "六月一日",
            "last_dose_date cannot be read as a date (write it like 2022-06-01)",
            "无法将 最后接种日期 读作日期（请写成 2022-06-01 这样）",
        ),
        (
            "last_dose_date",
            "1899-12-30",
            "last_dose_date lies before 1900",
            "最后接种日期早于 1900 年",
        ),
    ],
)
def test_a_date_that_cannot_be_read_says_how_to_write_it(
    run: Run, roster_id: str, tmp_path: Path, field: str, value: str, en: str, zh: str
) -> None:
    ((name, number),) = members = people(1)
    enroll(run, roster_id, tmp_path, members)
    path = write_feed(tmp_path / "feed.csv", [{**green_row(name, number), field: value}])
    result = refresh(run, path)
    assert result.exit_code == 0, result.output
    assert f"feed row 2 ({number[:2]}" in result.stdout and en in result.stdout, result.stdout
    again = run("--lang", "zh", "refresh", "--feed", str(path), "--roster", roster_id)
    assert zh in again.stdout, again.stdout
    assert number not in result.stdout + again.stdout


# --------------------------------------------------------------------------- several rows


@pytest.mark.parametrize("order", ["newest first", "oldest first"])
@pytest.mark.parametrize("suffix", [".xlsx", ".csv", ".jsonl"])
def test_the_row_with_the_newest_sampling_time_wins(
    run: Run, roster_id: str, tmp_path: Path, order: str, suffix: str
) -> None:
    members = people(2)
    enroll(run, roster_id, tmp_path, members)
    (a, a_id), (b, b_id) = members
    tests = [  # a's tests, newest first: the newest is positive
        ("2022-12-05 07:00:00", "阳性"),
        ("2022-12-04 07:00:00", "阴性"),
        ("2022-12-03 07:00:00", "阴性"),
    ]
    if order == "oldest first":
        tests.reverse()
    rows = [[a, a_id, sampled, outcome] for sampled, outcome in tests]
    # b: a row without a sampling time never beats one with it, wherever it stands
    rows.insert(1, [b, b_id, "", "阴性"])
    rows.append([b, b_id, "2022-12-02 07:00:00", "阴性"])
    rows.append([b, b_id, "", "阳性"])
    headers = ["姓名", "证件号码", "采样时间", "检测结果"]
    path = tmp_path / f"tests{suffix}"
    write_table(path, headers, rows)
    report = refresh_json(run, path)
    assert (report["matched"], report["feed_rows"]) == (2, 6), report
    records = by_name(show(run, roster_id))
    assert records[a]["nat_sampled_at"] == "2022-12-05T07:00:00+08:00"
    assert records[a]["nat_result"] == "positive"
    assert records[b]["nat_sampled_at"] == "2022-12-02T07:00:00+08:00"
    assert records[b]["nat_result"] == "negative"


def test_rows_without_sampling_times_fall_back_to_the_last_row(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    ((name, number),) = members = people(1)
    enroll(run, roster_id, tmp_path, members)
    sheet = write_xlsx(
        tmp_path / "codes.xlsx",
        [["姓名", "证件号码", "健康码状态"], [name, number, "红码"], [name, number, "绿码"]],
        title=None,
    )
    refresh_json(run, sheet)
    (record,) = show(run, roster_id)
    assert record["health_code"] == "green"


def test_a_readable_sampling_time_beats_an_unreadable_one(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    ((name, number),) = members = people(1)
    enroll(run, roster_id, tmp_path, members)
    rows = [
        {**green_row(name, number), "nat_sampled_at": "2022-12-04 07:00"},
        {**green_row(name, number), "nat_sampled_at": "2022-13-45 10:00"},
    ]
    report = refresh_json(run, write_feed(tmp_path / "f.csv", rows))
    assert (report["matched"], report["bad_rows"]) == (1, 0)


@pytest.mark.parametrize("newest_in", ["first half", "second half"])
def test_both_scanning_processes_keep_the_newest_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, newest_in: str
) -> None:
    from tuanti_cli.feed import csv_feed

    monkeypatch.setattr(csv_feed, "PARALLEL_MIN_BYTES", 1 << 20)
    member = make_id("110105", seq=5)
    times = ["2022-12-05 07:00", "2022-12-01 07:00"]
    if newest_in == "second half":
        times.reverse()
    path = tmp_path / "feed.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write("姓名,证件号码,采样时间,检测结果\n")
        out.write(f"甲,{member},{times[0]},阴性\n")
        filler = "".join(
            f"乙,{make_id('440305', seq=i % 900)},2022-12-05 07:00,阴性\n" for i in range(40000)
        )
        out.write(filler)
        out.write(f"甲,{member},{times[1]},阳性\n")
    used: list[bool] = []
    scan_in_two = csv_feed._scan_in_two

    def spy(*args: Any) -> Any:
        found = scan_in_two(*args)
        used.append(found is not None)
        return found

    monkeypatch.setattr(csv_feed, "_scan_in_two", spy)
    scan = feed.scan(path, {member})
    assert used == [True]
    assert scan.latest[member][1]["nat_sampled_at"] == "2022-12-05 07:00"
    assert scan.carried == {"nat_sampled_at", "nat_result"}


# --------------------------------------------------------------------------- damaged IDs


def test_damaged_id_shapes() -> None:
    good = make_id("110105", dt.date(1990, 3, 7), 101)
    assert id_damage(good) is None
    assert id_damage("1.10105E+17") == "damaged"
    assert id_damage("110105199003071000.0") == "damaged"
    assert id_damage(good[:15] + "000") == "damaged"
    assert id_damage("110105********1535") == "masked"
    assert id_damage("**************0979") == "masked"
    assert id_damage("110105") is None
    # a real ID that ends in 000 (its check character is right) is no damage
    real = next(
        number
        for day in range(400)
        if (
            number := make_id("110105", dt.date(1990, 1, 1) + dt.timedelta(days=day), 100)
        ).endswith("000")
    )
    assert id_damage(real) is None


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_ids_excel_damaged_are_counted_and_named(
    run: Run, roster_id: str, tmp_path: Path, suffix: str
) -> None:
    # A member whose ID with its last three characters zeroed fails the check (1 in 11
    # would pass it, and be no damaged ID): new_id counts on over the session.
    ((name, number),) = members = next(
        found for found in (people(1) for _ in range(3000)) if id_damage(found[0][1][:15] + "000")
    )
    enroll(run, roster_id, tmp_path, members)
    zeroed = number[:15] + "000"
    assert zeroed != number
    headers = ["姓名", "证件号码", "采样时间", "检测结果"]
    # strangers with intact IDs: a feed at least half damaged is refused (the next test)
    intact = [
        [person_name(i, "路人"), new_id("440305"), "2022-12-05 07:00", "阴性"] for i in range(3)
    ]
    if suffix == ".csv":
        damaged = ["1.10105E+17", "110105199003071000.0", zeroed]
        rows = [[name, number, "2022-12-05 07:00", "阴性"], *intact]
        rows += [[person_name(i), d, "2022-12-05 07:00", "阴性"] for i, d in enumerate(damaged)]
        path = tmp_path / "resaved.csv"
        path.write_text("\n".join(",".join(r) for r in [headers, *rows]) + "\n", encoding="utf-8")
    else:
        damaged_cells: list[Any] = [1.10105199003071e17, int(zeroed), "1.10105E+17"]
        rows = [[name, number, "2022-12-05 07:00", "阴性"], *intact]
        rows += [
            [person_name(i), d, "2022-12-05 07:00", "阴性"] for i, d in enumerate(damaged_cells)
        ]
        path = write_xlsx(tmp_path / "numeric.xlsx", [headers, *rows])
    report = refresh_json(run, path)
    assert (report["damaged_ids"], report["matched"], report["feed_rows"]) == (3, 1, 7)
    # the same feed for the one roster (a run of another scope, so not skipped), as text
    result = refresh(run, path, AS_OF, "--roster", roster_id)
    assert "3 feed rows have an ID number that Excel turned into a number" in result.stdout
    assert "format the ID column as Text" in result.stdout


def test_a_members_id_in_a_numeric_cell_is_damaged_not_matched(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    members = [(person_name(1), make_id("110105", seq=123)), *people(2)]
    enroll(run, roster_id, tmp_path, members)
    (name, number), *others = members
    sheet = write_xlsx(
        tmp_path / "numbers.xlsx",
        [
            ["姓名", "证件号码", "采样时间", "检测结果"],
            [name, int(number), "2022-12-05 07:00", "阴性"],
            *([n, i, "2022-12-05 07:00", "阴性"] for n, i in others),
        ],
    )
    report = refresh_json(run, sheet)
    # openpyxl, like Excel, keeps an 18-digit number only as a float: its digits are gone
    assert (report["matched"], report["not_found"], report["damaged_ids"]) == (2, 1, 1)


# --------------------------------------------------------------------------- digit guards

DIGIT_GUARDS = {
    "apostrophe": "'{}",  # Excel, SurveyKing
    "formula": '="{}"',  # Excel's formula guard, as a CSV holds it
    "formula quoted": '"=""{}"""',  # the same, quoted as a CSV writer quotes it
    "tab": "\t{}",  # 腾讯问卷
}


def write_guarded(path: Path, headers: list[str], rows: list[list[Any]]) -> Path:
    """A feed whose cells are written as given: CSV verbatim, ``.xlsx`` as text cells (a
    text cell may hold ``="…"``: a sheet saved as values), JSONL as JSON strings."""
    if path.suffix != ".xlsx":
        return write_table(path, headers, rows)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for r, row in enumerate([headers, *rows], 1):
        for c, value in enumerate(row, 1):
            cell = sheet.cell(r, c, value)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # text, not a formula
    book.save(path)
    return path


@pytest.mark.parametrize("guard", list(DIGIT_GUARDS))
@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".jsonl"])
def test_ids_behind_a_digit_guard_match_their_members_and_keep_their_state(
    run: Run, roster_id: str, tmp_path: Path, guard: str, suffix: str
) -> None:
    """PRODUCT §4, §5: digit guards are stripped. A guarded ID matched nobody: every member
    became unknown and not_found, exit 0, and the good state was overwritten."""
    if guard == "formula quoted" and suffix != ".csv":
        pytest.skip("a CSV writer's quoting")
    members = people(3)
    enroll(run, roster_id, tmp_path, members)
    headers = ["姓名", "证件号码", "健康码状态", "采样时间", "检测结果"]
    strangers = [(person_name(i, "路人"), new_id("440305")) for i in range(2)]

    def rows(shape: str) -> list[list[Any]]:
        return [
            [name, shape.format(number), "绿码", "2022-12-05 07:00", "阴性"]
            for name, number in [*members, *strangers]
        ]

    good = refresh_json(run, write_guarded(tmp_path / f"good{suffix}", headers, rows("{}")))
    assert good["matched"] == 3, good
    before = show(run, roster_id)
    guarded = write_guarded(tmp_path / f"guarded{suffix}", headers, rows(DIGIT_GUARDS[guard]))
    if suffix == ".csv":
        assert DIGIT_GUARDS[guard].format(members[0][1]).encode() in guarded.read_bytes()
    report = refresh_json(run, guarded)
    assert (report["matched"], report["not_found"], report["changed"]) == (3, 0, 0), report
    assert report["feed_rows"] == 5 and report["damaged_ids"] == 0
    assert show(run, roster_id) == before


@pytest.mark.parametrize("parallel", [False, True])
def test_guarded_ids_match_in_both_halves_of_a_large_csv_and_damage_still_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parallel: bool
) -> None:
    from tuanti_cli.feed import csv_feed

    monkeypatch.setattr(csv_feed, "PARALLEL_MIN_BYTES", 1 << 20 if parallel else 1 << 40)
    first, last = make_id("110105", seq=5), make_id("110105", seq=6)
    path = tmp_path / "feed.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write("姓名,证件号码,采样时间,检测结果\n")
        out.write(f"甲,'{first},2022-12-05 07:00,阴性\n")
        out.write("乙,'1.10105E+17,2022-12-05 07:00,阴性\n")  # guarded, and damaged by Excel
        out.writelines(
            f"丙,{make_id('440305', seq=i % 900)},2022-12-05 07:00,阴性\n" for i in range(40000)
        )
        out.write(f'丁,="{last}",2022-12-05 07:00,阳性\n')
    scan = feed.scan(path, {first, last})
    assert set(scan.latest) == {first, last}
    assert scan.latest[last][1]["nat_result"] == "阳性"
    assert (scan.rows, scan.damaged_ids) == (40003, 1)


# --------------------------------------------------------------------------- refusals


def _unmatchable(kind: str, number: str, i: int) -> str:
    """``number`` as a provider masked it (two styles), or as Excel turned it into a number."""
    if kind == "damaged":
        return f"{float(number[:17] + '0'):.5E}"
    return number[:6] + "*" * 8 + number[14:] if i % 2 == 0 else "*" * 14 + number[14:]


@pytest.mark.parametrize(
    ("kind", "suffix", "good", "says"),
    [
        ("masked", ".csv", 0, "holds masked ID numbers (3 rows"),
        ("masked", ".xlsx", 1, "holds masked ID numbers (2 rows"),
        ("masked", ".jsonl", 0, "holds masked ID numbers (3 rows"),
        ("damaged", ".csv", 0, "has 3 rows whose ID number Excel turned into a number"),
        ("damaged", ".csv", 1, "has 2 rows whose ID number Excel turned into a number"),
        ("damaged", ".xlsx", 1, "has 2 rows whose ID number Excel turned into a number"),
        ("damaged", ".jsonl", 0, "has 3 rows whose ID number Excel turned into a number"),
    ],
)
def test_a_feed_whose_ids_cannot_be_matched_is_refused_and_nothing_changes(
    run: Run,
    roster_id: str,
    tmp_path: Path,
    db_path: Path,
    key_path: Path,
    kind: str,
    suffix: str,
    good: int,
    says: str,
) -> None:
    """A feed whose IDs are masked, or which Excel damaged (it keeps as text only the IDs
    ending in ``X``), would turn every other member ``unknown``: refused when nobody matched
    or at least half the rows are so (``good``: members whose ID survived)."""
    members = people(3)
    enroll(run, roster_id, tmp_path, members)
    everyone_green(run, tmp_path, members)
    before = show(run, roster_id)
    runs = run_count(db_path, key_path)
    headers = ["姓名", "证件号码", "采样时间", "检测结果"]
    rows: list[list[Any]] = [
        [name, number if i < good else _unmatchable(kind, number, i), "2022-12-05 07:00", "阴性"]
        for i, (name, number) in enumerate(members)
    ]
    write_table(path := tmp_path / f"{kind}{suffix}", headers, rows)
    result = refresh(run, path)
    assert result.exit_code == 1, result.output
    assert says in result.stderr, result.stderr
    assert "cannot be matched" in result.stderr and "nothing was changed" in result.stderr
    for number in (n for _, n in members):
        assert number not in result.stderr
    assert run_count(db_path, key_path) == runs
    assert show(run, roster_id) == before


def write_sheets(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    """A workbook with these sheets, in this order."""
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


SUMMARY = [["核酸检测统计"], ["单位", "应检人数", "已检人数"], ["示例科技", 3, 3]]


@pytest.mark.parametrize("other", ["明细", "110105199003071239"])
def test_a_workbook_whose_results_are_on_another_sheet_names_both_sheets(
    run: Run, roster_id: str, tmp_path: Path, db_path: Path, key_path: Path, other: str
) -> None:
    """Sheet 1 a summary, sheet 2 the results: only the first sheet is read (PRODUCT §5), and
    the message said only that there was no id_number column."""
    ((name, number),) = members = people(1)
    enroll(run, roster_id, tmp_path, members)
    detail = [NAT_HEADERS, [1, name, number, "2022-12-05 07:00", "阴性", LAB]]
    path = write_sheets(tmp_path / "结果.xlsx", {"统计": SUMMARY, other: detail})
    result = refresh(run, path)
    assert result.exit_code == 1, result.output
    err = " ".join(result.stderr.split())
    assert "no id_number (证件号码) column on its first sheet, '统计'" in err, err
    shown_other = "'11************1239'" if other.isdigit() else f"'{other}'"
    assert f"but sheet {shown_other} has one" in err, err
    assert f"Move {shown_other} to the front (or save it as CSV UTF-8)" in err, err
    assert "nothing was changed" in err and "Traceback" not in result.output
    assert number not in result.output and "110105199003071239" not in result.output
    assert run_count(db_path, key_path) == 0
    zh = run("--lang", "zh", "refresh", "--feed", str(path))
    assert zh.exit_code == 1
    assert "第一个工作表 '统计' 没有 id_number（证件号码）列" in zh.stderr, zh.stderr
    assert f"请把 {shown_other} 移到最前" in zh.stderr, zh.stderr


def test_a_workbook_without_an_id_column_on_any_sheet_names_the_sheet_read(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    enroll(run, roster_id, tmp_path, people(1))
    path = write_sheets(tmp_path / "r.xlsx", {"统计": SUMMARY, "说明": [["数据来源：示例"]]})
    result = refresh(run, path)
    assert result.exit_code == 1, result.output
    err = " ".join(result.stderr.split())
    assert "no id_number (证件号码) column on its first sheet, '统计'" in err, err
    assert "Move the sheet with the results to the front" in err
    assert "'说明'" not in err
    # one sheet: the message it always gave
    alone = refresh(run, write_sheets(tmp_path / "one.xlsx", {"统计": SUMMARY}))
    assert alone.exit_code == 1
    assert "Check that it is the health-data export" in alone.stderr
    assert "sheet" not in alone.stderr


def test_an_empty_first_sheet_names_the_sheet_with_the_results(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    ((name, number),) = members = people(1)
    enroll(run, roster_id, tmp_path, members)
    detail = [NAT_HEADERS, [1, name, number, "2022-12-05 07:00", "阴性", LAB]]
    path = write_sheets(tmp_path / "r.xlsx", {"Sheet1": [], "结果": detail})
    result = refresh(run, path)
    assert result.exit_code == 1, result.output
    assert "but sheet '结果' has one" in " ".join(result.stderr.split())
    alone = refresh(run, write_sheets(tmp_path / "empty.xlsx", {"Sheet1": [], "空": []}))
    assert alone.exit_code == 1 and "has no data rows" in alone.stderr


@pytest.mark.parametrize("how", ["extension", "magic bytes"])
def test_an_xls_workbook_is_refused_with_a_way_out(
    run: Run, roster_id: str, tmp_path: Path, db_path: Path, key_path: Path, how: str
) -> None:
    enroll(run, roster_id, tmp_path, people(1))
    content = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    path = tmp_path / ("result.xls" if how == "extension" else "result.csv")
    path.write_bytes(content)
    result = refresh(run, path)
    assert result.exit_code == 1
    assert "Excel 97-2003 workbook (.xls)" in result.stderr
    assert "save it as .xlsx or CSV UTF-8" in result.stderr
    assert "NUL" not in result.stderr
    assert run_count(db_path, key_path) == 0


@pytest.mark.parametrize("name", ["result.csv", "result.jsonl", "result.json"])
def test_a_workbook_under_a_text_name_is_named_a_workbook(
    run: Run, roster_id: str, tmp_path: Path, db_path: Path, key_path: Path, name: str
) -> None:
    members = people(1)
    enroll(run, roster_id, tmp_path, members)
    [(person, number)] = members
    book = write_xlsx(
        tmp_path / "real.xlsx", [["姓名", "证件号码", "健康码状态"], [person, number, "绿码"]]
    )
    path = tmp_path / name
    path.write_bytes(book.read_bytes())
    result = refresh(run, path)
    assert result.exit_code == 1, result.output
    assert "is an .xlsx workbook (a zip file)" in result.stderr and "NUL" not in result.stderr
    assert "Rename it to end in .xlsx" in result.stderr
    assert run_count(db_path, key_path) == 0


def test_an_xls_message_in_chinese(run: Run, roster_id: str, tmp_path: Path) -> None:
    path = tmp_path / "结果.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 60)
    result = run("--lang", "zh", "refresh", "--feed", str(path))
    assert result.exit_code == 1
    assert "另存为 .xlsx 或 CSV UTF-8" in result.stderr


# --------------------------------------------------------------------------- --column


def test_column_overrides_recognition(run: Run, roster_id: str, tmp_path: Path) -> None:
    ((name, number),) = members = people(1)
    enroll(run, roster_id, tmp_path, members)
    sheet = write_xlsx(
        tmp_path / "odd.xlsx",
        [
            ["姓名", "受检人号码", "检测时间", "采样时间", "检测结果"],
            [name, number, "2022-12-05 07:00", "2022-12-01 07:00", "阴性"],
        ],
    )
    # without --column the ID column is not found
    plain = refresh(run, sheet)
    assert plain.exit_code == 1 and "no id_number" in plain.stderr
    result = refresh(
        run,
        sheet,
        AS_OF,
        "--column",
        "id_number=受检人号码",
        "--column",
        "nat_sampled_at=检测时间",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["matched"] == 1
    (record,) = show(run, roster_id)
    assert record["nat_sampled_at"] == "2022-12-05T07:00:00+08:00"


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("id_number=身份证", ["'身份证'", "--column id_number=身份证"]),
        ("id_number", ["not FIELD=HEADER"]),
        ("colour=健康码", ["unknown field 'colour'"]),
    ],
)
def test_column_misuse_gets_one_sentence(
    run: Run,
    roster_id: str,
    tmp_path: Path,
    db_path: Path,
    key_path: Path,
    value: str,
    words: list[str],
) -> None:
    ((name, number),) = members = people(1)
    enroll(run, roster_id, tmp_path, members)
    sheet = write_xlsx(
        tmp_path / "r.xlsx", [NAT_HEADERS, [1, name, number, "2022-12-05 07:00", "阴性", LAB]]
    )
    result = refresh(run, sheet, AS_OF, "--column", value)
    assert result.exit_code == 1, result.output
    for word in words:
        assert word in result.stderr
    assert "Traceback" not in result.stderr
    assert run_count(db_path, key_path) == 0


def test_column_on_a_json_feed_is_refused(run: Run, roster_id: str, tmp_path: Path) -> None:
    ((name, number),) = members = people(1)
    enroll(run, roster_id, tmp_path, members)
    path = write_feed(tmp_path / "f.jsonl", [green_row(name, number)])
    result = refresh(run, path, AS_OF, "--column", "id_number=证件号码")
    assert result.exit_code == 1
    assert "--column applies to CSV and .xlsx feeds" in result.stderr


def test_a_csv_feed_with_a_title_row_numbers_rows_as_the_file_does(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    ((name, number),) = members = people(1)
    enroll(run, roster_id, tmp_path, members)
    path = tmp_path / "titled.csv"
    path.write_text(
        f"{TITLE},,,\n姓名,证件号码,采样时间,检测结果\n路人,{new_id()},2022-12-05 07:00,阴性\n"
        f"{name},{number},2022-12-05 07:00,蓝色\n",
        encoding="utf-8",
    )
    result = refresh(run, path)
    assert result.exit_code == 0, result.output
    assert "Feed: 2 rows" in result.stdout
    assert "feed row 4" in result.stdout and "nat_result is no result" in result.stdout


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_column_looks_for_its_header_below_a_title_row(
    run: Run, roster_id: str, tmp_path: Path, db_path: Path, key_path: Path, suffix: str
) -> None:
    ((name, number),) = members = people(1)
    enroll(run, roster_id, tmp_path, members)
    headers = ["姓名", "受检人号码", "健康码状态"]
    path = tmp_path / f"titled{suffix}"
    if suffix == ".xlsx":
        write_xlsx(path, [headers, [name, number, "绿码"]])
    else:
        path.write_text(f"{TITLE}\n{','.join(headers)}\n{name},{number},绿码\n", "utf-8")
    found = refresh(run, path, AS_OF, "--column", "id_number=受检人号码", "--format", "json")
    assert found.exit_code == 0, found.output
    assert json.loads(found.stdout)["matched"] == 1
    # The header row holds 受检人号码: taken for the health code, no ID column is left.
    taken = refresh(run, path, AS_OF, "--column", "health_code=受检人号码")
    assert taken.exit_code == 1, taken.output
    assert "has no id_number" in taken.stderr and "has no column" not in taken.stderr
    absent = refresh(run, path, AS_OF, "--column", "health_code=颜色")
    assert absent.exit_code == 1, absent.output
    assert "no column '颜色' for health_code" in absent.stderr, absent.stderr
    assert "first 10 rows" in absent.stderr and "first row" not in absent.stderr
    assert run_count(db_path, key_path) == 1


def test_schedule_print_cron_carries_column(run: Run, roster_id: str, tmp_path: Path) -> None:
    sheet = tmp_path / "r.xlsx"
    result = run(
        "schedule", "--feed", str(sheet), "--print-cron", "--column", "id_number=受检人号码"
    )
    assert result.exit_code == 0, result.output
    assert "--column" in result.stdout and "id_number=受检人号码" in result.stdout


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".json"])
def test_a_nat_only_feed_without_any_member_blanks_only_what_it_carries(
    run: Run, roster_id: str, tmp_path: Path, suffix: str
) -> None:
    members = people(2)
    enroll(run, roster_id, tmp_path, members)
    everyone_green(run, tmp_path, members)
    strangers = [
        {"name": "路人", "id_number": new_id("440305"), "nat_sampled_at": "2022-12-05 07:00"},
        {"name": "行人", "id_number": new_id("440305"), "nat_sampled_at": "2022-12-05 07:00"},
    ]
    for row in strangers:
        row["nat_result"] = "阴性"
    path = write_feed(
        tmp_path / f"nat{suffix}",
        strangers,
        zh=True,
        headers=("name", "id_number", "nat_sampled_at", "nat_result"),
    )
    result = refresh(run, path)
    assert result.exit_code == 0, result.output
    assert f"no column for {NAT_ONLY_MISSING}" in result.stdout
    for record in show(run, roster_id):
        assert health(record) == {
            "health_code": "green",
            "nat_sampled_at": None,
            "nat_result": None,
            "nat_days": None,
            **BOOSTER,
            "flags": ["not_found"],
        }
