"""People's rights (PRODUCT §9, issue #14): withdrawal from a list of requests, and a
member's own copy."""

from __future__ import annotations

import datetime as dt
import json
import stat
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from openpyxl import Workbook

from tests.conftest import Run
from tests.helpers import all_rows, make_id, make_ids, make_phone, person_name, piped, query
from tuanti_cli.clock import SHANGHAI

IDS = make_ids(10)
NAMES = [person_name(i) for i in range(10)]
PHONES = [make_phone(i) for i in range(10)]
STRANGER = make_id("320101", dt.date(1985, 6, 1), 77)
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def enroll_all(run: Run, roster_id: str, tmp_path: Path) -> None:
    """Ten members, M0001…M0010, each compared twice (health state and two history rows)."""
    lines = ["姓名,身份证号,手机号,同意授权,部门"]
    lines += [f"{n},{i},{p},是,财务部" for n, i, p in zip(NAMES, IDS, PHONES, strict=True)]
    path = tmp_path / "enroll.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run("enroll", "import", roster_id, str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["added"] == 10
    sampled = (dt.datetime.now(SHANGHAI) - dt.timedelta(hours=5)).strftime("%Y-%m-%d %H:%M")
    for code in ("green", "yellow"):
        feed = tmp_path / f"feed-{code}.csv"
        rows = ["name,id_number,health_code,nat_sampled_at,nat_result,vaccination"]
        rows += [f"{n},{i},{code},{sampled},negative,booster" for n, i in zip(NAMES, IDS)]  # noqa: B905
        feed.write_text("\n".join(rows) + "\n", encoding="utf-8")
        refreshed = run("refresh", "--feed", str(feed))
        assert refreshed.exit_code == 0, refreshed.output


def member_rows(db_path: Path, key_path: Path, numbers: list[str]) -> list[Any]:
    """Every stored row of these members: member, health and history."""
    marks = ",".join("?" * len(numbers))
    ids = f"SELECT id FROM member WHERE member_no IN ({marks})"
    return [
        query(db_path, key_path, f"SELECT * FROM member WHERE member_no IN ({marks})", numbers),
        query(db_path, key_path, f"SELECT * FROM health WHERE member_id IN ({ids})", numbers),
        query(
            db_path,
            key_path,
            f"SELECT * FROM health_history WHERE member_id IN ({ids}) ORDER BY id",
            numbers,
        ),
    ]


def numbers(indexes: range | list[int]) -> list[str]:
    return [f"M{i + 1:04d}" for i in indexes]


# A 问卷星-style export of withdrawal requests: title row, metadata, question headers, and
# the ID normalisations of §4 (full-width digits, inner spaces, a leading TAB).
FORM_EXPORT = [
    ["退出申请（导出）"],
    ["序号", "提交答卷时间", "来源", "来自IP", "1、您的姓名：", "2、身份证号码：", "3、成员编号："],
    ["1", "2022/12/5 9:00", "微信", "1.2.3.4", NAMES[0], IDS[0], ""],
    ["2", "2022/12/5 9:01", "微信", "1.2.3.4", NAMES[1], IDS[1].translate(FULL_WIDTH), ""],
    ["3", "2022/12/5 9:02", "微信", "1.2.3.4", NAMES[2], f"{IDS[2][:6]} {IDS[2][6:]}", ""],
    ["4", "2022/12/5 9:03", "微信", "1.2.3.4", NAMES[3], "\t" + IDS[3], ""],
    ["5", "2022/12/5 9:04", "微信", "1.2.3.4", NAMES[4], "", "m0005"],
    ["6", "2022/12/5 9:05", "微信", "1.2.3.4", "陌生人", STRANGER, ""],
    ["7", "2022/12/5 9:06", "微信", "1.2.3.4", NAMES[6], "1.10101E+17", ""],
    ["8", "2022/12/5 9:07", "微信", "1.2.3.4", NAMES[7], IDS[7][:17] + "0", ""],
    ["9", "2022/12/5 9:08", "微信", "1.2.3.4", NAMES[0], IDS[0], "M0001"],
    ["10", "2022/12/5 9:09", "微信", "1.2.3.4", "", "", ""],
    ["11", "2022/12/5 9:10", "微信", "1.2.3.4", "", "", "M0099"],
]  # fmt: skip
WITHDRAWN = [0, 1, 2, 3, 4]
KEPT = [5, 6, 7, 8, 9]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    import csv

    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        csv.writer(stream).writerows(rows)
    return path


