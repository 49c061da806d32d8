"""The environment a command runs in: store files, key files, locale, pipes, stdin, pagers."""

from __future__ import annotations

import ctypes
import hashlib
import os
import pty
import resource
import select
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlcipher3

from tests.conftest import Run, add_member
from tuanti_cli.keys import read_key_file

ODD_NAME = "刘䶮"  # 䶮 (U+4DAE) is in GB18030 but not in GBK
ODD_ID = "11010119900307803X"


def cli(
    *args: str,
    env: dict[str, str] | None = None,
    preexec_fn: Callable[[], None] | None = None,
    timeout: float = 30,
) -> subprocess.CompletedProcess[bytes]:
    """Run ``tuanti`` in a real process (bytes out, so the encoding can be checked)."""
    return subprocess.run(
        [sys.executable, "-m", "tuanti_cli", *args],
        env=dict(os.environ, **(env or {})),
        capture_output=True,
        preexec_fn=preexec_fn,
        timeout=timeout,
    )


def sql(db_path: Path, key_path: Path, *statements: str) -> list[list[object]]:
    """Run statements on the store directly, as another program (or tuanti version) would."""
    conn = sqlcipher3.connect(str(db_path), isolation_level=None)
    try:
        conn.execute(f"PRAGMA key = {read_key_file(key_path).pragma_value()}")
        return [conn.execute(s).fetchall() for s in statements]
    finally:
        conn.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- the store file ---------------------------------------------------------------------


def test_store_from_a_newer_tuanti_is_refused_and_left_alone(
    run: Run, store_ready: None, db_path: Path, key_path: Path
) -> None:
    # A newer tuanti recorded a migration this one does not know; one of ours is "missing"
    # too, so a refusal that came after migrating would show as a changed table.
    sql(
        db_path,
        key_path,
        "DELETE FROM migrations WHERE name = '0002_history_appends_only'",
        "INSERT INTO migrations VALUES ('0099_from_the_future', '2030-01-01T00:00:00+08:00')",
    )
    before = digest(db_path)
    result = run("roster", "list")
    assert result.exit_code == 1
    assert "was written by a newer tuanti" in result.stderr
    assert "upgrade tuanti" in result.stderr
    assert "0099_from_the_future" in result.stderr
    assert "Traceback" not in result.output
    assert digest(db_path) == before
    (names,) = sql(db_path, key_path, "SELECT name FROM migrations ORDER BY name")
    assert [n for (n,) in names] == [
        "0001_initial",
        "0003_admins",
        "0004_departments_and_change_points",
        "0005_history_by_member_and_time",
        "0006_report_days",
        "0007_history_chain",
        "0008_no_department_index",
        "0099_from_the_future",
    ]


def test_newer_store_in_chinese(run: Run, store_ready: None, db_path: Path, key_path: Path) -> None:
    sql(db_path, key_path, "INSERT INTO migrations VALUES ('0099_future', 'x')")
    result = run("--lang", "zh", "roster", "list")
    assert result.exit_code == 1
    assert "更新版本的 tuanti" in result.stderr


def test_an_empty_store_file_is_reported_not_initialised(
    run: Run, store_ready: None, db_path: Path
) -> None:
    db_path.write_bytes(b"")  # truncated by a full disk, a bad copy, `> tuanti.db`
    result = run("roster", "list")
    assert result.exit_code == 1
    assert "is empty" in result.stderr
    assert "not a tuanti store" in result.stderr
    assert "tuanti init" in result.stderr
    assert "key" not in result.stderr.lower()
    assert db_path.stat().st_size == 0
    assert sorted(p.name for p in db_path.parent.iterdir()) == [db_path.name]


def _not_a_store(tmp_path: Path, kind: str) -> tuple[Path, str]:
    """A store path that is a folder, a device or a FIFO, and what tuanti calls it."""
    if kind == "folder":
        (tmp_path / "d.db").mkdir()
        return tmp_path / "d.db", "is a folder, not a tuanti store"
    if kind == "fifo":
        os.mkfifo(tmp_path / "f.db")
        return tmp_path / "f.db", "is not a regular file (it is a device, a pipe or a socket)"
    return Path("/dev/null"), "is not a regular file (it is a device, a pipe or a socket)"


