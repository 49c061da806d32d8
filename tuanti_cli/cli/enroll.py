"""``tuanti enroll import`` and ``tuanti enroll add``."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import typer

from tuanti_cli import clock, rosters
from tuanti_cli.cli.output import FILE_ONLY, echo, info, open_output, to_json, write_csv
from tuanti_cli.cli.prompts import ask
from tuanti_cli.cli.state import stdin_is_terminal
from tuanti_cli.errors import FieldError, InputError
from tuanti_cli.i18n import field_label, t, t_masked

if TYPE_CHECKING:
    from tuanti_cli import enrollment
    from tuanti_cli.writing import Protected

app = typer.Typer(help=t("help.enroll"), no_args_is_help=True)

InputFormat = Literal["auto", "csv", "json", "jsonl", "xlsx"]
Encoding = Literal["auto", "utf-8", "gb18030"]
TextOrJson = Literal["text", "json"]
PROGRESS_MIN_BYTES = 1 << 20  # about 10,000 rows of a form export


@contextmanager
def _progress(source: str) -> Iterator[Callable[[int], None] | None]:
    """A Rich progress line on stderr (rows read so far), only for people at a terminal and
    only for big files; the file streams, so its row count is not known in advance."""
    try:
        big = source != "-" and Path(source).stat().st_size >= PROGRESS_MIN_BYTES
    except OSError:
        big = False
    if not big or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress as Bar
    from rich.progress import SpinnerColumn, TextColumn

    columns = (SpinnerColumn(), TextColumn("{task.description} {task.completed:,}"))
    with Bar(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(t("import.progress"), total=None)
        yield lambda done: bar.update(task, completed=done)


def _write_rejects(path: Path, report: enrollment.ImportReport, protected: Protected) -> None:
    with open_output(
        path, protected, option="--rejects", encoding="utf-8-sig", newline=""
    ) as stream:
        write_csv(stream, report.as_json()["rejects"], ("row", "field", "reason", "value"))


@app.command("import", help=t("help.enroll_import"))
def import_command(
    ctx: typer.Context,
    roster_ref: str = typer.Argument(..., metavar="ROSTER", help=t("opt.roster_ref")),
    source: str = typer.Argument(..., metavar="FILE", help=t("opt.enroll.file")),
    input_format: InputFormat = typer.Option(
        "auto", "--input-format", help=t("opt.enroll.input_format")
    ),
    encoding: Encoding = typer.Option("auto", "--encoding", help=t("opt.enroll.encoding")),
    dry_run: bool = typer.Option(False, "--dry-run", help=t("opt.enroll.dry_run")),
    strict: bool = typer.Option(False, "--strict", help=t("opt.enroll.strict")),
    rejects: Path | None = typer.Option(
        None, "--rejects", parser=FILE_ONLY, help=t("opt.enroll.rejects")
    ),
    output_format: TextOrJson = typer.Option("text", "--format", help=t("opt.format_text_json")),
    column: list[str] = typer.Option([], "--column", help=t("opt.enroll.column")),
    consent_answer: list[str] = typer.Option(
        [], "--consent-answer", help=t("opt.enroll.consent_answer")
    ),
) -> None:
    from tuanti_cli import enrollment
    from tuanti_cli.columns import parse_overrides
    from tuanti_cli.ingest import FIELD_ORDER, open_records
    from tuanti_cli.textfile import STDIN
    from tuanti_cli.validate import consent_answers
    from tuanti_cli.writing import check_target

    overrides = parse_overrides(column, FIELD_ORDER)
    try:
        answers = consent_answers(consent_answer)
    except FieldError as exc:
        raise InputError(exc.key, **exc.params) from None
    from_stdin = source == STDIN
    protected = ctx.obj.protected(inputs=() if from_stdin else (Path(source),), stdin=from_stdin)
    if rejects is not None:
        # A bad --rejects path must fail before the import commits anything.
        check_target(rejects, protected, "--rejects")
    with ctx.obj.open_store() as store:
        roster = rosters.get_roster(store, roster_ref)
        try:
            with (
                open_records(source, input_format, encoding, overrides) as parsed,
                _progress(source) as progress,
            ):
                report = enrollment.import_parsed(
                    store, roster, parsed, clock.now(), dry_run, strict, progress, answers
                )
        except InputError as exc:
            if exc.key not in _WITH_OPTIONS:
                raise
            # Only this command has --encoding and --input-format to offer (a feed or a
            # withdrawal list has not).
            raise InputError(_WITH_OPTIONS[exc.key], **exc.params) from None
    if rejects is not None:
        try:
            _write_rejects(rejects, report, protected)
        except InputError as exc:
            if dry_run or report.aborted:
                raise
            raise InputError(
                "output.rejects_after_commit",
                added=report.added,
                updated=report.updated,
                path=rejects,
                reason=exc.params.get("reason") or str(exc).rstrip("."),
            ) from None
    if output_format == "json":
        echo(to_json(report.as_json()))
    else:
        print_report(report, dry_run)
    if rejects is not None:
        info(t_masked("import.rejects_written", path=rejects))
    if report.aborted:
        info(t("import.strict_abort", rejected=report.rejected))
        raise typer.Exit(1)


_WITH_OPTIONS = {"input.encoding": "input.encoding_option", "input.zip": "input.zip_option"}
"""Reading errors, and the same advice with this command's options added."""


