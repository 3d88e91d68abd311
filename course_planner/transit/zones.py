"""On-demand zone services (Limo, Rufbus areas, GTFS-Flex zones) as first and last legs.

A zone service carries people door to door between any two points inside its area, during
its hours, when booked. For the router it is one more kind of access and egress edge, next
to walking: a zone ride from home to a stop in the zone (then the bus), from a stop to the
room, or from home straight to the room when both lie in the zone — and the same on the way
back. Unlike a walk, a ride is possible only when it starts inside the service's hours (and,
for a GTFS-Flex trip, ends inside its set-down window); an earlier arrival at the stop simply
waits for the bus, so for one scan the best ride start is

* to arrive by T (a stop's latest boarding ``b``): the latest start ``≤ b − ride − change``
  inside a window (a window ending earlier still serves, with a wait at the stop);
* leaving at T (a stop's earliest alighting ``a``): the earliest start ``≥ a + change``
  inside a window (a window starting later serves after a wait).

That is exact for the scans' answers (latest boarding, earliest alighting per stop). A rule
like Limo's "no ride within N minutes of a scheduled bus" refuses a ride when a scheduled
trip runs between stops within walking distance of the ride's two ends, departing within N
minutes of the ride's start; then the next best ride is taken.

Ride time: road distance (straight line × road factor) at a speed, times a factor, plus an
offset (:class:`~course_planner.transit.flex.RideTime`; GTFS-Flex's ``safe_duration_*``).
"""

from __future__ import annotations

import datetime as dt
import math
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from course_planner.coordinates import haversine_m
from course_planner.errors import ScenarioError, msg
from course_planner.scenario import Scenario
from course_planner.transit.booking import (
    BookingNotice,
    BookingRule,
    BookingType,
    booking_notice,
)
from course_planner.transit.feed import Feed
from course_planner.transit.flex import AreaKind, FlexServices, FlexWindow, RideTime
from course_planner.transit.journey import Leg, Mode
from course_planner.transit.scan import (
    direct_ride_within,
    direct_rides_within_csr,
    window_starts,
    zone_home_rides,
)

if TYPE_CHECKING:
    from course_planner.transit.timetable import FeedTimetable, Timetable

# a service's window on a date, seconds of the day: (pick-up from, to), where rides start
# (a scenario zone's hours), or (pick-up from, to, set-down from, to) (a GTFS-Flex trip's)
Window = tuple[float, ...]
Windows = Callable[[dt.date], Sequence[Window]]
NO_TIME = -math.inf


@dataclass(frozen=True)
class ZoneLeg:
    """One zone ride of a journey: service ``service`` (an index of :attr:`Zones.services`)
    from ``start`` to ``end`` (seconds of the course date)."""

    service: int
    start: float
    end: float


@dataclass(frozen=True, eq=False)
class HomeRides:
    """Per place, one zone ride at the home end of a scan's journeys: its ``value``
    (leaving home, or arriving home), the ``stop`` it serves (−1: straight to or from the
    room), its ``service`` (−1: none) and its ``start`` and ``end``."""

    value: np.ndarray
    stop: np.ndarray
    service: np.ndarray
    start: np.ndarray
    end: np.ndarray

    @classmethod
    def none(cls, n_places: int, no_value: float) -> HomeRides:
        return cls(
            np.full(n_places, no_value),
            np.full(n_places, -1, dtype=np.int64),
            np.full(n_places, -1, dtype=np.int64),
            np.full(n_places, np.nan),
            np.full(n_places, np.nan),
        )

    def set(self, place: int, value: float, service: int, start: float, end: float) -> None:
        self.value[place], self.service[place] = value, service
        self.start[place], self.end[place] = start, end

    def chosen(self, door: HomeRides, by_door: np.ndarray, by_stop: np.ndarray) -> HomeRides:
        """The rides of the places' chosen journeys: ``door``'s (rides straight to or from
        the room) where ``by_door``, these (rides to or from a stop) where ``by_stop`` — a
        place that walks to its stop has none here —, none elsewhere."""

        def pick(mine: np.ndarray, theirs: np.ndarray, none: float) -> np.ndarray:
            return np.where(by_door, theirs, np.where(by_stop, mine, none))

        return HomeRides(
            value=pick(self.value, door.value, np.nan),
            stop=pick(self.stop, door.stop, -1),
            service=pick(self.service, door.service, -1),
            start=pick(self.start, door.start, np.nan),
            end=pick(self.end, door.end, np.nan),
        )

    def leg(self, place: int) -> ZoneLeg | None:
        """The ride of ``place`` (None: none)."""
        z = int(self.service[place])
        if z < 0:
            return None
        return ZoneLeg(z, float(self.start[place]), float(self.end[place]))


