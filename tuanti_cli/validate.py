"""Validation and normalisation of the people-facing fields (PRODUCT §4)."""

from __future__ import annotations

import datetime as dt
import functools
import operator
import re
from typing import Any

from tuanti_cli.errors import FieldError

# GB 11643 province-level codes, plus 81/82/83 for the residence permits of Hong Kong,
# Macao and Taiwan residents. Deeper region digits are deliberately not checked: a number
# keeps the district it was issued in, which may since have been abolished or renamed.
PROVINCES = frozenset(
    [
        *range(11, 16),
        *range(21, 24),
        *range(31, 38),
        *range(41, 47),
        *range(50, 55),
        *range(61, 66),
        71,
        81,
        82,
        83,
    ]
)
_PROVINCE_PREFIXES = frozenset(f"{code:02d}" for code in PROVINCES)
EARLIEST_BIRTH = dt.date(1900, 1, 1)
NAME_MAX = 50

_FULL_WIDTH = {ord("０") + i: ord("0") + i for i in range(10)}
_FULL_WIDTH.update({ord("Ｘ"): ord("X"), ord("ｘ"): ord("X"), ord("＋"): ord("+")})
_FULL_WIDTH.update({ord("－"): ord("-"), ord("　"): ord(" ")})
_SPACES = re.compile(r"\s+")
_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")
_PHONE_SEPARATORS = re.compile(r"[\s\-().]+")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")

# ISO 7064 MOD 11-2 weights for the 17 body digits (2**(17-i) mod 11), and the check
# character for each remainder. python-stdnum's ``mod_11_2`` is the reference the tests use;
# this table form is several times faster, which a 100,000-row import needs.
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"

CONSENT_YES = frozenset(["yes", "y", "true", "1", "是", "同意"])


def normalise_id(raw: str) -> str:
    """Full-width digits to ASCII, inner spaces removed, ``x`` to ``X``."""
    return _SPACES.sub("", raw.translate(_FULL_WIDTH)).upper()


_DIGIT_OFFSET = ord("0") * sum(_WEIGHTS)


@functools.lru_cache(maxsize=65536)
def _birth_date(digits: str) -> dt.date | None:
    """``YYYYMMDD`` as a date, or ``None`` when no such day exists (cached: births repeat)."""
    try:
        return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None


def check_character(body: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits (ASCII digits)."""
    weighted = sum(map(operator.mul, body[:17].encode("ascii"), _WEIGHTS)) - _DIGIT_OFFSET
    return _CHECK_CHARS[weighted % 11]


def validate_id(raw: str, today: dt.date) -> str:
    """Return the normalised 18-character ID number, or raise :class:`FieldError`."""
    number = raw if len(raw) == 18 and raw.isascii() and raw.isalnum() else normalise_id(raw)
    number = number.upper()
    if not number:
        raise FieldError("id_number", "id.empty")
    if len(number) == 15 and number.isdigit():
        raise FieldError("id_number", "id.fifteen")
    if not _ID_SHAPE.fullmatch(number):
        raise FieldError("id_number", "id.shape")
    if number[:2] not in _PROVINCE_PREFIXES:
        raise FieldError("id_number", "id.region")
    birth = _birth_date(number[6:14])
    if birth is None:
        raise FieldError("id_number", "id.date")
    if birth < EARLIEST_BIRTH:
        raise FieldError("id_number", "id.too_old")
    if birth > today:
        raise FieldError("id_number", "id.future")
    if check_character(number) != number[17]:
        raise FieldError("id_number", "id.check")
    return number


def validate_phone(raw: str) -> str:
    """Return the 11-digit mainland mobile number, or raise :class:`FieldError`.

    Only the shape is checked (11 digits, ``1[3-9]…``): carrier-prefix tables lag behind
    new ranges such as 192 and 195 and would turn real members away.
    """
    if len(raw) == 11 and raw.isascii() and raw.isdigit():
        if raw[0] == "1" and raw[1] in "3456789":
            return raw
        raise FieldError("phone", "phone.shape")
    number = _PHONE_SEPARATORS.sub("", raw.translate(_FULL_WIDTH))
    if number.startswith("+86"):
        number = number[3:]
    elif number.startswith("0086"):
        number = number[4:]
    elif number.startswith("86") and len(number) == 13:
        number = number[2:]
    if not number:
        raise FieldError("phone", "phone.empty")
    if not _MOBILE.fullmatch(number):
        raise FieldError("phone", "phone.shape")
    return number


def validate_name(raw: str) -> str:
    """Return the trimmed name (1–50 characters, no control characters)."""
    name = raw.strip()
    if not name:
        raise FieldError("name", "name.empty")
    if len(name) > NAME_MAX:
        raise FieldError("name", "name.long", max=NAME_MAX)
    if _CONTROL.search(name):
        raise FieldError("name", "name.control")
    return name


def is_consent(value: Any) -> bool:
    """True only for an explicit yes (``yes``, ``1``, ``是``, ``同意``, JSON ``true`` …)."""
    if value in CONSENT_YES or value is True:
        return True
    if value is False or value is None:
        return False
    if isinstance(value, int | float):
        return value == 1
    return isinstance(value, str) and value.strip().lower() in CONSENT_YES


def require_consent(value: Any) -> None:
    """Raise :class:`FieldError` unless ``value`` is an explicit yes."""
    if not is_consent(value):
        raise FieldError("consent", "consent.missing")
