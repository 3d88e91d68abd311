"""Connection scans over one date: latest departure to arrive by T, earliest arrival after T.

Both answer for every stop and every place in one scan (Connection Scan Algorithm, compiled
in :mod:`course_planner.transit.scan`). A journey is walk → ride → (change → ride)… → walk,
or one direct walk from the place to the room (0 transfers; it wins ties). With on-demand
zones (:mod:`course_planner.transit.zones`), a zone ride may replace the first or the last
walk, or take the place straight to the room; walks win ties. Rules:

* staying in the same trip costs nothing;
* a change boards the next vehicle no earlier than alighting + max(walk, min change time), at
  the same stop or at a stop within the transfer walk radius (feed transfers may be one-way:
  the backward scan follows the walks *into* the boarding stop);
* the first boarding after walking from home (or from the room) needs no change time;
* walks are not chained: no walk between two stops before the first or after the last ride;
* ``pickup_type = 1`` forbids boarding, ``drop_off_type = 1`` forbids alighting;
* a trip of D−1 running after 24:00 is another vehicle than the same trip of D;
* a place takes its best stop, ties to the lower stop index.

A scan may stop at a time horizon (``not_before`` / ``not_after``): its answers are exact
where they lie inside the horizon and "none" outside it.

Times are seconds after 00:00 of the course date, as floats (walks are not whole seconds).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Protocol

import numpy as np

from course_planner.transit.feed import Feed
from course_planner.transit.journey import Journey, Leg, Mode, Summary
from course_planner.transit.scan import NONE, backward_scan, forward_scan
from course_planner.transit.timetable import Timetable
from course_planner.transit.walking import WalkNetwork

if TYPE_CHECKING:
    from course_planner.transit.zones import HomeRides, ZoneLeg, Zones

INF = np.inf
_DIRECT = -2  # a place's choice: the direct walk to / from the room
_ZONE_DIRECT = -3  # a place's choice: a zone ride straight to / from the room


class ScanResult(Protocol):
    """What a scan offers its callers, whatever computes it."""

    site: int

    @property
    def stop_times(self) -> np.ndarray:
        """Per stop: latest boarding (arrive-by) or earliest alighting (leave-at)."""
        ...

    @property
    def place_times(self) -> np.ndarray:
        """Per place: latest leaving home (arrive-by) or earliest arrival home (leave-at);
        ``-inf``/``inf`` where there is no journey."""
        ...

    @property
    def place_rides(self) -> np.ndarray:
        """Per place: rides of its journey (0: direct walk, -1: no journey)."""
        ...

    def journey(self, place: int) -> Journey | None: ...


class ArriveByResult(ScanResult, Protocol):
    arrive_by: float

    @property
    def latest_board(self) -> np.ndarray: ...

    @property
    def place_depart(self) -> np.ndarray: ...

    @property
    def place_arrive_site(self) -> np.ndarray:
        """Per place: arrival at the room on its journey (``inf``: none)."""
        ...

    def summary(self, place: int) -> Summary | None: ...


class LeaveAtResult(ScanResult, Protocol):
    leave_at: float

    @property
    def earliest_alight(self) -> np.ndarray: ...

    @property
    def place_arrive(self) -> np.ndarray: ...

    def rides(self, place: int) -> int | None: ...


@dataclass(frozen=True, eq=False)
class Network:
    """What a scan needs besides the timetable: the feed's stops and trips, the walks, and the
    names of places and rooms (for the legs)."""

    feed: Feed
    walks: WalkNetwork
    place_names: tuple[str, ...]
    site_names: tuple[str, ...]
    min_change_s: float

    @property
    def n_stops(self) -> int:
        return len(self.feed.stops)

    @cached_property
    def walks_out(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Stop → stop walks as CSR (pointer, target, seconds), staying put first."""
        return _csr(self.walks.transfers, self.n_stops)

    @cached_property
    def walks_in(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Stop ← stop walks (the walks ending at each stop) as CSR."""
        return _csr(self.walks.transfers_in, self.n_stops)

    @cached_property
    def _site_stops(self) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        ss = self.walks.site_stops
        site, stop, walk = (
            ss["site"].to_numpy(),
            ss["stop"].to_numpy(np.int64),
            ss["walk_s"].to_numpy(float),
        )
        return {k: (stop[site == k], walk[site == k]) for k in range(len(self.site_names))}

    def site_stops(self, site: int) -> tuple[np.ndarray, np.ndarray]:
        return self._site_stops[site]

    @cached_property
    def _place_stops(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        ps = self.walks.place_stops
        return (
            ps["place"].to_numpy(np.int64),
            ps["stop"].to_numpy(np.int64),
            ps["walk_s"].to_numpy(float),
        )

    @cached_property
    def _direct(self) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        d = self.walks.place_site
        site, place, walk = (
            d["site"].to_numpy(),
            d["place"].to_numpy(np.int64),
            d["walk_s"].to_numpy(float),
        )
        return {k: (place[site == k], walk[site == k]) for k in range(len(self.site_names))}

    @cached_property
    def _names(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        stops, trips = self.feed.stops, self.feed.trips
        return (
            stops["stop_name"].to_numpy(object),
            stops["stop_id"].to_numpy(object),
            trips["route_name"].to_numpy(object),
            trips["headsign"].to_numpy(object),
            trips["trip_id"].to_numpy(object),
        )


def _csr(lists: list[list[tuple[int, float]]], n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    sizes = np.fromiter((len(x) for x in lists), dtype=np.int64, count=n)
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(sizes, out=ptr[1:])
    flat = [pair for x in lists for pair in x]
    stop = np.fromiter((p[0] for p in flat), dtype=np.int64, count=len(flat))
    walk = np.fromiter((p[1] for p in flat), dtype=float, count=len(flat))
    return ptr, stop, walk


def _order_arrays(tt: Timetable, backward: bool) -> tuple:
    order = tt.arrays.backward if backward else tt.arrays.forward
    board, alight = tt.board_alight(backward)
    return (order.run, order.dep_stop, order.arr_stop, order.dep, order.arr, board, alight)


# --------------------------------------------------------------------------- arrive by T


@dataclass(frozen=True, eq=False)
class ArriveBy:
    """Latest departures to reach ``site`` by ``arrive_by`` (an :class:`ArriveByResult`).

    ``latest_board[s]``: the latest time one can board a vehicle at stop s and still arrive in
    time (``-inf``: impossible). ``place_depart[i]``: the latest time to leave place i.
    """

    net: Network
    tt: Timetable
    site: int
    arrive_by: float
    latest_board: np.ndarray
    place_depart: np.ndarray
    place_arrive_site: np.ndarray
    place_rides: np.ndarray
    _board_pos: np.ndarray = field(repr=False)
    _runs: np.ndarray = field(repr=False)  # the runs ridden (sorted); the _exit_* are theirs
    _exit_pos: np.ndarray = field(repr=False)
    _exit_next: np.ndarray = field(repr=False)
    _exit_board_stop: np.ndarray = field(repr=False)
    _exit_walk: np.ndarray = field(repr=False)
    _choice_stop: np.ndarray = field(repr=False)  # stop, _DIRECT, _ZONE_DIRECT or NONE
    _choice_walk: np.ndarray = field(repr=False)
    _zones: Zones | None = field(default=None, repr=False)
    _egress_zone: dict[int, ZoneLeg] = field(default_factory=dict, repr=False)  # per stop
    _home: HomeRides | None = field(default=None, repr=False)  # zone rides at the home end
    _tails: dict[int, tuple[Leg, ...]] = field(  # per stop; fresh in every copy
        default_factory=dict, init=False, repr=False
    )
    _board_rides: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64), repr=False)
    _board_arrive: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False)
    _not_before: float = field(default=-INF, repr=False)

    @property
    def stop_times(self) -> np.ndarray:
        return self.latest_board

    @property
    def place_times(self) -> np.ndarray:
        return self.place_depart

    def summary(self, place: int) -> Summary | None:
        """Arrival at the room and number of rides of the place's journey, without legs."""
        if self.place_rides[place] < 0:
            return None
        return Summary(float(self.place_arrive_site[place]), int(self.place_rides[place]))

    def journey(self, place: int) -> Journey | None:
        """The journey from place ``place`` leaving at ``place_depart[place]``."""
        stop = int(self._choice_stop[place])
        if stop == NONE:
            return None
        net = self.net
        names, ids = net._names[0], net._names[1]
        place_name, site_name = net.place_names[place], net.site_names[self.site]
        w = float(self._choice_walk[place])
        zones = self._zones
        if stop == _DIRECT:
            return Journey(
                (Leg(Mode.WALK, place_name, site_name, self.arrive_by - w, self.arrive_by),)
            )
        home = self._home.leg(place) if self._home is not None else None
        if stop == _ZONE_DIRECT:
            assert zones is not None and home is not None
            return Journey((zones.leg(home, place_name, site_name),))
        board = float(self.latest_board[stop])
        if home is not None:
            assert zones is not None
            first = zones.leg(home, place_name, names[stop], to_stop_id=ids[stop])
        else:
            first = Leg(Mode.WALK, place_name, names[stop], board - w, board, to_stop_id=ids[stop])
        return Journey((first, *self._legs_from(stop)))

    def _legs_from(self, stop: int) -> tuple[Leg, ...]:
        """The legs from boarding at ``stop`` to the room (kept: places share stops)."""
        if stop in self._tails:
            return self._tails[stop]
        net, order, zones = self.net, self.tt.arrays.backward, self._zones
        names, ids = net._names[0], net._names[1]
        site_name = net.site_names[self.site]
        legs = []
        i = int(self._board_pos[stop])
        while i != NONE:
            t = int(np.searchsorted(self._runs, order.run[i]))
            e = int(self._exit_pos[t])
            legs.append(_ride(self.tt, net, i, e, backward=True))
            alight_time = float(order.arr[e])
            s, walk = int(order.arr_stop[e]), float(self._exit_walk[t])
            i = int(self._exit_next[t])
            if i == NONE and s in self._egress_zone:
                assert zones is not None
                legs.append(
                    zones.leg(self._egress_zone[s], names[s], site_name, from_stop_id=ids[s])
                )
            elif i == NONE:
                legs.append(
                    Leg(
                        Mode.WALK,
                        names[s],
                        site_name,
                        alight_time,
                        alight_time + walk,
                        from_stop_id=ids[s],
                    )
                )
            elif s != self._exit_board_stop[t]:
                legs.append(_walk_between(net, s, int(self._exit_board_stop[t]), alight_time, walk))
        self._tails[stop] = tuple(legs)
        return self._tails[stop]


def latest_departures(
    net: Network,
    tt: Timetable,
    site: int,
    arrive_by: float,
    not_before: float = -INF,
    zones: Zones | None = None,
    day: dt.date | None = None,
) -> ArriveBy:
    """One backward scan: the latest departure from every stop and place to be at ``site`` by
    ``arrive_by``, for journeys leaving at ``not_before`` or later (``zones``: zone rides
    allowed as the first and the last leg, with their hours on ``day``, by default the
    timetable's date)."""
    day = day or tt.date
    walk_stop, walk_s = net.site_stops(site)
    egress_stop, egress_walk = walk_stop, walk_s
    egress_rides, egress_arrive = (
        np.zeros(len(walk_stop), np.int64),
        np.full(len(walk_stop), np.nan),
    )
    egress_zone: dict[int, ZoneLeg] = {}
    if zones:
        z_stop, z_offset, z_arrive, z_legs = zones.egress(site, day, arrive_by)
        egress_zone = _zone_wins(walk_stop, walk_s, z_stop, z_offset, z_legs)
        egress_stop = np.concatenate([walk_stop, z_stop])
        egress_walk = np.concatenate([walk_s, z_offset])
        egress_rides = np.concatenate([egress_rides, np.ones(len(z_stop), np.int64)])
        egress_arrive = np.concatenate([egress_arrive, z_arrive])
    ptr, tin, walk = net.walks_in
    (
        best,
        board_pos,
        board_rides,
        board_arrive,
        exit_pos,
        exit_next,
        exit_board_stop,
        exit_walk,
    ) = backward_scan(  # type: ignore[call-arg]
        tt.backward_pos,
        *_order_arrays(tt, backward=True),
        tt.n_runs,
        net.n_stops,
        egress_stop,
        egress_walk,
        egress_rides,
        egress_arrive,
        ptr,
        tin,
        walk,
        float(net.min_change_s),
        float(arrive_by),
        float(not_before),
    )
    runs = np.flatnonzero(exit_pos != NONE)  # keep labels only for the runs ridden
    scan = ArriveBy(
        net,
        tt,
        site,
        float(arrive_by),
        best,
        np.empty(0),
        np.empty(0),
        np.empty(0, np.int64),
        board_pos,
        runs,
        exit_pos[runs],
        exit_next[runs],
        exit_board_stop[runs],
        exit_walk[runs],
        np.empty(0, np.int64),
        np.empty(0),
        zones,
        egress_zone,
        None,
        _board_rides=board_rides,
        _board_arrive=board_arrive,
        _not_before=float(not_before),
    )
    return _arrive_by_places(scan, zones, day)


def _arrive_by_places(scan: ArriveBy, zones: Zones | None, day: dt.date) -> ArriveBy:
    """The places' answers of a backward scan: the best of walking to a stop, a zone ride
    to a stop, walking to the room and a zone ride to the room."""
    net, site, arrive_by, best = scan.net, scan.site, scan.arrive_by, scan.latest_board
    n_places = len(net.place_names)
    depart = np.full(n_places, -INF)
    choice = np.full(n_places, NONE, dtype=np.int64)
    choice_walk = np.zeros(n_places)
    place, stop, pwalk, value = _best_stop_per_place(net, best, sign=-1)
    depart[place], choice[place], choice_walk[place] = value, stop, pwalk
    if zones:  # a zone ride from home to a stop: where it leaves later than walking
        first = zones.first_legs(day, best, beat=depart)
        win = first.value > depart
        depart[win], choice[win], choice_walk[win] = first.value[win], first.stop[win], 0.0
    dplace, dwalk = net._direct[site]
    # a direct walk wins ties; a place may be listed once per room
    direct = arrive_by - dwalk >= depart[dplace]
    dplace, dwalk = dplace[direct], dwalk[direct]
    depart[dplace], choice[dplace], choice_walk[dplace] = arrive_by - dwalk, _DIRECT, dwalk
    if zones:  # a zone ride straight to the room
        door = zones.door_there(site, day, arrive_by)
        win = door.value > depart
        depart[win], choice[win] = door.value[win], _ZONE_DIRECT
    outside = depart < scan._not_before
    depart[outside], choice[outside] = -INF, NONE
    rides = np.full(n_places, -1, dtype=np.int64)
    arrive_site = np.full(n_places, INF)
    by_stop = choice >= 0
    rides[by_stop] = scan._board_rides[choice[by_stop]]
    arrive_site[by_stop] = scan._board_arrive[choice[by_stop]]
    rides[choice == _DIRECT] = 0
    arrive_site[choice == _DIRECT] = arrive_by
    home = first.chosen(door, choice == _ZONE_DIRECT, choice >= 0) if zones else None
    if home is not None:
        rides[home.service >= 0] += 1
        door_ride = choice == _ZONE_DIRECT
        rides[door_ride], arrive_site[door_ride] = 1, home.end[door_ride]
    return replace(
        scan,
        place_depart=depart,
        place_arrive_site=arrive_site,
        place_rides=rides,
        _choice_stop=choice,
        _choice_walk=choice_walk,
        _zones=zones,
        _home=home,
    )


def with_home_zones(scan: ArriveBy | LeaveAt, zones: Zones, day: dt.date) -> ArriveBy | LeaveAt:
    """A scan's answers with zone rides at the home end too: for a room in no zone and a
    timetable without rides that must be booked, the stops' answers stay as they are and
    only the places' are recomputed (no second scan)."""
    if isinstance(scan, ArriveBy):
        return _arrive_by_places(scan, zones, day)
    return _leave_at_places(scan, zones, day)


def _zone_wins(
    walk_stop: np.ndarray,
    walk_s: np.ndarray,
    z_stop: np.ndarray,
    z_offset: np.ndarray,
    z_legs: list[ZoneLeg],
) -> dict[int, ZoneLeg]:
    """The stops where the zone ride beats walking (strictly: walks win ties), as the scan
    decides it."""
    walking: dict[int, float] = {}
    for s, w in zip(walk_stop.tolist(), walk_s.tolist(), strict=True):
        walking[s] = min(w, walking.get(s, INF))
    return {
        s: leg
        for s, off, leg in zip(z_stop.tolist(), z_offset.tolist(), z_legs, strict=True)
        if off < walking.get(s, INF)
    }


# --------------------------------------------------------------------------- leave at T


@dataclass(frozen=True, eq=False)
class LeaveAt:
    """Earliest arrivals when leaving ``site`` at ``leave_at`` (a :class:`LeaveAtResult`).

    ``earliest_alight[s]``: the earliest time one can get off a vehicle at stop s (``inf``:
    never). ``place_arrive[i]``: the earliest arrival at place i.
    """

    net: Network
    tt: Timetable
    site: int
    leave_at: float
    earliest_alight: np.ndarray
    place_arrive: np.ndarray
    place_rides: np.ndarray
    _alight_pos: np.ndarray = field(repr=False)
    _runs: np.ndarray = field(repr=False)  # the runs ridden (sorted); the _entry_* are theirs
    _entry_pos: np.ndarray = field(repr=False)
    _entry_prev: np.ndarray = field(repr=False)
    _entry_from_stop: np.ndarray = field(repr=False)
    _entry_walk: np.ndarray = field(repr=False)
    _choice_stop: np.ndarray = field(repr=False)
    _choice_walk: np.ndarray = field(repr=False)
    _zones: Zones | None = field(default=None, repr=False)
    _access_zone: dict[int, ZoneLeg] = field(default_factory=dict, repr=False)  # per stop
    _home: HomeRides | None = field(default=None, repr=False)  # zone rides at the home end
    _tails: dict[int, tuple[Leg, ...]] = field(  # per stop; fresh in every copy
        default_factory=dict, init=False, repr=False
    )
    _alight_rides: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64), repr=False)
    _not_after: float = field(default=INF, repr=False)

    @property
    def stop_times(self) -> np.ndarray:
        return self.earliest_alight

    @property
    def place_times(self) -> np.ndarray:
        return self.place_arrive

    def rides(self, place: int) -> int | None:
        """Number of rides of the place's journey home (None: no journey)."""
        r = int(self.place_rides[place])
        return None if r < 0 else r

    def journey(self, place: int) -> Journey | None:
        """The journey home to place ``place`` arriving at ``place_arrive[place]``."""
        stop = int(self._choice_stop[place])
        if stop == NONE:
            return None
        net = self.net
        names, ids = net._names[0], net._names[1]
        place_name, site_name = net.place_names[place], net.site_names[self.site]
        w = float(self._choice_walk[place])
        zones = self._zones
        if stop == _DIRECT:
            return Journey(
                (Leg(Mode.WALK, site_name, place_name, self.leave_at, self.leave_at + w),)
            )
        home = self._home.leg(place) if self._home is not None else None
        if stop == _ZONE_DIRECT:
            assert zones is not None and home is not None
            return Journey((zones.leg(home, site_name, place_name),))
        alight = float(self.earliest_alight[stop])
        if home is not None:
            assert zones is not None
            last = zones.leg(home, names[stop], place_name, from_stop_id=ids[stop])
        else:
            last = Leg(
                Mode.WALK, names[stop], place_name, alight, alight + w, from_stop_id=ids[stop]
            )
        return Journey((*reversed(self._legs_to(stop)), last))

    def _legs_to(self, stop: int) -> tuple[Leg, ...]:
        """The legs from the room to alighting at ``stop``, last first (kept: places share
        stops)."""
        if stop in self._tails:
            return self._tails[stop]
        net, order, zones = self.net, self.tt.arrays.forward, self._zones
        names, ids = net._names[0], net._names[1]
        site_name = net.site_names[self.site]
        legs: list[Leg] = []
        e = int(self._alight_pos[stop])
        while e != NONE:
            t = int(np.searchsorted(self._runs, order.run[e]))
            b = int(self._entry_pos[t])
            legs.append(_ride(self.tt, net, b, e, backward=False))
            s, walk = int(order.dep_stop[b]), float(self._entry_walk[t])
            e = int(self._entry_prev[t])
            if e == NONE and s in self._access_zone:
                assert zones is not None
                legs.append(zones.leg(self._access_zone[s], site_name, names[s], to_stop_id=ids[s]))
            elif e == NONE:
                legs.append(
                    Leg(
                        Mode.WALK,
                        site_name,
                        names[s],
                        self.leave_at,
                        self.leave_at + walk,
                        to_stop_id=ids[s],
                    )
                )
            elif s != self._entry_from_stop[t]:
                legs.append(
                    _walk_between(net, int(self._entry_from_stop[t]), s, float(order.arr[e]), walk)
                )
        self._tails[stop] = tuple(legs)
        return self._tails[stop]


