"""Several admins with key slots (PRODUCT §9): add, list, remove, rotate, crash safety."""

from __future__ import annotations

import base64
import json
import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlcipher3

from tests.conftest import ADMIN_ID, ADMIN_PHONE, Run
from tests.helpers import make_ids
from tuanti_cli import keyslots
from tuanti_cli.errors import StoreKeyError
from tuanti_cli.keys import Key, read_key_file

PASSPHRASE = "a long enough passphrase"
A2_ID, A3_ID = make_ids(2, start=500)
A2 = ["--name", "李老师", "--phone", "13812345678", "--id", A2_ID]
A3 = ["--name", "张老师", "--phone", "13712345678", "--id", A3_ID]
BY_PASSPHRASE = {"TUANTI_KEY_FILE": "", "TUANTI_PASSPHRASE": PASSPHRASE}


def keys_file(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".keys")


def data_keys(db_path: Path, key: Key) -> dict[int, bytes]:
    unlocked = keyslots.unlock(db_path, key)
    assert unlocked is not None
    return unlocked.data_keys


def raw_opens(db_path: Path, data_key: bytes) -> bool:
    """Whether ``data_key`` opens the file with sqlcipher3 itself, and the file is sound."""
    conn = sqlcipher3.connect(str(db_path))
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = \"x'{data_key.hex()}'\"")
        return bool(conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok")
    except sqlcipher3.DatabaseError:
        return False
    finally:
        conn.close()


@pytest.fixture
def two_admins(run: Run, store_ready: None, tmp_path: Path) -> Path:
    """A1 with the key file of `init`, A2 with a passphrase; returns A3's future key path."""
    result = run("admin", "add", *A2, "--passphrase", env={"TUANTI_NEW_PASSPHRASE": PASSPHRASE})
    assert result.exit_code == 0, result.output
    return tmp_path / "keys" / "a3.key"


def test_each_admin_opens_with_their_own_key_and_the_audit_names_them(
    run: Run, two_admins: Path, db_path: Path, key_path: Path
) -> None:
    assert stat.S_IMODE(keys_file(db_path).stat().st_mode) == 0o600
    assert run("admin", "list").exit_code == 0
    assert run("admin", "list", env=BY_PASSPHRASE).exit_code == 0
    entries = json.loads(run("audit", "--format", "json").stdout)
    assert [(e["action"], e["admin"]) for e in entries[-3:]] == [
        ("admin.add", "A1"),
        ("admin.list", "A1"),
        ("admin.list", "A2"),
    ]
    assert entries[0]["action"] == "init" and entries[0]["admin"] is None
    listed = json.loads(run("admin", "list", "--format", "json").stdout)
    assert [a["admin_no"] for a in listed] == ["A1", "A2"]
    assert listed[0]["phone"] == "139****5678" and listed[1]["phone"] == "138****5678"
    assert set(listed[0]) == {"admin_no", "name", "phone", "added", "last_used"}
    assert listed[1]["last_used"] is not None

    old = data_keys(db_path, read_key_file(key_path))
    assert len(old) == 1 and raw_opens(db_path, next(iter(old.values())))
    unconfirmed = run("admin", "remove", "A2")  # a script must say --yes
    assert unconfirmed.exit_code == 1 and "--yes" in unconfirmed.stderr
    removed = run("admin", "remove", "A2", "--yes")
    assert removed.exit_code == 0, removed.output
    refused = run("admin", "list", env=BY_PASSPHRASE)
    assert refused.exit_code == 1
    assert refused.stderr.count(".") <= 3 and "the key is wrong" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert run("admin", "list").exit_code == 0
    assert not raw_opens(db_path, next(iter(old.values())))
    new = data_keys(db_path, read_key_file(key_path))
    assert len(new) == 1 and raw_opens(db_path, next(iter(new.values())))
    assert set(new.values()).isdisjoint(old.values())
    last = json.loads(run("audit", "--format", "json").stdout)
    assert {"action": "admin.remove", "admin": "A1", "detail": {"admin_no": "A2"}}.items() <= (
        next(e for e in last if e["action"] == "admin.remove").items()
    )


def test_the_new_admins_key_file_option_and_the_global_one_are_apart(
    run: Run, store_ready: None, db_path: Path, key_path: Path, tmp_path: Path
) -> None:
    new = tmp_path / "keys" / "a2.key"
    result = run("--key-file", str(key_path), "admin", "add", *A2, "--key-file", str(new))
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(new.stat().st_mode) == 0o600
    assert "loses the store" in result.stderr
    assert run("--key-file", str(new), "admin", "list").exit_code == 0
    assert run("--key-file", str(key_path), "admin", "list").exit_code == 0
    own = run("admin", "add", *A3, "--key-file", str(key_path))
    assert own.exit_code == 1 and "before `admin`" in own.stderr
    help_text = run("admin", "add", "--help").stdout
    assert "NEW key file" in help_text and "global" in help_text


def test_a_copy_of_the_slot_file_from_before_does_not_let_a_removed_admin_in(
    run: Run, two_admins: Path, db_path: Path, key_path: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "stolen.keys"
    copy.write_bytes(keys_file(db_path).read_bytes())
    assert run("admin", "remove", "A2", "--yes").exit_code == 0
    current = keys_file(db_path).read_bytes()
    keys_file(db_path).write_bytes(copy.read_bytes())
    try:
        assert run("admin", "list", env=BY_PASSPHRASE).exit_code == 1
        # What A2 can still unwrap from the copy opens nothing any more.
        stolen = data_keys(db_path, Key(passphrase=PASSPHRASE))
        assert not any(raw_opens(db_path, k) for k in stolen.values())
    finally:
        keys_file(db_path).write_bytes(current)
    assert run("admin", "list").exit_code == 0


def _fill(db_path: Path, key_path: Path, rows: int) -> None:
    """Make the store big enough that re-keying it takes a while."""
    with (
        keyslots.open_store(db_path, read_key_file(key_path)) as store,
        store.transaction() as conn,
    ):
        conn.executemany(
            "INSERT INTO audit (at, user, action, detail) VALUES (?, 'bench', 'fill', ?)",
            ((f"2020-01-01T00:00:{i % 60:02d}+08:00", os.urandom(200).hex()) for i in range(rows)),
        )


def _start(key_path: Path, *args: str) -> subprocess.Popen[bytes]:
    """``tuanti --key-file KEY ARGS…`` as its own process (a new admin's passphrase in the
    environment)."""
    return subprocess.Popen(
        [sys.executable, "-m", "tuanti_cli", "--key-file", str(key_path), *args],
        env={**os.environ, "TUANTI_NEW_PASSPHRASE": PASSPHRASE},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _kill_when(proc: subprocess.Popen[bytes], reached: Callable[[], bool], extra: float) -> bool:
    """SIGKILL ``proc`` once ``reached()`` (polled every millisecond, for at most 30 s) and
    ``extra`` seconds more, unless it ended first; whether it was killed."""
    deadline = time.monotonic() + 30
    while proc.poll() is None and time.monotonic() < deadline and not reached():
        time.sleep(0.001)
    time.sleep(extra)
    killed = proc.poll() is None
    if killed:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    return killed


def _when(db_path: Path, moment: str) -> bool:
    journal = Path(f"{db_path}-journal")
    if moment == "journal":
        return journal.exists()
    return False


def test_kill_during_remove_always_leaves_a_store_a1_opens(
    run: Run, store_ready: None, db_path: Path, key_path: Path, tmp_path: Path
) -> None:
    _fill(db_path, key_path, 150_000)
    a1 = read_key_file(key_path)
    env = {"TUANTI_NEW_PASSPHRASE": PASSPHRASE}
    moments: list[tuple[str, float]] = [
        ("delay", 0.3),
        ("keys_changed", 0.0),
        ("journal", 0.0),
        ("journal", 0.4),
        ("keys_changed_twice", 0.0),
        ("delay", 1.5),
    ]
    outcomes = []
    for moment, extra in moments:
        listed = json.loads(run("admin", "list", "--format", "json").stdout)
        if len(listed) == 1:  # the last kill came after the removal was committed
            assert run("admin", "add", *A2, "--passphrase", env=env).exit_code == 0
            listed = json.loads(run("admin", "list", "--format", "json").stdout)
        other = listed[-1]["admin_no"]
        before = keys_file(db_path).stat().st_mtime_ns
        changes = 0

        def reached(moment: str = moment) -> bool:
            nonlocal before, changes
            mtime = keys_file(db_path).stat().st_mtime_ns if keys_file(db_path).exists() else 0
            if mtime != before:
                changes, before = changes + 1, mtime
            return (
                (moment == "delay")
                or (moment == "keys_changed" and changes >= 1)
                or (moment == "keys_changed_twice" and changes >= 2)
                or _when(db_path, moment)
            )

        proc = _start(key_path, "admin", "remove", other, "--yes")
        killed = _kill_when(proc, reached, extra)
        outcomes.append(
            (moment, killed, proc.returncode, proc.stderr.read() if proc.stderr else b"")
        )
        # Before any repair: one of A1's data keys opens the file and it is sound.
        assert any(raw_opens(db_path, k) for k in data_keys(db_path, a1).values()), moment
        with keyslots.open_store(db_path, a1) as store:
            assert store.integrity_ok() and store.admin_no == "A1"
        finished = data_keys(db_path, a1)  # the open finished what the kill interrupted
        assert len(finished) == 1 and raw_opens(db_path, next(iter(finished.values())))
    assert sum(o[1] for o in outcomes) >= 3, outcomes
    assert run("admin", "list").exit_code == 0


def test_no_key_material_in_output_audit_or_slot_file(
    run: Run, store_ready: None, db_path: Path, key_path: Path, tmp_path: Path
) -> None:
    outputs = []
    new = tmp_path / "keys" / "a2.key"
    for argv in (
        ["admin", "add", *A2, "--key-file", str(new)],
        ["admin", "list"],
        ["admin", "list", "--format", "json"],
        ["--key-file", str(new), "admin", "list"],
        ["admin", "add", *A3, "--passphrase"],
    ):
        result = run(*argv, env={"TUANTI_NEW_PASSPHRASE": PASSPHRASE})
        assert result.exit_code == 0, result.output
        outputs.append(result.stdout + result.stderr)
    before = data_keys(db_path, read_key_file(key_path))
    removed = run("admin", "remove", "A3", "--yes")
    rotated = run("key", "rotate", "--data-key")
    audit_json = run("audit", "--format", "json")
    outputs += [removed.stdout + removed.stderr, rotated.stdout + rotated.stderr]
    outputs.append(audit_json.stdout + audit_json.stderr)
    after = data_keys(db_path, read_key_file(key_path))
    with keyslots.open_store(db_path, read_key_file(key_path)) as store:
        audit_rows = repr(store.query("SELECT * FROM audit"))
        admins_rows = repr(store.query("SELECT * FROM admins"))
    slot_file = keys_file(db_path).read_bytes()
    secrets_hex = [k.hex() for k in [*before.values(), *after.values()]]
    secrets_hex += [key_path.read_text().strip(), new.read_text().strip()]
    raw = [bytes.fromhex(h) for h in secrets_hex]
    texts = [*outputs, audit_rows, admins_rows, slot_file.decode()]
    for text in texts:
        for secret in secrets_hex:
            assert secret.lower() not in text.lower()
        assert PASSPHRASE not in text
    for secret in raw:
        assert secret not in slot_file
        assert base64.b64encode(secret).decode() not in slot_file.decode()


def test_a_store_without_slots_works_as_before(
    run: Run, roster_id: str, db_path: Path, key_path: Path
) -> None:
    assert not keys_file(db_path).exists()
    listed = json.loads(run("admin", "list", "--format", "json").stdout)
    assert [a["admin_no"] for a in listed] == ["A1"]
    entries = json.loads(run("audit", "--format", "json").stdout)
    assert all(set(e) == {"at", "user", "action", "roster", "detail"} for e in entries)
    last = run("admin", "remove", "A1", "--yes")
    assert last.exit_code == 1
    assert last.stderr.strip() == (
        "A1 is the last admin and cannot be removed; add another admin first."
    )
    data_key = run("key", "rotate", "--data-key")
    assert data_key.exit_code == 1 and "no key slots" in data_key.stderr
    assert not keys_file(db_path).exists()
    assert run("show", roster_id).exit_code == 0


def test_admin_add_misuse(run: Run, store_ready: None, db_path: Path, tmp_path: Path) -> None:
    neither = run("admin", "add", *A2)
    assert neither.exit_code == 2
    assert "Give --key-file NEW (the new admin's key file) or --passphrase." in neither.stderr
    both = run("admin", "add", *A2, "--key-file", str(tmp_path / "n.key"), "--passphrase")
    assert both.exit_code == 2
    bad_id = run("admin", "add", *A2[:4], "--id", "110101198001010054", "--passphrase")
    assert bad_id.exit_code == 1
    assert bad_id.stderr.startswith("--id: ") and len(bad_id.stderr.strip().splitlines()) == 1
    bad_phone = run("admin", "add", "--name", "李老师", "--phone", "123", "--id", A2_ID,
                    "--passphrase")  # fmt: skip
    assert bad_phone.exit_code == 1 and bad_phone.stderr.startswith("--phone: ")
    assert not (tmp_path / "n.key").exists()
    unknown = run("admin", "remove", "A9", "--yes")
    assert unknown.exit_code == 1 and "There is no admin A9" in unknown.stderr


def test_adding_the_first_admin_again_is_refused_before_anything_changes(
    run: Run, store_ready: None, db_path: Path, tmp_path: Path
) -> None:
    again = ["--name", "王老师", "--phone", ADMIN_PHONE, "--id", ADMIN_ID]
    new_key = tmp_path / "keys" / "again.key"
    for how, env in (
        (["--key-file", str(new_key)], None),
        (["--passphrase"], {"TUANTI_NEW_PASSPHRASE": PASSPHRASE}),
    ):
        result = run("admin", "add", *again, *how, env=env)
        assert result.exit_code == 1
        assert result.stderr == (
            "This person is admin A1 already (ID number 11************0053); "
            "an admin is added once.\n"
        )
    assert not new_key.exists()
    assert not keys_file(db_path).exists()  # the store was not converted to key slots


def test_adding_a_later_admin_again_is_refused_with_their_number(
    run: Run, two_admins: Path, db_path: Path
) -> None:
    slots = keys_file(db_path).read_bytes()
    a2_again = [*A2[:2], "--phone", "13612345678", *A2[4:]]  # another phone, the same person
    result = run("--lang", "zh", "admin", "add", *a2_again, "--key-file", str(two_admins))
    assert result.exit_code == 1
    masked = A2_ID[:2] + "*" * 12 + A2_ID[-4:]
    assert result.stderr == f"此人已是管理员 A2（身份证号 {masked}），不能重复添加。\n"
    assert not two_admins.exists()
    assert keys_file(db_path).read_bytes() == slots
    listed = json.loads(run("admin", "list", "--format", "json").stdout)
    assert [a["admin_no"] for a in listed] == ["A1", "A2"]


def test_adding_an_admin_twice_is_refused_by_the_core_too(
    run: Run, two_admins: Path, db_path: Path, key_path: Path
) -> None:
    from tuanti_cli import clock
    from tuanti_cli.errors import InputError
    from tuanti_cli.models import Admin

    acting = read_key_file(key_path)
    with keyslots.open_store(db_path, acting) as store, pytest.raises(InputError) as raised:
        keyslots.add_admin(
            store,
            acting,
            Admin("李老师", "13812345678", A2_ID),
            Key(passphrase="another passphrase"),
            clock.now(),
        )
    assert raised.value.key == "admin.already"


def test_key_rotate_changes_only_the_acting_admins_slot(
    run: Run, two_admins: Path, db_path: Path, key_path: Path, tmp_path: Path
) -> None:
    before = data_keys(db_path, read_key_file(key_path))
    new = tmp_path / "keys" / "a1-new.key"
    rotated = run("key", "rotate", "--new-key-file", str(new))
    assert rotated.exit_code == 0, rotated.output
    assert run("admin", "list").exit_code == 1
    assert run("--key-file", str(new), "admin", "list").exit_code == 0
    assert run("admin", "list", env=BY_PASSPHRASE).exit_code == 0
    assert data_keys(db_path, read_key_file(new)) == before  # the data key is unchanged
    both = run("--key-file", str(new), "key", "rotate", "--data-key")
    assert both.exit_code == 0, both.output
    after = data_keys(db_path, read_key_file(new))
    assert set(after.values()).isdisjoint(before.values())
    assert run("admin", "list", env=BY_PASSPHRASE).exit_code == 0
    with pytest.raises(StoreKeyError):
        keyslots.open_store(db_path, read_key_file(key_path))


def test_a_damaged_slot_file_is_one_sentence(run: Run, two_admins: Path, db_path: Path) -> None:
    keys_file(db_path).write_text("{not json")
    result = run("admin", "list")
    assert result.exit_code == 1
    assert "is damaged or not a tuanti key slot file" in result.stderr
    assert "Traceback" not in result.stderr


def test_admin_personal_data_stays_masked_and_leaves_with_the_admin(
    run: Run, two_admins: Path, db_path: Path, key_path: Path
) -> None:
    shown = run("admin", "list").stdout
    assert ADMIN_PHONE not in shown and "139****5678" in shown and ADMIN_ID not in shown
    assert run("admin", "remove", "A1", "--yes").exit_code == 0  # A2 remains
    with keyslots.open_store(db_path, Key(passphrase=PASSPHRASE)) as store:
        assert store.query("SELECT admin_no FROM admins") == [("A2",)]
        assert store.query("SELECT id_number FROM admin") == [(A2_ID,)]
    assert run("admin", "list").exit_code == 1


def test_help_does_not_import_cryptography() -> None:
    script = (
        "import sys\n"
        "sys.argv = ['tuanti', 'admin', '--help']\n"
        "from tuanti_cli.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('cryptography' in sys.modules)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "False"


def test_kill_during_the_first_admin_add_always_leaves_a_store_a1_opens(
    run: Run, store_ready: None, db_path: Path, key_path: Path, tmp_path: Path
) -> None:
    """The first ``admin add`` converts a key-file store to key slots (a new data key, the
    store re-keyed under it): killed at any moment, A1's key file still opens the store,
    sound, and whatever the kill interrupted is finished or undone."""
    _fill(db_path, key_path, 150_000)
    template = tmp_path / "template.db"
    template.write_bytes(db_path.read_bytes())
    assert not Path(f"{db_path}-wal").exists() or Path(f"{db_path}-wal").stat().st_size == 0
    a1 = read_key_file(key_path)
    moments: list[tuple[str, float]] = [
        ("delay", 0.2),
        ("keys_changed", 0.0),
        ("journal", 0.0),
        ("journal", 0.3),
        ("delay", 1.5),
    ]
    outcomes = []
    for moment, extra in moments:
        for leftover in (keys_file(db_path), Path(f"{db_path}-journal"), Path(f"{db_path}-wal")):
            leftover.unlink(missing_ok=True)
        db_path.write_bytes(template.read_bytes())
        proc = _start(key_path, "admin", "add", *A2, "--passphrase")
        killed = _kill_when(
            proc,
            lambda moment=moment: (
                moment == "delay"
                or (moment == "keys_changed" and keys_file(db_path).exists())
                or _when(db_path, moment)
            ),
            extra,
        )
        outcomes.append((moment, killed, proc.returncode, keys_file(db_path).exists()))
        with keyslots.open_store(db_path, a1) as store:
            assert store.integrity_ok(), moment
            (fills,) = store.conn.execute(
                "SELECT count(*) FROM audit WHERE action = 'fill'"
            ).fetchone()
            assert fills == 150_000, moment
        listed = json.loads(run("admin", "list", "--format", "json").stdout)
        assert [a["admin_no"] for a in listed][:1] == ["A1"], moment
        if keys_file(db_path).exists():  # converted: every slot's data key opens the store
            assert all(raw_opens(db_path, k) for k in data_keys(db_path, a1).values()), moment
    assert sum(o[1] for o in outcomes) >= 3, outcomes
