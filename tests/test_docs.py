"""The README documents commands that exist, with options they accept; CI runs its tests."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import typer

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
GLOBAL_WITH_VALUE = {"--db", "--key-file", "--lang"}


def readme_commands() -> list[list[str]]:
    """Every ``tuanti …`` invocation in the README's code blocks and inline code."""
    snippets = re.findall(r"```sh\n(.*?)```", README, re.S) + re.findall(
        r"`(tuanti [^`]+)`", README
    )
    commands = []
    for snippet in snippets:
        # A command continued on the next line (`\` at the end) is one command.
        for line in snippet.replace("\\\n", " ").splitlines():
            for part in re.split(r"&&|\|", line):
                part = part.split(" #")[0].split(" < ")[0].split(" > ")[0].strip()
                if part.startswith("tuanti "):
                    commands.append(shlex.split(part)[1:])
    return commands


def options_of(command: Any) -> set[str]:
    return {opt for param in command.params for opt in getattr(param, "opts", [])} | {"--help"}


def test_every_readme_command_exists_with_its_options() -> None:
    from tuanti_cli.cli.app import app

    root = typer.main.get_command(app)
    commands = readme_commands()
    assert len(commands) >= 25
    seen = set()
    for argv in commands:
        tokens = list(argv)
        while tokens and tokens[0].startswith("--"):
            option = tokens.pop(0)
            assert option in options_of(root), (argv, option)
            if option in GLOBAL_WITH_VALUE:
                tokens.pop(0)
        command = root
        path = []
        while tokens and hasattr(command, "commands") and tokens[0] in command.commands:
            path.append(tokens[0])
            command = command.commands[tokens.pop(0)]
        if not path:
            assert tokens in ([], ["--help"]), argv
            continue
        if tokens == ["--help"]:
            continue
        assert not hasattr(command, "commands"), (argv, "names a group, not a command")
        for token in tokens:
            if token.startswith("--"):
                assert token.split("=")[0] in options_of(command), (argv, token)
        seen.add(tuple(path))
    every = {
        ("init",),
        ("demo",),
        ("refresh",),
        ("schedule",),
        ("show",),
        ("changes",),
        ("audit",),
        ("roster", "create"),
        ("roster", "list"),
        ("roster", "qr"),
        ("roster", "verify"),
        ("roster", "reissue"),
        ("roster", "delete"),
        ("enroll", "import"),
        ("enroll", "add"),
        ("member", "withdraw"),
        ("key", "rotate"),
    }
    assert every <= seen, every - seen


def test_quick_start_has_exactly_two_commands_and_ci_runs_the_test_one() -> None:
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", quick, re.S)
    assert len(blocks) == 2
    assert all(len(b.strip().splitlines()) == 1 for b in blocks)
    assert "tuanti demo" in blocks[0]
    test_command = blocks[1].strip().split("&& ", 2)[2]
    assert test_command in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
