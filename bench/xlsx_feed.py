"""Refresh from a 100,000-row ``.xlsx`` feed (a provider's result sheet: a title row, then
序号, 姓名, 证件号码, 采样时间, 检测结果, 检测机构, 健康码状态), next to openpyxl alone reading the
same sheet in read-only mode (every row, values only), each as a whole process; and the
refresh's peak RSS.

Run with ``python bench/xlsx_feed.py`` after ``pip install -e ".[bench]"``. It writes its
own data into a temporary folder: 10,000 members scattered among strangers, some with
several rows (newest first).
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
import time
from pathlib import Path

from common import (
    ROSTER,
    TUANTI,
    enroll_all,
    init_steps,
    make_id,
    person_name,
    run_quietly,
    store_env,
    write_members,
)
from openpyxl import Workbook

MEMBERS = 10_000
FEED_ROWS = 100_000
RUNS = 5
CODES = ("绿码", "绿码", "绿码", "未见异常", "黄码", "红码", "弹窗")

OPENPYXL_SCRIPT = """
import sys
from openpyxl import load_workbook
book = load_workbook(sys.argv[1], read_only=True, data_only=True)
rows = 0
for row in book.worksheets[0].iter_rows(values_only=True):
    rows += 1
book.close()
print(rows)
"""


def write_data(folder: Path) -> tuple[Path, Path]:
    rng = random.Random(13)
    member_indexes = set(rng.sample(range(FEED_ROWS), MEMBERS))
    enrollments = write_members(folder / "members.csv", sorted(member_indexes))
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["核酸检测结果查询（批量）"])
    sheet.append(["序号", "姓名", "证件号码", "采样时间", "检测结果", "检测机构", "健康码状态"])
    for i in range(FEED_ROWS):
        sampled = dt.datetime(2022, 12, 5, 8) - dt.timedelta(minutes=rng.randint(0, 9000))
        sheet.append(
            [
                i + 1,
                person_name(i),
                make_id(i),
                f"{sampled:%Y-%m-%d %H:%M:%S}",
                "阴性",
                "示例检测实验室",
                CODES[i % len(CODES)],
            ]
        )
    feed = folder / "result.xlsx"
    book.save(feed)
    return enrollments, feed


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time and peak RSS (MB) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{argv} failed")
    return elapsed, usage.ru_maxrss / 1024


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="tuanti-bench-xlsx-"))
    try:
        enrollments, feed = write_data(folder)
        env = store_env(folder)
        run_quietly(init_steps(), env)
        enroll_all(enrollments, MEMBERS, env)
        ours, theirs, peaks = [], [], []
        for _ in range(RUNS):
            # --roster and no --roster alternate scopes, so no run is skipped as identical
            for scope in ([], ["--roster", ROSTER]):
                seconds, peak = timed([*TUANTI, "refresh", "--feed", str(feed), *scope], env)
                ours.append(seconds)
                peaks.append(peak)
            theirs.append(timed([sys.executable, "-c", OPENPYXL_SCRIPT, str(feed)], env)[0])
        size = feed.stat().st_size
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    mine, alone = statistics.median(ours), statistics.median(theirs)
    print(
        f"{MEMBERS:,} members, {FEED_ROWS:,}-row .xlsx feed ({size / 1e6:.1f} MB), median wall time"
    )
    print(f"  tuanti refresh                        {mine:6.2f} s")
    print(f"  openpyxl read-only, all rows          {alone:6.2f} s")
    print(f"  ratio                                 {mine / alone:6.2f}x (target <= 4x)")
    print(f"  peak RSS of the refresh               {max(peaks):6.0f} MB (target <= 150 MB)")


if __name__ == "__main__":
    main()
