"""zh/en message catalogue. Human text only: JSON keys and enum values stay English."""

from __future__ import annotations

import os
from typing import Any

from tuanti_cli.masking import holds_number, scrub
from tuanti_cli.messages import CATALOGUE
from tuanti_cli.printable import shown

LANGUAGES = ("zh", "en")
_current = {"lang": ""}


def detect_language(environ: dict[str, str] | None = None) -> str:
    """Pick the language: ``TUANTI_LANG``, else ``zh`` for a Chinese locale, else ``en``."""
    env = os.environ if environ is None else environ
    chosen = env.get("TUANTI_LANG", "").strip().lower()
    if chosen in LANGUAGES:
        return chosen
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
    """Translate ``key`` into the current language and fill in ``params``."""
    table = CATALOGUE[language()]
    template = table.get(key) or CATALOGUE["en"].get(key) or key
    return template.format(**params) if params else template


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