def earliest_arrivals(
    net: Network,
    tt: Timetable,
    site: int,
    leave_at: float,
    not_after: float = INF,
    zones: Zones | None = None,
    day: dt.date | None = None,
) -> LeaveAt:
    """One forward scan: the earliest arrival at every stop and place when leaving ``site``
    at ``leave_at``, for journeys arriving at ``not_after`` or earlier (``zones``: zone
    rides allowed as the first and the last leg, with their hours on ``day``, by default the
    timetable's date)."""
    day = day or tt.date
    walk_stop, walk_s = net.site_stops(site)
    access_stop, access_walk = walk_stop, walk_s
    access_rides = np.zeros(len(walk_stop), np.int64)
    access_zone: dict[int, ZoneLeg] = {}
    if zones:
        z_stop, z_offset, _, z_legs = zones.access(site, day, leave_at)
        access_zone = _zone_wins(walk_stop, walk_s, z_stop, z_offset, z_legs)
        access_stop = np.concatenate([walk_stop, z_stop])
        access_walk = np.concatenate([walk_s, z_offset])
        access_rides = np.concatenate([access_rides, np.ones(len(z_stop), np.int64)])
    ptr, tout, walk = net.walks_out
    best, alight_pos, alight_rides, entry_pos, entry_prev, entry_from_stop, entry_walk = (
        forward_scan(
            tt.forward_pos,
            *_order_arrays(tt, backward=False),
            tt.n_runs,
            net.n_stops,  # type: ignore[call-arg]
            access_stop,
            access_walk,
            access_rides,
            ptr,
            tout,
            walk,
            float(net.min_change_s),
            float(leave_at),
            float(not_after),
        )
    )
    runs = np.flatnonzero(entry_pos != NONE)  # keep labels only for the runs ridden
    scan = LeaveAt(
        net,
        tt,
        site,
        float(leave_at),
        best,
        np.empty(0),
        np.empty(0, np.int64),
        alight_pos,
        runs,
        entry_pos[runs],
        entry_prev[runs],
        entry_from_stop[runs],
        entry_walk[runs],
        np.empty(0, np.int64),
        np.empty(0),
        zones,
        access_zone,
        None,
        _alight_rides=alight_rides,
        _not_after=float(not_after),
    )
    return _leave_at_places(scan, zones, day)


