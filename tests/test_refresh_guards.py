"""The refresh guards against untrusted feeds and options (issue #10, PRODUCT §5 and §7):
impossible times, ``--as-of`` bounds, retention by the real clock, row-size bounds, signals,
``%`` in cron lines, and nothing raw echoed."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import signal
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Run
from tests.helpers import all_rows, query
from tests.test_refresh import (
    AS_OF,
    big_feed,
    by_name,
    cli,
    enroll,
    green_row,
    new_id,
    refresh,
    refresh_json,
    run_count,
    show,
    write_feed,
)
from tuanti_cli import clock, feed
from tuanti_cli.errors import InputError
from tuanti_cli.feed import common, csv_feed
from tuanti_cli.health import read_row
from tuanti_cli.printable import UNSAFE

MIB = 1 << 20


def history_count(db_path: Path, key_path: Path) -> int:
    return int(query(db_path, key_path, "SELECT count(*) FROM health_history")[0][0])


def flags_of(records: list[dict[str, Any]]) -> dict[str, list[str]]:
    return {r["name"]: r["flags"] for r in records}


def one_sentence(text: str) -> bool:
    return text.strip() != "" and text.strip().count("\n") == 0 and "Traceback" not in text


# --------------------------------------------------------------------------- 1. times


def test_a_sampling_time_after_the_comparison_time_is_a_bad_row(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    people = {"未来": new_id(), "稍早": new_id(), "正常": new_id()}
    enroll(run, roster_id, tmp_path, list(people.items()))
    rows = [
        green_row("未来", people["未来"], sampled="2032-01-01 08:00"),
        green_row("稍早", people["稍早"], sampled="2022-12-05 09:50"),  # within the hour
        green_row("正常", people["正常"]),
    ]
    result = refresh(run, write_feed(tmp_path / "feed.csv", rows), AS_OF)
    assert result.exit_code == 0, result.output
    assert f"feed row 2 ({people['未来'][:2]}" in result.stdout
    # the time reads: the line says what is wrong with it, not that it cannot be read
    assert ": nat_sampled_at is more than an hour after the comparison time" in result.stdout
    assert "cannot be read" not in result.stdout
    records = by_name(show(run, roster_id))
    assert records["未来"]["flags"] == ["bad_row"]
    assert records["未来"]["nat_days"] is None and records["未来"]["abnormal"] is True
    assert records["稍早"]["flags"] == [] and records["稍早"]["nat_days"] == 0
    assert records["正常"]["flags"] == []


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_sampling_time_before_1900_is_a_bad_row_that_says_so(
    run: Run, roster_id: str, tmp_path: Path, suffix: str
) -> None:
    people = {"零日": new_id(), "正常": new_id()}
    enroll(run, roster_id, tmp_path, list(people.items()))
    rows = [green_row("零日", people["零日"]), green_row("正常", people["正常"])]
    feed_path = tmp_path / f"feed{suffix}"
    if suffix == ".csv":
        rows[0]["nat_sampled_at"] = "1899-12-30 00:00"
        write_feed(feed_path, rows, zh=True)
    else:  # a workbook's date cell holding 0 (day zero, 1899-12-30)
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.append(["姓名", "证件号码", "健康码状态", "核酸采样时间", "核酸结果"])
        for row in rows:
            sheet.append([row["name"], row["id_number"], "绿码", dt.datetime(2022, 12, 5), "阴性"])
        sheet["D2"] = dt.datetime(1899, 12, 30)
        book.save(feed_path)
    result = refresh(run, feed_path, AS_OF)
    assert result.exit_code == 0, result.output
    line = next(x for x in result.stdout.splitlines() if "feed row 2" in x)
    if suffix == ".csv":
        assert "nat_sampled_at lies before 1900" in line and "1899-12-30" in line, line
    else:  # openpyxl reads day zero as a time of day, without its date
        assert "nat_sampled_at is a time of day without a date" in line, line
    assert "cannot be read" not in result.stdout
    records = by_name(show(run, roster_id))
    assert records["零日"]["flags"] == ["bad_row"] and records["正常"]["flags"] == []
    # Run for the roster alone: a run of its own, not the same run skipped.
    zh = run(
        "--lang", "zh", "refresh", "--feed", str(feed_path), "--roster", roster_id, "--as-of", AS_OF
    )
    assert (
        "核酸采样时间早于 1900 年" if suffix == ".csv" else "核酸采样时间只有时刻"
    ) in zh.stdout, zh.stdout


def test_times_around_1900_keep_a_whole_minute_offset_and_the_line_is_beijing_time(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    people = {"甲": new_id(), "乙": new_id(), "丙": new_id(), "丁": new_id()}
    enroll(run, roster_id, tmp_path, list(people.items()))
    times = {
        "甲": "1899-12-31T20:00:00Z",  # 1900-01-01 04:00 in Beijing: a time, however absurd
        "乙": "1899-12-31T15:59:59Z",  # 23:59:59 on 1899-12-31 in Beijing: before 1900
        "丙": "1900-06-01 08:00",  # no offset: Beijing time, the wall time kept
        "丁": "1899-12-31 23:59:59",
    }
    rows = [green_row(name, people[name], sampled=times[name]) for name in people]
    result = refresh(run, write_feed(tmp_path / "feed.csv", rows), AS_OF)
    assert result.exit_code == 0, result.output
    records = by_name(show(run, roster_id))
    assert records["甲"]["nat_sampled_at"] == "1900-01-01T04:00:00+08:00"
    assert records["丙"]["nat_sampled_at"] == "1900-06-01T08:00:00+08:00"
    assert records["乙"]["flags"] == records["丁"]["flags"] == ["bad_row"]
    assert result.stdout.count("lies before 1900") == 2, result.stdout
    csv_text = run("show", roster_id, "--format", "csv").stdout
    assert "+08:05" not in csv_text and "08:05:43" not in csv_text


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("nat_sampled_at", "0001-01-01T00:00:00+14:00"),
        ("nat_sampled_at", "0001-01-01 00:00"),
        ("nat_sampled_at", "9999-12-31T23:59:00-14:00"),
        ("nat_sampled_at", "1899-12-31 08:00"),
        ("last_dose_date", "0001-01-01T00:00:00+14:00"),
        ("last_dose_date", "9999-12-31T23:59:00-14:00"),
    ],
)
def test_impossible_dates_are_bad_rows_and_every_roster_is_still_compared(
    run: Run, roster_id: str, tmp_path: Path, field: str, value: str
) -> None:
    other = run("roster", "create", "--name", "另一家", "--address", "上海", "--format", "json")
    other_id = json.loads(other.stdout)["roster_id"]
    bad, good = new_id(), new_id()
    enroll(run, roster_id, tmp_path, [("坏行", bad)])
    enroll(run, other_id, tmp_path, [("好行", good)])
    rows = [{**green_row("坏行", bad), field: value}, green_row("好行", good)]
    for suffix in (".csv", ".jsonl"):
        report = refresh_json(run, write_feed(tmp_path / f"feed{suffix}", rows))
        assert (report["bad_rows"], report["matched"]) == (1, 1), report
        assert by_name(show(run, roster_id))["坏行"]["flags"] == ["bad_row"]
        assert by_name(show(run, roster_id))["坏行"]["abnormal"] is True
        assert by_name(show(run, other_id))["好行"]["health_code"] == "green"


# --------------------------------------------------------------------------- 2. --as-of


def test_an_as_of_earlier_than_the_last_comparison_is_applied_with_a_note(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    number = new_id()
    enroll(run, roster_id, tmp_path, [("张三", number)])
    today = write_feed(tmp_path / "today.csv", [green_row("张三", number)])
    assert refresh(run, today, "2022-12-05 09:00").stderr == ""
    older = write_feed(
        tmp_path / "older.csv", [{**green_row("张三", number), "health_code": "red"}]
    )
    result = run("refresh", "--feed", str(older), "--as-of", "2022-12-04 09:00", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["changed"] == 1  # applied: back-filling is allowed
    assert "earlier than the last comparison (2022-12-05 09:00)" in result.stderr, result.stderr
    later = write_feed(tmp_path / "later.csv", [green_row("张三", number, "2022-12-06 07:00")])
    assert refresh(run, later, "2022-12-06 09:00").stderr == ""


@pytest.mark.parametrize("as_of", ["1999-12-31 23:00", "2101-01-01 00:00", "0001-01-01T00:00Z"])
def test_an_as_of_outside_2000_to_2100_is_refused(
    run: Run, roster_id: str, tmp_path: Path, db_path: Path, key_path: Path, as_of: str
) -> None:
    number = new_id()
    enroll(run, roster_id, tmp_path, [("张三", number)])
    feed_path = write_feed(tmp_path / "feed.csv", [green_row("张三", number)])
    before = all_rows(db_path, key_path)
    result = refresh(run, feed_path, as_of)
    assert result.exit_code == 1, result.output
    assert "outside the years 2000–2100" in result.stderr and one_sentence(result.stderr)
    assert all_rows(db_path, key_path) == before
    shown = run("show", roster_id, "--as-of", as_of)
    assert shown.exit_code == 1 and "outside the years" in shown.stderr
    assert refresh(run, feed_path, "2100-12-31 23:00").exit_code == 0


# --------------------------------------------------------------------------- 3. retention


def test_as_of_takes_the_date_forms_a_feed_takes(run: Run, roster_id: str, tmp_path: Path) -> None:
    """Decision: --as-of reads times with the feed's parser, 年月日 forms included."""
    number = new_id()
    enroll(run, roster_id, tmp_path, [("王小明", number)])
    path = write_feed(tmp_path / "feed.csv", [green_row("王小明", number, "2022-12-04 22:10")])
    result = refresh(run, path, "2022年12月05日 16时00分", "--format", "json")
    assert result.exit_code == 0, result.output
    (record,) = show(run, roster_id, "2022年12月6日")
    assert (record["nat_days"], record["compared_at"]) == (2, "2022-12-05T16:00:00+08:00")


