"""The connections that run on one course date, in scan order.

For course date D: trips of service date D with their times as they are, and trips of service
date D−1 with their times from 24:00 on, moved back by a day (a hop at 25:10 on D−1 runs at
01:10 on D). Trips of D+1 are not used. Times are seconds after 00:00 of D.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from course_planner.transit.feed import Feed

DAY = 86_400


@dataclass(frozen=True, eq=False)
class Timetable:
    """The connections of one date as plain lists, in forward and in backward scan order.

    ``forward``: by departure, then arrival, then position in the trip.
    ``backward``: by arrival descending, then departure descending, then position descending.
    Each order is a tuple of lists (trip, dep_stop, arr_stop, dep, arr, board_ok, alight_ok).
    """

    date: dt.date
    has_service: bool
    n_trips: int
    n_stops: int
    n_connections: int
    forward: tuple[list, ...] = field(repr=False)
    backward: tuple[list, ...] = field(repr=False)
    forward_dep: np.ndarray = field(repr=False)  # departures in forward order (for bisect)
    backward_arr: np.ndarray = field(repr=False)  # negated arrivals in backward order


def service_signature(feed: Feed, date: dt.date) -> tuple[frozenset[int], frozenset[int]]:
    """Dates with the same signature have the same timetable."""
    return feed.active_services(date), feed.active_services(date - dt.timedelta(days=1))


def timetable_for(feed: Feed, date: dt.date) -> Timetable:
    """The connections running on ``date`` (see the module docstring)."""
    today, yesterday = service_signature(feed, date)
    c = feed.connections
    service = feed.trip_service[c.trip]
    on_today = np.isin(service, list(today)) if today else np.zeros(len(c), dtype=bool)
    on_yesterday = (np.isin(service, list(yesterday)) & (c.dep >= DAY)
                    if yesterday else np.zeros(len(c), dtype=bool))
    dep = np.concatenate([c.dep[on_today], c.dep[on_yesterday] - DAY])
    arr = np.concatenate([c.arr[on_today], c.arr[on_yesterday] - DAY])
    # A trip of D−1 and the same trip of D are different vehicles: give D−1 runs their
    # own trip numbers after the real ones.
    trip = np.concatenate([c.trip[on_today], c.trip[on_yesterday] + len(feed.trips)])
    cols = [trip,
            np.concatenate([c.dep_stop[on_today], c.dep_stop[on_yesterday]]),
            np.concatenate([c.arr_stop[on_today], c.arr_stop[on_yesterday]]),
            dep, arr,
            np.concatenate([c.board_ok[on_today], c.board_ok[on_yesterday]]),
            np.concatenate([c.alight_ok[on_today], c.alight_ok[on_yesterday]])]
    seq = np.concatenate([c.seq[on_today], c.seq[on_yesterday]])
    fwd = np.lexsort((seq, arr, dep))
    bwd = np.lexsort((-seq, -dep, -arr))
    return Timetable(
        date=date,
        has_service=bool(on_today.any()),
        n_trips=2 * len(feed.trips),
        n_stops=len(feed.stops),
        n_connections=len(dep),
        forward=tuple(col[fwd].tolist() for col in cols),
        backward=tuple(col[bwd].tolist() for col in cols),
        forward_dep=dep[fwd],
        backward_arr=-arr[bwd],
    )
