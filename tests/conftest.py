"""Every test gets its own store and key paths; nothing touches a real home folder."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from typer.testing import CliRunner, Result

from tuanti_cli import i18n

# No time limit per example: on a shared two-core machine one example that opens a store can
# take 0.4 s where the next takes 3 ms, and Hypothesis would fail the test as flaky. What the
# property tests check is the result, never the time (the benches measure speed).
settings.register_profile("tuanti", deadline=None)
settings.load_profile("tuanti")

ADMIN = [
    "--admin-name",
    "王老师",
    "--admin-phone",
    "13912345678",
    "--admin-id",
    "110101198001010053",
]
ADMIN_ID = "110101198001010053"
ADMIN_PHONE = "13912345678"


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the store and key at ``tmp_path``; English messages; a pinned console width."""
    monkeypatch.setenv("TUANTI_DB", str(tmp_path / "store" / "tuanti.db"))
    monkeypatch.setenv("TUANTI_KEY_FILE", str(tmp_path / "keys" / "tuanti.key"))
    monkeypatch.setenv("TUANTI_LANG", "en")
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("TUANTI_PASSPHRASE", raising=False)
    monkeypatch.delenv("TUANTI_NEW_PASSPHRASE", raising=False)
    monkeypatch.setitem(i18n._current, "lang", "en")
    return tmp_path


@pytest.fixture
def db_path(isolated: Path) -> Path:
    return isolated / "store" / "tuanti.db"


@pytest.fixture
def key_path(isolated: Path) -> Path:
    return isolated / "keys" / "tuanti.key"


Run = Callable[..., Result]


@pytest.fixture
def run() -> Run:
    """Invoke the CLI in-process; stdout and stderr are kept apart."""
    from tuanti_cli.cli.app import app

    def invoke(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
        saved = os.umask(0o022)
        try:
            return CliRunner().invoke(app, list(args), input=input, env=env)
        finally:
            os.umask(saved)

    return invoke


def add_member(run: Run, roster_id: str, name: str, id_number: str, phone: str) -> Result:
    """``enroll add`` as a script runs it: every option, consent stated with ``--yes``."""
    return run(
        "enroll", "add", roster_id, "--name", name, "--id-number", id_number,
        "--phone", phone, "--yes",
    )  # fmt: skip


def import_report(run: Run, roster: str, path: Path, *extra: str) -> dict[str, Any]:
    """``enroll import --format json`` of ``path``, which must succeed; its report."""
    result = run("enroll", "import", roster, str(path), "--format", "json", *extra)
    assert result.exit_code == 0, result.output
    report: dict[str, Any] = json.loads(result.stdout)
    return report


@pytest.fixture
def store_ready(run: Run) -> None:
    """A store with its admin."""
    result = run("init", *ADMIN)
    assert result.exit_code == 0, result.output


@pytest.fixture
def roster_id(run: Run, store_ready: None) -> str:
    """One roster in the store; returns its id."""
    import json

    result = run(
        "roster", "create", "--name", "示例科技", "--address", "北京市海淀区", "--format", "json"
    )
    assert result.exit_code == 0, result.output
    return str(json.loads(result.stdout)["roster_id"])
