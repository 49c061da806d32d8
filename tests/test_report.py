"""`tuanti report` (PRODUCT §8): per-day counts rebuilt from history, the terminal chart,
the HTML page, the audit entry."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import re
import shutil
import stat
import subprocess
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len

from tests import rebuild
from tests.conftest import Run
from tests.helpers import SECTION_6_KEYS, make_id, make_phone, query

SNAPSHOTS = Path(__file__).parent / "snapshots"
AS_OF = "2022-12-07 18:00"
WEEK = [f"2022-12-0{d}" for d in range(1, 8)]
# name, department, region: the five members of the week.
PEOPLE = [
    ("甲", "销售部", "110101"),  # green, sampled every day
    ("乙", "销售部", "310101"),  # green, sampled once on 12-01: over the 3-day policy on 12-05
    ("丙", "研发部", "440301"),  # yellow until 12-03, then green
    ("丁", None, "510101"),  # green; red on 12-05, popup on 12-06, green again on 12-07
    ("戊", "研发部", "320101"),  # not in the feed on 12-01 and 12-02, then green
]
IDS = {p[0]: make_id(p[2], dt.date(1981 + i, 2 + i, 3 + i), 20 + i) for i, p in enumerate(PEOPLE)}
PHONES = {p[0]: make_phone(700 + i) for i, p in enumerate(PEOPLE)}
COUNTS = ("members", "green", "yellow", "red", "popup", "unknown", "nat_within_policy", "abnormal")
DAY_KEYS = ["date", *COUNTS, "compliance"]
NO_COUNTS = dict.fromkeys([*COUNTS, "compliance"])

# Worked out by hand from the feeds below (policy: NAT within 3 days).
EXPECTED = {
    # members, green, yellow, red, popup, unknown, NAT within, abnormal
    "2022-12-01": (5, 3, 1, 0, 0, 1, 4, 2),  # 丙 yellow, 戊 unknown (not found)
    "2022-12-02": (5, 3, 1, 0, 0, 1, 4, 2),
    "2022-12-03": (5, 4, 1, 0, 0, 0, 5, 1),  # 戊 found
    "2022-12-04": (5, 5, 0, 0, 0, 0, 5, 0),  # 丙 green; 乙's NAT is 3 days old: still within
    "2022-12-05": (5, 4, 0, 1, 0, 0, 4, 2),  # 乙 4 days: over; 丁 red
    "2022-12-06": (5, 4, 0, 0, 1, 0, 4, 2),  # 丁 popup
    "2022-12-07": (5, 5, 0, 0, 0, 0, 4, 1),  # 丁 green; 乙 still over
}


def feed_rows(day: str) -> list[tuple[str, str, str]]:
    """(name, health code, sampling time) of the members in the feed of ``day``."""
    n = WEEK.index(day) + 1
    today = f"{day} 08:00"
    rows = [("甲", "绿码", today), ("乙", "绿码", "2022-12-01 08:00")]
    rows.append(("丙", "黄码" if n <= 3 else "绿码", today))
    rows.append(("丁", {5: "红码", 6: "弹窗"}.get(n, "绿码"), today))
    if n >= 3:
        rows.append(("戊", "绿码", today))
    return rows


def expected_day(day: str) -> dict[str, Any]:
    counts = dict(zip(COUNTS, EXPECTED[day], strict=True))
    members, abnormal = counts["members"], counts["abnormal"]
    return {"date": day, **counts, "compliance": round((members - abnormal) / members, 4)}


def create_roster(run: Run, name: str, max_nat_days: int) -> str:
    """A new roster with the given NAT policy; its id."""
    result = run(
        "roster", "create", "--name", name, "--address", "北京市朝阳区",
        "--max-nat-days", str(max_nat_days), "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return str(json.loads(result.stdout)["roster_id"])


def write_enrolment(path: Path, people: Iterable[tuple[str, str, str, str | None]]) -> Path:
    """An enrollment file of (name, ID number, phone, department) with consent."""
    lines = ["name,id_number,phone,department,consent"]
    lines += [f"{n},{i},{p},{d or ''},是" for n, i, p, d in people]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_day_feed(path: Path, rows: Iterable[tuple[str, str, str, str]]) -> Path:
    """A provider's feed of (name, ID number, health code, sampling time), all negative."""
    body = ["姓名,证件号码,健康码状态,核酸采样时间,核酸结果,疫苗接种状态"]
    body += [f"{n},{i},{c},{s},阴性,完成加强免疫" for n, i, c, s in rows]
    path.write_text("\n".join(body) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def week(run: Run, roster_id: str, tmp_path: Path) -> str:
    """The roster refreshed at 09:00 on each day of the week 2022-12-01 … 12-07."""
    roster = create_roster(run, "周报测试", 3)
    people = [(n, IDS[n], PHONES[n], d) for n, d, _ in PEOPLE]
    enrol = write_enrolment(tmp_path / "people.csv", people)
    result = run("enroll", "import", roster, str(enrol), "--format", "json")
    assert result.exit_code == 0 and json.loads(result.stdout)["added"] == 5, result.output
    for day in WEEK:
        rows = [(n, IDS[n], c, s) for n, c, s in feed_rows(day)]
        feed = write_day_feed(tmp_path / f"feed-{day}.csv", rows)
        result = run("refresh", "--feed", str(feed), "--as-of", f"{day} 09:00", "--quiet")
        assert result.exit_code == 0, result.output
    return roster


def report_json(run: Run, roster: str, *args: str) -> dict[str, Any]:
    result = run("report", roster, "--as-of", AS_OF, "--format", "json", *args)
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


# --------------------------------------------------------------------------- 1. counts


def test_a_week_of_daily_refreshes_gives_exactly_the_expected_counts(run: Run, week: str) -> None:
    data = report_json(run, week, "--days", "8")
    assert list(data) == ["roster_id", "name", "days", "abnormal_now"]
    assert (data["roster_id"], data["name"]) == (week, "周报测试")
    assert all(list(day) == DAY_KEYS for day in data["days"])
    # The day before the first refresh says so: no invented numbers.
    assert data["days"][0] == {"date": "2022-11-30", **NO_COUNTS}
    assert data["days"][1:] == [expected_day(day) for day in WEEK]
    (only,) = data["abnormal_now"]
    assert list(only) == list(SECTION_6_KEYS)
    assert (only["name"], only["nat_days"], only["abnormal"]) == ("乙", 6, True)
    assert only["id_number"] == IDS["乙"][:2] + "*" * 12 + IDS["乙"][14:]


def test_the_default_is_seven_days_ending_on_the_as_of_date(run: Run, week: str) -> None:
    data = report_json(run, week)
    assert [d["date"] for d in data["days"]] == WEEK
    one = report_json(run, week, "--days", "1")
    assert one["days"] == [expected_day("2022-12-07")]


def test_the_last_day_is_judged_at_as_of_and_agrees_with_summary(run: Run, week: str) -> None:
    # At 08:59 on 12-07 the 12-07 refresh had not run: 丁 is still popup.
    data = report_json(run, week, "--days", "2", "--as-of", "2022-12-07 08:59")
    assert data["days"][-1]["popup"] == 1 and data["days"][-1]["date"] == "2022-12-07"
    result = run("summary", week, "--format", "json", "--as-of", AS_OF)
    (row,) = json.loads(result.stdout)
    last = report_json(run, week)["days"][-1]
    assert {k: row[k] for k in [*COUNTS, "compliance"]} == {
        k: last[k] for k in [*COUNTS, "compliance"]
    }


def test_by_department_adds_a_series_per_department(run: Run, week: str) -> None:
    data = report_json(run, week, "--days", "8", "--by", "department")
    assert list(data) == ["roster_id", "name", "days", "departments", "abnormal_now"]
    departments = data["departments"]
    assert list(departments) == ["研发部", "销售部", ""]  # by name; no department last, as ""
    sales = departments["销售部"]
    assert sales[0] == {"date": "2022-11-30", **NO_COUNTS}
    assert [d["abnormal"] for d in sales[1:]] == [0, 0, 0, 0, 1, 1, 1]
    assert [d["nat_within_policy"] for d in sales[1:]] == [2, 2, 2, 2, 1, 1, 1]
    assert [d["unknown"] for d in departments["研发部"][1:]] == [1, 1, 0, 0, 0, 0, 0]
    assert [d["red"] + d["popup"] for d in departments[""][1:]] == [0, 0, 0, 0, 1, 1, 0]
    for i in range(1, 8):
        for key in COUNTS:
            assert sum(s[i][key] for s in departments.values()) == data["days"][i][key]


def test_members_enrolled_but_never_compared_count_as_unknown(
    run: Run, week: str, tmp_path: Path
) -> None:
    late = tmp_path / "late.csv"
    late.write_text(f"name,id_number,phone,consent\n己,{make_id('330101')},13900000999,是\n")
    assert run("enroll", "import", week, str(late)).exit_code == 0
    # Enrolled now (by the real clock): counted from today, not in the 2022 week.
    assert report_json(run, week)["days"] == [expected_day(day) for day in WEEK]
    today = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=8)))
    result = run("report", week, "--days", "1", "--format", "json")
    (day,) = json.loads(result.stdout)["days"]
    assert day["date"] == today.date().isoformat()
    assert (day["members"], day["unknown"]) == (6, 1)


