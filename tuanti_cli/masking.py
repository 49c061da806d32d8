"""The only place that knows how to mask personal data (PRODUCT §6)."""

from __future__ import annotations

import re
import unicodedata

# Seven digits or more in a row; or, written with separators between groups (as people
# write phones and IDs: ``139 1234 5678``, ``(138)1234-5678``, ``138.1234.5678``), eleven or
# more (dates such as ``2022-12-05 08:00`` stop at the colon, short of that).
_SEPARATORS = r"[ \u3000\-－.()（）/]{0,3}"
_LONG_DIGIT_RUN = re.compile(
    r"[0-9０-９]{7,}[0-9XxＸｘ]?"
    rf"|[0-9０-９](?:{_SEPARATORS}[0-9０-９]){{10,}}(?:[ \-]?[XxＸｘ])?"
)


# Text shown in full (a department, a rejected value) is read more strictly than a message,
# where dates and times must stay readable: once NFKC has made every digit ASCII (full-width
# ３, circled ③, mathematical 𝟑), digits separated only by what is neither a letter nor a
# digit (punctuation, symbols and spaces of any script: 139——1234——5601, 139、1234、5601,
# 139_1234_5601) are one number, and eleven digits or more make it a phone's or an ID's.
# An ID's check character X goes with its digits (unless a Latin word goes on from it), so
# that the masked ID shows its last four characters, not the birth date's last digit.
_SPREAD_NUMBER = re.compile(r"\d(?:[\W_]*\d){10,}(?:[XxＸｘ](?![A-Za-zＡ-Ｚａ-ｚ]))?")


def mask_id(value: str) -> str:
    """Hide characters 3–14 of an ID number: ``11************1234``.

    Values of other lengths (rejected input) keep at most their first two and last four
    characters, and only when at least half of the value stays hidden.
    """
    n = len(value)
    if n >= 12:
        return value[:2] + "*" * (n - 6) + value[-4:]
    return "*" * n


def mask_phone(value: str) -> str:
    """Hide digits 4–7 of a mobile number: ``138****5678``.

    Values of other lengths (rejected input) keep at most their first three and last four.
    """
    n = len(value)
    if n >= 11:
        return value[:3] + "*" * (n - 7) + value[-4:]
    return "*" * n


def _masked_sql(column: str, shown_ends: tuple[int, int], minimum: int, usual: int) -> str:
    head, tail = shown_ends
    stars = "*" * (usual - head - tail)
    return (
        # The usual length first, with a literal run of stars: printf() costs a second a
        # million rows.
        f"(CASE WHEN length({column}) = {usual} THEN substr({column}, 1, {head})"
        f" || '{stars}' || substr({column}, {usual - tail + 1})"
        f" WHEN length({column}) >= {minimum} THEN substr({column}, 1, {head})"
        f" || printf('%.*c', length({column}) - {head + tail}, '*') || substr({column}, -{tail})"
        f" WHEN length({column}) > 0 THEN printf('%.*c', length({column}), '*') ELSE '' END)"
    )


def mask_id_sql(column: str) -> str:
    """:func:`mask_id` as an SQL expression over ``column``: the full number never leaves
    SQLite (a test holds the two to the same results)."""
    return _masked_sql(column, (2, 4), 12, 18)


def mask_phone_sql(column: str) -> str:
    """:func:`mask_phone` as an SQL expression over ``column``."""
    return _masked_sql(column, (3, 4), 11, 11)


def holds_number(text: str) -> bool:
    """Whether free text holds what :func:`scrub` would mask (a phone- or ID-like number)."""
    return _LONG_DIGIT_RUN.search(text) is not None


def scrub(text: str) -> str:
    """Mask every long run of digits in free text (a misplaced ID or phone)."""
    return _LONG_DIGIT_RUN.sub(lambda m: mask_id(m.group()), text)


# Where NFKC could make no digit that \d does not already match, nor turn a letter into a
# separator (ASCII, CJK ideographs and punctuation, full-width forms: most departments), the
# text is searched as it is; normalising each of a million departments would cost seconds.
_NO_NEW_DIGITS = re.compile(r"[\x00-\x7f\u00b7\u3000-\u303f\u4e00-\u9fff\uff01-\uff5e]*")


def _nfkc(text: str) -> str:
    if _NO_NEW_DIGITS.fullmatch(text):
        return text
    return unicodedata.normalize("NFKC", text)


def holds_spread_number(text: str) -> bool:
    """Whether text shown in full holds a phone- or ID-like number, however its digits are
    written or spread out (:func:`holds_number`, and digits separated by anything but
    letters: ``139——1234——5601``, ``１３９、１２３４、５６０１``)."""
    return holds_number(text) or _SPREAD_NUMBER.search(_nfkc(text)) is not None


def scrub_spread(text: str) -> str:
    """:func:`scrub`, and every number :func:`holds_spread_number` finds masked too (the
    text is then given in NFKC form)."""
    normal = _nfkc(text)
    if _SPREAD_NUMBER.search(normal) is None:
        return scrub(text)
    return scrub(_SPREAD_NUMBER.sub(lambda m: mask_id(m.group()), normal))


def mask_field(field: str, value: str) -> str:
    """Mask ``value`` as it would appear in field ``field`` of a reject report."""
    if field == "id_number":
        return mask_id(value)
    if field == "phone":
        # An ID in the phone column keeps no more than an ID's first two characters.
        return mask_id(value) if len(value) > 11 else mask_phone(value)
    return scrub_spread(value)
