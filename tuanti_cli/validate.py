"""Validation and normalisation of the people-facing fields (PRODUCT §4)."""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from typing import Any

from tuanti_cli.errors import FieldError
from tuanti_cli.masking import holds_spread_number

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

# ISO 7064 MOD 11-2 weights for the 17 body digits (2**(17-i) mod 11), and the check
# character for each remainder. python-stdnum's ``mod_11_2`` is the reference the tests use;
# this table form is several times faster, which a 100,000-row import needs.
_CHECK_CHARS = "10X98765432"

CONSENT_YES = frozenset(["yes", "y", "true", "1", "是", "是的", "同意", "agree", "i agree"])
# Words that take consent back: a refusal wherever they stand, even in another clause than
# the agreement (同意（已撤回）), unlike a negation in a condition (同意（如信息不实…）).
_TAKEN_BACK_WORDS = r"撤回|撤销|取消|反对|\b(?:withdrawn?|revoked?)\b"
_TAKEN_BACK = re.compile(_TAKEN_BACK_WORDS, re.IGNORECASE)
# A refusal wherever it stands in an answer: `B.不同意`, `我不同意`, `拒绝授权`, `no`, `not now`;
# 非 but not 非常 ("very"); and the words that take consent back.
_NEGATION = re.compile(
    rf"[不否拒未没]|非(?!常)|\b(?:no|not|don't|disagree|decline)\b|{_TAKEN_BACK_WORDS}",
    re.IGNORECASE,
)
_AGREEMENT = re.compile(r"同意|愿意|授权|\bagree\b|\bconsent\b|\byes\b", re.IGNORECASE)
# A refusal negates an agreement within one clause (`B.不同意`, `暂不授权`, `I do not agree`);
# a negation in another clause is a condition (`同意（如信息不实，本人承担责任）`).
_CLAUSE_BREAK = re.compile(r"[,，.。;；、:：!！?？()\[\]{}（）【】《》〈〉「」『』\"“”]")
_AGREES = re.compile(r"同意|愿意|授权|是|\bagree|\bconsent|\byes\b", re.IGNORECASE)
# Form tools put the option's letter or number before its text: `A.同意`, `A、同意`, `1.是`.
_OPTION_PREFIX = re.compile(r"^[A-Za-z0-9]{1,2}\s*[.、:)]\s*(?=\S)")
PLACEHOLDERS = frozenset(["(空)", "(跳过)", "-2", "-3", "--", "n/a", "na", "(未填)", "(无)"])
"""What form tools write for an unanswered question: the value is empty (after NFKC)."""
_PLACEHOLDER_STARTS = frozenset("(（-－nNｎＮ")

# Spreadsheet damage: an 18-digit number kept as a float loses its last digits.
_SCIENTIFIC = re.compile(r"([0-9])\.?([0-9]*)[eE]\+?([0-9]+)")
_DECIMAL_ZERO = re.compile(r"([0-9]+)\.0+")


def normalise_id(raw: str) -> str:
    """Full-width digits to ASCII, inner spaces removed, ``x`` to ``X``."""
    return _SPACES.sub("", raw.translate(_FULL_WIDTH)).upper()


@functools.lru_cache(maxsize=65536)
def _birth_date(digits: str) -> dt.date | None:
    """``YYYYMMDD`` as a date, or ``None`` when no such day exists (cached: births repeat)."""
    try:
        return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None


