"""Who can come: the place × room × course date table, with a reason for every row."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TypeVar

import numpy as np
import pandas as pd

from course_planner.calendar import course_dates
from course_planner.clock import clock
from course_planner.errors import FeedError, msg
from course_planner.places import load_places, stops_as_places
from course_planner.scenario import Scenario
from course_planner.transit.feed import Feed, load_feed
from course_planner.transit.router import (
    ArriveByResult,
    Journey,
    LeaveAtResult,
    Network,
    ScanResult,
    earliest_arrivals,
    latest_departures,
)
from course_planner.transit.timetable import Timetable, service_signature, timetable_for
from course_planner.transit.walking import build_walks

ScanT = TypeVar("ScanT", bound=ScanResult)

REACH_COLUMNS = [
    "place",
    "site",
    "date",
    "depart_home",
    "arrive_site",
    "outbound_min",
    "outbound_transfers",
    "leave_site",
    "arrive_home",
    "return_min",
    "return_transfers",
    "reachable",
    "reason",
]
REASONS = (
    "ok",
    "no_stop_nearby",
    "no_service",
    "no_outbound",
    "outbound_too_long",
    "no_return",
    "return_too_long",
)


@dataclass(eq=False)
class Study:
    """A scenario with its feed, places, rooms and walks loaded: the input of every table.

    Scans are cached per room, service signature, time and horizon, so dates that share a
    timetable (every Monday of a term, say) are computed once.
    """

    scenario: Scenario
    feed: Feed
    places: pd.DataFrame
    sites: pd.DataFrame
    network: Network
    dates: list[dt.date]
    _timetables: dict = field(default_factory=dict, repr=False)
    _scans: dict = field(default_factory=dict, repr=False)

    def timetable(self, date: dt.date) -> Timetable:
        key = service_signature(self.feed, date)
        if key not in self._timetables:
            self._timetables[key] = timetable_for(self.feed, date)
        return self._timetables[key]

    def arrive_by(
        self, site: int, date: dt.date, arrive_by: float, not_before: float = -math.inf
    ) -> ArriveByResult:
        """The backward scan to ``site`` (journeys leaving at ``not_before`` or later)."""
        key = ("in", site, service_signature(self.feed, date), arrive_by, not_before)
        if key not in self._scans:
            self._scans[key] = latest_departures(
                self.network, self.timetable(date), site, arrive_by, not_before
            )
        return self._scans[key]

    def leave_at(
        self, site: int, date: dt.date, leave_at: float, not_after: float = math.inf
    ) -> LeaveAtResult:
        """The forward scan from ``site`` (journeys arriving at ``not_after`` or earlier)."""
        key = ("out", site, service_signature(self.feed, date), leave_at, not_after)
        if key not in self._scans:
            self._scans[key] = earliest_arrivals(
                self.network, self.timetable(date), site, leave_at, not_after
            )
        return self._scans[key]

    def site_index(self, name: str) -> int:
        return self.network.site_names.index(name)

    def place_index(self, name: str) -> int:
        return self.network.place_names.index(name)


def prepare(
    scenario: Scenario, feed: Feed | None = None, places: pd.DataFrame | None = None
) -> Study:
    """Load what a scenario names and build the walks; checks the dates against the feed.

    ``places`` (columns name, lat, lon, participants, stop_id) replaces the scenario's.
    """
    feed = feed if feed is not None else load_feed(scenario.feed, scenario.limits.archive_limits())
    dates = course_dates(scenario.course)
    if not dates:
        raise FeedError(
            msg("the course has no date: no course weekday lies between start_date and end_date."),
            file=str(scenario.source_file or "scenario"),
            field="course",
        )
    feed.check_dates(dates)
    if places is not None:
        pass
    elif scenario.uses_all_stops:
        places = stops_as_places(feed.stations, scenario.places_area)
    else:
        places = load_places(scenario.places, scenario.participants)
    sites = pd.DataFrame([s.model_dump() for s in scenario.sites])
    transfers = None
    if scenario.travel.use_feed_transfers:
        transfers = feed.feed_transfers()
        if transfers is None:  # asked for, but the feed has none: no stop-to-stop walks
            transfers = pd.DataFrame(columns=["from_stop_id", "to_stop_id", "transfer_type"])
    walks = build_walks(places, sites, feed.stops, scenario.travel, transfers)
    network = Network(
        feed,
        walks,
        tuple(places["name"]),
        tuple(sites["name"]),
        scenario.travel.min_change_min * 60,
    )
    return Study(scenario, feed, places, sites, network, dates)


def journeys(
    study: Study,
    place: str,
    site: str,
    date: dt.date,
    start_s: int | None = None,
    end_s: int | None = None,
) -> tuple[Journey | None, Journey | None]:
    """The outbound and the return journey of one place, room and date (legs included)."""
    course, travel = study.scenario.course, study.scenario.travel
    start = course.start_s if start_s is None else start_s
    end = course.end_s if end_s is None else end_s
    p, k = study.place_index(place), study.site_index(site)
    there = study.arrive_by(k, date, start - travel.arrive_before_min * 60).journey(p)
    back = study.leave_at(k, date, end + travel.leave_after_min * 60).journey(p)
    return there, back


def reachability_table(
    study: Study,
    start_s: int | None = None,
    end_s: int | None = None,
    dates: list[dt.date] | None = None,
    max_travel_min: float | None = None,
) -> pd.DataFrame:
    """The place × room × date table (columns :data:`REACH_COLUMNS`).

    ``start_s``/``end_s`` override the course times (seconds after midnight),
    ``max_travel_min`` the travel limit; ``dates`` defaults to the course dates.
    """
    course, travel = study.scenario.course, study.scenario.travel
    start = course.start_s if start_s is None else start_s
    end = course.end_s if end_s is None else end_s
    limit = (travel.max_travel_min if max_travel_min is None else max_travel_min) * 60
    arrive_by = start - travel.arrive_before_min * 60
    leave_at = end + travel.leave_after_min * 60
    dates = study.dates if dates is None else dates
    places = list(study.network.place_names)
    sites = list(study.network.site_names)
    n_places, n_sites, n_dates = len(places), len(sites), len(dates)
    walks = study.network.walks
    has_stop = np.zeros(n_places, dtype=bool)
    has_stop[walks.place_stops["place"].unique()] = True

    # one block of per-place answers per room and distinct timetable
    signature_of: dict[bytes, int] = {}
    date_block = np.empty(n_dates, dtype=np.int64)
    first_date: list[dt.date] = []
    for j, date in enumerate(dates):
        sig = service_signature(study.feed, date)
        if sig not in signature_of:
            signature_of[sig] = len(first_date)
            first_date.append(date)
        date_block[j] = signature_of[sig]
    n_blocks = len(first_date)
    shape = (n_sites, n_blocks, n_places)
    depart, arrive_site = np.full(shape, -math.inf), np.full(shape, math.inf)
    home = np.full(shape, math.inf)
    rides_out, rides_back = np.full(shape, -1), np.full(shape, -1)
    service = np.zeros((n_blocks, 1), dtype=bool)
    direct = np.zeros((n_sites, 1, n_places), dtype=bool)
    for k in range(n_sites):
        direct[k, 0, walks.place_site.loc[walks.place_site["site"] == k, "place"].unique()] = True
        # once a room's horizon scan fell short, its other dates scan the whole day at once
        # (the answers are the same either way; this only saves the scan that would not do)
        short = {"in": False, "out": False}
        for b, date in enumerate(first_date):
            service[b, 0] = study.timetable(date).has_service
            inbound = _within(
                partial(study.arrive_by, k, date, arrive_by),
                start - limit,
                -math.inf,
                has_stop,
                short,
                "in",
            )
            outbound = _within(
                partial(study.leave_at, k, date, leave_at),
                end + limit,
                math.inf,
                has_stop,
                short,
                "out",
            )
            depart[k, b], arrive_site[k, b] = inbound.place_depart, inbound.place_arrive_site
            rides_out[k, b] = inbound.place_rides
            home[k, b], rides_back[k, b] = outbound.place_arrive, outbound.place_rides

    has_out, has_back = rides_out >= 0, rides_back >= 0
    out_ok = has_out & (start - depart <= limit)
    back_ok = has_back & (home - end <= limit)
    no_service = ~service[None, :, :] & ~direct
    reason = np.select(
        [
            out_ok & back_ok,
            no_service,
            ~has_stop[None, None, :] & ~direct,
            ~has_out,
            ~out_ok,
            ~has_back,
        ],
        ["ok", "no_service", "no_stop_nearby", "no_outbound", "outbound_too_long", "no_return"],
        "return_too_long",
    ).astype(object)
    with np.errstate(invalid="ignore"):
        outbound_min = np.floor((start - depart) / 60)
        return_min = np.ceil((home - end) / 60)

    def rows(values: np.ndarray) -> np.ndarray:
        """(room, block, place) -> one value per row in place, room, date order."""
        return values[:, date_block, :].transpose(2, 0, 1).reshape(-1)

    def counts(values: np.ndarray, present: np.ndarray) -> pd.arrays.IntegerArray:
        v = rows(np.where(present, values, 0)).astype(np.int64)
        return pd.arrays.IntegerArray(v, ~rows(present))

    table = pd.DataFrame(
        {
            "place": np.repeat(np.array(places, dtype=object), n_sites * n_dates),
            "site": np.tile(np.repeat(np.array(sites, dtype=object), n_dates), n_places),
            "date": np.tile(
                np.array([d.isoformat() for d in dates], dtype=object), n_places * n_sites
            ),
            "depart_home": rows(_clocks(depart, has_out)),
            "arrive_site": rows(_clocks(arrive_site, has_out, up=True)),
            "outbound_min": counts(outbound_min, has_out),
            "outbound_transfers": counts(np.maximum(rides_out - 1, 0), has_out),
            "leave_site": clock(leave_at),
            "arrive_home": rows(_clocks(home, has_back, up=True)),
            "return_min": counts(return_min, has_back),
            "return_transfers": counts(np.maximum(rides_back - 1, 0), has_back),
            "reachable": rows(out_ok & back_ok),
            "reason": rows(reason),
        }
    )
    return table[REACH_COLUMNS]


def _within(
    scan: Callable[[float], ScanT],
    horizon: float,
    unbounded: float,
    has_stop: np.ndarray,
    short: dict[str, bool],
    direction: str,
) -> ScanT:
    """The scan within the travel limit's horizon; the whole day only where a place with a
    stop has no journey inside it (to tell "too long" from "none at all"), or at once when
    ``short[direction]`` says the horizon fell short before."""
    if short[direction]:
        return scan(unbounded)
    result = scan(horizon)
    if ((result.place_rides < 0) & has_stop).any():
        short[direction] = True
        result = scan(unbounded)
    return result


def _clocks(seconds: np.ndarray, present: np.ndarray, *, up: bool = False) -> np.ndarray:
    """:func:`clock` over an array (None where ``present`` is False)."""
    out = np.full(seconds.shape, None, dtype=object)
    if present.any():
        values = seconds[present]
        minutes = np.ceil(values / 60) if up else np.floor(values / 60)
        uniques, inverse = np.unique(minutes, return_inverse=True)
        text = np.array([clock(m * 60) for m in uniques.tolist()], dtype=object)
        out[present] = text[inverse.reshape(-1)]
    return out
