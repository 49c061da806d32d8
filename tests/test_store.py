"""The encrypted store: no plaintext, private files, clear key errors, init refuses to overwrite."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlcipher3

from tests.conftest import ADMIN, ADMIN_ID, ADMIN_PHONE, Run
from tests.helpers import bad_check, make_id
from tuanti_cli.keys import create_key_file
from tuanti_cli.store import BackgroundWriter


def store_files(db_path: Path) -> list[Path]:
    return [p for p in db_path.parent.iterdir() if p.name.startswith(db_path.name)]


def test_no_plaintext_in_store_files(run: Run, db_path: Path, key_path: Path) -> None:
    assert run("init", *ADMIN).exit_code == 0
    assert run("roster", "create", "--name", "绝密机构名称", "--address", "某地址").exit_code == 0
    files = store_files(db_path)
    assert files
    for path in files:
        data = path.read_bytes()
        for secret in ("王老师", ADMIN_ID, ADMIN_PHONE, "绝密机构名称", "SQLite format 3"):
            assert secret.encode() not in data, (path, secret)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(db_path.parent.stat().st_mode) == 0o700


def test_wal_files_are_private_while_open(run: Run, db_path: Path, key_path: Path) -> None:
    from tuanti_cli.keys import read_key_file
    from tuanti_cli.store import Store

    assert run("init", *ADMIN).exit_code == 0
    with Store.open(db_path, read_key_file(key_path)) as store:
        with store.transaction() as conn:
            conn.execute("INSERT INTO meta (key, value) VALUES ('x', 'y')")
        wal = Path(f"{db_path}-wal")
        assert wal.exists()
        assert stat.S_IMODE(wal.stat().st_mode) == 0o600


def test_a_wrong_key_names_the_secret_tried_and_a_missing_slot_file(
    run: Run, isolated: Path, db_path: Path, key_path: Path
) -> None:
    assert run("init", *ADMIN).exit_code == 0
    other = isolated / "other.key"
    create_key_file(other)
    both = run("--key-file", str(other), "roster", "list", env={"TUANTI_PASSPHRASE": "x"})
    assert both.exit_code == 1 and "with the key file " in both.stderr, both.stderr
    assert "other.key" in both.stderr and "a key file comes first" in both.stderr
    # A store with admins, restored without its key-slot file: the message points at it.
    admin = ["--name", "李老师", "--phone", "13912345679", "--id", make_id(seq=77)]
    second = isolated / "second.key"
    assert run("admin", "add", *admin, "--key-file", str(second)).exit_code == 0
    keys = db_path.with_name(db_path.name + ".keys")
    keys.rename(isolated / "keys.bak")
    lost = run("roster", "list")
    assert lost.exit_code == 1 and "tuanti.db.keys is missing" in lost.stderr, lost.stderr
    assert lost.stderr.count("\n") == 1
    (isolated / "keys.bak").rename(keys)
    assert run("roster", "list").exit_code == 0


def test_an_error_after_sqlite_rolled_back_by_itself_is_the_one_raised(
    run: Run, db_path: Path, key_path: Path
) -> None:
    from tuanti_cli.keys import read_key_file
    from tuanti_cli.store import Store

    assert run("init", *ADMIN).exit_code == 0
    with Store.open(db_path, read_key_file(key_path)) as store:
        with (
            pytest.raises(sqlcipher3.OperationalError, match="disk is full"),
            store.transaction() as conn,
        ):
            conn.execute("INSERT INTO meta (key, value) VALUES ('x', 'y')")
            conn.execute("ROLLBACK")  # as SQLite does itself on SQLITE_FULL
            raise sqlcipher3.OperationalError("database or disk is full")
        assert store.query("SELECT count(*) FROM meta WHERE key = 'x'") == [(0,)]


def test_a_full_disk_is_named_and_nothing_is_written(
    run: Run, roster_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite rolls back by itself on SQLITE_FULL; the ROLLBACK after it said "cannot rollback
    - no transaction is active" and hid the full disk."""
    from tuanti_cli import store as store_module

    connect = store_module._connect

    def nearly_full(path: Path, key: Any) -> Any:  # as if the disk had no page left to give
        conn = connect(path, key)
        (pages,) = conn.execute("PRAGMA page_count").fetchone()
        conn.execute(f"PRAGMA max_page_count = {pages + 1}")
        return conn

    monkeypatch.setattr(store_module, "_connect", nearly_full)
    people = tmp_path / "people.csv"
    rows = [f"人员{chr(0x4E00 + i)},{make_id(seq=i)},139{i:08d},是" for i in range(400)]
    people.write_text("姓名,身份证号,手机号,同意授权\n" + "\n".join(rows) + "\n", "utf-8")
    result = run("enroll", "import", roster_id, str(people))
    assert result.exit_code == 1, result.output
    assert "The disk holding the store" in result.stderr and "Free some space" in result.stderr, (
        result.stderr
    )
    assert "rollback" not in result.stderr
    monkeypatch.setattr(store_module, "_connect", connect)
    listed = json.loads(run("roster", "list", "--format", "json").stdout)
    assert listed[0]["members"] == 0


def test_wrong_key_file_is_one_sentence(run: Run, isolated: Path) -> None:
    assert run("init", *ADMIN).exit_code == 0
    other = isolated / "other.key"
    create_key_file(other)
    result = run("--key-file", str(other), "roster", "list")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "the key is wrong" in result.stderr
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_wrong_key_in_a_real_process_has_no_sqlcipher_noise(
    run: Run, isolated: Path, db_path: Path
) -> None:
    assert run("init", *ADMIN).exit_code == 0
    other = isolated / "other.key"
    create_key_file(other)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "tuanti_cli",
            "--db",
            str(db_path),
            "--key-file",
            str(other),
            "roster",
            "list",
        ],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "TUANTI_LANG": "en"},
    )
    assert proc.returncode == 1
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("Cannot open the store")


