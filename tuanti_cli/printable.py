"""Text from the public shown safely: characters that steer a terminal or reorder text are
written as escapes (``\\x1b``, ``\\u202e``), never sent raw (PRODUCT §7).

A name typed into a form may carry ``ESC]52;…`` (which writes the admin's clipboard),
``ESC[8m`` (which hides what follows) or a right-to-left override that makes ``gpj.exe``
read as ``exe.jpg``. Everything that echoes a value from a file or a command line passes it
through :func:`shown` first.
"""

from __future__ import annotations

import re

# C0 and C1 controls, DEL; bidi embeddings, overrides and isolates, and the implicit marks;
# zero-width characters and the BOM; line and paragraph separators; surrogates;
# noncharacters; tag characters; the interlinear annotation characters.
UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f"
    "\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff"
    "\u2028\u2029"
    "\ud800-\udfff"
    "\ufdd0-\ufdef\ufff9-\ufffb\ufffe\uffff"
    "\U000e0000-\U000e007f"
    + "".join(f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(1, 17))
    + "]"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def shown(text: str) -> str:
    """``text`` with every unsafe character written as a visible escape."""
    if text.isascii() and text.isprintable():
        return text
    return UNSAFE.sub(_escape, text)
