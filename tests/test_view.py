"""The masked view: every state, filters, order, formats, changes and audit (PRODUCT §6–7)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from tests.conftest import Run, add_member
from tests.helpers import SECTION_6_KEYS, bad_check, make_id

SNAPSHOTS = Path(__file__).parent / "snapshots"
AS_OF = "2022-12-05 09:00"
PEOPLE = [
    # name, region, feed name, code, sampled, result, vaccination
    ("绿一", "110101", None, "绿码", "2022-12-05 07:00", "阴性", "完成加强免疫"),
    ("黄二", "310101", None, "黄码", "2022-12-04 10:00", "阴性", "完成基础免疫"),
    ("红三", "440301", None, "红码", "2022-12-05 06:00", "阳性", "未完成基础免疫"),
    ("弹四", "510101", None, "弹窗", "2022-12-03 12:00", "待出结果", "不适宜接种"),
    ("旧五", "320101", None, "绿码", "2022-11-28 08:00", "阴性", "完成加强免疫"),
    ("阳六", "420101", None, "绿码", "2022-12-05 06:30", "阳性", "完成加强免疫"),
    ("名七", "330101", "别人", "绿码", "2022-12-05 06:30", "阴性", "完成加强免疫"),
    ("坏八", "350101", None, "蓝码", "2022-12-05 06:30", "阴性", "完成加强免疫"),
    ("缺九", "370101", None, None, None, None, None),
    ("空十", "410101", None, "", "", "", "未查询到接种信息"),
]
IDS = [make_id(p[1], dt.date(1980 + i, 1 + i, 1 + i), 10 + i) for i, p in enumerate(PEOPLE)]
PHONES = [f"1391234{i:04d}" for i in range(len(PEOPLE))]


def import_members(
    run: Run, roster_id: str, path: Path, people: Iterable[tuple[str, str, str]]
) -> None:
    """Enroll (name, ID number, phone) people with consent, from a file at ``path``."""
    lines = ["name,id_number,phone,consent", *(f"{n},{i},{p},是" for n, i, p in people)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert run("enroll", "import", roster_id, str(path)).exit_code == 0


@pytest.fixture
def full_roster(run: Run, roster_id: str, tmp_path: Path) -> str:
    """A roster holding every state: each code, unknown, each flag, old NAT, positive."""
    names = [p[0] for p in PEOPLE]
    import_members(run, roster_id, tmp_path / "people.csv", zip(names, IDS, PHONES, strict=True))
    feed = tmp_path / "feed.csv"
    lines = ["姓名,证件号码,健康码状态,核酸采样时间,核酸结果,疫苗接种状态"]
    for i, (name, _, feed_name, code, sampled, result, vaccine) in enumerate(PEOPLE):
        if code is None:
            continue
        lines.append(f"{feed_name or name},{IDS[i]},{code},{sampled},{result},{vaccine}")
    feed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    refreshed = run("refresh", "--feed", str(feed), "--as-of", AS_OF)
    assert refreshed.exit_code == 0, refreshed.output
    return roster_id


def records(run: Run, roster: str, *args: str) -> list[dict]:
    result = run("show", roster, "--format", "json", "--as-of", AS_OF, *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_every_state_and_the_order(run: Run, full_roster: str) -> None:
    shown = {r["name"]: r for r in records(run, full_roster)}
    assert shown["绿一"]["health_code"] == "green" and not shown["绿一"]["abnormal"]
    assert shown["黄二"]["health_code"] == "yellow" and shown["黄二"]["abnormal"]
    assert shown["红三"]["nat_result"] == "positive"
    assert shown["弹四"]["health_code"] == "popup" and shown["弹四"]["vaccination"] == "exempt"
    assert shown["旧五"]["nat_days"] == 7 and shown["旧五"]["abnormal"]
    assert shown["阳六"]["health_code"] == "green" and shown["阳六"]["abnormal"]
    assert shown["名七"]["flags"] == ["name_mismatch"] and shown["名七"]["health_code"] == "unknown"
    assert shown["坏八"]["flags"] == ["bad_row"]
    assert shown["缺九"]["flags"] == ["not_found"]
    assert shown["空十"]["health_code"] == "unknown" and shown["空十"]["flags"] == []
    assert shown["空十"]["nat_sampled_at"] is None and shown["空十"]["nat_days"] is None
    assert shown["绿一"]["nat_sampled_at"] == "2022-12-05T07:00:00+08:00"
    assert shown["绿一"]["compared_at"].startswith("2022-12-05T09:00:00")
    ordered = [r["abnormal"] for r in records(run, full_roster)]
    assert ordered == sorted(ordered, reverse=True)
    assert ordered.count(False) == 1


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["--abnormal"], {"黄二", "红三", "弹四", "旧五", "阳六", "名七", "坏八", "缺九", "空十"}),
        (["--health-code", "red,yellow"], {"黄二", "红三"}),
        (["--health-code", "red", "--health-code", "popup"], {"红三", "弹四"}),
        (["--nat-days-over", "3"], {"旧五", "名七", "坏八", "缺九", "空十"}),
        (["--vaccination", "exempt"], {"弹四"}),
        # The words the Chinese table shows, and a feed's words, in either language.
        (["--health-code", "红码，黄码"], {"黄二", "红三"}),
        (["--health-code", "弹窗", "--health-code", "RED"], {"红三", "弹四"}),
        (["--vaccination", "不适宜接种"], {"弹四"}),
        (["--abnormal", "--health-code", "green"], {"旧五", "阳六"}),
        (["--health-code", "green", "--nat-days-over", "1"], {"旧五"}),
        # longer ago than the calendar goes: only those never sampled
        (["--nat-days-over", "2147483648"], {"名七", "坏八", "缺九", "空十"}),
        (["--nat-days-over", "9" * 30], {"名七", "坏八", "缺九", "空十"}),
    ],
)
def test_filters_combine(run: Run, full_roster: str, args: list[str], names: set[str]) -> None:
    assert {r["name"] for r in records(run, full_roster, *args)} == names


def test_bad_filter_values(run: Run, full_roster: str) -> None:
    assert run("show", full_roster, "--health-code", "blue").exit_code == 2
    assert run("show", full_roster, "--vaccination", "lots").exit_code == 2
    blue = run("show", full_roster, "--health-code", "蓝码")
    assert blue.exit_code == 2 and "green, yellow, red, popup, unknown" in blue.stderr
    bad_date = run("show", full_roster, "--as-of", "yesterday")
    assert bad_date.exit_code == 1 and "--as-of" in bad_date.stderr


def assert_masked(text: str) -> None:
    for secret in IDS + PHONES:
        assert secret not in text
        assert secret.lower() not in text


def test_every_output_path_is_masked(run: Run, full_roster: str, tmp_path: Path) -> None:
    outputs = []
    for fmt in ("table", "json", "csv"):
        result = run("show", full_roster, "--format", fmt, "--as-of", AS_OF)
        assert result.exit_code == 0
        outputs.append(result.stdout + result.stderr)
    xlsx = tmp_path / "out.xlsx"
    assert run("show", full_roster, "--format", "xlsx", "--output", str(xlsx)).exit_code == 0
    sheet = load_workbook(xlsx, read_only=True).worksheets[0]
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    outputs.append("\n".join(cells))
    for fmt in ("table", "json"):
        outputs.append(run("changes", full_roster, "--format", fmt).stdout)
        outputs.append(run("audit", "--format", fmt).stdout)
    outputs.append(run("member", "withdraw", full_roster, "M9999", "--yes").stderr)
    outputs.append(
        add_member(
            run,
            full_roster,
            "x",
            bad_check(IDS[0]),
            PHONES[0],
        ).stderr
    )
    for text in outputs:
        assert_masked(text)
    joined = "\n".join(outputs)
    assert IDS[0][:2] + "*" * 12 + IDS[0][14:] in joined
    assert PHONES[0][:3] + "****" + PHONES[0][7:] in joined
    assert "M0001" in cells


def test_csv_and_xlsx_shapes(run: Run, full_roster: str, tmp_path: Path) -> None:
    result = run("show", full_roster, "--format", "csv", "--as-of", AS_OF)
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == len(PEOPLE)
    assert list(rows[0]) == list(SECTION_6_KEYS)
    out = tmp_path / "for-excel.csv"
    assert run("show", full_roster, "--format", "csv", "--output", str(out)).exit_code == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    gbk = tmp_path / "gbk.csv"
    assert (
        run(
            "show", full_roster, "--format", "csv", "--output", str(gbk), "--encoding", "gb18030"
        ).exit_code
        == 0
    )
    assert "绿一" in gbk.read_bytes().decode("gb18030")
    book = tmp_path / "roster.xlsx"
    assert run("show", full_roster, "--format", "xlsx", "--output", str(book)).exit_code == 0
    header, *cells = load_workbook(book, read_only=True)["roster"].iter_rows(values_only=True)
    assert list(header) == list(SECTION_6_KEYS)
    records = json.loads(run("show", full_roster, "--format", "json").stdout)
    as_cells = [
        tuple(",".join(r[k]) if k == "flags" else r[k] for k in SECTION_6_KEYS) for r in records
    ]
    assert [tuple(row) for row in cells] == [
        tuple(None if v == "" else v for v in row) for row in as_cells
    ]
    missing = run("show", full_roster, "--format", "xlsx")
    assert missing.exit_code == 1 and "--output" in missing.stderr


CELL_TEXT = st.text(alphabet=st.sampled_from(list("ab,\"\r\n \t='-中\x1b\u202e")), max_size=6)


@settings(max_examples=500)
@given(st.lists(CELL_TEXT, min_size=len(SECTION_6_KEYS), max_size=len(SECTION_6_KEYS)))
def test_a_csv_line_is_what_the_csv_writer_writes_for_the_defused_cells(cells: list[str]) -> None:
    """The joined fast path and the writer agree, and the name and department (the public's
    text) are defused whichever path a row takes."""
    from tuanti_cli.cli.output import csv_text
    from tuanti_cli.cli.show import _csv_line

    defused = list(cells)
    for key in ("name", "department"):
        at = SECTION_6_KEYS.index(key)
        defused[at] = csv_text(cells[at])
    expected = io.StringIO()
    csv.writer(expected, lineterminator="\n").writerow(defused)
    assert _csv_line(tuple(cells)) == expected.getvalue()


def test_csv_quotes_a_department_with_commas_and_quotes(
    run: Run, full_roster: str, db_path: Path, key_path: Path
) -> None:
    set_departments(db_path, key_path, full_roster, {"绿一": '销售, "东区"', "黄二": "研发部"})
    text = run("show", full_roster, "--format", "csv", "--as-of", AS_OF).stdout
    assert '"销售, ""东区"""' in text
    rows = {r["name"]: r for r in csv.DictReader(io.StringIO(text))}
    assert len(rows) == len(PEOPLE)
    assert rows["绿一"]["department"] == '销售, "东区"' and rows["黄二"]["department"] == "研发部"


