"""Who can come: the place × room × course date table, with a reason for every row."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property, partial
from typing import TypeVar

import numpy as np
import pandas as pd

from course_planner.calendar import course_dates
from course_planner.clock import clock
from course_planner.errors import FeedError, msg
from course_planner.places import load_places, stops_as_places
from course_planner.scenario import Scenario
from course_planner.transit.booking import (
    BookingNotice,
    BookingRule,
    BookingType,
    booking_notice,
)
from course_planner.transit.feed import Feed, load_feed
from course_planner.transit.flex import RideTime, read_flex
from course_planner.transit.journey import Leg, Mode
from course_planner.transit.on_demand import (
    BookedRoute,
    booked_trips,
    feed_booked_routes,
    phone_only_routes,
)
from course_planner.transit.router import (
    ArriveByResult,
    Journey,
    LeaveAtResult,
    Network,
    ScanResult,
    earliest_arrivals,
    latest_departures,
    with_home_zones,
)
from course_planner.transit.timetable import (
    Booking,
    Timetable,
    booking_for,
    service_signature,
    timetable_for,
)
from course_planner.transit.walking import build_walks
from course_planner.transit.zones import (
    Zones,
    flex_route_rules,
    flex_services,
    scenario_services,
)

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
    "reachable_booked",
    "book_outbound_by",
    "book_return_by",
    "booking_phone",
    "booked_services",
]
REASONS = (
    "ok",
    "no_stop_nearby",
    "no_service",
    "no_outbound",
    "outbound_too_long",
    "no_return",
    "return_too_long",
    "on_demand_only",
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
    booking: Booking | None = None  # which rides must be booked (None: none in the feed)
    booking_rule: BookingRule | None = None  # how to book them (the scenario's rule)
    booked_routes: tuple[BookedRoute, ...] = ()  # routes with evidence of booking, and why
    zones: Zones | None = None  # on-demand zone services (scenario and GTFS-Flex)
    route_rules: dict[str, BookingRule] = field(default_factory=dict)  # Flex, by line name
    # caches, fresh in every copy (``dataclasses.replace``)
    _timetables: dict = field(default_factory=dict, init=False, repr=False)
    _scans: dict = field(default_factory=dict, init=False, repr=False)

    @property
    def has_booked_rides(self) -> bool:
        """Some ride must be booked: a booked route or stop of the feed, or a zone."""
        return (self.booking is not None and self.booking.any) or bool(self.zones)

    def timetable(self, date: dt.date, booked: bool = False) -> Timetable:
        """The timetable of ``date``: scheduled rides only, or (``booked``) with the rides
        that must be booked."""
        return _timetable(self.feed, self.booking, self._timetables, date, booked)

    def arrive_by(
        self,
        site: int,
        date: dt.date,
        arrive_by: float,
        not_before: float = -math.inf,
        booked: bool = False,
    ) -> ArriveByResult:
        """The backward scan to ``site`` (journeys leaving at ``not_before`` or later;
        ``booked``: rides that must be booked allowed)."""
        booked = booked and self.has_booked_rides
        key = ("in", site, self.day_key(date, booked), arrive_by, not_before, booked)
        if key not in self._scans:
            if booked and self._zones_only(site):  # the same scan, zone rides from home
                base = self.arrive_by(site, date, arrive_by, not_before)
                assert self.zones is not None
                self._scans[key] = with_home_zones(base, self.zones, date)  # type: ignore[arg-type]
            else:
                self._scans[key] = latest_departures(
                    self.network,
                    self.timetable(date, booked),
                    site,
                    arrive_by,
                    not_before,
                    zones=self.zones if booked else None,
                    day=date,
                )
        return self._scans[key]

    def _zones_only(self, site: int) -> bool:
        """Booked rides come only from zones, none of which holds this room: the stops'
        answers are the scheduled ones."""
        key = ("zones only", site)
        if key not in self._scans:
            self._scans[key] = (self.booking is None or not self.booking.any) and not any(
                z.serves_room(site) for z in (self.zones.services if self.zones else ())
            )
        return bool(self._scans[key])

    def leave_at(
        self,
        site: int,
        date: dt.date,
        leave_at: float,
        not_after: float = math.inf,
        booked: bool = False,
    ) -> LeaveAtResult:
        """The forward scan from ``site`` (journeys arriving at ``not_after`` or earlier)."""
        booked = booked and self.has_booked_rides
        key = ("out", site, self.day_key(date, booked), leave_at, not_after, booked)
        if key not in self._scans:
            if booked and self._zones_only(site):  # the same scan, zone rides home
                base = self.leave_at(site, date, leave_at, not_after)
                assert self.zones is not None
                self._scans[key] = with_home_zones(base, self.zones, date)  # type: ignore[arg-type]
            else:
                self._scans[key] = earliest_arrivals(
                    self.network,
                    self.timetable(date, booked),
                    site,
                    leave_at,
                    not_after,
                    zones=self.zones if booked else None,
                    day=date,
                )
        return self._scans[key]

    def with_bookings(self, journey: Journey | None, date: dt.date) -> Journey | None:
        """The journey with a booking notice on every leg that must be booked."""
        if journey is None or not journey.must_book:
            return journey
        return Journey(
            tuple(
                replace(leg, booking=self.notice_for(leg, date))
                if leg.mode.must_book and leg.booking is None
                else leg
                for leg in journey.legs
            )
        )

    def notices(self, journey: Journey | None, date: dt.date) -> tuple[BookingNotice, ...]:
        """What must be booked for ``journey`` on ``date``, in the order of its legs (the
        notices :meth:`with_bookings` puts on them)."""
        if journey is None:
            return ()
        return tuple(
            leg.booking or self.notice_for(leg, date) for leg in journey.legs if leg.mode.must_book
        )

    def notice_for(self, leg: Leg, date: dt.date) -> BookingNotice:
        """The booking notice of a leg that must be booked, on ``date``: a zone's, or the
        rule of the leg's route (Flex) or the scenario's; without a known rule, no deadline.
        Many journeys share a booked ride: one notice per ride."""
        key = ("notice", leg.mode, leg.route, leg.depart, date)
        if key not in self._scans:
            notice = None
            if leg.mode is Mode.ZONE_RIDE and self.zones:
                notice = self.zones.notice(leg, date)
            if notice is None:
                known = self.route_rules.get(leg.route or "", self.booking_rule)
                rule = known or BookingRule(BookingType.REAL_TIME)
                notice = booking_notice(rule, leg.route or "", date, leg.depart)
                if known is None:  # how to book is not known: no deadline
                    notice = replace(notice, deadline=None)
            self._scans[key] = notice
        return self._scans[key]

    def day_key(self, date: dt.date, booked: bool) -> tuple:
        """What a date's answers depend on: the services running (that day and the day
        before) and, with booked rides, the zones' hours that day."""
        memo = ("day", date, booked)
        if memo not in self._scans:
            key: tuple = (service_signature(self.feed, date),)
            if booked and self.zones:
                key += self.zones.day_key(date)
            self._scans[memo] = key
        return self._scans[memo]

    @cached_property
    def _place_at(self) -> dict[str, int]:
        """Place name -> index (thousands of places with all stations: a dict, not a scan);
        the first of equal names, as ``tuple.index``."""
        names = self.network.place_names
        return {n: i for i, n in reversed(list(enumerate(names)))}

    def site_index(self, name: str) -> int:
        return self.network.site_names.index(name)

    def place_index(self, name: str) -> int:
        try:
            return self._place_at[name]
        except KeyError:
            raise ValueError(f"{name!r} is not a place of the study") from None


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
    given_places = places is not None
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
    routes = feed_booked_routes(
        feed,
        confirm=tuple(scenario.on_demand_routes.confirm),
        reject=tuple(scenario.on_demand_routes.reject),
    )
    whole = booked_trips(feed, routes)
    c = feed.connections
    booking = None  # the per-row arrays only for a feed with rides that must be booked
    if whole.any() or c.board_book.any() or c.alight_book.any():
        rejected = feed.trips["route_id"].isin(phone_only_routes(routes)).to_numpy()
        booking = booking_for(feed, whole, rejected)
    rule = scenario.on_demand_routes.booking
    study = Study(
        scenario,
        feed,
        places,
        sites,
        network,
        dates,
        booking=booking if booking is not None and booking.any else None,
        booking_rule=rule.rule() if rule is not None else None,
        booked_routes=tuple(routes),
    )
    named = places  # a zone given by place names means the scenario's own places
    if given_places and scenario.on_demand and not scenario.uses_all_stops:
        named = load_places(scenario.places, scenario.participants)
    services = scenario_services(scenario, feed.stops, places, sites, named)
    flex = read_flex(scenario.feed)
    if flex is not None:
        services += flex_services(flex, feed, feed.stops, places, sites, RideTime())
        study.route_rules = flex_route_rules(flex, feed)
    if services:
        study.zones = Zones(
            services=tuple(services),
            n_places=len(places),
            place_stops=_stops_of(walks.place_stops, "place", len(places)),
            site_stops=_stops_of(walks.site_stops, "site", len(sites)),
            scheduled=partial(_timetable, feed, study.booking, study._timetables),
            stop_seq=feed.connections.seq,
            change_s=network.min_change_s,
        )
    return study


