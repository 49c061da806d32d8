"""``tuanti member withdraw``."""

from __future__ import annotations

import typer

from tuanti_cli import clock, rosters
from tuanti_cli.cli.output import info
from tuanti_cli.i18n import t

app = typer.Typer(help=t("help.member"), no_args_is_help=True)


@app.command("withdraw", help=t("help.member_withdraw"))
def withdraw(
    ctx: typer.Context,
    roster_ref: str = typer.Argument(..., metavar="ROSTER", help=t("opt.roster_ref")),
    member_no: str = typer.Argument(..., metavar="MEMBER_NO", help=t("opt.member.member_no")),
    yes: bool = typer.Option(False, "--yes", help=t("opt.yes_confirm")),
) -> None:
    from tuanti_cli import enrollment

    with ctx.obj.open_store() as store:
        roster = rosters.get_roster(store, roster_ref)
        enrollment.member_id(store, roster, member_no)  # an unknown number fails before asking
        question = t("member.confirm", member_no=member_no.upper(), roster_id=roster.roster_id)
        if not yes and not typer.confirm(question, default=False):
            info(t("cli.aborted"))
            raise typer.Exit(1)
        enrollment.withdraw(store, roster, member_no, clock.now())
    info(t("member.withdrawn", member_no=member_no.upper()))