@dataclass(frozen=True, eq=False)
class Rides:
    """The rides of one kind of a zone service: ``seconds[i, j]`` between ``rows[i]`` (places
    or rooms) and ``cols[j]`` (stops or rooms), in the direction the kind says."""

    rows: np.ndarray
    cols: np.ndarray
    seconds: np.ndarray = field(repr=False)


@dataclass(frozen=True, eq=False)
class ZoneService:
    """One on-demand zone service in a study's indices: it picks up in one area and sets
    down in another, or in the same (then each kind of ride serves both ways).

    Towards the room: ``home_there`` (home → stop; rows places, cols stops), ``room_there``
    (stop → room; rows rooms, cols stops), ``door_there`` (home → room; rows places, cols
    rooms). Back: ``home_back`` (stop → home), ``room_back`` (room → stop), ``door_back``
    (room → home), laid out the same way. Indices are the feed's stops and the study's
    places and rooms."""

    name: str
    windows: Windows
    booking: BookingRule
    ride: RideTime
    not_within_s: float | None
    cost_weight: float
    illustrative: bool
    home_there: Rides
    home_back: Rides
    room_there: Rides
    room_back: Rides
    door_there: Rides
    door_back: Rides

    def serves_room(self, site: int) -> bool:
        """Whether a ride of the service starts or ends at room ``site``."""
        return any(
            site in r.tolist()
            for r in (
                self.room_there.rows,
                self.room_back.rows,
                self.door_there.cols,
                self.door_back.cols,
            )
        )


def zone_service(
    *,
    name: str,
    windows: Windows,
    booking: BookingRule,
    ride: RideTime,
    inside: Callable[[np.ndarray, np.ndarray], np.ndarray],
    stops: pd.DataFrame,
    places: pd.DataFrame,
    sites: pd.DataFrame,
    not_within_min: float | None = None,
    cost_weight: float = 0.0,
    illustrative: bool = False,
    drop_off_inside: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
) -> ZoneService:
    """A zone service: ``inside(lat, lon)`` says which points lie in the area where it picks
    up, ``drop_off_inside`` where it sets down (None: the same area); ``stops`` (``lat,
    lon``, in the feed's order), ``places`` and ``sites`` (``lat, lon``)."""

    def members(
        frame: pd.DataFrame, test: Callable[[np.ndarray, np.ndarray], np.ndarray]
    ) -> np.ndarray:
        if frame.empty:
            return np.zeros(0, dtype=np.int64)
        lat, lon = frame["lat"].to_numpy(float), frame["lon"].to_numpy(float)
        return np.flatnonzero(test(lat, lon)).astype(np.int64)

    def rides(a: pd.DataFrame, ia: np.ndarray, b: pd.DataFrame, ib: np.ndarray) -> Rides:
        """Rows ``a[ia]``, columns ``b[ib]``: ride seconds between them (either way: the
        distance is the same)."""
        lat1 = a["lat"].to_numpy(float)[ia][:, None]
        lon1 = a["lon"].to_numpy(float)[ia][:, None]
        lat2 = b["lat"].to_numpy(float)[ib][None, :]
        lon2 = b["lon"].to_numpy(float)[ib][None, :]
        seconds = np.asarray(ride.seconds(haversine_m(lat1, lon1, lat2, lon2)), dtype=float)
        return Rides(ia, ib, seconds)

    pick = {
        k: members(f, inside) for k, f in (("stops", stops), ("places", places), ("sites", sites))
    }
    drop = pick
    if drop_off_inside is not None:
        drop = {
            k: members(f, drop_off_inside)
            for k, f in (("stops", stops), ("places", places), ("sites", sites))
        }
    home_there = rides(places, pick["places"], stops, drop["stops"])
    room_there = rides(sites, drop["sites"], stops, pick["stops"])
    door_there = rides(places, pick["places"], sites, drop["sites"])
    if drop is pick:  # one area: every kind of ride serves both ways
        home_back, room_back, door_back = home_there, room_there, door_there
    else:
        home_back = rides(places, drop["places"], stops, pick["stops"])
        room_back = rides(sites, pick["sites"], stops, drop["stops"])
        door_back = rides(places, drop["places"], sites, pick["sites"])
    return ZoneService(
        name=name,
        windows=windows,
        booking=booking,
        ride=ride,
        not_within_s=None if not_within_min is None else float(not_within_min) * 60,
        cost_weight=cost_weight,
        illustrative=illustrative,
        home_there=home_there,
        home_back=home_back,
        room_there=room_there,
        room_back=room_back,
        door_there=door_there,
        door_back=door_back,
    )


# --------------------------------------------------------------------------- ride starts


def _window_matrix(windows: Sequence[tuple[float, ...]]) -> np.ndarray:
    """Windows as rows (pick-up from, to, set-down from, to); a window of two values (a
    scenario zone's hours: when rides start) sets no bound on the set-down."""
    rows = [(*w, -math.inf, math.inf) if len(w) == 2 else tuple(w) for w in windows]
    return np.array(rows, dtype=float).reshape(len(rows), 4)


