"""Office tables: XLSX, and CSV as German Excel/LibreOffice expect it (`;`, UTF-8 with BOM,
decimal comma). Text that a spreadsheet would run as a formula is neutralised."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from course_planner.errors import Text, msg, render

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """A text cell beginning with = + - @ (or tab, CR) gets a leading apostrophe (OWASP),
    so that a spreadsheet shows it instead of running it. Numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def guard_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with :func:`neutralise` applied to every text cell and header."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(neutralise)
    safe.columns = [neutralise(str(c)) for c in safe.columns]
    if safe.index.name is not None:
        safe.index = safe.index.map(neutralise)
        safe.index.name = neutralise(str(safe.index.name))
    return safe


def german_csv(frame: pd.DataFrame) -> bytes:
    """CSV for German Excel/LibreOffice: `;` separator, UTF-8 with BOM, decimal comma."""
    return guard_frame(frame).to_csv(sep=";", decimal=",", index=False).encode("utf-8-sig")


ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
CLOCK = re.compile(r"^(\d{2}):(\d{2})$")


def _cell(value: Any) -> Any:
    """A spreadsheet value: dates as dates, 'HH:MM' clock times as durations since midnight
    (hours may pass 24 in timetables), numpy scalars as Python numbers, missing as empty."""
    if not isinstance(value, str) and pd.isna(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, str):
        if ISO_DATE.match(value):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                return value
        if m := CLOCK.match(value):
            return dt.timedelta(hours=int(m[1]), minutes=int(m[2]))
    return value


def xlsx(sheets: dict[str, pd.DataFrame]) -> bytes:
    """An XLSX workbook, one sheet per table. Dates and times are real spreadsheet dates and
    times (formatted DD.MM.YYYY and [h]:mm); text is stored as text (never as a formula)."""
    wb = Workbook()
    wb.remove(wb.active)
    for title, frame in sheets.items():
        ws = wb.create_sheet(title=title[:31])
        ws.append([str(c) for c in frame.columns])
        for row in frame.itertuples(index=False):
            ws.append([_cell(v) for v in row])
        for row in ws.iter_rows(min_row=1):
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # '=HYPERLINK(…)' stays a string
                elif isinstance(cell.value, dt.datetime):
                    cell.number_format = "DD.MM.YYYY HH:MM"
                elif isinstance(cell.value, dt.date):
                    cell.number_format = "DD.MM.YYYY"
                elif isinstance(cell.value, dt.timedelta):
                    cell.number_format = "[h]:mm"
        for i, column in enumerate(frame.columns, start=1):
            width = max([len(str(column))] + [len(str(v)) for v in frame[column].head(200)])
            ws.column_dimensions[get_column_letter(i)].width = min(width + 2, 60)
        ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def office_sheets(
    reach: pd.DataFrame, plan: pd.DataFrame | None = None, source: Text | None = None
) -> dict[str, tuple[Text, pd.DataFrame]]:
    """The tables for the course office: file name (without .csv; fixed, scripts and mail
    rely on it) → (sheet title in the reader's language, table); ``source``: where the
    timetable comes from (a sheet of its own, so that it travels with the tables)."""
    sheets: dict[str, tuple[Text, pd.DataFrame]] = {}
    if plan is not None:
        sheets["plan"] = (msg("Plan"), plan)
    sheets["erreichbarkeit"] = (msg("Reachability"), reach)
    sheets["nicht-erreichbar"] = (msg("Not reachable"), reach[~reach["reachable"]])
    if source is not None:
        sheets["quelle"] = (msg("Source"), pd.DataFrame({render(msg("source")): [render(source)]}))
    return sheets
