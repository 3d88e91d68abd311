"""An independent brute-force router: a time-expanded networkx graph searched with Dijkstra.

It shares only the inputs with course_planner's connection scans (the feed file, read here
with gtfs-kit; the walk network; the change time); it builds its own events from the raw
stop_times and its own service days from gtfs-kit's calendar.

Nodes: ("dep", run, k) and ("arr", run, k) for the k-th stop time of a vehicle run, and
("wait", stop, t) for every boardable departure time t at a stop. Edges (weight = the time
that passes): ride dep→arr of the next stop; stay seated arr→dep at one stop; wait chains;
board wait→dep (pickup allowed); alight arr→the first wait node at the same or a nearby stop
at or after arrival + max(walk, change) (drop-off allowed). A run is a trip on a service date:
trips of date D as written, trips of D−1 shifted by −24 h with only their part from 24:00 on.
"""

from __future__ import annotations

import datetime as dt
import itertools
from bisect import bisect_left
from functools import cache

import gtfs_kit as gk
import networkx as nx
import numpy as np
import pandas as pd


def _seconds(text) -> int:
    if text is None or pd.isna(text) or str(text).strip() == "":
        return -1
    h, m, s = (int(x) for x in str(text).strip().split(":"))
    return h * 3600 + m * 60 + s


@cache
def _read(source: str) -> gk.Feed:
    return gk.read_feed(source, dist_units="km")


class TimeExpandedGraph:
    def __init__(self, feed, walks, date: dt.date, change_s: float) -> None:
        self.walks = walks
        self.change = change_s
        stop_index = {s: i for i, s in enumerate(feed.stops["stop_id"])}
        gt = _read(feed.source)
        today = set(gk.get_active_services(gt, date.strftime("%Y%m%d")))
        yesterday = set(gk.get_active_services(
            gt, (date - dt.timedelta(days=1)).strftime("%Y%m%d")))
        service = dict(zip(gt.trips["trip_id"], gt.trips["service_id"], strict=True))
        st = gt.stop_times.copy()
        st["pick"] = (st["pickup_type"].fillna(0).astype(int) != 1
                      if "pickup_type" in st else True)
        st["drop"] = (st["drop_off_type"].fillna(0).astype(int) != 1
                      if "drop_off_type" in st else True)
        g = nx.DiGraph()
        board_at: dict[int, set[int]] = {}
        boards, alights = [], []
        self.dep_nodes: list[tuple[tuple, int, int]] = []  # (node, stop, time) pickup ok
        self.arr_nodes: list[tuple[tuple, int, int]] = []  # (node, stop, time) drop-off ok
        for trip_id, rows in st.sort_values(["trip_id", "stop_sequence"]).groupby(
                "trip_id", sort=True):
            svc = service[trip_id]
            for shift, active in ((0, svc in today), (-86400, svc in yesterday)):
                if not active:
                    continue
                run = (trip_id, shift)
                ev = []
                for r in rows.itertuples(index=False):
                    a, d = _seconds(r.arrival_time), _seconds(r.departure_time)
                    a, d = (d if a < 0 else a), (a if d < 0 else d)
                    if a < 0:
                        continue
                    ev.append((stop_index[r.stop_id], a, d, bool(r.pick), bool(r.drop)))
                for k, (s, a, d, pick, drop) in enumerate(ev):
                    dep_ok = k + 1 < len(ev) and (shift == 0 or d >= 86400)
                    arr_ok = k > 0 and (shift == 0 or ev[k - 1][2] >= 86400)
                    if dep_ok:
                        nxt = ev[k + 1]
                        g.add_edge(("dep", run, k), ("arr", run, k + 1), weight=nxt[1] - d)
                        if pick:
                            boards.append((s, d + shift, ("dep", run, k)))
                    if arr_ok and dep_ok:
                        g.add_edge(("arr", run, k), ("dep", run, k), weight=d - a)
                    if arr_ok and drop:
                        alights.append((s, a + shift, ("arr", run, k)))
        for s, t, node in boards:
            board_at.setdefault(s, set()).add(t)
            g.add_edge(("wait", s, t), node, weight=0)
            self.dep_nodes.append((node, s, t))
        self.waits = {s: sorted(ts) for s, ts in board_at.items()}
        for s, ts in self.waits.items():
            for t1, t2 in itertools.pairwise(ts):
                g.add_edge(("wait", s, t1), ("wait", s, t2), weight=t2 - t1)
        for s, a, node in alights:
            self.arr_nodes.append((node, s, a))
            for s2, w in walks.transfers[s]:
                ready = a + (w if w > change_s else change_s)
                t = self._first_wait(s2, ready)
                if t is not None:
                    g.add_edge(node, ("wait", s2, t), weight=t - a)
        self.graph = g
        self.n_stops = len(feed.stops)

    def _first_wait(self, stop: int, ready: float):
        ts = self.waits.get(stop)
        if not ts:
            return None
        i = bisect_left(ts, ready)
        return ts[i] if i < len(ts) else None

    def earliest_alight(self, site: int, leave_at: float) -> np.ndarray:
        g = self.graph
        src = ("source",)
        for s, w in self.walks.stops_near_site(site):
            t = self._first_wait(s, leave_at + w)
            if t is not None:
                g.add_edge(src, ("wait", s, t), weight=t - leave_at)
        try:
            dist = nx.single_source_dijkstra_path_length(g, src, weight="weight") \
                if src in g else {}
        finally:
            if src in g:
                g.remove_node(src)
        out = np.full(self.n_stops, np.inf)
        for node, s, _a in self.arr_nodes:
            if node in dist:
                out[s] = min(out[s], leave_at + dist[node])
        return out

    def latest_board(self, site: int, arrive_by: float) -> np.ndarray:
        g = self.graph
        sink = ("sink",)
        egress = {}
        for s, w in self.walks.stops_near_site(site):
            egress[s] = max(egress.get(s, -np.inf), arrive_by - w)
        for node, s, a in self.arr_nodes:
            if s in egress and a <= egress[s]:
                g.add_edge(node, sink, weight=arrive_by - a)
        try:
            dist = nx.single_source_dijkstra_path_length(
                g.reverse(copy=False), sink, weight="weight") if sink in g else {}
        finally:
            if sink in g:
                g.remove_node(sink)
        out = np.full(self.n_stops, -np.inf)
        for node, s, _d in self.dep_nodes:
            if node in dist:
                out[s] = max(out[s], arrive_by - dist[node])
        return out