def test_a_run_as_of_2030_keeps_the_history_of_earlier_runs(
    run: Run, roster_id: str, tmp_path: Path, db_path: Path, key_path: Path
) -> None:
    number = new_id()
    enroll(run, roster_id, tmp_path, [("张三", number)])
    refresh_json(run, write_feed(tmp_path / "a.csv", [green_row("张三", number)]))
    yellow = {**green_row("张三", number), "health_code": "yellow"}
    refresh_json(run, write_feed(tmp_path / "b.csv", [yellow]), "2030-01-01 09:00")
    assert history_count(db_path, key_path) == 2


def test_history_is_purged_by_when_runs_really_happened(
    run: Run,
    roster_id: str,
    tmp_path: Path,
    db_path: Path,
    key_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    number = new_id()
    enroll(run, roster_id, tmp_path, [("张三", number)])
    start = clock.now()
    for days, code in ((0, "green"), (1, "yellow"), (40, "red")):
        later = start + dt.timedelta(days=days)
        monkeypatch.setattr(clock, "now", lambda later=later: later)
        row = {**green_row("张三", number), "health_code": code}
        refresh_json(run, write_feed(tmp_path / f"{code}.csv", [row]))  # all "as of" 2022
    # The green point is gone; yellow, the latest before the 30-day window, is kept as the
    # state the window starts from.
    codes = query(db_path, key_path, "SELECT health_code FROM health_history ORDER BY run_id")
    assert [row[0] for row in codes] == ["yellow", "red"]


# --------------------------------------------------------------------------- 4. row bounds


def long_feeds(tmp_path: Path, member: str, stranger: str) -> list[Path]:
    """The same two over-long rows (a member's, a stranger's) and a short one, in each layout."""
    filler = "长" * (MIB // 2)  # 1.5 MiB in UTF-8
    plain = tmp_path / "plain.csv"
    plain.write_text(
        f"id_number,name,health_code\n{member},{filler},green\n{stranger},{filler},red\n"
        f"{new_id()},短,green\n",
        encoding="utf-8",
    )
    quoted = tmp_path / "quoted.csv"
    quoted.write_text(
        f'name,id_number,health_code\n"甲",{member},"{filler}"\n'
        f'"x",{stranger},"{filler}"\n"短",{new_id()},green\n',
        encoding="utf-8",
    )
    objects = [
        {"id_number": member, "name": filler, "health_code": "green"},
        {"id_number": stranger, "name": filler},
        {"id_number": new_id(), "name": "短"},
    ]
    jsonl = tmp_path / "feed.jsonl"
    jsonl.write_text("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objects))
    one_a_line = tmp_path / "lines.json"
    one_a_line.write_text(
        "[\n" + ",\n".join(json.dumps(o, ensure_ascii=False) for o in objects) + "\n]\n"
    )
    pretty = tmp_path / "pretty.json"
    pretty.write_text(json.dumps(objects, ensure_ascii=False, indent=1))
    return [plain, quoted, jsonl, one_a_line, pretty]


def test_a_member_row_over_1_mib_is_a_bad_row_in_every_format(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    member, stranger = new_id(), new_id()
    enroll(run, roster_id, tmp_path, [("张三", member)])
    for path in long_feeds(tmp_path, member, stranger):
        report = refresh_json(run, path)
        assert report["feed_rows"] == 3, (path.name, report)
        assert (report["bad_rows"], report["matched"], report["not_found"]) == (1, 0, 0), (
            path.name,
            report,
        )
        assert show(run, roster_id)[0]["flags"] == ["bad_row"]


def test_a_json_integer_too_long_for_python_is_a_damaged_id_or_a_bad_row(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    # Over Python's 4,300-digit limit, int() raises: the number must stop nothing.
    long_number = "1" * 5000
    member, other = new_id(), new_id()
    enroll(run, roster_id, tmp_path, [("张三", member), ("李四", other)])
    lines = [
        f'{{"id_number": {long_number}, "health_code": "green"}}',
        f'{{"id_number": "{member}", "health_code": "green", "vaccine_doses": {long_number}}}',
        f'{{"id_number": "{other}", "health_code": "green"}}',
    ]
    feeds = {
        "feed.jsonl": "\n".join(lines) + "\n",
        "lines.json": "[\n" + ",\n".join(lines) + "\n]\n",
        "one-line.json": "[" + ", ".join(lines) + "]",
    }
    for name, text in feeds.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        report = refresh_json(run, path)
        assert (report["feed_rows"], report["damaged_ids"]) == (3, 1), (name, report)
        assert (report["bad_rows"], report["matched"]) == (1, 1), (name, report)
        assert flags_of(show(run, roster_id)) == {"张三": ["bad_row"], "李四": []}, name


def test_a_200_mb_single_line_is_scanned_in_linear_time(tmp_path: Path) -> None:
    member = new_id()
    path = tmp_path / "one-line.csv"
    with path.open("wb") as out:
        out.write(b"id_number,name,health_code\n" + member.encode() + b",")
        block = b"y" * (8 * MIB)
        for _ in range(25):
            out.write(block)
        out.write(b",green\n")
    started = time.monotonic()
    scan = feed.scan(path, {member}, prepare=read_row)
    assert time.monotonic() - started < 20
    assert scan.rows == 1 and scan.latest[member][1].bad_field == "row"
    path.unlink()


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".json"])
def test_a_30_mb_line_is_read_in_bounded_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str
) -> None:
    member = new_id()
    filler = b"z" * (30 * MIB)
    path = tmp_path / f"one-line{suffix}"
    if suffix == ".csv":
        path.write_bytes(b"id_number,note\n" + member.encode() + b"," + filler + b"\n")
    else:
        record = b'{"id_number": "' + member.encode() + b'", "note": "' + filler + b'"}'
        path.write_bytes(b"[" + record + b"]" if suffix == ".json" else record + b"\n")
    del filler
    monkeypatch.setattr(csv_feed, "PARALLEL_MIN_BYTES", 1 << 40)  # measure this process
    tracemalloc.start()
    try:
        scan = feed.scan(path, {member}, prepare=read_row)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert scan.latest[member][1].bad_field == "row"
    assert peak < 12 * MIB, peak


def test_a_header_over_1_mib_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "feed.csv"
    path.write_bytes(b"id_number," + b"h" * (2 * MIB) + b"\n1,2\n")
    with pytest.raises(InputError) as refused:
        feed.scan(path, {new_id()})
    assert refused.value.key == "guards.header_too_long"


def test_line_blocks_cut_every_long_line_wherever_the_blocks_end() -> None:
    data = b"ab\n" + b"x" * 50 + b"\ncd\n" + b"y" * 11 + b"\n" + b"z" * 30
    expected = b"ab\n<xxxxxxxxxx>\ncd\n<yyyyyyyyyy>\n<zzzzzzzzzz>\n"
    for size in range(1, 40):
        pieces = iter([data[i : i + size] for i in range(0, len(data), size)])
        joined = b"".join(common.line_blocks(pieces, lambda p: b"<" + p + b">", limit=10))
        assert joined == expected, size


# --------------------------------------------------------------------------- 5. signals


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find the helper")
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_mid_refresh_rolls_back_and_ends_the_helper(
    run: Run,
    roster_id: str,
    tmp_path: Path,
    db_path: Path,
    key_path: Path,
    signum: int,
    code: int,
) -> None:
    people = {name: new_id() for name in ("成员甲", "成员乙", "成员丙")}
    enroll(run, roster_id, tmp_path, list(people.items()))
    refresh_json(
        run, write_feed(tmp_path / "small.csv", [green_row(n, i) for n, i in people.items()])
    )
    before = all_rows(db_path, key_path)
    # quoted cells: every row goes through the csv module, slow enough to be stopped mid-scan
    big = big_feed(tmp_path / "big.csv", 2_000_000, people, "red", quoted=True)
    assert big.stat().st_size > csv_feed.PARALLEL_MIN_BYTES
    proc = cli("refresh", "--feed", str(big), "--as-of", "2022-12-06 09:00")
    helpers: list[int] = []
    deadline = time.monotonic() + 30
    while not helpers and proc.poll() is None and time.monotonic() < deadline:
        helpers = children(proc.pid)
        time.sleep(0.01)
    assert helpers, "the two-process scan never started"
    time.sleep(0.2)
    os.kill(proc.pid, signum)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == code, (out, err)
    assert out == ""
    assert "interrupted" in err and one_sentence(err), err
    for pid in helpers:
        assert not Path(f"/proc/{pid}").exists(), "the helper outlived the refresh"
    assert all_rows(db_path, key_path) == before
    assert run_count(db_path, key_path) == 1


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_mid_import_says_so_and_leaves_the_roster_as_it_was(
    run: Run, roster_id: str, tmp_path: Path, db_path: Path, key_path: Path, signum: int, code: int
) -> None:
    """An unattended import stopped by SIGTERM (or Ctrl-C) ended silently."""
    people = tmp_path / "many.csv"
    with people.open("w", encoding="utf-8") as out:
        out.write("姓名,身份证号,手机号,同意授权\n")
        for i in range(300_000):
            out.write(f"人员,{new_id()},139{i:08d},是\n")
    before = all_rows(db_path, key_path)
    proc = cli("enroll", "import", roster_id, str(people))
    time.sleep(1.5)
    assert proc.poll() is None, proc.communicate()
    os.kill(proc.pid, signum)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == code, (out, err)
    assert f"interrupted ({signal.Signals(signum).name}); nothing was changed" in err, err
    assert one_sentence(err) and "Traceback" not in err, err
    assert all_rows(db_path, key_path) == before


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_at_the_commit_waits_until_the_saved_run_is_reported(
    run: Run,
    roster_id: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    signum: int,
    code: int,
) -> None:
    """A signal that came as the run committed said "nothing was changed" of a saved run,
    and with --quiet its alert was lost: the next run of the same feed is skipped."""
    from tuanti_cli import signals

    number = new_id()
    enroll(run, roster_id, tmp_path, [("张三", number)])
    hold = signals.hold

    def hold_and_signal() -> object:  # the signal comes right at the commit
        held = hold()
        os.kill(os.getpid(), signum)
        return held

    monkeypatch.setattr(signals, "hold", hold_and_signal)
    red = write_feed(tmp_path / "red.csv", [{**green_row("张三", number), "health_code": "red"}])
    result = run("refresh", "--feed", str(red), "--as-of", AS_OF, "--quiet")
    assert result.exit_code == code, result.output
    assert "Newly abnormal: 1" in result.stdout  # the alert cron mails is out
    assert "after it was saved" in result.stderr and "nothing was changed" not in result.stderr
    assert by_name(show(run, roster_id))["张三"]["health_code"] == "red"


# --------------------------------------------------------------------------- 6. cron


def test_every_percent_sign_in_a_cron_line_is_escaped(
    run: Run, store_ready: None, tmp_path: Path
) -> None:
    folder = tmp_path / "100%"
    folder.mkdir()
    result = run(
        "--db", str(folder / "a%b.db"), "schedule", "--feed", str(folder / "%d.csv"),
        "--print-cron",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if not line.startswith("#")]
    assert lines and all("100\\%" in line and "\\%d.csv" in line for line in lines), lines
    assert not any(re.search(r"(?<!\\)%", line) for line in lines), lines


# --------------------------------------------------------------------------- 8. property

# Every code point but the CSV's own separators (and NUL, which refuses the whole file):
# controls, bidi marks and lone surrogates included (written with "surrogatepass").
ANY_TEXT = st.text(
    st.characters(exclude_categories=(), exclude_characters='\x00\n\r,"'), max_size=12
)
_ENROLLED: dict[str, dict[str, str]] = {}


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rows=st.lists(
        st.tuples(st.booleans(), ANY_TEXT, st.lists(ANY_TEXT, min_size=6, max_size=6)), max_size=4
    ),
    quote=st.booleans(),
)
def test_any_unicode_in_the_feed_is_never_echoed_raw(
    run: Run,
    roster_id: str,
    tmp_path: Path,
    rows: list[tuple[bool, str, list[str]]],
    quote: bool,
) -> None:
    if roster_id not in _ENROLLED:  # once per store: the examples share the test's fixtures
        _ENROLLED[roster_id] = {"张三": new_id(), "李四": new_id()}
        enroll(run, roster_id, tmp_path, list(_ENROLLED[roster_id].items()))
    numbers = list(_ENROLLED[roster_id].values())
    lines = [
        "name,id_number,health_code,nat_sampled_at,nat_result,vaccination,vaccine_doses,last_dose_date"
    ]
    for i, (is_member, name, values) in enumerate(rows):
        number = numbers[i % 2] if is_member else new_id("440305")
        cells = [name, number, *values]
        lines.append(",".join(f'"{c}"' if quote else c for c in cells))
    path = tmp_path / "any.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8", "surrogatepass"))
    for args in (("--format", "json"), ()):
        result = run("refresh", "--feed", str(path), "--as-of", AS_OF, *args)
        assert result.exit_code in (0, 1, 2, 75), result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert "Traceback" not in result.stdout + result.stderr
        for line in (result.stdout + result.stderr).split("\n"):
            assert not UNSAFE.search(line), line
    listed = run("show", roster_id, "--format", "csv", "--as-of", AS_OF)
    assert listed.exit_code == 0, listed.output
    assert not UNSAFE.search(listed.stdout.replace("\n", "")), listed.stdout
    cells = [cell for row in csv.reader(io.StringIO(listed.stdout)) for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)