def withdraw_json(run: Run, roster_id: str, path: Path, *extra: str) -> dict[str, Any]:
    result = run("member", "withdraw", roster_id, "--from", str(path), "--format", "json", *extra)
    assert result.exit_code == 0, result.output
    report: dict[str, Any] = json.loads(result.stdout)
    return report


@pytest.mark.parametrize("chunk", [5000, 2])
def test_a_form_export_erases_exactly_the_members_it_names(
    run: Run,
    roster_id: str,
    tmp_path: Path,
    db_path: Path,
    key_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    chunk: int,
) -> None:
    # chunk=2: a member named again in a later chunk is still found, and withdrawn once.
    monkeypatch.setattr("tuanti_cli.rights.CHUNK_ROWS", chunk)
    enroll_all(run, roster_id, tmp_path)
    kept_before = member_rows(db_path, key_path, numbers(KEPT))
    assert all(kept_before), "every kept member has a member row, health and history"
    source = write_csv(tmp_path / "withdrawals.csv", FORM_EXPORT)
    report = withdraw_json(run, roster_id, source, "--yes")
    assert set(report) == {"requested", "withdrawn", "not_found", "rejects"}
    assert report["withdrawn"] == numbers(WITHDRAWN)
    # Five members (M0001 named twice: once by ID, once by ID and number) and two strangers.
    assert report["requested"] == 7
    assert report["not_found"] == [
        {"row": 8, "field": "id_number", "value": STRANGER[:2] + "*" * 12 + STRANGER[-4:]},
        {"row": 13, "field": "member_no", "value": "M0099"},
    ]
    rejects = {r["row"]: r for r in report["rejects"]}
    assert sorted(rejects) == [9, 10, 12]
    assert {r["field"] for r in rejects.values()} == {"id_number"}
    assert "Excel" in rejects[9]["reason"]
    assert rejects[10]["value"] == IDS[7][:2] + "*" * 12 + IDS[7][14:17] + "0"
    assert set(rejects[12]) == {"row", "field", "reason", "value"}
    # Gone from every table; nobody else touched.
    stored = all_rows(db_path, key_path)
    for i in WITHDRAWN:
        for secret in (NAMES[i], IDS[i], PHONES[i]):
            assert secret not in stored
    assert member_rows(db_path, key_path, numbers(WITHDRAWN)) == [[], [], []]
    assert member_rows(db_path, key_path, numbers(KEPT)) == kept_before
    # The audit keeps the member numbers and the fact, never an ID number.
    audit = query(db_path, key_path, "SELECT action, detail FROM audit")
    withdrawn = [json.loads(d)["member_no"] for a, d in audit if a == "member.withdraw"]
    assert withdrawn == numbers(WITHDRAWN)
    assert any(a == "member.withdraw.list" for a, _ in audit)
    assert STRANGER not in repr(audit) and IDS[7] not in repr(audit)


def test_the_text_report_masks_what_names_nobody(run: Run, roster_id: str, tmp_path: Path) -> None:
    enroll_all(run, roster_id, tmp_path)
    source = write_csv(tmp_path / "withdrawals.csv", FORM_EXPORT)
    result = run("member", "withdraw", roster_id, "--from", str(source), "--yes")
    assert result.exit_code == 0, result.output
    assert "11 lines: 5 members withdrawn" in result.stdout
    assert "row 8, id_number: names no member" in result.stdout
    assert STRANGER not in result.output and IDS[7] not in result.output
    assert "M0001, M0002, M0003, M0004, M0005" in result.stdout


