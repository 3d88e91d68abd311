"""Per village and room, over the course dates: on how many dates no connection, and why.

Pure data (no Streamlit, no words): the app and other reports turn a :class:`VillageSummary`
into text with their catalogue („kein Bus an 4 von 24 Terminen: Schulferien“).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

import pandas as pd

from course_planner.calendar import school_holiday_dates, term_sessions
from course_planner.scenario import Course
from course_planner.transit.reachability import Study


@dataclass(frozen=True)
class VillageSummary:
    """One place × room over the course dates."""

    place: str
    site: str
    dates_total: int
    dates_unreachable: int
    reasons: tuple[tuple[str, int], ...]  # reason code and number of dates, most first
    school_holiday_dates: int  # unreachable dates that fall in school holidays

    @property
    def always(self) -> bool:
        return self.dates_unreachable == self.dates_total


def meeting_dates(course: Course) -> list[dt.date]:
    """The dates the course meets: the course calendar (holidays, closures, ``ue_total``),
    the same as the rotation plan uses."""
    sessions, _ = term_sessions(course)
    return sorted(set(sessions["date"]))


def meeting_days(study: Study) -> list[dt.date]:
    """The study's dates on which the course meets (holidays, closures and ``ue_total`` as
    in the plan): what the reach table, siting and every page use."""
    meets = set(meeting_dates(study.scenario.course))
    return [d for d in study.dates if d in meets]


def summarise(table: pd.DataFrame, course: Course) -> list[VillageSummary]:
    """Summaries for every place × room of ``table`` (the reachability table) on the
    course's meeting dates; places that are reachable on every date are left out."""
    dates = meeting_dates(course)
    wanted = {d.isoformat() for d in dates}
    rows = table[table["date"].isin(wanted)]
    holidays = {d.isoformat() for d in school_holiday_dates(course, dates)}
    out = []
    for (place, site), group in rows.groupby(["place", "site"], sort=False):
        bad = group[~group["reachable"]]
        if bad.empty:
            continue
        counts = Counter(bad["reason"])
        out.append(
            VillageSummary(
                place=str(place),
                site=str(site),
                dates_total=len(group),
                dates_unreachable=len(bad),
                reasons=tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))),
                school_holiday_dates=int(bad["date"].isin(holidays).sum()),
            )
        )
    return out
