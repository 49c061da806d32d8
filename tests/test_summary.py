"""`tuanti summary`: compliance per roster and per department (PRODUCT §8), counted in SQL
with exactly the view's rules."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

from openpyxl import load_workbook
from rich.cells import cell_len

from tests.conftest import Run
from tests.test_view import AS_OF, PEOPLE, full_roster, records, set_departments

__all__ = ["full_roster"]  # the fixture, shared with test_view

ROSTER_KEYS = [
    "roster_id", "name", "members", "green", "yellow", "red", "popup", "unknown",
    "nat_within_policy", "abnormal", "compliance", "last_refresh",
]  # fmt: skip
DEPARTMENT_KEYS = ["department", *ROSTER_KEYS[2:-1]]
PLACES = {"绿一": "销售部", "黄二": "销售部", "旧五": "销售部", "红三": "研发部", "阳六": "研发部"}


def summary(run: Run, *args: str) -> list[dict]:
    result = run("summary", *args, "--format", "json", "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def expected_by_department(run: Run, roster: str) -> dict[str | None, dict]:
    """The counts, from the records and the view's Python rules (not the SQL under test)."""
    from tuanti_cli import clock, view

    moment = dt.datetime(2022, 12, 5, 9, tzinfo=clock.SHANGHAI)
    found: dict[str | None, dict] = {}
    for r in records(run, roster):
        row = found.setdefault(
            r["department"], {k: 0 for k in DEPARTMENT_KEYS[1:-1]} | {"department": r["department"]}
        )
        days = view.nat_days(r["nat_sampled_at"], moment)
        row["members"] += 1
        row[r["health_code"]] += 1
        row["nat_within_policy"] += days is not None and days <= 3
        row["abnormal"] += view.is_abnormal(r["health_code"], r["nat_result"], days, r["flags"], 3)
    for row in found.values():
        row["compliance"] = round((row["members"] - row["abnormal"]) / row["members"], 4)
    return found


def test_by_department_counts_exactly_worst_first(
    run: Run, full_roster: str, db_path: Path, key_path: Path
) -> None:
    set_departments(db_path, key_path, full_roster, PLACES)
    rows = summary(run, full_roster, "--by", "department")
    assert all(list(r) == DEPARTMENT_KEYS for r in rows)
    assert {r["department"]: r for r in rows} == expected_by_department(run, full_roster)
    assert [r["department"] for r in rows] == ["研发部", None, "销售部"]  # ties: none last
    assert [r["compliance"] for r in rows] == [0.0, 0.0, 0.3333]
    sales = rows[2]
    assert (sales["members"], sales["green"], sales["yellow"], sales["abnormal"]) == (3, 2, 1, 2)
    assert sales["nat_within_policy"] == 2  # 旧五's NAT is 7 days old


def test_nat_days_at_the_policy_edge_follow_the_view(run: Run, full_roster: str) -> None:
    # 旧五 sampled 2022-11-28: 3 days over on 12-01, within on 11-30 … the view decides.
    for as_of in ("2022-12-01 00:00", "2022-12-01 23:59", "2022-12-02 00:00", "2022-11-27 09:00"):
        shown = run("show", full_roster, "--format", "json", "--as-of", as_of)
        kept = json.loads(shown.stdout)
        result = run("summary", full_roster, "--format", "json", "--as-of", as_of)
        (row,) = json.loads(result.stdout)
        assert row["abnormal"] == sum(r["abnormal"] for r in kept), as_of
        assert row["nat_within_policy"] == sum(
            r["nat_days"] is not None and r["nat_days"] <= 3 for r in kept
        ), as_of


def test_one_row_per_roster_and_an_empty_roster_last(run: Run, full_roster: str) -> None:
    created = run("roster", "create", "--name", "空的单位", "--address", "上海", "--format", "json")
    empty = json.loads(created.stdout)["roster_id"]
    rows = summary(run)
    assert [list(r) for r in rows] == [ROSTER_KEYS, ROSTER_KEYS]
    assert [r["roster_id"] for r in rows] == [full_roster, empty]
    first, last = rows
    assert first["members"] == len(PEOPLE) and first["abnormal"] == len(PEOPLE) - 1
    assert first["compliance"] == 0.1 and first["last_refresh"] is not None
    assert last["members"] == 0 and last["compliance"] is None
    # created after the store-wide run, which never compared it
    assert last["last_refresh"] is None
    listed = json.loads(run("roster", "list", "--format", "json").stdout)
    refreshed = {r["roster_id"]: r["last_refresh"] for r in listed}
    assert refreshed == {full_roster: first["last_refresh"], empty: None}
    assert summary(run, full_roster) == [first]  # a roster without --by: its own row


