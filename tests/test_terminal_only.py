"""Things only a person at a terminal gets: the pager and the import progress bar."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tuanti_cli.cli import enroll, table


def test_pager_only_for_a_terminal_and_a_tall_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    paged = tmp_path / "paged.txt"
    monkeypatch.setenv("TERM", "xterm")  # TERM=dumb (as some CI set it) means no pager
    monkeypatch.setenv("PAGER", f"cat > {paged}")
    monkeypatch.setenv("LINES", "10")
    tall = [f"line {i}" for i in range(50)]
    monkeypatch.setattr(sys.stdout, "isatty", lambda: False)
    table.emit(tall)
    assert not paged.exists() and capsys.readouterr().out.count("line") == 50
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    table.emit(tall[:3])
    assert not paged.exists()
    table.emit(tall)
    assert paged.read_text(encoding="utf-8").count("line") == 50


def test_progress_bar_only_for_a_terminal_and_a_big_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    big, small = tmp_path / "big.csv", tmp_path / "small.csv"
    big.write_bytes(b"x" * enroll.PROGRESS_MIN_BYTES)
    small.write_bytes(b"x" * 100)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    with enroll._progress(str(big)) as progress:
        assert progress is None
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    for quiet in (str(small), "-", str(tmp_path / "missing.csv")):
        with enroll._progress(quiet) as progress:
            assert progress is None
    with enroll._progress(str(big)) as progress:
        assert callable(progress)
        progress(50_000)


def test_the_pager_gets_no_passphrase(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = tmp_path / "pager-env.txt"
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setenv("PAGER", f"env > {seen}; cat >/dev/null")
    monkeypatch.setenv("LINES", "10")
    monkeypatch.setenv("TUANTI_PASSPHRASE", "correct horse battery staple")
    monkeypatch.setenv("TUANTI_NEW_PASSPHRASE", "another secret phrase")
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    table.emit([f"line {i}" for i in range(50)])
    environment = seen.read_text(encoding="utf-8")
    assert "LINES=10" in environment  # the pager did run, with the rest of the environment
    assert "TUANTI_PASSPHRASE" not in environment and "staple" not in environment
    assert "TUANTI_NEW_PASSPHRASE" not in environment and "another secret" not in environment
