"""Bad input for ``tuanti enroll import`` and ``tuanti refresh --feed`` (PRODUCT §3–§5).

Whatever the file holds, both commands must end with exit 0 or 1, never a traceback; an
exit 1 is one or two sentences on stderr with the members left exactly as they were; an
import that succeeds accounts for every row (rows = added + updated + unchanged + rejected).

A fixed corpus of known-nasty files, then Hypothesis: random bytes as .csv and .json, random
text written as CSV cells, valid files with a random tail, and JSON records of any shape.
Inputs that once broke the product are kept as regression tests.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import random
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from typer.testing import CliRunner, Result

from tests.conftest import ADMIN, Run
from tests.helpers import make_id, make_phone
from tuanti_cli import i18n
from tuanti_cli.printable import UNSAFE

MEMBER_IDS = [
    make_id("110101", dt.date(1988, 5, 17), 41),
    make_id("310101", dt.date(1992, 11, 2), 42),
]
MEMBER_NAMES = ["张三", "Zoë Müller"]
ENROLL_HEADER = ["name", "id_number", "phone", "consent"]
FEED_HEADER = ["id_number", "name", "health_code", "nat_sampled_at", "nat_result", "vaccination"]
AS_OF = "2022-06-01 12:00"
COMMANDS = ("enroll", "refresh")

HYPOTHESIS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# The extra fuzzers beyond the brief's three run fewer examples to keep the file fast.
EXTRA = settings(HYPOTHESIS, max_examples=20)


# --- helpers ---------------------------------------------------------------------------------


def csv_text(rows: list[list[str]], header: list[str] = ENROLL_HEADER, newline: str = "\n") -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def member_rows() -> list[list[str]]:
    return [
        [MEMBER_NAMES[i], MEMBER_IDS[i], make_phone(100 + i), "yes"] for i in range(len(MEMBER_IDS))
    ]


def show(run: Run, roster: str) -> str:
    result = run("show", roster, "--format", "json", "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    return result.stdout


def _build_members(run: Run, tmp_path: Path) -> str:
    """A roster with two members, both refreshed once with a good feed (green, negative)."""
    result = run("init", *ADMIN)
    assert result.exit_code == 0, result.output
    result = run("roster", "create", "--name", "示例科技", "--address", "北京", "--format", "json")
    assert result.exit_code == 0, result.output
    roster = str(json.loads(result.stdout)["roster_id"])
    enroll = tmp_path / "members.csv"
    enroll.write_text(csv_text(member_rows()), encoding="utf-8")
    result = run("enroll", "import", roster, str(enroll), "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["added"] == 2
    feed = tmp_path / "good-feed.csv"
    feed.write_text(
        csv_text(
            [
                [MEMBER_IDS[i], MEMBER_NAMES[i], "green", "2022-06-01 08:00", "negative", "booster"]
                for i in range(2)
            ],
            header=FEED_HEADER,
        ),
        encoding="utf-8",
    )
    result = run("refresh", "--feed", str(feed), "--as-of", AS_OF, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["matched"] == 2
    members = json.loads(show(run, roster))
    assert [m["health_code"] for m in members] == ["green", "green"], members
    return roster


@pytest.fixture(scope="module")
def _template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """Build the two-member store once per module; each test gets a copy (saves ~0.1 s each)."""
    from tuanti_cli.cli.app import app

    folder = tmp_path_factory.mktemp("bad-input-template")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TUANTI_DB", str(folder / "store" / "tuanti.db"))
        mp.setenv("TUANTI_KEY_FILE", str(folder / "keys" / "tuanti.key"))
        mp.setenv("TUANTI_LANG", "en")
        mp.setenv("HOME", str(folder / "home"))
        mp.delenv("TUANTI_PASSPHRASE", raising=False)
        mp.setitem(i18n._current, "lang", "en")

        def run(*args: str, **_: Any) -> Result:
            saved = os.umask(0o022)
            try:
                return CliRunner().invoke(app, list(args))
            finally:
                os.umask(saved)

        roster = _build_members(run, folder)
    return folder, roster


@pytest.fixture
def members_ready(_template: tuple[Path, str], db_path: Path, key_path: Path) -> str:
    """This test's own copy of the two-member store; returns the roster id."""
    folder, roster = _template
    shutil.copytree(folder / "store", db_path.parent)
    shutil.copytree(folder / "keys", key_path.parent)
    return roster


