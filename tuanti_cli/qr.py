"""QR codes for a roster's payload: terminal text, PNG and SVG. Imports qrcode lazily."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tuanti_cli.errors import InputError
from tuanti_cli.writing import Protected, write_atomically

QUIET_ZONE = 4
MAX_PAYLOAD_BYTES = 2331
"""What the largest QR code (version 40) holds at the error-correction level used here (M),
in byte mode. Any payload of at most this many UTF-8 bytes fits: qrcode splits off a run of
digits or capitals only where that takes fewer bits than bytes would (a test holds the
library to this number)."""

# Each text cell shows two modules stacked: (top lit, bottom lit) -> character.
_HALF_BLOCKS = {
    (True, True): "█",
    (True, False): "▀",
    (False, True): "▄",
    (False, False): " ",
}


class PayloadTooLong(InputError):
    """No QR code can hold the payload (a roster whose form URL is too long)."""

    def __init__(self, size: int) -> None:
        super().__init__("qr.too_long", size=size, max=MAX_PAYLOAD_BYTES)


def fits(payload: str) -> bool:
    """Whether a QR code surely holds ``payload`` (at most :data:`MAX_PAYLOAD_BYTES`)."""
    return len(payload.encode("utf-8")) <= MAX_PAYLOAD_BYTES


def _qr(payload: str, box_size: int = 10) -> Any:
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M
    from qrcode.exceptions import DataOverflowError

    data = payload.encode("utf-8")
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QUIET_ZONE, box_size=box_size)
    code.add_data(data)
    try:
        code.make(fit=True)
    except (ValueError, DataOverflowError):
        # Past version 40, qrcode 8 raises ValueError ("Invalid version (was 41 …)").
        if fits(payload):
            raise
        raise PayloadTooLong(len(data)) from None
    return code


def matrix(payload: str) -> list[list[bool]]:
    """The module matrix including the quiet zone; ``True`` is a dark module."""
    return [list(row) for row in _qr(payload).get_matrix()]


def render_text(payload: str, invert: bool = False) -> str:
    """The QR as half-block characters, two modules per line, one per column.

    By default the characters draw the *light* modules, which suits a dark terminal where the
    background is dark; ``invert`` draws the dark modules, for a light terminal.
    """
    rows = matrix(payload)
    if len(rows) % 2:
        rows.append([False] * len(rows[0]))
    lines = []
    for top, bottom in zip(rows[0::2], rows[1::2], strict=True):
        cells = (
            _HALF_BLOCKS[(t if invert else not t, b if invert else not b)]
            for t, b in zip(top, bottom, strict=True)
        )
        lines.append("".join(cells).rstrip() if invert else "".join(cells))
    return "\n".join(lines)


def write_png(payload: str, path: Path, protected: Protected, scale: int = 8) -> None:
    """Write a black-on-white PNG of the QR to ``path`` (``--png``), never onto ``protected``."""
    from qrcode.image.pure import PyPNGImage

    image = _qr(payload, box_size=scale).make_image(image_factory=PyPNGImage)
    _write(path, protected, "--png", image.save)


def write_svg(payload: str, path: Path, protected: Protected) -> None:
    """Write an SVG of the QR (one path, black on white) to ``path`` (``--svg``)."""
    from qrcode.image.svg import SvgPathFillImage

    image = _qr(payload).make_image(image_factory=SvgPathFillImage)
    _write(path, protected, "--svg", image.save)


def _write(path: Path, protected: Protected, option: str, save: Any) -> None:
    with write_atomically(path, protected, option=option, binary=True) as stream:
        save(stream)
