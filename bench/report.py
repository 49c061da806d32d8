"""``tuanti report`` of a 10,000-member roster over 30 days of four refreshes a day, next to
``tuanti show --format csv`` of the same roster (target: report ≤ 1.5 × show).

Run with ``python bench/report.py [FOLDER]``. It builds the store through the commands
themselves: 10,000 members enrolled from a generated CSV, then 120 refreshes with ``--as-of``
at 06:00, 09:00, 12:00 and 16:00 over the 30 days up to yesterday (none in the future:
a report judges its last day at now, and `show` the latest refresh). Each member samples every one
to four days (the feed carries their latest sampling time), a few turn yellow, red or popup
for a day or two, and a few are missing from some feeds; so history holds realistic change
points (tens of thousands), not one row per member and run. Building takes a few minutes; a
FOLDER that already holds the store is reused. Each command is then timed as a whole process
with standard output to a pipe: once, the first report after the month (each day's first
refresh kept the day before, ``report_days.py``); then, median of RUNS, with no day kept
(every day counted from history, as after a withdrawal or a department change); then as an
office runs it, after the day's first refresh, so that a report counts only today.

It also writes the 7-day page (``report.html``) and renders it with headless Chromium when
that is installed, to a picture to look at and a PDF that must be one A4 page::

    chromium --headless --no-sandbox --disable-gpu --no-first-run \\
      --disable-background-networking --disable-component-update --disable-sync \\
      --user-data-dir=$(mktemp -d) --window-size=1240,1754 \\
      --screenshot=report.png file:///path/report.html
    # and --no-pdf-header-footer --print-to-pdf=report.pdf instead of --screenshot;
    # pdftoppm -png report.pdf page   (poppler-utils) shows the printed pages
"""

from __future__ import annotations

import datetime as dt
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from common import ROSTER, TUANTI, init_steps, make_id, person_name, run_quietly, store_env

from tuanti_cli.keys import read_key_file
from tuanti_cli.store import Store

MEMBERS = 10_000
DAYS = 30
TIMES = ("06:00", "09:00", "12:00", "16:00")
RUNS = 5
TARGET = 1.5
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def build(folder: Path) -> dict[str, str]:
    """The store with its roster, members and 120 refreshes (skipped when already built)."""
    env = store_env(folder)
    if (folder / "store" / "tuanti.db").exists():
        return env
    run_quietly(init_steps(), env)
    rng = random.Random(8)
    enrol = folder / "members.csv"
    with enrol.open("w", encoding="utf-8") as out:
        out.write("姓名,身份证号,手机号,部门,同意授权\n")
        for i in range(MEMBERS):
            out.write(f"{person_name(i)},{make_id(i)},139{i:08d},部门{'甲乙丙丁戊'[i % 5]},是\n")
    run_quietly([[*TUANTI, "enroll", "import", ROSTER, str(enrol)]], env)
    today = dt.datetime.now(SHANGHAI).date()
    cadence = [rng.randint(1, 4) for _ in range(MEMBERS)]
    phase = [rng.randint(0, 3) for _ in range(MEMBERS)]
    sample_minute = [rng.randint(7 * 60, 11 * 60) for _ in range(MEMBERS)]
    # (member, first day, last day, code): short episodes of a non-green code.
    episodes: dict[int, list[tuple[int, int, str]]] = {}
    for _ in range(MEMBERS // 25):
        member, start = rng.randrange(MEMBERS), rng.randrange(DAYS)
        code = rng.choice(("黄码", "黄码", "红码", "弹窗"))
        episodes.setdefault(member, []).append((start, start + rng.randint(0, 2), code))
    feed = folder / "feed.csv"
    started = time.perf_counter()
    for day in range(DAYS):
        date = today - dt.timedelta(days=DAYS - day)
        for at in TIMES:
            moment = dt.datetime.combine(date, dt.time.fromisoformat(at))
            with feed.open("w", encoding="utf-8") as out:
                out.write("姓名,证件号码,健康码状态,核酸采样时间,核酸结果,疫苗接种状态\n")
                for i in range(MEMBERS):
                    if rng.random() < 0.002:
                        continue  # not in this feed
                    last = day - (day + phase[i]) % cadence[i]
                    sampled = dt.datetime.combine(
                        today - dt.timedelta(days=DAYS - last), dt.time()
                    ) + dt.timedelta(minutes=sample_minute[i])
                    if sampled > moment:  # sampled later today: the previous one stands
                        sampled -= dt.timedelta(days=cadence[i])
                    code = next((c for s, e, c in episodes.get(i, []) if s <= day <= e), "绿码")
                    out.write(
                        f"{person_name(i)},{make_id(i)},{code},{sampled:%Y-%m-%d %H:%M},"
                        f"阴性,完成加强免疫\n"
                    )
            run_quietly(
                [[*TUANTI, "refresh", "--feed", str(feed), "--as-of", f"{date} {at}", "--quiet"]],
                env,
            )
        print(f"  day {day + 1}/{DAYS} built ({time.perf_counter() - started:.0f} s)", flush=True)
    return env


def median(argv: list[str], env: dict[str, str], before: Callable[[], None] | None = None) -> float:
    samples = []
    for _ in range(RUNS):
        if before is not None:
            before()
        start = time.perf_counter()
        subprocess.run(argv, env=env, check=True, capture_output=True)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def forget_kept_days(env: dict[str, str]) -> None:
    """Forget every kept day, as a withdrawal does for its roster."""
    key = read_key_file(Path(env["TUANTI_KEY_FILE"]))
    with Store.open(Path(env["TUANTI_DB"]), key) as store:
        store.conn.execute("DELETE FROM report_day")


def render(folder: Path, env: dict[str, str]) -> None:
    page = folder / "report.html"
    page.unlink(missing_ok=True)
    run_quietly([[*TUANTI, "report", ROSTER, "--format", "html", "--output", str(page)]], env)
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        print(f"page: {page} (Chromium not installed: not rendered)")
        return
    common = [
        browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ]  # fmt: skip
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [*common, f"--user-data-dir={profile}", "--window-size=1240,1754",
             f"--screenshot={folder / 'report.png'}", page.as_uri()],
            check=True, capture_output=True,
        )  # fmt: skip
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [*common, f"--user-data-dir={profile}", "--no-pdf-header-footer",
             f"--print-to-pdf={folder / 'report.pdf'}", page.as_uri()],
            check=True, capture_output=True,
        )  # fmt: skip
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", (folder / "report.pdf").read_bytes()))
    print(f"page: {page}; picture {folder / 'report.png'}; PDF {folder / 'report.pdf'}", end="")
    print(f" ({pages} page(s))")