def invoke(run: Run, command: str, roster: str, path: Path | str) -> Result:
    if command == "enroll":
        return run("enroll", "import", roster, str(path), "--format", "json")
    return run("refresh", "--feed", str(path), "--as-of", AS_OF, "--format", "json")


def check(run: Run, roster: str, command: str, result: Result, before: str) -> None:
    """The contract for any input: clean exit 0/1; on 1 a short message and nothing changed."""
    exc = result.exception
    assert exc is None or isinstance(exc, SystemExit), f"crashed: {exc!r}\n{result.output}"
    assert "Traceback" not in result.stdout and "Traceback" not in result.stderr, result.stderr
    assert result.exit_code in (0, 1), (result.exit_code, result.output)
    for stream in (result.stdout, result.stderr):  # controls and bidi are echoed escaped
        assert not UNSAFE.search(stream.replace("\n", "")), ascii(stream[:2000])
    if result.exit_code == 1:
        message = result.stderr.strip()
        assert message, "exit 1 without a message on stderr"
        assert len(message.splitlines()) <= 2, message[:2000]
        assert show(run, roster) == before, "members changed by a failed run"
        return
    report = json.loads(result.stdout)
    if command == "enroll":
        accounted = report["added"] + report["updated"] + report["unchanged"] + report["rejected"]
        assert report["rows"] == accounted, report
        assert len(report["rejects"]) == report["rejected"], report
    elif not report["skipped"]:
        compared = (
            report["matched"] + report["name_mismatch"] + report["bad_rows"] + report["not_found"]
        )
        assert compared == len(MEMBER_IDS), report


def attempt(run: Run, roster: str, command: str, path: Path | str) -> Result:
    before = show(run, roster)
    result = invoke(run, command, roster, path)
    check(run, roster, command, result, before)
    return result


# --- the fixed corpus -----------------------------------------------------------------------

Builder = Callable[[Path], Path]