def _stops_of(frame: pd.DataFrame, column: str, n: int) -> list[np.ndarray]:
    """Per place or room: the stops within walking distance."""
    out: list[list[int]] = [[] for _ in range(n)]
    for key, stop in zip(frame[column].tolist(), frame["stop"].tolist(), strict=True):
        out[int(key)].append(int(stop))
    return [np.array(x, dtype=np.int64) for x in out]


def journeys(
    study: Study,
    place: str,
    site: str,
    date: dt.date,
    start_s: int | None = None,
    end_s: int | None = None,
    booked: bool = False,
    limit_s: float | None = None,
) -> tuple[Journey | None, Journey | None]:
    """The outbound and the return journey of one place, room and date (legs included);
    ``booked``: rides that must be booked allowed (their legs carry the booking notice);
    ``limit_s``: only journeys within this travel time (the table's scans, cheaper)."""
    course, travel = study.scenario.course, study.scenario.travel
    start = course.start_s if start_s is None else start_s
    end = course.end_s if end_s is None else end_s
    p, k = study.place_index(place), study.site_index(site)
    not_before = -math.inf if limit_s is None else start - limit_s
    not_after = math.inf if limit_s is None else end + limit_s
    arrive_by, leave_at = start - travel.arrive_before_min * 60, end + travel.leave_after_min * 60
    there = study.arrive_by(k, date, arrive_by, not_before, booked=booked)
    back = study.leave_at(k, date, leave_at, not_after, booked=booked)
    return (
        study.with_bookings(there.journey(p), date),
        study.with_bookings(back.journey(p), date),
    )


