"""Usage errors (exit 2) speak the user's language; in English they read as Click writes them."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from typer._click.exceptions import UsageError

from tests.conftest import Run
from tuanti_cli import i18n
from tuanti_cli.cli import usage


def chinese_user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUANTI_LANG", "zh")
    monkeypatch.setitem(i18n._current, "lang", "zh")


MISTAKES = [
    (("refresh",), "缺少选项 '--feed'。", "Missing option '--feed'."),
    (("show",), "缺少参数 'ROSTER'。", "Missing argument 'ROSTER'."),
    (("show", "A", "--formt", "json"), "没有这个选项：--formt（可能是：--format）", None),
    (("--bogus",), "没有这个选项：--bogus", "No such option: --bogus"),
    (("nosuch",), "没有这个命令：'nosuch'。", "No such command 'nosuch'."),
    (("refresh", "--feed"), "选项 '--feed' 需要一个值。", "Option '--feed' requires an argument."),
    (("show", "A", "B"), "多余的参数：B", "Got unexpected extra argument(s) (B)"),
    (
        ("show", "A", "--format", "xml"),
        "'--format' 的值无效：'xml' 不是可选值（'table', 'json', 'csv', 'xlsx'）之一。",
        "Invalid value for '--format': 'xml' is not one of 'table', 'json', 'csv', 'xlsx'.",
    ),
    (
        ("show", "A", "--nat-days-over", "abc"),
        "'--nat-days-over' 的值无效：'abc' 不是有效的数字。",
        "Invalid value for '--nat-days-over': 'abc' is not a valid int.",
    ),
]


@pytest.mark.parametrize(("argv", "chinese", "english"), MISTAKES)
def test_usage_errors_in_chinese(
    run: Run, monkeypatch: pytest.MonkeyPatch, argv: tuple[str, ...], chinese: str, english: str
) -> None:
    chinese_user(monkeypatch)
    result = run(*argv)
    assert result.exit_code == 2
    assert result.stderr.rstrip().splitlines()[-1] == f"错误：{chinese}"
    assert "Usage:" not in result.stderr and "Error:" not in result.stderr
    if "Try" in result.stderr or "用法" in result.stderr:
        assert "运行 '" in result.stderr and " --help' 查看帮助。" in result.stderr


@pytest.mark.parametrize(("argv", "chinese", "english"), [m for m in MISTAKES if m[2]])
def test_usage_errors_in_english_are_clicks_own(
    run: Run, argv: tuple[str, ...], chinese: str, english: str
) -> None:
    result = run(*argv)
    assert result.exit_code == 2
    assert result.stderr.rstrip().splitlines()[-1] == f"Error: {english}"


def test_an_unknown_usage_message_keeps_its_own_words() -> None:
    i18n.set_language("zh")
    try:
        assert usage.translate(UsageError("Something new.")) == "Something new."
    finally:
        i18n.set_language("en")


def test_no_arguments_still_shows_the_help(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    chinese_user(monkeypatch)
    result = run("roster")
    assert "create" in result.output and "错误" not in result.output


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize(
    "argv",
    [
        ("show", "110101199003071234"),
        ("110101199003071234",),
        ("--bogus-13912345678",),
        ("show", "A", "--format", "139 1234 5678"),
        ("show", "A", "B", "110101199003071234"),
        ("member", "withdraw", "A", "13912345678", "--yes"),
    ],
)
def test_what_was_typed_is_masked_in_every_error(
    run: Run, roster_id: str, monkeypatch: pytest.MonkeyPatch, lang: str, argv: tuple[str, ...]
) -> None:
    monkeypatch.setenv("TUANTI_LANG", lang)
    monkeypatch.setitem(i18n._current, "lang", lang)
    result = run(*argv)
    assert result.exit_code != 0
    assert result.stderr.strip()
    digits = "".join(c for c in result.stderr if c.isdigit())
    assert "1101011990" not in digits and "1234567" not in digits, result.stderr
    assert "1391234" not in digits, result.stderr


@pytest.mark.parametrize(
    ("value", "language"),
    [
        *((v, "zh") for v in ("zh", "ZH", " zh ", "zh_CN.UTF-8", "zh-CN", "zh_TW", "zh-Hans")),
        *((v, "zh") for v in ("zh_CN.GB18030", "zh_HK.utf8@stroke")),
        *((v, "en") for v in ("en", "EN", "en_US.UTF-8", "en-GB", "en_US")),
        *((v, None) for v in ("fr", "fr_FR.UTF-8", "C", "POSIX", "C.UTF-8", "", "zhx", "chinese")),
    ],
)
def test_a_language_may_be_named_as_a_locale(value: str, language: str | None) -> None:
    assert i18n.language_of(value) == language


NO_LOCALE = {"LC_ALL": "", "LC_MESSAGES": ""}


@pytest.mark.parametrize("value", ["zh_CN.UTF-8", "zh-CN", "zh_TW", "ZH"])
def test_tuanti_lang_as_a_locale_name(run: Run, store_ready: None, value: str) -> None:
    result = run("roster", "list", env={"TUANTI_LANG": value})
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("还没有登记簿")
    english = run("roster", "list", env={"TUANTI_LANG": value.lower().replace("zh", "en")})
    assert english.stderr.startswith("No rosters yet")


@pytest.mark.parametrize("value", ["ZH", "zh_CN.UTF-8", "Zh-tw"])
def test_lang_option_as_a_locale_name(run: Run, store_ready: None, value: str) -> None:
    result = run("--lang", value, "roster", "list")
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("还没有登记簿")


@pytest.mark.parametrize(("locale", "said"), [("zh_CN.UTF-8", "还没有登记簿"), ("C", "No rosters")])
def test_an_unusable_tuanti_lang_gives_way_to_the_locale(
    run: Run, store_ready: None, locale: str, said: str
) -> None:
    env = {"TUANTI_LANG": "fr", **NO_LOCALE, "LANG": locale}
    result = run("roster", "list", "--format", "json", env=env)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "[]"
    assert result.stderr.count("\n") == 1 and "TUANTI_LANG=fr" in result.stderr
    assert "--lang" not in result.stderr
    shown = run("roster", "list", env=env)
    assert shown.exit_code == 0 and shown.stderr.splitlines()[-1].startswith(said)


def test_an_unusable_lang_option_stays_a_usage_error(run: Run) -> None:
    result = run("--lang", "fr", "roster", "list", env={"TUANTI_LANG": "fr"})
    assert result.exit_code == 2
    assert result.stderr.rstrip().splitlines()[-1].startswith("Error: Invalid value for --lang")
    assert "TUANTI_LANG" not in result.stderr


def test_help_follows_a_tuanti_lang_locale_name() -> None:
    # The help texts are written when the apps are built, before any option is parsed.
    env = dict(os.environ, TUANTI_LANG="zh_CN.UTF-8")
    proc = subprocess.run(
        [sys.executable, "-m", "tuanti_cli", "roster", "--help"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert "登记簿" in proc.stdout and proc.stderr == ""


NEW_ADMIN = (
    "admin",
    "add",
    "--name",
    "李老师",
    "--phone",
    "13912345679",
    "--id",
    "110101198502020022",
)


@pytest.mark.parametrize(
    ("argv", "english", "chinese"),
    [
        (
            ("key", "rotate"),
            "Give --new-key-file PATH or --new-passphrase (or --data-key, for a store with "
            "admins' key slots).",
            "请给出 --new-key-file PATH 或 --new-passphrase 中的一个（有管理员密钥槽的数据库也可用"
            " --data-key）。",
        ),
        (
            ("key", "rotate", "--new-key-file", "new.key", "--new-passphrase"),
            "Give --new-key-file PATH or --new-passphrase, not both.",
            "--new-key-file PATH 和 --new-passphrase 只能给出其中一个。",
        ),
        (
            ("key", "rotate", "--data-key", "--new-key-file", "new.key", "--new-passphrase"),
            "Give --new-key-file PATH or --new-passphrase, not both.",
            "--new-key-file PATH 和 --new-passphrase 只能给出其中一个。",
        ),
        (
            NEW_ADMIN,
            "Give --key-file NEW (the new admin's key file) or --passphrase.",
            "请给出 --key-file NEW（新管理员的密钥文件）或 --passphrase 中的一个。",
        ),
        (
            (*NEW_ADMIN, "--key-file", "new.key", "--passphrase"),
            "Give --key-file NEW or --passphrase, not both.",
            "--key-file NEW 和 --passphrase 只能给出其中一个。",
        ),
        (
            ("member", "withdraw", "K7Q2M9XD"),
            "Give a member number, or --from FILE with a list of withdrawals.",
            "请给出成员编号，或用 --from 指定退出名单文件。",
        ),
    ],
    ids=["rotate-neither", "rotate-both", "data-key-both", "add-neither", "add-both", "withdraw"],
)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_one_of_two_options_is_asked_for_without_blaming_either(
    run: Run,
    monkeypatch: pytest.MonkeyPatch,
    argv: tuple[str, ...],
    english: str,
    chinese: str,
    lang: str,
) -> None:
    if lang == "zh":
        chinese_user(monkeypatch)
    result = run(*argv)
    assert result.exit_code == 2
    last = result.stderr.rstrip().splitlines()[-1]
    assert last == (f"Error: {english}" if lang == "en" else f"错误：{chinese}")
    assert "Invalid value" not in result.stderr and "的值无效" not in result.stderr
