"""Benchmark: the full-term reachability table with on-demand zones, against the same table
without them (issue 14's target: within 2×).

    python3 benchmarks/on_demand.py [--repeat 5] [--all-stations]

Scenario: scenarios/lippe-2026.yaml (17 places × 3 rooms × 24 course dates). Variants:

* no zones (the shipped scenario without its illustrative zone);
* the shipped illustrative Limo-style zone around Horn-Bad Meinberg (holds one room);
* one zone per municipality: a zone of 5 km around each of the 16 municipality centres of
  the places file (Limo's hours, booking 60 min ahead, not within 15 min of a bus); the
  rooms lie in zones, so every booked scan is a whole second scan;
* the same without Limo's "not within 15 minutes of a bus" rule (what the rule costs).

Each run prepares a fresh study (walks, zones) from the loaded feed, collects the garbage of
the runs before (a full collection inside a timed table would charge it with their cost, and
the variants would depend on their order), and times ``reachability_table`` from empty scan
caches; the median of ``--repeat`` runs is printed.
With ``--all-stations``, every station of the feed is a place (3065 places), as in the
reachability benchmark's largest table.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from course_planner.scenario import Scenario, load_scenario
from course_planner.transit.feed import Feed, load_feed
from course_planner.transit.reachability import prepare, reachability_table

REPO = Path(__file__).resolve().parent.parent
HOURS = {day: ["08:00-20:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat")} | {
    "sun": ["10:00-20:00"]
}


def municipality_zones(places: pd.DataFrame, folder: Path, rule: bool = True) -> list[dict]:
    """A zone of 5 km around each municipality centre (a GeoJSON circle per town)."""
    towns = places[places["name"] != "Bad Meinberg"]  # a part of Horn-Bad Meinberg
    zones = []
    for i, town in enumerate(towns.itertuples(index=False)):
        angles = np.linspace(0, 2 * np.pi, 49)
        ring = [
            [
                town.lon + 5 / (111.32 * np.cos(np.radians(town.lat))) * np.cos(a),
                town.lat + 5 / 110.54 * np.sin(a),
            ]
            for a in angles
        ]
        path = folder / f"zone-{i}.geojson"
        path.write_text(json.dumps({"type": "Polygon", "coordinates": [ring]}), encoding="utf-8")
        zones.append(
            {
                "name": f"Zone {town.name}",
                "zone": {"geojson": str(path)},
                "hours": HOURS,
                "booking": {"minutes_ahead": 60},
                "not_within_min_of_bus": 15 if rule else None,
                "illustrative": True,
            }
        )
    return zones


def timed(scenario: Scenario, feed: Feed, repeat: int, places: pd.DataFrame | None) -> tuple:
    times, table = [], None
    for _ in range(repeat):
        study = prepare(scenario, feed, places)
        gc.collect()  # earlier runs' garbage is not this run's cost (timeit does the same)
        t0 = time.perf_counter()
        table = reachability_table(study)
        times.append(time.perf_counter() - t0)
    assert table is not None
    return statistics.median(times), table


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--all-stations", action="store_true")
    args = ap.parse_args()
    shipped = load_scenario(REPO / "scenarios" / "lippe-2026.yaml")
    feed = load_feed(shipped.feed)
    places = None
    if args.all_stations:
        st = feed.stations
        places = pd.DataFrame(
            {
                "name": st["station_name"] + " (" + st["station_id"].astype(str) + ")",
                "lat": st["lat"],
                "lon": st["lon"],
                "participants": 1,
                "stop_id": st["station_id"],
            }
        )
    town_places = prepare(shipped, feed).places
    folder = Path(tempfile.mkdtemp(prefix="zones-"))
    variants = {
        "no zones": shipped.model_copy(update={"on_demand": []}),
        "illustrative zone (Horn-Bad Meinberg)": shipped,
        "one zone per municipality (16)": Scenario.model_validate(
            {**shipped.model_dump(), "on_demand": municipality_zones(town_places, folder)}
        ),
        "the same, without the 15-minute rule": Scenario.model_validate(
            {**shipped.model_dump(), "on_demand": municipality_zones(town_places, folder, False)}
        ),
    }
    timed(variants["no zones"], feed, 1, places)  # compile the scans, warm the caches
    base = None
    print(f"{'variant':42} {'table':>9} {'vs none':>8} {'rows':>7} {'on_demand_only':>15}")
    for name, scenario in variants.items():
        seconds, table = timed(scenario, feed, args.repeat, places)
        base = base or seconds
        only = int((table["reason"] == "on_demand_only").sum())
        print(f"{name:42} {seconds:8.3f}s {seconds / base:7.2f}× {len(table):7} {only:15}")


if __name__ == "__main__":
    main()