def test_table_snapshots(run: Run, full_roster: str) -> None:
    for lang in ("en", "zh"):
        result = run("--lang", lang, "show", full_roster, "--as-of", AS_OF, env={"COLUMNS": "150"})
        assert result.exit_code == 0
        text = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d(?=\s|$)", "<compared>", result.stdout)
        snapshot = SNAPSHOTS / f"show-{lang}.txt"
        if not snapshot.exists():
            snapshot.write_text(text, encoding="utf-8")
        assert text == snapshot.read_text(encoding="utf-8"), lang


def summary_of(text: str) -> str:
    """The summary line of a table, put together again when a narrow terminal split it."""
    lines = text.splitlines()
    parts: list[str] = []
    while lines and lines[-1].startswith("  · "):
        parts.insert(0, lines.pop()[4:])
    return " · ".join([lines[-1], *parts])


def test_narrow_terminal_drops_columns_not_rows(run: Run, full_roster: str) -> None:
    result = run("show", full_roster, "--as-of", AS_OF, env={"COLUMNS": "70"})
    lines = result.stdout.splitlines()
    # The summary's parts take a line each: the terminal would break it mid-word.
    summary = [line for line in lines if line.startswith("  · ")]
    assert len(summary) == 4 and all(len(line) <= 70 for line in summary[:2]), summary
    assert len(lines) == 2 + len(PEOPLE) + 1 + len(summary)
    assert "Phone" not in lines[0] and "Health code" in lines[0]