def test_wrong_passphrase(run: Run, isolated: Path) -> None:
    env = {"TUANTI_KEY_FILE": "", "TUANTI_PASSPHRASE": "correct horse"}
    assert run("init", *ADMIN, env=env).exit_code == 0
    ok = run("roster", "list", "--format", "json", env=env)
    assert ok.exit_code == 0, ok.output
    bad = run("roster", "list", env={"TUANTI_KEY_FILE": "", "TUANTI_PASSPHRASE": "wrong"})
    assert bad.exit_code == 1
    assert "the key is wrong" in bad.stderr


def test_passphrase_prompt_is_asked_twice_at_init(run: Run, db_path: Path) -> None:
    from unittest import mock

    with mock.patch("tuanti_cli.cli.state.stdin_is_terminal", return_value=True):
        mismatch = run(
            "--key-file", "", "init", *ADMIN, input="one\ntwo\n", env={"TUANTI_KEY_FILE": ""}
        )
    assert mismatch.exit_code == 1
    assert "differ" in mismatch.stderr
    assert not db_path.exists()


def test_no_key_at_all_says_how_to_give_one(run: Run) -> None:
    assert run("init", *ADMIN).exit_code == 0
    result = run("roster", "list", env={"TUANTI_KEY_FILE": ""})
    assert result.exit_code == 1
    assert "--key-file" in result.stderr and "TUANTI_PASSPHRASE" in result.stderr


def test_malformed_key_file(run: Run, isolated: Path) -> None:
    assert run("init", *ADMIN).exit_code == 0
    bad = isolated / "bad.key"
    bad.write_text("not a key")
    result = run("--key-file", str(bad), "roster", "list")
    assert result.exit_code == 1
    assert "64 hexadecimal" in result.stderr
    missing = run("--key-file", str(isolated / "nope.key"), "roster", "list")
    assert missing.exit_code == 1
    assert "does not exist" in missing.stderr


def test_init_on_an_existing_store_changes_nothing(run: Run, db_path: Path, key_path: Path) -> None:
    assert run("init", *ADMIN).exit_code == 0
    before = {p: p.read_bytes() for p in store_files(db_path)}
    key_before = key_path.read_bytes()
    result = run("init", *ADMIN)
    assert result.exit_code == 1
    assert "already exists" in result.stderr
    assert {p: p.read_bytes() for p in store_files(db_path)} == before
    assert key_path.read_bytes() == key_before


def test_init_validates_the_admin_before_creating_anything(
    run: Run, db_path: Path, key_path: Path
) -> None:
    result = run("init", "--admin-name", "王", "--admin-phone", "12345", "--admin-id", ADMIN_ID)
    assert result.exit_code == 1
    assert result.stderr.startswith("--admin-phone:")
    assert not db_path.exists() and not key_path.exists()
    bad_id = run(
        "init",
        "--admin-name",
        "王",
        "--admin-phone",
        ADMIN_PHONE,
        "--admin-id",
        bad_check(ADMIN_ID),
    )
    assert bad_id.exit_code == 1
    assert "--admin-id" in bad_id.stderr and "check character" in bad_id.stderr
    assert ADMIN_ID[2:14] not in bad_id.stderr


def test_missing_store(run: Run) -> None:
    result = run("roster", "list")
    assert result.exit_code == 1
    assert "tuanti init" in result.stderr


def test_migrations_are_recorded(run: Run, db_path: Path, key_path: Path) -> None:
    from tuanti_cli.keys import read_key_file
    from tuanti_cli.migrations import MIGRATIONS
    from tuanti_cli.store import Store

    assert run("init", *ADMIN).exit_code == 0
    with Store.open(db_path, read_key_file(key_path)) as store:
        names = [r[0] for r in store.query("SELECT name FROM migrations ORDER BY name")]
        assert names == [name for name, _ in MIGRATIONS]
        assert store.query("PRAGMA journal_mode")[0][0] == "wal"
        assert store.query("PRAGMA secure_delete")[0][0] == 1
        assert store.query("PRAGMA foreign_keys")[0][0] == 1


def test_a_passphrase_that_is_not_text_is_one_sentence(tmp_path: Path) -> None:
    env = dict(os.environ, TUANTI_DB=str(tmp_path / "s.db"), TUANTI_KEY_FILE="", TUANTI_LANG="en")
    env_bytes = {k.encode(): v.encode() for k, v in env.items()}
    env_bytes[b"TUANTI_PASSPHRASE"] = b"secret\xff\xfepass"
    proc = subprocess.run(
        [sys.executable, "-m", "tuanti_cli", "init", *ADMIN], env=env_bytes, capture_output=True
    )
    assert proc.returncode == 1
    stderr = proc.stderr.decode()
    assert "not text" in stderr and "Traceback" not in stderr and "secret" not in stderr


def test_the_background_writer_gives_the_gil_switch_interval_back() -> None:
    before = sys.getswitchinterval()
    conn = sqlcipher3.connect(":memory:", check_same_thread=False)
    writer = BackgroundWriter(conn)
    assert sys.getswitchinterval() == min(before, BackgroundWriter.SWITCH_SECONDS)
    writer.submit("CREATE TABLE t (x)", ())
    writer.close()
    assert sys.getswitchinterval() == before
    failing = BackgroundWriter(conn)
    failing.submit("INSERT INTO missing VALUES (1)", ())
    with pytest.raises(sqlcipher3.OperationalError):
        failing.close()
    assert sys.getswitchinterval() == before
    conn.close()
