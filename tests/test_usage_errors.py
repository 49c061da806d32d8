"""Usage errors (exit 2) speak the user's language; in English they read as Click writes them."""

from __future__ import annotations

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