EVERY_COLUMN = ("Department", "ID number", "Phone", "NAT result", "Vaccination", "Compared")


def test_a_table_in_a_file_or_a_pipe_keeps_every_column(
    run: Run,
    full_roster: str,
    db_path: Path,
    key_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    set_departments(db_path, key_path, full_roster, {"红三": "研发部"})
    narrow = {"COLUMNS": "60"}
    written = {"show": tmp_path / "show.txt", "report": tmp_path / "report.txt"}
    for command, out in written.items():
        result = run(command, full_roster, "--as-of", AS_OF, "--output", str(out), env=narrow)
        assert result.exit_code == 0, result.output
        header = next(line for line in out.read_text().splitlines() if line.startswith("No."))
        assert all(column in header for column in EVERY_COLUMN), (command, header)
    monkeypatch.delenv("COLUMNS")  # a pipe: no terminal, no COLUMNS
    for command in ("show", "report"):
        text = run(command, full_roster, "--as-of", AS_OF).stdout
        header = next(line for line in text.splitlines() if line.startswith("No."))
        assert all(column in header for column in EVERY_COLUMN), (command, header)
    # COLUMNS set explicitly is still obeyed on standard output.
    header = run("show", full_roster, "--as-of", AS_OF, env=narrow).stdout.splitlines()[0]
    assert "Phone" not in header and "Health code" in header


def test_a_listing_in_a_pipe_is_never_folded(
    run: Run, full_roster: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    address = "北京市海淀区中关村大街一号院二号楼三单元四层五室六号七号八号九号"
    made = run("roster", "create", "--name", "长地址的单位", "--address", address)
    assert made.exit_code == 0, made.output
    monkeypatch.delenv("COLUMNS")
    listed = run("roster", "list").stdout
    assert any(address in line and "长地址的单位" in line for line in listed.splitlines())
    summary = run("summary", "--as-of", AS_OF).stdout
    assert any("Compliance" in line and "Last refresh" in line for line in summary.splitlines())
    narrow = run("roster", "list", env={"COLUMNS": "60"}).stdout
    assert not any(address in line for line in narrow.splitlines())


def test_changes_between_the_last_two_runs(run: Run, full_roster: str, tmp_path: Path) -> None:
    assert json.loads(run("changes", full_roster, "--format", "json").stdout) == []
    feed = tmp_path / "feed2.csv"
    feed.write_text(
        "姓名,证件号码,健康码状态,核酸采样时间,核酸结果\n"
        f"绿一,{IDS[0]},红码,2022-12-06 07:00,阳性\n"
        f"黄二,{IDS[1]},绿码,2022-12-06 07:00,阴性\n",
        encoding="utf-8",
    )
    assert run("refresh", "--feed", str(feed), "--as-of", "2022-12-06 09:00").exit_code == 0
    found = {
        c["name"]: c for c in json.loads(run("changes", full_roster, "--format", "json").stdout)
    }
    assert found["绿一"]["before"] == {
        "health_code": "green",
        "nat_result": "negative",
        "abnormal": False,
    }
    assert found["绿一"]["after"] == {
        "health_code": "red",
        "nat_result": "positive",
        "abnormal": True,
    }
    assert found["黄二"]["after"]["health_code"] == "green"
    assert found["名七"]["before"] == {"flags": ["name_mismatch"]}
    assert found["名七"]["after"] == {"flags": ["not_found"]}
    assert "缺九" not in found  # not found both times: no change
    assert set(found["红三"]) == {"member_no", "name", "department", "before", "after"}
    table = run("changes", full_roster).stdout
    assert "green → red" in table


def test_changes_name_a_nat_result_or_vaccination_that_changed(
    run: Run, full_roster: str, tmp_path: Path
) -> None:
    """Already yellow, then NAT-positive: the code and the abnormal judgement stay, and the
    change is still one of status. A new sampling time alone is not."""
    header = "姓名,证件号码,健康码状态,核酸采样时间,核酸结果,疫苗接种状态\n"
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text(
        header + f"黄二,{IDS[1]},黄码,2022-12-06 07:00,阴性,完成基础免疫\n"
        f"绿一,{IDS[0]},绿码,2022-12-06 07:00,阴性,完成基础免疫\n"
        f"红三,{IDS[2]},红码,2022-12-06 07:00,阴性,完成基础免疫\n",
        encoding="utf-8",
    )
    second.write_text(
        header + f"黄二,{IDS[1]},黄码,2022-12-06 07:00,阳性,完成基础免疫\n"
        f"绿一,{IDS[0]},绿码,2022-12-06 07:00,阴性,完成加强免疫\n"
        f"红三,{IDS[2]},红码,2022-12-06 08:00,阴性,完成基础免疫\n",
        encoding="utf-8",
    )
    for feed, at in ((first, "2022-12-06 09:00"), (second, "2022-12-06 10:00")):
        assert run("refresh", "--feed", str(feed), "--as-of", at).exit_code == 0
    found = {
        c["name"]: c for c in json.loads(run("changes", full_roster, "--format", "json").stdout)
    }
    assert found["黄二"]["before"] == {"nat_result": "negative"}
    assert found["黄二"]["after"] == {"nat_result": "positive"}
    assert found["绿一"]["before"] == {"vaccination": "primary"}
    assert found["绿一"]["after"] == {"vaccination": "booster"}
    assert "红三" not in found  # only sampled again
    table = run("--lang", "zh", "changes", full_roster).stdout
    assert "核酸结果：阴性 → 阳性" in table and "疫苗接种：完成基础免疫 → 完成加强免疫" in table, (
        table
    )


def test_audit_log(run: Run, full_roster: str) -> None:
    run("show", full_roster)
    entries = json.loads(run("audit", "--format", "json").stdout)
    actions = [e["action"] for e in entries]
    assert actions[:4] == ["init", "roster.create", "enroll.import", "refresh"]
    assert "show" in actions
    assert set(entries[0]) == {"at", "user", "action", "roster", "detail"}
    only = json.loads(run("audit", "--roster", full_roster, "--format", "json").stdout)
    assert all(e["roster"] == full_roster for e in only)
    future = json.loads(run("audit", "--since", "2999-01-01", "--format", "json").stdout)
    assert future == []
    assert run("audit", "--since", "soon").exit_code == 1


def test_audit_since_takes_the_forms_as_of_takes(run: Run, full_roster: str) -> None:
    entries = json.loads(run("audit", "--format", "json").stdout)
    first = dt.datetime.fromisoformat(entries[0]["at"])
    later = first + dt.timedelta(minutes=1)
    day = first.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y%m%d")
    # The day written without separators, as people type it: the whole day, not an error.
    assert json.loads(run("audit", "--since", day, "--format", "json").stdout) == entries
    # A time: only entries from that moment (Beijing time unless an offset is given).
    moment = later.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%d %H:%M")
    after = json.loads(run("audit", "--since", moment, "--format", "json").stdout)
    assert after == [
        e
        for e in entries
        if dt.datetime.fromisoformat(e["at"]) >= later.replace(second=0, microsecond=0)
    ]
    utc = later.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:00Z")
    assert json.loads(run("audit", "--since", utc, "--format", "json").stdout) == after
    bad = run("audit", "--since", "2022-13-01")
    assert bad.exit_code == 1 and "2022-12-01 09:00" in bad.stderr, bad.stderr


def test_quiet_speaks_only_when_someone_newly_became_abnormal(
    run: Run, full_roster: str, tmp_path: Path
) -> None:
    feed = tmp_path / "quiet.csv"
    rows = [f"{p[0]},{IDS[i]},绿码,2022-12-06 07:00,阴性" for i, p in enumerate(PEOPLE)]
    feed.write_text(
        "姓名,证件号码,健康码状态,核酸采样时间,核酸结果\n" + "\n".join(rows) + "\n",
        encoding="utf-8",
    )
    calm = run("refresh", "--feed", str(feed), "--as-of", "2022-12-06 09:00", "--quiet")
    assert calm.exit_code == 0 and calm.stdout == ""  # everyone became normal: nothing to say
    rows[0] = rows[0].replace("绿码", "红码")
    feed.write_text(
        "姓名,证件号码,健康码状态,核酸采样时间,核酸结果\n" + "\n".join(rows) + "\n",
        encoding="utf-8",
    )
    alert = run("refresh", "--feed", str(feed), "--as-of", "2022-12-06 10:00", "--quiet")
    assert alert.exit_code == 0
    lines = alert.stdout.splitlines()
    assert lines[0] == "Newly abnormal: 1"
    assert "绿一" in lines[1] and "red" in lines[1] and IDS[0] not in alert.stdout
    assert IDS[0][:2] + "*" * 12 + IDS[0][14:] in lines[1]
    # No department: "—" holds its place, so the masked ID comes fourth as on every line.
    assert lines[1].split()[3:5] == ["—", IDS[0][:2] + "*" * 12 + IDS[0][14:]], lines[1]
    # The roster list shows its times to the minute, as the summary does.
    listed = run("roster", "list").stdout
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d ", listed) and "+08:00" not in listed, listed


def set_departments(db_path: Path, key_path: Path, roster: str, by_name: dict[str, str]) -> None:
    """Departments written straight into the store (as enrollment stores them)."""
    from tuanti_cli.keys import read_key_file
    from tuanti_cli.store import Store

    with Store.open(db_path, read_key_file(key_path)) as store, store.transaction() as conn:
        for name, department in by_name.items():
            conn.execute(
                "UPDATE member SET department = ? WHERE roster_id = ? AND name = ?",
                (department, roster, name),
            )


def test_department_in_records_and_the_filter(
    run: Run, full_roster: str, db_path: Path, key_path: Path, tmp_path: Path
) -> None:
    set_departments(
        db_path, key_path, full_roster, {"绿一": "销售部", "黄二": "销售部", "红三": "研发部"}
    )
    shown = {r["name"]: r for r in records(run, full_roster)}
    assert list(shown["绿一"]) == list(SECTION_6_KEYS)
    assert shown["绿一"]["department"] == "销售部" and shown["空十"]["department"] is None
    assert {r["name"] for r in records(run, full_roster, "--department", "销售部")} == {
        "绿一",
        "黄二",
    }
    both = records(run, full_roster, "--department", "销售部，研发部")
    assert {r["name"] for r in both} == {"绿一", "黄二", "红三"}
    assert [r["abnormal"] for r in both] == [True, True, False]  # abnormal first still
    repeated = records(run, full_roster, "--department", "研发部", "--department", "销售部")
    assert len(repeated) == 3
    none = records(run, full_roster, "--department", "")
    assert len(none) == len(PEOPLE) - 3 and all(r["department"] is None for r in none)
    assert records(run, full_roster, "--department", "销售") == []  # exact names only
    combined = records(run, full_roster, "--department", "销售部", "--abnormal")
    assert [r["name"] for r in combined] == ["黄二"]
    result = run("show", full_roster, "--format", "csv", "--department", "研发部")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["name"], r["department"]) for r in rows] == [("红三", "研发部")]
    table = run("show", full_roster, "--as-of", AS_OF, "--department", "研发部").stdout
    assert "Department" in table.splitlines()[0] and "研发部" in table
    assert summary_of(table).startswith("1 member · ")
    narrow = run("show", full_roster, "--as-of", AS_OF, env={"COLUMNS": "90"}).stdout
    assert "Department" not in narrow.splitlines()[0] and "ID number" in narrow.splitlines()[0]