def _leave_at_places(scan: LeaveAt, zones: Zones | None, day: dt.date) -> LeaveAt:
    """The places' answers of a forward scan: the best of walking from a stop, a zone ride
    from a stop, walking from the room and a zone ride from the room."""
    net, site, leave_at, best = scan.net, scan.site, scan.leave_at, scan.earliest_alight
    n_places = len(net.place_names)
    arrive = np.full(n_places, INF)
    choice = np.full(n_places, NONE, dtype=np.int64)
    choice_walk = np.zeros(n_places)
    place, stop, pwalk, value = _best_stop_per_place(net, best, sign=+1)
    arrive[place], choice[place], choice_walk[place] = value, stop, pwalk
    if zones:  # a zone ride home from a stop: where it arrives earlier than walking
        last = zones.last_legs(day, best, beat=arrive)
        win = last.value < arrive
        arrive[win], choice[win], choice_walk[win] = last.value[win], last.stop[win], 0.0
    dplace, dwalk = net._direct[site]
    direct = leave_at + dwalk <= arrive[dplace]
    dplace, dwalk = dplace[direct], dwalk[direct]
    arrive[dplace], choice[dplace], choice_walk[dplace] = leave_at + dwalk, _DIRECT, dwalk
    if zones:  # a zone ride straight home
        door = zones.door_back(site, day, leave_at)
        win = door.value < arrive
        arrive[win], choice[win] = door.value[win], _ZONE_DIRECT
    outside = arrive > scan._not_after
    arrive[outside], choice[outside] = INF, NONE
    rides = np.full(n_places, -1, dtype=np.int64)
    by_stop = choice >= 0
    rides[by_stop] = scan._alight_rides[choice[by_stop]]
    rides[choice == _DIRECT] = 0
    home = last.chosen(door, choice == _ZONE_DIRECT, choice >= 0) if zones else None
    if home is not None:
        rides[home.service >= 0] += 1
        rides[choice == _ZONE_DIRECT] = 1
    return replace(
        scan,
        place_arrive=arrive,
        place_rides=rides,
        _choice_stop=choice,
        _choice_walk=choice_walk,
        _zones=zones,
        _home=home,
    )


