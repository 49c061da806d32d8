"""``tuanti audit`` and ``tuanti changes``: the access log, and status changes."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterator
from typing import Any, Literal

import typer

from tuanti_cli import audit, rosters
from tuanti_cli.cli.output import Tally, echo, info, print_table, to_json, write_json_array
from tuanti_cli.codes import ROSTER_ID_ALPHABET, ROSTER_ID_LENGTH
from tuanti_cli.errors import InputError, NotFound
from tuanti_cli.i18n import t
from tuanti_cli.printable import shown
from tuanti_cli.store import Store

TableOrJson = Literal["table", "json"]


def _roster_id(store: Store, ref: str) -> str:
    """A roster id for filtering; a deleted roster's id still names its entries."""
    try:
        return rosters.get_roster(store, ref).roster_id
    except NotFound:
        candidate = ref.strip().upper()
        if len(candidate) == ROSTER_ID_LENGTH and set(candidate) <= set(ROSTER_ID_ALPHABET):
            return candidate
        raise


def _since(value: str | None) -> dt.datetime | None:
    """``--since`` as the moment the log is read from: a date (its start, Beijing time) or
    a time, in the forms ``--as-of`` takes (``2022-12-01``, ``20221201``, ``2022/12/1 9:00``,
    ISO 8601 with an offset)."""
    if value is None:
        return None
    from tuanti_cli.timeparse import parse_datetime

    try:
        return parse_datetime(value)
    except (ValueError, OverflowError):
        raise InputError("audit.bad_since", value=value) from None


def audit_command(
    ctx: typer.Context,
    roster_ref: str | None = typer.Option(None, "--roster", help=t("opt.roster_filter")),
    since: str | None = typer.Option(None, "--since", help=t("opt.audit.since")),
    output_format: TableOrJson = typer.Option("table", "--format", help=t("opt.format_table_json")),
) -> None:
    start = _since(since)
    with ctx.obj.open_store() as store:
        roster_id = _roster_id(store, roster_ref) if roster_ref else None
        entries = audit.entries(store, roster_id, start)
    if output_format == "json":
        echo(to_json(entries))
        return
    if not entries:
        info(t("audit.none"))
        return
    # Once the store has key slots, each entry names the acting admin (PRODUCT §9).
    with_admin = "admin" in entries[0]
    columns = ("at", "user", "admin", "action", "roster", "detail")
    print_table(
        None,
        [t(f"acol.{c}") for c in columns if with_admin or c != "admin"],
        (
            [
                e["at"][:16].replace("T", " "),
                e["user"],
                *([e["admin"] or ""] if with_admin else []),
                e["action"],
                e["roster"] or "",
                _detail(e["detail"]),
            ]
            for e in entries
        ),
    )


def _detail(detail: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in detail.items())


def _value(field: str, value: Any) -> str:
    if value is None:
        return "—"
    if field == "health_code":
        return t(f"code.{value}")
    if field == "nat_result":
        return t(f"nat.{value}")
    if field == "vaccination":
        return t(f"vaccine.{value}")
    if field == "abnormal":
        return t("changes.yes") if value else t("changes.no")
    return t("punct.list").join(t(f"flag.{f}") for f in value) or "—"


def changes_command(
    ctx: typer.Context,
    roster_ref: str = typer.Argument(..., metavar="ROSTER", help=t("opt.roster_ref")),
    output_format: TableOrJson = typer.Option("table", "--format", help=t("opt.format_table_json")),
) -> None:
    from tuanti_cli.changes import changes

    with ctx.obj.open_store() as store:
        roster = rosters.get_roster(store, roster_ref)
        found = changes(store, roster)
        if found is None:
            audit.record_read(store, "changes", roster.roster_id, members=0)
            if output_format == "json":
                echo(to_json([]))
            info(t("changes.too_few"))
            return
        # Streamed as it is read (a refresh may change a million members), and audited
        # with the number listed once they are out.
        tally = Tally()
        try:
            with store.snapshot():  # the table's two passes read one state of the store
                if output_format == "json":
                    write_json_array(sys.stdout, tally.count(found))
                    sys.stdout.flush()
                else:
                    _changes_table(lambda: changes(store, roster) or iter(()), tally)
        finally:
            audit.record_read(store, "changes", roster.roster_id, members=tally.seen)


def _changes_table(found: Callable[[], Iterator[dict[str, Any]]], tally: Tally) -> None:
    """The changes as a table (read twice: once to measure the columns, once to print)."""
    from tuanti_cli.cli import table

    parts, colon = t("punct.parts"), t("punct.colon")

    def rows() -> Iterator[list[str]]:
        for c in found():
            yield [
                shown(c["member_no"]),
                shown(c["name"]),
                shown(c["department"] or ""),
                parts.join(
                    f"{t(f'changes.field.{f}')}{colon}{_value(f, c['before'][f])} → "
                    f"{_value(f, c['after'][f])}"
                    for f in c["after"]
                ),
            ]

    headers = [t("mcol.member_no"), t("mcol.name"), t("changes.department"), t("changes.col")]
    count, produce = table.plain_table(headers, rows, width=table.terminal_width(), separator=parts)
    tally.seen = count
    if not count:
        info(t("changes.none"))
        return
    table.emit(produce, count + 2)


def register(app: typer.Typer) -> None:
    """Add ``changes`` and ``audit`` to the root app."""
    app.command("changes", help=t("help.changes"))(changes_command)
    app.command("audit", help=t("help.audit"))(audit_command)
