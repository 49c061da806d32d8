"""``tuanti roster …``: create, list, qr, verify, reissue, delete."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import typer

from tuanti_cli import clock, rosters, view
from tuanti_cli.cli.output import FILE_ONLY, echo, info, minute, print_table, to_json
from tuanti_cli.cli.prompts import confirm_or_stop
from tuanti_cli.cli.state import stdin_is_terminal
from tuanti_cli.codes import NEVER, CodeStatus, expiry_text
from tuanti_cli.errors import InputError
from tuanti_cli.i18n import t, t_masked
from tuanti_cli.rosters import IssuedCode

app = typer.Typer(help=t("help.roster"), no_args_is_help=True)

TextOrJson = Literal["text", "json"]
TableOrJson = Literal["table", "json"]


def _print_issued(issued: IssuedCode, expiry: str) -> None:
    from tuanti_cli.qr import PayloadTooLong, render_text

    echo(t("roster.code", code=issued.code))
    echo(
        t("roster.never_expires")
        if expiry == NEVER
        else t("roster.expires", date=expiry_text(expiry))
    )
    try:
        picture = render_text(issued.payload)
    except PayloadTooLong as exc:
        # A roster made before form URLs were checked: the new code is issued all the same.
        info(str(exc))
    else:
        echo(t("roster.scan"))
        echo(picture)
    echo(issued.payload)


@app.command("create", help=t("help.roster_create"))
def create(
    ctx: typer.Context,
    name: str = typer.Option(..., "--name", help=t("opt.roster.name")),
    address: str = typer.Option(..., "--address", help=t("opt.roster.address")),
    roster_type: str | None = typer.Option(None, "--type", help=t("opt.roster.type")),
    max_nat_days: int = typer.Option(
        rosters.DEFAULT_MAX_NAT_DAYS, "--max-nat-days", help=t("opt.roster.max_nat_days")
    ),
    expires_in: str | None = typer.Option(None, "--expires-in", help=t("opt.roster.expires_in")),
    form_url: str | None = typer.Option(None, "--form-url", help=t("opt.roster.form_url")),
    output_format: TextOrJson = typer.Option("text", "--format", help=t("opt.format_text_json")),
) -> None:
    with ctx.obj.open_store() as store:
        issued = rosters.create_roster(
            store, name, address, clock.now(), roster_type, max_nat_days, expires_in, form_url
        )
        roster = rosters.get_roster(store, issued.roster_id)
    if output_format == "json":
        echo(
            to_json({"roster_id": issued.roster_id, "code": issued.code, "payload": issued.payload})
        )
        return
    info(t("roster.created", roster_id=roster.roster_id, name=roster.name))
    _print_issued(issued, roster.code_expiry)


@app.command("list", help=t("help.roster_list"))
def list_rosters(
    ctx: typer.Context,
    output_format: TableOrJson = typer.Option("table", "--format", help=t("opt.format_table_json")),
) -> None:
    with ctx.obj.open_store() as store:
        summaries = view.roster_summaries(store, rosters.all_rosters(store), clock.now())
    if output_format == "json":
        echo(to_json(summaries))
        return
    if not summaries:
        info(t("roster.none"))
        return
    columns = ("roster_id", "name", "address", "members", "abnormal", "last_refresh")
    print_table(
        None,
        [t(f"col.{c}") for c in columns],
        # Times to the minute, as `summary` shows them (JSON keeps the full stamp).
        ([*(s[c] for c in columns[:-1]), minute(s["last_refresh"])] for s in summaries),
    )


@app.command("qr", help=t("help.roster_qr"))
def qr_command(
    ctx: typer.Context,
    roster_ref: str = typer.Argument(..., metavar="ROSTER", help=t("opt.roster_ref")),
    png: Path | None = typer.Option(None, "--png", parser=FILE_ONLY, help=t("opt.roster.png")),
    svg: Path | None = typer.Option(None, "--svg", parser=FILE_ONLY, help=t("opt.roster.svg")),
    invert: bool = typer.Option(False, "--invert", help=t("opt.roster.invert")),
) -> None:
    from tuanti_cli import qr
    from tuanti_cli.writing import check_target

    protected = ctx.obj.protected()
    if png is not None and svg is not None and png.resolve() == svg.resolve():
        raise typer.BadParameter(t("roster.same_picture_path", path=svg), param_hint="--svg")
    # Both targets are checked before either is written: a refused --svg leaves no --png.
    for path, option in ((png, "--png"), (svg, "--svg")):
        if path is not None:
            check_target(path, protected, option)
    with ctx.obj.open_store() as store:
        roster = rosters.get_roster(store, roster_ref)
        issued = rosters.code_to_show(store, roster, clock.local_date(clock.now()))
    if png is not None:
        qr.write_png(issued.payload, png, protected)
        info(t_masked("roster.wrote", path=png))
    if svg is not None:
        qr.write_svg(issued.payload, svg, protected)
        info(t_masked("roster.wrote", path=svg))
    echo(qr.render_text(issued.payload, invert=invert))


@app.command("verify", help=t("help.roster_verify"))
def verify(
    ctx: typer.Context,
    code_or_payload: str = typer.Argument(
        ..., metavar="CODE_OR_PAYLOAD", help=t("opt.roster.code_or_payload")
    ),
    output_format: TextOrJson = typer.Option("text", "--format", help=t("opt.format_text_json")),
) -> None:
    with ctx.obj.open_store() as store:
        verdict = rosters.verify(store, code_or_payload, clock.local_date(clock.now()))
    if output_format == "json":
        echo(
            to_json(
                {
                    "status": verdict.status.value,
                    "roster_id": verdict.roster_id,
                    "institution": verdict.institution,
                    "expiry": None if verdict.expiry == NEVER else expiry_text(verdict.expiry),
                    "usable": verdict.usable,
                }
            )
        )
    else:
        kind = f"other_{verdict.misstated}" if verdict.misstated else verdict.status.value
        message = t(
            f"verify.{kind}",
            roster_id=verdict.roster_id,
            institution=verdict.institution,
            date=expiry_text(verdict.expiry) if verdict.expiry != NEVER else "",
        )
        if verdict.status is CodeStatus.GENUINE:
            echo(message)
        else:
            typer.echo(message, err=True)
    if not verdict.usable:
        raise typer.Exit(1)


@app.command("reissue", help=t("help.roster_reissue"))
def reissue(
    ctx: typer.Context,
    roster_ref: str = typer.Argument(..., metavar="ROSTER", help=t("opt.roster_ref")),
) -> None:
    with ctx.obj.open_store() as store:
        roster = rosters.get_roster(store, roster_ref)
        issued = rosters.reissue(store, roster, clock.now())
        roster = rosters.get_roster(store, roster.roster_id)
    info(t("roster.reissued", roster_id=roster.roster_id))
    _print_issued(issued, roster.code_expiry)


@app.command("delete", help=t("help.roster_delete"))
def delete(
    ctx: typer.Context,
    roster_ref: str = typer.Argument(..., metavar="ROSTER", help=t("opt.roster_ref")),
    yes: bool = typer.Option(False, "--yes", help=t("opt.yes_confirm")),
) -> None:
    with ctx.obj.open_store() as store:
        roster = rosters.get_roster(store, roster_ref)
        if not yes:
            if not stdin_is_terminal():
                raise InputError("roster.need_yes", roster_id=roster.roster_id)
            (members,) = store.query(
                "SELECT count(*) FROM member WHERE roster_id = ?", (roster.roster_id,)
            )[0]
            question = t(
                "roster.confirm_delete",
                roster_id=roster.roster_id,
                name=roster.name,
                members=members,
            )
            confirm_or_stop(question)
        erased = rosters.delete(store, roster, clock.now())
    info(t("roster.deleted", roster_id=roster.roster_id, members=erased))
