"""JSON from untrusted files: an integer too long for Python's ``int`` never stops a read."""

from __future__ import annotations

import json
from typing import Any


class LongNumber(str):
    """A JSON integer with more digits than Python turns into an ``int`` (4,300 by default,
    ``sys.get_int_max_str_digits``), kept as its digits. No ID number, phone or count is that
    long: as text it fails every check, as the value of a field that is no number does."""


def _integer(digits: str) -> int | str:
    try:
        return int(digits)
    except ValueError:  # over the limit
        return LongNumber(digits)


# A Python call for every integer: used only for text that the C decoder refused.
_TOLERANT = json.JSONDecoder(parse_int=_integer)


def loads(text: str) -> Any:
    """:func:`json.loads`; an integer too long for ``int`` is read as a :class:`LongNumber`."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise
    except ValueError:  # an integer over the limit: the decoder's only other ValueError
        return _TOLERANT.decode(text)


def raw_decode(decoder: json.JSONDecoder, text: str, position: int) -> tuple[Any, int]:
    """``decoder.raw_decode(text, position)``; an integer too long for ``int`` is read as a
    :class:`LongNumber`."""
    try:
        return decoder.raw_decode(text, position)
    except json.JSONDecodeError:
        raise
    except ValueError:  # as in :func:`loads`
        return _TOLERANT.raw_decode(text, position)
