"""An independent brute-force router: a time-expanded graph searched with Dijkstra (scipy's
``csgraph.dijkstra``, in C).

It shares only the inputs with course_planner's connection scans (the feed file, read here
with gtfs-kit; the walk network; the change time); it builds its own events from the raw
stop_times and its own service days from gtfs-kit's calendar.

Nodes: ("dep", run, k) and ("arr", run, k) for the k-th stop time of a vehicle run, and
("wait", stop, t) for every boardable departure time t at a stop. Edges (weight = the time
that passes): ride dep→arr of the next stop; stay seated arr→dep at one stop; wait chains;
board wait→dep (pickup allowed); alight arr→the first wait node at the same or a nearby stop
at or after arrival + max(walk, change) (drop-off allowed). A run is a trip on a service date:
trips of date D as written, trips of D−1 shifted by −24 h with only their part from 24:00 on.

Rides that must be booked: with ``scheduled_only``, the trips of ``booked_routes`` are left
out, and a stop time with ``pickup_type``/``drop_off_type`` 2 ("phone agency") allows no
boarding/alighting, except on ``phone_ok_routes`` (the scenario said they need no booking).
Without it, every ride counts, booked or not.

On-demand zones (:class:`ZoneSpec`, one or several): a ride inside a polygon during its
hours, on whole minutes, between the room and a stop of the zone (the sink and source edges
below), or between home and a stop or the room (:func:`place_depart`, :func:`place_arrive`),
with a change time between a zone ride and a bus. Ride times and membership are computed
here from the raw coordinates (math's haversine, shapely's point-in-polygon). A zone's rule
"not within N minutes of a bus" (``not_within_s``) takes away each ride (one per zone and
stop, or zone and room: the best start) for which :meth:`TimeExpandedGraph.bus_within` finds a
scheduled run leaving within N minutes of the ride's start between stops within walking
distance of the ride's two ends, checked here run by run on the raw stop times.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from bisect import bisect_left
from dataclasses import dataclass
from functools import cache

import gtfs_kit as gk
import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra


def _seconds(text) -> int:
    if text is None or pd.isna(text) or str(text).strip() == "":
        return -1
    h, m, s = (int(x) for x in str(text).strip().split(":"))
    return h * 3600 + m * 60 + s


@dataclass(frozen=True)
class ZoneSpec:
    """An on-demand zone for one date: polygon (lon/lat) where rides start, and
    ``drop_polygon`` where they end (None: the same), ride-start windows (seconds), ride
    time = straight metres × road_factor at speed_kmh, × factor, + offset_s."""

    polygon: object
    windows: tuple[tuple[int, int], ...]
    speed_kmh: float = 40.0
    road_factor: float = 1.3
    factor: float = 1.0
    offset_s: float = 300.0
    not_within_s: float | None = None  # no ride when a bus runs within this of its start
    drop_polygon: object = None

    def inside(self, lat: float, lon: float) -> bool:
        """Whether a ride may start here."""
        import shapely

        return bool(self.polygon.covers(shapely.Point(lon, lat)))

    def drops(self, lat: float, lon: float) -> bool:
        """Whether a ride may end here."""
        import shapely

        area = self.polygon if self.drop_polygon is None else self.drop_polygon
        return bool(area.covers(shapely.Point(lon, lat)))

    def ride(self, a: tuple[float, float], b: tuple[float, float]) -> float:
        (lat1, lon1), (lat2, lon2) = a, b
        p1, p2 = math.radians(lat1), math.radians(lat2)
        h = (
            math.sin((p2 - p1) / 2) ** 2
            + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
        )
        metres = 2 * 6_371_008.8 * math.asin(math.sqrt(min(max(h, 0.0), 1.0)))
        return metres * self.road_factor / (self.speed_kmh / 3.6) * self.factor + self.offset_s

    def _windows(self) -> list[tuple[float, float, float, float]]:
        """(pick-up from, to, set-down from, to); two values: no bound on the set-down."""
        return [w if len(w) == 4 else (*w, -math.inf, math.inf) for w in self.windows]

    def latest_start(self, latest: float, ride: float) -> float | None:
        """The latest whole-minute start at or before ``latest`` of a ride of ``ride``
        seconds that starts in a window's pick-up part and ends in its set-down part."""
        starts = []
        for pick_from, pick_to, drop_from, drop_to in self._windows():
            t = math.floor(min(latest, pick_to, drop_to - ride) / 60) * 60
            if t >= pick_from and drop_from <= t + ride:
                starts.append(t)
        return max(starts) if starts else None

    def earliest_start(self, earliest: float, ride: float) -> float | None:
        """The earliest whole-minute start at or after ``earliest`` (see latest_start)."""
        starts = []
        for pick_from, pick_to, drop_from, drop_to in self._windows():
            t = math.ceil(max(earliest, pick_from, drop_from - ride) / 60) * 60
            if t <= pick_to and t + ride <= drop_to:
                starts.append(t)
        return min(starts) if starts else None


