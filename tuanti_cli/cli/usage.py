"""Usage errors (an unknown option, a missing value, …) in the user's language, masked.

Click, which Typer bundles, writes them in English only and repeats what was typed, which
may be an ID or a phone in the wrong place (``tuanti show 110101…``). The root group turns
each one into a :class:`MaskedUsageError`: in Chinese under ``zh``, Click's own words under
``en``, long digit runs masked in both. Typer is held below 0.29 (see pyproject), whose
bundled Click these classes come from.
"""

from __future__ import annotations

import re
from typing import IO, Any

import typer
from typer._click.exceptions import (
    BadParameter,
    MissingParameter,
    NoArgsIsHelpError,
    NoSuchOption,
    UsageError,
)

from tuanti_cli import i18n
from tuanti_cli.i18n import t
from tuanti_cli.masking import scrub

_NOT_ONE_OF = re.compile(r"(.*) is not one of (.*)\.")
_NOT_A_NUMBER = re.compile(r"(.*) is not a valid (?:int|integer|float)\.")
_NO_SUCH_COMMAND = re.compile(r"No such command (.*)\.")
_EXTRA_ARGUMENTS = re.compile(r"Got unexpected extra argument\(s\) \((.*)\)")
_DOES_NOT_TAKE = re.compile(r"Option (.*) does not take a value\.")
_REQUIRES = re.compile(r"Option (.*) requires (?:an argument|\d+ arguments)\.")


class MaskedUsageError(UsageError):
    """A usage error in the user's language (usage line and hint too), digit runs masked."""

    def __init__(self, original: UsageError) -> None:
        english = i18n.language() == "en"
        message = original.format_message() if english else translate(original)
        super().__init__(scrub(message), original.ctx)
        self.exit_code = original.exit_code

    def show(self, file: IO[Any] | None = None) -> None:
        """Usage line, the help hint, then the error, as Click lays them out."""
        if self.ctx is not None:
            usage = self.ctx.get_usage().replace("Usage: ", t("usage.usage"), 1)
            command = f"{self.ctx.command_path} {self.ctx.help_option_names[0]}"
            typer.echo(f"{usage}\n{t('usage.try_help', command=command)}\n", err=True)
        typer.echo(t("usage.error", message=self.format_message()), err=True)


def localised(error: UsageError) -> UsageError:
    """The error to show (one that only shows the help stays as it is)."""
    if isinstance(error, NoArgsIsHelpError | MaskedUsageError):
        return error
    return MaskedUsageError(error)


def translate(error: UsageError) -> str:
    """The error's message in the user's language (Click's English when it is not known)."""
    if isinstance(error, MissingParameter) and error.param is not None:
        kind = error.param_type or error.param.param_type_name
        key = "usage.missing_argument" if kind == "argument" else "usage.missing_option"
        return t(key, name=_hint(error))
    if isinstance(error, BadParameter):
        return t("usage.bad_value", name=_hint(error), reason=_reason(error.message))
    if isinstance(error, NoSuchOption):
        text = t("usage.no_such_option", name=error.option_name)
        if error.possibilities:
            text += t("usage.did_you_mean", names=", ".join(sorted(error.possibilities)))
        return text
    message = error.message
    for pattern, key in (
        (_REQUIRES, "usage.needs_value"),
        (_DOES_NOT_TAKE, "usage.takes_no_value"),
        (_NO_SUCH_COMMAND, "usage.no_such_command"),
        (_EXTRA_ARGUMENTS, "usage.extra_arguments"),
    ):
        if match := pattern.fullmatch(message):
            return t(key, name=match.group(1))
    return message


def _hint(error: BadParameter) -> str:
    """How the error names its option or argument (``'--feed'``, ``'ROSTER'``)."""
    if error.param_hint is not None:
        hint = error.param_hint
        return " / ".join(hint) if isinstance(hint, list | tuple) else str(hint)
    if error.param is not None and error.ctx is not None:
        return str(error.param.get_error_hint(error.ctx))
    return ""


def _reason(message: str) -> str:
    if match := _NOT_ONE_OF.fullmatch(message):
        return t("usage.not_one_of", value=match.group(1), choices=match.group(2))
    if match := _NOT_A_NUMBER.fullmatch(message):
        return t("usage.not_a_number", value=match.group(1))
    return message  # our own messages are already in the user's language