def test_tencent_response_numbers_are_not_member_numbers(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    enroll_all(run, roster_id, tmp_path)
    # Tencent Survey's 编号 holds response numbers 1, 2, 3: M0001 is not withdrawn for "1".
    rows = [
        ["编号", "提交时间", "1.身份证号码"],
        ["1", "2022-12-05", IDS[4]],
        ["2", "2022-12-05", ""],
    ]
    report = withdraw_json(run, roster_id, write_csv(tmp_path / "t.csv", rows), "--yes")
    assert report["withdrawn"] == ["M0005"]
    assert [(r["row"], r["field"]) for r in report["rejects"]] == [(3, "member_no")]
    assert "not a member number" in report["rejects"][0]["reason"]


def test_a_one_column_list_with_tab_guards_is_csv_not_tab_separated(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    # Tencent Survey writes a TAB before digits; in a one-column list no comma stands
    # anywhere, yet the TAB is a guard, not a separator.
    enroll_all(run, roster_id, tmp_path)
    source = tmp_path / "guarded.csv"
    source.write_bytes(f"\ufeff身份证号\r\n\t{IDS[0]}\r\n\t{IDS[1]}\t\r\n".encode())
    assert withdraw_json(run, roster_id, source, "--yes")["withdrawn"] == ["M0001", "M0002"]


def test_a_line_naming_two_different_people_erases_neither(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    enroll_all(run, roster_id, tmp_path)
    rows = [["身份证号", "成员编号"], [IDS[0], "M0002"], [IDS[2], "X12"]]
    report = withdraw_json(run, roster_id, write_csv(tmp_path / "w.csv", rows), "--yes")
    assert report["withdrawn"] == []
    assert [(r["row"], r["field"]) for r in report["rejects"]] == [
        (2, "member_no"),
        (3, "member_no"),
    ]


def test_jsonl_and_xlsx_lists(run: Run, roster_id: str, tmp_path: Path) -> None:
    enroll_all(run, roster_id, tmp_path)
    jsonl = tmp_path / "w.jsonl"
    lines = [
        json.dumps({"身份证号": IDS[0].translate(FULL_WIDTH)}, ensure_ascii=False),
        json.dumps({"member_no": "M0002"}),
        "not json",
        json.dumps({"身份证号": STRANGER}, ensure_ascii=False),
    ]
    jsonl.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = withdraw_json(run, roster_id, jsonl, "--yes")
    assert report["withdrawn"] == ["M0001", "M0002"]
    assert [r["row"] for r in report["rejects"]] == [3]
    assert [u["row"] for u in report["not_found"]] == [4]

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["腾讯问卷导出"])
    sheet.append(["编号", "1.身份证号码", "2.成员编号"])
    sheet.append([1, IDS[2], None])
    sheet.append([2, None, "M0004"])
    sheet.append([3, 110101195001010000, None])  # a numeric cell: digits lost
    xlsx = tmp_path / "w.xlsx"
    book.save(xlsx)
    report = withdraw_json(run, roster_id, xlsx, "--yes")
    assert report["withdrawn"] == ["M0003", "M0004"]
    assert [(r["row"], r["field"]) for r in report["rejects"]] == [(5, "id_number")]
    assert "Excel" in report["rejects"][0]["reason"]


def test_dry_run_erases_nothing_and_is_audited(
    run: Run, roster_id: str, tmp_path: Path, db_path: Path, key_path: Path
) -> None:
    enroll_all(run, roster_id, tmp_path)
    before = member_rows(db_path, key_path, numbers(range(10)))
    source = write_csv(tmp_path / "withdrawals.csv", FORM_EXPORT)
    report = withdraw_json(run, roster_id, source, "--dry-run")
    assert report["withdrawn"] == numbers(WITHDRAWN)
    assert member_rows(db_path, key_path, numbers(range(10))) == before
    actions = [a for (a,) in query(db_path, key_path, "SELECT action FROM audit")]
    assert "member.withdraw.dry_run" in actions and "member.withdraw" not in actions
    text = run("member", "withdraw", roster_id, "--from", str(source), "--dry-run")
    assert "Dry run" in text.stdout and "would be withdrawn" in text.stdout


def test_without_a_terminal_yes_is_required(
    run: Run, roster_id: str, tmp_path: Path, db_path: Path, key_path: Path
) -> None:
    enroll_all(run, roster_id, tmp_path)
    source = write_csv(tmp_path / "withdrawals.csv", FORM_EXPORT)
    result = run("member", "withdraw", roster_id, "--from", str(source))
    assert result.exit_code == 1
    assert "--yes" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert len(query(db_path, key_path, "SELECT * FROM member")) == 10
    piped = run("member", "withdraw", roster_id, "--from", "-", input=source.read_text())
    assert piped.exit_code == 1 and "--yes" in piped.stderr


def test_at_a_terminal_it_lists_and_asks_once(
    run: Run, roster_id: str, tmp_path: Path, db_path: Path, key_path: Path
) -> None:
    enroll_all(run, roster_id, tmp_path)
    source = write_csv(tmp_path / "withdrawals.csv", FORM_EXPORT)
    with mock.patch("tuanti_cli.cli.member.stdin_is_terminal", return_value=True):
        refused = run("member", "withdraw", roster_id, "--from", str(source), input="n\n")
        assert refused.exit_code == 1
        assert "M0001, M0002, M0003, M0004, M0005" in refused.stderr
        assert len(query(db_path, key_path, "SELECT * FROM member")) == 10
        agreed = run("member", "withdraw", roster_id, "--from", str(source), input="y\n")
        assert agreed.exit_code == 0, agreed.output
        # Asked once, on stderr: standard output is the report (`--format json > file`).
        assert agreed.stderr.count("Withdraw these 5 members") == 1
        assert "Withdraw these" not in agreed.stdout
    assert len(query(db_path, key_path, "SELECT * FROM member")) == 5


def test_a_list_from_a_pipe_is_read_once_and_kept_for_the_question(
    run: Run, roster_id: str, tmp_path: Path, db_path: Path, key_path: Path
) -> None:
    # `--from <(cat list.csv)`: the preview and the erasure read the same bytes, in memory.
    enroll_all(run, roster_id, tmp_path)
    data = write_csv(tmp_path / "withdrawals.csv", FORM_EXPORT).read_bytes()
    with piped(data) as path:
        dry = run("member", "withdraw", roster_id, "--from", path, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "would be withdrawn" in dry.stdout
    with (
        mock.patch("tuanti_cli.cli.member.stdin_is_terminal", return_value=True),
        piped(data) as path,
    ):
        agreed = run("member", "withdraw", roster_id, "--from", path, input="y\n")
    assert agreed.exit_code == 0, agreed.output
    assert "M0001, M0002, M0003, M0004, M0005" in agreed.stderr
    assert len(query(db_path, key_path, "SELECT * FROM member")) == 5


@pytest.mark.parametrize(
    "argv",
    [
        ("member", "withdraw", "{roster}"),
        ("member", "withdraw", "{roster}", "M0001", "--from", "{file}"),
        ("member", "withdraw", "{roster}", "M0001", "--dry-run"),
        ("member", "withdraw", "{roster}", "--from", "{file}", "--format", "xml"),
    ],
)
def test_misuse_is_a_usage_error(
    run: Run, roster_id: str, tmp_path: Path, argv: tuple[str, ...]
) -> None:
    enroll_all(run, roster_id, tmp_path)
    source = write_csv(tmp_path / "withdrawals.csv", FORM_EXPORT)
    args = [a.format(roster=roster_id, file=source) for a in argv]
    result = run(*args, "--yes")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output


def test_a_list_without_a_known_column_is_one_sentence(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    source = write_csv(tmp_path / "w.csv", [["姓名", "手机号"], [NAMES[0], PHONES[0]]])
    result = run("member", "withdraw", roster_id, "--from", str(source), "--yes")
    assert result.exit_code == 1
    assert "id_number" in result.stderr and "member_no" in result.stderr
    assert "Traceback" not in result.output
    assert "--column" not in result.stderr  # this command has no such option


@pytest.mark.parametrize("first", ["17-digit", "19-digit"])
def test_a_plain_list_whose_first_line_is_a_mistyped_id_rejects_that_line(
    run: Run, roster_id: str, tmp_path: Path, first: str
) -> None:
    enroll_all(run, roster_id, tmp_path)
    typo = IDS[0][:17] if first == "17-digit" else IDS[0] + "9"
    source = tmp_path / "plain.txt"
    source.write_text(f"{typo}\n{IDS[1]}\n", encoding="utf-8")
    report = withdraw_json(run, roster_id, source, "--yes")
    assert report["withdrawn"] == ["M0002"]
    assert [(r["row"], r["field"]) for r in report["rejects"]] == [(1, "id_number")]
    assert typo not in json.dumps(report)


def test_a_plain_list_without_a_header_names_one_person_a_line(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    enroll_all(run, roster_id, tmp_path)
    source = tmp_path / "plain.txt"
    lines = [IDS[0], "M0003", "", "m5", STRANGER, IDS[7][:17] + "0", "1.10101E+17"]
    source.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    report = withdraw_json(run, roster_id, source, "--yes")
    assert report["withdrawn"] == ["M0001", "M0003", "M0005"]
    # Row numbers are the file's lines: the first line is a request, not a header.
    assert [(u["row"], u["field"]) for u in report["not_found"]] == [(5, "id_number")]
    assert [(r["row"], r["field"]) for r in report["rejects"]] == [
        (6, "id_number"),
        (7, "id_number"),
    ]
    assert "Excel" in report["rejects"][1]["reason"]
    # A sheet with the numbers in its first column and no header; standard input.
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for value in ("M0002", IDS[3]):
        sheet.append([value])
    book.save(tmp_path / "plain.xlsx")
    assert withdraw_json(run, roster_id, tmp_path / "plain.xlsx", "--yes")["withdrawn"] == [
        "M0002",
        "M0004",
    ]
    piped = run(
        "member", "withdraw", roster_id, "--from", "-", "--yes", "--format", "json",
        input=f"{IDS[5]}\nM0007\n",
    )  # fmt: skip
    assert piped.exit_code == 0, piped.output
    assert json.loads(piped.stdout)["withdrawn"] == ["M0006", "M0007"]


def test_a_json_array_of_strings_names_one_person_an_entry(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    enroll_all(run, roster_id, tmp_path)
    source = tmp_path / "w.json"
    entries = [IDS[0], "M0003", None, [PHONES[1], "x"], {}, STRANGER, "", {"member_no": "M0004"}]
    source.write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")
    report = withdraw_json(run, roster_id, source, "--yes")
    assert report["withdrawn"] == ["M0001", "M0003", "M0004"]
    assert [(u["row"], u["field"]) for u in report["not_found"]] == [(6, "id_number")]
    rejects = {r["row"]: r for r in report["rejects"]}
    assert sorted(rejects) == [3, 4, 5, 7]
    # What is no request is shown, masked: never an empty value that hides what was there.
    assert rejects[3]["value"] == "null" and rejects[5]["value"] == "{}"
    assert rejects[4]["field"] == "row" and '"x"' in rejects[4]["value"]
    assert PHONES[1] not in json.dumps(report) and STRANGER not in json.dumps(report)
    assert rejects[7]["field"] == "id_number"  # an empty string names nobody
    lines = tmp_path / "w.jsonl"
    lines.write_text(f'"M0005"\n{json.dumps(IDS[5])}\n', encoding="utf-8")
    assert withdraw_json(run, roster_id, lines, "--yes")["withdrawn"] == ["M0005", "M0006"]


def test_a_list_whose_first_line_is_neither_header_nor_number_says_so(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    source = tmp_path / "names.txt"
    source.write_text(f"{NAMES[0]}\n{IDS[0]}\n", encoding="utf-8")
    result = run("member", "withdraw", roster_id, "--from", str(source), "--yes")
    assert result.exit_code == 1, result.output
    assert "plain list" in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_two_id_columns_ask_to_delete_or_rename_one(
    run: Run, roster_id: str, tmp_path: Path, db_path: Path, key_path: Path, lang: str
) -> None:
    enroll_all(run, roster_id, tmp_path)
    rows = [["身份证号", "成员编号", "证件号码"], [IDS[0], "M0001", IDS[0]]]
    source = write_csv(tmp_path / "w.csv", rows)
    result = run("--lang", lang, "member", "withdraw", roster_id, "--from", str(source), "--yes")
    assert result.exit_code == 1, result.output
    message = result.stderr.strip()
    assert "\n" not in message and "'身份证号'" in message and "'证件号码'" in message
    assert "--column" not in message  # member withdraw has no such option
    assert ("rename" if lang == "en" else "改名") in message, message
    assert len(query(db_path, key_path, "SELECT * FROM member")) == 10
    renamed = write_csv(tmp_path / "w2.csv", [["身份证号", "成员编号", "备注"], rows[1]])
    assert withdraw_json(run, roster_id, renamed, "--yes")["withdrawn"] == ["M0001"]


# --- a member's own copy ---------------------------------------------------------------------


def test_copy_holds_every_stored_field_unmasked_and_nobody_else(
    run: Run, roster_id: str, tmp_path: Path, db_path: Path, key_path: Path
) -> None:
    enroll_all(run, roster_id, tmp_path)
    run("member", "withdraw", roster_id, "M0002", "--yes")  # an audit entry of another member
    output = tmp_path / "out" / "copy.json"
    output.parent.mkdir()
    result = run("member", "copy", roster_id, "m0004", "--output", str(output))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert stat.S_IMODE(output.stat().st_mode) == 0o600
    text = output.read_text(encoding="utf-8")
    copy = json.loads(text)
    (row,) = query(
        db_path,
        key_path,
        "SELECT member_no, name, id_number, phone, department, enrolled_at, updated_at,"
        " consent_at, consent_code, consent_channel, id FROM member WHERE member_no = 'M0004'",
    )
    member = copy["member"]
    assert (
        member["member_no"], member["name"], member["id_number"], member["phone"],
        member["department"], member["enrolled_at"], member["updated_at"],
        member["consent"]["at"], member["consent"]["code"], member["consent"]["channel"],
    ) == row[:10]  # fmt: skip
    assert (member["name"], member["id_number"], member["phone"]) == (NAMES[3], IDS[3], PHONES[3])
    health = query(db_path, key_path, "SELECT * FROM health WHERE member_id = ?", (row[10],))
    history = query(
        db_path, key_path, "SELECT * FROM health_history WHERE member_id = ?", (row[10],)
    )
    assert copy["health"]["health_code"] == "yellow" and len(health) == 1
    assert [h["health_code"] for h in copy["history"]] == ["green", "yellow"]
    assert len(copy["history"]) == len(history)
    # Every state column, as stored; not the last (point_id, previous_id: row links).
    for stored in (*health, *history):
        for value in stored[2:-1]:
            assert value is None or str(value) in text or value in (0, 1), value
    # Nobody else: no other member's name, ID, phone or member number
    for i in range(10):
        if i != 3:
            for other in (NAMES[i], IDS[i], PHONES[i], f"M{i + 1:04d}"):
                assert other not in text, other
    # Audited, with the member number only
    (detail,) = query(db_path, key_path, "SELECT detail FROM audit WHERE action = 'member.copy'")[0]
    assert json.loads(detail)["member_no"] == "M0004" and IDS[3] not in detail
    # A second copy lists the first among the entries that name this member
    again = tmp_path / "again.json"
    run("member", "copy", roster_id, "M0004", "--output", str(again))
    entries = json.loads(again.read_text(encoding="utf-8"))["audit"]
    assert [e["action"] for e in entries] == ["member.copy"]
    assert entries[0]["detail"]["member_no"] == "M0004"


def test_copy_says_when_the_member_was_last_compared_even_if_nothing_changed(
    run: Run, roster_id: str, tmp_path: Path
) -> None:
    enroll_all(run, roster_id, tmp_path)
    # The last feed again with a stranger added: not skipped, and nobody changes.
    feed = tmp_path / "feed-yellow.csv"
    stranger = f"陌生人,{make_ids(1, start=500)[0]},yellow,,,booster"
    feed.write_text(feed.read_text(encoding="utf-8") + stranger + "\n", encoding="utf-8")
    later = dt.datetime.now(SHANGHAI) + dt.timedelta(hours=2)
    refreshed = run("refresh", "--feed", str(feed), "--as-of", f"{later:%Y-%m-%d %H:%M}")
    assert refreshed.exit_code == 0, refreshed.output
    output = tmp_path / "copy.json"
    assert run("member", "copy", roster_id, "M0004", "--output", str(output)).exit_code == 0
    copy = json.loads(output.read_text(encoding="utf-8"))
    assert copy["health"]["compared_at"].startswith(f"{later:%Y-%m-%dT%H:%M}")
    # The change point is still the second run's: the third changed nothing.
    assert copy["history"][-1]["compared_at"] < copy["health"]["compared_at"]
    assert [h["health_code"] for h in copy["history"]] == ["green", "yellow"]


def test_copy_needs_output_and_never_goes_to_stdout(
    run: Run, roster_id: str, tmp_path: Path, db_path: Path, key_path: Path
) -> None:
    enroll_all(run, roster_id, tmp_path)
    result = run("member", "copy", roster_id, "M0001")
    assert result.exit_code == 2
    assert "--output" in result.stderr and result.stdout == ""
    assert IDS[0] not in result.output
    dash = run("member", "copy", roster_id, "M0001", "--output", "-")
    assert dash.exit_code == 2 and IDS[0] not in dash.output
    assert not Path("-").exists()
    on_store = run("member", "copy", roster_id, "M0001", "--output", str(db_path))
    assert on_store.exit_code == 1
    unknown = run("member", "copy", roster_id, "M0099", "--output", str(tmp_path / "x.json"))
    assert unknown.exit_code == 1 and not (tmp_path / "x.json").exists()
    actions = [a for (a,) in query(db_path, key_path, "SELECT action FROM audit")]
    assert "member.copy" not in actions


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.links: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.links += [v or "" for k, v in attrs if k in ("src", "href", "action")]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_copy_as_html_is_self_contained(
    run: Run, roster_id: str, tmp_path: Path, lang: str
) -> None:
    enroll_all(run, roster_id, tmp_path)
    output = tmp_path / "copy.html"
    argv = ("member", "copy", roster_id, "M0003", "--output", str(output), "--format", "html")
    result = run("--lang", lang, *argv)
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(output.stat().st_mode) == 0o600
    page_text = output.read_text(encoding="utf-8")
    page = _Page()
    page.feed(page_text)
    page.close()
    assert "script" not in page.tags and "<script" not in page_text.lower()
    assert page.links == [] and "url(" not in page_text and "@import" not in page_text
    shown = "".join(page.text)
    for mine in (NAMES[2], IDS[2], PHONES[2], "财务部"):
        assert mine in shown
    assert ("Health history" if lang == "en" else "健康记录") in shown
    # The person's name, and the roster's name and address, are isolated (right-to-left text).
    assert f"<bdi>{NAMES[2]}</bdi>" in page_text
    assert "<bdi>示例科技</bdi>" in page_text and "<bdi>北京市海淀区</bdi>" in page_text
    for i in (0, 1, 3):
        assert NAMES[i] not in page_text and IDS[i] not in page_text


@pytest.mark.parametrize("fmt", ["json", "html"])
def test_copy_names_the_same_persons_other_rosters_and_nobody_elses(
    run: Run, roster_id: str, tmp_path: Path, fmt: str
) -> None:
    enroll_all(run, roster_id, tmp_path)
    created = run("roster", "create", "--name", "乙公司", "--address", "上海", "--format", "json")
    other = json.loads(created.stdout)["roster_id"]
    people = tmp_path / "other.csv"
    people.write_text(
        f"姓名,身份证号,手机号,同意授权\n{NAMES[1]},{IDS[1]},{PHONES[1]},是\n"
        f"{NAMES[2]},{IDS[2]},{PHONES[2]},是\n",
        encoding="utf-8",
    )
    assert run("enroll", "import", other, str(people)).exit_code == 0
    output = tmp_path / f"copy.{fmt}"
    argv = ("member", "copy", roster_id, "M0003", "--output", str(output), "--format", fmt)
    assert run(*argv).exit_code == 0
    text = output.read_text(encoding="utf-8")
    if fmt == "json":
        assert json.loads(text)["other_rosters"] == [
            {"roster_id": other, "name": "乙公司", "member_no": "M0002"}
        ]
    else:
        assert "乙公司" in text and other in text and "Your other rosters here" in text
    assert IDS[1] not in text and NAMES[1] not in text  # the other member there: not named
    alone = tmp_path / f"alone.{fmt}"
    run("member", "copy", roster_id, "M0004", "--output", str(alone), "--format", fmt)
    lonely = alone.read_text(encoding="utf-8")
    assert "乙公司" not in lonely
    if fmt == "json":
        assert json.loads(lonely)["other_rosters"] == []


def test_withdrawn_members_are_listed_and_audited_by_number(
    run: Run, roster_id: str, tmp_path: Path, db_path: Path, key_path: Path
) -> None:
    """``M10000`` comes after ``M9999``, not between ``M1000`` and ``M1001``."""
    from tests.test_refresh import enroll
    from tuanti_cli.keys import read_key_file
    from tuanti_cli.store import Store

    with Store.open(db_path, read_key_file(key_path)) as store, store.transaction() as conn:
        conn.execute("UPDATE roster SET next_member_seq = 9998")
    # IDs in falling order: members are stored in ID order, the reverse of their numbers.
    people = [(person_name(i), number) for i, number in enumerate(sorted(IDS, reverse=True))]
    enroll(run, roster_id, tmp_path, people)  # M9998, M9999, M10000, …
    source = tmp_path / "leaving.csv"
    source.write_text("成员编号\nM10001\nM9999\nM10000\nM9998\n", encoding="utf-8")
    report = withdraw_json(run, roster_id, source, "--yes")
    assert report["withdrawn"] == ["M9998", "M9999", "M10000", "M10001"]
    audit = query(db_path, key_path, "SELECT action, detail FROM audit ORDER BY id")
    withdrawn = [json.loads(d)["member_no"] for a, d in audit if a == "member.withdraw"]
    assert withdrawn == report["withdrawn"]