def test_csv_xlsx_and_the_table(run: Run, full_roster: str, tmp_path: Path) -> None:
    as_json = summary(run)
    text = run("summary", "--format", "csv", "--as-of", AS_OF).stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == ROSTER_KEYS and rows[0]["compliance"] == "0.1"
    book = tmp_path / "summary.xlsx"
    made = run(
        "summary", full_roster, "--by", "department", "--format", "xlsx", "--output", str(book),
        "--as-of", AS_OF,
    )  # fmt: skip
    assert made.exit_code == 0 and book.stat().st_mode & 0o777 == 0o600
    header, *cells = load_workbook(book, read_only=True).worksheets[0].iter_rows(values_only=True)
    assert list(header) == DEPARTMENT_KEYS
    (only,) = summary(run, full_roster, "--by", "department")
    assert cells == [tuple(only.values())] == [(None, 10, 3, 1, 1, 1, 4, 5, 9, 0.1)]
    out = tmp_path / "summary.csv"
    assert run("summary", "--format", "csv", "--output", str(out)).exit_code == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    table = run("summary", "--as-of", AS_OF).stdout
    assert "10.0%" in table and as_json[0]["roster_id"] in table
    # --output writes the table standard output shows (it wrote tab-separated text): at its
    # natural width, no terminal to fit, and no colour; 0600
    written = tmp_path / "summary.txt"
    assert run("summary", "--as-of", AS_OF, "--output", str(written)).exit_code == 0
    text = written.read_text(encoding="utf-8")
    assert "\t" not in text and "\x1b" not in text
    lines = text.splitlines()
    assert len({cell_len(line) for line in lines}) == 1  # one table, each line full width
    words = [cell.strip() for cell in lines[1].strip("┃").split("┃")]
    assert words[:3] == ["Roster", "Institution", "Members"] and words[-1] == "Last refresh"
    assert as_json[0]["roster_id"] in text and "10.0%" in text
    assert written.stat().st_mode & 0o777 == 0o600
    zh = run("--lang", "zh", "summary", full_roster, "--by", "department", "--as-of", AS_OF).stdout
    assert "（无部门）" in zh and "合规率" in zh


def test_misuse_and_errors(run: Run, full_roster: str, tmp_path: Path) -> None:
    lone = run("summary", "--by", "department")
    assert lone.exit_code == 2 and "needs a ROSTER" in lone.stderr
    assert run("summary", full_roster, "--by", "team").exit_code == 2
    assert run("summary", "--format", "yaml").exit_code == 2
    unknown = run("summary", "NOSUCHROSTER", "--by", "department")
    assert unknown.exit_code == 1 and "NOSUCHROSTER" in unknown.stderr
    workbook = run("summary", "--format", "xlsx")
    assert workbook.exit_code == 1 and "--output" in workbook.stderr
    bad_time = run("summary", "--as-of", "soon")
    assert bad_time.exit_code == 1 and "--as-of" in bad_time.stderr
    store = Path(str(tmp_path / "store" / "tuanti.db"))
    onto_store = run("summary", "--format", "csv", "--output", str(store))
    assert onto_store.exit_code == 1


def test_summary_is_audited(run: Run, full_roster: str) -> None:
    summary(run, full_roster, "--by", "department")
    summary(run)
    entries = [e for e in json.loads(run("audit", "--format", "json").stdout)]
    reads = [e for e in entries if e["action"] == "summary"]
    assert [e["roster"] for e in reads] == [full_roster, None]
    assert reads[0]["detail"] == {"by": "department", "format": "json", "members": 10, "rows": 1}
    assert reads[1]["detail"] == {"format": "json", "members": 10, "rows": 1}


def test_roster_list_counts_in_sql(run: Run, full_roster: str) -> None:
    (listed,) = json.loads(run("roster", "list", "--format", "json").stdout)
    assert listed["members"] == len(PEOPLE)
    now = json.loads(run("show", full_roster, "--format", "json").stdout)
    assert listed["abnormal"] == sum(r["abnormal"] for r in now)