def test_the_table_has_no_department_column_when_nobody_has_one(run: Run, full_roster: str) -> None:
    assert "Department" not in run("show", full_roster, "--as-of", AS_OF).stdout


def test_json_streams_as_one_valid_array(run: Run, full_roster: str) -> None:
    text = run("show", full_roster, "--format", "json", "--as-of", AS_OF).stdout
    assert text.startswith("[\n{") and text.endswith("}\n]\n")
    assert len(json.loads(text)) == len(PEOPLE)
    empty = run("show", full_roster, "--format", "json", "--department", "无此部门").stdout
    assert json.loads(empty) == []


# Members of the order roster: name, health code, sampled, result (None: not in the feed). At
# ORDER_AS_OF the NAT of 二日 is two days old (within the roster's three); at LATER it is four.
ORDER_AS_OF = "2022-12-05 09:00"
LATER = "2022-12-07 09:00"
ORDER_PEOPLE = [
    ("甲一", "绿码", "2022-12-05 07:00", "阴性"),
    ("乙二", "红码", "2022-12-05 07:00", "阴性"),
    ("丙三", "绿码", "2022-12-03 08:00", "阴性"),  # aged past the policy by LATER
    ("丁四", "绿码", "2022-12-04 08:00", "阳性"),
    ("戊五", None, None, None),  # not in the feed: flagged
    ("己六", "绿码", "2022-12-04 08:00", "阴性"),
    ("庚七", "黄码", "2022-12-05 07:00", "阴性"),
    ("辛八", "绿码", "2022-12-05 08:00", "阴性"),
]
NEVER_COMPARED = ["壬九", "癸十"]  # enrolled after the refresh
ORDER_IDS = [make_id("110101", dt.date(1985, 1, 1 + i * 7 % 10), 30 + i) for i in range(10)]


