"""The ``tuanti`` command. The language is settled before the Typer apps are built."""

from __future__ import annotations

import codecs
import io
import os
import sys
from typing import TextIO

# Encodings that GB18030 extends: it encodes every Unicode character (刘䶮 included, which
# GBK cannot) and reads as GBK wherever GBK has the character.
_GBK_FAMILY = {"gbk", "gb2312", "gb18030"}


def _language_from_argv(argv: list[str]) -> str | None:
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


def _fit_to_locale(stream: TextIO | None) -> None:
    """Make ``stream`` unable to fail on a character its encoding lacks.

    A GBK-family terminal gets GB18030; any other encoding that is not UTF-8 writes a
    character it cannot encode as ``?`` instead of crashing.
    """
    if not isinstance(stream, io.TextIOWrapper):  # None when the descriptor is closed
        return
    try:
        name = codecs.lookup(stream.encoding or "utf-8").name
    except LookupError:
        return
    if name in _GBK_FAMILY:
        stream.reconfigure(encoding="gb18030", errors="replace")
    elif name not in ("utf-8", "utf-8-sig"):
        stream.reconfigure(errors="replace")


def _plug_closed_descriptors() -> None:
    """Open devnull on standard descriptors the command was started without (`<&-`).

    Otherwise the next file opened (an export, the key file) would get descriptor 0, 1 or 2
    and a stray write to stderr could land in it. ``sys.stdin`` and friends stay ``None``,
    which is how the commands learn that the stream is closed.
    """
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            # The lowest free descriptor, so this one: the lower ones are open by now.
            os.open(os.devnull, os.O_RDWR)


def main() -> None:
    """Console-script entry point."""
    from tuanti_cli import i18n

    _plug_closed_descriptors()
    _fit_to_locale(sys.stdout)
    _fit_to_locale(sys.stderr)
    lang = _language_from_argv(sys.argv[1:])
    if lang in i18n.LANGUAGES:
        i18n.set_language(lang)
    from tuanti_cli.cli.app import app

    app(prog_name="tuanti")