def _best_stop_per_place(
    net: Network, at_stop: np.ndarray, sign: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For each place, its best stop: the latest ``at_stop − walk`` (sign −1, leaving home)
    or the earliest ``at_stop + walk`` (sign +1, arriving home); ties go to the lower stop
    index. Returns (place, stop, walk, value) arrays, one entry per place with a journey."""
    place, stop, walk = net._place_stops
    value = at_stop[stop] + sign * walk
    keep = np.isfinite(value)
    place, stop, walk, value = place[keep], stop[keep], walk[keep], value[keep]
    order = np.lexsort((stop, sign * value, place))
    place, stop, walk, value = place[order], stop[order], walk[order], value[order]
    first = np.ones(len(place), dtype=bool)
    first[1:] = place[1:] != place[:-1]
    return place[first], stop[first], walk[first], value[first]


# --------------------------------------------------------------------------- legs


def _ride(tt: Timetable, net: Network, c_board: int, c_exit: int, backward: bool) -> Leg:
    """The ride boarding at row ``c_board`` and leaving at row ``c_exit`` of a scan order:
    :attr:`Mode.BOOKED_RIDE` where the timetable's booking says it must be booked."""
    order = tt.arrays.backward if backward else tt.arrays.forward
    names, ids, routes, headsigns, trip_ids = net._names
    trip = int(order.run[c_board]) % len(trip_ids)
    s_from, s_to = int(order.dep_stop[c_board]), int(order.arr_stop[c_exit])
    booked = tt.booking is not None and tt.booking.ride_booked(order, c_board, c_exit, backward)
    return Leg(
        Mode.BOOKED_RIDE if booked else Mode.RIDE,
        names[s_from],
        names[s_to],
        float(order.dep[c_board]),
        float(order.arr[c_exit]),
        from_stop_id=ids[s_from],
        to_stop_id=ids[s_to],
        route=routes[trip],
        headsign=headsigns[trip],
        trip_id=trip_ids[trip],
    )


def _walk_between(net: Network, s_from: int, s_to: int, start: float, w: float) -> Leg:
    names, ids = net._names[0], net._names[1]
    return Leg(
        Mode.WALK,
        names[s_from],
        names[s_to],
        start,
        start + w,
        from_stop_id=ids[s_from],
        to_stop_id=ids[s_to],
    )
