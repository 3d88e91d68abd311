"""Who can come: the place × room × course date table, with a reason for every row."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from course_planner.calendar import course_dates
from course_planner.errors import FeedError
from course_planner.places import load_places, stops_as_places
from course_planner.scenario import Scenario
from course_planner.transit.feed import Feed, load_feed
from course_planner.transit.router import (
    ArriveBy,
    Journey,
    LeaveAt,
    Network,
    earliest_arrivals,
    latest_departures,
)
from course_planner.transit.timetable import Timetable, service_signature, timetable_for
from course_planner.transit.walking import build_walks

REACH_COLUMNS = [
    "place", "site", "date", "depart_home", "arrive_site", "outbound_min",
    "outbound_transfers", "leave_site", "arrive_home", "return_min", "return_transfers",
    "reachable", "reason",
]
REASONS = ("ok", "no_stop_nearby", "no_service", "outbound_too_long", "no_return",
           "return_too_long")


def clock(seconds: float, *, up: bool = False) -> str:
    """Seconds after 00:00 of the course date -> 'HH:MM' (hours may pass 24), rounded down
    (or up with ``up=True``) to the minute."""
    minutes = math.ceil(seconds / 60) if up else math.floor(seconds / 60)
    sign = "-" if minutes < 0 else ""
    minutes = abs(minutes)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(eq=False)
class Study:
    """A scenario with its feed, places, rooms and walks loaded: the input of every table.

    Scans are cached per room, service signature and time, so dates that share a timetable
    (every Monday of a term, say) are computed once.
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

    def arrive_by(self, site: int, date: dt.date, arrive_by: float) -> ArriveBy:
        key = ("in", site, service_signature(self.feed, date), arrive_by)
        if key not in self._scans:
            self._scans[key] = latest_departures(self.network, self.timetable(date), site,
                                                 arrive_by)
        return self._scans[key]

    def leave_at(self, site: int, date: dt.date, leave_at: float) -> LeaveAt:
        key = ("out", site, service_signature(self.feed, date), leave_at)
        if key not in self._scans:
            self._scans[key] = earliest_arrivals(self.network, self.timetable(date), site,
                                                 leave_at)
        return self._scans[key]

    def site_index(self, name: str) -> int:
        return self.network.site_names.index(name)

    def place_index(self, name: str) -> int:
        return self.network.place_names.index(name)


def prepare(scenario: Scenario, feed: Feed | None = None,
            places: pd.DataFrame | None = None) -> Study:
    """Load what a scenario names and build the walks; checks the dates against the feed.

    ``places`` (columns name, lat, lon, participants, stop_id) replaces the scenario's.
    """
    feed = feed if feed is not None else load_feed(scenario.feed,
                                                    scenario.limits.archive_limits())
    dates = course_dates(scenario.course)
    if not dates:
        raise FeedError("the course has no date: no course weekday lies between start_date "
                        "and end_date.", file=str(scenario.source_file or "scenario"),
                        field="course")
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
    network = Network(feed, walks, tuple(places["name"]), tuple(sites["name"]),
                      scenario.travel.min_change_min * 60)
    return Study(scenario, feed, places, sites, network, dates)


def journeys(study: Study, place: str, site: str, date: dt.date,
             start_s: int | None = None, end_s: int | None = None
             ) -> tuple[Journey | None, Journey | None]:
    """The outbound and the return journey of one place, room and date (legs included)."""
    course, travel = study.scenario.course, study.scenario.travel
    start = course.start_s if start_s is None else start_s
    end = course.end_s if end_s is None else end_s
    p, k = study.place_index(place), study.site_index(site)
    there = study.arrive_by(k, date, start - travel.arrive_before_min * 60).journey(p)
    back = study.leave_at(k, date, end + travel.leave_after_min * 60).journey(p)
    return there, back


def reachability_table(study: Study, start_s: int | None = None, end_s: int | None = None,
                       dates: list[dt.date] | None = None,
                       max_travel_min: float | None = None) -> pd.DataFrame:
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
    walks = study.network.walks
    has_stop = np.zeros(len(places), dtype=bool)
    has_stop[walks.place_stops["place"].unique()] = True

    blocks = []
    for k, site in enumerate(study.network.site_names):
        direct = np.zeros(len(places), dtype=bool)
        direct[walks.place_site.loc[walks.place_site["site"] == k, "place"].unique()] = True
        by_signature: dict = {}
        for date in dates:
            sig = service_signature(study.feed, date)
            if sig not in by_signature:
                tt = study.timetable(date)
                inbound = study.arrive_by(k, date, arrive_by)
                outbound = study.leave_at(k, date, leave_at)
                by_signature[sig] = _site_rows(inbound, outbound, tt.has_service, has_stop,
                                               direct, start, end, leave_at, limit)
            block = by_signature[sig].copy()
            block.insert(0, "date", date.isoformat())
            block.insert(0, "site", site)
            block.insert(0, "place", places)
            blocks.append(block)
    table = pd.concat(blocks, ignore_index=True)[REACH_COLUMNS]
    order = {"place": {n: i for i, n in enumerate(places)},
             "site": {n: i for i, n in enumerate(study.network.site_names)}}
    table = table.sort_values(["place", "site", "date"],
                              key=lambda s: s.map(order[s.name]) if s.name in order else s,
                              kind="stable").reset_index(drop=True)
    return table


def _site_rows(inbound: ArriveBy, outbound: LeaveAt, has_service: bool, has_stop: np.ndarray,
               direct: np.ndarray, start: float, end: float, leave_at: float,
               limit: float) -> pd.DataFrame:
    rows = []
    for p in range(len(has_stop)):
        depart = inbound.place_depart[p]
        summary = inbound.summary(p) if np.isfinite(depart) else None
        home = outbound.place_arrive[p]
        rides_back = outbound.rides(p) if np.isfinite(home) else None
        out_ok = summary is not None and start - depart <= limit
        back_ok = rides_back is not None and home - end <= limit
        if out_ok and back_ok:
            reason = "ok"
        elif not has_service and not direct[p]:
            reason = "no_service"
        elif not has_stop[p] and not direct[p]:
            reason = "no_stop_nearby"
        elif not out_ok:
            reason = "outbound_too_long"
        elif rides_back is None:
            reason = "no_return"
        else:
            reason = "return_too_long"
        rows.append({
            "depart_home": clock(depart) if summary else None,
            "arrive_site": clock(summary[0], up=True) if summary else None,
            "outbound_min": math.floor((start - depart) / 60) if summary else None,
            "outbound_transfers": max(summary[1] - 1, 0) if summary else None,
            "leave_site": clock(leave_at),
            "arrive_home": clock(home, up=True) if rides_back is not None else None,
            "return_min": math.ceil((home - end) / 60) if rides_back is not None else None,
            "return_transfers": max(rides_back - 1, 0) if rides_back is not None else None,
            "reachable": bool(out_ok and back_ok),
            "reason": reason,
        })
    frame = pd.DataFrame(rows)
    for column in ("outbound_min", "outbound_transfers", "return_min", "return_transfers"):
        frame[column] = frame[column].astype("Int64")
    return frame
