"""Start-up stays light, and every command explains itself."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
import typer

HEAVY = ("qrcode", "apscheduler", "openpyxl")


@pytest.mark.parametrize("argv", [["--help"], ["roster", "--help"]])
def test_help_does_not_import_heavy_modules(argv: list[str]) -> None:
    script = (
        "import sys\n"
        f"sys.argv = ['tuanti', *{argv!r}]\n"
        "from tuanti_cli.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "[]"


def _commands(group: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in group.commands.items():
        found.append((*prefix, name))
        if hasattr(command, "commands"):
            found.extend(_commands(command, (*prefix, name)))
    return found


def test_every_command_has_help() -> None:
    from tuanti_cli.cli.app import app

    root = typer.main.get_command(app)
    commands = _commands(root)
    assert ("roster", "create") in commands
    for path in commands:
        command = root
        for part in path:
            command = command.commands[part]
        assert (command.help or "").strip(), path


def test_catalogue_languages_match() -> None:
    from tuanti_cli.messages import AREAS

    for area in AREAS:
        assert set(area.EN) == set(area.ZH), area.__name__