def reference(store: Any, roster: Any, as_of: dt.datetime, days: int) -> list[dict[str, Any]]:
    """The counts rebuilt member by member with rebuild.timelines and the view's Python
    rules (the slow, plain way the SQL of report.build must agree with)."""
    from tuanti_cli import report, view

    moments = report.moments(as_of, days)
    stamps = [m.isoformat(timespec="seconds") for m in moments]
    rows = [dict.fromkeys(COUNTS, 0) for _ in moments]
    known = [False] * days
    for timeline in rebuild.timelines(store.conn, roster.roster_id, moments):
        for i, state in enumerate(timeline.states):
            if state is None:
                if timeline.member.enrolled_at > stamps[i]:
                    continue
                code, within, abnormal = "unknown", False, True
            else:
                known[i] = True
                n = view.nat_days(state.nat_sampled_at, moments[i])
                code = state.health_code
                within = n is not None and n <= roster.max_nat_days
                abnormal = view.is_abnormal(
                    code, state.nat_result, n, state.flag_list, roster.max_nat_days
                )
            rows[i]["members"] += 1
            rows[i][code] += 1
            rows[i]["nat_within_policy"] += within
            rows[i]["abnormal"] += abnormal
    return [
        {"date": m.date().isoformat(), **(row if k else dict.fromkeys(COUNTS))}
        for m, row, k in zip(moments, rows, known, strict=True)
    ]


