"""The report as one self-contained HTML page: inline SVG charts, the numbers, today's
abnormal members (masked), for an A4 sheet.

No script, no font, style sheet or image from elsewhere, no link: the page opens offline and
leaks nothing when opened. Every text from the store is escaped. The abnormal members are
written as their records come, so the page streams like every other export.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from html import escape
from itertools import pairwise
from typing import IO, Any

from tuanti_cli import clock
from tuanti_cli import report as core
from tuanti_cli.cli.html_text import isolating
from tuanti_cli.cli.output import minute, percent
from tuanti_cli.cli.table import COLUMNS, cells
from tuanti_cli.i18n import t
from tuanti_cli.printable import shown

CODE_COLOURS = {
    "green": "#2e9d4f",
    "yellow": "#e0b000",
    "red": "#d23b35",
    "popup": "#8e44ad",
    "unknown": "#9aa0a6",
}
COMPLIANCE_COLOUR, NAT_COLOUR = "#1f5fa8", "#1aa3a3"
# Plot geometry in SVG units (the page scales it to its width).
WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 720, 190, 44, 10, 22, 24
# The table's columns without the compared time: the page is about one moment.
ABNORMAL_COLUMNS = tuple(c for c in COLUMNS if c != "compared_at")

STYLE = """
@page { size: A4; margin: 12mm; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0 auto; max-width: 186mm; color: #222; font: 10pt/1.35 "Noto Sans CJK SC",
  "Source Han Sans SC", "WenQuanYi Micro Hei", "PingFang SC", "Microsoft YaHei", sans-serif; }
