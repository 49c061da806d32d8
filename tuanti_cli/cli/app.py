"""The root Typer app: global options, error handling, ``init`` and ``demo``."""

from __future__ import annotations

import os
import signal
import sys
from contextlib import AbstractContextManager, nullcontext, suppress
from pathlib import Path
from typing import Any, NoReturn

import typer
from typer._click.core import ParameterSource
from typer._click.exceptions import ClickException, UsageError
from typer.core import TyperGroup

from tuanti_cli import __version__, clock, i18n
from tuanti_cli.cli import (
    admin,
    audit,
    enroll,
    key,
    member,
    refresh,
    report,
    roster,
    show,
    summary,
    usage,
)
from tuanti_cli.cli.output import echo, info
from tuanti_cli.cli.state import AppState, validated_admin
from tuanti_cli.errors import StoreError, TuantiError
from tuanti_cli.i18n import t, t_masked
from tuanti_cli.keys import Key, new_key_file
from tuanti_cli.masking import scrub
from tuanti_cli.paths import keys_path
from tuanti_cli.store import DatabaseError, check_store_path, disk_full

# Python's documented recipe for SIGPIPE exits 1, and so do Click (help text) and Rich
# (tables) when their reader goes away; one status for every kind of output.
PIPE_CLOSED_EXIT = 1


def _reader_went_away() -> NoReturn:
    """Standard output's reader closed the pipe (`tuanti show R | head -1`): end quietly.

    Python's documented recipe: point stdout at devnull, so the interpreter's final flush
    of what is still buffered does not raise again and print "Exception ignored".
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    with suppress(AttributeError, OSError, ValueError):
        os.dup2(devnull, sys.stdout.fileno())
    raise typer.Exit(PIPE_CLOSED_EXIT)


class TuantiGroup(TyperGroup):
    """Turns every project error into one sentence on stderr and its exit code."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        """Parse the root options; a usage error there is worded in the user's language."""
        try:
            return super().parse_args(ctx, args)
        except UsageError as exc:
            raise usage.localised(exc) from exc.__cause__
        except BrokenPipeError:  # `tuanti --help | head -1`
            _reader_went_away()

    def invoke(self, ctx: Any) -> Any:
        """Run the command; its errors become one sentence (usage errors: Click's layout)."""
        try:
            return super().invoke(ctx)
        except UsageError as exc:  # a subcommand's options, or an unknown command
            raise usage.localised(exc) from exc.__cause__
        except BrokenPipeError:
            _reader_went_away()
        except KeyboardInterrupt as exc:
            # Ctrl-C or SIGTERM (tuanti_cli.signals.Interrupted) mid-command: every write is
            # one transaction, rolled back on the way here, and outputs are named only once
            # complete.
            number = getattr(exc, "signum", signal.SIGINT)
            typer.echo(
                t("guards.command_interrupted", signal=signal.Signals(number).name), err=True
            )
            raise typer.Exit(128 + number) from None
        except TuantiError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(exc.exit_code) from None
        except DatabaseError as exc:
            # The disk is full, the file was damaged, … — every write is one transaction, so
            # the store is as it was before this command.
            if disk_full(exc):
                folder = ctx.obj.db_path().parent if isinstance(ctx.obj, AppState) else ""
                typer.echo(t_masked("store.full", folder=folder), err=True)
            else:
                typer.echo(t("store.failed", reason=scrub(str(exc))), err=True)
            raise typer.Exit(1) from None
        except (ClickException, typer.Exit, typer.Abort):  # Click's own ways out, handled by Click
            raise
        except Exception as exc:
            if isinstance(exc, RuntimeError) and sys.stdin is None:
                # A prompt with standard input closed (`<&-`): input() raises "lost sys.stdin".
                typer.echo(t("stdin.closed"), err=True)
                raise typer.Exit(1) from None
            # A bug, not a mistake of the user's: still one sentence, and a traceback could
            # carry personal data (a feed cell, an ID) where the message does not.
            typer.echo(
                t("internal.error", kind=type(exc).__name__, reason=scrub(str(exc))), err=True
            )
            raise typer.Exit(1) from None


