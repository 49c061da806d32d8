"""Real processes at once: show and imports during a refresh, two imports together."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import Run, add_member
from tests.helpers import make_ids, person_name

TUANTI = [sys.executable, "-m", "tuanti_cli"]


def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*TUANTI, *args],
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def write_people(path: Path, ids: list[str], prefix: str) -> Path:
    with path.open("w", encoding="utf-8") as out:
        out.write("name,id_number,phone,consent\n")
        for i, number in enumerate(ids):
            out.write(f"{person_name(i, prefix)},{number},139{i:08d},是\n")
    return path


def write_feed(path: Path, member_ids: list[str], strangers: int) -> Path:
    with path.open("w", encoding="utf-8") as out:
        out.write("id_number,health_code,nat_sampled_at,nat_result\n")
        for i in range(strangers):
            out.write(f"9{i:017d},green,2022-12-05 08:00,negative\n")
        for number in member_ids:
            out.write(f"{number},green,2022-12-05 08:00,negative\n")
    return path


def test_show_and_import_while_a_refresh_runs(run: Run, roster_id: str, tmp_path: Path) -> None:
    members = make_ids(2000)
    assert (
        run(
            "enroll", "import", roster_id, str(write_people(tmp_path / "a.csv", members, "甲"))
        ).exit_code
        == 0
    )
    feed = write_feed(tmp_path / "feed.csv", members, 1_500_000)
    extra = write_people(tmp_path / "b.csv", make_ids(500, start=5000), "乙")
    refresh = start("refresh", "--feed", str(feed), "--format", "json")
    time.sleep(0.3)
    shown = start("show", roster_id, "--format", "json")
    imported = start("enroll", "import", roster_id, str(extra), "--format", "json")
    show_out, show_err = shown.communicate(timeout=60)
    import_out, import_err = imported.communicate(timeout=60)
    refresh_out, refresh_err = refresh.communicate(timeout=120)
    for err in (show_err, import_err, refresh_err):
        assert "locked" not in err and "Traceback" not in err, err
    assert shown.returncode == 0 and len(json.loads(show_out)) in (2000, 2500)
    assert imported.returncode == 0 and json.loads(import_out)["added"] == 500
    assert refresh.returncode == 0, refresh_err
    assert json.loads(refresh_out)["matched"] in (2000, 2500)
    after = json.loads(run("show", roster_id, "--format", "json").stdout)
    assert len(after) == 2500


def test_two_imports_at_once(run: Run, roster_id: str, tmp_path: Path) -> None:
    first = write_people(tmp_path / "a.csv", make_ids(30_000), "甲")
    second = write_people(tmp_path / "b.csv", make_ids(30_000, start=40_000), "乙")
    procs = [
        start("enroll", "import", roster_id, str(p), "--format", "json") for p in (first, second)
    ]
    results = [p.communicate(timeout=120) for p in procs]
    for proc, (out, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err
        assert "locked" not in err
        assert json.loads(out)["added"] == 30_000
    shown = json.loads(run("show", roster_id, "--format", "json").stdout)
    numbers = [m["member_no"] for m in shown]
    assert len(numbers) == 60_000 == len(set(numbers))


def test_a_long_write_makes_others_wait_then_explains(
    run: Run, roster_id: str, db_path: Path, key_path: Path
) -> None:
    from tuanti_cli import store as store_module
    from tuanti_cli.keys import read_key_file
    from tuanti_cli.store import Store

    holder = Store.open(db_path, read_key_file(key_path))
    holder.conn.execute("BEGIN IMMEDIATE")
    try:
        original = store_module.BUSY_TIMEOUT_MS
        store_module.BUSY_TIMEOUT_MS = 300
        try:
            started = time.monotonic()
            result = add_member(run, roster_id, "甲", make_ids(1)[0], "13912345678")
        finally:
            store_module.BUSY_TIMEOUT_MS = original
        assert result.exit_code == 1
        assert "busy" in result.stderr and "Try again" in result.stderr
        assert "locked" not in result.stderr
        assert time.monotonic() - started < 10
    finally:
        holder.conn.execute("ROLLBACK")
        holder.close()