@pytest.mark.parametrize("as_of", ["2022-12-07 18:00", "2022-12-05 08:30", "2022-12-09 00:10"])
def test_the_sql_counts_agree_with_the_history_and_view_rules(
    run: Run, week: str, db_path: Path, key_path: Path, as_of: str
) -> None:
    from tuanti_cli import report, rosters
    from tuanti_cli.cli.show import parse_as_of
    from tuanti_cli.keys import read_key_file
    from tuanti_cli.store import Store

    # A run back in time (after 12-07's, as of 12-06) and two runs at the same moment.
    folder = db_path.parent.parent
    for day, at in (("2022-12-03", "2022-12-06 10:00"), ("2022-12-05", "2022-12-06 10:00")):
        result = run("refresh", "--feed", str(folder / f"feed-{day}.csv"), "--as-of", at)
        assert result.exit_code == 0, result.output
    moment = parse_as_of(as_of)
    with Store.open(db_path, read_key_file(key_path)) as store:
        roster = rosters.get_roster(store, week)
        for days in (1, 3, 10, 30):
            built = report.build(store, roster, moment, days)
            drop = [k for k in DAY_KEYS if k not in ("date", *COUNTS)]
            assert [{k: v for k, v in d.items() if k not in drop} for d in built.days] == (
                reference(store, roster, moment, days)
            ), (as_of, days)


def test_days_outside_one_to_thirty_are_a_usage_error(run: Run, week: str) -> None:
    for days in ("0", "31", "-1"):
        result = run("report", week, "--days", days)
        assert result.exit_code == 2
        assert "from 1 to 30" in result.stderr.splitlines()[-1]


def test_an_unknown_roster_is_one_sentence(run: Run, roster_id: str) -> None:
    result = run("report", "NOSUCH")
    assert result.exit_code == 1 and len(result.stderr.strip().splitlines()) == 1


def test_a_roster_never_compared_says_so(run: Run, roster_id: str) -> None:
    data = report_json(run, roster_id, "--days", "2")
    assert [d["members"] for d in data["days"]] == [None, None]
    text = run("report", roster_id, "--days", "2", "--as-of", AS_OF).stdout
    assert text.count("not compared yet") == 4


def test_the_read_is_audited_with_counts_and_format(
    run: Run, week: str, db_path: Path, key_path: Path
) -> None:
    report_json(run, week, "--days", "3")
    ((action, roster, detail),) = query(
        db_path, key_path, "SELECT action, roster_id, detail FROM audit WHERE action = 'report'"
    )
    assert (action, roster) == ("report", week)
    assert json.loads(detail) == {"abnormal": 1, "days": 3, "format": "json", "members": 5}


