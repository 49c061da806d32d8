"""Refresh: 10,000 members against a 1,000,000-row CSV feed, next to DuckDB joining the same
two files, each as a whole process: once on a new store, once on a store holding 30 days of
history (four refreshes a day, the retention period); and peak memory for a 1M-row feed vs a
100k-row feed.

Run with ``python bench/refresh_feed.py`` after ``pip install -e ".[bench]"``. It writes its
own data into a temporary folder: an enrollment CSV of 10,000 members and city-wide feeds
(Chinese headers, 8 columns) in which the members are scattered among strangers.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from common import (
    TUANTI,
    enroll_all,
    init_steps,
    make_id,
    median_seconds,
    person_name,
    run_quietly,
    store_env,
    write_members,
)

from tuanti_cli.history import RETENTION_DAYS
from tuanti_cli.keys import read_key_file
from tuanti_cli.store import Store

MEMBERS = 10_000
FEED_ROWS = 1_000_000
SMALL_FEED_ROWS = 100_000
RUNS = 7
CODES = ("绿码", "绿码", "绿码", "未见异常", "黄码", "红码", "弹窗")
VACCINES = ("完成加强免疫", "完成基础免疫", "未完成基础免疫", "不适宜接种", "未查询到接种信息")

DUCKDB_SCRIPT = """
import sys, duckdb
members, feed = sys.argv[1], sys.argv[2]
con = duckdb.connect()
rows = con.execute(f'''
    SELECT m.身份证号, f.健康码状态, f.核酸采样时间, f.核酸结果, f.疫苗接种状态
    FROM read_csv('{members}', all_varchar=true) m
    LEFT JOIN read_csv('{feed}', all_varchar=true) f ON f.证件号码 = m.身份证号
''').fetchall()
print(len(rows))
"""


def write_data(folder: Path) -> tuple[Path, Path, Path]:
    rng = random.Random(11)
    member_indexes = rng.sample(range(FEED_ROWS), MEMBERS)
    enrollments = write_members(folder / "members.csv", member_indexes)
    feeds = []
    # The small feed holds every member too (among fewer strangers), but their sampling times
    # are drawn afresh (one draw per row written), so nearly every member's state differs
    # between the two feeds: each timed refresh writes ~10,000 change points, the worst case
    # for history.
    small = set(member_indexes) | set(range(SMALL_FEED_ROWS - MEMBERS))
    for rows, name in ((FEED_ROWS, "feed-1m.csv"), (SMALL_FEED_ROWS, "feed-100k.csv")):
        path = folder / name
        with path.open("w", encoding="utf-8") as out:
            out.write(
                "姓名,证件号码,健康码状态,核酸采样时间,核酸结果,疫苗接种状态,接种剂次,最后接种日期\n"
            )
            for i in range(FEED_ROWS):
                if rows != FEED_ROWS and i not in small:
                    continue
                sampled = dt.datetime(2022, 12, 5, 8) - dt.timedelta(minutes=rng.randint(0, 9000))
                out.write(
                    f"{person_name(i)},{make_id(i)},{CODES[i % len(CODES)]},"
                    f"{sampled:%Y-%m-%d %H:%M:%S},"
                    f"阴性,{VACCINES[i % len(VACCINES)]},{i % 4},2022-0{1 + i % 9}-15\n"
                )
        feeds.append(path)
    return enrollments, feeds[0], feeds[1]


def peak_rss_mb(argv: list[str], env: dict[str, str]) -> float:
    """Peak RSS of one child process, from wait4's rusage."""
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{argv} failed")
    return usage.ru_maxrss / 1024


