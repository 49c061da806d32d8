"""Start-up stays light, and every command explains itself."""

from __future__ import annotations

import os
import signal
import string
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import typer

# pydantic: Typer 0.29 parses every option through it (≈120 ms a command); see pyproject.
HEAVY = ("qrcode", "apscheduler", "openpyxl", "pydantic")


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


def test_every_argument_and_option_has_help() -> None:
    from tuanti_cli.cli.app import app

    root = typer.main.get_command(app)
    for path in _commands(root):
        command = root
        for part in path:
            command = command.commands[part]
        for param in command.params:
            assert (getattr(param, "help", None) or "").strip(), (path, param.name)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_message_takes_counts(monkeypatch: pytest.MonkeyPatch, lang: str) -> None:
    # `{rows:row|rows}` picks the English word for a count; every template must accept
    # whole numbers wherever it has a field (Chinese has no plural: one word for both).
    from tuanti_cli import i18n
    from tuanti_cli.messages import CATALOGUE

    monkeypatch.setitem(i18n._current, "lang", lang)
    fields = string.Formatter()
    for key, template in CATALOGUE[lang].items():
        names = {name for _, name, _, _ in fields.parse(template) if name}
        for count in (1, 2, 1_000_000):
            i18n.t(key, **dict.fromkeys(names, count))
    assert i18n.t("withdraw.confirm", count=1).startswith(
        "Withdraw this 1 member " if lang == "en" else "让这 1 名成员"
    )
    assert i18n.t("import.strict_abort", rejected=2).count("2 rows" if lang == "en" else "2 行")


def test_catalogue_languages_match() -> None:
    from tuanti_cli.messages import AREAS

    for area in AREAS:
        assert set(area.EN) == set(area.ZH), area.__name__


def test_show_imports_neither_scheduler_qr_nor_pydantic(tmp_path: Path) -> None:
    env = dict(
        os.environ,
        TUANTI_DB=str(tmp_path / "s.db"),
        TUANTI_KEY_FILE=str(tmp_path / "k"),
        TUANTI_LANG="en",
    )
    tuanti = [sys.executable, "-m", "tuanti_cli"]
    subprocess.run(
        [
            *tuanti,
            "init",
            "--admin-name",
            "王",
            "--admin-phone",
            "13912345678",
            "--admin-id",
            "110101198001010053",
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [*tuanti, "roster", "create", "--name", "A", "--address", "B"],
        env=env,
        check=True,
        capture_output=True,
    )
    for fmt in ("table", "json", "csv"):
        script = (
            "import sys\n"
            f"sys.argv = ['tuanti', 'show', 'A', '--format', {fmt!r}]\n"
            "from tuanti_cli.cli import main\n"
            "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
            "print(sorted(m for m in ('apscheduler', 'qrcode', 'pydantic') if m in sys.modules),"
            " file=sys.stderr)\n"
        )
        proc = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True
        )
        assert proc.returncode == 0, proc.stderr
        assert proc.stderr.strip().splitlines()[-1] == "[]", (fmt, proc.stderr)


# What the console script `tuanti` runs (pip writes it so); main() is called on line 3.
CONSOLE_SCRIPT = "import sys\nfrom tuanti_cli.cli import main\nsys.exit(main())\n"


def _before_main(stderr: str) -> bool:
    """Whether Ctrl-C found no tuanti code running yet: in Python's own start-up ("Fatal
    Python error: init_import_site") or in the script's import of the entry module (which
    stays light, see below)."""
    frames = [line for line in stderr.splitlines() if line.startswith('  File "')]
    ours = [frame for frame in frames if "<frozen " not in frame]
    return "init_import_site" in stderr or ours == ['  File "<string>", line 2, in <module>']


def test_ctrl_c_at_any_moment_of_start_up_is_no_traceback(store_ready: None) -> None:
    # A Ctrl-C while the modules still loaded (tens of milliseconds) printed a traceback. On
    # a fast machine a late one may find the command done (exit 0).
    interrupted = 0
    for delay in range(0, 101, 10):
        proc = subprocess.Popen(
            [sys.executable, "-c", CONSOLE_SCRIPT, "roster", "list"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(delay / 1000)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=30)
        if _before_main(stderr):
            continue
        assert "Traceback" not in stderr, (delay, stderr)
        assert stderr.count("\n") <= 1, (delay, stderr)
        assert proc.returncode in (0, 130, -signal.SIGINT), (delay, proc.returncode)
        interrupted += proc.returncode == 130
    assert interrupted >= 3  # most delays land in the command, not before or after it


def test_the_entry_module_loads_nothing_before_main() -> None:
    # Until main() runs, a Ctrl-C is Python's traceback: that moment stays as short as can be.
    script = (
        "import sys\n"
        "before = set(sys.modules)\n"
        "import tuanti_cli.cli\n"
        "print(*(set(sys.modules) - before))\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    loaded = set(proc.stdout.split()) - {"__future__"}
    assert loaded == {"tuanti_cli", "tuanti_cli.cli"}