def planned_journeys(
    study: Study,
    place: str,
    site: str,
    date: dt.date,
    start_s: int | None = None,
    end_s: int | None = None,
) -> tuple[Journey | None, Journey | None]:
    """The journeys a participant is told to take, per direction: by scheduled service when
    one fits the travel limit, else one with a booked ride (AST, ALF, Rufbus) when that fits,
    else the scheduled one (too long) or none — the same choice as the reachability table."""
    course = study.scenario.course
    start = course.start_s if start_s is None else start_s
    end = course.end_s if end_s is None else end_s
    limit = study.scenario.travel.max_travel_min * 60
    there, back = journeys(study, place, site, date, start, end)

    def fits_there(j: Journey | None) -> bool:
        return j is not None and start - j.depart <= limit

    def fits_back(j: Journey | None) -> bool:
        return j is not None and j.arrive - end <= limit

    if not study.has_booked_rides or (fits_there(there) and fits_back(back)):
        return there, back
    booked_there, booked_back = journeys(study, place, site, date, start, end, booked=True)
    if not fits_there(there) and fits_there(booked_there):
        there = booked_there
    if not fits_back(back) and fits_back(booked_back):
        back = booked_back
    return there, back


def _timetable(
    feed: Feed, booking: Booking | None, cache: dict, date: dt.date, booked: bool = False
) -> Timetable:
    """:meth:`Study.timetable`, kept in ``cache`` by the services running (one timetable
    per distinct day). A plain function, so that a study's zones can hold it (with the
    study's cache) without holding the study: no reference cycle, and a study no one uses is
    freed at once, not at the next full garbage collection (with all its scans)."""
    # without booked rides in the feed (zones only), one timetable serves both
    booked = booked and booking is not None and booking.any
    if ("signature", date) not in cache:
        cache["signature", date] = service_signature(feed, date)
    key = (cache["signature", date], booked)
    if key not in cache:
        cache[key] = timetable_for(feed, date, booking, scheduled_only=not booked)
    return cache[key]


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
    signature_of: dict[tuple, int] = {}
    date_block = np.empty(n_dates, dtype=np.int64)
    first_date: list[dt.date] = []
    for j, date in enumerate(dates):
        sig = study.day_key(date, booked=True)
        if sig not in signature_of:
            signature_of[sig] = len(first_date)
            first_date.append(date)
        date_block[j] = signature_of[sig]
    service = np.array([study.timetable(d).has_service for d in first_date])[:, None]
    direct = np.zeros((n_sites, 1, n_places), dtype=bool)
    for k in range(n_sites):
        direct[k, 0, walks.place_site.loc[walks.place_site["site"] == k, "place"].unique()] = True

    def answers(booked: bool) -> _Answers:
        return _answers(
            study, first_date, has_stop, (arrive_by, start), (leave_at, end), limit, booked
        )

    a = answers(booked=False)
    depart, arrive_site, home = a.depart, a.arrive_site, a.home
    rides_out, rides_back = a.rides_out, a.rides_back
    has_out, has_back = rides_out >= 0, rides_back >= 0
    out_ok, back_ok = a.out_ok, a.back_ok
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
    # with the rides that must be booked (AST, ALF, Rufbus): who else comes, and how; the
    # times of such a row are those of the booked journey in each direction that needs one
    b = a if not study.has_booked_rides else answers(booked=True)
    ok_booked = b.out_ok & b.back_ok
    only_booked = ok_booked & ~(out_ok & back_ok)
    reason[only_booked] = "on_demand_only"
    book_out, book_back = only_booked & ~out_ok, only_booked & ~back_ok
    depart, arrive_site = (
        np.where(book_out, b.depart, depart),
        np.where(book_out, b.arrive_site, arrive_site),
    )
    rides_out = np.where(book_out, b.rides_out, rides_out)
    home, rides_back = (
        np.where(book_back, b.home, home),
        np.where(book_back, b.rides_back, rides_back),
    )
    has_out, has_back = rides_out >= 0, rides_back >= 0
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
            "reachable_booked": rows(ok_booked),
        }
    )
    notes = _booking_notes(
        study,
        table,
        rows(book_out),
        rows(book_back),
        (start, end, limit),
        dates,
        date_block,
        first_date,
    )
    for column in ("book_outbound_by", "book_return_by", "booking_phone", "booked_services"):
        table[column] = notes[column] if notes is not None else ""
    return table[REACH_COLUMNS]