def main() -> int:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="report-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"store in {folder}")
    env = build(folder)
    commands = {
        "show --format csv": [*TUANTI, "show", ROSTER, "--format", "csv"],
        "report (text)": [*TUANTI, "report", ROSTER],
        "report --format json": [*TUANTI, "report", ROSTER, "--format", "json"],
        "report --days 30 --format json": [
            *TUANTI,
            "report",
            ROSTER,
            "--days",
            "30",
            "--format",
            "json",
        ],
        "report --days 30 --by department --format html": [
            *TUANTI,
            "report",
            ROSTER,
            "--days",
            "30",
            "--by",
            "department",
            "--format",
            "html",
        ],
    }
    # The first report after the month of refreshes: each day's first refresh kept the day
    # before, so it counts only the last refreshes' day (from the members' records) and today.
    argv = commands["report --days 30 --format json"]
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, capture_output=True)
    first_report = time.perf_counter() - start
    # With no day kept (after a withdrawal or a department change, or a store whose runs
    # went back in time): every day is counted from history.
    cold = {
        name: median(argv, env, before=lambda: forget_kept_days(env))
        for name, argv in commands.items()
        if name.startswith("report")
    }
    # The day's first refresh (the feed again in new bytes: not skipped, nothing changes)
    # keeps the days since the previous run; from then on a report counts only today.
    feed = folder / "feed.csv"
    # Line ends toggled, so that the bytes differ from the last run's on a reused FOLDER too.
    text = feed.read_bytes()
    crlf = b"\r\n" in text
    feed.write_bytes(text.replace(b"\r\n", b"\n") if crlf else text.replace(b"\n", b"\r\n"))
    run_quietly([[*TUANTI, "refresh", "--feed", str(feed)]], env)
    for argv in commands.values():  # warm-up
        subprocess.run(argv, env=env, check=True, capture_output=True)
    times = {name: median(argv, env) for name, argv in commands.items()}
    base = times["show --format csv"]
    worst = 0.0
    for name, seconds in times.items():
        ratio = seconds / base
        worst = max(worst, ratio)
        print(f"{name:50} {seconds:6.3f} s  {ratio:4.2f} x show csv")
    render(folder, env)
    name = "first report --days 30 --format json after the month"
    print(f"{name:50} {first_report:6.3f} s  {first_report / base:4.2f} x show csv (one run)")
    for name, seconds in cold.items():
        print(f"{name + ', no day kept':50} {seconds:6.3f} s  {seconds / base:4.2f} x show csv")
    print(
        f"worst ratio {worst:.2f} (target ≤ {TARGET}), the days since the day's first refresh kept"
    )
    return 0 if worst <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
