"""Roster commands: create, list, qr (decoded by a real QR reader), verify, reissue, delete."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from unittest import mock

import pytest
import zxingcpp
from PIL import Image

from tests.conftest import ADMIN_PHONE, Run
from tuanti_cli import clock

LIT = {"█": (True, True), "▀": (True, False), "▄": (False, True), " ": (False, False)}


def decode_terminal_qr(text: str, invert: bool = False) -> str:
    """Render half-block text as a terminal would (light glyphs on a dark background)."""
    lines = [line for line in text.splitlines()]
    width = max(len(line) for line in lines)
    scale = 6
    image = Image.new("L", (width * scale, len(lines) * 2 * scale), 255 if invert else 0)
    for y, line in enumerate(lines):
        for x, char in enumerate(line.ljust(width)):
            for half, lit in enumerate(LIT[char]):
                if not lit:
                    continue
                colour = 0 if invert else 255
                box = (
                    x * scale,
                    (2 * y + half) * scale,
                    (x + 1) * scale,
                    (2 * y + half + 1) * scale,
                )
                image.paste(colour, box)
    results = zxingcpp.read_barcodes(image)
    assert len(results) == 1, "the QR did not decode"
    return str(results[0].text)


def create(run: Run, *extra: str) -> dict[str, str]:
    result = run(
        "roster",
        "create",
        "--name",
        "示例科技",
        "--address",
        "北京市海淀区中关村1号",
        "--format",
        "json",
        *extra,
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("invert", [False, True])
def test_terminal_qr_decodes_to_the_payload(run: Run, store_ready: None, invert: bool) -> None:
    created = create(run)
    args = ["roster", "qr", created["roster_id"]] + (["--invert"] if invert else [])
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert decode_terminal_qr(result.stdout, invert) == created["payload"]
    assert set(result.stdout) <= set("█▀▄ \n")


def test_payload_text_block(run: Run, store_ready: None) -> None:
    created = create(run)
    payload = created["payload"]
    assert "示例科技" in payload and "北京市海淀区中关村1号" in payload
    assert "139****5678" in payload and ADMIN_PHONE not in payload
    assert created["code"] in payload


def test_form_url_payload(run: Run, store_ready: None) -> None:
    created = create(run, "--form-url", "https://forms.example.cn/f/abc?src=qr")
    assert created["payload"] == f"https://forms.example.cn/f/abc?src=qr&code={created['code']}"
    shown = run("roster", "qr", created["roster_id"])
    assert decode_terminal_qr(shown.stdout) == created["payload"]


def test_png_and_svg(run: Run, store_ready: None, tmp_path: Path) -> None:
    created = create(run)
    png, svg = tmp_path / "qr.png", tmp_path / "qr.svg"
    result = run("roster", "qr", "示例科技", "--png", str(png), "--svg", str(svg))
    assert result.exit_code == 0, result.output
    decoded = zxingcpp.read_barcodes(Image.open(png))
    assert [r.text for r in decoded] == [created["payload"]]
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")


def test_png_and_svg_on_the_same_file_is_a_usage_error(
    run: Run, store_ready: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    create(run)
    monkeypatch.chdir(tmp_path)
    result = run("roster", "qr", "示例科技", "--png", "qr.code", "--svg", str(tmp_path / "qr.code"))
    assert result.exit_code == 2
    assert "both name" in result.stderr and "its own file" in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "qr.code").exists()


def test_verify_statuses(run: Run, store_ready: None) -> None:
    created = create(run)
    code = created["code"]
    assert run("roster", "verify", code).exit_code == 0
    whole = run("roster", "verify", created["payload"], "--format", "json")
    assert whole.exit_code == 0
    assert json.loads(whole.stdout)["status"] == "genuine"
    assert json.loads(whole.stdout)["institution"] == "示例科技"

    prefix, roster_id, expiry, sig = code.split(".")
    changed_sig = ".".join([prefix, roster_id, expiry, ("A" if sig[0] != "A" else "B") + sig[1:]])
    forged = run("roster", "verify", changed_sig, "--format", "json")
    assert forged.exit_code == 1 and json.loads(forged.stdout)["status"] == "forged"
    changed_id = ".".join(
        [prefix, roster_id[:-1] + ("A" if roster_id[-1] != "A" else "B"), expiry, sig]
    )
    assert run("roster", "verify", changed_id).exit_code == 1

    reissued = run("roster", "reissue", roster_id)
    assert reissued.exit_code == 0
    revoked = run("roster", "verify", code, "--format", "json")
    assert revoked.exit_code == 1 and json.loads(revoked.stdout)["status"] == "revoked"
    assert "Revoked" in run("roster", "verify", code).stderr


def test_expired_code_with_injected_clock(
    run: Run, store_ready: None, db_path: Path, key_path: Path
) -> None:
    import datetime as dt

    from tuanti_cli import rosters
    from tuanti_cli.codes import CodeStatus
    from tuanti_cli.keys import read_key_file
    from tuanti_cli.store import Store

    created = create(run, "--expires-in", "24h")
    assert run("roster", "verify", created["code"]).exit_code == 0
    expiry = dt.datetime.strptime(created["code"].split(".")[2], "%Y%m%d").date()
    with Store.open(db_path, read_key_file(key_path)) as store:
        on_the_day = rosters.verify(store, created["code"], expiry)
        day_after = rosters.verify(store, created["code"], expiry + dt.timedelta(days=1))
    assert on_the_day.status is CodeStatus.GENUINE
    assert day_after.status is CodeStatus.EXPIRED and not day_after.usable


def test_verify_garbage(run: Run, store_ready: None) -> None:
    result = run("roster", "verify", "hello")
    assert result.exit_code == 1
    assert "No registration code found" in result.stderr


def test_list_and_delete(run: Run, store_ready: None) -> None:
    created = create(run)
    listed = json.loads(run("roster", "list", "--format", "json").stdout)
    assert listed == [
        {
            "roster_id": created["roster_id"],
            "name": "示例科技",
            "address": "北京市海淀区中关村1号",
            "members": 0,
            "abnormal": 0,
            "last_refresh": None,
        }
    ]
    table = run("roster", "list")
    assert created["roster_id"] in table.stdout
    # Without a terminal nothing is asked; at one, "n" keeps the roster.
    unasked = run("roster", "delete", created["roster_id"], input="y\n")
    assert unasked.exit_code == 1 and "--yes" in unasked.stderr, unasked.output
    with mock.patch("tuanti_cli.cli.roster.stdin_is_terminal", return_value=True):
        refused = run("roster", "delete", created["roster_id"], input="n\n")
    assert refused.exit_code == 1 and "[y/N]" in refused.stderr, refused.output
    assert "nothing was changed" in refused.stderr.lower(), refused.stderr
    assert len(json.loads(run("roster", "list", "--format", "json").stdout)) == 1
    assert run("roster", "delete", created["roster_id"], "--yes").exit_code == 0
    assert json.loads(run("roster", "list", "--format", "json").stdout) == []
    assert run("roster", "verify", created["code"]).exit_code == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--expires-in", "soon"], "--expires-in"),
        (["--form-url", "ftp://x"], "--form-url"),
        (["--max-nat-days", "999"], "--max-nat-days"),
    ],
)
def test_create_rejects_bad_options(
    run: Run, store_ready: None, args: list[str], message: str
) -> None:
    result = run("roster", "create", "--name", "A", "--address", "B", *args)
    assert result.exit_code == 1
    assert message in result.stderr
    assert json.loads(run("roster", "list", "--format", "json").stdout) == []


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--name", "110101199001151002"),
        ("--address", "北京市海淀区 联系电话 13900001000"),
        ("--address", "北京市海淀区 电话：139-0000-1000"),
        ("--type", "110101199012151788"),
    ],
)
def test_a_phone_or_id_in_a_roster_field_is_refused(
    run: Run, store_ready: None, option: str, value: str
) -> None:
    fields = {"--name": "示例科技", "--address": "北京市海淀区", "--type": "企业", option: value}
    result = run("roster", "create", *[x for pair in fields.items() for x in pair])
    assert result.exit_code == 1, result.output
    assert option in result.stderr and "long number" in result.stderr, result.stderr
    assert "13900001000" not in result.stderr and "1002" not in result.stderr
    assert json.loads(run("roster", "list", "--format", "json").stdout) == []
    # Short numbers stay: a street number, a school's number, a postcode.
    kept = run(
        "roster", "create", "--name", "第3中学", "--address", "北京市海淀区中关村大街59号 100872"
    )
    assert kept.exit_code == 0, kept.output


def test_duplicate_name_and_unknown_roster(run: Run, store_ready: None) -> None:
    create(run)
    again = run("roster", "create", "--name", "示例科技", "--address", "x")
    assert again.exit_code == 1 and "already exists" in again.stderr
    missing = run("roster", "qr", "NOPE1234")
    assert missing.exit_code == 1 and "roster list" in missing.stderr


def test_usage_error_exits_2(run: Run, store_ready: None) -> None:
    assert run("roster", "create", "--name", "A").exit_code == 2
    assert run("roster", "list", "--format", "yaml").exit_code == 2


def test_qr_capacity_is_what_the_library_holds() -> None:
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    from tuanti_cli import qr

    def version(size: int) -> int | None:
        code = qrcode.QRCode(error_correction=ERROR_CORRECT_M)
        code.add_data(b"a" * size)
        try:
            return int(code.best_fit())
        except (ValueError, qrcode.exceptions.DataOverflowError):
            return None

    assert version(qr.MAX_PAYLOAD_BYTES) == 40
    assert version(qr.MAX_PAYLOAD_BYTES + 1) is None


def _form_url(length: int) -> str:
    start = "https://forms.example.cn/f/"
    return start + "a" * (length - len(start))


@pytest.mark.parametrize(("expires", "plain"), [([], 2294), (["--expires-in", "24h"], 2287)])
def test_longest_plain_form_url_fits_its_qr(
    run: Run, store_ready: None, expires: list[str], plain: int
) -> None:
    created = create(run, "--form-url", _form_url(plain), *expires)
    assert len(created["payload"].encode()) == 2331
    shown = run("roster", "qr", created["roster_id"])
    assert shown.exit_code == 0, shown.output
    assert decode_terminal_qr(shown.stdout) == created["payload"]


@pytest.mark.parametrize("output_format", ["text", "json"])
@pytest.mark.parametrize(
    ("url", "excess"),
    [
        (_form_url(2288), 1),
        (_form_url(2300), 13),
        # Chinese in the query is percent-encoded in the payload: 9 bytes a character.
        ("https://forms.example.cn/f?title=" + "报名" * 130, 86),
    ],
)
def test_form_url_too_long_for_a_qr_is_refused_before_the_roster_exists(
    run: Run, store_ready: None, output_format: str, url: str, excess: int
) -> None:
    result = run(
        "roster", "create", "--name", "LEN", "--address", "a", "--expires-in", "24h",
        "--form-url", url, "--format", output_format,
    )  # fmt: skip
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        "--form-url is too long for a QR code, which must hold it with the registration code "
        f"added: shorten it by at least {excess} characters (a URL of plain ASCII characters "
        "may have 2287).\n"
    )
    assert json.loads(run("roster", "list", "--format", "json").stdout) == []


def test_qr_of_an_existing_roster_too_long_for_a_qr_is_one_sentence(
    run: Run, store_ready: None, db_path: Path, key_path: Path, tmp_path: Path
) -> None:
    from tuanti_cli.keys import read_key_file
    from tuanti_cli.store import Store

    created = create(run, "--form-url", "https://forms.example.cn/f")
    with Store.open(db_path, read_key_file(key_path)) as store, store.transaction() as conn:
        conn.execute("UPDATE roster SET form_url = ?", (_form_url(2400),))  # an older tuanti's
    png = tmp_path / "qr.png"
    shown = run("roster", "qr", created["roster_id"], "--png", str(png))
    assert shown.exit_code == 1
    assert shown.stderr.startswith("The roster's QR code cannot be drawn: with its form URL the")
    assert "2331" in shown.stderr and "Unexpected" not in shown.stderr
    assert not png.exists()
    reissued = run("roster", "reissue", created["roster_id"])
    assert reissued.exit_code == 0, reissued.output
    assert "Registration code: TB1." in reissued.stdout
    assert "cannot be drawn" in reissued.stderr and "Unexpected" not in reissued.stderr


def _clock_at(monkeypatch: pytest.MonkeyPatch, moment: dt.datetime) -> None:
    monkeypatch.setattr(clock, "now", lambda: moment)


@pytest.mark.parametrize("picture", [[], ["--png", "qr.png"], ["--svg", "qr.svg"]])
def test_qr_of_an_expired_code_is_refused_until_reissued(
    run: Run,
    store_ready: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    picture: list[str],
) -> None:
    created_at = dt.datetime(2026, 11, 26, 10, 0, tzinfo=clock.SHANGHAI)
    _clock_at(monkeypatch, created_at)
    created = create(run, "--expires-in", "24h")
    assert created["code"].split(".")[2] == "20261127"
    monkeypatch.chdir(tmp_path)
    _clock_at(monkeypatch, dt.datetime(2026, 11, 27, 23, 59, tzinfo=clock.SHANGHAI))
    assert run("roster", "qr", "示例科技").exit_code == 0  # through the end of its day

    _clock_at(monkeypatch, dt.datetime(2026, 11, 30, 9, 0, tzinfo=clock.SHANGHAI))
    refused = run("roster", "qr", "示例科技", *picture)
    assert refused.exit_code == 1
    assert refused.stdout == ""
    assert refused.stderr == (
        f"The registration code of roster {created['roster_id']} expired at the end of "
        "2026-11-27 (Asia/Shanghai), so nobody can register with its QR; "
        f"`tuanti roster reissue {created['roster_id']}` gives a new one.\n"
    )
    assert list(tmp_path.glob("qr.*")) == []

    reissued = run("roster", "reissue", "示例科技")
    assert reissued.exit_code == 0, reissued.output
    assert "Valid until 2026-12-01 (Asia/Shanghai)." in reissued.stdout  # a fresh 24 hours
    assert run("roster", "qr", "示例科技", *picture).exit_code == 0
    new_code = reissued.stdout.splitlines()[0].removeprefix("Registration code: ")
    verdict = json.loads(run("roster", "verify", new_code, "--format", "json").stdout)
    assert verdict["status"] == "genuine" and verdict["expiry"] == "2026-12-01"


@pytest.mark.parametrize("glued", ["{code}XYZ", "x{code}", "{code}{code}"])
def test_verify_takes_only_a_code_standing_alone(run: Run, store_ready: None, glued: str) -> None:
    code = create(run)["code"]
    result = run("roster", "verify", glued.format(code=code))
    assert result.exit_code == 1
    assert result.stderr.startswith("No registration code found.")


def test_verify_refuses_two_different_codes(run: Run, store_ready: None) -> None:
    first = create(run)["code"]
    second = json.loads(
        run("roster", "create", "--name", "其他", "--address", "上海", "--format", "json").stdout
    )["code"]
    result = run("roster", "verify", f"{first}\n{second}", "--format", "json")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        "The text holds 2 different registration codes; pass one code at a time.\n"
    )


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("示例科技", "另一家公司", "names another institution"),
        ("北京市海淀区中关村1号", "上海市浦东新区1号", "gives another address"),
    ],
)
def test_verify_flags_a_text_block_that_misstates_the_roster(
    run: Run, store_ready: None, old: str, new: str, message: str
) -> None:
    created = create(run)
    false_qr = created["payload"].replace(old, new)
    result = run("roster", "verify", false_qr)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"Forged: the code is one of 示例科技 ({created['roster_id']}), but the text around it "
        f"{message}; this store did not make that QR.\n"
    )
    verdict = json.loads(run("roster", "verify", false_qr, "--format", "json").stdout)
    assert verdict["status"] == "forged" and verdict["usable"] is False
    assert verdict["institution"] == "示例科技"
