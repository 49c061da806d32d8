"""History as change points (issue #12): it grows with changes, not members × refreshes;
``changes`` and ``refresh --quiet`` name departments; states rebuilt at a moment stream."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len

from tests import rebuild
from tests.conftest import Run
from tests.helpers import person_name, query
from tests.test_refresh import (
    AS_OF,
    enroll,
    green_row,
    new_id,
    refresh_json,
    show,
    write_feed,
)
from tuanti_cli import clock, compare, history
from tuanti_cli.keys import read_key_file
from tuanti_cli.store import Store

MEMBERS = 2000


def store_bytes(db_path: Path) -> int:
    return sum(path.stat().st_size for path in (db_path, Path(f"{db_path}-wal")) if path.exists())


def history_rows(db_path: Path, key_path: Path) -> list[Any]:
    return query(db_path, key_path, "SELECT * FROM health_history ORDER BY id")


def set_department(db_path: Path, key_path: Path, member_no: str, department: str) -> None:
    with Store.open(db_path, read_key_file(key_path)) as store, store.transaction() as conn:
        conn.execute(
            "UPDATE member SET department = ? WHERE member_no = ?", (department, member_no)
        )


def moment(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=clock.SHANGHAI)


def test_a_refresh_that_changes_nothing_writes_no_history_and_hardly_grows_the_store(
    run: Run, roster_id: str, tmp_path: Path, db_path: Path, key_path: Path
) -> None:
    people = [(person_name(i), new_id()) for i in range(MEMBERS)]
    enroll(run, roster_id, tmp_path, people)
    rows = [green_row(name, number) for name, number in people]
    assert refresh_json(run, write_feed(tmp_path / "a.csv", rows))["changed"] == MEMBERS
    before, size = history_rows(db_path, key_path), store_bytes(db_path)
    assert len(before) == MEMBERS  # the first comparison of each
    # The same content in other bytes (rows shuffled, a stranger added): not skipped.
    shuffled = rows[:]
    random.Random(3).shuffle(shuffled)
    stranger = green_row("陌生人", new_id())
    records = query(db_path, key_path, "SELECT * FROM health ORDER BY member_id")
    later = "2022-12-05 15:00"
    report = refresh_json(run, write_feed(tmp_path / "b.csv", [*shuffled, stranger]), later)
    assert report["skipped"] is False and report["changed"] == 0
    assert history_rows(db_path, key_path) == before
    # Nothing is written per member: not even a stamp on each health record.
    assert query(db_path, key_path, "SELECT * FROM health ORDER BY member_id") == records
    assert store_bytes(db_path) <= size * 1.02
    # Yet everyone shows as compared by the later run.
    shown = {record["compared_at"] for record in show(run, roster_id, later)}
    assert shown == {"2022-12-05T15:00:00+08:00"}


def test_only_members_who_changed_get_a_change_point(
    run: Run, roster_id: str, tmp_path: Path, db_path: Path, key_path: Path
) -> None:
    people = [(person_name(i), new_id()) for i in range(4)]
    enroll(run, roster_id, tmp_path, people)
    rows = [green_row(name, number) for name, number in people]
    refresh_json(run, write_feed(tmp_path / "a.csv", rows))
    rows[1] = {**rows[1], "health_code": "red"}
    rows[2] = {**rows[2], "nat_sampled_at": "2022-12-05 08:00"}
    rows[3] = {**rows[3], "vaccine_doses": "4"}
    report = refresh_json(run, write_feed(tmp_path / "b.csv", rows))
    assert report["changed"] == 3
    counts = query(
        db_path,
        key_path,
        "SELECT m.name, count(*) FROM health_history h JOIN member m ON m.id = h.member_id"
        " GROUP BY m.name",
    )
    assert dict(counts) == {people[0][0]: 1, people[1][0]: 2, people[2][0]: 2, people[3][0]: 2}


def test_change_points_are_copied_batch_by_batch_and_chained(
    run: Run,
    roster_id: str,
    tmp_path: Path,
    db_path: Path,
    key_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(compare, "CHUNK", 3)  # batches of three: most with no change
    people = [(person_name(i), new_id()) for i in range(10)]
    enroll(run, roster_id, tmp_path, people)
    rows = [green_row(name, number) for name, number in people]
    refresh_json(run, write_feed(tmp_path / "a.csv", rows))
    for i in (1, 8, 9):  # in the first batch, and the last two (the last one short)
        rows[i] = {**rows[i], "health_code": "red"}
    assert refresh_json(run, write_feed(tmp_path / "b.csv", rows))["changed"] == 3
    (latest,) = query(db_path, key_path, "SELECT max(run_id) FROM run")[0]
    points = query(
        db_path,
        key_path,
        "SELECT m.name, p.health_code, p.previous_id IS NOT NULL, h.point_id = p.id"
        " FROM health_history p JOIN member m ON m.id = p.member_id"
        " JOIN health h ON h.member_id = p.member_id WHERE p.run_id = ? ORDER BY p.id",
        (latest,),
    )
    assert [tuple(p) for p in points] == [(people[i][0], "red", 1, 1) for i in (1, 8, 9)]
    # Everyone else's record still points at their first (and only) point.
    unchanged = query(
        db_path,
        key_path,
        "SELECT count(*) FROM health h JOIN health_history p ON p.id = h.point_id"
        " WHERE p.run_id < ? AND p.previous_id IS NULL",
        (latest,),
    )
    assert unchanged[0][0] == 7


def test_changes_name_departments_and_see_a_nat_ageing_past_the_policy(
    run: Run, roster_id: str, tmp_path: Path, db_path: Path, key_path: Path
) -> None:
    people = [("张三", new_id()), ("李四", new_id()), ("王五", new_id())]
    enroll(run, roster_id, tmp_path, people)
    set_department(db_path, key_path, "M0001", "财务部")
    rows = [green_row(name, number) for name, number in people]
    refresh_json(run, write_feed(tmp_path / "a.csv", rows))
    # Four days later the same results (new bytes): their NAT is now past the policy.
    rows[1] = {**rows[1], "health_code": "yellow"}
    refresh_json(run, write_feed(tmp_path / "b.csv", rows[::-1]), "2022-12-09 09:00")
    found = json.loads(run("changes", roster_id, "--format", "json").stdout)
    assert [c["name"] for c in found] == ["张三", "李四", "王五"]
    assert list(found[0]) == ["member_no", "name", "department", "before", "after"]
    assert found[0]["department"] == "财务部" and found[1]["department"] is None
    assert found[0]["before"] == {"abnormal": False} and found[0]["after"] == {"abnormal": True}
    assert found[1]["after"] == {"health_code": "yellow", "abnormal": True}
    table = run("changes", roster_id, env={"COLUMNS": "200"}).stdout
    assert "财务部" in table
    # A narrow terminal: the last column folds between its changes, under itself.
    narrow = run("changes", roster_id, env={"COLUMNS": "60"}).stdout.splitlines()
    assert max(map(cell_len, narrow)) <= 60
    (first,) = [i for i, line in enumerate(narrow) if line.startswith("M0002")]
    column = narrow[0].index("Change")  # an English header: one cell a character
    below = narrow[first + 1]
    assert below[:column].strip() == "" and below[column] != " "
    folded = narrow[first][narrow[first].index("health code") :] + " " + below.strip()
    wide = next(line for line in table.splitlines() if line.startswith("M0002"))
    assert folded == wide[wide.index("health code") :].strip()


def test_changes_compares_the_last_two_runs_covering_the_roster(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    number = new_id()
    enroll(run, roster_id, tmp_path, [("张三", number)])
    assert run("changes", roster_id, "--format", "json").stdout.strip() == "[]"
    refresh_json(run, write_feed(tmp_path / "a.csv", [green_row("张三", number)]))
    red = {**green_row("张三", number), "health_code": "red"}
    refresh_json(run, write_feed(tmp_path / "b.csv", [red]))
    (change,) = json.loads(run("changes", roster_id, "--format", "json").stdout)
    assert change["after"] == {"health_code": "red", "abnormal": True}
    # A third run that changes nothing for anyone: nobody changed between the last two.
    refresh_json(run, write_feed(tmp_path / "c.csv", [red, green_row("陌生人", new_id())]))
    assert json.loads(run("changes", roster_id, "--format", "json").stdout) == []
    assert "Nobody changed" in run("changes", roster_id).stderr


def test_quiet_names_the_department_of_the_newly_abnormal(
    run: Run, roster_id: str, tmp_path: Path, db_path: Path, key_path: Path
) -> None:
    people = [("张三", new_id()), ("李四", new_id())]
    enroll(run, roster_id, tmp_path, people)
    set_department(db_path, key_path, "M0001", "一班")
    rows = [{**green_row(name, number), "health_code": "red"} for name, number in people]
    feed = write_feed(tmp_path / "a.csv", rows)
    result = run("refresh", "--feed", str(feed), "--as-of", AS_OF, "--quiet")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    assert "M0001 张三 一班 " in lines[1] and "M0002 李四 " in lines[2]


def test_batches_give_the_same_result_as_one(
    run: Run,
    roster_id: str,
    tmp_path: Path,
    db_path: Path,
    key_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(compare, "CHUNK", 3)
    monkeypatch.setattr(compare, "LISTED", 2)
    people = [(person_name(i), new_id()) for i in range(10)]
    enroll(run, roster_id, tmp_path, people)
    rows = [{**green_row(name, number), "health_code": "red"} for name, number in people]
    rows[4] = {**rows[4], "nat_sampled_at": "soon"}
    rows[5] = {**rows[5], "nat_sampled_at": "later"}
    rows[6] = {**rows[6], "nat_sampled_at": "never"}
    with Store.open(db_path, read_key_file(key_path)) as store:
        result = compare.refresh(store, write_feed(tmp_path / "a.csv", rows), moment(AS_OF))
    assert (result.matched, result.bad_rows, len(result.bad)) == (7, 3, 2)
    assert (result.newly_abnormal_count, len(result.newly_abnormal)) == (10, 2)
    assert result.newly_abnormal[0]["department"] is None
    assert len(history_rows(db_path, key_path)) == 10
    health = query(db_path, key_path, "SELECT count(*), count(DISTINCT run_id) FROM health")
    assert tuple(health[0]) == (10, 1)


def test_timelines_stream_each_members_state_from_the_change_points(
    run: Run, roster_id: str, tmp_path: Path, db_path: Path, key_path: Path
) -> None:
    people = [(person_name(i), new_id()) for i in range(3)]
    enroll(run, roster_id, tmp_path, people)
    set_department(db_path, key_path, "M0002", "二班")
    rows = [green_row(name, number) for name, number in people[:2]]
    refresh_json(run, write_feed(tmp_path / "a.csv", rows), "2022-12-05 09:00")
    rows[0] = {**rows[0], "health_code": "red"}
    refresh_json(run, write_feed(tmp_path / "b.csv", rows), "2022-12-07 09:00")
    moments = [moment(m) for m in ("2022-12-04 23:59", "2022-12-06 23:59", "2022-12-08 23:59")]
    with Store.open(db_path, read_key_file(key_path)) as store:
        timelines = list(rebuild.timelines(store.conn, roster_id, moments, chunk=1))
        at = [
            (t.member, t.states[0]) for t in rebuild.timelines(store.conn, roster_id, moments[1:2])
        ]
        assert list(rebuild.timelines(store.conn, roster_id, [])) == []
    assert [t.member.member_no for t in timelines] == ["M0001", "M0002", "M0003"]
    first, second, third = timelines
    assert first.states[0] is None
    assert [s.health_code if s else None for s in first.states] == [None, "green", "red"]
    assert second.member.department == "二班" and second.member.max_nat_days == 3
    assert [s.compared_at if s else None for s in second.states] == [
        None,
        "2022-12-05T09:00:00+08:00",
        "2022-12-05T09:00:00+08:00",
    ]
    # 王 was in neither feed: not found, flagged, at each run (one change point).
    assert third.states[2] is not None and third.states[2].flag_list == ["not_found"]
    assert [(m.member_no, s.health_code if s else None) for m, s in at] == [
        ("M0001", "green"),
        ("M0002", "green"),
        ("M0003", "unknown"),
    ]


def test_purge_keeps_each_members_baseline_and_does_its_work_once(
    run: Run, roster_id: str, tmp_path: Path, db_path: Path, key_path: Path
) -> None:
    number = new_id()
    enroll(run, roster_id, tmp_path, [("张三", number)])
    for code in ("green", "yellow", "red"):
        row = {**green_row("张三", number), "health_code": code}
        refresh_json(run, write_feed(tmp_path / f"{code}.csv", [row]))
    with Store.open(db_path, read_key_file(key_path)) as store, store.transaction() as conn:
        later = clock.now() + dt.timedelta(days=31)
        assert history.purge(conn, later) == 2  # green and yellow; red is the baseline
        assert history.purge(conn, later) == 0
        assert history.purge(conn, clock.now()) == 0  # nothing is 30 days old yet
    codes = query(db_path, key_path, "SELECT health_code FROM health_history")
    assert [row[0] for row in codes] == ["red"]


def unreachable(db_path: Path, key_path: Path) -> list[Any]:
    """History rows that no member's chain reaches from their health record."""
    return query(
        db_path,
        key_path,
        history.chain_of("SELECT member_id FROM health")
        + "SELECT id, member_id FROM health_history WHERE id NOT IN (SELECT id FROM chain)",
    )


