"""zh/en message catalogue. Human text only: JSON keys and enum values stay English."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

from tuanti_cli.masking import holds_number, scrub
from tuanti_cli.messages import CATALOGUE
from tuanti_cli.printable import shown

LANGUAGES = ("zh", "en")
_current = {"lang": ""}


# A language code, then a territory or script (`_CN`, `-Hans`), an encoding (`.UTF-8`) and a
# modifier (`@latin`), as locales name themselves.
_LOCALE_NAME = re.compile(r"([a-z]{2,3})(?:[_-][a-z0-9]+)*(?:\.[a-z0-9_-]+)?(?:@[a-z0-9_-]+)?")


def language_of(value: str) -> str | None:
    """The language ``value`` names, when tuanti speaks it: ``zh``, ``EN`` or a locale name
    such as ``zh_CN.UTF-8``, ``zh-TW`` or ``en_US`` (any case); else ``None``."""
    match = _LOCALE_NAME.fullmatch(value.strip().lower())
    if match is None or match.group(1) not in LANGUAGES:
        return None
    return match.group(1)


def detect_language(environ: Mapping[str, str] | None = None) -> str:
    """Pick the language: ``TUANTI_LANG`` when usable, else :func:`locale_language`."""
    env = os.environ if environ is None else environ
    return language_of(env.get("TUANTI_LANG", "")) or locale_language(env)


def locale_language(environ: Mapping[str, str] | None = None) -> str:
    """The default language: ``zh`` when the locale is Chinese, else ``en`` (PRODUCT §3)."""
    env = os.environ if environ is None else environ
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def set_language(lang: str) -> None:
    """Set the language used by :func:`t` for the rest of the process."""
    if lang not in LANGUAGES:
        raise ValueError(lang)
    _current["lang"] = lang


def language() -> str:
    """The language in force, detecting it on first use."""
    if not _current["lang"]:
        _current["lang"] = detect_language()
    return _current["lang"]


def t(key: str, **params: Any) -> str:
    """Translate ``key`` into the current language and fill in ``params``; a whole number
    also picks a word by its count: ``{rows} {rows:row|rows}`` (English plurals)."""
    table = CATALOGUE[language()]
    template = table.get(key) or CATALOGUE["en"].get(key) or key
    if not params:
        return template
    return template.format(
        **{name: _Count(value) if type(value) is int else value for name, value in params.items()}
    )


class _Count(int):
    """A number in a message: the spec ``one|other`` chooses a word for it."""

    def __format__(self, spec: str) -> str:
        if "|" in spec:
            one, other = spec.split("|", 1)
            return one if self == 1 else other
        return int.__format__(self, spec)


def field_label(field: str) -> str:
    """A field as a person reads it in the current language (``id_number``, 身份证号); a
    field without a name of its own as it is."""
    key = f"fieldname.{field}"
    return t(key) if key in CATALOGUE["en"] else field


def t_masked(key: str, **params: Any) -> str:
    """:func:`t` for a message that repeats what the user typed or named (a path, a value):
    every parameter as an error message shows it, long digit runs masked (a file named after
    an ID or a phone) and unsafe characters escaped; short numbers (counts) stay numbers."""
    return t(key, **{name: _masked(value) for name, value in params.items()})


def _masked(value: Any) -> Any:
    if isinstance(value, int | float) and not holds_number(str(value)):
        return value
    return _Quoted(shown(scrub(str(value))))


class _Quoted(str):
    """Text already made safe: ``{value!r}`` in a message quotes it without escaping the
    escapes again (``'\\x1b'``, not ``'\\\\x1b'``)."""

    def __repr__(self) -> str:
        return f"'{self}'"

    def __format__(self, spec: str) -> str:
        # A count long enough to be masked is no longer 1: `{rows:row|rows}` takes the plural.
        return spec.split("|", 1)[1] if "|" in spec else str.__format__(self, spec)
