"""The industry scale (issue #12): a 100,000-member roster through the whole flow, and an
import of a million rows killed half-way. The million-member figures live in bench/scale.py."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import Run
from tests.helpers import all_rows, person_name, query
from tuanti_cli.keys import read_key_file
from tuanti_cli.store import Store
from tuanti_cli.validate import check_character

DEPARTMENTS = 100


def fast_id(index: int) -> str:
    """A valid, distinct ID number for every index below 30 million (cheap to make)."""
    birth = dt.date(1940, 1, 1) + dt.timedelta(days=index % 30000)
    body = f"{110101 + index % 97:06d}{birth:%Y%m%d}{index // 30000 % 1000:03d}"
    return body + check_character(body)


def write_people(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("序号,姓名,身份证号,手机号,所在企业,同意授权\n")
        chunk = []
        for i in range(count):
            chunk.append(
                f"{i + 1},{person_name(i)},{fast_id(i)},139{i:08d},"
                f"{person_name(i % DEPARTMENTS, '企业')},是\n"
            )
            if len(chunk) == 50_000:
                out.write("".join(chunk))
                chunk = []
        out.write("".join(chunk))


def write_feed(path: Path, members: int, strangers: int, codes: tuple[str, ...]) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("证件号码,健康码状态,核酸采样时间,核酸结果\n")
        lines = [
            f"{fast_id(i)},{codes[i % len(codes)]},2022-12-05 0{i % 9}:00,阴性\n"
            for i in range(members)
        ]
        lines += [f"{fast_id(members + i)},绿码,2022-12-05 08:00,阴性\n" for i in range(strangers)]
        out.write("".join(lines))


def test_a_hundred_thousand_members_through_the_whole_flow(
    run: Run, roster_id: str, tmp_path: Path, db_path: Path, key_path: Path
) -> None:
    started = time.monotonic()
    people = tmp_path / "people.csv"
    write_people(people, 100_000)
    imported = run("enroll", "import", roster_id, str(people), "--format", "json")
    assert imported.exit_code == 0, imported.output
    assert json.loads(imported.stdout)["added"] == 100_000

    feed = tmp_path / "feed.csv"
    write_feed(feed, 100_000, 100_000, ("绿码", "绿码", "绿码", "黄码"))
    as_of = ("--as-of", "2022-12-05 12:00")
    refreshed = run("refresh", "--feed", str(feed), *as_of, "--format", "json")
    assert refreshed.exit_code == 0, refreshed.output
    assert json.loads(refreshed.stdout)["matched"] == 100_000

    shown = run("show", roster_id, *as_of, "--format", "csv")
    assert shown.exit_code == 0
    records = list(csv.DictReader(io.StringIO(shown.stdout)))
    assert len(records) == 100_000
    abnormal = sum(r["abnormal"] == "true" for r in records)
    assert abnormal == 25_000  # every fourth member is yellow
    assert records[0]["abnormal"] == "true"  # abnormal first

    summary = run("summary", roster_id, "--by", "department", *as_of, "--format", "json")
    assert summary.exit_code == 0, summary.output
    rows = json.loads(summary.stdout)
    assert len(rows) == DEPARTMENTS
    assert sum(r["members"] for r in rows) == 100_000
    assert sum(r["abnormal"] for r in rows) == abnormal
    assert [r["compliance"] for r in rows] == sorted(r["compliance"] for r in rows)

    # The same content in other bytes (rows reordered) is not skipped, yet adds no history.
    history = query(db_path, key_path, "SELECT count(*) FROM health_history")[0][0]
    lines = feed.read_text("utf-8").splitlines(keepends=True)
    feed.write_text(lines[0] + "".join(reversed(lines[1:])), "utf-8")
    again = run("refresh", "--feed", str(feed), *as_of, "--format", "json")
    assert json.loads(again.stdout)["skipped"] is False
    assert query(db_path, key_path, "SELECT count(*) FROM health_history")[0][0] == history

    # Every yellow member turns green: 25,000 changes, more than are ever sorted, so
    # ``changes`` walks the roster by member number (M00001 … M100000: past M9999).
    write_feed(feed, 100_000, 0, ("绿码",))
    assert run("refresh", "--feed", str(feed), *as_of, "--format", "json").exit_code == 0
    changed = run("changes", roster_id, "--format", "json")
    assert changed.exit_code == 0, changed.output
    found = json.loads(changed.stdout)
    assert len(found) == abnormal
    assert all(c["after"] == {"health_code": "green", "abnormal": False} for c in found)
    numbers = [int(c["member_no"][1:]) for c in found]
    assert numbers == sorted(numbers) and numbers[-1] > 9999
    assert time.monotonic() - started < 60


def test_kill_during_a_chunked_import_of_a_million_rows_leaves_the_roster_as_it_was(
    run: Run, roster_id: str, tmp_path: Path, db_path: Path, key_path: Path
) -> None:
    few = tmp_path / "few.csv"
    write_people(few, 10)
    assert run("enroll", "import", roster_id, str(few)).exit_code == 0
    before = all_rows(db_path, key_path)
    big = tmp_path / "million.csv"
    write_people(big, 1_000_000)
    wal = Path(f"{db_path}-wal")
    proc = subprocess.Popen(
        [sys.executable, "-m", "tuanti_cli", "enroll", "import", roster_id, str(big)],
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    # Many 5,000-row chunks in: the WAL holds a good part of an uncommitted import.
    while time.monotonic() < deadline and proc.poll() is None:
        if wal.exists() and wal.stat().st_size > 16 << 20:
            break
        time.sleep(0.01)
    assert proc.poll() is None, "the import ended before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert all_rows(db_path, key_path) == before
    with Store.open(db_path, read_key_file(key_path)) as store:
        assert store.integrity_ok()
