"""``tuanti admin add|list|remove``: several admins, each with a key slot (PRODUCT §9)."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Literal

import typer
from typer._click.exceptions import UsageError

from tuanti_cli import clock, keys
from tuanti_cli.cli.output import (
    FILE_ONLY,
    echo,
    info,
    minute,
    print_table,
    to_json,
)
from tuanti_cli.cli.prompts import confirm_or_stop
from tuanti_cli.cli.state import AppState, ask_passphrase, stdin_is_terminal, validated_admin
from tuanti_cli.errors import InputError
from tuanti_cli.i18n import t, t_masked
from tuanti_cli.paths import keys_path
from tuanti_cli.signals import held_until_done

app = typer.Typer(help=t("help.admin"), no_args_is_help=True)

_FIELD_OPTIONS = {"name": "--name", "phone": "--phone", "id_number": "--id"}


@app.command("add", help=t("help.admin_add"))
def add_command(
    ctx: typer.Context,
    name: str = typer.Option(..., "--name", help=t("opt.admin.name")),
    phone: str = typer.Option(..., "--phone", help=t("opt.admin.phone")),
    id_number: str = typer.Option(..., "--id", help=t("opt.admin.id")),
    # The same name as the global --key-file: Click keeps the two apart by position
    # (`tuanti --key-file MINE admin add --key-file NEW`), and PRODUCT §3 names it so.
    new_key_file: Path | None = typer.Option(
        None, "--key-file", metavar="NEW", parser=FILE_ONLY, help=t("opt.admin.key_file")
    ),
    passphrase: bool = typer.Option(False, "--passphrase", help=t("opt.admin.passphrase")),
) -> None:
    from tuanti_cli import keyslots

    # Usage errors that name both options: neither of them is the one at fault.
    if new_key_file is not None and passphrase:
        raise UsageError(t("admin.add_both"))
    if new_key_file is None and not passphrase:
        raise UsageError(t("admin.add_none"))
    state: AppState = ctx.obj
    now = clock.now()
    admin = validated_admin(name, phone, id_number, now, _FIELD_OPTIONS)
    created = new_key_file.expanduser() if new_key_file is not None else None
    if created is not None and created.exists():
        # Most likely the acting admin's own key file given after `admin add`.
        raise InputError("admin.key_file_is_own", path=created)
    acting = state.key()
    keyed: AbstractContextManager[keys.Key]
    if created is None:
        # Checked before anyone types a new passphrase twice for nothing.
        with keyslots.open_store(state.db_path(), acting) as store:
            keyslots.check_new_admin(store, admin)
        keyed = nullcontext(
            ask_passphrase("TUANTI_NEW_PASSPHRASE", "cli.new_passphrase", confirm=True)
        )
    with state.locked_store(acting) as store, held_until_done():
        if created is not None:
            keyslots.check_new_admin(store, admin)  # before a key file is made for nobody
            keyed = keys.new_key_file(created)  # removed again if adding fails
        with keyed as new_key:
            added = keyslots.add_admin(store, acting, admin, new_key, now)
        if added.converted:
            info(t("admin.converted"))
        if created is not None:
            info(t_masked("admin.added_file", admin_no=added.admin_no, path=created))
        else:
            info(t("admin.added_passphrase", admin_no=added.admin_no))
        info(t_masked("admin.keys_backup", path=keys_path(state.db_path())))


@app.command("list", help=t("help.admin_list"))
def list_command(
    ctx: typer.Context,
    output_format: Literal["table", "json"] = typer.Option(
        "table", "--format", help=t("opt.format_table_json")
    ),
) -> None:
    from tuanti_cli import audit, keyslots

    with ctx.obj.open_store() as store:
        admins = keyslots.list_admins(store)
        audit.record_read(store, "admin.list", None, admins=len(admins))
    if output_format == "json":
        echo(to_json(admins))
        return
    columns = ("admin_no", "name", "phone", "added", "last_used")
    print_table(
        None,
        [t(f"admin.col.{c}") for c in columns],
        ([minute(a[c]) if c in ("added", "last_used") else a[c] for c in columns] for a in admins),
    )


@app.command("remove", help=t("help.admin_remove"))
def remove_command(
    ctx: typer.Context,
    admin_no: str = typer.Argument(..., metavar="ADMIN_NO", help=t("opt.admin.admin_no")),
    yes: bool = typer.Option(False, "--yes", help=t("opt.yes_confirm")),
) -> None:
    from tuanti_cli import keyslots

    state: AppState = ctx.obj
    number = keyslots.normalise_admin_no(admin_no)
    key = state.key()
    if not yes and not stdin_is_terminal():
        raise InputError("admin.need_yes", admin_no=number)
    if not yes:
        # Asked before the lock is taken: a person thinking must not hold up a refresh.
        with keyslots.open_store(state.db_path(), key) as store:
            keyslots.check_removable(store, number)
        confirm_or_stop(t("admin.confirm", admin_no=number))
    with state.locked_store(key) as store, held_until_done():
        keyslots.remove_admin(store, number, clock.now())
        info(t("admin.removed", admin_no=number))