@pytest.fixture
def order_roster(run: Run, roster_id: str, tmp_path: Path) -> str:
    ids = ORDER_IDS
    names = [p[0] for p in ORDER_PEOPLE]
    people = [(n, ids[i], f"1391234{i:04d}") for i, n in enumerate(names)]
    import_members(run, roster_id, tmp_path / "order.csv", people)
    feed = tmp_path / "order-feed.csv"
    feed.write_text(
        "姓名,证件号码,健康码状态,核酸采样时间,核酸结果\n"
        + "".join(
            f"{name},{ids[i]},{code},{sampled},{result}\n"
            for i, (name, code, sampled, result) in enumerate(ORDER_PEOPLE)
            if code is not None
        ),
        encoding="utf-8",
    )
    assert run("refresh", "--feed", str(feed), "--as-of", ORDER_AS_OF).exit_code == 0
    late = [(n, ids[8 + i], f"1391234{8 + i:04d}") for i, n in enumerate(NEVER_COMPARED)]
    import_members(run, roster_id, tmp_path / "late.csv", late)
    return roster_id


def shown_order(run: Run, roster: str, as_of: str, *args: str) -> list[tuple[str, bool]]:
    """(name, abnormal) of each JSON record, in order; the CSV rows must come in the same."""
    result = run("show", roster, "--format", "json", "--as-of", as_of, *args)
    assert result.exit_code == 0, result.output
    found = [(r["name"], r["abnormal"]) for r in json.loads(result.stdout)]
    as_csv = run("show", roster, "--format", "csv", "--as-of", as_of, *args)
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [(r["name"], r["abnormal"] == "true") for r in rows] == found
    return found


