"""The ``tuanti`` command. The language is settled before the Typer apps are built."""

from __future__ import annotations

import sys


def _language_from_argv(argv: list[str]) -> str | None:
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


def main() -> None:
    """Console-script entry point."""
    from tuanti_cli import i18n

    lang = _language_from_argv(sys.argv[1:])
    if lang in i18n.LANGUAGES:
        i18n.set_language(lang)
    from tuanti_cli.cli.app import app

    app(prog_name="tuanti")