def test_every_point_is_on_its_members_chain_and_erasure_walks_it_whole(
    run: Run, roster_id: str, tmp_path: Path, db_path: Path, key_path: Path
) -> None:
    people = [(person_name(i), new_id()) for i in range(4)]
    enroll(run, roster_id, tmp_path, people)
    codes = ("green", "yellow", "red", "green", "yellow")
    for day, code in enumerate(codes, 1):
        rows = [
            {**green_row(n, i, f"2022-12-0{day} 07:00"), "health_code": code}
            for n, i in people[: 2 + day % 3]
        ]
        refresh_json(run, write_feed(tmp_path / f"day{day}.csv", rows), f"2022-12-0{day} 09:00")
    assert unreachable(db_path, key_path) == []
    points = query(db_path, key_path, "SELECT id, member_id, previous_id FROM health_history")
    for member in {m for _, m, _ in points}:  # each chain in run order, from no previous
        chain = sorted((i, p) for i, m, p in points if m == member)
        assert [p for _, p in chain] == [None, *(i for i, _ in chain[:-1])]
    heads = query(db_path, key_path, "SELECT member_id, point_id FROM health")
    assert {m: p for m, p in heads} == {m: max(i for i, n, _ in points if n == m) for m, _ in heads}

    (second,) = query(db_path, key_path, "SELECT id FROM member WHERE member_no = 'M0002'")[0]
    assert len([m for _, m, _ in points if m == second]) == 5  # a code a day
    assert run("member", "withdraw", roster_id, "M0002", "--yes").exit_code == 0
    left = query(db_path, key_path, "SELECT member_id FROM health_history")
    assert second not in {m for (m,) in left} and len(left) == len(points) - 5
    # A purge leaves each chain's baseline pointing at a deleted point; the chains still
    # reach every point kept, and a withdrawal still erases every one of its member's.
    with Store.open(db_path, read_key_file(key_path)) as store, store.transaction() as conn:
        assert history.purge(conn, clock.now() + dt.timedelta(days=31)) > 0
    assert unreachable(db_path, key_path) == []
    for day, code in ((6, "red"), (7, "green")):
        rows = [
            {**green_row(n, i, f"2022-12-0{day} 07:00"), "health_code": code} for n, i in people
        ]
        refresh_json(run, write_feed(tmp_path / f"day{day}.csv", rows), f"2022-12-0{day} 09:00")
    assert unreachable(db_path, key_path) == []
    assert run("member", "withdraw", roster_id, "M0003", "--yes").exit_code == 0
    left = query(db_path, key_path, "SELECT member_id FROM health_history")
    assert len({m for (m,) in left}) == 2 and len(left) == 2 * 3
    assert run("roster", "delete", roster_id, "--yes").exit_code == 0
    assert query(db_path, key_path, "SELECT count(*) FROM health_history") == [(0,)]