def print_report(report: enrollment.ImportReport, dry_run: bool) -> None:
    """The human import report: a summary line, each rejected row, the dry-run note."""
    echo(
        t(
            "import.summary",
            rows=report.rows,
            added=report.added,
            updated=report.updated,
            unchanged=report.unchanged,
            rejected=report.rejected,
            encoding=report.encoding,
        )
    )
    if report.columns:
        echo(t("import.columns"))
        for field, header in report.columns.items():
            echo("  " + t_masked("columns.used", field=field, header=header))
    for r in report.rejects:
        echo(
            t(
                "import.reject_line",
                row=r.row,
                field=field_label(r.field),
                reason=r.reason,
                value=r.value,
            )
        )
    if dry_run:
        echo(t("import.dry_run"))


def _ask_until_valid(label: str, check: Callable[[str], Any], required: bool = True) -> str:
    """A field typed at the terminal, asked again until ``check`` takes it: a typo in the
    phone no longer means typing every field again after the consent question. The reason
    is said in one line, its value masked."""
    while True:
        answer = ask(t(label), required=required)
        if not answer and not required:
            return answer
        try:
            check(answer)
        except FieldError as exc:
            info(t_masked("enroll.ask_again", reason=str(exc)))
            continue
        return answer


_ADD_OPTIONS = {
    "name": "--name",
    "id_number": "--id-number",
    "phone": "--phone",
    "department": "--department",
}


@app.command("add", help=t("help.enroll_add"))
def add_command(
    ctx: typer.Context,
    roster_ref: str = typer.Argument(..., metavar="ROSTER", help=t("opt.roster_ref")),
    name: str | None = typer.Option(None, "--name", help=t("opt.enroll.name")),
    id_number: str | None = typer.Option(None, "--id-number", help=t("opt.enroll.id_number")),
    phone: str | None = typer.Option(None, "--phone", help=t("opt.enroll.phone")),
    department: str | None = typer.Option(None, "--department", help=t("opt.enroll.department")),
    yes: bool = typer.Option(False, "--yes", help=t("opt.enroll.yes")),
) -> None:
    from tuanti_cli import enrollment

    with ctx.obj.open_store() as store:
        roster = rosters.get_roster(store, roster_ref)
        interactive = stdin_is_terminal()
        if not interactive and not (name and id_number and phone and yes):
            raise InputError("enroll.need_options")
        if not yes:
            info(t("enroll.notice", institution=roster.name))
        from tuanti_cli import validate

        today = clock.local_date(clock.now())
        name = name or _ask_until_valid("enroll.ask_name", validate.validate_name)
        id_number = id_number or _ask_until_valid(
            "enroll.ask_id", lambda text: validate.validate_id(text, today)
        )
        phone = phone or _ask_until_valid("enroll.ask_phone", validate.validate_phone)
        if department is None and interactive and not yes:
            typed = _ask_until_valid("enroll.ask_department", validate.validate_department, False)
            department = typed or None
        if not yes:
            from tuanti_cli.validate import is_consent

            if not is_consent(ask(t("enroll.ask_consent"), required=False)):
                info(t("enroll.no_consent"))
                raise typer.Exit(1)
        try:
            member_no, outcome = enrollment.add_one(
                store, roster, name, id_number, phone, clock.now(), department
            )
        except FieldError as exc:
            raise InputError(
                "field.invalid", option=_ADD_OPTIONS[exc.field], reason=str(exc)
            ) from None
    echo(t(f"enroll.{outcome}", name=name.strip(), member_no=member_no))