def _write(name: str, data: bytes | str, encoding: str = "utf-8") -> Builder:
    def build(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
        return path

    return build


def _five_mb_field(folder: Path) -> Path:
    path = folder / "huge-field.csv"
    name = "长" * (5 * 1024 * 1024 // 3)  # three UTF-8 bytes each: 5 MB
    path.write_text(csv_text([[name, MEMBER_IDS[0], make_phone(100), "yes"]]), encoding="utf-8")
    return path


def _zip_not_workbook(folder: Path) -> Path:
    path = folder / "not-a-workbook.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "this is a zip, not a workbook")
    return path


def _workbook(name: str, rows: list[list[Any]], chart_only: bool = False) -> Builder:
    def build(folder: Path) -> Path:
        book = Workbook()
        sheet = book.worksheets[0]
        if chart_only:
            book.remove(sheet)
            book.create_chartsheet()
        else:
            for row in rows:
                sheet.append(row)
        path = folder / name
        book.save(path)
        return path

    return build


def _directory(folder: Path) -> Path:
    path = folder / "a-folder.csv"
    path.mkdir()
    return path


def _missing(folder: Path) -> Path:
    return folder / "does-not-exist.csv"


RANDOM = random.Random(20220601).randbytes(4096)
LATIN1_ROWS = [
    ["José Müller", MEMBER_IDS[0], make_phone(100), "yes"],
    ["Zoë Ångström", make_id("440301", dt.date(1975, 2, 3), 9), make_phone(300), "yes"],
]
NUL_CSV = csv_text(member_rows()).replace("yes", "y\x00es", 1)
CRLF_ROWS = [
    *member_rows(),
    ["李四", make_id("440301", dt.date(1979, 8, 8), 17), make_phone(200), "是"],
]

CORPUS: dict[str, Builder] = {
    "random-bytes.csv": _write("random.csv", RANDOM),
    "random-bytes.json": _write("random.json", RANDOM),
    "random-bytes-no-ext": _write("random", RANDOM),
    "truncated-json": _write("truncated.json", '[{"name": "张三", "id_number": "1101'),
    "truncated-json-no-ext": _write("truncated", '[{"name": "张三", "id_number": "1101'),
    "json-object": _write(
        "object.json",
        json.dumps(
            {"name": "张三", "id_number": MEMBER_IDS[0], "phone": make_phone(100), "consent": True},
            ensure_ascii=False,
        ),
    ),
    "json-object-jsonl": _write("object.jsonl", '{"a": {"b": [1, 2, 3]}}\n[1, 2]\n"x"\n'),
    "deep-array.json": _write("deep.json", "[" * 5000 + "]" * 5000),
    "deep-array-no-ext": _write("deep", "[" * 5000 + "]" * 5000),
    "deep-object.json": _write("deep-object.json", '{"a":' * 5000 + "1" + "}" * 5000),
    "deep-object.jsonl": _write("deep-object.jsonl", '{"a":' * 5000 + "1" + "}" * 5000 + "\n"),
    "deep-in-list.json": _write("deep-in-list.json", "[" + '{"a":' * 5000 + "1" + "}" * 5000 + "]"),
    "5mb-field.csv": _five_mb_field,
    "nul-bytes.csv": _write("nul.csv", NUL_CSV),
    "latin-1.csv": _write("latin1.csv", csv_text(LATIN1_ROWS), encoding="latin-1"),
    "latin-1-feed.csv": _write(
        "latin1-feed.csv",
        csv_text(
            [[MEMBER_IDS[1], "Zoë Müller", "green", "2022-06-01 09:00", "négatif", "booster"]],
            header=FEED_HEADER,
        ),
        encoding="latin-1",
    ),
    "utf-16.csv": _write("utf16.csv", csv_text(member_rows()), encoding="utf-16"),
    "utf-16.json": _write(
        "utf16.json", json.dumps([{"name": "张三"}], ensure_ascii=False), encoding="utf-16"
    ),
    "empty.csv": _write("empty.csv", b""),
    "empty.json": _write("empty.json", b""),
    "empty-no-ext": _write("empty", b""),
    "blank-lines.csv": _write("blank.csv", "\n\n  \r\n"),
    "header-only.csv": _write("header.csv", ",".join(ENROLL_HEADER) + "\n"),
    "feed-header-only.csv": _write("feed-header.csv", ",".join(FEED_HEADER) + "\r\n"),
    "empty-array.json": _write("empty-array.json", "[]"),
    "wrong-columns.csv": _write("wrong.csv", "a,b,c\n1,2,3\n4,5,6\n"),
    "wrong-columns-no-ext": _write("wrong", "a,b,c\n1,2,3\n"),
    "fake.xlsx": _write("fake.xlsx", csv_text(member_rows())),
    "zip-not-workbook.xlsx": _zip_not_workbook,
    "unterminated-quote.csv": _write(
        "quote.csv", csv_text(member_rows()) + f'"王五,{MEMBER_IDS[0]},{make_phone(100)},yes\n'
    ),
    "unterminated-quote-id.csv": _write(
        "quote-id.csv", f'{",".join(ENROLL_HEADER)}\n张三,"{MEMBER_IDS[0]},{make_phone(100)},yes\n'
    ),
    "ragged-rows.csv": _write(
        "ragged.csv", f"{','.join(ENROLL_HEADER)}\n张三\n,,,,,,,,\n{MEMBER_IDS[0]}\n"
    ),
    "empty-workbook.xlsx": _workbook("empty-book.xlsx", []),
    "header-only-workbook.xlsx": _workbook("header-book.xlsx", [ENROLL_HEADER]),
    "odd-header-workbook.xlsx": _workbook(
        "odd-header.xlsx", [[1, dt.datetime(2020, 1, 1), None, 3.5], [1, 2, 3, 4]]
    ),
    "odd-cells-workbook.xlsx": _workbook(
        "odd-cells.xlsx",
        [
            ENROLL_HEADER,
            [12, int(MEMBER_IDS[0][:17]), 13900000100, True],
            [dt.datetime(2020, 1, 1), MEMBER_IDS[1], "13900000101", 1],
            ["=A1", MEMBER_IDS[1], None, "yes"],
            ["x"],
        ],
    ),
    # Regression: a workbook whose only sheet is a chart sheet once crashed enroll import.
    "chartsheet-only.xlsx": _workbook("chart-only.xlsx", [], chart_only=True),
    # Regression: CR-only line endings (old Mac exports) once crashed refresh.
    "cr-only-line-endings.csv": _write("cr.csv", csv_text(member_rows(), newline="\r")),
    # Regression: a bare CR inside a member's row once crashed refresh.
    "bare-cr-in-cell.csv": _write(
        "bare-cr.csv",
        csv_text(
            [[MEMBER_IDS[0], MEMBER_NAMES[0], "green", "2022-06-01 08:00", "neg\rative", ""]],
            header=FEED_HEADER,
        ),
    ),
    "directory.csv": _directory,
    "missing.csv": _missing,
}


# Where the spec leaves no choice, the exit code is pinned: §3 (a missing or unreadable input
# file is exit 1), §4 (a file that cannot be read as its format at all is an error), §5 (an
# unreadable, empty or header-only feed, or one without an id_number column, is refused).
_UNREADABLE = {
    "random-bytes.csv",
    "random-bytes.json",
    "random-bytes-no-ext",
    "truncated-json",
    "truncated-json-no-ext",
    "json-object",
    "deep-array.json",
    "deep-array-no-ext",
    "deep-object.json",
    "deep-object.jsonl",
    "nul-bytes.csv",
    "utf-16.csv",
    "utf-16.json",
    "empty.csv",
    "empty.json",
    "empty-no-ext",
    "blank-lines.csv",
    "empty-array.json",
    "wrong-columns.csv",
    "wrong-columns-no-ext",
    "zip-not-workbook.xlsx",
    "empty-workbook.xlsx",
    "odd-header-workbook.xlsx",
    "chartsheet-only.xlsx",
    "directory.csv",
    "missing.csv",
}
EXIT_1 = {("enroll", case) for case in _UNREADABLE | {"fake.xlsx"}} | {
    ("refresh", case)
    for case in _UNREADABLE
    | {"header-only.csv", "feed-header-only.csv", "header-only-workbook.xlsx"}
}  # a workbook of odd cells is a feed like any other since §5 reads .xlsx
# A header-only enrollment CSV may be refused or report 0 rows: §4 does not say.
NAMES_THE_FILE = {"missing.csv", "directory.csv", "nul-bytes.csv", "utf-16.csv", "empty.csv"}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("case", list(CORPUS))
def test_corpus(run: Run, members_ready: str, tmp_path: Path, case: str, command: str) -> None:
    path = CORPUS[case](tmp_path)
    result = attempt(run, members_ready, command, path)
    if (command, case) in EXIT_1:
        assert result.exit_code == 1, result.output
    if case in NAMES_THE_FILE:
        assert path.name in result.stderr, result.stderr


def test_deep_object_in_list_is_one_rejected_row_or_error(
    run: Run, members_ready: str, tmp_path: Path
) -> None:
    result = attempt(run, members_ready, "enroll", CORPUS["deep-in-list.json"](tmp_path))
    if result.exit_code == 0:
        report = json.loads(result.stdout)
        assert report["rows"] == report["rejected"] == 1, report


def test_5mb_name_is_rejected_not_stored(run: Run, members_ready: str, tmp_path: Path) -> None:
    before = show(run, members_ready)
    result = attempt(run, members_ready, "enroll", CORPUS["5mb-field.csv"](tmp_path))
    if result.exit_code == 0:
        report = json.loads(result.stdout)
        # The row is over 1 MiB: rejected whole, before its fields are looked at
        assert report["rejected"] == 1 and report["rejects"][0]["field"] == "row", report
        assert len(report["rejects"][0]["value"]) < 1000, "the masked value echoes 5 MB"
        assert show(run, members_ready) == before


def test_latin1_enrollment_is_an_error_or_rejected_rows(
    run: Run, members_ready: str, tmp_path: Path
) -> None:
    """Latin-1 bytes are invalid UTF-8; GB18030 may still decode them into other letters."""
    result = attempt(run, members_ready, "enroll", CORPUS["latin-1.csv"](tmp_path))
    if result.exit_code == 0:
        # Only GB18030 could have read it, and the report must say so (§4: report which).
        assert json.loads(result.stdout)["encoding"] == "gb18030", result.stdout


@pytest.mark.parametrize(
    ("command", "newline"), [("enroll", "\r\n"), ("enroll", "\r"), ("refresh", "\r\n")]
)
def test_crlf_line_endings_work(
    run: Run, members_ready: str, tmp_path: Path, command: str, newline: str
) -> None:
    path = tmp_path / "crlf.csv"
    if command == "enroll":
        path.write_text(csv_text(CRLF_ROWS, newline=newline), encoding="utf-8")
    else:
        rows = [
            [MEMBER_IDS[0], MEMBER_NAMES[0], "red", "2022-06-01 07:00", "positive", "booster"],
            [MEMBER_IDS[1], MEMBER_NAMES[1], "yellow", "2022/5/31 7:30", "negative", "primary"],
        ]
        path.write_text(csv_text(rows, header=FEED_HEADER, newline=newline), encoding="utf-8")
    result = attempt(run, members_ready, command, path)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    members = json.loads(show(run, members_ready))
    if command == "enroll":
        assert (report["rows"], report["added"], report["unchanged"], report["rejected"]) == (
            3,
            1,
            2,
            0,
        ), report
        assert sorted(m["name"] for m in members) == sorted([*MEMBER_NAMES, "李四"])
    else:
        assert (report["matched"], report["bad_rows"]) == (2, 0), report
        assert [m["health_code"] for m in members] == ["red", "yellow"], members


def test_stdin_garbage_is_handled(run: Run, members_ready: str) -> None:
    before = show(run, members_ready)
    result = run(
        "enroll", "import", members_ready, "-", "--format", "json", input="\x00\x01garbage"
    )
    check(run, members_ready, "enroll", result, before)


# --- Hypothesis -----------------------------------------------------------------------------


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_random_bytes(
    run: Run, members_ready: str, tmp_path: Path, suffix: str, command: str
) -> None:
    path = tmp_path / f"fuzz{suffix}"

    @HYPOTHESIS
    @given(data=st.binary(max_size=2000))
    def one(data: bytes) -> None:
        path.write_bytes(data)
        attempt(run, members_ready, command, path)

    one()


# The whole of Unicode, with the characters that steer terminals or hide in text drawn
# often: controls, bidi, separators, noncharacters, lone surrogates.
ANY_CHARACTER = st.one_of(
    st.characters(exclude_categories=()),
    st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF, exclude_categories=()),
    st.sampled_from(list("\x1b\x07\x85\u202e\u2066\u2028\u200b\ufeff\ufffe\U000e0041=+-@\t")),
)
_cell = st.text(ANY_CHARACTER, max_size=30)
_id_cell = st.one_of(
    _cell, st.sampled_from(MEMBER_IDS), st.sampled_from([i.lower() for i in MEMBER_IDS])
)


@pytest.mark.parametrize("command", COMMANDS)
def test_random_text_cells(run: Run, members_ready: str, tmp_path: Path, command: str) -> None:
    path = tmp_path / "cells.csv"
    header = ENROLL_HEADER if command == "enroll" else FEED_HEADER
    id_at = header.index("id_number")

    # Regression: a bare CR inside a member's row once crashed refresh (found by Hypothesis).
    @example(rows=[[MEMBER_IDS[0]] + [""] * (len(header) - 2) + ["\r0"]])
    @HYPOTHESIS
    @given(
        rows=st.lists(
            st.lists(_cell, min_size=len(header), max_size=len(header)).flatmap(
                lambda cells: _id_cell.map(lambda id_: [*cells[:id_at], id_, *cells[id_at + 1 :]])
            ),
            max_size=6,
        )
    )
    def one(rows: list[list[str]]) -> None:
        path.write_text(csv_text(rows, header=header), encoding="utf-8", errors="surrogatepass")
        attempt(run, members_ready, command, path)

    one()


# --- specific findings ----------------------------------------------------------------------


def test_unterminated_quote_does_not_swallow_the_rows_after_it(
    run: Run, members_ready: str, tmp_path: Path
) -> None:
    """A stray quote on row 2 must not make rows 3–5 vanish into one rejected "row".

    Either the file is refused (as ``refresh`` does: "ends inside a quoted field"), or every
    physical row after the quote is still accounted for.
    """
    others = [
        [f"员工{i}", make_id("440301", dt.date(1980, 1, 1 + i), 50 + i), make_phone(400 + i), "yes"]
        for i in range(3)
    ]
    path = tmp_path / "stray-quote.csv"
    path.write_text(
        ",".join(ENROLL_HEADER)
        + "\n"
        + f'"王五,{make_id("440301", dt.date(1970, 7, 7), 1)},{make_phone(399)},yes\n'
        + "".join(",".join(row) + "\n" for row in others),
        encoding="utf-8",
    )
    result = attempt(run, members_ready, "enroll", path)
    # Regression: an unterminated quote once swallowed every later row of an import.
    if result.exit_code == 0:
        report = json.loads(result.stdout)
        assert report["rows"] == 4, report


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("no-id.jsonl", '{"a": {"b": [1, 2, 3]}}\n[1, 2]\n"x"\n'),
        ("no-id.json", '[{"health_code": "red"}, {"name": "张三"}, 7]'),
        ("scalars.json", "[1, 2, 3]"),
    ],
)
def test_json_feed_without_any_id_number_is_refused(
    run: Run, members_ready: str, tmp_path: Path, name: str, content: str
) -> None:
    """§5: a missing id_number column fails the run with nothing changed.

    A JSON/JSONL feed in which no record has an id_number is the same failed export as a CSV
    without the column (which is refused); it must not turn every member unknown.
    """
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    result = attempt(run, members_ready, "refresh", path)
    # Regression: a JSON feed without any id_number was once applied (everyone unknown).
    assert result.exit_code == 1, result.output