# --------------------------------------------------------------------------- 2. the chart


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_text_chart_fits_80_columns_and_reads_without_colour(
    run: Run, week: str, lang: str
) -> None:
    result = run(
        "--lang", lang, "report", week, "--days", "8", "--by", "department",
        "--as-of", AS_OF, env={"COLUMNS": "80"},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "\x1b" not in text
    assert all(cell_len(line) <= 80 for line in text.splitlines()), text
    # Each code has its own mark, named in the legend, and each bar uses them.
    legend = text.splitlines()[4]
    assert all(mark in legend for mark in "█▓▒░·"), legend
    bars = [line for line in text.splitlines() if line[:5] in ("12-05", "12-06")][:2]
    assert "▒" in bars[0] and "░" in bars[1]
    assert IDS["乙"] not in text and PHONES["乙"] not in text
    snapshot = SNAPSHOTS / f"report-{lang}.txt"
    if not snapshot.exists():
        snapshot.write_text(text, encoding="utf-8")
    assert text == snapshot.read_text(encoding="utf-8"), lang


def test_text_chart_grows_with_the_terminal_and_colours_only_on_one(
    run: Run, week: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tuanti_cli import report as core
    from tuanti_cli.cli import report as cli_report

    result = run("report", week, "--as-of", AS_OF, env={"COLUMNS": "110"})
    assert max(cell_len(line) for line in result.stdout.splitlines()) <= 110
    assert "\x1b" not in result.stdout  # not a terminal
    built = core.Report("R", "名", 3, [expected_day(d) for d in WEEK])
    moment = dt.datetime(2022, 12, 7, 18, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    coloured = cli_report.chart_lines(built, moment, 80, colour=True)
    assert any("\x1b[" in line for line in coloured)


def test_a_single_member_of_a_code_still_shows_in_a_large_bar() -> None:
    from tuanti_cli.cli.report import _segments

    shares = _segments({"green": 9998, "yellow": 0, "red": 1, "popup": 0, "unknown": 1}, 60)
    assert shares == {"green": 58, "yellow": 0, "red": 1, "popup": 0, "unknown": 1}
    assert sum(_segments({"green": 3, "yellow": 3, "red": 3}, 10).values()) == 10


# --------------------------------------------------------------------------- 3. the page


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.links: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.links += [v or "" for k, v in attrs if k in ("src", "href", "xlink:href")]
        if tag != "meta":
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self.open.pop()

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, (tag, self.open[-3:])
        self.open.pop()


def html_page(run: Run, roster: str, path: Path, *args: str) -> str:
    result = run(
        "report", roster, "--as-of", AS_OF, "--format", "html", "--output", str(path), *args
    )
    assert result.exit_code == 0, result.output
    return path.read_text(encoding="utf-8")


def test_html_is_self_contained_masked_and_private(run: Run, week: str, tmp_path: Path) -> None:
    path = tmp_path / "out" / "report.html"
    path.parent.mkdir()
    page = html_page(run, week, path, "--by", "department")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    parsed = _Page()
    parsed.feed(page)
    parsed.close()
    assert parsed.open == [], parsed.open
    assert parsed.tags.count("svg") == 2 and "rect" in parsed.tags and "polyline" in parsed.tags
    assert "script" not in parsed.tags and "<script" not in page.lower()
    assert "link" not in parsed.tags and "img" not in parsed.tags and "iframe" not in parsed.tags
    assert parsed.links == []
    assert "url(" not in page and "@import" not in page
    for name in IDS:
        assert IDS[name] not in page and PHONES[name] not in page
    assert IDS["乙"][:2] + "*" * 12 + IDS["乙"][14:] in page
    assert "周报测试" in page and "2022-12-01" in page and "2022-12-07" in page


def test_html_titles_follow_the_language_and_escape_names(
    run: Run, week: str, tmp_path: Path, db_path: Path, key_path: Path
) -> None:
    from tuanti_cli.keys import read_key_file
    from tuanti_cli.store import Store

    with Store.open(db_path, read_key_file(key_path)) as store, store.transaction() as conn:
        conn.execute("UPDATE member SET department = '<b>&</b>' WHERE name = '丁'")
    page = html_page(run, week, tmp_path / "zh.html", "--by", "department")
    assert "<b>&</b>" not in page and "&lt;b&gt;&amp;&lt;/b&gt;" in page
    zh = run("--lang", "zh", "report", week, "--as-of", AS_OF, "--format", "html")
    assert zh.exit_code == 0 and '<html lang="zh-CN">' in zh.stdout
    assert "每日健康码" in zh.stdout and "当前异常" in zh.stdout


@pytest.mark.parametrize(("columns", "cut"), [("200", False), ("80", True)])
def test_long_department_names_stay_told_apart_in_the_text_chart(
    run: Run, week: str, db_path: Path, key_path: Path, columns: str, cut: bool
) -> None:
    from tuanti_cli.keys import read_key_file
    from tuanti_cli.store import Store

    stem = "华北区销售部北京分公司第" * (2 if columns == "200" else 5)
    with Store.open(db_path, read_key_file(key_path)) as store, store.transaction() as conn:
        conn.execute("UPDATE member SET department = ? WHERE name = '甲'", (stem + "一组",))
        conn.execute("UPDATE member SET department = ? WHERE name = '乙'", (stem + "二组",))
    result = run("report", week, "--by", "department", "--as-of", AS_OF, env={"COLUMNS": columns})
    assert result.exit_code == 0, result.output
    labels = [line.split("  ")[0] for line in result.stdout.splitlines() if stem[:6] in line]
    assert len(labels) == 2 and labels[0] != labels[1], labels
    if cut:  # no room for the whole name: its middle gives way, marked so
        assert all("…" in label and label.startswith(stem[:8]) for label in labels), labels
        assert labels[0].endswith("一组") and labels[1].endswith("二组"), labels
    else:
        assert sorted(labels) == sorted([stem + "一组", stem + "二组"]), labels


def test_html_isolates_the_roster_name_in_its_title(
    run: Run, week: str, tmp_path: Path, db_path: Path, key_path: Path
) -> None:
    from tuanti_cli.keys import read_key_file
    from tuanti_cli.store import Store

    name = "مدرسة <النور> & 7"
    with Store.open(db_path, read_key_file(key_path)) as store, store.transaction() as conn:
        conn.execute("UPDATE roster SET name = ? WHERE roster_id = ?", (name, week))
    page = html_page(run, week, tmp_path / "rtl.html")
    heading = re.search(r"<h1>(.*?)</h1>", page)
    assert heading is not None
    assert heading.group(1).startswith("<bdi>مدرسة &lt;النور&gt; &amp; 7</bdi> · 7-day report")
    # Text cells take their direction from their own text.
    assert "td.text, td.wrap { unicode-bidi: plaintext; }" in page


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(chromium() is None, reason="Chromium is not installed")
def test_html_renders_in_chromium_on_one_a4_page(run: Run, week: str, tmp_path: Path) -> None:
    """The page as a browser prints it: one A4 sheet for seven days (bench/report.py keeps
    the command that renders it to a picture for a person to look at)."""
    page = tmp_path / "report.html"
    html_page(run, week, page)
    pdf = tmp_path / "report.pdf"
    profile = tmp_path / "profile"
    subprocess.run(
        [
            str(chromium()), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={profile}", "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}", page.as_uri(),
        ],
        check=True, capture_output=True, timeout=120, env={**os.environ, "HOME": str(tmp_path)},
    )  # fmt: skip
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page(?!s)", data)) == 1


@pytest.mark.parametrize(("days", "labelled"), [(7, 7), (30, 11)])
def test_html_labels_values_only_where_dates_are_labelled(days: int, labelled: int) -> None:
    # A 30-day page would run thirty counts and percentages into each other.
    from tuanti_cli.cli.report_html import _bars_svg, _lines_svg

    day = {"members": 4321, "green": 4000, "yellow": 0, "red": 21, "popup": 0, "unknown": 300}
    day |= {"nat_within_policy": 4000, "abnormal": 321, "compliance": 0.9257}
    series = [{"date": f"2022-12-{n + 1:02d}", **day} for n in range(days)]
    bars, lines = _bars_svg(series), _lines_svg(series)
    assert bars.count('text-anchor="middle">4321</text>') == labelled  # not the grid's
    assert lines.count(">92.6%</text>") == labelled  # as the table beside it writes it
    assert bars.count('text-anchor="middle">12-') == labelled


def test_html_compliance_labels_sit_clear_of_both_lines() -> None:
    # A month as a tester's store had it: steep steps, and the two lines meeting on 11-28.
    from tuanti_cli.cli.report_html import LABEL_HEIGHT, _crosses, _lines_svg, _text_width

    compliance = [None] * 19 + [0.448, 0.414, 0.517, 0.483, 0.483, 0.379, 0.345, 0.759,
                                0.483, 0.263, 0.263]  # fmt: skip
    nat = [None] * 19 + [1, 1, 1, 1, 1, 1, 1, 0.759, 0.483, 1, 1]
    days = [
        {"date": f"2026-11-{n + 1:02d}", "members": None if c is None else 1000,
         "compliance": c, "nat_within_policy": None if v is None else round(v * 1000)}
        for n, (c, v) in enumerate(zip(compliance, nat, strict=True))
    ]  # fmt: skip
    svg = _lines_svg(days)
    segments = []
    for points in re.findall(r'<polyline points="([^"]+)"', svg):
        xy = [tuple(map(float, p.split(","))) for p in points.split()]
        segments += [(*a, *b) for a, b in itertools.pairwise(xy)]
    labels = re.findall(r'<text x="([\d.]+)" y="([\d.]+)" fill="[^"]+">([\d.]+%)</text>', svg)
    assert len(labels) >= 4, svg
    for left, base, text in labels:
        x, y = float(left), float(base)
        box = (x, y - LABEL_HEIGHT + 1, x + _text_width(text), y + 1)
        assert not any(_crosses(segment, box) for segment in segments), (text, box)


@pytest.mark.parametrize(
    ("compared", "bands", "labels"),
    [
        ("....xxx", 1, 1),  # the first four days: one band, one label (not four run together)
        ("." * 11 + "xxx", 1, 1),
        ("x.xxx..xxxxxxxxxxxxxxxx" + "." * 7, 3, 1),  # one or two days of thirty: no room
    ],
)
def test_html_marks_each_run_of_days_not_compared_once(
    compared: str, bands: int, labels: int
) -> None:
    # At 14 days a "not compared" label per day ran into its neighbours, unreadable.
    from tuanti_cli.cli.report_html import _bars_svg, _lines_svg

    day = {"members": 8, "green": 8, "yellow": 0, "red": 0, "popup": 0, "unknown": 0}
    day |= {"nat_within_policy": 8, "abnormal": 0, "compliance": 1.0}
    none = dict.fromkeys(day)
    series = [
        {"date": f"2022-11-{n + 1:02d}", **(day if c == "x" else none)}
        for n, c in enumerate(compared)
    ]
    for svg in (_bars_svg(series), _lines_svg(series)):
        assert svg.count("<title>not compared</title>") == bands
        assert svg.count(">not compared</text>") == labels


def test_html_departments_come_in_tables_that_fit_the_page() -> None:
    # A 30-day table of departments ran off the page, and its last (newest) days were cut.
    from tuanti_cli.cli.report_html import DAYS_PER_TABLE, _departments

    series = [{"date": f"2022-11-{n + 1:02d}", "compliance": n / 30} for n in range(30)]
    html = _departments({"很长的部门名称" * 7: series, "二部": series})
    tables = html.split("</table>")[:-1]
    assert len(tables) == 3
    heads = [re.findall(r"<th>([^<]*)</th>", table)[1:] for table in tables]
    assert [len(h) for h in heads] == [DAYS_PER_TABLE] * 3
    assert [day for head in heads for day in head] == [d["date"][5:] for d in series]
    assert html.count('<td class="text wrap">很长的部门名称') == 3  # a long name wraps


def test_days_before_the_first_comparison_are_not_rebuilt(
    run: Run, week: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing was compared before 2022-12-01 09:00: those days say so without reading the
    history (a new million-member roster's first report spent seconds on each)."""
    from tuanti_cli import report

    counted: list[dt.date] = []
    real = report._counted

    def spy(store: Any, roster: Any, dates: list[dt.date], *rest: Any) -> Any:
        counted.extend(dates)
        return real(store, roster, dates, *rest)

    monkeypatch.setattr(report, "_counted", spy)
    result = run("report", week, "--as-of", "2022-12-02 12:00", "--days", "7", "--format", "json")
    assert result.exit_code == 0, result.output
    days = json.loads(result.stdout)["days"]
    assert [d["date"] for d in days if d["members"] is None] == [
        f"2022-11-{n}" for n in range(26, 31)
    ]
    assert days[-2:] == [expected_day("2022-12-01"), days[-1]] and days[-1]["members"] == 5
    assert counted and min(counted) >= dt.date(2022, 12, 1)