@pytest.mark.parametrize("sorted_up_to", [history.FEW_POINTS, 0])
def test_member_numbers_past_9999_come_in_number_order(
    run: Run,
    roster_id: str,
    tmp_path: Path,
    db_path: Path,
    key_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    sorted_up_to: int,
) -> None:
    """Member numbers are text (``M10000`` sorts between ``M1000`` and ``M1001``), yet
    exports and ``changes`` list them by number, in both the abnormal and the other group;
    ``changes`` whether it sorts a few points or walks the roster for many."""
    monkeypatch.setattr(history, "FEW_POINTS", sorted_up_to)
    people = []
    for start, count in ((1, 2), (1000, 2), (10_000, 2), (100_000, 1)):
        with Store.open(db_path, read_key_file(key_path)) as store, store.transaction() as conn:
            conn.execute("UPDATE roster SET next_member_seq = ?", (start,))
        batch = [(person_name(len(people) + i), new_id()) for i in range(count)]
        enroll(run, roster_id, tmp_path, batch)
        people += batch
    numbers = ["M0001", "M0002", "M1000", "M1001", "M10000", "M10001", "M100000"]
    assert sorted(numbers) != numbers  # the case: text order is not number order
    # Every other member green with a fresh NAT: both groups span every length.
    rows = [green_row(name, number) for name, number in people[::2]]
    refresh_json(run, write_feed(tmp_path / "a.csv", rows))
    abnormal, normal = numbers[1::2], numbers[::2]
    shown = json.loads(run("show", roster_id, "--format", "json", "--as-of", AS_OF).stdout)
    assert [r["member_no"] for r in shown] == abnormal + normal
    out = tmp_path / "roster.csv"
    stdout = run("show", roster_id, "--format", "csv", "--as-of", AS_OF).stdout
    written = run("show", roster_id, "--format", "csv", "--as-of", AS_OF, "--output", str(out))
    assert written.exit_code == 0, written.output
    assert out.read_text(encoding="utf-8-sig") == stdout
    assert [line.split(",")[0] for line in stdout.splitlines()[1:]] == abnormal + normal
    rows = [green_row(name, number) for name, number in people]
    refresh_json(run, write_feed(tmp_path / "b.csv", rows), "2022-12-05 10:00")
    found = json.loads(run("changes", roster_id, "--format", "json").stdout)
    assert [c["member_no"] for c in found] == abnormal
    table = run("changes", roster_id, env={"COLUMNS": "200"}).stdout.splitlines()
    assert [line.split()[0] for line in table[2:]] == abnormal