# --- more Hypothesis: valid start, garbage after; JSON records of any shape -------------------


_TAIL_PREFIX = {
    ("enroll", ".csv"): csv_text(member_rows()),
    ("refresh", ".csv"): csv_text(
        [[MEMBER_IDS[0], MEMBER_NAMES[0], "green", "2022-06-01 08:00", "negative", "booster"]],
        header=FEED_HEADER,
    )
    + MEMBER_IDS[1]
    + ",",
    ("enroll", ".jsonl"): json.dumps(
        {"name": "张三", "id_number": MEMBER_IDS[0], "phone": make_phone(100), "consent": True},
        ensure_ascii=False,
    )
    + "\n",
    ("refresh", ".jsonl"): json.dumps({"id_number": MEMBER_IDS[0], "health_code": "red"})
    + "\n"
    + '{"id_number": "'
    + MEMBER_IDS[1]
    + '", "name": ',
}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_valid_start_random_tail(
    run: Run, members_ready: str, tmp_path: Path, suffix: str, command: str
) -> None:
    path = tmp_path / f"tail{suffix}"
    prefix = _TAIL_PREFIX[(command, suffix)].encode("utf-8")

    # Regression: a bare CR after a member's ID once crashed refresh (found by Hypothesis).
    @example(tail=b"\r\x01")
    @EXTRA
    @given(tail=st.binary(max_size=300))
    def one(tail: bytes) -> None:
        path.write_bytes(prefix + tail)
        attempt(run, members_ready, command, path)

    one()


