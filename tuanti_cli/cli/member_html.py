"""A member's own copy as one self-contained HTML page (PRODUCT §9): inline CSS, no script,
unmasked by design; written only to a 0600 file by ``member copy``."""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Sequence
from typing import Any

from tuanti_cli import clock
from tuanti_cli.cli.html_text import isolating
from tuanti_cli.i18n import language, t

_CSS = """
body { font-family: "Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei",
  "PingFang SC", sans-serif; color: #1f2328; margin: 2rem auto; max-width: 52rem;
  padding: 0 1rem; line-height: 1.5; }
h1 { font-size: 1.5rem; margin-bottom: 0.25rem; }
h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #d0d7de; }
p.note { color: #57606a; margin-top: 0; }
p.private { background: #fff8c5; border: 1px solid #d4a72c; padding: 0.5rem 0.75rem; }
table { border-collapse: collapse; width: 100%; font-size: 0.95rem; }
th, td { border: 1px solid #d0d7de; padding: 0.35rem 0.6rem; text-align: left;
  vertical-align: top; overflow: hidden; unicode-bidi: plaintext; }
th { background: #f6f8fa; font-weight: 600; }
table.details th { width: 12rem; }
.when { white-space: nowrap; }
p.times { color: #57606a; font-size: 0.85rem; }
td.code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; word-break: break-all; }
.green { color: #1a7f37; font-weight: 600; } .yellow { color: #9a6700; font-weight: 600; }
.red, .popup { color: #cf222e; font-weight: 600; } .unknown { color: #57606a; }
"""


def _cell(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return t("copy.yes") if value else t("copy.no")
    if isinstance(value, list):
        return html.escape(", ".join(str(v) for v in value))
    return html.escape(str(value))


def _when(value: Any) -> str:
    """A stored ISO 8601 time as people read it (Beijing time, to the minute)."""
    if not isinstance(value, str):
        return _cell(value)
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return _cell(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(clock.SHANGHAI)
    return f'<span class="when">{moment:%Y-%m-%d %H:%M}</span>'


def _date(value: Any) -> str:
    if value is None:
        return "—"
    return f'<span class="when">{html.escape(str(value))}</span>'


def _label(prefix: str, value: Any) -> str:
    """An enum value in the reader's language (the stored value when it has no label)."""
    if value is None:
        return "—"
    key = f"{prefix}.{value}"
    text = t(key)
    return html.escape(str(value) if text == key else text)


def _state_cells(state: dict[str, Any]) -> list[str]:
    code = str(state["health_code"])
    return [
        _when(state["compared_at"]),
        f'<span class="{html.escape(code)}">{_label("code", code)}</span>',
        _when(state["nat_sampled_at"]),
        _label("nat", state["nat_result"]),
        _label("vaccine", state["vaccination"]),
        _cell(state["vaccine_doses"]),
        _date(state["last_dose_date"]),
        ", ".join(_label("flag", f) for f in state["flags"]) or "—",
        _cell(state["abnormal"]),
    ]


_TIMES = frozenset({"copy.enrolled_at", "copy.updated_at", "copy.consent_at"})
_STATE_HEADERS = (
    "copy.compared_at",
    "copy.health_code",
    "copy.nat_sampled_at",
    "copy.nat_result",
    "copy.vaccination",
    "copy.vaccine_doses",
    "copy.last_dose_date",
    "copy.flags",
    "copy.abnormal",
)


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], empty: str) -> str:
    if not rows:
        return f'<p class="note">{html.escape(empty)}</p>'
    head = "".join(f"<th>{html.escape(t(h))}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(copy: dict[str, Any]) -> str:
    """The copy as one self-contained page in the current language: inline CSS, no script,
    nothing loaded from elsewhere; every stored value escaped."""
    member, roster, consent = copy["member"], copy["roster"], copy["member"]["consent"]
    details = [
        ("copy.member_no", member["member_no"], False),
        ("copy.name", member["name"], False),
        ("copy.id_number", member["id_number"], True),
        ("copy.phone", member["phone"], True),
        ("copy.department", member["department"], False),
        ("copy.enrolled_at", member["enrolled_at"], False),
        ("copy.updated_at", member["updated_at"], False),
        ("copy.consent_at", consent["at"], False),
        ("copy.consent_code", consent["code"], True),
        ("copy.consent_channel", _channel(consent["channel"]), False),
    ]
    detail_rows = "".join(
        f"<tr><th>{html.escape(t(key))}</th><td{' class=code' if code else ''}>"
        f"{_when(value) if key in _TIMES else _cell(value)}</td></tr>"
        for key, value, code in details
    )
    health = copy["health"]
    current = (
        _table(_STATE_HEADERS, [_state_cells(health)], "")
        if health is not None
        else f'<p class="note">{html.escape(t("copy.no_health"))}</p>'
    )
    history = _table(
        _STATE_HEADERS, [_state_cells(s) for s in copy["history"]], t("copy.no_history")
    )
    entries = _table(
        ("copy.audit_at", "copy.audit_action", "copy.audit_admin", "copy.audit_detail"),
        [
            [
                _when(e["at"]),
                _label("copy.action", e["action"]),
                _cell(e["admin"] or e["user"]),
                _cell(json.dumps(e["detail"], ensure_ascii=False, sort_keys=True)),
            ]
            for e in copy["audit"]
        ],
        t("copy.no_audit"),
    )
    others = copy["other_rosters"]
    elsewhere = (
        f"<h2>{html.escape(t('copy.h_elsewhere'))}</h2>\n"
        f'<p class="note">{html.escape(t("copy.elsewhere_note"))}</p>\n'
        + _table(
            ("copy.roster_name", "copy.roster_id", "copy.member_no"),
            [[_cell(o["name"]), _cell(o["roster_id"]), _cell(o["member_no"])] for o in others],
            "",
        )
        + "\n"
        if others
        else ""
    )
    title = t("copy.title", name=member["name"])
    made_at = dt.datetime.fromisoformat(copy["made_at"]).astimezone(clock.SHANGHAI)
    made = isolating(
        "copy.made",
        html.escape,
        {"roster": roster["name"], "address": roster["address"]},
        roster_id=roster["roster_id"],
        at=f"{made_at:%Y-%m-%d %H:%M}",
    )
    lang = "zh-CN" if language() == "zh" else "en"
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"<h1>{isolating('copy.title', html.escape, {'name': member['name']})}</h1>\n"
        f'<p class="note">{made}</p>\n'
        f'<p class="private">{html.escape(t("copy.private"))}</p>\n'
        f"<h2>{html.escape(t('copy.h_details'))}</h2>\n"
        f'<table class="details"><tbody>{detail_rows}</tbody></table>\n'
        f"<h2>{html.escape(t('copy.h_health'))}</h2>\n{current}\n"
        f"<h2>{html.escape(t('copy.h_history'))}</h2>\n{history}\n"
        f"{elsewhere}"
        f"<h2>{html.escape(t('copy.h_audit'))}</h2>\n"
        f'<p class="note">{html.escape(t("copy.audit_note"))}</p>\n{entries}\n'
        f'<p class="times">{html.escape(t("copy.times"))}</p>\n'
        "</body>\n</html>\n"
    )


def _channel(channel: Any) -> str:
    key = f"copy.channel.{channel}"
    text = t(key)
    return str(channel) if text == key else text