app = typer.Typer(
    cls=TuantiGroup,
    help=t("help.app"),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
)
app.add_typer(roster.app, name="roster")
app.add_typer(enroll.app, name="enroll")
app.add_typer(member.app, name="member")
refresh.register(app)
show.register(app)
summary.register(app)
report.register(app)
audit.register(app)
app.add_typer(key.app, name="key")
app.add_typer(admin.app, name="admin")


def _version(value: bool) -> None:
    if value:
        echo(f"tuanti {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: str | None = typer.Option(None, "--db", envvar="TUANTI_DB", help=t("opt.global.db")),
    key_file: str | None = typer.Option(
        None, "--key-file", envvar="TUANTI_KEY_FILE", help=t("opt.global.key_file")
    ),
    lang: str | None = typer.Option(
        None, "--lang", envvar="TUANTI_LANG", help=t("opt.global.lang")
    ),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help=t("opt.global.version")
    ),
) -> None:
    """Global options."""
    if lang is not None:
        i18n.set_language(_language(ctx, lang))
    # Everything tuanti writes (exports, reject reports, images) is for the admin's eyes only.
    os.umask(0o077)
    if key_file == "-":  # not standard input: a key is never piped, and init would make "-"
        raise typer.BadParameter(t("opt.global.key_dash"), param_hint="--key-file")
    # An empty value (TUANTI_KEY_FILE="") means "not given", so a passphrase can take over.
    ctx.obj = AppState(db=Path(db) if db else None, key_file=Path(key_file) if key_file else None)


def _language(ctx: typer.Context, value: str) -> str:
    """The language ``--lang`` or ``TUANTI_LANG`` names. An unusable ``--lang`` is a usage
    error; an unusable ``TUANTI_LANG`` (set once for every command) gives way to the
    locale's language with a warning, rather than making every command fail."""
    chosen = i18n.language_of(value)
    if chosen is not None:
        return chosen
    if ctx.get_parameter_source("lang") is not ParameterSource.ENVIRONMENT:
        raise typer.BadParameter(t("opt.global.bad_lang"), param_hint="--lang")
    fallback = i18n.locale_language()
    i18n.set_language(fallback)  # the warning in the language that follows it
    info(t_masked("lang.env_unusable", value=value))
    return fallback


_ADMIN_OPTIONS = {"name": "--admin-name", "phone": "--admin-phone", "id_number": "--admin-id"}


@app.command("init", help=t("help.init"))
def init(
    ctx: typer.Context,
    admin_name: str = typer.Option(..., "--admin-name", help=t("opt.init.admin_name")),
    admin_phone: str = typer.Option(..., "--admin-phone", help=t("opt.init.admin_phone")),
    admin_id: str = typer.Option(..., "--admin-id", help=t("opt.init.admin_id")),
) -> None:
    from tuanti_cli.rosters import init_store

    state: AppState = ctx.obj
    path = state.db_path()
    check_store_path(path)
    if path.exists():
        raise StoreError("store.exists", path=path)
    now = clock.now()
    admin = validated_admin(admin_name, admin_phone, admin_id, now, _ADMIN_OPTIONS)
    key_file = state.key_file.expanduser() if state.key_file is not None else None
    creating = key_file is not None and not key_file.exists()
    keyed: AbstractContextManager[Key] = (
        new_key_file(key_file)  # removed again if init fails
        if key_file is not None and creating
        else nullcontext(state.key(confirm=True))
    )
    with keyed as key:
        init_store(path, key, admin, now)
    if creating:
        info(t_masked("init.key_created", path=key_file))
    info(t_masked("init.done", path=path))
    info(t_masked("admin.keys_later", path=keys_path(path)))


@app.command("demo", help=t("help.demo"))
def demo_command() -> None:
    from tuanti_cli.cli.demo import run_demo

    run_demo()