NOT_A_STORE_COMMANDS = [
    ("init", "--admin-name", "王老师", "--admin-phone", "13912345678",
     "--admin-id", "110101198001010053"),
    ("roster", "list"),
    ("roster", "create", "--name", "示例", "--address", "北京"),
    ("roster", "verify", "TB1.K7Q2M9XD.0.ABCDEFGHIJKLMNOP"),
    ("show", "示例"),
    ("audit",),
    ("admin", "list"),
    ("key", "rotate", "--new-key-file", "new.key"),
]  # fmt: skip


@pytest.mark.parametrize("command", NOT_A_STORE_COMMANDS, ids=lambda c: " ".join(c[:2]))
@pytest.mark.parametrize("kind", ["folder", "device", "fifo"])
def test_a_store_path_that_is_no_file_is_called_so_by_every_command(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str, command: tuple[str, ...]
) -> None:
    path, what = _not_a_store(tmp_path, kind)
    monkeypatch.chdir(tmp_path)
    for how in (["--db", str(path)], []):
        result = run(*how, *command, env={"TUANTI_DB": str(path)})
        assert result.exit_code == 1
        assert result.stderr == (
            f"{path} {what}; give the path of the store's file (--db or TUANTI_DB).\n"
            if kind == "folder"
            else f"{path} {what}, so it is not a tuanti store; give the path of the store's "
            "file (--db or TUANTI_DB).\n"
        )
    nothing_beside = [] if kind == "device" else [path.name]  # no lock, key or -wal file
    assert sorted(p.name for p in tmp_path.iterdir()) == nothing_beside


def test_init_over_a_file_that_is_no_store_does_not_call_it_one(run: Run, db_path: Path) -> None:
    db_path.parent.mkdir()
    db_path.write_text("notes\n")
    result = run("init", "--admin-name", "王老师", "--admin-phone", "13912345678",
                 "--admin-id", "110101198001010053")  # fmt: skip
    assert result.exit_code == 1
    assert result.stderr.startswith(f"A store or another file already exists at {db_path};")
    assert db_path.read_text() == "notes\n"


def test_a_key_file_that_is_a_folder_is_called_so(
    run: Run, store_ready: None, tmp_path: Path
) -> None:
    folder = tmp_path / "keys-folder"
    folder.mkdir()
    for args in (["--key-file", str(folder), "roster", "list"], ["roster", "list"]):
        result = run(*args, env={"TUANTI_KEY_FILE": str(folder)})
        assert result.exit_code == 1
        assert result.stderr == (
            f"Key file {folder} is a folder, not a key file; give the path of the key file "
            "(--key-file or TUANTI_KEY_FILE).\n"
        )


def _without_dac_override() -> Callable[[], None] | None:
    """For root: a preexec_fn that takes away the power to ignore permission bits, so a
    folder without write permission is read-only for the child as for anyone else."""
    if os.geteuid() != 0:
        return None  # plain permission bits already bind this user
    libc = ctypes.CDLL(None, use_errno=True)
    pr_capbset_drop, cap_dac_override, cap_dac_read_search = 24, 1, 2

    def drop() -> None:
        for cap in (cap_dac_override, cap_dac_read_search):
            if libc.prctl(pr_capbset_drop, cap, 0, 0, 0) != 0:
                raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")

    return drop


def test_a_store_in_a_read_only_folder_says_so(
    run: Run, store_ready: None, db_path: Path, tmp_path: Path
) -> None:
    drop = _without_dac_override()
    probe = tmp_path / "probe"
    probe.mkdir(mode=0o500)
    try:
        trial = subprocess.run(["touch", str(probe / "x")], preexec_fn=drop, capture_output=True)
    except (OSError, subprocess.SubprocessError):
        pytest.skip("cannot make a folder read-only for a child process here")
    if trial.returncode == 0:
        pytest.skip("this user can write into a 0500 folder (no way to drop that power)")
    folder = db_path.parent
    folder.chmod(0o500)
    try:
        proc = cli("roster", "list", preexec_fn=drop)
    finally:
        folder.chmod(0o700)
    stderr = proc.stderr.decode()
    assert proc.returncode == 1
    assert "read-only" in stderr
    assert f"{db_path.name}-wal" in stderr
    assert "key is wrong" not in stderr
    assert stderr.count("\n") == 1
    assert run("roster", "list").exit_code == 0  # writable again: nothing was damaged


# --- the key file -------------------------------------------------------------------------


