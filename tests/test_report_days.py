"""The counts of closed days that the report keeps (report_days.py, migration 0006): a kept
day is always what counting it again from history gives, each write forgets exactly the
days it can change, and a report that finds its days kept counts nothing again."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Run
from tests.helpers import make_id, make_phone
from tests.test_report import create_roster, reference, write_day_feed, write_enrolment
from tuanti_cli import clock, history, report, rosters
from tuanti_cli.keys import read_key_file
from tuanti_cli.models import Roster
from tuanti_cli.store import Store

TODAY = clock.local_date(clock.now())
DAYS = [TODAY - dt.timedelta(days=n) for n in range(8, 0, -1)]  # the 8 days before today
PEOPLE = [  # name, department, region
    ("甲", "销售部", "110101"),
    ("乙", "销售部", "310101"),
    ("丙", "研发部", "440301"),
    ("丁", None, "510101"),
]
IDS = {p[0]: make_id(p[2], dt.date(1981 + i, 2 + i, 3 + i), 40 + i) for i, p in enumerate(PEOPLE)}


def at(day: dt.date, time: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(time), clock.SHANGHAI)


def write_feed(folder: Path, n: int) -> Path:
    """Day ``n``'s feed: 甲 sampled daily; 乙 once, on the first day (ages past the 2-day
    policy); 丙 red on days 3 and 4; 丁 missing on odd days."""
    day = DAYS[n]
    rows = [("甲", "绿码", f"{day} 08:00"), ("乙", "绿码", f"{DAYS[0]} 08:00")]
    rows.append(("丙", "红码" if n in (3, 4) else "绿码", f"{day} 08:00"))
    if n % 2 == 0:
        rows.append(("丁", "绿码", f"{day} 08:00"))
    feed = [(name, IDS[name], code, sampled) for name, code, sampled in rows]
    return write_day_feed(folder / f"feed-{n}.csv", feed)


def refresh(run: Run, folder: Path, n: int, time: str = "09:00", day: int | None = None) -> None:
    """Refresh with day ``n``'s feed, compared on day ``day`` (default ``n``) at ``time``."""
    when = DAYS[n if day is None else day]
    result = run("refresh", "--feed", str(write_feed(folder, n)), "--as-of", f"{when} {time}")
    assert result.exit_code == 0, result.output


@pytest.fixture
def roster(run: Run, store_ready: None, tmp_path: Path) -> str:
    """Four members (policy: NAT within 2 days) refreshed on the first five of the 8 days."""
    roster_id = create_roster(run, "留存测试", 2)
    people = [(n, IDS[n], make_phone(800 + i), d) for i, (n, d, _) in enumerate(PEOPLE)]
    enrol = write_enrolment(tmp_path / "people.csv", people)
    assert run("enroll", "import", roster_id, str(enrol)).exit_code == 0
    for n in range(5):
        refresh(run, tmp_path, n)
    return roster_id


@pytest.fixture
def store(db_path: Path, key_path: Path, roster: str) -> Iterator[Store]:
    with Store.open(db_path, read_key_file(key_path)) as opened:
        yield opened


