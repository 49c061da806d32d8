"""Importing 100,000 enrollments, as a whole process, next to ``sqlite-utils insert``.

Run with ``python bench/enroll_import.py`` after ``pip install -e ".[bench]"``. It writes its
own data (a form-tool export: serial number, submission time, name, ID number, phone,
department, consent — the shape §4 expects, unknown columns included) into a temporary
folder, and times each command over several runs, each on a fresh store / database.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
import tempfile
from pathlib import Path

from common import make_id, person_name, time_import

ROWS = 100_000
RUNS = 5
DEPARTMENTS = ("行政部", "财务部", "研发部", "市场部", "后勤部")


def write_csv(path: Path) -> None:
    rng = random.Random(7)
    start = dt.datetime(2022, 12, 1, 8, 0)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("序号,提交时间,姓名,身份证号,手机号,部门,同意授权\n")
        for i in range(ROWS):
            submitted = start + dt.timedelta(seconds=i * 7)
            out.write(
                f"{i + 1},{submitted:%Y-%m-%d %H:%M:%S},{person_name(i)},{make_id(i)},"
                f"1{rng.randint(3, 9)}{rng.randint(0, 10**9 - 1):09d},"
                f"{DEPARTMENTS[i % len(DEPARTMENTS)]},是\n"
            )


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="tuanti-bench-"))
    try:
        csv_path = folder / "enrollments.csv"
        write_csv(csv_path)
        ours, theirs = time_import(folder, csv_path, RUNS)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"{ROWS:,} rows, median of {RUNS} runs, whole process, wall time")
    print(f"  tuanti enroll import (validated, encrypted)  {ours:6.2f} s")
    print(f"  sqlite-utils insert --csv (plain SQLite)     {theirs:6.2f} s")
    print(f"  ratio                                        {ours / theirs:6.2f}x (target <= 0.35x)")


if __name__ == "__main__":
    main()