def timed_rounds(
    big: Path, small: Path, enrollments: Path, env: dict[str, str]
) -> tuple[float, float]:
    """Median wall time of tuanti's refresh and of the DuckDB join, in interleaved rounds."""
    # Interleaved rounds, so that both tools meet the same machine (a shared VM drifts);
    # each timed refresh follows one on the other feed, so none is skipped as identical.
    apply_small = [[*TUANTI, "refresh", "--feed", str(small)]]
    ours, theirs = [], []
    for _ in range(RUNS):
        ours.append(
            median_seconds(
                [*TUANTI, "refresh", "--feed", str(big), "--format", "json"], env, 1, apply_small
            )
        )
        theirs.append(
            median_seconds(
                [sys.executable, "-c", DUCKDB_SCRIPT, str(enrollments), str(big)], env, 1
            )
        )
    return statistics.median(ours), statistics.median(theirs)


def fill_history(env: dict[str, str]) -> int:
    """Give the store the history of 30 days of four refreshes a day (the retention period)."""
    runs = RETENTION_DAYS * 4
    with Store.open(Path(env["TUANTI_DB"]), read_key_file(Path(env["TUANTI_KEY_FILE"]))) as store:
        with store.transaction() as conn:
            # Run by run, as refreshes would have written them; all within the retention.
            conn.execute(
                "WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < ?)"
                " INSERT INTO health_history (member_id, run_id, health_code, nat_sampled_at,"
                " nat_result, vaccination, vaccine_doses, last_dose_date, compared_at, flags,"
                " abnormal)"
                " SELECT member_id, run_id, health_code, nat_sampled_at, nat_result,"
                " vaccination, vaccine_doses, last_dose_date,"
                " strftime('%Y-%m-%dT%H:%M:%S+08:00', 'now', '+8 hours',"
                " (-6 * (? - k)) || ' hours'),"
                " flags, abnormal FROM n, health ORDER BY k, member_id",
                (runs, runs),
            )
            # Linked as refreshes link them (migration 0007): each point to the member's
            # previous one in time, each health record to the latest.
            conn.execute(
                "UPDATE health_history SET previous_id = chain.previous FROM ("
                " SELECT id, lag(id) OVER (PARTITION BY member_id ORDER BY compared_at, id)"
                " AS previous FROM health_history) AS chain WHERE chain.id = health_history.id"
            )
            conn.execute(
                "UPDATE health SET point_id = latest.id FROM ("
                " SELECT member_id, id, row_number() OVER (PARTITION BY member_id"
                " ORDER BY compared_at DESC, id DESC) AS k FROM health_history) AS latest"
                " WHERE latest.k = 1 AND latest.member_id = health.member_id"
            )
        (rows,) = store.query("SELECT count(*) FROM health_history")[0]
        store.checkpoint()
    return int(rows)


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="tuanti-bench-"))
    try:
        enrollments, big, small = write_data(folder)
        env = store_env(folder)
        run_quietly(init_steps(), env)
        enroll_all(enrollments, MEMBERS, env)
        fresh = timed_rounds(big, small, enrollments, env)
        apply_small = [[*TUANTI, "refresh", "--feed", str(small)]]
        run_quietly(apply_small, env)  # so that the measured big run is a real one
        rss_big = peak_rss_mb([*TUANTI, "refresh", "--feed", str(big)], env)
        rss_small = peak_rss_mb([*TUANTI, "refresh", "--feed", str(small)], env)
        history_rows = fill_history(env)
        month = timed_rounds(big, small, enrollments, env)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"{MEMBERS:,} members, {FEED_ROWS:,}-row CSV feed, median of {RUNS}, wall time")
    for label, (tuanti_time, duck) in (
        ("a new store", fresh),
        (f"a store with 30 days of history ({history_rows:,} rows)", month),
    ):
        print(f"{label}:")
        print(f"  tuanti refresh                      {tuanti_time:6.2f} s")
        print(f"  DuckDB join of the same two files   {duck:6.2f} s")
        print(f"  ratio                               {tuanti_time / duck:6.2f}x (target <= 2x)")
    print(
        f"peak RSS: 1M-row feed {rss_big:.0f} MB, 100k-row feed {rss_small:.0f} MB, "
        f"ratio {rss_big / rss_small:.2f} (target <= 1.2)"
    )


if __name__ == "__main__":
    main()
