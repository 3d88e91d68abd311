"""The pure-Python connection scans as they were before the compiled engine (issue 11).

Kept only so that ``benchmarks/reachability.py`` can report the speed-up on the same queries;
not part of the package. Copied from ``course_planner/transit/timetable.py`` and
``router.py`` at commit 452dcb3, with the imports adjusted.
"""

from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_left
from dataclasses import dataclass, field

import numpy as np

DAY = 86_400


def _active(feed, date: dt.date) -> frozenset[int]:
    import gtfs_kit as gk

    ids = gk.get_active_services(feed.gtfs, date.strftime("%Y%m%d"))
    index = {s: i for i, s in enumerate(feed.service_ids)}
    return frozenset(index[s] for s in ids if s in index)


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


def service_signature(feed, date: dt.date) -> tuple[frozenset[int], frozenset[int]]:
    """Dates with the same signature have the same timetable."""
    return _active(feed, date), _active(feed, date - dt.timedelta(days=1))


def timetable_for(feed, date: dt.date) -> Timetable:
    """The connections running on ``date`` (see the module docstring)."""
    today, yesterday = service_signature(feed, date)
    c = feed.connections
    service = feed.trip_service[c.trip]
    on_today = np.isin(service, list(today)) if today else np.zeros(len(c), dtype=bool)
    on_yesterday = (
        np.isin(service, list(yesterday)) & (c.dep >= DAY)
        if yesterday
        else np.zeros(len(c), dtype=bool)
    )
    dep = np.concatenate([c.dep[on_today], c.dep[on_yesterday] - DAY])
    arr = np.concatenate([c.arr[on_today], c.arr[on_yesterday] - DAY])
    # A trip of D−1 and the same trip of D are different vehicles: give D−1 runs their
    # own trip numbers after the real ones.
    trip = np.concatenate([c.trip[on_today], c.trip[on_yesterday] + len(feed.trips)])
    cols = [
        trip,
        np.concatenate([c.dep_stop[on_today], c.dep_stop[on_yesterday]]),
        np.concatenate([c.arr_stop[on_today], c.arr_stop[on_yesterday]]),
        dep,
        arr,
        np.concatenate([c.board_ok[on_today], c.board_ok[on_yesterday]]),
        np.concatenate([c.alight_ok[on_today], c.alight_ok[on_yesterday]]),
    ]
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


INF = math.inf
_EDGE = 0  # label kinds: walk between room and stop
_CHANGE = 1  # change from one vehicle to the next


@dataclass(frozen=True)
class Leg:
    """One part of a journey. ``mode`` is ``walk`` or ``ride``."""

    mode: str
    from_name: str
    to_name: str
    depart: float
    arrive: float
    from_stop_id: str | None = None
    to_stop_id: str | None = None
    route: str | None = None
    headsign: str | None = None
    trip_id: str | None = None


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
        return sum(1 for leg in self.legs if leg.mode == "ride")

    @property
    def transfers(self) -> int:
        return max(self.rides - 1, 0)


@dataclass(frozen=True, eq=False)
class Network:
    """What a scan needs besides the timetable: the feed's stops and trips, the walks, and the
    names of places and rooms (for the legs)."""

    feed: object
    walks: object
    place_names: tuple[str, ...]
    site_names: tuple[str, ...]
    min_change_s: float

    @property
    def n_stops(self) -> int:
        return len(self.feed.stops)


# --------------------------------------------------------------------------- arrive by T


