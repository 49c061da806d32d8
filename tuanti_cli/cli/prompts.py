"""Questions asked at the terminal, in the user's language.

Click's prompts answer in English (``Aborted!``, ``Error: invalid input``), take only
y/yes/n/no and write to standard output. Here every question goes to standard error
(standard output is for data), a yes/no question takes 是/否 as well, and a question ended
with Ctrl-C or Ctrl-D is one translated sentence and exit 1.
"""

from __future__ import annotations

import unicodedata
from typing import NoReturn

import typer

from tuanti_cli.i18n import t

YES = frozenset({"y", "yes", "是", "好", "确定"})
NO = frozenset({"n", "no", "否"})


def yes_or_no(answer: str) -> bool | None:
    """``True`` for a yes, ``False`` for a no or an empty answer (the default), ``None`` for
    anything else; case and full-width forms (``ＹＥＳ``) do not matter."""
    word = unicodedata.normalize("NFKC", answer).strip().lower()
    if word in YES:
        return True
    if not word or word in NO:
        return False
    return None


def confirm_or_stop(question: str) -> None:
    """Ask ``question`` (no by default) until the answer is a yes or a no; unless it is a
    yes, say that nothing was changed and exit 1."""
    while (verdict := yes_or_no(_read(t("cli.confirm", question=question)))) is None:
        typer.echo(t("cli.yes_or_no"), err=True)
    if not verdict:
        _cancelled()


def ask(label: str, required: bool = True) -> str:
    """The answer typed after ``label`` (asked again while empty when ``required``)."""
    while True:
        answer = _read(t("cli.ask", label=label))
        if answer or not required:
            return answer


def ask_secret(label: str) -> str:
    """A secret typed after ``label`` without echo (asked again while empty)."""
    while True:
        if answer := _read(t("cli.ask", label=label), hidden=True):
            return answer


def _read(prompt: str, hidden: bool = False) -> str:
    # Looked up at each call: typer.testing's runner replaces them with readers of its input.
    from typer._click import termui

    try:
        typer.echo(prompt, nl=False, err=True)
        return termui.hidden_prompt_func("") if hidden else termui.visible_prompt_func("")
    except (KeyboardInterrupt, EOFError):
        typer.echo(err=True)  # the cursor still stands after the question
        _cancelled()


def _cancelled() -> NoReturn:
    typer.echo(t("cli.aborted"), err=True)
    raise typer.Exit(1)