def test_when_compared_follows_the_latest_run_that_compared_each_roster(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    created = run("roster", "create", "--name", "二号单位", "--address", "北京", "--format", "json")
    other = json.loads(created.stdout)["roster_id"]
    ours, theirs = [(person_name(0), new_id())], [(person_name(1), new_id())]
    enroll(run, roster_id, tmp_path, ours)
    enroll(run, other, tmp_path, theirs)
    rows = [green_row(name, number) for name, number in ours + theirs]
    feed = write_feed(tmp_path / "a.csv", rows)
    refresh_json(run, feed, "2022-12-05 09:00")  # both rosters
    again = write_feed(tmp_path / "b.csv", [*rows, green_row("陌生人", new_id())])
    scoped = run("refresh", "--feed", str(again), "--as-of", "2022-12-05 15:00", "--roster", other)
    assert scoped.exit_code == 0, scoped.output
    # Nothing changed in either run; only the other roster was compared again.
    (mine,) = show(run, roster_id, "2022-12-05 16:00")
    (yours,) = show(run, other, "2022-12-05 16:00")
    assert mine["compared_at"] == "2022-12-05T09:00:00+08:00"
    assert yours["compared_at"] == "2022-12-05T15:00:00+08:00"
    # A member enrolled since has not been compared at all.
    enroll(run, roster_id, tmp_path, [(person_name(2), new_id())])
    late = [r for r in show(run, roster_id, "2022-12-05 16:00") if r["name"] == person_name(2)]
    assert late[0]["compared_at"] is None


def test_the_last_column_folds_only_where_it_can() -> None:
    from tuanti_cli.cli.table import MIN_FOLDED, plain_table

    rows = [["M0001", "甲", "a: 1 → 2; bb: 3 → 4; " + "c" * 40]]
    # 13 cells before the last column: 27 are left of 40.
    count, produce = plain_table(["No.", "Name", "Change"], lambda: rows, width=40)
    lines = list(produce())
    assert count == 1 and lines[2:] == [
        "M0001  甲    a: 1 → 2; bb: 3 → 4;",
        "             " + "c" * 40,  # longer than the room: a line of its own
    ]
    # Too narrow to fold usefully, or no width: one line as before.
    for width in (13 + MIN_FOLDED - 1, None):
        _count, produce = plain_table(["No.", "Name", "Change"], lambda: rows, width=width)
        assert list(produce())[2:] == ["M0001  甲    " + rows[0][2]]