def _limit_memory() -> None:
    # Reading /dev/zero whole would grow until this limit; tuanti itself needs far less.
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


def test_key_file_dev_zero_is_refused_at_once(store_ready: None) -> None:
    proc = cli("--key-file", "/dev/zero", "roster", "list", preexec_fn=_limit_memory, timeout=20)
    stderr = proc.stderr.decode()
    assert proc.returncode == 1
    assert "Key file /dev/zero is larger than 1024 bytes" in stderr
    assert stderr.count("\n") == 1
    assert "Unexpected" not in stderr


def test_a_large_key_file_is_one_sentence(run: Run, store_ready: None, tmp_path: Path) -> None:
    big = tmp_path / "big.key"
    big.write_bytes(b"a" * 64 + b"\n" * 2000)
    result = run("--key-file", str(big), "roster", "list")
    assert result.exit_code == 1
    assert "larger than 1024 bytes" in result.stderr


def test_key_file_open_to_others_warns_but_works(
    run: Run, store_ready: None, key_path: Path
) -> None:
    assert "unsafe permissions" not in run("roster", "list").stderr  # 0600: no warning
    key_path.chmod(0o644)
    result = run("roster", "list", "--format", "json")
    assert result.exit_code == 0
    assert result.stdout.strip() == "[]"
    warnings = [line for line in result.stderr.splitlines() if "unsafe permissions" in line]
    assert warnings == [
        f"Warning: unsafe permissions on key file {key_path} (other users can read or "
        "change it); run chmod 600 on it."
    ]
    key_path.chmod(0o620)  # writable by the group is as bad: it could be swapped
    assert "chmod 600" in run("roster", "list").stderr


def test_init_with_an_existing_key_file_open_to_others_warns(
    run: Run, key_path: Path, db_path: Path, tmp_path: Path
) -> None:
    from tests.conftest import ADMIN

    assert run("init", *ADMIN).exit_code == 0
    other = tmp_path / "store2" / "t.db"
    key_path.chmod(0o640)
    result = run("--db", str(other), "init", *ADMIN)
    assert result.exit_code == 0
    assert "unsafe permissions on key file" in result.stderr


def test_key_file_with_bom_and_crlf_still_opens(
    run: Run, store_ready: None, key_path: Path
) -> None:
    hex_key = key_path.read_text().strip()
    key_path.write_bytes(b"\xef\xbb\xbf" + hex_key.upper().encode() + b"\r\n")
    result = run("roster", "list", "--format", "json")
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600


# --- the locale ---------------------------------------------------------------------------


@pytest.fixture
def odd_roster(run: Run, roster_id: str) -> str:
    assert add_member(run, roster_id, ODD_NAME, ODD_ID, "13800138000").exit_code == 0
    return roster_id


def test_gbk_locale_prints_gb18030(odd_roster: str) -> None:
    proc = cli("show", odd_roster, env={"PYTHONIOENCODING": "gbk"})
    assert proc.returncode == 0, proc.stderr
    assert ODD_NAME in proc.stdout.decode("gb18030")
    assert ODD_NAME.encode("gb18030") in proc.stdout


def test_gbk_locale_error_messages_do_not_crash(odd_roster: str) -> None:
    proc = cli("show", f"x\u202e{ODD_NAME}", env={"PYTHONIOENCODING": "gbk"})
    stderr = proc.stderr.decode("gb18030")
    assert proc.returncode == 1
    assert ODD_NAME in stderr
    assert "\u202e" not in stderr and "u202e" in stderr  # escaped, never raw
    assert "Traceback" not in stderr and "Unexpected" not in stderr
    assert stderr.count("\n") == 1


def test_other_narrow_encodings_replace_what_they_cannot_show(odd_roster: str) -> None:
    proc = cli("show", odd_roster, env={"PYTHONIOENCODING": "ascii"})
    assert proc.returncode == 0, proc.stderr
    assert b"M0001" in proc.stdout
    assert b"??" in proc.stdout
    bad = cli("show", f"x\u202e{ODD_NAME}", env={"PYTHONIOENCODING": "latin-1"})
    assert bad.returncode == 1
    assert b"Traceback" not in bad.stderr and b"Unexpected" not in bad.stderr


# --- pipes and standard input -------------------------------------------------------------


