"""The course calendar: which dates the course meets."""

from __future__ import annotations

import datetime as dt

from course_planner.scenario import WEEKDAYS, Course


def course_dates(course: Course) -> list[dt.date]:
    """Every date from start to end (inclusive) that falls on one of the course weekdays."""
    wanted = {WEEKDAYS.index(d) for d in course.weekdays}
    days = (course.end_date - course.start_date).days + 1
    dates = (course.start_date + dt.timedelta(days=i) for i in range(days))
    return [d for d in dates if d.weekday() in wanted]