def latest_start(
    windows: Sequence[tuple[float, ...]], latest: np.ndarray, ride: np.ndarray | float
) -> np.ndarray:
    """Per value of ``latest``: the latest start of a ride of ``ride`` seconds at or before
    it, inside a window (starting in its pick-up part, ending in its set-down part), on a
    whole minute (a pick-up is booked for a minute; ``-inf``: none)."""
    return _starts(windows, latest, ride, latest=True)


def earliest_start(
    windows: Sequence[tuple[float, ...]], earliest: np.ndarray, ride: np.ndarray | float
) -> np.ndarray:
    """Per value of ``earliest``: the earliest start of a ride of ``ride`` seconds at or
    after it, inside a window, on a whole minute (``inf``: none)."""
    return _starts(windows, earliest, ride, latest=False)


def _starts(
    windows: Sequence[tuple[float, ...]], at: np.ndarray, ride: np.ndarray | float, latest: bool
) -> np.ndarray:
    values = np.asarray(at, dtype=float)
    rides = np.broadcast_to(np.asarray(ride, dtype=float), values.shape).ravel()
    starts = window_starts(_window_matrix(windows), values.ravel(), rides, latest)
    return starts.reshape(values.shape)


# --------------------------------------------------------------------------- parallel buses


@dataclass(frozen=True, eq=False)
class _DirectRides:
    """The scheduled rides of one timetable, indexed for "does a bus run from one of these
    stops to one of those, leaving around t?": boardings sorted by (stop, departure),
    alightings sorted by (stop, run); ``b_ptr``/``a_ptr``: where each stop's boardings and
    alightings begin (CSR pointers, one more than stops)."""

    b_ptr: np.ndarray
    b_dep: np.ndarray
    b_run: np.ndarray
    b_seq: np.ndarray
    a_ptr: np.ndarray
    a_run: np.ndarray
    a_seq: np.ndarray

    def any_within(
        self, from_stops: np.ndarray, to_stops: np.ndarray, t: float, slack: float
    ) -> bool:
        return bool(
            direct_ride_within(
                self.b_ptr,
                self.b_dep,
                self.b_run,
                self.b_seq,
                self.a_ptr,
                self.a_run,
                self.a_seq,
                from_stops,
                to_stops,
                float(t),
                float(slack),
            )
        )

    def pairs_within(
        self,
        from_sets: tuple[np.ndarray, np.ndarray],
        to_sets: tuple[np.ndarray, np.ndarray],
        t: np.ndarray,
        slack: float,
    ) -> np.ndarray:
        """:meth:`any_within` per ride k: from any of the stops of ``from_sets`` row k to
        any of ``to_sets`` row k (both CSR: pointer, stops), starting at ``t[k]``."""
        (from_ptr, from_flat), (to_ptr, to_flat) = from_sets, to_sets
        return direct_rides_within_csr(
            self.b_ptr,
            self.b_dep,
            self.b_run,
            self.b_seq,
            self.a_ptr,
            self.a_run,
            self.a_seq,
            from_ptr,
            from_flat,
            to_ptr,
            to_flat,
            np.asarray(t, dtype=float),
            float(slack),
        )


_NO_RIDES = _DirectRides(
    *(np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0, np.int64)),
    *(np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.int64)),
)  # for services without a rule: the compiled search is never asked

_SORTED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _sorted_rows(arrays: FeedTimetable) -> tuple[np.ndarray, np.ndarray]:
    """The forward order's rows sorted by (departure stop, departure) and by (arrival stop,
    run), once per feed: a date's index keeps the running rows of these, in order."""
    if arrays not in _SORTED:
        order = arrays.forward
        # departures of the day before run from −24 h: shifted to stay positive
        dep = order.dep.astype(np.int64) + 2 * 86_400
        by_dep = np.argsort(order.dep_stop.astype(np.int64) << 24 | dep, kind="stable")
        by_run = np.argsort(
            order.arr_stop.astype(np.int64) << 32 | order.run.astype(np.int64), kind="stable"
        )
        _SORTED[arrays] = (by_dep, by_run)
    return _SORTED[arrays]


def _direct_rides(tt: Timetable, seq: np.ndarray) -> _DirectRides:
    """The index of :class:`_DirectRides` over the running connections of ``tt``."""
    order = tt.arrays.forward
    board_ok, alight_ok = tt.board_alight(backward=False)
    running = np.zeros(len(order.run), dtype=bool)
    running[tt.forward_pos] = True
    by_dep, by_run = _sorted_rows(tt.arrays)
    b = by_dep[(running & board_ok)[by_dep]]
    a = by_run[(running & alight_ok)[by_run]]
    n_stops = int(max(order.dep_stop.max(initial=-1), order.arr_stop.max(initial=-1))) + 1

    def pointers(stops: np.ndarray) -> np.ndarray:
        ptr = np.zeros(n_stops + 1, dtype=np.int64)
        np.cumsum(np.bincount(stops, minlength=n_stops), out=ptr[1:])
        return ptr

    return _DirectRides(
        b_ptr=pointers(order.dep_stop[b]),
        b_dep=order.dep[b],
        b_run=order.run[b],
        b_seq=seq[order.connection[b]],
        a_ptr=pointers(order.arr_stop[a]),
        a_run=order.run[a],
        a_seq=seq[order.connection[a]],
    )


