"""Importing 100,000 enrollments, as a whole process, next to ``sqlite-utils insert``.

Run with ``python bench/enroll_import.py`` after ``pip install -e ".[bench]"``. It writes its
own data (a form-tool export: serial number, submission time, name, ID number, phone,
department, consent — the shape §4 expects, unknown columns included) into a temporary
folder, and times each command over several runs, each on a fresh store / database.
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

ROWS = 100_000
RUNS = 5
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
DEPARTMENTS = ("行政部", "财务部", "研发部", "市场部", "后勤部")


def make_id(index: int) -> str:
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=index // 1000)
    body = f"{110101 + index % 7:06d}{birth:%Y%m%d}{index % 1000:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=False)) % 11]


def write_csv(path: Path) -> None:
    rng = random.Random(7)
    start = dt.datetime(2022, 12, 1, 8, 0)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("序号,提交时间,姓名,身份证号,手机号,部门,同意授权\n")
        for i in range(ROWS):
            submitted = start + dt.timedelta(seconds=i * 7)
            out.write(
                f"{i + 1},{submitted:%Y-%m-%d %H:%M:%S},员工{i},{make_id(i)},"
                f"1{rng.randint(3, 9)}{rng.randint(0, 10**9 - 1):09d},"
                f"{DEPARTMENTS[i % len(DEPARTMENTS)]},是\n"
            )


def timed(argv: list[str], env: dict[str, str], before: list[list[str]]) -> float:
    """Median seconds of ``argv`` over RUNS runs; ``before`` runs untimed before each."""
    samples = []
    for _ in range(RUNS):
        for step in before:
            subprocess.run(step, env=env, check=True, capture_output=True)
        start = time.perf_counter()
        subprocess.run(argv, env=env, check=True, capture_output=True)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="tuanti-bench-"))
    try:
        csv_path = folder / "enrollments.csv"
        write_csv(csv_path)
        env = dict(
            os.environ,
            TUANTI_DB=str(folder / "store" / "tuanti.db"),
            TUANTI_KEY_FILE=str(folder / "tuanti.key"),
            TUANTI_LANG="en",
        )
        tuanti = [sys.executable, "-m", "tuanti_cli"]
        beside = Path(sys.executable).parent / "sqlite-utils"
        sqlite_utils = (
            str(beside) if beside.exists() else shutil.which("sqlite-utils") or "sqlite-utils"
        )
        reset_store = [
            ["rm", "-rf", str(folder / "store"), str(folder / "tuanti.key")],
            [
                *tuanti,
                "init",
                "--admin-name",
                "王老师",
                "--admin-phone",
                "13912345678",
                "--admin-id",
                "110101198001010053",
            ],
            [*tuanti, "roster", "create", "--name", "示例", "--address", "北京"],
        ]
        ours = timed([*tuanti, "enroll", "import", "示例", str(csv_path)], env, reset_store)
        plain_db = folder / "plain.db"
        theirs = timed(
            [sqlite_utils, "insert", str(plain_db), "members", str(csv_path), "--csv"],
            env,
            [["rm", "-f", str(plain_db)]],
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"{ROWS:,} rows, median of {RUNS} runs, whole process, wall time")
    print(f"  tuanti enroll import (validated, encrypted)  {ours:6.2f} s")
    print(f"  sqlite-utils insert --csv (plain SQLite)     {theirs:6.2f} s")
    print(f"  ratio                                        {ours / theirs:6.2f}x (target <= 0.35x)")


if __name__ == "__main__":
    main()
