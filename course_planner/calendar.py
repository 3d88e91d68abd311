"""The course calendar: which dates the course meets, and the sessions of the term.

Public and school holidays come from the ``holidays`` package (its ``school`` category holds
the school holidays of the German Länder, e.g. NRW: Osterferien 2026-03-30 … 2026-04-11).
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Any

import holidays as holidays_lib
import pandas as pd

from course_planner.errors import ScenarioError, msg
from course_planner.scenario import WEEKDAYS, Course

SESSION_COLUMNS = ["session", "date", "weekday", "slot", "start_s", "end_s", "ue"]
WEEKDAY_DE = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")


def course_dates(course: Course) -> list[dt.date]:
    """Every date from start to end (inclusive) that falls on one of the course weekdays.

    Holidays are not removed here: the transit engine answers for every such date.
    """
    wanted = {WEEKDAYS.index(d) for d in course.weekdays}
    days = (course.end_date - course.start_date).days + 1
    dates = (course.start_date + dt.timedelta(days=i) for i in range(days))
    return [d for d in dates if d.weekday() in wanted]


@cache
def _holiday_table(
    country: str, subdivision: str | None, years: tuple[int, ...], category: str
) -> dict[dt.date, str]:
    try:
        table = holidays_lib.country_holidays(
            country, subdiv=subdivision, years=years, categories=(category,), language="de"
        )
    except (NotImplementedError, KeyError) as exc:
        raise ScenarioError(
            msg(
                "the holidays package knows no {category} holidays for "
                "{country}{subdivision} ({exc}).",
                category=category,
                country=country,
                subdivision="-" + subdivision if subdivision else "",
                exc=exc,
            ),
            field="course.holidays",
            hint=msg("Use a country code like DE and a Land like NW, or switch this off."),
        ) from None
    return dict(table.items())


def closed_days(course: Course) -> dict[dt.date, str]:
    """Dates on which the course does not meet, each with the reason in words."""
    years = tuple(range(course.start_date.year, course.end_date.year + 1))
    h = course.holidays
    closed: dict[dt.date, str] = {}
    if h.school:
        for day, name in _holiday_table(h.country, h.subdivision, years, "school").items():
            closed[day] = f"Schulferien: {name}"
    if h.public:
        for day, name in _holiday_table(h.country, h.subdivision, years, "public").items():
            closed[day] = f"Feiertag: {name}"
    for rng in course.closed:
        day = rng.start
        while day <= rng.last:
            closed[day] = rng.label or "geschlossen"
            day += dt.timedelta(days=1)
    return closed


def term_sessions(
    course: Course, source: str | Path | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The sessions of the term, and the course dates skipped with their reason.

    Sessions (columns :data:`SESSION_COLUMNS`) run in date and slot order; with
    ``ue_total`` the term stops once the units are reached (at the latest on end_date);
    a term that cannot reach them is a :class:`ScenarioError` naming ``source`` (the
    scenario file) and the numbers.
    """
    closed = closed_days(course)
    slots = course.slot_times
    rows: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    ue_done = 0
    for day in course_dates(course):
        if course.ue_total is not None and ue_done >= course.ue_total:
            break
        if day in closed:
            skipped.append({"date": day, "reason": closed[day]})
            continue
        for k, (start, end) in enumerate(slots, start=1):
            ue = course.ue_per_session or (end - start) // (course.ue_minutes * 60)
            if course.ue_total is not None:
                ue = min(ue, course.ue_total - ue_done)
                if ue <= 0:
                    break
            ue_done += ue
            rows.append(
                {
                    "session": len(rows),
                    "date": day,
                    "weekday": WEEKDAY_DE[day.weekday()],
                    "slot": k,
                    "start_s": start,
                    "end_s": end,
                    "ue": ue,
                }
            )
    if course.ue_total is not None and rows and ue_done < course.ue_total:
        _short_term(course, rows, skipped, ue_done, source)
    sessions = pd.DataFrame(rows, columns=SESSION_COLUMNS)
    return sessions, pd.DataFrame(skipped, columns=["date", "reason"])


def _short_term(
    course: Course, rows: list[dict], skipped: list[dict], ue_done: int, source: str | Path | None
) -> None:
    """Raise: the term cannot deliver ``ue_total`` (with the numbers, so the fix is clear)."""
    days = len({r["date"] for r in rows})
    per_day = sum(r["ue"] for r in rows) / max(days, 1)
    closed = f", {len(skipped)} course date(s) skipped for holidays and closures" if skipped else ""
    raise ScenarioError(
        msg(
            (
                "ue_total is {ue_total} UE, but from {start_date} to "
                "{end_date} on {weekdays} the term has only {days} course "
                "day(s) × {per_day:g} UE = {ue_done} UE{closed}."
            ),
            ue_total=course.ue_total,
            start_date=course.start_date,
            end_date=course.end_date,
            weekdays=", ".join(course.weekdays),
            days=days,
            per_day=per_day,
            ue_done=ue_done,
            closed=closed,
        ),
        file=source,
        field="course.ue_total",
        hint=msg("Move end_date later, add weekdays or sessions, or lower ue_total."),
    )


def school_holiday_dates(course: Course, dates: list[dt.date]) -> set[dt.date]:
    """The ``dates`` that fall in school holidays (buses run their holiday timetable);
    empty where no school holidays are known for the country."""
    if not dates:
        return set()
    h = course.holidays
    years = tuple(range(min(dates).year, max(dates).year + 1))
    try:
        table = _holiday_table(h.country, h.subdivision, years, "school")
    except ValueError:  # no school holidays known for this country: say nothing about them
        return set()
    return set(table) & set(dates)
