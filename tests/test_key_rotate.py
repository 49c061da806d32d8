"""``tuanti key rotate``: new key file or passphrase, old key refused, kill -9 safe."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.conftest import ADMIN, Run
from tests.helpers import make_ids, person_name
from tuanti_cli.errors import StoreError, StoreKeyError
from tuanti_cli.keys import read_key_file
from tuanti_cli.store import Store


def opens(db_path: Path, key_path: Path) -> bool:
    try:
        with Store.open(db_path, read_key_file(key_path)) as store:
            return store.integrity_ok()
    except StoreKeyError:
        return False


def test_rotate_to_a_new_key_file(
    run: Run, roster_id: str, db_path: Path, key_path: Path, tmp_path: Path
) -> None:
    before = run("show", roster_id, "--format", "json").stdout
    new = tmp_path / "new" / "tuanti.key"
    result = run("key", "rotate", "--new-key-file", str(new))
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(new.stat().st_mode) == 0o600
    old = run("show", roster_id)
    assert old.exit_code == 1 and "the key is wrong" in old.stderr
    after = run("--key-file", str(new), "show", roster_id, "--format", "json")
    assert after.exit_code == 0 and after.stdout == before
    audit = run("--key-file", str(new), "audit", "--format", "json").stdout
    assert "key.rotate" in audit


def test_rotate_to_a_passphrase_and_back(run: Run, roster_id: str, tmp_path: Path) -> None:
    env = {"TUANTI_NEW_PASSPHRASE": "long enough passphrase"}
    assert run("key", "rotate", "--new-passphrase", env=env).exit_code == 0
    by_pass = {"TUANTI_KEY_FILE": "", "TUANTI_PASSPHRASE": "long enough passphrase"}
    assert run("roster", "list", env=by_pass).exit_code == 0
    assert run("roster", "list").exit_code == 1
    back = tmp_path / "back.key"
    assert run("key", "rotate", "--new-key-file", str(back), env=by_pass).exit_code == 0
    assert run("--key-file", str(back), "roster", "list").exit_code == 0


def test_rotate_needs_exactly_one_target(run: Run, roster_id: str, tmp_path: Path) -> None:
    assert run("key", "rotate").exit_code == 2
    both = run("key", "rotate", "--new-key-file", str(tmp_path / "k"), "--new-passphrase")
    assert both.exit_code == 2
    existing = tmp_path / "exists.key"
    existing.write_text("x")
    refused = run("key", "rotate", "--new-key-file", str(existing))
    assert refused.exit_code == 1 and "already exists" in refused.stderr
    assert existing.read_text() == "x"
    assert run("roster", "list").exit_code == 0


def _enroll_many(run: Run, roster_id: str, tmp_path: Path, count: int) -> None:
    """``count`` members, so that re-keying the store takes a moment to interrupt."""
    big = tmp_path / "big.csv"
    with big.open("w", encoding="utf-8") as out:
        out.write("name,id_number,phone,consent\n")
        for i, number in enumerate(make_ids(count)):
            out.write(f"{person_name(i)},{number},139{i:08d},是\n")
    assert run("enroll", "import", roster_id, str(big)).exit_code == 0


def test_kill_during_rotation_leaves_exactly_one_working_key(
    run: Run, roster_id: str, db_path: Path, key_path: Path, tmp_path: Path
) -> None:
    _enroll_many(run, roster_id, tmp_path, 60_000)
    for delay in (0.05, 0.12, 0.2, 0.35):
        new = tmp_path / f"new-{delay}.key"
        current = (
            key_path
            if opens(db_path, key_path)
            else next(p for p in tmp_path.glob("new-*.key") if opens(db_path, p))
        )
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tuanti_cli",
                "--key-file",
                str(current),
                "key",
                "rotate",
                "--new-key-file",
                str(new),
            ],
            env=dict(os.environ),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        candidates = [current] + ([new] if new.exists() else [])
        working = [p for p in candidates if opens(db_path, p)]
        assert len(working) == 1, (delay, candidates, working)
    final = next(p for p in [key_path, *tmp_path.glob("new-*.key")] if opens(db_path, p))
    shown = run("--key-file", str(final), "show", roster_id, "--format", "json")
    assert shown.exit_code == 0 and shown.stdout.count('"member_no"') == 60_000


def test_sigterm_or_ctrl_c_during_rotation_ends_before_it_or_after_saying_so(
    run: Run, roster_id: str, db_path: Path, key_path: Path, tmp_path: Path
) -> None:
    """Stopped between the re-key and its sentence, a rotation ended silently under the new
    key, or left a new key file that opened nothing: the signals now wait for the end."""
    _enroll_many(run, roster_id, tmp_path, 20_000)
    current = key_path
    outcomes = set()
    for i, delay in enumerate([0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6] * 2):
        new = tmp_path / f"new-{i}.key"
        argv = ["--key-file", str(current), "key", "rotate", "--new-key-file", str(new)]
        proc = subprocess.Popen(
            [sys.executable, "-m", "tuanti_cli", *argv],
            env={**os.environ, "TUANTI_LANG": "en"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGTERM if i % 2 else signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
        if new.exists():  # rotated: it must have said so, and only the new key opens
            assert "The store is now encrypted under" in stderr, (delay, stderr)
            assert opens(db_path, new) and not opens(db_path, current)
            current = new
            outcomes.add("after")
        else:  # stopped before: nothing changed, nothing said of a new key
            assert "now encrypted" not in stderr and "Traceback" not in stderr, stderr
            assert opens(db_path, current)
            outcomes.add("before")
    assert outcomes  # which of the two each delay gives depends on the machine's speed


def test_held_signals_arrive_when_the_block_ends() -> None:
    from tuanti_cli.signals import held_until_done

    seen: list[str] = []
    previous = signal.signal(signal.SIGTERM, lambda *_: seen.append("signal"))
    try:
        with held_until_done():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.05)
            seen.append("block done")
        time.sleep(0.05)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert seen == ["block done", "signal"]


def test_a_failed_rotation_leaves_no_new_key_file(
    run: Run, roster_id: str, db_path: Path, key_path: Path, tmp_path: Path, monkeypatch: Any
) -> None:
    def full_disk(*_: object) -> None:
        raise StoreError("store.busy")

    monkeypatch.setattr(Store, "rekey", full_disk)
    new = tmp_path / "new.key"
    result = run("key", "rotate", "--new-key-file", str(new))
    assert result.exit_code == 1
    assert not new.exists()
    assert opens(db_path, key_path)


def test_a_rotation_whose_audit_fails_keeps_the_new_key(
    run: Run, roster_id: str, db_path: Path, key_path: Path, tmp_path: Path, monkeypatch: Any
) -> None:
    from tuanti_cli import audit

    def busy(*_: object, **__: object) -> None:
        raise StoreError("store.busy")

    new = tmp_path / "new.key"
    with monkeypatch.context() as failing:
        failing.setattr(audit, "record", busy)
        result = run("key", "rotate", "--new-key-file", str(new))
    assert result.exit_code == 1
    assert "now encrypted under the new key" in result.stderr
    assert opens(db_path, new) and not opens(db_path, key_path)


def test_init_that_fails_removes_the_store_and_the_key_file_it_made(
    run: Run, db_path: Path, key_path: Path, monkeypatch: Any
) -> None:
    from tuanti_cli import audit

    def full_disk(*_: object, **__: object) -> None:
        raise StoreError("store.busy")

    with monkeypatch.context() as failing:
        failing.setattr(audit, "record", full_disk)  # after the store and its tables exist
        result = run("init", *ADMIN)
    assert result.exit_code == 1
    assert not key_path.exists()
    assert not [p for p in db_path.parent.iterdir() if p.name.startswith(db_path.name)]
    assert run("init", *ADMIN).exit_code == 0  # and it can simply be run again


def test_a_new_key_file_is_never_made_through_a_dangling_symlink(
    run: Run, roster_id: str, db_path: Path, key_path: Path, tmp_path: Path
) -> None:
    link = tmp_path / "new.key"
    link.symlink_to(tmp_path / "missing")
    other = tmp_path / "other" / "o.db"
    admin = ["--name", "李老师", "--phone", "13912345679", "--id", make_ids(1, start=7)[0]]
    for result in (
        run("key", "rotate", "--new-key-file", str(link)),
        run("admin", "add", *admin, "--key-file", str(link)),
        run("--db", str(other), "--key-file", str(link), "init", *ADMIN),
        run("--db", str(other), "init", *ADMIN, env={"TUANTI_KEY_FILE": str(link)}),
    ):
        assert result.exit_code == 1, result.output
        message = result.stderr.strip()
        assert message == (
            f"Key file {link} is a symbolic link, which tuanti never writes through; "
            "choose a new path for the new key."
        )
        assert result.stdout == ""
    assert link.is_symlink() and not (tmp_path / "missing").exists()
    assert not other.parent.exists() or not any(other.parent.iterdir())
    assert not db_path.with_name(db_path.name + ".keys").exists()  # admin add made no slots
    assert run("roster", "list").exit_code == 0


def test_a_new_key_file_that_cannot_be_made_is_one_sentence(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    plain = tmp_path / "plain.txt"
    plain.write_text("x")
    result = run("key", "rotate", "--new-key-file", str(plain / "new.key"))
    assert result.exit_code == 1, result.output
    assert result.stderr.strip() == (
        f"Key file {plain / 'new.key'} cannot be created (Not a directory); "
        "choose a new path for the new key."
    )
    assert run("roster", "list").exit_code == 0


SAME = "long enough passphrase"
BY_SAME = {"TUANTI_KEY_FILE": "", "TUANTI_PASSPHRASE": SAME, "TUANTI_NEW_PASSPHRASE": SAME}


def test_rotating_to_the_passphrase_in_use_is_refused_and_changes_nothing(
    run: Run, roster_id: str, db_path: Path
) -> None:
    assert (
        run("key", "rotate", "--new-passphrase", env={"TUANTI_NEW_PASSPHRASE": SAME}).exit_code == 0
    )
    audit_before = run("audit", "--format", "json", env=BY_SAME).stdout
    pages = db_path.read_bytes()
    result = run("--lang", "zh", "key", "rotate", "--new-passphrase", env=BY_SAME)
    assert result.exit_code == 1
    assert result.stderr == "新口令与当前口令相同；请换一个不同的口令（未做任何改动）。\n"
    assert "旧密钥已无法打开" not in result.output
    assert db_path.read_bytes() == pages
    assert run("audit", "--format", "json", env=BY_SAME).stdout.count("key.rotate") == (
        audit_before.count("key.rotate")
    )


def test_rotating_an_admin_slot_to_its_own_passphrase_is_refused(
    run: Run, roster_id: str, db_path: Path
) -> None:
    added = run(
        "admin", "add", "--name", "李老师", "--phone", "13812345678", "--id", make_ids(1)[0],
        "--passphrase", env={"TUANTI_NEW_PASSPHRASE": SAME},
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    slots = db_path.with_name(db_path.name + ".keys").read_bytes()
    result = run("key", "rotate", "--new-passphrase", env=BY_SAME)
    assert result.exit_code == 1
    assert result.stderr == (
        "The new passphrase is the one the store opens with now; choose a different one "
        "(nothing was changed).\n"
    )
    assert db_path.with_name(db_path.name + ".keys").read_bytes() == slots


def test_rotating_to_the_key_file_in_use_is_refused_as_existing(
    run: Run, roster_id: str, key_path: Path
) -> None:
    key = key_path.read_bytes()
    result = run("key", "rotate", "--new-key-file", str(key_path))
    assert result.exit_code == 1
    assert result.stderr == (
        f"Key file {key_path} already exists; choose a new path for the new key.\n"
    )
    assert key_path.read_bytes() == key
    assert run("roster", "list").exit_code == 0