@cache
def _read(source: str) -> gk.Feed:
    return gk.read_feed(source, dist_units="km")


@cache
def _stop_events(source: str) -> dict[str, list[tuple[str, int, int, int, int]]]:
    """Per trip, its stop times in order: (stop_id, arrival, departure, pickup_type,
    drop_off_type), with an empty time taken from the other and stop times without any time
    left out."""
    st = _read(source).stop_times.sort_values(["trip_id", "stop_sequence"])
    n = len(st)

    def codes(column: str) -> list[int]:
        if column not in st:
            return [0] * n
        return st[column].fillna(0).astype(int).tolist()

    events: dict[str, list] = {}
    for trip_id, stop_id, arr, dep, p, d in zip(
        st["trip_id"].tolist(),
        st["stop_id"].tolist(),
        st["arrival_time"].tolist(),
        st["departure_time"].tolist(),
        codes("pickup_type"),
        codes("drop_off_type"),
        strict=True,
    ):
        a, t = _seconds(arr), _seconds(dep)
        a, t = (t if a < 0 else a), (a if t < 0 else t)
        if a < 0:
            continue
        events.setdefault(trip_id, []).append((stop_id, a, t, p, d))
    events.update(_stop_group_events(source, events))
    return events


def _stop_group_events(source: str, events: dict) -> dict[str, list]:
    """GTFS-Flex stop groups, read here from the raw files: a trip that serves any stop of a
    group within a window, before, after or between its timed stops, is, per stop of the
    group, a trip that runs there (booked: code 2): picked up for the timed stops after it,
    set down from those before it. The vehicle is at the stop inside the window, not before
    the stop before can bring it there (its departure + the ride), not after it must leave
    for the stop after (its arrival − the ride); set-downs at the earliest such whole
    minute, pick-ups at the latest. The ride: straight metres × 1.3 at 40 km/h × the trip's
    safe_duration_factor + its offset, or + 5 min."""
    import os

    folder = source if os.path.isdir(source) else None
    if folder is None or not os.path.exists(os.path.join(folder, "location_group_stops.txt")):
        return {}

    def read(name: str) -> pd.DataFrame:
        return pd.read_csv(os.path.join(folder, name), dtype=str, keep_default_na=False)

    members = read("location_group_stops.txt").groupby("location_group_id")["stop_id"]
    groups = {g: sorted(s) for g, s in members}
    stops = read("stops.txt").set_index("stop_id")
    trips = read("trips.txt").set_index("trip_id")
    raw = read("stop_times.txt")
    group_of = raw.get("location_group_id", pd.Series("", index=raw.index))
    flexible = raw[group_of != ""]
    out: dict[str, list] = {}
    for rec in flexible.to_dict("records"):
        trip, here = rec["trip_id"], int(rec["stop_sequence"])
        timed = raw[(raw["trip_id"] == trip) & (raw["stop_id"] != "")]
        order = sorted(int(x) for x in timed["stop_sequence"])
        ev = events.get(trip, [])  # the trip's timed stops, in the same order
        before = [e for q, e in zip(order, ev, strict=True) if q < here]
        after = [e for q, e in zip(order, ev, strict=True) if q > here]
        factor = (
            float(trips.at[trip, "safe_duration_factor"] or 1.0)
            if ("safe_duration_factor" in trips)
            else 1.0
        )
        offset = (
            float(trips.at[trip, "safe_duration_offset"] or 5.0)
            if ("safe_duration_offset" in trips)
            else 5.0
        )
        spec = ZoneSpec(None, (), factor=factor, offset_s=offset * 60)

        def ride(a: str, b: str, spec: ZoneSpec = spec) -> float:
            at_a = (float(stops.at[a, "stop_lat"]), float(stops.at[a, "stop_lon"]))
            at_b = (float(stops.at[b, "stop_lat"]), float(stops.at[b, "stop_lon"]))
            return spec.ride(at_a, at_b)

        for stop in groups.get(rec["location_group_id"], []):
            pick = rec.get("pickup_type") != "1" and bool(after) and after[0][0] != stop
            drop = rec.get("drop_off_type") != "1" and bool(before) and before[-1][0] != stop
            if not (pick or drop):
                continue
            lo = _seconds(rec["start_pickup_drop_off_window"])
            hi = _seconds(rec["end_pickup_drop_off_window"])
            if before:
                lo = max(lo, before[-1][2] + ride(before[-1][0], stop))
            if after:
                hi = min(hi, after[0][1] - ride(stop, after[0][0]))
            lo, hi = math.ceil(lo / 60) * 60, math.floor(hi / 60) * 60
            if lo > hi:
                continue
            codes = (2 if pick else 1, 2 if drop else 1)
            event = (stop, lo if drop else hi, hi if pick else lo, *codes)
            out[f"{trip}~{stop}"] = [*(before if drop else []), event, *(after if pick else [])]
    return out


