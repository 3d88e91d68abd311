"""Rides that must be booked: how far ahead, by when, and where to call.

One :class:`BookingRule` describes GTFS-Flex's ``booking_rules.txt`` row and the booking rules
a scenario gives for an on-demand service the feed lacks (Rufbus, Anruf-Sammel-Taxi, zone
services). :func:`booking_deadline` turns a rule and the moment a ride starts into the last
moment to book it, which the reachability table, the handouts and the calendars print.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass


class BookingType(enum.IntEnum):
    """GTFS ``booking_type``."""

    REAL_TIME = 0  # book any time up to the ride (an app or a phone call on the spot)
    SAME_DAY = 1  # at least ``minutes_ahead`` minutes before the ride
    PRIOR_DAYS = 2  # by ``last_time`` on the day ``days_before`` days before the ride


@dataclass(frozen=True)
class BookingRule:
    """When and how a ride must be booked.

    ``minutes_ahead``: for same-day booking, the least notice in minutes.
    ``days_before``/``last_time``: for prior-day booking, the latest day (days before the
    service date) and the latest time on that day (seconds after midnight).
    ``early_before``: rides starting before this time of day (seconds) follow
    ``early_rule`` instead — Lippe's AST: 60 minutes ahead, but by 22:00 the day before for
    rides before 08:00.
    """

    booking_type: BookingType
    minutes_ahead: int | None = None
    days_before: int | None = None
    last_time: int | None = None
    phone: str | None = None
    message: str | None = None
    url: str | None = None
    early_before: int | None = None
    early_rule: BookingRule | None = None

    def __post_init__(self) -> None:
        if self.booking_type is BookingType.SAME_DAY and self.minutes_ahead is None:
            raise ValueError("same-day booking needs minutes_ahead")
        if self.booking_type is BookingType.PRIOR_DAYS and (
            self.days_before is None or self.last_time is None
        ):
            raise ValueError("prior-day booking needs days_before and last_time")
        if (self.early_before is None) != (self.early_rule is None):
            raise ValueError("early_before and early_rule go together")

    def rule_for(self, start_s: float) -> BookingRule:
        """The rule that applies to a ride starting at ``start_s`` (seconds of its day)."""
        if (
            self.early_rule is not None
            and self.early_before is not None
            and start_s < self.early_before
        ):
            return self.early_rule
        return self


def booking_deadline(rule: BookingRule, service_date: dt.date, start_s: float) -> dt.datetime:
    """The last moment to book a ride of ``service_date`` that starts ``start_s`` seconds
    after its midnight (may exceed 24 h, GTFS style). Real-time booking: the start itself."""
    rule = rule.rule_for(start_s)
    start = dt.datetime.combine(service_date, dt.time()) + dt.timedelta(seconds=start_s)
    if rule.booking_type is BookingType.REAL_TIME:
        return start
    if rule.booking_type is BookingType.SAME_DAY:
        assert rule.minutes_ahead is not None
        return start - dt.timedelta(minutes=rule.minutes_ahead)
    assert rule.days_before is not None and rule.last_time is not None
    day = service_date - dt.timedelta(days=rule.days_before)
    return dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=rule.last_time)


@dataclass(frozen=True)
class BookingNotice:
    """What a participant or planner must do for one booked leg: call ``phone`` (or use
    ``url``) by ``deadline`` (local time) for the ride of ``service`` that starts at
    ``ride_start``. ``phone`` is None when neither feed nor scenario gives one (German
    feeds rarely do), ``deadline`` None when nobody says how the service is booked:
    renderers then point to the organiser's contact."""

    service: str
    ride_start: dt.datetime
    deadline: dt.datetime | None
    phone: str | None = None
    url: str | None = None
    message: str | None = None
    illustrative: bool = False  # the service is an example, not a real one (say so)


def booking_notice(
    rule: BookingRule, service: str, service_date: dt.date, start_s: float
) -> BookingNotice:
    """The notice for a ride of ``service`` on ``service_date`` starting ``start_s`` seconds
    after its midnight, following ``rule``."""
    start = dt.datetime.combine(service_date, dt.time()) + dt.timedelta(seconds=start_s)
    return BookingNotice(
        service=service,
        ride_start=start,
        deadline=booking_deadline(rule, service_date, start_s),
        phone=rule.phone,
        url=rule.url,
        message=rule.message,
    )
