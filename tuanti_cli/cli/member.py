"""``tuanti member withdraw`` (one member, or a list with ``--from``) and ``member copy``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

import typer
from typer._click.exceptions import UsageError

from tuanti_cli import clock, rosters
from tuanti_cli.cli.output import echo, file_to_write, info, open_output, to_json
from tuanti_cli.cli.prompts import confirm_or_stop
from tuanti_cli.cli.state import stdin_is_terminal
from tuanti_cli.errors import InputError
from tuanti_cli.i18n import field_label, t, t_masked
from tuanti_cli.printable import shown

if TYPE_CHECKING:
    from tuanti_cli import rights
    from tuanti_cli.cli.state import AppState
    from tuanti_cli.models import Roster
    from tuanti_cli.store import Store

app = typer.Typer(help=t("help.member"), no_args_is_help=True)

TextOrJson = Literal["text", "json"]
CopyFormat = Literal["json", "html"]
LISTED_MAX = 100
"""Member numbers listed in a text report or a confirmation; JSON lists them all."""


@app.command("withdraw", help=t("help.member_withdraw_list"))
def withdraw(
    ctx: typer.Context,
    roster_ref: str = typer.Argument(..., metavar="ROSTER", help=t("opt.roster_ref")),
    member_no: str | None = typer.Argument(
        None, metavar="[MEMBER_NO]", help=t("opt.member.member_no_single")
    ),
    source: str | None = typer.Option(None, "--from", metavar="FILE", help=t("opt.member.from")),
    dry_run: bool = typer.Option(False, "--dry-run", help=t("opt.member.dry_run")),
    yes: bool = typer.Option(False, "--yes", help=t("opt.yes_confirm")),
    output_format: TextOrJson = typer.Option("text", "--format", help=t("opt.member.format")),
) -> None:
    if (member_no is None) == (source is None):
        key = "withdraw.need_one" if member_no is None else "withdraw.one_of"
        raise UsageError(t(key))  # not --from's fault more than MEMBER_NO's
    if source is None:
        for option, given in (("--dry-run", dry_run), ("--format", output_format != "text")):
            if given:
                raise typer.BadParameter(t("withdraw.from_only", option=option), param_hint=option)
    state: AppState = ctx.obj
    if source is not None:
        _withdraw_list(state, roster_ref, source, dry_run, yes, output_format)
        return
    assert member_no is not None
    from tuanti_cli import enrollment

    with state.open_store() as store:
        roster = rosters.get_roster(store, roster_ref)
        internal = enrollment.member_id(store, roster, member_no)  # unknown: fails before asking
        if not yes:
            if not stdin_is_terminal():
                raise InputError("member.need_yes", member_no=member_no.upper())
            # Named in full, as everywhere: a member number alone is easily the wrong one.
            (name,) = store.query("SELECT name FROM member WHERE id = ?", (internal,))[0]
            confirm_or_stop(
                t_masked(
                    "member.confirm",
                    name=shown(name),
                    member_no=member_no.upper(),
                    roster=shown(roster.name),
                    roster_id=roster.roster_id,
                )
            )
        enrollment.withdraw(store, roster, member_no, clock.now())
    info(t("member.withdrawn", member_no=member_no.upper()))
    info(t("member.withdrawn_form"))


def _withdraw_list(
    state: AppState, roster_ref: str, source: str, dry_run: bool, yes: bool, output_format: str
) -> None:
    from tuanti_cli.textfile import STDIN, is_stream, read_bytes

    # A list read from standard input leaves no terminal to answer on, and cannot be read
    # twice (once to show, once to erase).
    can_ask = source != STDIN and stdin_is_terminal()
    if not (yes or dry_run or can_ask):
        raise InputError("withdraw.need_yes")
    data = None
    if not (yes or dry_run) and is_stream(Path(source)):
        # A pipe can be read only once: its bytes, in memory, serve both passes.
        data = read_bytes(source)
    with state.open_store() as store:
        roster = rosters.get_roster(store, roster_ref)
        expected = None
        if not (yes or dry_run):
            # Shown and asked before the erasing transaction: a person thinking must not
            # hold the store's write lock (a refresh may be due).
            preview = _run_list(store, roster, source, dry_run=True, record=False, data=data)
            if preview.withdrawn:
                count = len(preview.withdrawn)
                members = _listed(preview.withdrawn)
                info(
                    t(
                        "withdraw.to_confirm",
                        count=count,
                        roster_id=roster.roster_id,
                        members=members,
                    )
                )
                confirm_or_stop(t("withdraw.confirm", count=count))
            expected = preview.withdrawn
        report = _run_list(store, roster, source, dry_run=dry_run, expected=expected, data=data)
    if output_format == "json":
        echo(to_json(report.as_json()))
    else:
        _print_report(report)


def _run_list(
    store: Store,
    roster: Roster,
    source: str,
    dry_run: bool,
    expected: list[str] | None = None,
    record: bool = True,
    data: bytes | None = None,
) -> rights.WithdrawalReport:
    from tuanti_cli import rights
    from tuanti_cli.ingest import open_records

    try:
        with open_records(source, "auto", "auto", None, rights.RECOGNIZER, data) as parsed:
            return rights.withdraw_list(
                store, roster, parsed, clock.now(), dry_run, expected=expected, record=record
            )
    except InputError as exc:
        if exc.key not in _LIST_ADVICE:
            raise
        # This command has no --column to offer, as the readers' messages do.
        raise InputError(_LIST_ADVICE[exc.key], **exc.params) from None


_LIST_ADVICE = {"input.columns": "withdraw.columns", "columns.ambiguous": "withdraw.ambiguous"}


def _listed(numbers: list[str]) -> str:
    text = ", ".join(numbers[:LISTED_MAX])
    if len(numbers) > LISTED_MAX:
        text += " " + t("withdraw.more", count=len(numbers) - LISTED_MAX)
    return text


def _print_report(report: rights.WithdrawalReport) -> None:
    counts = {
        "rows": report.rows,
        "requested": report.requested,
        "withdrawn": len(report.withdrawn),
        "not_found": len(report.not_found),
        "rejected": len(report.rejects),
    }
    echo(t("withdraw.summary_dry" if report.dry_run else "withdraw.summary", **counts))
    if report.withdrawn:
        echo(t("withdraw.members", members=_listed(report.withdrawn)))
    lines = [
        (u.row, t("withdraw.not_found_line", row=u.row, field=field_label(u.field), value=u.value))
        for u in report.not_found
    ] + [
        (
            r.row,
            t(
                "import.reject_line",
                row=r.row,
                field=field_label(r.field),
                reason=r.reason,
                value=r.value,
            ),
        )
        for r in report.rejects
    ]
    for _, line in sorted(lines, key=lambda pair: pair[0]):
        echo(line)
    if report.dry_run:
        echo(t("withdraw.dry_run"))


@app.command("copy", help=t("help.member_copy"))
def copy(
    ctx: typer.Context,
    roster_ref: str = typer.Argument(..., metavar="ROSTER", help=t("opt.roster_ref")),
    member_no: str = typer.Argument(..., metavar="MEMBER_NO", help=t("opt.member.member_no")),
    # Never standard output: the copy is unmasked.
    output: Path = typer.Option(
        ..., "--output", parser=file_to_write("copy.not_stdout"), help=t("opt.member.copy_output")
    ),
    output_format: CopyFormat = typer.Option("json", "--format", help=t("opt.member.copy_format")),
) -> None:
    from tuanti_cli import rights
    from tuanti_cli.writing import check_target

    state: AppState = ctx.obj
    protected = state.protected()
    # A bad --output path fails before anything is read (or audited).
    check_target(output, protected, "--output")
    with state.open_store() as store:
        roster = rosters.get_roster(store, roster_ref)
        data = rights.member_copy(store, roster, member_no, clock.now(), output_format)
    with open_output(output, protected, option="--output") as stream:
        if output_format == "html":
            from tuanti_cli.cli.member_html import render_html

            stream.write(render_html(data))
        else:
            stream.write(to_json(data) + "\n")
    info(t_masked("copy.written", member_no=data["member"]["member_no"], path=output))
