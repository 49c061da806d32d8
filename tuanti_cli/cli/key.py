"""``tuanti key rotate``."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

import typer

from tuanti_cli import clock, keys
from tuanti_cli.cli.output import info
from tuanti_cli.cli.state import AppState, ask_passphrase
from tuanti_cli.i18n import t

app = typer.Typer(help=t("help.key"), no_args_is_help=True)


@app.command("rotate", help=t("help.key_rotate"))
def rotate_command(
    ctx: typer.Context,
    new_key_file: Path | None = typer.Option(
        None, "--new-key-file", help=t("opt.key.new_key_file")
    ),
    new_passphrase: bool = typer.Option(
        False, "--new-passphrase", help=t("opt.key.new_passphrase")
    ),
) -> None:
    from tuanti_cli.rotation import rotate

    if (new_key_file is None) == (not new_passphrase):
        raise typer.BadParameter(t("key.rotate_one"), param_hint="--new-key-file")
    state: AppState = ctx.obj
    created = new_key_file.expanduser() if new_key_file is not None else None
    with state.open_store() as store:
        keyed: AbstractContextManager[keys.Key]
        if created is not None:
            keyed = keys.new_key_file(created)
        else:
            keyed = nullcontext(
                ask_passphrase("TUANTI_NEW_PASSPHRASE", "cli.new_passphrase", confirm=True)
            )
        rotate(store, keyed, clock.now())
    if created is not None:
        info(t("key.rotated_file", path=created))
    else:
        info(t("key.rotated_passphrase"))
