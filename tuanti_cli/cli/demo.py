"""``tuanti demo``: the whole flow on built-in sample data, in a store that is erased after."""

from __future__ import annotations

import tempfile
from pathlib import Path

from tuanti_cli import clock, rosters
from tuanti_cli.cli.output import echo, info
from tuanti_cli.i18n import t
from tuanti_cli.keys import create_key_file
from tuanti_cli.qr import render_text
from tuanti_cli.store import Store

DEMO_ADMIN = ("王老师", "13912345678", "110101198001010053")


def run_demo() -> None:
    """Create a temporary store, an admin and a roster, and show its QR."""
    info(t("demo.heading"))
    now = clock.now()
    with tempfile.TemporaryDirectory(prefix="tuanti-demo-") as folder:
        db_path = Path(folder) / "store" / "tuanti.db"
        key = create_key_file(Path(folder) / "keys" / "tuanti.key")
        admin = rosters.validate_admin(*DEMO_ADMIN, clock.local_date(now))
        rosters.init_store(db_path, key, admin, now)
        with Store.open(db_path, key) as store:
            issued = rosters.create_roster(
                store, "示例科技有限公司", "北京市海淀区中关村大街1号", now, max_nat_days=3
            )
            echo(t("roster.created", roster_id=issued.roster_id, name="示例科技有限公司"))
            echo(t("roster.code", code=issued.code))
            echo(render_text(issued.payload))
            echo(issued.payload)
    info(t("demo.done"))
