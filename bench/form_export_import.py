"""Importing a 100,000-row 问卷星 (Wenjuanxing) export, as a whole process, next to
``sqlite-utils insert`` of the same file.

Run with ``python bench/form_export_import.py`` after ``pip install -e ".[bench]"``. The file
is shaped like 问卷星's text-mode download (tests/data/wjx-text.csv and tests/data/README.md):
15 columns — its six metadata columns, the four questions tuanti needs, written as questions
(``1、您的姓名：`` …, consent as ``4、您是否同意…？ (单选题 *必答)``), and five answers it
must never keep — in GB18030, as a Chinese Excel saves it, with CRLF line endings.
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
HEADER = [
    "序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP",
    "1、您的姓名：", "2、身份证号码：", "3、手机号码：",
    "4、您是否同意本单位收集并使用以上个人信息用于报名登记？ (单选题 *必答)",
    "5、所在部门：", "6、今日健康码颜色", "7、近14天是否到过以下地区？ (多选题)",
    "8、今日体温是否正常", "9、其他需要说明的情况：",
]  # fmt: skip
DEPARTMENTS = ("行政部", "财务部", "研发部", "市场部", "后勤部")


def write_export(path: Path) -> None:
    rng = random.Random(11)
    start = dt.datetime(2022, 12, 1, 8, 0)
    with path.open("w", encoding="gb18030", newline="") as out:
        out.write(",".join(HEADER) + "\r\n")
        for i in range(ROWS):
            submitted = start + dt.timedelta(seconds=i * 7)
            consent = "同意" if i % 50 else "不同意"
            out.write(
                f"{i + 1},{submitted:%Y/%m/%d %H:%M:%S},{rng.randint(40, 400)}秒,手机提交,微信,"
                f"203.0.113.{i % 250}(北京-北京),{person_name(i)},{make_id(i)},"
                f"1{rng.randint(3, 9)}{rng.randint(0, 10**9 - 1):09d},{consent},"
                f"{DEPARTMENTS[i % len(DEPARTMENTS)]},绿码,以上均无,是,(空)\r\n"
            )


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="tuanti-bench-"))
    try:
        csv_path = folder / "wjx-export.csv"
        write_export(csv_path)
        ours, theirs = time_import(folder, csv_path, RUNS, ("--encoding", "gb18030"))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"{ROWS:,}-row 问卷星 export (15 columns, GB18030, CRLF), median of {RUNS} runs")
    print(f"  tuanti enroll import (recognised, validated, encrypted)  {ours:6.2f} s")
    print(f"  sqlite-utils insert --csv --encoding gb18030              {theirs:6.2f} s")
    print(f"  ratio                              {ours / theirs:6.2f}x (target <= 0.30x)")


if __name__ == "__main__":
    main()
