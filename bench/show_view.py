"""``tuanti show`` of a 1,000-member roster, as a whole process, next to ``sqlite-utils rows``.

Run with ``python bench/show_view.py`` after ``pip install -e ".[bench]"``. It writes its own
data into a temporary folder: an enrollment CSV of 1,000 members and a health feed (Chinese
headers, 8 columns, varied health codes, NAT times of the last six days and results, vaccination
words) holding every member among strangers. It enrolls the members, refreshes them once so
every member has health data, then copies the 15 columns of ``tuanti show --format json`` into a
plain (unencrypted) SQLite table ``members`` as the baseline. Each command is timed as a whole
process with standard output to a pipe (so no pager and no colour), in interleaved rounds after
one untimed warm-up each, median of RUNS.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import shutil
import sqlite3
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from common import (
    ROSTER,
    TUANTI,
    enroll_all,
    init_steps,
    make_id,
    person_name,
    run_quietly,
    sibling,
    store_env,
    write_members,
)

from tuanti_cli.view import RECORD_KEYS

MEMBERS = 1_000
STRANGERS = 4_000
RUNS = 7
CODES = ("绿码", "绿码", "绿码", "绿码", "未见异常", "黄码", "红码", "弹窗")
RESULTS = ("阴性",) * 19 + ("阳性",)
VACCINES = ("完成加强免疫", "完成基础免疫", "未完成基础免疫", "不适宜接种", "未查询到接种信息")
COLUMNS = RECORD_KEYS  # the §6 keys, in order
CSV_TARGET = 1.0
TABLE_TARGET = 1.5


def write_data(folder: Path) -> tuple[Path, Path]:
    rng = random.Random(13)
    population = MEMBERS + STRANGERS
    member_indexes = set(rng.sample(range(population), MEMBERS))
    enrollments = write_members(folder / "members.csv", sorted(member_indexes))
    # Sampling times within the last six days (Asia/Shanghai wall clock, as a provider writes
    # them), so NAT days spread across the roster's limit and the view mixes normal and abnormal.
    latest = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).replace(tzinfo=None, microsecond=0)
    latest -= dt.timedelta(minutes=5)
    feed = folder / "feed.csv"
    with feed.open("w", encoding="utf-8") as out:
        out.write(
            "姓名,证件号码,健康码状态,核酸采样时间,核酸结果,疫苗接种状态,接种剂次,最后接种日期\n"
        )
        for i in range(population):
            sampled = latest - dt.timedelta(minutes=rng.randint(0, 6 * 24 * 60))
            out.write(
                f"{person_name(i)},{make_id(i)},{rng.choice(CODES)},{sampled:%Y-%m-%d %H:%M:%S},"
                f"{rng.choice(RESULTS)},{VACCINES[i % len(VACCINES)]},{i % 4},"
                f"2022-0{1 + i % 9}-15\n"
            )
    return enrollments, feed


def build_plain_db(path: Path, records: list[dict[str, Any]]) -> None:
    """The same rows and columns as ``show --format json``, in a plain SQLite table."""
    con = sqlite3.connect(path)
    with con:
        con.execute(
            "CREATE TABLE members ("
            "member_no TEXT PRIMARY KEY, name TEXT, department TEXT, id_number TEXT, phone TEXT, "
            "health_code TEXT, nat_sampled_at TEXT, nat_result TEXT, nat_days INTEGER, "
            "vaccination TEXT, vaccine_doses INTEGER, last_dose_date TEXT, compared_at TEXT, "
            "abnormal INTEGER, flags TEXT)"
        )
        con.executemany(
            f"INSERT INTO members VALUES ({', '.join('?' * len(COLUMNS))})",
            [
                tuple(
                    json.dumps(r[c], ensure_ascii=False)
                    if isinstance(r[c], list)
                    else int(r[c])
                    if isinstance(r[c], bool)
                    else r[c]
                    for c in COLUMNS
                )
                for r in records
            ],
        )
    con.close()


def timed_rounds(commands: dict[str, tuple[list[str], dict[str, str]]]) -> dict[str, float]:
    """Median seconds of each command over RUNS interleaved rounds (after one warm-up each)."""
    samples: dict[str, list[float]] = {label: [] for label in commands}
    for argv, env in commands.values():
        subprocess.run(argv, env=env, check=True, capture_output=True)
    for _ in range(RUNS):
        for label, (argv, env) in commands.items():
            start = time.perf_counter()
            subprocess.run(argv, env=env, check=True, capture_output=True)
            samples[label].append(time.perf_counter() - start)
    return {label: statistics.median(values) for label, values in samples.items()}


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="tuanti-bench-"))
    try:
        enrollments, feed = write_data(folder)
        env = store_env(folder)
        env.pop("COLUMNS", None)
        wide = dict(env, COLUMNS="200")
        tuanti = TUANTI
        sqlite_utils = sibling("sqlite-utils")
        run_quietly(init_steps(), env)
        enroll_all(enrollments, MEMBERS, env)
        run_quietly([[*TUANTI, "refresh", "--feed", str(feed)]], env)
        shown = subprocess.run(
            [*tuanti, "show", ROSTER, "--format", "json"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        records = json.loads(shown.stdout)
        if len(records) != MEMBERS or any(tuple(r) != COLUMNS for r in records):
            raise SystemExit(f"unexpected show --format json output ({len(records)} records)")
        unknown = sum(r["health_code"] == "unknown" for r in records)
        if unknown:
            raise SystemExit(f"{unknown} members have no health data after the refresh")
        abnormal = sum(bool(r["abnormal"]) for r in records)
        plain_db = folder / "plain.db"
        build_plain_db(plain_db, records)
        figures = timed_rounds(
            {
                "csv": ([*tuanti, "show", ROSTER, "--format", "csv"], env),
                "table": ([*tuanti, "show", ROSTER], wide),
                "table80": ([*tuanti, "show", ROSTER], env),
                "sqlite": (
                    [sqlite_utils, "rows", str(plain_db), "members", "--fmt", "simple"],
                    env,
                ),
            }
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    base = figures["sqlite"]
    print(
        f"{MEMBERS:,} members ({abnormal} abnormal), {len(COLUMNS)} columns, "
        f"median of {RUNS} runs, whole process, stdout to a pipe, wall time"
    )
    print(f"  sqlite-utils rows --fmt simple (plain SQLite)   {base * 1000:7.1f} ms")
    print(
        f"  tuanti show --format csv                        {figures['csv'] * 1000:7.1f} ms"
        f"   {figures['csv'] / base:5.2f}x (target <= {CSV_TARGET}x)"
    )
    print(
        f"  tuanti show (table, COLUMNS=200)                {figures['table'] * 1000:7.1f} ms"
        f"   {figures['table'] / base:5.2f}x (target <= {TABLE_TARGET}x)"
    )
    print(
        f"  tuanti show (table, default width)              {figures['table80'] * 1000:7.1f} ms"
        f"   {figures['table80'] / base:5.2f}x (for information)"
    )


if __name__ == "__main__":
    main()