def test_abnormal_first_each_part_in_member_number_order(run: Run, order_roster: str) -> None:
    # Member numbers follow the enrollment order: 甲一 is M0001 … 癸十 M0010.
    abnormal = ["乙二", "丁四", "戊五", "庚七", "壬九", "癸十"]
    normal = ["甲一", "丙三", "己六", "辛八"]
    expected = [(n, True) for n in abnormal] + [(n, False) for n in normal]
    assert shown_order(run, order_roster, ORDER_AS_OF) == expected
    assert shown_order(run, order_roster, ORDER_AS_OF, "--abnormal") == expected[:6]
    assert shown_order(run, order_roster, ORDER_AS_OF, "--health-code", "green") == [
        ("丁四", True),
        ("甲一", False),
        ("丙三", False),
        ("己六", False),
        ("辛八", False),
    ]


def test_a_nat_aged_since_the_last_refresh_counts_as_abnormal_now(
    run: Run, order_roster: str
) -> None:
    # No refresh since ORDER_AS_OF: at LATER, 丙三's sample is four days old (and 己六's three,
    # still within the policy), so 丙三 joins the abnormal members, in member-number order.
    abnormal = ["乙二", "丙三", "丁四", "戊五", "庚七", "壬九", "癸十"]
    normal = ["甲一", "己六", "辛八"]
    expected = [(n, True) for n in abnormal] + [(n, False) for n in normal]
    assert shown_order(run, order_roster, LATER) == expected
    assert shown_order(run, order_roster, LATER, "--abnormal") == expected[:7]
    assert [n for n, _ in shown_order(run, order_roster, LATER, "--nat-days-over", "3")] == [
        "丙三",
        "戊五",
        "壬九",
        "癸十",
    ]