_SHARED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_SHARED_PER_FEED = 4  # timetables kept per feed (a day of a county: tens of MB each)


def _shared_index(tt: Timetable, seq: np.ndarray) -> _DirectRides:
    """:func:`_direct_rides`, kept per feed and set of running services while the feed's
    timetable has no rides that must be booked (then the timetable is the services' alone):
    a zone tried again, or another study of the same feed, reuses it."""
    if tt.booking is not None:
        return _direct_rides(tt, seq)
    kept = _SHARED.setdefault(tt.arrays, {})
    key = tt.services.tobytes()
    if key not in kept:
        if len(kept) >= _SHARED_PER_FEED:
            kept.pop(next(iter(kept)))
        kept[key] = _direct_rides(tt, seq)
    return kept[key]


# --------------------------------------------------------------------------- all zones


@dataclass(eq=False)
class Zones:
    """The zone services of one study, as access and egress options of the scans.

    ``place_stops``/``site_stops``: per place and room, the stops within walking distance
    (for the parallel-bus rule); ``scheduled``: the timetable of scheduled rides of a date
    (for the same rule); ``change_s``: the time to change between a zone ride and a bus."""

    services: tuple[ZoneService, ...]
    n_places: int
    place_stops: list[np.ndarray]
    site_stops: list[np.ndarray]
    scheduled: Callable[[dt.date], Timetable]
    stop_seq: np.ndarray
    change_s: float
    # caches, fresh in every copy (``dataclasses.replace`` with other services)
    _rides: dict = field(default_factory=dict, init=False, repr=False)
    _windows: dict = field(default_factory=dict, init=False, repr=False)
    _layouts: dict = field(default_factory=dict, init=False, repr=False)

    @cached_property
    def _place_csr(self) -> tuple[np.ndarray, np.ndarray]:
        """The walkable stops of every place as CSR (pointer, stops)."""
        sizes = np.array([len(x) for x in self.place_stops], dtype=np.int64)
        ptr = np.zeros(len(sizes) + 1, dtype=np.int64)
        np.cumsum(sizes, out=ptr[1:])
        flat = np.concatenate([np.zeros(0, np.int64), *self.place_stops]).astype(np.int64)
        return ptr, flat

    def windows(self, z: int, date: dt.date) -> Sequence[Window]:
        """Service ``z``'s windows on ``date`` (read once per date)."""
        key = (z, date)
        if key not in self._windows:
            self._windows[key] = tuple(self.services[z].windows(date))
        return self._windows[key]

    def __bool__(self) -> bool:
        return bool(self.services)

    def _index(self, date: dt.date) -> _DirectRides:
        """The direct scheduled rides of ``date``'s timetable (one index per timetable)."""
        tt = self.scheduled(date)
        key = id(tt)
        if key not in self._rides:
            self._rides[key] = (tt, _shared_index(tt, self.stop_seq))
        return self._rides[key][1]

    def _refused(
        self, z: int, date: dt.date, from_stops: np.ndarray, to_stops: np.ndarray, t: float
    ) -> bool:
        """Whether service ``z``'s rule refuses a ride starting at ``t``: a scheduled ride
        between the two ends leaves within ``not_within_s`` of it."""
        service = self.services[z]
        if service.not_within_s is None or not len(from_stops) or not len(to_stops):
            return False
        return self._index(date).any_within(from_stops, to_stops, t, service.not_within_s)

    def _refused_each(
        self,
        z: int,
        date: dt.date,
        stops: np.ndarray,
        room: np.ndarray,
        t: np.ndarray,
        to_room: bool,
    ) -> np.ndarray:
        """:meth:`_refused` for rides between each of ``stops`` and the room (its walkable
        stops ``room``), towards it (``to_room``) or from it, starting at ``t``."""
        service = self.services[z]
        if service.not_within_s is None or not len(room) or not len(stops):
            return np.zeros(len(stops), dtype=bool)
        n, m = len(stops), len(room)
        one = (np.arange(n + 1, dtype=np.int64), stops.astype(np.int64))
        shared = (np.arange(n + 1, dtype=np.int64) * m, np.tile(room, n).astype(np.int64))
        pair = (one, shared) if to_room else (shared, one)
        return np.asarray(self._index(date).pairs_within(*pair, t, service.not_within_s))

    # ---- the room's end: before the scan

    def egress(
        self, site: int, date: dt.date, arrive_by: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[ZoneLeg]]:
        """Zone rides from a stop to the room arriving by ``arrive_by``: (stop, offset,
        arrival at the room, leg), the offset being ``arrive_by`` − the latest alighting
        at the stop; the best ride per stop."""
        best: dict[int, tuple[float, float, ZoneLeg]] = {}
        for z, service in enumerate(self.services):
            kind = service.room_there
            (rows,) = np.nonzero(kind.rows == site)
            windows = self.windows(z, date)
            if not len(rows) or not windows:
                continue
            ride = kind.seconds[rows[0]]
            start = latest_start(windows, arrive_by - ride, ride)
            (ok,) = np.nonzero(start > NO_TIME)
            stops = kind.cols[ok]
            refused = self._refused_each(z, date, stops, self.site_stops[site], start[ok], True)
            for j, stop, no in zip(ok.tolist(), stops.tolist(), refused.tolist(), strict=True):
                if no:
                    continue
                t0, end = float(start[j]), float(start[j] + ride[j])
                offset = arrive_by - (t0 - self.change_s)
                if stop not in best or offset < best[stop][0]:
                    best[stop] = (offset, end, ZoneLeg(z, t0, end))
        return _pack(best)

    def access(
        self, site: int, date: dt.date, leave_at: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[ZoneLeg]]:
        """Zone rides from the room to a stop leaving at ``leave_at`` or later: (stop,
        offset, start of the ride, leg), the offset being the earliest boarding at the stop
        − ``leave_at``; the best ride per stop."""
        best: dict[int, tuple[float, float, ZoneLeg]] = {}
        for z, service in enumerate(self.services):
            kind = service.room_back
            (rows,) = np.nonzero(kind.rows == site)
            windows = self.windows(z, date)
            if not len(rows) or not windows:
                continue
            ride = kind.seconds[rows[0]]
            t0 = earliest_start(windows, np.full(len(ride), float(leave_at)), ride)
            (ok,) = np.nonzero(np.isfinite(t0))
            stops = kind.cols[ok]
            refused = self._refused_each(z, date, stops, self.site_stops[site], t0[ok], False)
            for j, stop, no in zip(ok.tolist(), stops.tolist(), refused.tolist(), strict=True):
                if no:
                    continue
                end = float(t0[j] + ride[j])
                offset = end + self.change_s - leave_at
                if stop not in best or offset < best[stop][0]:
                    best[stop] = (offset, float(t0[j]), ZoneLeg(z, float(t0[j]), end))
        return _pack(best)

    # ---- the home end: after the scan

    def first_legs(
        self, date: dt.date, latest_board: np.ndarray, beat: np.ndarray | None = None
    ) -> HomeRides:
        """Per place, the latest zone ride from home to a stop whose latest boarding is
        ``latest_board`` (value: leaving home, ``-inf`` where there is none, or none leaves
        later than ``beat``, the place's way on foot: only a later ride matters)."""
        return self._home_rides(date, latest_board, beat, from_home=True)

    def last_legs(
        self, date: dt.date, earliest_alight: np.ndarray, beat: np.ndarray | None = None
    ) -> HomeRides:
        """Per place, the earliest zone ride home from a stop whose earliest alighting is
        ``earliest_alight`` (value: arriving home, ``inf`` where there is none, or none
        arrives earlier than ``beat``, the place's way on foot)."""
        return self._home_rides(date, earliest_alight, beat, from_home=False)

    def _home_rides(
        self, date: dt.date, at_stop: np.ndarray, beat: np.ndarray | None, from_home: bool
    ) -> HomeRides:
        """One compiled pass over every service's place–stop rides (see
        :func:`~course_planner.transit.scan.zone_home_rides`)."""
        no_time = NO_TIME if from_home else math.inf
        beat = np.full(self.n_places, no_time) if beat is None else beat.astype(float)
        slack = self._slack
        rides = self._index(date) if (slack >= 0).any() else _NO_RIDES
        home_ptr, home_stops = self._place_csr
        layout, windows = self._layout(from_home), self._windows_of(date)
        # the compiled pass does not check its indices: its inputs must agree
        if not (
            len(beat) == self.n_places == len(home_ptr) - 1 == len(layout[-3]) - 1
            and len(layout[6]) - 1 <= len(at_stop)
            and len(windows[0]) == len(self.services) + 1 == len(layout[1])
        ):
            raise ValueError("zone rides: places, stops or services do not match the scan")
        service, stop, value, start, end = zone_home_rides(  # type: ignore[call-arg]
            *layout,
            *windows,
            slack,
            np.asarray(at_stop, dtype=float),
            beat,
            float(self.change_s),
            from_home,
            home_ptr,
            home_stops,
            rides.b_ptr,
            rides.b_dep,
            rides.b_run,
            rides.b_seq,
            rides.a_ptr,
            rides.a_run,
            rides.a_seq,
        )
        return HomeRides(value, stop, service, start, end)

    def _layout(self, from_home: bool) -> tuple[np.ndarray, ...]:
        """The home-end rides of every service (home → stop, or stop → home) laid out for
        the compiled pass; one layout for both where every service serves both ways."""
        there = self._layout_of("home_there")
        if all(z.home_back is z.home_there for z in self.services):
            return there
        return there if from_home else self._layout_of("home_back")

    def _layout_of(self, kind: str) -> tuple[np.ndarray, ...]:
        """The services' place–stop rides of one kind (``home_there``/``home_back``) for
        the compiled pass: the ride seconds (each service's places × stops, row-major, one
        after the other) and where each block begins; per service its places and stops
        (CSR); per stop its (service, column) and per place its (service, row) (CSR, in
        service order)."""
        if kind in self._layouts:
            return self._layouts[kind]
        blocks: list[Rides] = [getattr(z, kind) for z in self.services]

        def csr(sizes: list[int]) -> np.ndarray:
            ptr = np.zeros(len(sizes) + 1, dtype=np.int64)
            np.cumsum(sizes, out=ptr[1:])
            return ptr

        def cat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
            return np.concatenate([np.zeros(0, dtype), *parts]).astype(dtype)

        ride = cat([np.asarray(r.seconds, dtype=float).reshape(-1) for r in blocks], float)
        ride_off = csr([len(r.rows) * len(r.cols) for r in blocks])
        svc_place_ptr, svc_stop_ptr = (
            csr([len(r.rows) for r in blocks]),
            csr([len(r.cols) for r in blocks]),
        )
        svc_places = cat([r.rows for r in blocks], np.int64)
        svc_stops = cat([r.cols for r in blocks], np.int64)

        def by_member(members: np.ndarray, ptr: np.ndarray, n: int) -> tuple[np.ndarray, ...]:
            """Per member (stop or place): its (service, index in the service), CSR."""
            z_of = np.repeat(np.arange(len(blocks), dtype=np.int64), np.diff(ptr))
            index = np.arange(len(members), dtype=np.int64) - ptr[z_of]
            order = np.argsort(members, kind="stable")  # stable: service order kept
            return csr(np.bincount(members, minlength=n).tolist()), z_of[order], index[order]

        n_stops = int(svc_stops.max(initial=-1)) + 1
        self._layouts[kind] = (
            ride,
            ride_off,
            svc_place_ptr,
            svc_places,
            svc_stop_ptr,
            svc_stops,
            *by_member(svc_stops, svc_stop_ptr, n_stops),
            *by_member(svc_places, svc_place_ptr, self.n_places),
        )
        return self._layouts[kind]

    @cached_property
    def _slack(self) -> np.ndarray:
        """Per service, the rule's minutes around a bus in seconds (−1: no such rule)."""
        return np.array(
            [-1.0 if z.not_within_s is None else z.not_within_s for z in self.services],
            dtype=float,
        )

    def _windows_of(self, date: dt.date) -> tuple[np.ndarray, np.ndarray]:
        """All services' windows on ``date`` (CSR: pointer per service, the windows as
        rows of :func:`_window_matrix`)."""
        key = ("csr", date)
        if key not in self._windows:
            per = [self.windows(z, date) for z in range(len(self.services))]
            ptr = np.zeros(len(per) + 1, dtype=np.int64)
            np.cumsum([len(w) for w in per], out=ptr[1:])
            flat = [w for ws in per for w in ws]
            self._windows[key] = (ptr, _window_matrix(flat))
        return self._windows[key]

    def door_there(self, site: int, date: dt.date, arrive_by: float) -> HomeRides:
        """Per place, the latest zone ride straight to the room arriving by ``arrive_by``
        (value: leaving home)."""
        rides = HomeRides.none(self.n_places, NO_TIME)
        for z, service in enumerate(self.services):
            kind = service.door_there
            (cols,) = np.nonzero(kind.cols == site)
            windows = self.windows(z, date)
            if not len(cols) or not windows:
                continue
            ride = kind.seconds[:, cols[0]]
            start = latest_start(windows, arrive_by - ride, ride)
            for row, p in enumerate(kind.rows.tolist()):
                t0 = float(start[row])
                if t0 == NO_TIME or t0 <= rides.value[p]:
                    continue
                if self._refused(z, date, self.place_stops[p], self.site_stops[site], t0):
                    continue
                rides.set(p, t0, z, t0, t0 + float(ride[row]))
        return rides

    def door_back(self, site: int, date: dt.date, leave_at: float) -> HomeRides:
        """Per place, the earliest zone ride straight home leaving the room at ``leave_at``
        or later (value: arriving home)."""
        rides = HomeRides.none(self.n_places, math.inf)
        for z, service in enumerate(self.services):
            kind = service.door_back
            (cols,) = np.nonzero(kind.cols == site)
            windows = self.windows(z, date)
            if not len(cols) or not windows:
                continue
            ride = kind.seconds[:, cols[0]]
            start = earliest_start(windows, np.full(len(ride), float(leave_at)), ride)
            for row, p in enumerate(kind.rows.tolist()):
                t0 = float(start[row])
                end = t0 + float(ride[row])
                if not math.isfinite(t0) or end >= rides.value[p]:
                    continue
                if self._refused(z, date, self.site_stops[site], self.place_stops[p], t0):
                    continue
                rides.set(p, end, z, t0, end)
        return rides

    # ---- legs for the journeys

    def leg(
        self,
        zl: ZoneLeg,
        from_name: str,
        to_name: str,
        from_stop_id: str | None = None,
        to_stop_id: str | None = None,
    ) -> Leg:
        """The journey leg of a zone ride (its booking notice comes with the date: see
        :meth:`notice`)."""
        service = self.services[zl.service]
        return Leg(
            Mode.ZONE_RIDE,
            from_name,
            to_name,
            zl.start,
            zl.end,
            from_stop_id=from_stop_id,
            to_stop_id=to_stop_id,
            route=service.name,
        )

    def notice(self, leg: Leg, date: dt.date) -> BookingNotice | None:
        """The booking notice of a zone ride ``leg`` on ``date`` (None: not a zone's)."""
        service = self._by_name.get(leg.route or "")
        if service is None:
            return None
        notice = booking_notice(service.booking, service.name, date, leg.depart)
        return replace(notice, illustrative=service.illustrative)

    @cached_property
    def _by_name(self) -> dict[str, ZoneService]:
        """The services by name (the first of equal names)."""
        return {z.name: z for z in reversed(self.services)}

    def day_key(self, date: dt.date) -> tuple:
        """What the zones' answers depend on besides the timetable: their hours that day."""
        return tuple(self.windows(z, date) for z in range(len(self.services)))