@dataclass(frozen=True)
class _Answers:
    """Per room, distinct timetable and place: the journeys' times and rides."""

    depart: np.ndarray
    arrive_site: np.ndarray
    home: np.ndarray
    rides_out: np.ndarray
    rides_back: np.ndarray
    out_ok: np.ndarray
    back_ok: np.ndarray


def _answers(
    study: Study,
    first_date: list[dt.date],
    has_stop: np.ndarray,
    inbound_at: tuple[float, float],
    outbound_at: tuple[float, float],
    limit: float,
    booked: bool,
) -> _Answers:
    """The scans of every room and distinct timetable (``booked``: with the rides that
    must be booked)."""
    (arrive_by, start), (leave_at, end) = inbound_at, outbound_at
    n_sites, n_places = len(study.network.site_names), len(study.network.place_names)
    shape = (n_sites, len(first_date), n_places)
    depart, arrive_site = np.full(shape, -math.inf), np.full(shape, math.inf)
    home = np.full(shape, math.inf)
    rides_out, rides_back = np.full(shape, -1), np.full(shape, -1)
    for k in range(n_sites):
        # once a room's horizon scan fell short, its other dates scan the whole day at once
        # (the answers are the same either way; this only saves the scan that would not do)
        short = {"in": False, "out": False}
        for b, date in enumerate(first_date):
            if booked:  # only "within the limit or not": the horizon scans answer that
                inbound = study.arrive_by(k, date, arrive_by, start - limit, booked=True)
                outbound = study.leave_at(k, date, leave_at, end + limit, booked=True)
                depart[k, b], arrive_site[k, b] = inbound.place_depart, inbound.place_arrive_site
                rides_out[k, b] = inbound.place_rides
                home[k, b], rides_back[k, b] = outbound.place_arrive, outbound.place_rides
                continue
            inbound = _within(
                partial(study.arrive_by, k, date, arrive_by, booked=booked),
                start - limit,
                -math.inf,
                has_stop,
                short,
                "in",
            )
            outbound = _within(
                partial(study.leave_at, k, date, leave_at, booked=booked),
                end + limit,
                math.inf,
                has_stop,
                short,
                "out",
            )
            depart[k, b], arrive_site[k, b] = inbound.place_depart, inbound.place_arrive_site
            rides_out[k, b] = inbound.place_rides
            home[k, b], rides_back[k, b] = outbound.place_arrive, outbound.place_rides
    out_ok = (rides_out >= 0) & (start - depart <= limit)
    back_ok = (rides_back >= 0) & (home - end <= limit)
    return _Answers(depart, arrive_site, home, rides_out, rides_back, out_ok, back_ok)