@dataclass(frozen=True, eq=False)
class ArriveBy:
    """Latest departures to reach ``site`` by ``arrive_by``.

    ``latest_board[s]``: the latest time one can board a vehicle at stop s and still arrive in
    time (``-inf``: impossible). ``place_depart[i]``: the latest time to leave place i.
    """

    net: Network
    tt: Timetable
    site: int
    arrive_by: float
    latest_board: np.ndarray
    place_depart: np.ndarray
    _board_label: list = field(repr=False)
    _place_choice: list = field(repr=False)  # per place: None, ("direct", w), (stop, w)

    def summary(self, place: int) -> tuple[float, int] | None:
        """(arrival at the room, number of rides) of the place's journey, without legs."""
        choice = self._place_choice[place]
        if choice is None:
            return None
        if choice[0] == "direct":
            return self.arrive_by, 0
        label, rides, arr = self._board_label[choice[0]], 0, self.tt.backward[4]
        while True:
            _c_board, (c_exit, after) = label
            rides += 1
            if after[0] == _EDGE:
                return arr[c_exit] + after[2], rides
            label = after[4]

    def journey(self, place: int) -> Journey | None:
        """The journey from place ``place`` leaving at ``place_depart[place]``."""
        choice = self._place_choice[place]
        if choice is None:
            return None
        net, names = self.net, self.net.feed.stops["stop_name"]
        place_name, site_name = net.place_names[place], net.site_names[self.site]
        if choice[0] == "direct":
            w = choice[1]
            return Journey(
                (Leg("walk", place_name, site_name, self.arrive_by - w, self.arrive_by),)
            )
        stop, w = choice
        board = float(self.latest_board[stop])
        legs = [
            Leg(
                "walk",
                place_name,
                names.iat[stop],
                board - w,
                board,
                to_stop_id=self.net.feed.stops["stop_id"].iat[stop],
            )
        ]
        label = self._board_label[stop]
        while label is not None:
            c_board, (c_exit, after) = label
            legs.append(_ride(net, self.tt.backward, c_board, c_exit))
            alight_time = float(self.tt.backward[4][c_exit])
            if after[0] == _EDGE:
                _, s, w = after
                legs.append(
                    Leg(
                        "walk",
                        names.iat[s],
                        site_name,
                        alight_time,
                        alight_time + w,
                        from_stop_id=net.feed.stops["stop_id"].iat[s],
                    )
                )
                label = None
            else:
                _, s_from, s_to, w, label = after
                if s_from != s_to:
                    legs.append(_walk_between(net, s_from, s_to, alight_time, w))
        return Journey(tuple(legs))


def latest_departures(net: Network, tt, site: int, arrive_by: float) -> ArriveBy:
    """One backward scan: the latest departure from every stop and place to be at ``site`` by
    ``arrive_by``."""
    n = net.n_stops
    change = net.min_change_s
    transfers = net.walks.transfers_in  # walks that end at the boarding stop
    deadline = [-INF] * n  # latest alighting time at a stop that still reaches the room
    after = [None] * n
    for s, w in net.walks.stops_near_site(site):
        if arrive_by - w > deadline[s]:
            deadline[s] = arrive_by - w
            after[s] = (_EDGE, s, w)
    best = [-INF] * n
    board_label: list = [None] * n
    exit_of: list = [None] * tt.n_trips
    trip, dstop, astop, dep, arr, bok, aok = tt.backward
    start = bisect_left(tt.backward_arr, -arrive_by)
    for i in range(start, len(trip)):
        t = trip[i]
        ex = exit_of[t]
        if ex is None:
            s = astop[i]
            if not aok[i] or arr[i] > deadline[s]:
                continue
            ex = exit_of[t] = (i, after[s])
        if not bok[i]:
            continue
        s = dstop[i]
        d = dep[i]
        if d > best[s]:
            best[s] = d
            label = board_label[s] = (i, ex)
            for s2, w in transfers[s]:
                x = d - (w if w > change else change)
                if x > deadline[s2]:
                    deadline[s2] = x
                    after[s2] = (_CHANGE, s2, s, w, label)
    latest = np.array(best, dtype=float)
    depart, choice = _places_backward(net, site, arrive_by, latest)
    return ArriveBy(net, tt, site, arrive_by, latest, depart, board_label, choice)


