"""``tuanti schedule``: the real APScheduler runs a refresh, and SIGTERM stops it cleanly."""

from __future__ import annotations

import datetime as dt
import os
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.conftest import Run, add_member
from tests.helpers import make_id

FEED = (
    "id_number,name,health_code,nat_sampled_at,nat_result,vaccination\n"
    "{id},甲,green,2022-12-05 08:00,negative,booster\n"
)


def read_until(proc: subprocess.Popen[str], needle: str, timeout: float) -> str:
    """Collect stderr until ``needle`` shows up (or the timeout)."""
    assert proc.stderr is not None
    seen = ""
    selector = selectors.DefaultSelector()
    selector.register(proc.stderr, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    while needle not in seen and time.monotonic() < deadline:
        if selector.select(timeout=0.2):
            line = proc.stderr.readline()
            if not line:
                break
            seen += line
    return seen


def test_scheduler_runs_refresh_and_stops_on_sigterm(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    number = make_id()
    assert add_member(run, roster_id, "甲", number, "13912345678").exit_code == 0
    feed = tmp_path / "feed.csv"
    feed.write_text(FEED.format(id=number), encoding="utf-8")
    zone = ZoneInfo("Asia/Shanghai")
    at = (dt.datetime.now(zone) + dt.timedelta(seconds=4)).strftime("%H:%M:%S")
    proc = subprocess.Popen(
        [sys.executable, "-m", "tuanti_cli", "schedule", "--feed", str(feed), "--at", at],
        env=dict(os.environ),
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        seen = read_until(proc, "matched 1", timeout=30)
        assert "matched 1" in seen, seen
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    shown = run("show", roster_id, "--format", "json").stdout
    assert '"health_code": "green"' in shown


def test_print_cron(run: Run, store_ready: None, tmp_path: Path) -> None:
    result = run(
        "schedule",
        "--feed",
        str(tmp_path / "feed.csv"),
        "--print-cron",
        "--at",
        "06:00,16:30",
        "--tz",
        "Asia/Shanghai",
    )
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if not line.startswith("#")]
    assert len(lines) == 2
    local = dt.datetime.now().astimezone().tzinfo
    six = dt.datetime.combine(dt.date.today(), dt.time(6), ZoneInfo("Asia/Shanghai"))
    six = six.astimezone(local)
    assert lines[0].startswith(f"{six.minute} {six.hour} * * * ")
    assert "refresh --feed" in lines[0] and "--quiet" in lines[0]
    assert "TUANTI_PASSPHRASE" not in result.stdout
    assert result.stdout.startswith("# tuanti refresh at 06:00, 16:30 Asia/Shanghai")
    chinese = run(
        "--lang", "zh", "schedule", "--feed", str(tmp_path / "feed.csv"), "--print-cron",
    )  # fmt: skip
    assert chinese.stdout.startswith("# tuanti refresh，时间 06:00, 09:00, 12:00, 16:00（Asia/")
    # The lines carry the language: cron's environment has no locale, its mail is read here.
    assert " --lang en --db " in lines[0], lines[0]
    cron_zh = [line for line in chinese.stdout.splitlines() if not line.startswith("#")]
    assert all(" --lang zh --db " in line for line in cron_zh), cron_zh


def test_print_cron_refuses_seconds_and_warns_without_a_key_file(
    run: Run, store_ready: None, tmp_path: Path
) -> None:
    feed = str(tmp_path / "feed.csv")
    seconds = run("schedule", "--feed", feed, "--print-cron", "--at", "06:00,09:00:30")
    assert seconds.exit_code == 1 and seconds.stdout == ""
    assert "--at '09:00:30'" in seconds.stderr and "on the minute" in seconds.stderr
    assert "no key file" not in run("schedule", "--feed", feed, "--print-cron").stderr
    # A passphrase store: the lines would fail at every run unless the crontab sets one.
    keyless = run("schedule", "--feed", feed, "--print-cron", env={"TUANTI_KEY_FILE": ""})
    assert keyless.exit_code == 0, keyless.output
    assert "refresh --feed" in keyless.stdout and "--key-file" not in keyless.stdout
    assert "name no key file" in keyless.stderr and "TUANTI_PASSPHRASE" in keyless.stderr


def test_bad_times_and_zones(run: Run, store_ready: None, tmp_path: Path) -> None:
    bad_time = run("schedule", "--feed", str(tmp_path / "f.csv"), "--at", "25:00")
    assert bad_time.exit_code == 1 and "--at" in bad_time.stderr
    bad_zone = run("schedule", "--feed", str(tmp_path / "f.csv"), "--tz", "Mars/Base")
    assert bad_zone.exit_code == 1 and "--tz" in bad_zone.stderr


def test_a_failing_job_logs_one_masked_line_and_no_traceback() -> None:
    script = """
import datetime as dt, os, signal, sys, threading
from zoneinfo import ZoneInfo
from tuanti_cli import schedule

def job():
    raise ValueError("cannot read 110101199003071234")

soon = dt.datetime.now(ZoneInfo("UTC")) + dt.timedelta(seconds=2)
threading.Timer(4, lambda: os.kill(os.getpid(), signal.SIGTERM)).start()
schedule.run_schedule(
    job, [(soon.hour, soon.minute, soon.second)], ZoneInfo("UTC"),
    lambda line: print(line, file=sys.stderr),
)
"""
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert "cannot read 11************1234" in proc.stderr
    assert "Traceback" not in proc.stderr and "110101199003071234" not in proc.stderr