def _booking_notes(
    study: Study,
    table: pd.DataFrame,
    book_out: np.ndarray,
    book_back: np.ndarray,
    hours: tuple[int, int, float],
    dates: list[dt.date],
    date_block: np.ndarray,
    first_date: list[dt.date],
) -> dict[str, np.ndarray] | None:
    """For the rows reachable only with a booked ride (``book_out``/``book_back``: the
    direction needs one): the last moment to book the ride there and the ride back
    ("YYYY-MM-DD HH:MM", "" where none is booked or the scenario does not say how), the
    phone, and the booked services. The journeys of a date block are the same on each of
    its dates: they are found once, at the block's first date, and the deadlines moved by
    whole days (booking rules count from the ride's day)."""
    rows = np.flatnonzero(book_out | book_back)
    if not len(rows):
        return None
    start, end, limit = hours  # the course's hours and the travel limit (seconds)
    travel = study.scenario.travel
    arrive_by, leave_at = start - travel.arrive_before_min * 60, end + travel.leave_after_min * 60
    n_sites, n_dates, n_blocks = len(study.network.site_names), len(dates), len(first_date)
    place_of, site_of, date_of = (
        rows // (n_sites * n_dates),
        rows // n_dates % n_sites,
        rows % n_dates,
    )
    block_of = date_block[date_of]
    out, back = book_out[rows], book_back[rows]
    # per place, room, date block and direction(s) booked: the earliest deadline there and
    # back (NaT: none), the phones and the services, found once
    code = ((place_of * n_sites + site_of) * n_blocks + block_of) * 4 + out * 2 + back
    keys, first_row, key_of = np.unique(code, return_index=True, return_inverse=True)
    n_keys = len(keys)
    out_by = np.full(n_keys, np.datetime64("NaT"), dtype="datetime64[m]")
    back_by = out_by.copy()
    phones, services = np.empty(n_keys, dtype=object), np.empty(n_keys, dtype=object)

    def earliest(notices: tuple[BookingNotice, ...]) -> np.datetime64:
        times = [n.deadline for n in notices if n.deadline]
        return np.datetime64(min(times), "m") if times else np.datetime64("NaT")

    for u, i in enumerate(first_row.tolist()):
        p, k, block = int(place_of[i]), int(site_of[i]), int(block_of[i])
        day = first_date[block]
        there: tuple[BookingNotice, ...] = ()
        back_journey: tuple[BookingNotice, ...] = ()
        if out[i]:
            scan_in = study.arrive_by(k, day, arrive_by, start - limit, booked=True)
            there = study.notices(scan_in.journey(p), day)
        if back[i]:
            scan_out = study.leave_at(k, day, leave_at, end + limit, booked=True)
            back_journey = study.notices(scan_out.journey(p), day)
        notices = [*there, *back_journey]
        out_by[u], back_by[u] = earliest(there), earliest(back_journey)
        phones[u] = "; ".join(dict.fromkeys(n.phone for n in notices if n.phone))
        services[u] = "; ".join(dict.fromkeys(n.service for n in notices))
    # a block's journeys are the same on each of its dates: deadlines move by whole days
    shift = (
        np.array(dates, dtype="datetime64[D]")
        - np.array(first_date, dtype="datetime64[D]")[date_block]
    )
    row_shift = shift[date_of]

    def text(deadlines: np.ndarray) -> np.ndarray:
        moved = deadlines[key_of] + row_shift
        words = np.char.replace(np.datetime_as_string(moved, unit="m"), "T", " ")
        return np.where(np.isnat(moved), "", words).astype(object)

    values = {
        "book_outbound_by": text(out_by),
        "book_return_by": text(back_by),
        "booking_phone": phones[key_of],
        "booked_services": services[key_of],
    }
    result = {}
    for column, column_values in values.items():
        full = np.full(len(table), "", dtype=object)
        full[rows] = column_values
        result[column] = full
    return result


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