class TimeExpandedGraph:
    def __init__(
        self,
        feed,
        walks,
        date: dt.date,
        change_s: float,
        *,
        scheduled_only: bool = False,
        booked_routes: frozenset[str] = frozenset(),
        phone_ok_routes: frozenset[str] = frozenset(),
    ) -> None:
        self.walks = walks
        self.change = change_s
        stop_index = {s: i for i, s in enumerate(feed.stops["stop_id"])}
        gt = _read(feed.source)
        today = set(gk.get_active_services(gt, date.strftime("%Y%m%d")))
        yesterday = set(
            gk.get_active_services(gt, (date - dt.timedelta(days=1)).strftime("%Y%m%d"))
        )
        service = dict(zip(gt.trips["trip_id"], gt.trips["service_id"], strict=True))
        route = dict(zip(gt.trips["trip_id"], gt.trips["route_id"], strict=True))
        for trip_id in _stop_events(feed.source):  # a stop group's trips: as their parent's
            parent = trip_id.split("~")[0]
            service.setdefault(trip_id, service.get(parent))
            route.setdefault(trip_id, route.get(parent))

        def allowed(code: int, trip_id: str) -> bool:
            if code == 1:
                return False
            return not (code == 2 and scheduled_only and route[trip_id] not in phone_ok_routes)

        edges: list[tuple[tuple, tuple, float]] = []
        board_at: dict[int, set[int]] = {}
        boards, alights = [], []
        self.dep_nodes: list[tuple[tuple, int, int]] = []  # (node, stop, time) pickup ok
        self.arr_nodes: list[tuple[tuple, int, int]] = []  # (node, stop, time) drop-off ok
        for trip_id, rows in sorted(_stop_events(feed.source).items()):
            svc = service[trip_id]
            if scheduled_only and route[trip_id] in booked_routes:
                continue
            for shift, active in ((0, svc in today), (-86400, svc in yesterday)):
                if not active:
                    continue
                run = (trip_id, shift)
                ev = [
                    (stop_index[stop_id], a, d, allowed(p, trip_id), allowed(q, trip_id))
                    for stop_id, a, d, p, q in rows
                ]
                for k, (s, a, d, pick, drop) in enumerate(ev):
                    dep_ok = k + 1 < len(ev) and (shift == 0 or d >= 86400)
                    arr_ok = k > 0 and (shift == 0 or ev[k - 1][2] >= 86400)
                    if dep_ok:
                        nxt = ev[k + 1]
                        edges.append((("dep", run, k), ("arr", run, k + 1), nxt[1] - d))
                        if pick:
                            boards.append((s, d + shift, ("dep", run, k)))
                    if arr_ok and dep_ok:
                        edges.append((("arr", run, k), ("dep", run, k), d - a))
                    if arr_ok and drop:
                        alights.append((s, a + shift, ("arr", run, k)))
        for s, t, node in boards:
            board_at.setdefault(s, set()).add(t)
            edges.append((("wait", s, t), node, 0))
            self.dep_nodes.append((node, s, t))
        self.waits = {s: sorted(ts) for s, ts in board_at.items()}
        for s, ts in self.waits.items():
            for t1, t2 in itertools.pairwise(ts):
                edges.append((("wait", s, t1), ("wait", s, t2), t2 - t1))
        for s, a, node in alights:
            self.arr_nodes.append((node, s, a))
            for s2, w in walks.transfers[s]:
                ready = a + (w if w > change_s else change_s)
                t = self._first_wait(s2, ready)
                if t is not None:
                    edges.append((node, ("wait", s2, t), t - a))
        # the scheduled runs for the zones' rule: booked rides do not count as a bus
        self._rule_runs = []
        for trip_id, rows in sorted(_stop_events(feed.source).items()):
            if route[trip_id] in booked_routes:
                continue
            svc = service[trip_id]

            def scheduled(code: int, trip_id: str = trip_id) -> bool:
                return code == 0 or code == 3 or (code == 2 and route[trip_id] in phone_ok_routes)

            for shift, active in ((0, svc in today), (-86400, svc in yesterday)):
                if not active:
                    continue
                ev = [(stop_index[sid], d + shift) for sid, _a, d, _p, _q in rows]
                board = [
                    k
                    for k, row in enumerate(rows)
                    if k + 1 < len(rows) and scheduled(row[3]) and (shift == 0 or row[2] >= 86400)
                ]
                alight = [
                    k
                    for k in range(1, len(rows))
                    if scheduled(rows[k][4]) and (shift == 0 or rows[k - 1][2] >= 86400)
                ]
                self._rule_runs.append((ev, board, alight))
        # one edge per node pair: the last one listed counts
        self.edges = {(u, v): w for u, v, w in edges}
        self.n_stops = len(feed.stops)
        self.source = feed.source
        self.stop_ids = list(feed.stops["stop_id"])

    def bus_within(self, from_stops: set, to_stops: set, t: float, slack: float) -> bool:
        """Whether a scheduled run boards at one of ``from_stops`` between ``t − slack`` and
        ``t + slack`` and alights later at one of ``to_stops`` (another stop)."""
        for ev, board, alight in self._rule_runs:
            for k in board:
                s, dep = ev[k]
                if not (s in from_stops and t - slack <= dep <= t + slack):
                    continue
                if any(j > k and ev[j][0] in to_stops and ev[j][0] != s for j in alight):
                    return True
        return False

    def refused(self, zone: ZoneSpec, from_stops: set, to_stops: set, t: float) -> bool:
        return zone.not_within_s is not None and self.bus_within(
            from_stops, to_stops, t, zone.not_within_s
        )

    def site_stops(self, site: int) -> set:
        return {s for s, _ in self.walks.stops_near_site(site)}

    def place_stops(self, place: int) -> set:
        return {s for s, _ in _walks(self.walks.place_stops, "place", place, "stop")}

    def _first_wait(self, stop: int, ready: float):
        ts = self.waits.get(stop)
        if not ts:
            return None
        i = bisect_left(ts, ready)
        return ts[i] if i < len(ts) else None

    def _search(
        self, extra: list[tuple[tuple, tuple, float]], start: tuple, reverse: bool
    ) -> dict[tuple, float]:
        """Dijkstra (scipy, in C) from ``start`` over the graph plus ``extra`` edges, along
        the edges (or against them with ``reverse``). Zero-weight edges are stored
        explicitly, which scipy keeps as edges."""
        if not hasattr(self, "_nodes"):
            index: dict[tuple, int] = {("source",): 0, ("sink",): 1}
            u = np.array([index.setdefault(a, len(index)) for a, _ in self.edges], dtype=np.int64)
            v = np.array([index.setdefault(b, len(index)) for _, b in self.edges], dtype=np.int64)
            self._u, self._v = u, v
            self._w = np.fromiter(self.edges.values(), dtype=float, count=len(self.edges))
            self._index, self._nodes = index, list(index)
        index = self._index
        shortest: dict[tuple, float] = {}  # scipy would add up parallel edges: keep the least
        for a, b, x in extra:
            shortest[(a, b)] = min(x, shortest.get((a, b), np.inf))
        extra = [(a, b, x) for (a, b), x in shortest.items()]
        u = np.concatenate([self._u, [index[a] for a, _, _ in extra]]).astype(np.int64)
        v = np.concatenate([self._v, [index[b] for _, b, _ in extra]]).astype(np.int64)
        w = np.concatenate([self._w, [x for _, _, x in extra]]).astype(float)
        if reverse:
            u, v = v, u
        n = len(self._nodes)
        matrix = sp.csr_matrix((w, (u, v)), shape=(n, n))
        dist = dijkstra(matrix, directed=True, indices=index[start])
        reached = np.flatnonzero(np.isfinite(dist))
        return {self._nodes[i]: float(dist[i]) for i in reached.tolist()}

    def _coordinates(self) -> list[tuple[float, float]]:
        stops = _read(self.source).stops.set_index("stop_id")
        return [
            (float(stops.at[sid, "stop_lat"]), float(stops.at[sid, "stop_lon"]))
            for sid in self.stop_ids
        ]

    def earliest_alight(
        self,
        site: int,
        leave_at: float,
        zone: ZoneSpec | list[ZoneSpec] | None = None,
        site_at: tuple[float, float] | None = None,
    ) -> np.ndarray:
        """Per stop, the earliest alighting when leaving the room at ``leave_at`` (``zone``:
        also by a zone ride from the room at ``site_at`` to a stop of the zone)."""
        src = ("source",)
        extra = []
        for s, w in self.walks.stops_near_site(site):
            t = self._first_wait(s, leave_at + w)
            if t is not None:
                extra.append((src, ("wait", s, t), t - leave_at))
        for z in _zones(zone):
            if site_at is None or not z.inside(*site_at):
                continue
            for s, at in enumerate(self._coordinates()):
                start = z.earliest_start(leave_at, z.ride(site_at, at))
                if start is None or not z.drops(*at):
                    continue
                if self.refused(z, self.site_stops(site), {s}, start):
                    continue
                t = self._first_wait(s, start + z.ride(site_at, at) + self.change)
                if t is not None:
                    extra.append((src, ("wait", s, t), t - leave_at))
        dist = self._search(extra, src, reverse=False)
        out = np.full(self.n_stops, np.inf)
        for node, s, _a in self.arr_nodes:
            if node in dist:
                out[s] = min(out[s], leave_at + dist[node])
        return out

    def latest_board(
        self,
        site: int,
        arrive_by: float,
        zone: ZoneSpec | list[ZoneSpec] | None = None,
        site_at: tuple[float, float] | None = None,
    ) -> np.ndarray:
        """Per stop, the latest boarding to be in the room by ``arrive_by`` (``zone``: also
        with a zone ride from a stop of the zone to the room at ``site_at``)."""
        sink = ("sink",)
        egress = {}
        for s, w in self.walks.stops_near_site(site):
            egress[s] = max(egress.get(s, -np.inf), arrive_by - w)
        for z in _zones(zone):
            if site_at is None or not z.drops(*site_at):
                continue
            for s, at in enumerate(self._coordinates()):
                if not z.inside(*at):
                    continue
                ride = z.ride(at, site_at)
                start = z.latest_start(arrive_by - ride, ride)
                if start is not None and not self.refused(z, {s}, self.site_stops(site), start):
                    egress[s] = max(egress.get(s, -np.inf), start - self.change)
        extra = [
            (node, sink, arrive_by - a)
            for node, s, a in self.arr_nodes
            if s in egress and a <= egress[s]
        ]
        dist = self._search(extra, sink, reverse=True)
        out = np.full(self.n_stops, -np.inf)
        for node, s, _d in self.dep_nodes:
            if node in dist:
                out[s] = max(out[s], arrive_by - dist[node])
        return out


