"""The ``tuanti`` command. The language is settled before the Typer apps are built."""

from __future__ import annotations

import codecs
import io
import os
import sys

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


def _fit_to_locale(stream: object) -> None:
    """Make ``stream`` (``sys.stdout`` or ``sys.stderr``) unable to fail on a character its
    encoding lacks.

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


# Ctrl-C ends a command with this status and no traceback, at any moment.
INTERRUPTED_EXIT = 130


def main() -> None:
    """Console-script entry point."""
    try:
        import signal

        # Until the command runs, modules are loading (typer alone takes tens of milliseconds)
        # and nothing has been read or written, so Ctrl-C ends the process at once. Raised as
        # KeyboardInterrupt there, it could also land in a callback of the import machinery,
        # which Python reports as "Exception ignored", with a traceback, and carries on.
        # (Not when started with Ctrl-C ignored: `nohup`, `tuanti … &` in a script.)
        interruptible = signal.getsignal(signal.SIGINT) is signal.default_int_handler
        if interruptible:
            signal.signal(signal.SIGINT, _end_at_once)
        _settle_output_and_language()
        from tuanti_cli.cli.app import app

        if interruptible:
            signal.signal(signal.SIGINT, signal.default_int_handler)
        if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
            from tuanti_cli.signals import raise_interrupted

            # SIGTERM unwinds as Ctrl-C does: the transaction rolls back, one sentence says so.
            signal.signal(signal.SIGTERM, raise_interrupted)
        app(prog_name="tuanti")  # Typer turns Ctrl-C into INTERRUPTED_EXIT from here on
    except KeyboardInterrupt:
        sys.exit(INTERRUPTED_EXIT)


def _end_at_once(signum: int, frame: object) -> None:
    os._exit(INTERRUPTED_EXIT)


def _settle_output_and_language() -> None:
    """Standard streams that cannot fail, and the language, before the apps are built."""
    from tuanti_cli import i18n

    _plug_closed_descriptors()
    _fit_to_locale(sys.stdout)
    _fit_to_locale(sys.stderr)
    lang = _language_from_argv(sys.argv[1:])
    if lang is not None and (chosen := i18n.language_of(lang)) is not None:
        i18n.set_language(chosen)
