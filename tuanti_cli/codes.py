"""Registration codes (登记码): ``TB1.<roster_id>.<expiry YYYYMMDD|0>.<signature>``.

The signature is HMAC-SHA256 under a secret kept in the store, covering the roster id, the
expiry and the roster's code generation, truncated to 80 bits and written in base32. A code
of an earlier generation still verifies, but as *revoked*; anything else is *forged*.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import unicodedata
import urllib.parse
from dataclasses import dataclass
from enum import StrEnum

from tuanti_cli.errors import InputError

PREFIX = "TB1"
ROSTER_ID_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
ROSTER_ID_LENGTH = 8
NEVER = "0"
_SIGNATURE_BYTES = 10
SIGNATURE_LENGTH = 16  # base32 of the signature's bytes
CODE_PATTERN = re.compile(r"TB1\.([A-Z0-9]{1,32})\.(0|[0-9]{8})\.([A-Z2-7]{16})")
# What a code is made of is letters, digits and dots; anything else around it (white space,
# a URL's ? & = # /, a colon of either width, Chinese punctuation) separates it.
_CODE_SEPARATORS = re.compile(r"[^A-Za-z0-9.]+")
_STATED_LABELS = {"institution": "机构 Institution:", "address": "地址 Address:"}
_DURATION = re.compile(r"\s*([0-9]{1,5})\s*([hdw])\s*", re.IGNORECASE)
_HOURS_PER_UNIT = {"h": 1, "d": 24, "w": 24 * 7}


class CodeStatus(StrEnum):
    """What ``roster verify`` finds."""

    GENUINE = "genuine"
    FORGED = "forged"
    EXPIRED = "expired"
    REVOKED = "revoked"


@dataclass(frozen=True)
class ParsedCode:
    """The parts of a registration code."""

    roster_id: str
    expiry: str
    signature: str

    @property
    def text(self) -> str:
        """The code as printed."""
        return f"{PREFIX}.{self.roster_id}.{self.expiry}.{self.signature}"


def new_secret() -> str:
    """A fresh 256-bit signing secret, hex."""
    import secrets

    return secrets.token_hex(32)


def new_roster_id() -> str:
    """A short random roster id without look-alike characters, e.g. ``K7Q2M9XD``."""
    import secrets

    return "".join(secrets.choice(ROSTER_ID_ALPHABET) for _ in range(ROSTER_ID_LENGTH))


def signature(secret: str, roster_id: str, expiry: str, generation: int) -> str:
    """The 16-character base32 signature of one code."""
    message = f"{PREFIX}.{roster_id}.{expiry}.{generation}".encode("ascii")
    digest = hmac.new(bytes.fromhex(secret), message, hashlib.sha256).digest()
    return base64.b32encode(digest[:_SIGNATURE_BYTES]).decode("ascii")


def make_code(secret: str, roster_id: str, expiry: str, generation: int) -> str:
    """Issue the code of ``roster_id`` for ``generation``."""
    return ParsedCode(roster_id, expiry, signature(secret, roster_id, expiry, generation)).text


def parse_ttl_hours(text: str) -> int:
    """``24h``, ``3d`` or ``1w`` as a number of hours."""
    match = _DURATION.fullmatch(text)
    if not match or int(match.group(1)) == 0:
        raise InputError("code.bad_duration", value=text)
    return int(match.group(1)) * _HOURS_PER_UNIT[match.group(2).lower()]


def expiry_for(ttl_hours: int | None, now: dt.datetime) -> str:
    """The expiry date written into a code: the day ``ttl_hours`` from ``now`` ends in."""
    if ttl_hours is None:
        return NEVER
    return (now + dt.timedelta(hours=ttl_hours)).strftime("%Y%m%d")


def has_expired(expiry: str, today: dt.date) -> bool:
    """Whether a code with ``expiry`` no longer works on ``today`` (it works through the end
    of its expiry date)."""
    return expiry != NEVER and expiry < today.strftime("%Y%m%d")


def expiry_text(expiry: str) -> str:
    """An expiry date as people write it: ``20261127`` → ``2026-11-27``."""
    return f"{expiry[:4]}-{expiry[4:6]}-{expiry[6:]}"


def find_code(text: str) -> ParsedCode:
    """The one code in a bare code, a QR text block or a form URL (percent-encoded or not).

    A code stands alone, between the start or end of the text and anything that is not a
    letter, a digit or a dot (white space, a URL's ``? & = # /``, ``登记码：``, a full stop
    after it): with a letter or digit glued to it (``TB1.….X``, ``xTB1.…``) it is not a code.
    Two different codes are refused rather than one of them chosen.
    """
    found = {}  # each different code once
    for part in _CODE_SEPARATORS.split(urllib.parse.unquote(text)):
        match = CODE_PATTERN.fullmatch(part.rstrip("."))
        if match is not None:
            found[match.group()] = match
    if not found:
        raise InputError("code.not_found")
    if len(found) > 1:
        raise InputError("code.several", count=len(found))
    (match,) = found.values()
    return ParsedCode(*match.groups())


def misstated(text: str, institution: str, address: str) -> str | None:
    """Which labelled line of a QR text block names another institution or address than
    the roster's (``"institution"`` or ``"address"``), or ``None``.

    The admin's line is not compared: it follows the store's first admin, so it changes
    when admins are removed, and a QR printed before is still the roster's.
    """
    expected = {"institution": institution, "address": address}
    for line in text.splitlines():
        line = line.strip()
        for field, label in _STATED_LABELS.items():
            if line.startswith(label):
                stated = unicodedata.normalize("NFC", line[len(label) :].strip())
                if stated != expected[field]:
                    return field
    return None


def judge(code: ParsedCode, secret: str, generation: int, today: dt.date) -> tuple[CodeStatus, str]:
    """Decide the status of ``code`` for a roster at ``generation``; returns (status, expiry)."""
    given = code.signature
    if hmac.compare_digest(given, signature(secret, code.roster_id, code.expiry, generation)):
        if has_expired(code.expiry, today):
            return CodeStatus.EXPIRED, code.expiry
        return CodeStatus.GENUINE, code.expiry
    for earlier in range(generation - 1, 0, -1):
        if hmac.compare_digest(given, signature(secret, code.roster_id, code.expiry, earlier)):
            return CodeStatus.REVOKED, code.expiry
    return CodeStatus.FORGED, code.expiry


def build_payload(
    code: str, institution: str, address: str, admin_phone_masked: str, form_url: str | None
) -> str:
    """What the QR carries: the form URL with the code, or a short bilingual text block.

    The labels are fixed (not translated) so the same roster always yields the same QR.
    """
    if form_url:
        parts = urllib.parse.urlsplit(form_url)
        query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
        query = [(k, v) for k, v in query if k != "code"] + [("code", code)]
        return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))
    return "\n".join(
        [
            "团体登记 Group roster",
            f"{_STATED_LABELS['institution']} {institution}",
            f"{_STATED_LABELS['address']} {address}",
            f"管理员 Admin: {admin_phone_masked}",
            f"登记码 Code: {code}",
        ]
    )


def check_form_url(url: str) -> str:
    """Accept only an absolute http(s) URL."""
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError("code.bad_url", value=url)
    return url.strip()
