"""Print views: HTML pages that the browser prints on A4 with nothing cut (fixed table layout
at the page width, long words wrapped, the table head repeated on every page).

Pure functions of their data and the page's words, so that a test can print them to PDF.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

STYLE = """@page {{ size: A4{orientation}; margin: 12mm; }}
body {{ font-family: 'Noto Sans', 'DejaVu Sans', sans-serif; font-size: 9pt; }}
table {{ border-collapse: collapse; width: 100%; table-layout: fixed; }}
th, td {{ border: 1px solid #999; padding: 2px 4px; overflow-wrap: anywhere; }}
th {{ background: #eee; text-align: left; }}
tr {{ page-break-inside: avoid; }} thead {{ display: table-header-group; }}
p.note {{ color: #555; }}"""


def print_page(
    title: str,
    head: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    lang: str = "de",
    landscape: bool = False,
    note: str = "",
    row_heads: bool = False,
) -> str:
    """One table as a printable page. ``row_heads``: the first cell of each row is a
    heading (a week, a place)."""

    def cells(row: Sequence[object]) -> str:
        out = []
        for i, value in enumerate(row):
            tag = "th" if row_heads and i == 0 else "td"
            out.append(f"<{tag}>{escape('' if value is None else str(value))}</{tag}>")
        return "".join(out)

    style = STYLE.format(orientation=" landscape" if landscape else "")
    header = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join(f"<tr>{cells(r)}</tr>" for r in rows)
    direction = ' dir="rtl"' if lang in {"ar", "fa"} else ""
    notes = f'<p class="note">{escape(note)}</p>' if note else ""
    return (
        f'<!doctype html><html lang="{escape(lang)}"{direction}><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{style}</style>"
        f"<h1>{escape(title)}</h1>{notes}"
        f"<table><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table></html>"
    )