def test_members_never_compared_are_unknown_and_abnormal(run: Run, order_roster: str) -> None:
    result = run("show", order_roster, "--format", "json", "--as-of", ORDER_AS_OF)
    by_name = {r["name"]: r for r in json.loads(result.stdout)}
    for name in NEVER_COMPARED:
        record = by_name[name]
        assert record["health_code"] == "unknown" and record["vaccination"] == "unknown"
        assert record["abnormal"] is True and record["flags"] == []
        assert record["nat_sampled_at"] is None and record["nat_days"] is None
        assert record["compared_at"] is None and record["vaccine_doses"] is None
    assert by_name["戊五"]["flags"] == ["not_found"]
    unknown = shown_order(run, order_roster, ORDER_AS_OF, "--health-code", "unknown")
    assert unknown == [("戊五", True), ("壬九", True), ("癸十", True)]
    rows = run("show", order_roster, "--format", "csv", "--as-of", ORDER_AS_OF).stdout
    masked = f"{ORDER_IDS[8][:2]}{'*' * 12}{ORDER_IDS[8][14:]},139****0008"
    assert f"\nM0009,壬九,,{masked},unknown,,,,unknown,,,,true,\n" in rows


def test_the_view_counts_what_it_lists(
    run: Run, order_roster: str, db_path: Path, key_path: Path
) -> None:
    """The records' abnormality (tested on the health row) and the counts' (on the
    computed values) are one rule; one unordered pass holds the same records."""
    from tuanti_cli import rosters, view
    from tuanti_cli.cli.show import parse_as_of
    from tuanti_cli.keys import read_key_file
    from tuanti_cli.store import Store

    with Store.open(db_path, read_key_file(key_path)) as store:
        roster = rosters.get_roster(store, order_roster)
        for as_of in (ORDER_AS_OF, LATER):
            moment = parse_as_of(as_of)
            for filters in (
                view.NO_FILTERS,
                view.Filters(abnormal=True),
                view.Filters(health_codes=("green", "unknown"), nat_days_over=1),
            ):
                batches = view.member_row_batches(store, roster, moment, filters)
                rows = [row for batch in batches for row in batch]
                batches = view.member_row_batches(store, roster, moment, filters, ordered=False)
                unordered = [row for batch in batches for row in batch]
                assert sorted(unordered) == sorted(rows)
                counts = view.counts(store, roster, moment, filters)
                assert counts["members"] == len(rows)
                assert counts["abnormal"] == sum(r[RECORD_ABNORMAL] for r in rows)
                assert all(
                    r[RECORD_ABNORMAL]
                    == view.is_abnormal(r[5], r[7], r[8], r[14], roster.max_nat_days)
                    for r in rows
                )


