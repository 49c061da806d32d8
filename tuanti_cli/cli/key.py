"""``tuanti key rotate``."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

import typer
from typer._click.exceptions import UsageError

from tuanti_cli import clock, keys
from tuanti_cli.cli.output import FILE_ONLY, info
from tuanti_cli.cli.state import AppState, ask_passphrase
from tuanti_cli.errors import InputError
from tuanti_cli.i18n import t, t_masked
from tuanti_cli.signals import held_until_done

app = typer.Typer(help=t("help.key"), no_args_is_help=True)


@app.command("rotate", help=t("help.key_rotate"))
def rotate_command(
    ctx: typer.Context,
    new_key_file: Path | None = typer.Option(
        None, "--new-key-file", parser=FILE_ONLY, help=t("opt.key.new_key_file")
    ),
    new_passphrase: bool = typer.Option(
        False, "--new-passphrase", help=t("opt.key.new_passphrase")
    ),
    data_key: bool = typer.Option(False, "--data-key", help=t("opt.key.data_key")),
) -> None:
    from tuanti_cli import keyslots

    state: AppState = ctx.obj
    # Usage errors that name both options: neither of them is the one at fault.
    if new_key_file is not None and new_passphrase:
        raise UsageError(t("key.rotate_both"))
    if new_key_file is None and not new_passphrase and not data_key:
        raise UsageError(t("key.rotate_none"))
    created = new_key_file.expanduser() if new_key_file is not None else None
    if keyslots.has_slots(state.db_path()):
        _rotate_slotted(state, created, new_passphrase, data_key)
        return
    if data_key and created is None and not new_passphrase:
        raise InputError("admin.no_slots_data_key")
    from tuanti_cli.rotation import rotate
    from tuanti_cli.store import check_store_file

    check_store_file(state.db_path())  # before the key: no passphrase asked for no store
    current = state.key()  # kept: a new passphrase must differ from it
    with state.open_store(current) as store:
        keyed = _new_key(created, current)  # a new passphrase is asked for here, not held
        with held_until_done():
            rotate(store, keyed, clock.now())
            _rotated(created)


def _new_key(created: Path | None, current: keys.Key) -> AbstractContextManager[keys.Key]:
    if created is not None:
        return keys.new_key_file(created)  # removed again if the rotation fails
    return nullcontext(_new_passphrase(current))


def _new_passphrase(current: keys.Key) -> keys.Key:
    """The new passphrase; the one in use is refused, since nothing would change."""
    new = ask_passphrase("TUANTI_NEW_PASSPHRASE", "cli.new_passphrase", confirm=True)
    if new == current:
        raise InputError("key.same_passphrase")
    return new


def _rotated(created: Path | None) -> None:
    if created is not None:
        info(t_masked("key.rotated_file", path=created))
    else:
        info(t("key.rotated_passphrase"))


def _rotate_slotted(
    state: AppState, created: Path | None, new_passphrase: bool, data_key: bool
) -> None:
    """With key slots: the acting admin's own slot, and/or the data key for everyone."""
    from tuanti_cli import keyslots

    acting = state.key()
    passphrase = _new_passphrase(acting) if new_passphrase else None
    with state.locked_store(acting) as store, held_until_done():
        now = clock.now()
        if data_key:
            keyslots.rotate_data_key(store, now)
        if created is not None or passphrase is not None:
            keyed = keys.new_key_file(created) if created is not None else nullcontext(passphrase)
            with keyed as new_key:
                assert new_key is not None
                keyslots.rotate_own_key(store, new_key, now)
        admin_no = store.admin_no
        if data_key:
            info(t("admin.data_key_rotated"))
        if created is not None:
            info(t_masked("admin.rotated_own_file", admin_no=admin_no, path=created))
        elif passphrase is not None:
            info(t("admin.rotated_own_passphrase", admin_no=admin_no))