_json_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(ANY_CHARACTER, max_size=20),
    st.sampled_from(
        [*MEMBER_IDS, "green", "红码", "2022-06-01 08:00", "阴性", "是", "13900000100"]
    ),
)
_json_value = st.recursive(
    _json_scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
_keys = st.one_of(
    st.sampled_from(ENROLL_HEADER + FEED_HEADER + ["证件号码", "姓名"]), st.text(max_size=8)
)
_record = st.one_of(st.dictionaries(_keys, _json_value, max_size=6), _json_value)


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
def test_random_json_records(
    run: Run, members_ready: str, tmp_path: Path, suffix: str, command: str
) -> None:
    path = tmp_path / f"records{suffix}"

    @EXTRA
    @given(records=st.lists(_record, max_size=5), escaped=st.booleans())
    def one(records: list[Any], escaped: bool) -> None:
        # Escaped (\\ud800) is how a lone surrogate reaches a parsed string.
        if suffix == ".json":
            text = json.dumps(records, ensure_ascii=escaped)
        else:
            text = "".join(json.dumps(r, ensure_ascii=escaped) + "\n" for r in records)
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        attempt(run, members_ready, command, path)

    one()


def test_superscript_digits_in_a_dose_count_are_a_bad_row(
    run: Run, members_ready: str, tmp_path: Path
) -> None:
    # '²'.isdigit() is True but int('²') fails: once a traceback quoting the cell
    feed = tmp_path / "feed.csv"
    feed.write_text(
        "id_number,health_code,vaccine_doses\n" + "".join(f"{i},green,1²\n" for i in MEMBER_IDS),
        encoding="utf-8",
    )
    result = run("refresh", "--feed", str(feed), "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["bad_rows"] == len(MEMBER_IDS)


def test_an_unexpected_error_is_one_masked_sentence(
    run: Run, members_ready: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tuanti_cli import view

    def broken(*_: object, **__: object) -> None:
        raise ValueError("cannot read 110101199003071234 or 13912345678")

    monkeypatch.setattr(view, "json_row_batches", broken)
    result = run("show", members_ready, "--format", "json")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "ValueError" in result.stderr and "bug in tuanti" in result.stderr
    assert "110101199003071234" not in result.stderr and "13912345678" not in result.stderr
