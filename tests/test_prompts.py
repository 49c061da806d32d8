"""Questions at a terminal: answered in either language, ended by Ctrl-C or Ctrl-D cleanly."""

from __future__ import annotations

import os
import pty
import select
import sys
import termios
import time
from pathlib import Path

import pytest

from tests.conftest import ADMIN, Run, add_member
from tests.helpers import make_id
from tuanti_cli.cli.prompts import yes_or_no

CTRL_C, CTRL_D = b"\x03", b"\x04"
CANCELLED_ZH = "已取消；未做任何改动。"


def at_a_terminal(
    args: list[str],
    steps: list[tuple[str, bytes]],
    env: dict[str, str] | None = None,
    hidden: bool = False,
) -> tuple[int, str]:
    """Run ``tuanti args`` on a pseudo-terminal (its controlling terminal: stdin, stdout and
    stderr); at each step wait until the text has been shown, then type the bytes (once echo
    is off, when the questions are ``hidden``). Returns the exit status and everything the
    terminal showed."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: never back into pytest
        try:
            environ = dict(os.environ, COLUMNS="120", **(env or {}))
            os.execve(sys.executable, [sys.executable, "-m", "tuanti_cli", *args], environ)
        finally:
            os._exit(127)
    shown, seen = b"", 0
    try:
        for text, typed in steps:
            while (found := shown.find(text.encode(), seen)) < 0:
                chunk = _read(fd)
                assert chunk, f"{text!r} never shown: {shown.decode(errors='replace')}"
                shown += chunk
            seen = found + len(text.encode())
            if hidden:
                _wait_for_echo_off(fd)
            os.write(fd, typed)
        while chunk := _read(fd):
            shown += chunk
    finally:
        os.close(fd)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), shown.decode(errors="replace").replace("\r\n", "\n")


def _wait_for_echo_off(fd: int) -> None:
    # getpass turns echo off with TCSAFLUSH, which drops what was typed before.
    deadline = time.monotonic() + 30
    while termios.tcgetattr(fd)[3] & termios.ECHO and time.monotonic() < deadline:
        time.sleep(0.01)


def _read(fd: int) -> bytes:
    ready, _, _ = select.select([fd], [], [], 30)
    if not ready:
        return b""
    try:
        return os.read(fd, 65536)
    except OSError:  # EIO: the child has gone and closed the terminal
        return b""


@pytest.mark.parametrize(
    ("answer", "verdict"),
    [
        *((a, True) for a in ("y", "Y", "yes", "YES", " Yes ", "ｙｅｓ", "Ｙ", "是", "好", "确定")),
        *((a, False) for a in ("n", "N", "no", "No", "否", "ｎｏ", "", "  ")),
        *((a, None) for a in ("yep", "是的吧", "不", "ok", "1", "y es")),
    ],
)
def test_yes_and_no_in_either_language(answer: str, verdict: bool | None) -> None:
    assert yes_or_no(answer) is verdict


def test_a_question_takes_shi_and_asks_again_in_chinese(run: Run, roster_id: str) -> None:
    status, shown = at_a_terminal(
        ["--lang", "zh", "roster", "delete", roster_id],
        [("的数据？", "也许\r".encode()), ("请回答“是”或“否”", "是\r".encode())],
    )
    assert status == 0, shown
    assert "已删除登记簿" in shown
    assert "Error" not in shown and "invalid input" not in shown
    assert run("roster", "list", "--format", "json").stdout.strip() == "[]"


def _second_admin(run: Run, tmp_path: Path) -> None:
    added = run(
        "admin", "add", "--name", "李老师", "--phone", "13912345679", "--id", make_id("320101"),
        "--key-file", str(tmp_path / "li.key"),
    )  # fmt: skip
    assert added.exit_code == 0, added.output


ID = make_id()
NAME, TYPED_ID, PHONE = "钱七\r".encode(), f"{ID}\r".encode(), b"13912340000\r"


@pytest.mark.parametrize(
    ("args", "steps", "setup"),
    [
        (["roster", "delete", "{roster}"], [("的数据？", CTRL_C)], None),
        (["roster", "delete", "{roster}"], [("的数据？", CTRL_D)], None),
        (["member", "withdraw", "{roster}", "M0001"], [("删除其数据？", CTRL_C)], "member"),
        (["admin", "remove", "A2"], [("重新加密数据库？", CTRL_D)], "admin"),
        (["enroll", "add", "{roster}"], [("\n姓名", CTRL_D)], None),
        (["enroll", "add", "{roster}"], [("\n姓名", NAME), ("\n身份证号", CTRL_C)], None),
        (
            ["enroll", "add", "{roster}"],
            [("\n姓名", NAME), ("\n身份证号", TYPED_ID), ("\n手机号", CTRL_C)],
            None,
        ),
        (
            ["enroll", "add", "{roster}"],
            [
                ("\n姓名", NAME),
                ("\n身份证号", TYPED_ID),
                ("\n手机号", PHONE),
                ("\n部门", b"\r"),
                ("表示同意", CTRL_D),
            ],
            None,
        ),
        (["roster", "list"], [("口令", CTRL_C)], "passphrase"),
        (["key", "rotate", "--new-passphrase"], [("新口令", CTRL_D)], None),
        (
            ["key", "rotate", "--new-passphrase"],
            [("新口令", "新的口令\r".encode()), ("再次输入新口令", CTRL_C)],
            None,
        ),
    ],
    ids=[
        "delete-ctrl-c",
        "delete-ctrl-d",
        "withdraw-ctrl-c",
        "admin-remove-ctrl-d",
        "enroll-name-ctrl-d",
        "enroll-id-ctrl-c",
        "enroll-phone-ctrl-c",
        "enroll-consent-ctrl-d",
        "passphrase-ctrl-c",
        "new-passphrase-ctrl-d",
        "new-passphrase-again-ctrl-c",
    ],
)
def test_an_interrupted_question_is_one_sentence_and_changes_nothing(
    run: Run,
    roster_id: str,
    tmp_path: Path,
    args: list[str],
    steps: list[tuple[str, bytes]],
    setup: str | None,
) -> None:
    env = {"TUANTI_LANG": "zh"}
    if setup == "member":
        assert add_member(run, roster_id, "孙八", ID, "13912340000").exit_code == 0
    if setup == "admin":
        _second_admin(run, tmp_path)
    if setup == "passphrase":  # a store opened with a passphrase, none given
        env.update(TUANTI_KEY_FILE="", TUANTI_DB=str(tmp_path / "by-passphrase.db"))
        made = run("init", *ADMIN, env={**env, "TUANTI_PASSPHRASE": "秘密口令"})
        assert made.exit_code == 0, made.output
    before = [run(*a, "--format", "json").stdout for a in (["roster", "list"], ["audit"])]
    hidden = setup == "passphrase" or args[0] == "key"
    status, shown = at_a_terminal([a.format(roster=roster_id) for a in args], steps, env, hidden)
    assert status == 1, shown
    assert shown.rstrip().endswith(CANCELLED_ZH), shown
    assert shown.count(CANCELLED_ZH) == 1
    assert "Aborted" not in shown and "Traceback" not in shown
    after = [run(*a, "--format", "json").stdout for a in (["roster", "list"], ["audit"])]
    assert after[0] == before[0]
    if setup == "member":
        assert "M0001" in run("show", roster_id, "--format", "json").stdout
    if setup == "admin":
        assert "A2" in run("admin", "list", "--format", "json").stdout


@pytest.mark.parametrize(
    ("args", "lang", "names"),
    [
        (["roster", "delete", "{roster}"], "en", "Deleting roster {roster}"),
        (["roster", "delete", "{roster}"], "zh", "删除登记簿 {roster}"),
        (["member", "withdraw", "{roster}", "m0001"], "en", "Withdrawing M0001"),
        (["member", "withdraw", "{roster}", "M0001"], "zh", "让 M0001 退出"),
    ],
    ids=["delete-en", "delete-zh", "withdraw-en", "withdraw-zh"],
)
def test_a_confirmation_without_a_terminal_asks_for_yes(
    run: Run, roster_id: str, args: list[str], lang: str, names: str
) -> None:
    # As `admin remove` does: a script that means it says --yes; an answer piped in is not one.
    assert add_member(run, roster_id, "孙八", ID, "13912340000").exit_code == 0
    argv = [a.format(roster=roster_id) for a in args]
    for piped in ("", "y\n"):  # `< /dev/null`, `yes | tuanti …`
        result = run("--lang", lang, *argv, input=piped)
        assert result.exit_code == 1
        assert result.stdout == ""
        assert result.stderr.count("\n") == 1, result.stderr
        assert names.format(roster=roster_id) in result.stderr and "--yes" in result.stderr
        assert "M0001" in run("show", roster_id, "--format", "json").stdout
    assert run(*argv, "--yes").exit_code == 0
