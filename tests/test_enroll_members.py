"""``enroll add``, ``member withdraw`` with erasure, and an import killed mid-way."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

from tests.conftest import Run, add_member
from tests.helpers import all_rows, bad_check, make_id, make_ids, person_name
from tuanti_cli.keys import read_key_file
from tuanti_cli.store import Store

ID = make_id()


def test_add_for_scripts(run: Run, roster_id: str) -> None:
    result = add_member(run, roster_id, "赵六", ID, "13912340000")
    assert result.exit_code == 0, result.output
    assert "M0001" in result.stdout
    assert "Consent notice" not in result.stderr
    again = add_member(run, roster_id, "赵六", ID, "13912340001")
    assert "Updated" in again.stdout


def test_add_without_terminal_needs_every_option(run: Run, roster_id: str) -> None:
    result = run("enroll", "add", roster_id, "--name", "赵六")
    assert result.exit_code == 1
    assert "--id-number" in result.stderr
    no_yes = run(
        "enroll", "add", roster_id, "--name", "赵六", "--id-number", ID, "--phone", "13912340000"
    )
    assert no_yes.exit_code == 1 and "--yes" in no_yes.stderr


def test_add_interactive_needs_explicit_yes(run: Run, roster_id: str) -> None:
    with mock.patch("tuanti_cli.cli.enroll.stdin_is_terminal", return_value=True):
        refused = run("enroll", "add", roster_id, input=f"钱七\n{ID}\n13912340000\n\nok\n")
        assert refused.exit_code == 1 and "No consent" in refused.stderr
        assert "Consent notice" in refused.stderr
        # A typo is said at once and asked again (masked), not after the consent question;
        # the department is asked too (optional).
        typed = f"钱七\n{ID[:-1]}\n{ID}\n139123\n13912340000\n财务部\n是\n"
        agreed = run("enroll", "add", roster_id, input=typed)
        assert agreed.exit_code == 0, agreed.output
        assert agreed.stderr.count("Type it again") == 2, agreed.stderr
        assert ID[:-1] not in agreed.stderr
    shown = json.loads(run("show", roster_id, "--format", "json").stdout)
    assert [(m["name"], m["department"]) for m in shown] == [("钱七", "财务部")]


def test_add_bad_value_names_the_option(run: Run, roster_id: str) -> None:
    result = add_member(run, roster_id, "赵六", bad_check(ID), "13912340000")
    assert result.exit_code == 1
    assert result.stderr.startswith("--id-number:")
    assert ID[2:14] not in result.stderr


def test_withdraw_erases_everything(
    run: Run, roster_id: str, db_path: Path, key_path: Path
) -> None:
    add_member(run, roster_id, "孙八", ID, "13912340000")
    other = make_id("320101")
    add_member(run, roster_id, "周九", other, "13912349999")
    before = all_rows(db_path, key_path)
    assert "孙八" in before and ID in before
    unasked = run("member", "withdraw", roster_id, "M0001", input="y\n")
    assert unasked.exit_code == 1 and "--yes" in unasked.stderr, unasked.output
    assert all_rows(db_path, key_path) == before
    with mock.patch("tuanti_cli.cli.member.stdin_is_terminal", return_value=True):
        refused = run("member", "withdraw", roster_id, "M0001", input="n\n")
    assert refused.exit_code == 1 and "[y/N]" in refused.stderr, refused.output
    # The question names the person and the roster: a member number alone is easily wrong.
    assert "Withdraw 孙八 (M0001) from 示例科技 (" in refused.stderr, refused.stderr
    assert all_rows(db_path, key_path) == before
    result = run("member", "withdraw", roster_id, "m0001", "--yes")
    assert result.exit_code == 0, result.output
    assert "delete it there too" in result.stderr, result.stderr
    after = all_rows(db_path, key_path)
    for secret in ("孙八", ID, "13912340000"):
        assert secret not in after
    assert "周九" in after
    assert "member.withdraw" in after and "M0001" in after
    assert run("member", "withdraw", roster_id, "M0001", "--yes").exit_code == 1


def test_roster_delete_erases_members(
    run: Run, roster_id: str, db_path: Path, key_path: Path
) -> None:
    add_member(run, roster_id, "孙八", ID, "13912340000")
    assert run("roster", "delete", roster_id, "--yes").exit_code == 0
    after = all_rows(db_path, key_path)
    assert "孙八" not in after and ID not in after


def test_kill_during_import_leaves_roster_as_it_was(
    run: Run, roster_id: str, tmp_path: Path, db_path: Path, key_path: Path
) -> None:
    first = tmp_path / "first.csv"
    first.write_text(f"name,id_number,phone,consent\n原有,{ID},13912340000,是\n", encoding="utf-8")
    assert run("enroll", "import", roster_id, str(first)).exit_code == 0
    before = all_rows(db_path, key_path)
    big = tmp_path / "big.csv"
    with big.open("w", encoding="utf-8") as out:
        out.write("name,id_number,phone,consent\n")
        for i, number in enumerate(make_ids(100_000, start=1000)):
            out.write(f"{person_name(i)},{number},139{i:08d},是\n")
    env = dict(os.environ)
    wal = Path(f"{db_path}-wal")
    killed_mid_write = False
    for _attempt in range(3):
        proc = subprocess.Popen(
            [sys.executable, "-m", "tuanti_cli", "enroll", "import", roster_id, str(big)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.poll() is None:
            if wal.exists() and wal.stat().st_size > 256 * 1024:
                break
            time.sleep(0.002)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            killed_mid_write = True
            break
    assert killed_mid_write, "the import finished before it could be killed"
    assert all_rows(db_path, key_path) == before
    with Store.open(db_path, read_key_file(key_path)) as store:
        assert store.integrity_ok()
    assert run("enroll", "import", roster_id, str(first)).exit_code == 0
