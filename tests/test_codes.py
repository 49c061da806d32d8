"""Registration codes: signing, verification, expiry and revocation (core, clock injected)."""

from __future__ import annotations

import datetime as dt
import urllib.parse

import pytest

from tuanti_cli import codes
from tuanti_cli.codes import CodeStatus
from tuanti_cli.errors import InputError

SECRET = codes.new_secret()
TODAY = dt.date(2026, 11, 26)


def test_shape() -> None:
    code = codes.make_code(SECRET, "K7Q2M9XD", "0", 1)
    assert codes.CODE_PATTERN.fullmatch(code)
    assert code.startswith("TB1.K7Q2M9XD.0.")


def test_genuine_expired_revoked_forged() -> None:
    code = codes.find_code(codes.make_code(SECRET, "K7Q2M9XD", "20261127", 1))
    assert codes.judge(code, SECRET, 1, TODAY)[0] is CodeStatus.GENUINE
    assert codes.judge(code, SECRET, 1, dt.date(2026, 11, 27))[0] is CodeStatus.GENUINE
    assert codes.judge(code, SECRET, 1, dt.date(2026, 11, 28))[0] is CodeStatus.EXPIRED
    assert codes.judge(code, SECRET, 2, TODAY)[0] is CodeStatus.REVOKED
    assert codes.judge(code, codes.new_secret(), 1, TODAY)[0] is CodeStatus.FORGED
    moved = codes.ParsedCode("K7Q2M9XE", code.expiry, code.signature)
    assert codes.judge(moved, SECRET, 1, TODAY)[0] is CodeStatus.FORGED
    stretched = codes.ParsedCode(code.roster_id, "20991231", code.signature)
    assert codes.judge(stretched, SECRET, 1, TODAY)[0] is CodeStatus.FORGED


def test_code_found_in_payload_and_url() -> None:
    code = codes.make_code(SECRET, "K7Q2M9XD", "0", 1)
    payload = codes.build_payload(code, "机构", "地址", "139****5678", None)
    assert codes.find_code(payload).text == code
    url = codes.build_payload(code, "机构", "地址", "139****5678", "https://form.example/f?x=1")
    assert url == f"https://form.example/f?x=1&code={code}"
    assert codes.find_code(url).text == code


def test_no_code() -> None:
    with pytest.raises(InputError):
        codes.find_code("hello")


@pytest.mark.parametrize(("text", "hours"), [("24h", 24), ("3d", 72), ("1w", 168), ("2H", 2)])
def test_durations(text: str, hours: int) -> None:
    assert codes.parse_ttl_hours(text) == hours


@pytest.mark.parametrize("text", ["", "0h", "tomorrow", "24", "-1d"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(InputError):
        codes.parse_ttl_hours(text)


def test_expiry_date() -> None:
    now = dt.datetime(2026, 11, 26, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert codes.expiry_for(24, now) == "20261127"
    assert codes.expiry_for(None, now) == "0"


CODE = codes.make_code(SECRET, "K7Q2M9XD", "20261127", 1)
OTHER = codes.make_code(SECRET, "K7Q2M9XE", "0", 1)


@pytest.mark.parametrize(
    "text",
    [
        f"{CODE}XYZ",
        f"x{CODE}",
        f"{CODE}0",
        f"{CODE}.7",
        f"https://form.example/f?code=x{CODE}",
    ],
)
def test_a_code_with_anything_glued_to_it_is_no_code(text: str) -> None:
    with pytest.raises(InputError) as raised:
        codes.find_code(text)
    assert raised.value.key == "code.not_found"


@pytest.mark.parametrize(
    "text",
    [
        CODE,
        f"  {CODE}\n",
        f"\u3000{CODE}\u3000",
        codes.build_payload(CODE, "机构", "地址", "139****5678", None),
        codes.build_payload(CODE, "机构", "地址", "139****5678", None).replace("\n", "\r\n"),
        f"https://form.example/f?code={CODE}",
        f"https://form.example/f?code={CODE}&src=qr#top",
        f"https://form.example/f#code={CODE}",
        f"https://form.example/f?code={CODE.replace('.', '%2E')}",
        # The form URL wrapped, percent-encoded, in another one (a messenger's redirect).
        "https://wx.example/r?url=" + urllib.parse.quote(f"https://form.example/f?code={CODE}"),
        f"{CODE} {CODE}",  # the same code twice is one code
        # punctuation is no part of a code: a label, a full stop, a path's slash
        f"登记码:{CODE}",
        f"登记码：{CODE}。",
        f"Your code is {CODE}.",
        f"https://form.example/f/{CODE}/",
    ],
)
def test_a_code_standing_alone_is_found(text: str) -> None:
    assert codes.find_code(text).text == CODE


def test_two_different_codes_are_refused() -> None:
    for text in (f"{CODE} {OTHER}", f"https://form.example/f?code={CODE}&ref={OTHER}"):
        with pytest.raises(InputError) as raised:
            codes.find_code(text)
        assert raised.value.key == "code.several"
        assert str(raised.value) == (
            "The text holds 2 different registration codes; pass one code at a time."
        )


def test_a_text_block_naming_another_institution_or_address_is_caught() -> None:
    payload = codes.build_payload(CODE, "示例科技", "北京市海淀区", "139****5678", None)
    assert codes.misstated(payload, "示例科技", "北京市海淀区") is None
    assert codes.misstated(CODE, "示例科技", "北京市海淀区") is None
    other_name = payload.replace("示例科技", "另一家公司")
    assert codes.misstated(other_name, "示例科技", "北京市海淀区") == "institution"
    other_address = payload.replace("北京市海淀区", "上海市浦东新区")
    assert codes.misstated(other_address, "示例科技", "北京市海淀区") == "address"
    # The admin's line follows the store's first admin, so a change there is no forgery.
    other_admin = payload.replace("139****5678", "138****0000")
    assert codes.misstated(other_admin, "示例科技", "北京市海淀区") is None