RECORD_ABNORMAL = SECTION_6_KEYS.index("abnormal")


# Any text a name or department could hold in the store (validation aside): quotes,
# backslashes, controls, DEL, bidi marks, line separators, CJK and astral characters.
STORED_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=12
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(STORED_TEXT, min_size=2, max_size=2), department=STORED_TEXT)
def test_the_sql_json_is_what_json_dumps_writes_for_every_record(
    full_roster: str, db_path: Path, key_path: Path, names: list[str], department: str
) -> None:
    """``show --format json`` takes each record's text from SQLite (json_quote); it must be
    byte for byte what Python's encoder writes for the record, whatever the text."""
    from tuanti_cli import rosters, view
    from tuanti_cli.cli.show import parse_as_of
    from tuanti_cli.keys import read_key_file
    from tuanti_cli.store import Store

    with Store.open(db_path, read_key_file(key_path)) as store:
        with store.transaction() as conn:
            conn.execute("UPDATE member SET name = ? WHERE member_no = 'M0001'", (names[0],))
            conn.execute(
                "UPDATE member SET name = ?, department = ? WHERE member_no = 'M0002'",
                (names[1], department),
            )
        roster = rosters.get_roster(store, full_roster)
        for as_of in (AS_OF, "2022-12-09 09:00"):
            moment = parse_as_of(as_of)
            expected = [
                json.dumps(record, ensure_ascii=False)
                for record in view.member_records(store, roster, moment)
            ]
            made = [
                line for batch in view.json_row_batches(store, roster, moment) for line in batch
            ]
            assert made == expected


@pytest.mark.parametrize("to_file", [False, True])
def test_an_export_reads_one_state_while_a_refresh_commits(
    run: Run,
    order_roster: str,
    db_path: Path,
    key_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    to_file: bool,
) -> None:
    """A refresh that commits while ``show`` is between its passes (abnormal first, then
    the rest) changes nothing in the export: it reads the store as it was when it began,
    nobody listed twice or left out."""
    from tuanti_cli import view
    from tuanti_cli.keys import read_key_file
    from tuanti_cli.store import Store

    real = view.text_row_batches

    def a_refresh_commits_after_the_first_batch(*args: Any, **kwargs: Any) -> Any:
        batches = real(*args, **kwargs)
        first = next(batches)
        with Store.open(db_path, read_key_file(key_path)) as other, other.transaction() as conn:
            conn.execute("UPDATE health SET health_code = 'red', abnormal = 1")  # all red now
        yield first
        yield from batches

    before = run("show", order_roster, "--format", "csv", "--as-of", ORDER_AS_OF).stdout
    monkeypatch.setattr(view, "text_row_batches", a_refresh_commits_after_the_first_batch)
    out = tmp_path / "roster.csv"
    args = ("--output", str(out)) if to_file else ()
    result = run("show", order_roster, "--format", "csv", "--as-of", ORDER_AS_OF, *args)
    assert result.exit_code == 0, result.output
    shown = out.read_text(encoding="utf-8-sig") if to_file else result.stdout
    assert shown == before
    monkeypatch.setattr(view, "text_row_batches", real)
    after = run("show", order_roster, "--format", "csv", "--as-of", ORDER_AS_OF).stdout
    assert after != before and after.count("\n") == before.count("\n")


def test_counts_of_one_are_singular_in_english(run: Run, store_ready: None) -> None:
    created = run("roster", "create", "--name", "一人", "--address", "北京", "--max-nat-days", "1")
    roster = created.stderr.split()[2]  # "Created roster K7Q2M9XD for 一人."
    assert add_member(run, roster, "孙八", make_id(), "13912340000").exit_code == 0
    one = summary_of(run("show", roster).stdout)
    assert one.startswith("1 member · ") and "NAT within 1 day:" in one
    assert add_member(run, roster, "周九", make_id("320101"), "13912349999").exit_code == 0
    assert summary_of(run("show", roster).stdout).startswith("2 members · ")
    chinese = summary_of(run("--lang", "zh", "show", roster).stdout)
    assert chinese.startswith("共 2 人 · ") and "1 天内核酸" in chinese
    deleted = run("roster", "delete", roster, "--yes")
    assert deleted.stderr == f"Deleted roster {roster} and erased its 2 members.\n"
