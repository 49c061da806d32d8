"""Health history: change points, erased with their member, migrated from older stores."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ADMIN, Run, add_member
from tests.helpers import make_ids, query
from tuanti_cli import store as store_module
from tuanti_cli.keys import read_key_file
from tuanti_cli.migrations import MIGRATIONS
from tuanti_cli.store import Store


def history_by_member(db_path: Path, key_path: Path) -> dict[int, int]:
    rows = query(db_path, key_path, "SELECT member_id, count(*) FROM health_history GROUP BY 1")
    return {member_id: count for member_id, count in rows}


def member_ids(db_path: Path, key_path: Path, roster_id: str) -> list[int]:
    rows = query(
        db_path, key_path, "SELECT id FROM member WHERE roster_id = ? ORDER BY id", (roster_id,)
    )
    return [row[0] for row in rows]


def two_rosters_refreshed_twice(run: Run, tmp_path: Path) -> tuple[str, str, list[str]]:
    """Roster A with two members and B with one, each compared in two runs."""
    assert run("init", *ADMIN).exit_code == 0
    rosters = []
    for name in ("A", "B"):
        created = run("roster", "create", "--name", name, "--address", "北京", "--format", "json")
        assert created.exit_code == 0, created.output
        rosters.append(json.loads(created.stdout)["roster_id"])
    ids = make_ids(3)
    for roster_id, name, number in zip(
        (rosters[0], rosters[0], rosters[1]), ("甲", "乙", "丙"), ids, strict=True
    ):
        added = add_member(run, roster_id, name, number, "13912340000")
        assert added.exit_code == 0, added.output
    for code in ("绿码", "黄码"):  # two different feeds, so neither run is skipped
        feed = tmp_path / f"feed-{code}.csv"
        rows = "".join(f"{n},{i},{code}\n" for n, i in zip(("甲", "乙", "丙"), ids, strict=True))
        feed.write_text("姓名,证件号码,健康码状态\n" + rows, encoding="utf-8")
        result = run("refresh", "--feed", str(feed), "--as-of", "2022-12-05 09:00")
        assert result.exit_code == 0, result.output
    return rosters[0], rosters[1], ids


def test_withdraw_erases_the_members_history_and_health(
    run: Run, tmp_path: Path, db_path: Path, key_path: Path
) -> None:
    roster_a, roster_b, _ = two_rosters_refreshed_twice(run, tmp_path)
    first, second = member_ids(db_path, key_path, roster_a)
    (third,) = member_ids(db_path, key_path, roster_b)
    assert history_by_member(db_path, key_path) == {first: 2, second: 2, third: 2}
    assert run("member", "withdraw", roster_a, "M0001", "--yes").exit_code == 0
    assert history_by_member(db_path, key_path) == {second: 2, third: 2}
    health = query(db_path, key_path, "SELECT member_id FROM health ORDER BY 1")
    assert [row[0] for row in health] == [second, third]


def test_roster_delete_erases_its_members_history_only(
    run: Run, tmp_path: Path, db_path: Path, key_path: Path
) -> None:
    roster_a, roster_b, _ = two_rosters_refreshed_twice(run, tmp_path)
    (third,) = member_ids(db_path, key_path, roster_b)
    assert run("roster", "delete", roster_a, "--yes").exit_code == 0
    assert history_by_member(db_path, key_path) == {third: 2}
    assert run("changes", roster_b, "--format", "json").exit_code == 0


def test_history_holds_change_points_read_by_member(
    run: Run, tmp_path: Path, db_path: Path, key_path: Path
) -> None:
    # No index led by the member, whose pages a refresh would write all over: a member's
    # points are a chain from their health record (migration 0007); erasure stays explicit.
    roster_a, _, ids = two_rosters_refreshed_twice(run, tmp_path)
    indexes = query(db_path, key_path, "PRAGMA index_list(health_history)")
    leading = {query(db_path, key_path, f"PRAGMA index_info({row[1]})")[0][2] for row in indexes}
    assert leading == {"run_id", "compared_at"}
    references = query(db_path, key_path, "PRAGMA foreign_key_list(health_history)")
    assert [row[2] for row in references] == ["run"]
    # A third run in which only 乙 changes adds one change point, not three rows.
    feed = tmp_path / "third.csv"
    rows = "".join(
        f"{n},{i},{code}\n"
        for n, i, code in zip(("甲", "乙", "丙"), ids, ("黄码", "红码", "黄码"), strict=True)
    )
    feed.write_text("姓名,证件号码,健康码状态\n" + rows, encoding="utf-8")
    assert run("refresh", "--feed", str(feed), "--as-of", "2022-12-05 09:00").exit_code == 0
    first, second = member_ids(db_path, key_path, roster_a)
    assert history_by_member(db_path, key_path)[first] == 2
    assert history_by_member(db_path, key_path)[second] == 3


def old_store_with_history(db_path: Path, key_path: Path) -> str:
    """As a store before 0002 held it: two rosters, three members, two runs (green, then
    yellow), a history row per member per run. Written by SQL, as the old code did."""
    ids = make_ids(3)
    with Store.open(db_path, read_key_file(key_path)) as store, store.transaction() as conn:
        at = "2022-12-05T09:00:00+08:00"
        for roster_id in ("ROSTERAA", "ROSTERBB"):
            conn.execute(
                "INSERT INTO roster (roster_id, name, address, max_nat_days, created_at)"
                " VALUES (?, ?, '北京', 3, ?)",
                (roster_id, roster_id, at),
            )
        people = zip(("ROSTERAA", "ROSTERAA", "ROSTERBB"), ("甲", "乙", "丙"), ids, strict=True)
        for number, (roster_id, name, id_number) in enumerate(people, 1):
            conn.execute(
                "INSERT INTO member (id, roster_id, member_no, name, id_number, phone,"
                " enrolled_at, updated_at, consent_at, consent_channel)"
                " VALUES (?, ?, ?, ?, ?, '13912340000', ?, ?, ?, 'cli')",
                (number, roster_id, f"M000{number}", name, id_number, at, at, at),
            )
        for run_id, code in ((1, "green"), (2, "yellow")):
            conn.execute(
                "INSERT INTO run (run_id, started_at, feed_hash) VALUES (?, ?, ?)",
                (run_id, at, code),
            )
            for member_id in (1, 2, 3):
                conn.execute(
                    "INSERT INTO health_history (member_id, run_id, health_code, vaccination,"
                    " compared_at, abnormal) VALUES (?, ?, ?, 'unknown', ?, 1)",
                    (member_id, run_id, code, at),
                )
                # The current record, rewritten by each run beside its history row.
                conn.execute(
                    "INSERT OR REPLACE INTO health (member_id, run_id, health_code,"
                    " vaccination, compared_at, abnormal) VALUES (?, ?, ?, 'unknown', ?, 1)",
                    (member_id, run_id, code, at),
                )
    return "ROSTERAA"


def test_a_store_from_before_0002_keeps_its_history(
    run: Run, db_path: Path, key_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as old_code:
        old_code.setattr(store_module, "MIGRATIONS", MIGRATIONS[:1])
        assert run("init", *ADMIN).exit_code == 0
        roster_a = old_store_with_history(db_path, key_path)
        before = query(db_path, key_path, "SELECT * FROM health_history ORDER BY id")
        assert query(db_path, key_path, "SELECT name FROM migrations") == [("0001_initial",)]
    assert len(before) == 6
    after = query(db_path, key_path, "SELECT * FROM health_history ORDER BY id")
    assert [row[:-1] for row in after] == before  # every row is a change point: green, yellow
    # 0007 links each point to the member's previous one, and each record to the latest.
    assert [row[-1] for row in after] == [None, None, None, 1, 2, 3]
    points = query(db_path, key_path, "SELECT point_id FROM health ORDER BY member_id")
    assert points == [(4,), (5,), (6,)]
    names = query(db_path, key_path, "SELECT name FROM migrations ORDER BY name")
    assert [row[0] for row in names] == [name for name, _ in MIGRATIONS]
    assert query(db_path, key_path, "PRAGMA integrity_check") == [("ok",)]
    assert run("member", "withdraw", roster_a, "M0002", "--yes").exit_code == 0
    assert len(query(db_path, key_path, "SELECT * FROM health_history")) == 4


@pytest.mark.parametrize(
    "erase",
    [("member", "withdraw", "{a}", "M0001", "--yes"), ("roster", "delete", "{a}", "--yes")],
    ids=["withdraw", "roster-delete"],
)
def test_erasure_leaves_no_copy_in_the_wal_while_the_store_is_open_elsewhere(
    run: Run, tmp_path: Path, db_path: Path, key_path: Path, erase: tuple[str, ...]
) -> None:
    roster_a, _, _ = two_rosters_refreshed_twice(run, tmp_path)
    wal = Path(f"{db_path}-wal")
    # While another connection is open (a `show` paging in another terminal), SQLite does
    # not fold the WAL away when the erasing command closes its own.
    with Store.open(db_path, read_key_file(key_path)) as elsewhere:
        assert elsewhere.query("SELECT count(*) FROM member")[0][0] == 3
        result = run(*(arg.format(a=roster_a) for arg in erase))
        assert result.exit_code == 0, result.output
        assert wal.exists() and wal.stat().st_size == 0


def test_a_store_migrated_by_another_process_meanwhile_is_not_migrated_twice(
    run: Run, tmp_path: Path, db_path: Path, key_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as old_code:
        old_code.setattr(store_module, "MIGRATIONS", MIGRATIONS[:1])
        assert run("init", *ADMIN).exit_code == 0
        old_store_with_history(db_path, key_path)
    key = read_key_file(key_path)
    begin = Store.transaction
    raced = []

    def another_process_migrates_first(self: Store) -> Any:
        if not raced:  # between reading what is pending and taking the write lock
            raced.append(True)
            Store.open(db_path, key).close()
        return begin(self)

    monkeypatch.setattr(Store, "transaction", another_process_migrates_first)
    with Store.open(db_path, key) as store:
        names = [row[0] for row in store.query("SELECT name FROM migrations ORDER BY name")]
        assert names == [name for name, _ in MIGRATIONS]
        assert len(store.query("SELECT * FROM health_history")) == 6
    assert raced