def _places_backward(net: Network, site: int, arrive_by: float, latest: np.ndarray):
    n_places = len(net.place_names)
    depart = np.full(n_places, -INF)
    choice: list = [None] * n_places
    for p, s, w, v in _best_stop_per_place(net.walks, latest, sign=-1):
        depart[p] = v
        choice[p] = (s, w)
    direct = net.walks.place_site[net.walks.place_site["site"] == site]
    for p, w in zip(direct["place"].tolist(), direct["walk_s"].tolist(), strict=True):
        if arrive_by - w >= depart[p]:  # a direct walk wins ties
            depart[p] = arrive_by - w
            choice[p] = ("direct", w)
    return depart, choice


# --------------------------------------------------------------------------- leave at T


@dataclass(frozen=True, eq=False)
class LeaveAt:
    """Earliest arrivals when leaving ``site`` at ``leave_at``.

    ``earliest_alight[s]``: the earliest time one can get off a vehicle at stop s (``inf``:
    never). ``place_arrive[i]``: the earliest arrival at place i.
    """

    net: Network
    tt: Timetable
    site: int
    leave_at: float
    earliest_alight: np.ndarray
    place_arrive: np.ndarray
    _alight_label: list = field(repr=False)
    _place_choice: list = field(repr=False)

    def rides(self, place: int) -> int | None:
        """Number of rides of the place's journey home (None: no journey)."""
        choice = self._place_choice[place]
        if choice is None:
            return None
        if choice[0] == "direct":
            return 0
        label, rides = self._alight_label[choice[0]], 0
        while label is not None:
            rides += 1
            before = label[1][1]
            label = None if before[0] == _EDGE else before[4]
        return rides

    def journey(self, place: int) -> Journey | None:
        """The journey home to place ``place`` arriving at ``place_arrive[place]``."""
        choice = self._place_choice[place]
        if choice is None:
            return None
        net, names = self.net, self.net.feed.stops["stop_name"]
        place_name, site_name = net.place_names[place], net.site_names[self.site]
        if choice[0] == "direct":
            w = choice[1]
            return Journey((Leg("walk", site_name, place_name, self.leave_at, self.leave_at + w),))
        stop, w = choice
        alight = float(self.earliest_alight[stop])
        legs = [
            Leg(
                "walk",
                names.iat[stop],
                place_name,
                alight,
                alight + w,
                from_stop_id=net.feed.stops["stop_id"].iat[stop],
            )
        ]
        label = self._alight_label[stop]
        while label is not None:
            c_exit, (c_board, before) = label
            legs.append(_ride(net, self.tt.forward, c_board, c_exit))
            if before[0] == _EDGE:
                _, s, w = before
                legs.append(
                    Leg(
                        "walk",
                        site_name,
                        names.iat[s],
                        float(self.leave_at),
                        float(self.leave_at + w),
                        to_stop_id=net.feed.stops["stop_id"].iat[s],
                    )
                )
                label = None
            else:
                _, s_to, s_from, w, label = before
                if s_from != s_to:
                    alight_time = float(self.tt.forward[4][label[0]])
                    legs.append(_walk_between(net, s_from, s_to, alight_time, w))
        return Journey(tuple(reversed(legs)))