def check_character(body: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits (ASCII digits)."""
    # The weights are 2**(17 - i) mod 11 and 13 ≡ 2 (mod 11), so the weighted sum is, mod
    # 11, twice the 17 digits read as a base-13 number: one C call instead of 17 products.
    return _CHECK_CHARS[2 * int(body[:17], 13) % 11]


def clean_cell(value: str) -> str:
    """A text cell without what tools add to keep digits as text, and empty when it is a
    placeholder for an unanswered question.

    Strips spaces, a leading TAB (Tencent Survey), a leading apostrophe (Excel, SurveyKing),
    ``="…"`` (Excel's formula guard) and surrounding quotes; ``(跳过)``, ``-3``, ``N/A`` …
    become empty.
    """
    text = value.strip()
    if not text:
        return text
    first = text[0]
    if first in "'\"=":
        if text.startswith('="') and text.endswith('"'):
            text = text[2:-1]
        elif text[0] == "'":
            text = text[1:]
        if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
            text = text[1:-1]
        text = text.strip()
    short = len(text) <= 6 and text[:1] in _PLACEHOLDER_STARTS
    if short and unicodedata.normalize("NFKC", text).lower() in PLACEHOLDERS:
        return ""
    return text


def validate_id(raw: str, today: dt.date) -> str:
    """Return the normalised 18-character ID number, or raise :class:`FieldError`.

    An ID that a spreadsheet turned into a number (``1.10105E+17``, ``…071000.0``, or 18
    digits whose last ones were zeroed and whose check character is therefore wrong) is
    rejected with its own reason: the lost digits cannot be recovered, never "repaired".
    """
    number = raw if len(raw) == 18 and raw.isascii() and raw.isalnum() else normalise_id(raw)
    number = number.upper()
    if not number:
        raise FieldError("id_number", "id.empty")
    if not _ID_SHAPE.fullmatch(number):
        if _SCIENTIFIC.fullmatch(number) or _DECIMAL_ZERO.fullmatch(number):
            raise FieldError("id_number", "id.excel")
        if len(number) == 15 and number.isdigit():
            raise FieldError("id_number", "id.fifteen")
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
        # 15 significant digits survive a spreadsheet: the last three become zeros.
        raise FieldError("id_number", "id.excel" if number.endswith("000") else "id.check")
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
    number = _spreadsheet_number(raw.translate(_FULL_WIDTH).strip())
    number = _PHONE_SEPARATORS.sub("", number)
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
    """Return the name as on the ID card, or raise :class:`FieldError` with the reason.

    1–50 characters after trimming and NFC: letters of any script, combining marks after a
    letter, spaces and ``· . - '``. The look-alike dots people type for the middle dot of
    minority names (``• ‧ ・ ･``) are stored as ``·``. No digits: a name that is an ID or a
    phone would be shown unmasked.
    """
    name = raw.strip()
    if not _PLAIN_NAME.fullmatch(name):
        name = normalise_name(name)
        problem = text_problem(name, in_name=True)
        if problem is not None:
            key, char = problem
            raise FieldError("name", key, char=char)
    if not name:
        raise FieldError("name", "name.empty")
    if len(name) > NAME_MAX:
        raise FieldError("name", "name.long", max=NAME_MAX)
    return name


def normalise_name(raw: str) -> str:
    """A name as :func:`validate_name` stores it (trimmed, NFC, the look-alike dots,
    apostrophes and hyphens as ``· ' -``), without judging it: so that a feed's name is
    compared with a member's as enrollment would have written it."""
    return unicodedata.normalize("NFC", raw.strip()).translate(_NAME_LOOKALIKES)


DEPARTMENT_MAX = 50
_PLAIN_TEXT = re.compile(r"[\u4e00-\u9fa5A-Za-z0-9 ()（）·.\-'&#/]*")


def validate_department(raw: str) -> str | None:
    """A department, class or enterprise (free text up to 50 characters, shown in full like
    a name); empty is none. Controls, bidi and invisible characters are refused."""
    text = raw.strip()
    if not text:
        return None
    if len(text) > DEPARTMENT_MAX:
        raise FieldError("department", "department.long", max=DEPARTMENT_MAX)
    # A phone or ID typed into the wrong box, however its digits are written or spread out
    # (139——1234——5601): it would be shown in full.
    if holds_spread_number(text):
        raise FieldError("department", "department.number")
    if _PLAIN_TEXT.fullmatch(text):  # most departments: nothing to look at closely
        return text
    text = unicodedata.normalize("NFC", text)
    problem = text_problem(text, in_name=False)
    if problem is not None:
        key, char = problem
        raise FieldError("department", key, char=char)
    return text


# Most names: common ideographs or ASCII letters (NFC already; nothing to look at closely).
_PLAIN_NAME = re.compile(r"[\u4e00-\u9fa5A-Za-z·. '-]*")
# Dots, apostrophes and hyphens as phones and input methods write them.
_NAME_LOOKALIKES = str.maketrans(
    {
        "•": "·",
        "‧": "·",
        "・": "·",
        "･": "·",
        "\u2019": "'",
        "\u02bc": "'",
        "\u2010": "-",
        "\u2011": "-",
    }
)
_NAME_PUNCTUATION = frozenset(" \u3000·.-'")
_BIDI = frozenset("\u061c\u200e\u200f") | frozenset(map(chr, range(0x202A, 0x202F)))
_BIDI |= frozenset(map(chr, range(0x2066, 0x206A)))
_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff")


def _character_problem(char: str, previous: str, in_name: bool) -> str | None:
    """The message key for one character that may not stand here, or ``None``."""
    category = unicodedata.category(char)
    if category[0] == "L" or (not in_name and category[0] in "NPS"):
        return None
    if in_name and char in _NAME_PUNCTUATION:
        return None
    code = ord(char)
    if category == "Cc" or category in ("Zl", "Zp"):
        return "text.control"
    if char in _BIDI:
        return "text.bidi"
    if char in _INVISIBLE or 0xE0000 <= code <= 0xE007F:
        return "text.invisible"
    if category == "Cs" or 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE:
        return "text.not_a_character"
    if category[0] == "M":
        # A mark belongs to the letter (or mark) before it; on its own it stacks onto
        # whatever the terminal printed last.
        return None if previous and unicodedata.category(previous)[0] in "LM" else "text.mark"
    if category == "Co" or (category == "Cn" and 0x20000 <= code <= 0x3FFFF):
        # Rare name characters: private-use codes from older Chinese systems, and
        # ideographs newer than this Python's Unicode tables.
        return None
    if category == "Zs" and not in_name:
        return None
    if in_name and category == "Nl":
        return None  # 〇 stands in names
    if in_name and category[0] == "N":
        return "name.digits"
    return "name.character" if in_name else "text.not_a_character"


def text_problem(text: str, in_name: bool) -> tuple[str, str] | None:
    """(message key, character) for the first character of ``text`` that may not stand in
    a name (``in_name``) or in a roster's name or address, or ``None`` when all may."""
    previous = ""
    marks = 0
    for char in text:
        key = _character_problem(char, previous, in_name)
        if key is None and unicodedata.category(char)[0] == "M":
            marks += 1
            if marks > MAX_MARKS:
                key = "text.marks"
        else:
            marks = 0
        if key is not None:
            # A lone mark would stack onto the message's punctuation: name it by code point.
            return key, f"U+{ord(char):04X}" if key in ("text.mark", "text.marks") else char
        previous = char
    return None


MAX_MARKS = 6
"""Marks one letter may carry (Vietnamese takes two, Tibetan stacks a few more); dozens,
as "Zalgo" text piles them, draw over the lines and rows around the name."""


def _spreadsheet_number(number: str) -> str:
    """A phone that a spreadsheet kept as a number, as its digits: ``13812345678.0`` and
    ``1.3812345678E+10`` keep all eleven; ``1.38123E+10`` lost some and stays as it is."""
    plain = _DECIMAL_ZERO.fullmatch(number)
    if plain:
        return plain.group(1)
    scientific = _SCIENTIFIC.fullmatch(number)
    if scientific:
        lead, rest, exponent = scientific.groups()
        if len(lead + rest) == int(exponent) + 1:  # every digit is still there
            return lead + rest
        raise FieldError("phone", "phone.excel")
    return number


def is_consent(value: Any, answers: frozenset[str] | None = None) -> bool:
    """True only for an explicit yes.

    ``answers`` (from ``--consent-answer``) are then the only answers that mean yes.
    Otherwise: ``yes``, ``1``, ``是``, ``同意``, JSON ``true``; an option's letter before
    its text (``A.同意``); or the option's own text (``我已阅读并同意《…告知书》``). Any
    negation (不, 否, 拒绝, 未, 没, 非, 撤回, 撤销, 取消, 反对, the words no/not/withdrawn) is a
    refusal, never consent; so is a formula.
    """
    if answers is None and value in CONSENT_YES:
        return True
    if value is True:
        return answers is None
    if value is False or value is None:
        return False
    if isinstance(value, int | float):
        return value == 1 if answers is None else str(value) in answers
    if not isinstance(value, str):
        return False
    text = unicodedata.normalize("NFKC", clean_cell(value)).strip()
    if answers is not None:
        return text in answers
    lowered = text.lower()
    if lowered in CONSENT_YES:
        return True
    # A formula (=HYPERLINK(…,"同意")) is no answer, whatever it displays.
    if not lowered or lowered.startswith("=") or _NEGATION.search(lowered):
        return False
    lowered = _OPTION_PREFIX.sub("", lowered)
    return lowered in CONSENT_YES or bool(_AGREEMENT.search(lowered))


def refuses(answer: str) -> bool:
    """Whether a consent answer is a refusal: a word that takes consent back anywhere
    (``同意（已撤回）``), a negation before an agreement in one clause (``B.不同意``,
    ``暂不授权``, ``I do not agree``), or a negation and no agreement at all (``否``, ``No``,
    ``not now``). ``同意（如信息不实，本人承担责任）`` is not: its negation
    stands in a condition, apart from the agreement."""
    text = unicodedata.normalize("NFKC", answer).lower()
    if _TAKEN_BACK.search(text):
        return True
    agreed = False
    for clause in _CLAUSE_BREAK.split(text):
        negation = _NEGATION.search(clause)
        if negation is not None and _AGREES.search(clause, negation.end()):
            return True
        agreed = agreed or _AGREES.search(clause) is not None
    return not agreed and _NEGATION.search(text) is not None


def consent_answers(values: list[str]) -> frozenset[str] | None:
    """``--consent-answer`` values as the answers that mean yes (``None`` when none given).

    An answer that is a refusal (:func:`refuses`: ``B.不同意``, ``拒绝授权``) is refused:
    naming it would turn a refusal into consent. One whose negation is only a condition
    (``同意（如信息不实，本人承担责任）``, which the consent reader does not take as a yes) may
    be named.
    """
    if not values:
        return None
    answers = frozenset(unicodedata.normalize("NFKC", v).strip() for v in values)
    if "" in answers:
        raise FieldError("consent", "consent.answer_empty")
    for answer in sorted(answers):
        if refuses(answer):
            raise FieldError("consent", "consent.answer_negated", answer=answer)
    return answers


def require_consent(value: Any, answers: frozenset[str] | None = None) -> None:
    """Raise :class:`FieldError` unless ``value`` is an explicit yes. An answer refused for
    a negation names the word; when that answer may be named with ``--consent-answer``
    (it is no :func:`refuses`), the reason says so."""
    if is_consent(value, answers):
        return
    text = unicodedata.normalize("NFKC", clean_cell(value)) if isinstance(value, str) else ""
    negation = _NEGATION.search(text)
    if negation is None:
        # With --consent-answer, only the answers named mean yes: "同意" may be no yes here.
        raise FieldError("consent", "consent.not_named" if answers else "consent.missing")
    key = "consent.refused" if refuses(text) else "consent.negation"
    raise FieldError("consent", key, word=negation.group())