def place_depart(
    ref: TimeExpandedGraph,
    latest_board: np.ndarray,
    place: int,
    place_at: tuple[float, float],
    site: int,
    site_at: tuple[float, float],
    arrive_by: float,
    zone: ZoneSpec | list[ZoneSpec] | None = None,
) -> float:
    """The latest time to leave home: walk to a stop, walk to the room, or (``zone``) a
    zone ride to a stop of the zone or straight to the room."""
    best = -np.inf
    for s, w in _walks(ref.walks.place_stops, "place", place, "stop"):
        best = max(best, latest_board[s] - w)
    for _, w in _walks(ref.walks.place_site, "place", place, "site", site):
        best = max(best, arrive_by - w)
    home = ref.place_stops(place)
    for z in _zones(zone):
        if not z.inside(*place_at):
            continue
        for s, at in enumerate(ref._coordinates()):
            if z.drops(*at) and np.isfinite(latest_board[s]):
                ride = z.ride(place_at, at)
                start = z.latest_start(latest_board[s] - ride - ref.change, ride)
                if start is not None and not ref.refused(z, home, {s}, start):
                    best = max(best, start)
        if z.drops(*site_at):
            ride = z.ride(place_at, site_at)
            start = z.latest_start(arrive_by - ride, ride)
            if start is not None and not ref.refused(z, home, ref.site_stops(site), start):
                best = max(best, start)
    return best