def earliest_arrivals(net: Network, tt, site: int, leave_at: float) -> LeaveAt:
    """One forward scan: the earliest arrival at every stop and place when leaving ``site``
    at ``leave_at``."""
    n = net.n_stops
    change = net.min_change_s
    transfers = net.walks.transfers
    ready = [INF] * n  # earliest time one may board at a stop
    before = [None] * n
    for s, w in net.walks.stops_near_site(site):
        if leave_at + w < ready[s]:
            ready[s] = leave_at + w
            before[s] = (_EDGE, s, w)
    best = [INF] * n
    alight_label: list = [None] * n
    entry_of: list = [None] * tt.n_trips
    trip, dstop, astop, dep, arr, bok, aok = tt.forward
    start = bisect_left(tt.forward_dep, leave_at)
    for i in range(start, len(trip)):
        t = trip[i]
        en = entry_of[t]
        if en is None:
            s = dstop[i]
            if not bok[i] or dep[i] < ready[s]:
                continue
            en = entry_of[t] = (i, before[s])
        if not aok[i]:
            continue
        s = astop[i]
        a = arr[i]
        if a < best[s]:
            best[s] = a
            label = alight_label[s] = (i, en)
            for s2, w in transfers[s]:
                x = a + (w if w > change else change)
                if x < ready[s2]:
                    ready[s2] = x
                    before[s2] = (_CHANGE, s2, s, w, label)
    earliest = np.array(best, dtype=float)
    arrive, choice = _places_forward(net, site, leave_at, earliest)
    return LeaveAt(net, tt, site, leave_at, earliest, arrive, alight_label, choice)


def _places_forward(net: Network, site: int, leave_at: float, earliest: np.ndarray):
    n_places = len(net.place_names)
    arrive = np.full(n_places, INF)
    choice: list = [None] * n_places
    for p, s, w, v in _best_stop_per_place(net.walks, earliest, sign=+1):
        arrive[p] = v
        choice[p] = (s, w)
    direct = net.walks.place_site[net.walks.place_site["site"] == site]
    for p, w in zip(direct["place"].tolist(), direct["walk_s"].tolist(), strict=True):
        if leave_at + w <= arrive[p]:
            arrive[p] = leave_at + w
            choice[p] = ("direct", w)
    return arrive, choice


def _best_stop_per_place(walks, at_stop: np.ndarray, sign: int):
    """For each place, its best stop: the latest ``at_stop − walk`` (sign −1, leaving home)
    or the earliest ``at_stop + walk`` (sign +1, arriving home); ties go to the lower stop
    index. Yields (place, stop, walk, value)."""
    ps = walks.place_stops
    place, stop = ps["place"].to_numpy(), ps["stop"].to_numpy()
    walk = ps["walk_s"].to_numpy()
    value = at_stop[stop] + sign * walk
    keep = np.isfinite(value)
    place, stop, walk, value = place[keep], stop[keep], walk[keep], value[keep]
    order = np.lexsort((stop, sign * value, place))
    place, stop, walk, value = place[order], stop[order], walk[order], value[order]
    first = np.ones(len(place), dtype=bool)
    first[1:] = place[1:] != place[:-1]
    return zip(
        place[first].tolist(),
        stop[first].tolist(),
        walk[first].tolist(),
        value[first].tolist(),
        strict=True,
    )


# --------------------------------------------------------------------------- legs


def _ride(net: Network, order: tuple[list, ...], c_board: int, c_exit: int) -> Leg:
    feed = net.feed
    trip = order[0][c_board] % len(feed.trips)
    s_from, s_to = order[1][c_board], order[2][c_exit]
    return Leg(
        "ride",
        feed.stops["stop_name"].iat[s_from],
        feed.stops["stop_name"].iat[s_to],
        float(order[3][c_board]),
        float(order[4][c_exit]),
        from_stop_id=feed.stops["stop_id"].iat[s_from],
        to_stop_id=feed.stops["stop_id"].iat[s_to],
        route=feed.trips["route_name"].iat[trip],
        headsign=feed.trips["headsign"].iat[trip],
        trip_id=feed.trips["trip_id"].iat[trip],
    )


def _walk_between(net: Network, s_from: int, s_to: int, start: float, w: float) -> Leg:
    stops = net.feed.stops
    return Leg(
        "walk",
        stops["stop_name"].iat[s_from],
        stops["stop_name"].iat[s_to],
        start,
        start + w,
        from_stop_id=stops["stop_id"].iat[s_from],
        to_stop_id=stops["stop_id"].iat[s_to],
    )