class Counting:
    """Records the days each report counts from history (instead of reading them kept)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.dates: list[dt.date] = []
        original = report._from_history

        def spy(store: Store, roster: Roster, dates: list[dt.date], *rest: Any) -> Any:
            self.dates += dates
            return original(store, roster, dates, *rest)

        monkeypatch.setattr(report, "_from_history", spy)

    def take(self) -> list[dt.date]:
        dates, self.dates = self.dates, []
        return dates


def kept_days(store: Store, roster_id: str) -> list[str]:
    rows = store.query("SELECT DISTINCT day FROM report_day WHERE roster_id = ?", (roster_id,))
    return sorted(day for (day,) in rows)


def check(store: Store, roster_id: str, as_of: dt.datetime, days: int = 8) -> report.Report:
    """The report of ``roster_id`` as built (reading kept days) equals the one counted
    afresh, and its totals equal the member-by-member rebuild of test_report."""
    roster = rosters.get_roster(store, roster_id)
    built = report.build(store, roster, as_of, days, by_department=True)
    store.conn.execute("DELETE FROM report_day WHERE roster_id = ?", (roster_id,))
    afresh = report.build(store, roster, as_of, days, by_department=True)
    assert built.as_json() == afresh.as_json()
    counts = [{k: v for k, v in day.items() if k != "compliance"} for day in built.days]
    assert counts == reference(store, roster, as_of, days)
    return built


def test_a_report_counts_no_closed_day_again(
    store: Store, roster: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each day's first refresh kept the day before: a first report finds them kept.
    assert kept_days(store, roster) == [str(day) for day in DAYS[:4]]
    counting = Counting(monkeypatch)
    as_of = at(DAYS[4], "18:00")
    first = report.build(store, rosters.get_roster(store, roster), as_of, 5)
    # Members enrolled today (after as_of) keep the last day out of the view's counts.
    assert counting.take() == [DAYS[4]]
    # With nothing kept (as after a withdrawal), the report counts and keeps the days.
    store.conn.execute("DELETE FROM report_day")
    again = report.build(store, rosters.get_roster(store, roster), as_of, 5)
    assert counting.take() == DAYS[:5]  # the closed days in one pass, then the last day
    assert kept_days(store, roster) == [str(day) for day in DAYS[:4]]
    assert again.as_json() == first.as_json()
    assert report.build(store, rosters.get_roster(store, roster), as_of, 5).as_json() == (
        first.as_json()
    )
    assert counting.take() == [DAYS[4]]
    check(store, roster, as_of, 5)


def test_the_last_day_is_the_views_counts_when_nothing_later_was_compared(
    store: Store, roster: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    counting = Counting(monkeypatch)
    end_of_today = at(TODAY, "23:59:59")
    built = check(store, roster, end_of_today)
    counting.take()
    assert report.build(store, rosters.get_roster(store, roster), end_of_today, 8).days == (
        built.days
    )
    assert counting.take() == []  # every closed day kept, the last one from the view
    # The last feed was four days ago: today every NAT is over the 2-day policy.
    assert (built.days[-1]["nat_within_policy"], built.days[-1]["abnormal"]) == (0, 4)


def test_each_write_forgets_the_days_it_can_change(
    run: Run, store: Store, roster: str, tmp_path: Path
) -> None:
    as_of = at(DAYS[7], "18:00")
    all_days = [str(day) for day in DAYS[:7]]
    check(store, roster, as_of)
    assert kept_days(store, roster) == all_days
    other = json.loads(
        run("roster", "create", "--name", "另一个", "--address", "上海", "--format", "json").stdout
    )["roster_id"]
    report.build(store, rosters.get_roster(store, other), as_of, 8)
    assert kept_days(store, other) == all_days

    refresh(run, tmp_path, 5)  # compared on day 5: days 5 and later, of every roster
    assert kept_days(store, roster) == kept_days(store, other) == all_days[:5]
    report.build(store, rosters.get_roster(store, other), as_of, 8)
    check(store, roster, as_of)

    late = tmp_path / "late.csv"  # enrolled today: no closed day before today changes
    late.write_text(f"name,id_number,phone,consent\n戊,{make_id('330101')},13900000777,是\n")
    assert run("enroll", "import", roster, str(late)).exit_code == 0
    assert kept_days(store, roster) == all_days
    check(store, roster, as_of)

    moved = tmp_path / "moved.csv"  # a department changes: every day of the roster
    moved.write_text(
        f"name,id_number,phone,department,consent\n甲,{IDS['甲']},{make_phone(800)},研发部,是\n"
    )
    assert run("enroll", "import", roster, str(moved)).exit_code == 0
    assert kept_days(store, roster) == []
    assert kept_days(store, other) == all_days
    check(store, roster, as_of)

    unchanged = tmp_path / "same.csv"  # the same department again forgets nothing
    unchanged.write_text(moved.read_text(encoding="utf-8"), encoding="utf-8")
    assert run("enroll", "import", roster, str(unchanged)).exit_code == 0
    assert kept_days(store, roster) == all_days

    assert run("member", "withdraw", roster, "M0002", "--yes").exit_code == 0
    assert kept_days(store, roster) == []
    check(store, roster, as_of)

    assert run("roster", "delete", other, "--yes").exit_code == 0
    assert query_kept(store) == {roster}


def query_kept(store: Store) -> set[str]:
    return {roster for (roster,) in store.query("SELECT DISTINCT roster_id FROM report_day")}


def test_a_run_back_in_time_turns_keeping_off(
    run: Run, store: Store, roster: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    as_of = at(DAYS[7], "18:00")
    check(store, roster, as_of)
    assert history.in_time_order(store.conn)
    refresh(run, tmp_path, 3, day=1)  # day 3's feed, compared back on day 1 (after day 4's)
    assert not history.in_time_order(store.conn)
    assert query_kept(store) == set()  # what was kept goes: it would never be read again
    counting = Counting(monkeypatch)
    check(store, roster, as_of)
    assert kept_days(store, roster) == []  # out of order, nothing is kept or read
    assert len(counting.take()) == 2 * 8


def test_a_purge_forgets_the_days_of_the_points_it_deletes(
    run: Run, store: Store, roster: str, tmp_path: Path
) -> None:
    as_of = at(DAYS[7], "18:00")
    check(store, roster, as_of)
    # Runs 1-3 (days 0-2) started over 30 days ago: the points they superseded go.
    store.conn.execute(
        "UPDATE run SET started_at = '2000-01-01T00:00:00+08:00' WHERE compared_at < ?",
        (str(DAYS[3]),),
    )
    with store.transaction() as conn:
        assert history.purge(conn, clock.now()) > 0
    assert kept_days(store, roster) == [str(day) for day in DAYS[3:7]]
    check(store, roster, as_of)


def test_a_busy_store_still_gets_its_report_and_keeps_nothing(
    store: Store, roster: str, db_path: Path, key_path: Path
) -> None:
    as_of = at(DAYS[7], "18:00")
    expected = check(store, roster, as_of)
    store.conn.execute("DELETE FROM report_day")
    store.conn.execute("PRAGMA busy_timeout = 50")
    with Store.open(db_path, read_key_file(key_path)) as writer, writer.transaction():
        built = report.build(store, rosters.get_roster(store, roster), as_of, 8, True)
        assert built.as_json() == expected.as_json()
    assert kept_days(store, roster) == []


def test_migration_0006_dates_earlier_runs_from_their_change_points(
    store: Store, roster: str, db_path: Path, key_path: Path
) -> None:
    runs = store.query("SELECT run_id, compared_at FROM run ORDER BY run_id")
    assert [c for _, c in runs] == [clock.iso(at(day, "09:00")) for day in DAYS[:5]]
    with store.transaction() as conn:  # the store as 0005 left it, with a run of no points
        conn.execute("INSERT INTO run (started_at, feed_hash) VALUES ('2022-12-01', 'x')")
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'report_day%'"
        ).fetchall():
            conn.execute(f"DROP TRIGGER {name}")
        conn.execute("DROP TABLE report_day")
        conn.execute("ALTER TABLE run DROP COLUMN compared_at")
        conn.execute("DELETE FROM migrations WHERE name = '0006_report_days'")
    store.close()
    with Store.open(db_path, read_key_file(key_path)) as migrated:
        dated = migrated.query("SELECT run_id, compared_at FROM run ORDER BY run_id")
        assert dated == [*runs, (runs[-1][0] + 1, None)]
        assert history.in_time_order(migrated.conn)
        check(migrated, roster, at(DAYS[7], "18:00"))


def test_the_days_first_refresh_keeps_the_days_since_the_previous_run(
    run: Run, store: Store, roster: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = json.loads(
        run(
            "roster", "create", "--name", "另一个登记簿", "--address", "上海", "--format", "json"
        ).stdout
    )["roster_id"]
    counting = Counting(monkeypatch)
    report.build(store, rosters.get_roster(store, roster), at(DAYS[4], "18:00"), 5)
    assert kept_days(store, roster) == [str(day) for day in DAYS[:4]]
    counting.take()
    late = tmp_path / "late.csv"  # enrolled today, so on none of the days kept
    late.write_text(f"name,id_number,phone,consent\n戊,{make_id('330101')},13900000777,是\n")
    assert run("enroll", "import", roster, str(late)).exit_code == 0
    # Three days without a run, then today's first: days 4-7 are each member's record.
    feed = write_feed(tmp_path, 7)
    result = run("refresh", "--feed", str(feed), "--as-of", f"{TODAY} 00:00:01")
    assert result.exit_code == 0, result.output
    assert kept_days(store, roster) == [str(day) for day in DAYS]
    assert kept_days(store, other) == [str(day) for day in DAYS[4:]]  # every roster run
    assert counting.take() == []  # from the health records, not from history
    end_of_today = at(TODAY, "23:59:59")
    built = report.build(store, rosters.get_roster(store, roster), end_of_today, 9)
    assert counting.take() == []
    assert check(store, roster, end_of_today, 9).days == built.days
    # A second run the same day keeps nothing more (and forgets nothing before today).
    assert (
        run(
            "refresh", "--feed", str(write_feed(tmp_path, 6)), "--as-of", f"{TODAY} 00:00:02"
        ).exit_code
        == 0
    )
    assert kept_days(store, roster) == [str(day) for day in DAYS]


def test_only_days_ended_by_the_real_clock_are_kept(store: Store, roster: str) -> None:
    # Later enrolments are stamped by the real clock, so they change no kept day.
    ahead = at(TODAY + dt.timedelta(days=2), "12:00")
    check(store, roster, ahead, 11)
    assert kept_days(store, roster) == [str(day) for day in DAYS]  # not today, nor tomorrow


def test_a_member_first_compared_after_as_of_is_uncompared_until_then(
    run: Run, store: Store, roster: str, tmp_path: Path
) -> None:
    late = tmp_path / "late.csv"
    late.write_text(f"name,id_number,phone,consent\n戊,{make_id('330101')},13900000777,是\n")
    assert run("enroll", "import", roster, str(late)).exit_code == 0
    tomorrow = TODAY + dt.timedelta(days=1)
    result = run("refresh", "--feed", str(write_feed(tmp_path, 6)), "--as-of", f"{tomorrow} 09:00")
    assert result.exit_code == 0, result.output
    built = check(store, roster, at(TODAY, "23:59:59"), 9)
    assert (built.days[-1]["members"], built.days[-1]["unknown"]) == (5, 1)
    check(store, roster, at(tomorrow, "12:00"), 10)


def test_days_since_the_last_run_are_counted_from_the_records(
    store: Store, roster: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Runs on days 0-4; days 4-6 forgotten (as a withdrawal would): the members' records are
    # their state on each of them, so only the last day (members enrolled after it) needs
    # history, and the counts are what counting afresh and the plain rebuild give.
    as_of = at(DAYS[7], "18:00")
    store.conn.execute("DELETE FROM report_day WHERE day >= ?", (str(DAYS[4]),))
    counting = Counting(monkeypatch)
    built = report.build(store, rosters.get_roster(store, roster), as_of, 8, True)
    assert counting.take() == [DAYS[7]]
    assert check(store, roster, as_of).as_json() == built.as_json()