def place_arrive(
    ref: TimeExpandedGraph,
    earliest_alight: np.ndarray,
    place: int,
    place_at: tuple[float, float],
    site: int,
    site_at: tuple[float, float],
    leave_at: float,
    zone: ZoneSpec | list[ZoneSpec] | None = None,
) -> float:
    """The earliest arrival home: from a stop or the room on foot, or (``zone``) by a zone
    ride from a stop of the zone or straight from the room."""
    best = np.inf
    for s, w in _walks(ref.walks.place_stops, "place", place, "stop"):
        best = min(best, earliest_alight[s] + w)
    for _, w in _walks(ref.walks.place_site, "place", place, "site", site):
        best = min(best, leave_at + w)
    home = ref.place_stops(place)
    for z in _zones(zone):
        if not z.drops(*place_at):
            continue
        for s, at in enumerate(ref._coordinates()):
            if z.inside(*at) and np.isfinite(earliest_alight[s]):
                start = z.earliest_start(earliest_alight[s] + ref.change, z.ride(at, place_at))
                if start is not None and not ref.refused(z, {s}, home, start):
                    best = min(best, start + z.ride(at, place_at))
        if z.inside(*site_at):
            start = z.earliest_start(leave_at, z.ride(site_at, place_at))
            if start is not None and not ref.refused(z, ref.site_stops(site), home, start):
                best = min(best, start + z.ride(site_at, place_at))
    return best


def _zones(zone: ZoneSpec | list[ZoneSpec] | None) -> list[ZoneSpec]:
    if zone is None:
        return []
    return [zone] if isinstance(zone, ZoneSpec) else list(zone)


def _walks(frame, key: str, value: int, other: str, only: int | None = None):
    """(other end, walk seconds) of the walks in ``frame`` from ``key`` = ``value``."""
    rows = frame[frame[key] == value]
    if only is not None:
        rows = rows[rows[other] == only]
    return list(zip(rows[other].tolist(), rows["walk_s"].tolist(), strict=True))
