"""A journey and its legs: what the router finds and every renderer shows (table, app,
handout, calendar). Plain data, cheap to import (no numba, no feed), so pages and the
handout workers can use it without loading the engine."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from course_planner.transit.booking import BookingNotice

__all__ = ["BookingNotice", "Journey", "Leg", "Mode", "Summary"]


class Mode(enum.Enum):
    """How a leg is travelled. Every renderer (table, app, handout, calendar) shows each."""

    WALK = "walk"
    RIDE = "ride"  # a scheduled trip that runs without booking
    BOOKED_RIDE = "booked_ride"  # a scheduled trip that runs only when booked (AST, ALF, Rufbus)
    ZONE_RIDE = "zone_ride"  # an on-demand ride inside a zone (GTFS-Flex zone or scenario)

    @property
    def is_ride(self) -> bool:
        return self is not Mode.WALK

    @property
    def must_book(self) -> bool:
        return self in (Mode.BOOKED_RIDE, Mode.ZONE_RIDE)


@dataclass(frozen=True)
class Leg:
    """One part of a journey."""

    mode: Mode
    from_name: str
    to_name: str
    depart: float
    arrive: float
    from_stop_id: str | None = None
    to_stop_id: str | None = None
    route: str | None = None
    headsign: str | None = None
    trip_id: str | None = None
    booking: BookingNotice | None = None  # set exactly when ``mode.must_book``


@dataclass(frozen=True)
class Journey:
    legs: tuple[Leg, ...]

    @property
    def depart(self) -> float:
        return self.legs[0].depart

    @property
    def arrive(self) -> float:
        return self.legs[-1].arrive

    @property
    def rides(self) -> int:
        return sum(1 for leg in self.legs if leg.mode.is_ride)

    @property
    def bookings(self) -> tuple[BookingNotice, ...]:
        """What must be booked for this journey, in the order of its legs."""
        return tuple(leg.booking for leg in self.legs if leg.booking is not None)

    @property
    def must_book(self) -> bool:
        return any(leg.mode.must_book for leg in self.legs)

    @property
    def transfers(self) -> int:
        return max(self.rides - 1, 0)


@dataclass(frozen=True)
class Summary:
    """A journey without its legs: arrival at the end and number of rides."""

    arrive: float
    rides: int