h1 { font-size: 15pt; margin: 0 0 2pt; }
h2 { font-size: 11pt; margin: 10pt 0 3pt; }
p.meta { margin: 0; color: #555; }
svg { display: block; width: 100%; height: auto; }
svg text { font-size: 11px; fill: #333; }
.legend span { display: inline-block; margin-right: 10pt; }
.legend i { display: inline-block; width: 9pt; height: 9pt; margin-right: 3pt;
  vertical-align: -1pt; border-radius: 1pt; }
table { border-collapse: collapse; width: 100%; font-size: 8.5pt; }
th, td { padding: 1.5pt 4pt; border-bottom: 0.5pt solid #ccc; text-align: right;
  white-space: nowrap; overflow: hidden; }
th { background: #f0f0f0; }
th:first-child, td:first-child, th.text, td.text { text-align: left; }
td.wrap { white-space: normal; overflow-wrap: anywhere; min-width: 5em; }
td.text, td.wrap { unicode-bidi: plaintext; }
td.words { white-space: normal; }
td.none { color: #999; }
tr { break-inside: avoid; }
footer { margin-top: 8pt; color: #777; font-size: 8pt; }
"""


def write_page(
    stream: IO[str],
    built: core.Report,
    abnormal: Iterable[dict[str, Any]],
    count: int,
    moment: dt.datetime,
) -> None:
    """Write the page of ``built`` with the ``abnormal`` records (masked §6 records;
    ``count`` of them)."""
    for chunk in page(built, abnormal, count, moment):
        stream.write(chunk)


def _e(text: Any) -> str:
    return escape(shown(str(text)), quote=True)


def page(
    built: core.Report, abnormal: Iterable[dict[str, Any]], count: int, moment: dt.datetime
) -> Iterator[str]:
    """The page, in pieces."""
    days = built.days
    first, last = days[0]["date"], days[-1]["date"]
    title = t("report.title", name=shown(built.name), days=len(days), first=first, last=last)
    yield (
        f'<!DOCTYPE html>\n<html lang="{_e(t("report.html.lang"))}">\n<head>\n'
        '<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
    )
    period = t(
        "report.period",
        first=first,
        last=last,
        moment=minute(clock.iso(moment)),
        policy=built.max_nat_days,
    )
    heading = isolating(
        "report.title", _e, {"name": built.name}, days=len(days), first=first, last=last
    )
    yield f'<h1>{heading}</h1>\n<p class="meta">{_e(period)}</p>\n'
    yield f"<h2>{_e(t('report.codes_title'))}</h2>\n"
    yield _legend([(CODE_COLOURS[c], t(f"code.{c}")) for c in CODE_COLOURS])
    yield _bars_svg(days)
    yield f"<h2>{_e(t('report.html.compliance_title'))}</h2>\n"
    yield _legend(
        [
            (COMPLIANCE_COLOUR, t("report.html.compliance")),
            (NAT_COLOUR, t("report.html.nat_share", policy=built.max_nat_days)),
        ]
    )
    yield _lines_svg(days)
    yield f"<h2>{_e(t('report.numbers_title'))}</h2>\n"
    yield _numbers(days)
    if built.departments is not None:
        yield f"<h2>{_e(t('report.html.departments_title'))}</h2>\n"
        yield _departments(built.departments)
    yield from _abnormal(abnormal, count)
    yield f"<footer>{_e(t('report.html.privacy'))}</footer>\n</body>\n</html>\n"


def _legend(items: list[tuple[str, str]]) -> str:
    spans = "".join(f'<span><i style="background:{c}"></i>{_e(label)}</span>' for c, label in items)
    return f'<p class="legend">{spans}</p>\n'


def _frame(days: list[dict[str, Any]]) -> tuple[float, list[str], set[int]]:
    """The band width per day, the date labels along the bottom, and the days that get a
    label (all up to 10 days; then every second or third and the last, so that neither the
    dates nor the values above them run into each other)."""
    band = (WIDTH - LEFT - RIGHT) / len(days)
    every = 1 if len(days) <= 10 else (2 if len(days) <= 20 else 3)
    shown = {i for i in range(len(days)) if i % every == 0 or i == len(days) - 1}
    labels = [
        f'<text x="{LEFT + band * (i + 0.5):.1f}" y="{HEIGHT - BOTTOM + 15}"'
        f' text-anchor="middle">{_e(str(days[i]["date"])[5:])}</text>'
        for i in sorted(shown)
    ]
    return band, labels, shown


def _svg(body: list[str], label: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img"'
        f' aria-label="{_e(label)}">\n' + "\n".join(body) + "\n</svg>\n"
    )


def _grid(values: list[tuple[float, str]]) -> list[str]:
    """Horizontal grid lines at plot heights (0–1) with their labels on the left."""
    plot = HEIGHT - TOP - BOTTOM
    lines = []
    for fraction, label in values:
        y = TOP + plot * (1 - fraction)
        lines.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}"'
            ' stroke="#ddd" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{_e(label)}</text>'
        )
    return lines


def _ticks(most: int) -> list[int]:
    """Whole-member grid values from 0 to ``most``: 0, the top, and a round middle."""
    if most < 2:
        return sorted({0, most})
    step = 10 ** (len(str(most // 2)) - 1)
    middle = max(step, most // 2 // step * step)
    return [0, middle, most] if middle < most else [0, most]


def _bars_svg(days: list[dict[str, Any]]) -> str:
    """The stacked bars of health codes per day, scaled to the largest day."""
    most = max((d["members"] or 0 for d in days), default=0)
    plot = HEIGHT - TOP - BOTTOM
    band, labels, shown = _frame(days)
    top = most or 1
    body = _uncompared(days, band) + _grid([(v / top, str(v)) for v in _ticks(most)])
    for i, day in enumerate(days):
        x = LEFT + band * i + band * 0.2
        bar = band * 0.6
        if day["members"] is None:
            continue
        y = TOP + plot
        for code, colour in CODE_COLOURS.items():
            n = day[code]
            if not n:
                continue
            h = plot * n / top
            y -= h
            body.append(
                f'<rect x="{x:.1f}" y="{y:.2f}" width="{bar:.1f}" height="{h:.2f}"'
                f' fill="{colour}"><title>{_e(t(f"code.{code}"))} {n}</title></rect>'
            )
        if i in shown:
            body.append(
                f'<text x="{x + bar / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle">'
                f"{day['members']}</text>"
            )
    body += labels
    return _svg(body, t("report.codes_title"))


def _uncompared(days: list[dict[str, Any]], band: float) -> list[str]:
    """Days without counts, each run of them one light band across the plot, labelled once
    in its middle when the label fits (a label a day ran into its neighbours at 14 days)."""
    plot = HEIGHT - TOP - BOTTOM
    label = t("report.html.no_data")
    marks = []
    for first, last in _runs([d["members"] is None for d in days]):
        x, width = LEFT + band * first, band * (last - first + 1)
        marks.append(
            f'<rect x="{x:.1f}" y="{TOP}" width="{width:.1f}" height="{plot}" fill="#f4f4f4">'
            f"<title>{_e(label)}</title></rect>"
        )
        if _text_width(label) <= width - 4:
            marks.append(
                f'<text x="{x + width / 2:.1f}" y="{TOP + plot - 6}" text-anchor="middle"'
                f' fill="#999">{_e(label)}</text>'
            )
    return marks


def _runs(flags: list[bool]) -> Iterator[tuple[int, int]]:
    """The first and last index of each run of true ``flags``."""
    start = None
    for i, flag in enumerate([*flags, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            yield start, i - 1
            start = None


CELL_PIXELS = 6
"""About how wide one terminal cell of text is drawn at the charts' 11 px (a CJK character
takes two cells, a full em)."""


def _text_width(text: str) -> float:
    """About how wide ``text`` is drawn in a chart, from the cells Rich counts for it."""
    from rich.cells import cell_len

    return cell_len(text) * CELL_PIXELS


def _lines_svg(days: list[dict[str, Any]]) -> str:
    """Compliance and the NAT-within-policy share per day, 0–100 %, broken at days
    without counts."""
    plot = HEIGHT - TOP - BOTTOM
    band, labels, shown = _frame(days)
    body = _uncompared(days, band) + _grid(
        [(f, f"{round(f * 100)}%") for f in (0, 0.25, 0.5, 0.75, 1)]
    )
    series = [
        (COMPLIANCE_COLOUR, [d["compliance"] for d in days]),
        (
            NAT_COLOUR,
            [d["nat_within_policy"] / d["members"] if d["members"] else None for d in days],
        ),
    ]
    segments: list[tuple[float, float, float, float]] = []
    for colour, values in series:
        runs: list[list[tuple[float, float]]] = [[]]
        for i, value in enumerate(values):
            if value is None:
                runs.append([])
                continue
            runs[-1].append((LEFT + band * (i + 0.5), TOP + plot * (1 - value)))
        for run in runs:
            segments += [(*a, *b) for a, b in pairwise(run)]
            if len(run) > 1:
                points = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
                body.append(
                    f'<polyline points="{points}" fill="none" stroke="{colour}"'
                    ' stroke-width="2.5"/>'
                )
            body += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>' for x, y in run]
    for i, value in enumerate(series[0][1]):
        if value is not None and i in shown:
            x, y = LEFT + band * (i + 0.5), TOP + plot * (1 - value)
            text = percent(value)
            left, baseline = _label_place(x, y, _text_width(text), segments)
            body.append(
                f'<text x="{left:.1f}" y="{baseline:.1f}"'
                f' fill="{COMPLIANCE_COLOUR}">{_e(text)}</text>'
            )
    body += labels
    return _svg(body, t("report.html.compliance_title"))


LABEL_HEIGHT = 11
"""The charts' text size, in pixels: a label's box reaches this far above its baseline."""


def _label_place(
    x: float, y: float, width: float, segments: list[tuple[float, float, float, float]]
) -> tuple[float, float]:
    """Where a point's label goes (its left edge and baseline): under the point, else above
    it, else beside it, whichever box no line crosses and the plot holds; under it when
    none is clear. Compliance never exceeds the NAT share, so under is usually clear of
    the other line, but a steep step of either line can run through it."""
    plot_top, plot_bottom = TOP, HEIGHT - BOTTOM
    gap = 4
    places = [
        (x - width / 2, y + gap + LABEL_HEIGHT),  # under
        (x - width / 2, y - gap),  # above
        (x + gap + 2, y + gap + LABEL_HEIGHT),  # under, to the right
        (x - gap - 2 - width, y + gap + LABEL_HEIGHT),  # under, to the left
        (x + gap + 2, y - gap),  # above, to the right
        (x - gap - 2 - width, y - gap),  # above, to the left
    ]
    inside = [
        (left, base)
        for left, base in places
        if base - LABEL_HEIGHT >= plot_top - gap and base <= plot_bottom + gap
    ]
    for left, base in inside:
        box = (left - 1, base - LABEL_HEIGHT + 1, left + width + 1, base + 2)
        if not any(_crosses(segment, box) for segment in segments):
            return left, base
    return (inside or places)[0]


def _crosses(
    segment: tuple[float, float, float, float], box: tuple[float, float, float, float]
) -> bool:
    """Whether a line segment passes through a box (left, top, right, bottom)."""
    x1, y1, x2, y2 = segment
    left, top, right, bottom = box
    if max(x1, x2) < left or min(x1, x2) > right:
        return False
    # The segment's part over the box's width: its heights at the two ends of that part.
    a, b = max(min(x1, x2), left), min(max(x1, x2), right)
    heights = [y1 if x1 == x2 else y1 + (y2 - y1) * (at - x1) / (x2 - x1) for at in (a, b)]
    if x1 == x2:
        heights = [y1, y2]
    return max(heights) >= top and min(heights) <= bottom


def _numbers(days: list[dict[str, Any]]) -> str:
    heads = [t("report.date")] + [t(f"report.col.{k}") for k in (*core.COUNT_KEYS, "compliance")]
    rows = ["<tr>" + "".join(f"<th>{_e(h)}</th>" for h in heads) + "</tr>"]
    for day in days:
        values = ["—" if day[k] is None else str(day[k]) for k in core.COUNT_KEYS]
        cls = ' class="none"' if day["members"] is None else ""
        rows.append(
            f"<tr{cls}><td>{_e(day['date'])}</td>"
            + "".join(f"<td>{_e(v)}</td>" for v in values)
            + f"<td>{_e(percent(day['compliance']))}</td></tr>"
        )
    return "<table>\n" + "\n".join(rows) + "\n</table>\n"


DAYS_PER_TABLE = 10
"""Day columns in one table of the departments: more would not fit the page's width."""


def _departments(departments: dict[str, list[dict[str, Any]]]) -> str:
    """Each department's compliance per day, in tables of :data:`DAYS_PER_TABLE` days (a
    30-day table ran off the page, and its last days, the ones with data, were cut)."""
    days = len(next(iter(departments.values()), []))
    return "".join(
        _department_table(departments, start, min(start + DAYS_PER_TABLE, days))
        for start in range(0, days, DAYS_PER_TABLE)
    )


def _department_table(departments: dict[str, list[dict[str, Any]]], start: int, end: int) -> str:
    days = next(iter(departments.values()))[start:end]
    heads = [t("scol.department")] + [str(d["date"])[5:] for d in days]
    rows = ["<tr>" + "".join(f"<th>{_e(h)}</th>" for h in heads) + "</tr>"]
    for name, series in departments.items():
        label = t("summary.no_department") if name == core.NO_DEPARTMENT else name
        rows.append(
            f'<tr><td class="text wrap">{_e(label)}</td>'
            + "".join(f"<td>{_e(percent(d['compliance']))}</td>" for d in series[start:end])
            + "</tr>"
        )
    return "<table>\n" + "\n".join(rows) + "\n</table>\n"


_TEXT_CLASS = {"name": "text wrap", "department": "text wrap", "health_code": "text words"}
"""Free text may wrap (a 50-character department ran the table off the page), a health
code with its flags between words; member numbers, masked numbers and values never do."""


def _abnormal(records: Iterable[dict[str, Any]], count: int) -> Iterator[str]:
    """Today's abnormal members as a table, written as the records come."""
    if not count:
        yield f"<h2>{_e(t('report.abnormal_none'))}</h2>\n"
        return
    heads = "".join(
        f"<th>{_e(t(f'mcol.{c}'))}</th>"
        if c == "nat_days"
        else f'<th class="text">{_e(t(f"mcol.{c}"))}</th>'
        for c in ABNORMAL_COLUMNS
    )
    yield f"<h2>{_e(t('report.abnormal_title', count=count))}</h2>\n<table>\n<tr>{heads}</tr>\n"
    for record in records:
        row = cells(record)
        yield (
            "<tr>"
            + "".join(
                f"<td>{_e(row[c])}</td>"
                if c == "nat_days"
                else f'<td class="{_TEXT_CLASS.get(c, "text")}">{_e(row[c])}</td>'
                for c in ABNORMAL_COLUMNS
            )
            + "</tr>\n"
        )
    yield "</table>\n"
