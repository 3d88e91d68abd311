"""Walks: place → stop, room ↔ stop, stop ↔ stop, place → room, as a networkx graph.

Walking time = straight-line (great-circle) distance × detour factor ÷ walking speed.
Distance limits apply to the straight-line distance and are inclusive.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from course_planner.coordinates import haversine_m
from course_planner.scenario import Travel


def pairs_within(
    lat_a: ArrayLike, lon_a: ArrayLike, lat_b: ArrayLike, lon_b: ArrayLike, radius_m: float
) -> pd.DataFrame:
    """All pairs (a, b) with distance ≤ radius_m, as columns ``a, b, dist_m`` (sorted).

    A grid of cells at least ``radius_m`` wide keeps this linear in the number of points,
    so it works on a whole-country feed as well as on a village.
    """
    lat_a, lon_a = np.asarray(lat_a, float), np.asarray(lon_a, float)
    lat_b, lon_b = np.asarray(lat_b, float), np.asarray(lon_b, float)
    empty = pd.DataFrame(
        {
            "a": pd.Series(dtype=np.int64),
            "b": pd.Series(dtype=np.int64),
            "dist_m": pd.Series(dtype=float),
        }
    )
    if len(lat_a) == 0 or len(lat_b) == 0:
        return empty
    # The smallest cos(lat) makes projected east-west distances an underestimate, so
    # every pair within the radius lands in neighbouring cells.
    max_abs_lat = min(89.0, float(max(np.abs(lat_a).max(), np.abs(lat_b).max())) + 0.01)
    kx = np.cos(np.radians(max_abs_lat)) * 111_320.0
    ky = 110_574.0
    cell = max(radius_m, 1.0) * 1.01

    def cells(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = np.floor(lon * kx / cell).astype(np.int64)
        return x, np.floor(lat * ky / cell).astype(np.int64)

    ax, ay = cells(lat_a, lon_a)
    bx, by = cells(lat_b, lon_b)
    b = pd.DataFrame({"cx": bx, "cy": by, "b": np.arange(len(lat_b))})
    parts = []
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            a = pd.DataFrame({"cx": ax + dx, "cy": ay + dy, "a": np.arange(len(lat_a))})
            parts.append(a.merge(b, on=["cx", "cy"])[["a", "b"]])
    pairs = pd.concat(parts, ignore_index=True)
    if pairs.empty:
        return empty
    ia, ib = pairs["a"].to_numpy(), pairs["b"].to_numpy()
    dist = haversine_m(lat_a[ia], lon_a[ia], lat_b[ib], lon_b[ib])
    keep = dist <= radius_m
    out = pd.DataFrame({"a": ia[keep], "b": ib[keep], "dist_m": dist[keep]})
    return out.sort_values(["a", "b"], kind="stable").reset_index(drop=True)


@dataclass(frozen=True, eq=False)
class WalkNetwork:
    """The walks of one scenario.

    ``graph`` (networkx DiGraph) has nodes ``("place", i)``, ``("site", k)``, ``("stop", j)``
    and edges with ``dist_m``, ``walk_s`` and ``kind`` (access, egress, transfer, direct).
    The frames and lists below are read off the graph for the router.
    """

    graph: nx.DiGraph = field(repr=False)
    place_stops: pd.DataFrame = field(repr=False)  # place, stop, dist_m, walk_s
    site_stops: pd.DataFrame = field(repr=False)  # site, stop, dist_m, walk_s
    place_site: pd.DataFrame = field(repr=False)  # place, site, dist_m, walk_s (direct walks)
    transfers: list[list[tuple[int, float]]] = field(repr=False)  # per stop: walks out
    transfers_in: list[list[tuple[int, float]]] = field(repr=False)  # per stop: walks in

    def stops_near_site(self, site: int) -> list[tuple[int, float]]:
        rows = self.site_stops[self.site_stops["site"] == site]
        return list(zip(rows["stop"].tolist(), rows["walk_s"].tolist(), strict=True))


def build_walks(
    places: pd.DataFrame,
    sites: pd.DataFrame,
    stops: pd.DataFrame,
    travel: Travel,
    feed_transfers: pd.DataFrame | None = None,
) -> WalkNetwork:
    """Build the walk graph.

    ``places`` and ``sites`` need ``lat, lon``; ``stops`` needs ``stop_id, station_id, lat,
    lon``. With ``feed_transfers`` (transfers.txt) the stop ↔ stop walks are those the feed
    lists (its ``min_transfer_time`` where given, else the walking rule; type 3 = no
    transfer) instead of all stops within ``max_transfer_walk_m``.
    """
    g = nx.DiGraph()
    g.add_nodes_from(("place", i) for i in range(len(places)))
    g.add_nodes_from(("site", k) for k in range(len(sites)))
    g.add_nodes_from(("stop", j) for j in range(len(stops)))

    def add(pairs: pd.DataFrame, src: str, dst: str, kind: str, back: str | None) -> None:
        walk = travel.walk_seconds(pairs["dist_m"].to_numpy())
        for a, b, d, w in zip(
            pairs["a"].tolist(),
            pairs["b"].tolist(),
            pairs["dist_m"].tolist(),
            walk.tolist(),
            strict=True,
        ):
            g.add_edge((src, a), (dst, b), dist_m=d, walk_s=w, kind=kind)
            if back:
                g.add_edge((dst, b), (src, a), dist_m=d, walk_s=w, kind=back)

    r = travel.max_access_walk_m
    add(
        pairs_within(places["lat"], places["lon"], stops["lat"], stops["lon"], r),
        "place",
        "stop",
        "access",
        "egress",
    )
    add(
        pairs_within(sites["lat"], sites["lon"], stops["lat"], stops["lon"], r),
        "site",
        "stop",
        "site_access",
        "site_egress",
    )
    add(
        pairs_within(places["lat"], places["lon"], sites["lat"], sites["lon"], r),
        "place",
        "site",
        "direct",
        "direct",
    )
    if feed_transfers is None:
        tr = pairs_within(
            stops["lat"], stops["lon"], stops["lat"], stops["lon"], travel.max_transfer_walk_m
        )
        add(tr[tr["a"] != tr["b"]], "stop", "stop", "transfer", None)
    else:
        _add_feed_transfers(g, stops, travel, feed_transfers)

    def frame(src: str, dst: str, kinds: tuple[str, ...], cols: tuple[str, str]) -> pd.DataFrame:
        rows = [
            (u[1], v[1], d["dist_m"], d["walk_s"])
            for u, v, d in g.edges(data=True)
            if u[0] == src and v[0] == dst and d["kind"] in kinds
        ]
        df = pd.DataFrame(rows, columns=[*cols, "dist_m", "walk_s"])
        return (
            df.astype({cols[0]: np.int64, cols[1]: np.int64, "dist_m": float, "walk_s": float})
            .sort_values(list(cols))
            .reset_index(drop=True)
        )

    # walks between stops, with "staying at the stop" (0 s) first; feed transfers may be
    # one-way, so the backward scan needs the walks *into* each stop
    transfers: list[list[tuple[int, float]]] = [[(j, 0.0)] for j in range(len(stops))]
    transfers_in: list[list[tuple[int, float]]] = [[(j, 0.0)] for j in range(len(stops))]
    for u, v, d in g.edges(data=True):
        if d["kind"] == "transfer":
            transfers[u[1]].append((v[1], d["walk_s"]))
            transfers_in[v[1]].append((u[1], d["walk_s"]))
    for lst in (*transfers, *transfers_in):
        lst.sort()
    return WalkNetwork(
        graph=g,
        place_stops=frame("place", "stop", ("access",), ("place", "stop")),
        site_stops=frame("site", "stop", ("site_access",), ("site", "stop")),
        place_site=frame("place", "site", ("direct",), ("place", "site")),
        transfers=transfers,
        transfers_in=transfers_in,
    )


def _add_feed_transfers(
    g: nx.DiGraph, stops: pd.DataFrame, travel: Travel, transfers: pd.DataFrame
) -> None:
    # transfers.txt may name platforms or parent stations: expand stations to platforms.
    members: dict[str, list[int]] = {}
    for j, (sid, station) in enumerate(zip(stops["stop_id"], stops["station_id"], strict=True)):
        members.setdefault(sid, []).append(j)
        if station != sid:
            members.setdefault(station, []).append(j)
    lat, lon = stops["lat"].to_numpy(), stops["lon"].to_numpy()
    has_min = "min_transfer_time" in transfers.columns
    for rec in transfers.itertuples(index=False):
        kind = int(rec.transfer_type) if pd.notna(rec.transfer_type) else 0
        if kind == 3:
            continue
        minimum = getattr(rec, "min_transfer_time", None) if has_min else None
        for a in members.get(str(rec.from_stop_id), []):
            for b in members.get(str(rec.to_stop_id), []):
                if a == b:
                    continue
                d = float(haversine_m(lat[a], lon[a], lat[b], lon[b]))
                w = (
                    float(minimum)
                    if minimum is not None and pd.notna(minimum)
                    else float(travel.walk_seconds(d))
                )
                g.add_edge(("stop", a), ("stop", b), dist_m=d, walk_s=w, kind="transfer")