def _with_reader_gone(*args: str) -> tuple[int, bytes]:
    """Run with stdout a pipe whose reader has already left (`| head -0`)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tuanti_cli", *args],
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    stderr = proc.stderr.read()
    return proc.wait(timeout=30), stderr


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_show_into_a_closed_pipe_ends_quietly(odd_roster: str, fmt: str) -> None:
    status, stderr = _with_reader_gone("show", odd_roster, "--format", fmt)
    assert stderr == b""
    assert status == 1  # the status of Python's recipe, Click and Rich alike


def test_help_into_a_closed_pipe_ends_quietly() -> None:
    status, stderr = _with_reader_gone("--help")
    assert stderr == b""
    assert status == 1


def _stdin_closed() -> None:
    os.close(0)


@pytest.mark.parametrize(
    "args",
    [
        ("enroll", "add", "{roster}"),
        ("enroll", "add", "{roster}", "--name", "张三"),
        ("enroll", "import", "{roster}", "-"),
        ("member", "withdraw", "{roster}", "M0001"),
    ],
)
def test_closed_stdin_is_one_sentence(odd_roster: str, args: tuple[str, ...]) -> None:
    argv = [a.format(roster=odd_roster) for a in args]
    proc = cli(*argv, preexec_fn=_stdin_closed)
    stderr = proc.stderr.decode()
    assert proc.returncode == 1
    assert "AttributeError" not in stderr and "Unexpected" not in stderr
    assert "Traceback" not in stderr
    last = stderr.strip().splitlines()[-1]
    assert any(
        cause in last
        for cause in ("Standard input is closed", "Not at a terminal", "without a terminal")
    )


def test_import_from_closed_stdin_names_the_cause(odd_roster: str) -> None:
    proc = cli("enroll", "import", odd_roster, "-", preexec_fn=_stdin_closed)
    assert proc.returncode == 1
    assert proc.stderr.decode().startswith("Standard input is closed")


# --- the pager ----------------------------------------------------------------------------


def _on_a_terminal(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    """Run with stdout a pseudo-terminal 3 lines tall (so the view is taller than it)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tuanti_cli", *args],
        env=dict(os.environ, LINES="3", COLUMNS="120", **env),
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=subprocess.PIPE,
    )
    os.close(slave)
    out = b""
    while True:
        ready, _, _ = select.select([master], [], [], 30)
        if not ready:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: every writer has closed the terminal
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    assert proc.stderr is not None
    stderr = proc.stderr.read().decode()
    return proc.wait(timeout=30), out.decode("utf-8", "replace"), stderr


def _pager(tmp_path: Path, body: str) -> Path:
    script = tmp_path / "pager.sh"
    script.write_text(f"#!/bin/sh\ntouch {tmp_path / 'pager-ran'}\n{body}\n")
    script.chmod(0o700)
    return script


def test_a_dumb_terminal_gets_no_pager(odd_roster: str, tmp_path: Path) -> None:
    pager = _pager(tmp_path, "cat >/dev/null")
    status, out, _ = _on_a_terminal("show", odd_roster, env={"TERM": "dumb", "PAGER": str(pager)})
    assert status == 0
    assert not (tmp_path / "pager-ran").exists()
    assert "M0001" in out


def test_a_working_pager_shows_the_text(odd_roster: str, tmp_path: Path) -> None:
    pager = _pager(tmp_path, "cat")
    status, out, stderr = _on_a_terminal(
        "show", odd_roster, env={"TERM": "xterm", "PAGER": str(pager)}
    )
    assert status == 0
    assert (tmp_path / "pager-ran").exists()
    assert out.count("M0001") == 1
    assert stderr == ""


def test_a_missing_pager_falls_back_to_printing(odd_roster: str, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-pager"
    status, out, stderr = _on_a_terminal(
        "show", odd_roster, env={"TERM": "xterm", "PAGER": f"{missing} -R"}
    )
    assert status == 0
    assert "M0001" in out and ODD_NAME in out
    assert stderr == f"The pager {missing} -R could not be started; the text follows without it.\n"


def test_a_failing_pager_falls_back_to_printing(odd_roster: str, tmp_path: Path) -> None:
    pager = _pager(tmp_path, "cat >/dev/null; exit 3")
    status, out, stderr = _on_a_terminal(
        "show", odd_roster, env={"TERM": "xterm", "PAGER": str(pager)}
    )
    assert (tmp_path / "pager-ran").exists()
    assert status == 0
    assert "M0001" in out
    assert "exit status 3" in stderr