def _pack(
    best: dict[int, tuple[float, float, ZoneLeg]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[ZoneLeg]]:
    stops = sorted(best)
    return (
        np.array(stops, dtype=np.int64),
        np.array([best[s][0] for s in stops], dtype=float),
        np.array([best[s][1] for s in stops], dtype=float),
        [best[s][2] for s in stops],
    )


# --------------------------------------------------------------------------- building


def _local_xy(lat: np.ndarray, lon: np.ndarray, lat0: float) -> tuple[np.ndarray, np.ndarray]:
    """Metres on a plane around latitude ``lat0`` (good to a few metres over a county)."""
    return lon * 111_320.0 * math.cos(math.radians(lat0)), lat * 110_540.0


def points_area(
    lat: np.ndarray, lon: np.ndarray, buffer_m: float
) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """The area around some points (the convex hull, ``buffer_m`` wider), as a test."""
    import shapely

    lat0 = float(np.mean(lat))
    x, y = _local_xy(lat, lon, lat0)
    hull = shapely.MultiPoint(np.column_stack([x, y])).convex_hull.buffer(buffer_m)

    def inside(lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
        x2, y2 = _local_xy(np.asarray(lat2, float), np.asarray(lon2, float), lat0)
        return np.asarray(shapely.covers(hull, shapely.points(x2, y2)), dtype=bool)

    return inside


def polygon_area(geometry: object) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """A polygon in lon/lat, as a test."""
    import shapely

    def inside(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        points = shapely.points(np.asarray(lon, float), np.asarray(lat, float))
        return np.asarray(shapely.covers(geometry, points), dtype=bool)

    return inside


def scenario_services(
    scenario: Scenario,
    stops: pd.DataFrame,
    places: pd.DataFrame,
    sites: pd.DataFrame,
    named: pd.DataFrame | None = None,
) -> list[ZoneService]:
    """The scenario's own on-demand services (``on_demand:``) in the study's indices
    (``places``: the study's places, perhaps candidates or all stations; ``named``: the
    places a zone's ``places:`` list names, by default ``places``). A zone given as places
    or stops is the area around them (convex hull, ``buffer_km`` or the longest walk to a
    stop wider)."""
    named = places if named is None else named
    from course_planner.transit.clip import read_polygon

    out = []
    buffer_m = scenario.travel.max_access_walk_m
    for i, service in enumerate(scenario.on_demand):
        zone = service.zone
        if zone.geojson is not None:
            inside = polygon_area(read_polygon(zone.geojson))
        else:
            names = zone.places if zone.places is not None else zone.stops or []
            table = (
                named.set_index("name") if zone.places is not None else stops.set_index("stop_id")
            )
            unknown = [n for n in names if n not in table.index]
            if unknown:
                kind = "places" if zone.places is not None else "stops"
                text = (
                    msg(
                        "the zone of „{service}“ names {names}, not among the scenario's places.",
                        service=service.name,
                        names=", ".join(unknown),
                    )
                    if kind == "places"
                    else msg(
                        "the zone of „{service}“ names {names}, not among the feed's stops.",
                        service=service.name,
                        names=", ".join(unknown),
                    )
                )
                raise ScenarioError(
                    text,
                    file=str(scenario.source_file or "scenario"),
                    field=f"on_demand.{i}.zone.{kind}",
                    hint=msg("Use the names of the places file, or the stop_id of the feed."),
                )
            chosen = table.loc[list(dict.fromkeys(names))]
            inside = points_area(
                chosen["lat"].to_numpy(float),
                chosen["lon"].to_numpy(float),
                buffer_m if zone.buffer_km is None else zone.buffer_km * 1000,
            )
        rule = service.ride
        out.append(
            zone_service(
                name=service.name,
                windows=_weekly(service.windows_on),
                booking=service.booking.rule(),
                ride=RideTime(rule.speed_kmh, rule.road_factor, rule.factor, rule.offset_min * 60),
                inside=inside,
                stops=stops,
                places=places,
                sites=sites,
                not_within_min=service.not_within_min_of_bus,
                cost_weight=service.cost_weight,
                illustrative=service.illustrative,
            )
        )
    return out


def _weekly(windows_on: Windows) -> Windows:
    """A service's hours read once per weekday (they depend on nothing else)."""
    monday = dt.date(2024, 1, 1)
    week = [tuple(windows_on(monday + dt.timedelta(days=i))) for i in range(7)]

    def windows(day: dt.date) -> Sequence[Window]:
        return week[day.weekday()]

    return windows


def flex_services(
    flex: FlexServices,
    feed: Feed,
    stops: pd.DataFrame,
    places: pd.DataFrame,
    sites: pd.DataFrame,
    default_ride: RideTime,
) -> list[ZoneService]:
    """The feed's GTFS-Flex zone services: per pair of zones where trips pick up and later
    set down (door to door in one zone, or from one zone to another), their pick-up windows
    on the dates their service runs, their booking rule and ride time (``safe_duration_*``,
    else ``default_ride``)."""
    service_index = {s: i for i, s in enumerate(feed.service_ids)}
    by_trip: dict[str, list[FlexWindow]] = {}
    for w in flex.windows:
        if w.area_kind is AreaKind.ZONE:
            by_trip.setdefault(w.trip_id, []).append(w)
    by_pair: dict[tuple[str, str], list[tuple[int, FlexWindow, FlexWindow]]] = {}
    for trip_windows in by_trip.values():
        for w in trip_windows:
            if not w.pickup or w.service_id not in service_index:
                continue
            # where the vehicle sets down after (or at) this pick-up, in the trip's order
            for d in trip_windows:
                if d.drop_off and d.sequence >= w.sequence:
                    by_pair.setdefault((w.area_id, d.area_id), []).append(
                        (service_index[w.service_id], w, d)
                    )
    names = {
        **feed.trips.drop_duplicates("route_id").set_index("route_id")["route_name"].to_dict(),
        **flex.route_names,  # Flex-only trips (no timed stop) are not among the feed's trips
    }
    out = []
    for (pick, drop), windows in sorted(by_pair.items()):
        zone, other = flex.zones[pick], flex.zones[drop]
        first = windows[0][1]
        fallback = zone.name if pick == drop else f"{zone.name} → {other.name}"

        def on(
            day: dt.date, windows: list[tuple[int, FlexWindow, FlexWindow]] = windows
        ) -> list[Window]:
            """The trips' windows that day: picked up inside the pick-up window, set down
            inside the set-down window."""
            running = feed.service_mask(day)
            return sorted(
                {(w.start_s, w.end_s, d.start_s, d.end_s) for s, w, d in windows if running[s]}
            )

        out.append(
            zone_service(
                name=str(names.get(first.route_id, fallback)),
                windows=on,
                booking=first.pickup_rule or BookingRule(BookingType.REAL_TIME),
                ride=first.ride or default_ride,
                inside=polygon_area(zone.geometry),
                drop_off_inside=None if pick == drop else polygon_area(other.geometry),
                stops=stops,
                places=places,
                sites=sites,
            )
        )
    return out


def flex_route_rules(flex: FlexServices, feed: Feed) -> dict[str, BookingRule]:
    """How the feed's flexible lines are booked (their pick-up rule, else the set-down
    rule), by line name as the journeys' legs carry it."""
    names = {
        **feed.trips.drop_duplicates("route_id").set_index("route_id")["route_name"].to_dict(),
        **flex.route_names,
    }
    rules: dict[str, BookingRule] = {}
    for w in flex.windows:
        rule = w.pickup_rule or w.drop_off_rule
        if rule is not None:
            rules.setdefault(str(names.get(w.route_id, w.route_id)), rule)
    return rules
