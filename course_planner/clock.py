"""Times of day as the course planner writes and reads them: seconds after 00:00 of a date,
'HH:MM' on screen and paper (hours may pass 24, GTFS style: 24:47 is 00:47 the next day)."""

from __future__ import annotations

import math
import re

_CLOCK = re.compile(r"^(\d{1,2}):([0-5]\d)$")


def clock_to_seconds(text: str) -> int:
    """'08:30' -> 30600. Hours may exceed 23 (GTFS style)."""
    match = _CLOCK.match(text.strip())
    if not match:
        raise ValueError(f"'{text}' is not a time of day; write it as HH:MM, e.g. 08:30")
    return int(match.group(1)) * 3600 + int(match.group(2)) * 60


def clock(seconds: float, *, up: bool = False) -> str:
    """Seconds after 00:00 of the course date -> 'HH:MM' (hours may pass 24), rounded down
    (or up with ``up=True``) to the minute."""
    minutes = math.ceil(seconds / 60) if up else math.floor(seconds / 60)
    sign = "-" if minutes < 0 else ""
    minutes = abs(minutes)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
