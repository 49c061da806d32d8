"""Registration codes: signing, verification, expiry and revocation (core, clock injected)."""

from __future__ import annotations

import datetime as dt

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
