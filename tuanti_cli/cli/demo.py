"""``tuanti demo``: the whole flow on built-in sample data, in a store that is erased after."""

from __future__ import annotations

import datetime as dt
import tempfile
from importlib import resources
from pathlib import Path

from tuanti_cli import clock, enrollment, rosters, summary, view
from tuanti_cli import report as report_core
from tuanti_cli.cli import table
from tuanti_cli.cli.enroll import print_report
from tuanti_cli.cli.output import echo, info, print_table
from tuanti_cli.cli.refresh import summary_text
from tuanti_cli.cli.report import chart_lines, chart_width
from tuanti_cli.cli.summary import table_cells
from tuanti_cli.compare import refresh
from tuanti_cli.i18n import t, t_masked
from tuanti_cli.ingest import parse
from tuanti_cli.keys import create_key_file
from tuanti_cli.qr import render_text
from tuanti_cli.store import Store
from tuanti_cli.summary import DEPARTMENT_KEYS
from tuanti_cli.timeparse import parse_datetime

DEMO_ADMIN = ("王老师", "13912345678", "110101198001010053")
DEMO_ROSTER = ("示例科技有限公司", "北京市海淀区中关村大街1号")


def sample(name: str) -> bytes:
    """A sample file shipped with the package."""
    return resources.files("tuanti_cli").joinpath("data", name).read_bytes()


def step(title: str) -> None:
    """A heading between the demo's steps."""
    echo("")
    echo(f"== {title}")


def refresh_step(store: Store, feed: str, as_of: str) -> dt.datetime:
    """Refresh from a sample feed as of ``as_of``, print the summary; the moment."""
    step(f"tuanti refresh --feed {feed} --as-of '{as_of}'")
    moment = parse_datetime(as_of)
    with resources.as_file(resources.files("tuanti_cli").joinpath("data", feed)) as feed_path:
        echo(summary_text(refresh(store, feed_path, moment)))
    return moment


def run_demo() -> None:
    """Create a temporary store, a roster and its QR, import sample enrollments, compare
    them with a sample health feed (as of a morning in December 2022), show the table; then
    the next day's feed, the summary by department and the report of those days."""
    info(t("demo.heading"))
    now = clock.now()
    with tempfile.TemporaryDirectory(prefix="tuanti-demo-") as folder:
        db_path = Path(folder) / "store" / "tuanti.db"
        key = create_key_file(Path(folder) / "keys" / "tuanti.key")
        admin = rosters.validate_admin(*DEMO_ADMIN, clock.local_date(now))
        step("tuanti init --admin-name 王老师 --admin-phone 139****5678 --admin-id 11…")
        rosters.init_store(db_path, key, admin, now)
        echo(t_masked("init.done", path=db_path))
        with Store.open(db_path, key) as store:
            step(f"tuanti roster create --name {DEMO_ROSTER[0]} --address {DEMO_ROSTER[1]}")
            issued = rosters.create_roster(store, *DEMO_ROSTER, now, max_nat_days=3)
            echo(t("roster.created", roster_id=issued.roster_id, name=DEMO_ROSTER[0]))
            echo(t("roster.code", code=issued.code))
            echo(render_text(issued.payload))
            echo(issued.payload)
            roster = rosters.get_roster(store, issued.roster_id)

            step(f"tuanti enroll import {roster.roster_id} enrollments.csv")
            parsed = parse(sample("enrollments.csv"), "enrollments.csv", "auto", "auto")
            report = enrollment.import_parsed(store, roster, parsed, now)
            print_report(report, dry_run=False)

            as_of = "2022-12-05 09:00"
            moment = refresh_step(store, "feed.csv", as_of)

            step(f"tuanti show {roster.roster_id} --as-of '{as_of}'")
            produce = table.streamed_view(
                lambda: view.member_records(store, roster, moment),
                view.member_records(store, roster, moment, ordered=False),
                view.view_summary(store, roster, moment),
                roster.max_nat_days,
                table.use_colour(),
                table.terminal_width(),
            )
            echo("\n".join(produce()))

            as_of = "2022-12-06 09:00"
            moment = refresh_step(store, "feed-next-day.csv", as_of)

            step(f"tuanti summary {roster.roster_id} --by department --as-of '{as_of}'")
            print_table(
                None, *table_cells(summary.by_department(store, roster, moment), DEPARTMENT_KEYS)
            )

            as_of = "2022-12-06 18:00"
            step(f"tuanti report {roster.roster_id} --days 3 --as-of '{as_of}'")
            moment = parse_datetime(as_of)
            width = chart_width(table.terminal_width())
            built = report_core.build(store, roster, moment, days=3)
            echo("\n".join(chart_lines(built, moment, width, table.use_colour())))
    info(t("demo.done"))
