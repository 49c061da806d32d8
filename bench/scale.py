"""A roster of a million members (issue 12, acceptance 4), measured in one run.

Run with ``python bench/scale.py`` after ``pip install -e ".[bench]"``; ``--members 100000
--strangers 300000`` for a quick check. It writes its own data into a temporary folder:

- an enrollment CSV of N members in 1,000 departments (``姓名,身份证号,手机号,部门,同意授权``)
  and one of the same shape holding the first N/10 of them;
- a feed CSV (Chinese headers, 8 columns) holding every member once among the strangers, in a
  shuffled order, with varied health codes, NAT times of the last six days and results.

Then it runs each measured command as a whole process (wall time, and peak RSS from the rusage
``os.wait4`` returns for that one child) — once each, since the million-member steps are slow:

- ``enroll import`` of the N/10 file and of the N file, each into a fresh store (key file);
- ``refresh --feed`` on the N store, next to a Python process in which DuckDB LEFT JOINs the
  two CSV files into a table of a DuckDB database file;
- ``show --format csv --output`` of the roster, next to ``sqlite-utils rows --csv`` (stdout to a
  file) of the same rows and columns, copied from that CSV into a plain SQLite file;
- ``summary --by department --format json`` (reported as not available if the command is not
  there);
- for information: a refresh against the same feed in other bytes (nothing changes), and a
  second refresh against the feed with every green code turned yellow (about half the
  members change), then ``changes`` (JSON, and the table) and ``report
  --format json``, which must stream however many members changed.

It ends with a table of figures against the targets, marking misses, and exits 0 (a report).
Progress goes to standard error.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import types
from dataclasses import dataclass
from pathlib import Path

from common import (
    ROSTER,
    TUANTI,
    init_steps,
    make_id,
    person_name,
    run_quietly,
    sibling,
    store_env,
)

DEPARTMENTS = 1_000
BATCH = 50_000
FEED_HEADER = "姓名,证件号码,健康码状态,核酸采样时间,核酸结果,疫苗接种状态,接种剂次,最后接种日期\n"
ENROLL_HEADER = "姓名,身份证号,手机号,部门,同意授权\n"
CODES = ("绿码", "绿码", "绿码", "绿码", "未见异常", "黄码", "红码", "弹窗")
RESULTS = ("阴性",) * 19 + ("阳性",)
VACCINES = ("完成加强免疫", "完成基础免疫", "未完成基础免疫", "不适宜接种", "未查询到接种信息")

IMPORT_RATIO = 11.0
IMPORT_MB = 250
REFRESH_RATIO = 4.0
REFRESH_MB = 600
SHOW_RATIO = 1.5
SHOW_MB = 150
SUMMARY_SECONDS = 3.0
SUMMARY_MB = 150

DUCKDB_SCRIPT = """
import sys, duckdb
members, feed, db = sys.argv[1], sys.argv[2], sys.argv[3]
con = duckdb.connect(db)
con.execute(f'''
    CREATE TABLE j AS
    SELECT m.姓名, m.身份证号, m.手机号, m.部门, f.健康码状态, f.核酸采样时间, f.核酸结果,
           f.疫苗接种状态, f.接种剂次, f.最后接种日期
    FROM read_csv_auto('{members}', all_varchar=true) m
    LEFT JOIN read_csv_auto('{feed}', all_varchar=true) f ON f.证件号码 = m.身份证号
''')
print(con.execute('SELECT count(*) FROM j').fetchone()[0])
con.close()
"""

# make_id, table-driven: the body is region (index % 97) + birth date (index % 30000) + serial
# (index // 30000 % 1000), so the weighted digit sum is a sum of three precomputed parts.
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_DIGITS = str.maketrans("0123456789", "零一二三四五六七八九")


def _weighted(text: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(text, weights, strict=True))


class FastIds:
    """``make_id`` about ten times faster, for generating millions of rows."""

    def __init__(self) -> None:
        regions = [f"{110101 + r:06d}" for r in range(97)]
        births = [f"{dt.date(1940, 1, 1) + dt.timedelta(days=b):%Y%m%d}" for b in range(30000)]
        serials = [f"{s:03d}" for s in range(1000)]
        self.regions = [(r, _weighted(r, _WEIGHTS[:6])) for r in regions]
        self.births = [(b, _weighted(b, _WEIGHTS[6:14])) for b in births]
        self.serials = [(s, _weighted(s, _WEIGHTS[14:])) for s in serials]

    def __call__(self, index: int) -> str:
        region, rs = self.regions[index % 97]
        birth, bs = self.births[index % 30000]
        serial, ss = self.serials[index // 30000 % 1000]
        return region + birth + serial + _CHECK[(rs + bs + ss) % 11]


def fast_name(index: int) -> str:
    """``person_name(index)``, faster."""
    return "人员" + str(index).translate(_DIGITS)


def department(index: int) -> str:
    return person_name(index % DEPARTMENTS, "部门")


def write_data(folder: Path, members: int, strangers: int, small: int) -> tuple[Path, Path, Path]:
    ids = FastIds()
    for i in (*range(200), 29_999, 30_000, 999_999, 3_999_999, 29_999_999):
        if ids(i) != make_id(i) or fast_name(i) != person_name(i):
            raise SystemExit(f"fast generators disagree with common.py at {i}")
    big_csv = folder / f"people-{members}.csv"
    small_csv = folder / f"people-{small}.csv"
    with (
        big_csv.open("w", encoding="utf-8") as big,
        small_csv.open("w", encoding="utf-8") as little,
    ):
        big.write(ENROLL_HEADER)
        little.write(ENROLL_HEADER)
        for start in range(0, members, BATCH):
            chunk = "".join(
                f"{fast_name(i)},{ids(i)},139{i:08d},{department(i)},是\n"
                for i in range(start, min(start + BATCH, members))
            )
            big.write(chunk)
            if start < small:
                little.write("".join(chunk.splitlines(keepends=True)[: small - start]))
    rng = random.Random(12)
    order = list(range(members + strangers))  # members are 0..N-1, strangers N..N+S-1
    rng.shuffle(order)
    latest = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).replace(tzinfo=None, microsecond=0)
    latest -= dt.timedelta(minutes=5)
    pool = 10_007
    times = [
        f"{latest - dt.timedelta(minutes=rng.randint(0, 6 * 24 * 60)):%Y-%m-%d %H:%M:%S}"
        for _ in range(pool)
    ]
    codes = [rng.choice(CODES) for _ in range(pool)]
    results = [rng.choice(RESULTS) for _ in range(pool)]
    feed = folder / f"feed-{members + strangers}.csv"
    with feed.open("w", encoding="utf-8") as out:
        out.write(FEED_HEADER)
        for start in range(0, len(order), BATCH):
            out.write(
                "".join(
                    f"{fast_name(i)},{ids(i)},{codes[i % pool]},{times[i % 9973]},"
                    f"{results[i * 7 % pool]},{VACCINES[i % 5]},{i % 4},"
                    f"2022-0{1 + i % 9}-15\n"
                    for i in order[start : start + BATCH]
                )
            )
    return small_csv, big_csv, feed


@dataclass
class Measure:
    seconds: float
    peak_mb: float
    ok: bool
    error: str = ""


# The measured command is started by a small Python process of its own: a child forked from
# this one (which holds the generated data) would count this process's pages, copied at the
# fork, as its own peak RSS until it execs.
_WRAPPER = (
    "import os, subprocess, sys\n"
    "child = subprocess.Popen(sys.argv[2:])\n"
    "_, status, usage = os.wait4(child.pid, 0)\n"
    "with open(sys.argv[1], 'w') as out:\n"
    "    out.write(f'{usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}')\n"
)


def measure(argv: list[str], env: dict[str, str], stdout: Path) -> Measure:
    """Wall time and peak RSS of one command (its own rusage, from wait4 in a small
    wrapper process)."""
    err = stdout.with_suffix(stdout.suffix + ".err")
    figures = stdout.with_suffix(stdout.suffix + ".rusage")
    with stdout.open("wb") as out, err.open("wb") as errors:
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", _WRAPPER, str(figures), *argv],
            env=env,
            stdout=out,
            stderr=errors,
            check=False,
        )
        seconds = time.perf_counter() - start
    maxrss, code = (int(v) for v in figures.read_text().split())
    proc = subprocess.CompletedProcess(argv, code)
    usage = types.SimpleNamespace(ru_maxrss=maxrss)
    message = ""
    if proc.returncode != 0:
        lines = err.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        message = f"exit {proc.returncode}: {lines[-1] if lines else 'no message'}"
    return Measure(seconds, usage.ru_maxrss / 1024, proc.returncode == 0, message)


def progress(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def fresh_store(folder: Path) -> dict[str, str]:
    folder.mkdir()
    env = store_env(folder)
    env.pop("COLUMNS", None)
    run_quietly(init_steps(), env)
    return env


def build_plain_db(path: Path, shown: Path) -> int:
    """The rows and columns of the show CSV, as they are, in a plain SQLite table."""
    con = sqlite3.connect(path)
    rows = 0
    with shown.open(encoding="utf-8-sig", newline="") as source, con:
        reader = csv.reader(source)
        header = next(reader)
        columns = ", ".join(f'"{c}" TEXT' for c in header)
        con.execute(f"CREATE TABLE members ({columns})")
        insert = f"INSERT INTO members VALUES ({', '.join('?' * len(header))})"
        while batch := [row for _, row in zip(range(BATCH), reader, strict=False)]:
            con.executemany(insert, batch)
            rows += len(batch)
    con.close()
    return rows


def lines_in(path: Path) -> int:
    count = 0
    with path.open("rb") as source:
        while block := source.read(1 << 24):
            count += block.count(b"\n")
    return count


def summary_available(env: dict[str, str]) -> bool:
    probe = subprocess.run([*TUANTI, "summary", "--help"], env=env, capture_output=True)
    return probe.returncode == 0


def mb(path: Path) -> str:
    size = sum(p.stat().st_size for p in path.rglob("*")) if path.is_dir() else path.stat().st_size
    return f"{size / 1e6:,.0f} MB"


Row = tuple[str, str, str, str]  # figure, measured, target, status


def judged(label: str, value: float, limit: float, unit: str, shown: str) -> Row:
    return (label, shown, f"<= {limit:g}{unit}", "ok" if value <= limit else "MISS")


def time_rows(label: str, m: Measure, limit_mb: float) -> list[Row]:
    return [
        (f"{label}: time", f"{m.seconds:.2f} s", "", ""),
        judged(f"{label}: peak RSS", m.peak_mb, limit_mb, " MB", f"{m.peak_mb:.0f} MB"),
    ]


def ratio_row(label: str, ours: Measure, theirs: Measure, limit: float) -> Row:
    ratio = ours.seconds / theirs.seconds
    return judged(label, ratio, limit, "x", f"{ratio:.2f}x")


def failed_row(label: str, m: Measure) -> Row:
    return (label, "failed", "", f"FAIL ({m.error})")


def run(folder: Path, members: int, strangers: int) -> list[Row]:
    small = max(1, members // 10)
    began = time.perf_counter()
    progress(f"writing {members:,} members, {small:,} members, {members + strangers:,} feed rows")
    small_csv, big_csv, feed = write_data(folder, members, strangers, small)
    progress(
        f"data written in {time.perf_counter() - began:.0f} s: {big_csv.name} {mb(big_csv)}, "
        f"{feed.name} {mb(feed)}"
    )
    rows: list[Row] = []

    # Import: the N/10 file, then the N file, each into a fresh store.
    env_small = fresh_store(folder / "small")
    progress(f"enroll import {small:,}")
    imp_small = measure(
        [*TUANTI, "enroll", "import", ROSTER, str(small_csv)], env_small, folder / "imp-small.out"
    )
    shutil.rmtree(folder / "small", ignore_errors=True)
    env = fresh_store(folder / "big")
    progress(f"enroll import {members:,}")
    imp_big = measure(
        [*TUANTI, "enroll", "import", ROSTER, str(big_csv)], env, folder / "imp-big.out"
    )
    if imp_small.ok:
        rows.append((f"import {small:,}: time", f"{imp_small.seconds:.2f} s", "", ""))
    else:
        rows.append(failed_row(f"import {small:,}", imp_small))
    if not imp_big.ok:
        rows.append(failed_row(f"import {members:,}", imp_big))
        return rows  # nothing else can be measured without the roster
    rows += time_rows(f"import {members:,}", imp_big, IMPORT_MB)
    if imp_small.ok:
        rows.append(
            ratio_row(f"import {members:,} / import {small:,}", imp_big, imp_small, IMPORT_RATIO)
        )
    rows.append((f"  store after import: {mb(folder / 'big' / 'store')}", "", "", ""))

    # Refresh against the feed, next to DuckDB joining the same two files into a table.
    progress("DuckDB LEFT JOIN into a table")
    duck_db = folder / "join.duckdb"
    duck = measure(
        [sys.executable, "-c", DUCKDB_SCRIPT, str(big_csv), str(feed), str(duck_db)],
        env,
        folder / "duckdb.out",
    )
    duck_db.unlink(missing_ok=True)
    progress("refresh")
    refresh_out = folder / "refresh.json"
    refresh = measure(
        [*TUANTI, "refresh", "--feed", str(feed), "--format", "json"], env, refresh_out
    )
    if not duck.ok:
        rows.append(failed_row("DuckDB join", duck))
    else:
        rows.append(("DuckDB join into a table: time", f"{duck.seconds:.2f} s", "", ""))
        rows.append(("DuckDB join: peak RSS", f"{duck.peak_mb:.0f} MB", "(information)", ""))
    if not refresh.ok:
        rows.append(failed_row("refresh", refresh))
    else:
        rows += time_rows(f"refresh {members:,} x {members + strangers:,}", refresh, REFRESH_MB)
        if duck.ok:
            rows.append(ratio_row("refresh / DuckDB join", refresh, duck, REFRESH_RATIO))
        try:
            outcome = json.loads(refresh_out.read_text(encoding="utf-8"))
            matched = f"matched {outcome.get('matched')}, changed {outcome.get('changed')}"
        except (ValueError, AttributeError):
            matched = "output not JSON"
        rows.append((f"  refresh: {matched}", "", "", ""))

    # show --format csv, next to sqlite-utils rows --csv of the same rows and columns.
    progress("show --format csv")
    shown = folder / "show.csv"
    show = measure(
        [*TUANTI, "show", ROSTER, "--format", "csv", "--output", str(shown)],
        env,
        folder / "show.out",
    )
    if not show.ok:
        rows.append(failed_row("show --format csv", show))
    else:
        progress("plain SQLite copy of the show output")
        plain_db = folder / "plain.db"
        copied = build_plain_db(plain_db, shown)
        progress("sqlite-utils rows --csv")
        plain_out = folder / "plain.csv"
        plain = measure(
            [sibling("sqlite-utils"), "rows", str(plain_db), "members", "--csv"], env, plain_out
        )
        rows += time_rows(f"show --format csv ({copied:,} rows)", show, SHOW_MB)
        if not plain.ok:
            rows.append(failed_row("sqlite-utils rows --csv", plain))
        else:
            rows.append(("sqlite-utils rows --csv: time", f"{plain.seconds:.2f} s", "", ""))
            rows.append(ratio_row("show csv / sqlite-utils rows", show, plain, SHOW_RATIO))
            if lines_in(plain_out) != copied + 1 or copied != members:
                rows.append(("  row counts differ", f"{copied:,} / {members:,}", "", "CHECK"))
        shown.unlink(missing_ok=True)
        plain_out.unlink(missing_ok=True)

    # summary --by department.
    if not summary_available(env):
        rows.append(("summary: not available", "", "", "n/a"))
    else:
        progress("summary --by department")
        summary_out = folder / "summary.json"
        summary = measure(
            [*TUANTI, "summary", ROSTER, "--by", "department", "--format", "json"],
            env,
            summary_out,
        )
        if not summary.ok:
            rows.append(failed_row("summary --by department", summary))
        else:
            rows.append(
                judged(
                    "summary --by department: time",
                    summary.seconds,
                    SUMMARY_SECONDS,
                    " s",
                    f"{summary.seconds:.2f} s",
                )
            )
            rows.append(
                judged(
                    "summary --by department: peak RSS",
                    summary.peak_mb,
                    SUMMARY_MB,
                    " MB",
                    f"{summary.peak_mb:.0f} MB",
                )
            )
            try:
                groups = len(json.loads(summary_out.read_text(encoding="utf-8")))
                rows.append((f"  summary: {groups:,} department rows", "", "", ""))
            except (ValueError, TypeError):
                rows.append(("  summary: output not JSON", "", "", "CHECK"))
    if refresh.ok:
        rows += after_a_second_refresh(folder, env, feed)
    return rows


def info_rows(label: str, m: Measure) -> list[Row]:
    """Time and peak RSS of a step that has no target (for information)."""
    if not m.ok:
        return [failed_row(label, m)]
    return [
        (f"{label}: time", f"{m.seconds:.2f} s", "(information)", ""),
        (f"{label}: peak RSS", f"{m.peak_mb:.0f} MB", "(information)", ""),
    ]


def after_a_second_refresh(folder: Path, env: dict[str, str], feed: Path) -> list[Row]:
    """For information: the same feed in other bytes (a refresh that changes nothing, as
    most of a day's four are), then a second feed in which every green code turned yellow
    (about half the members change), then ``changes`` (JSON and the table) and ``report
    --format json`` of the million members — the paths that must stream however many
    changed."""
    progress("refresh again, the same content (a blank line added)")
    with feed.open("a", encoding="utf-8") as out:
        out.write("\n")
    again = folder / "refresh-again.json"
    rows = info_rows(
        "refresh, nothing changes",
        measure([*TUANTI, "refresh", "--feed", str(feed), "--format", "json"], env, again),
    )
    try:
        changed = json.loads(again.read_text(encoding="utf-8")).get("changed")
        rows.append((f"  refresh, nothing changes: changed {changed}", "", "", ""))
    except (ValueError, AttributeError):
        rows.append(("  refresh, nothing changes: output not JSON", "", "", "CHECK"))
    progress("second feed: every green code yellow")
    second = folder / "feed-second.csv"
    with feed.open(encoding="utf-8") as source, second.open("w", encoding="utf-8") as out:
        for block in iter(lambda: source.read(1 << 24), ""):
            out.write(block.replace(",绿码,", ",黄码,"))
    progress("second refresh")
    refreshed = folder / "refresh-second.json"
    rows += info_rows(
        "second refresh",
        measure([*TUANTI, "refresh", "--feed", str(second), "--format", "json"], env, refreshed),
    )
    second.unlink()
    try:
        changed = json.loads(refreshed.read_text(encoding="utf-8")).get("changed")
        rows.append((f"  second refresh: changed {changed}", "", "", ""))
    except (ValueError, AttributeError):
        rows.append(("  second refresh: output not JSON", "", "", "CHECK"))
    for label, argv, out in (
        ("changes --format json", ["changes", ROSTER, "--format", "json"], "changes.json"),
        ("changes (table)", ["changes", ROSTER], "changes.txt"),
        ("report --format json", ["report", ROSTER, "--format", "json"], "report.json"),
    ):
        progress(label)
        rows += info_rows(label, measure([*TUANTI, *argv], env, folder / out))
        (folder / out).unlink(missing_ok=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=1_000_000, help="roster size")
    parser.add_argument(
        "--strangers", type=int, default=3_000_000, help="feed rows that are not members"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="tuanti-scale-"))
    began = time.perf_counter()
    try:
        rows = run(folder, args.members, args.strangers)
    finally:
        if args.keep:
            progress(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    total = time.perf_counter() - began
    print(
        f"{args.members:,} members in {DEPARTMENTS:,} departments, a feed of "
        f"{args.members + args.strangers:,} rows ({args.strangers:,} strangers); "
        "one run of each step, whole process, wall time; peak RSS of that process (wait4)"
    )
    width = max(len(r[0]) for r in rows) + 2
    for figure, value, target, status in rows:
        print(f"  {figure:<{width}}{value:>12}  {target:<14}{status}".rstrip())
    misses = sum(r[3] not in ("", "ok") for r in rows)
    print(f"{misses} target(s) missed or not measured; bench took {total:.0f} s")


if __name__ == "__main__":
    main()
