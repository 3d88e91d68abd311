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
"""

from __future__ import annotations

import datetime as dt
import itertools
from bisect import bisect_left
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
    return events


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
        # one edge per node pair: the last one listed counts
        self.edges = {(u, v): w for u, v, w in edges}
        self.n_stops = len(feed.stops)

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

    def earliest_alight(self, site: int, leave_at: float) -> np.ndarray:
        src = ("source",)
        extra = []
        for s, w in self.walks.stops_near_site(site):
            t = self._first_wait(s, leave_at + w)
            if t is not None:
                extra.append((src, ("wait", s, t), t - leave_at))
        dist = self._search(extra, src, reverse=False)
        out = np.full(self.n_stops, np.inf)
        for node, s, _a in self.arr_nodes:
            if node in dist:
                out[s] = min(out[s], leave_at + dist[node])
        return out

    def latest_board(self, site: int, arrive_by: float) -> np.ndarray:
        sink = ("sink",)
        egress = {}
        for s, w in self.walks.stops_near_site(site):
            egress[s] = max(egress.get(s, -np.inf), arrive_by - w)
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
