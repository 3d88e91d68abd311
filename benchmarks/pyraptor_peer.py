"""Runs inside pyraptor's own venv (pandas 1.5): convert a feed, build, query; print JSON.

Called by reachability.py with one JSON argument:
{"feed", "date" (YYYYMMDD), "work", "origins" (stop ids), "departure" (s), "rounds"}.

pyraptor 1.3.10 reads only calendar_dates.txt, keeps only routes of named agencies, needs
integer trip_short_name, trip_long_name, stop_code and a parent_station on every stop, and
groups stops into stations by stop_name. The converted copy therefore has: one agency, the
services of the date as calendar_dates rows, and every stop as its own one-platform station
(name = stop id), so that pyraptor's only transfers (between platforms of one station) do not
occur and a change at the same stop needs 0 s, as in our scan configured to match.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pandas as pd
from pyraptor.gtfs.timetable import gtfs_to_pyraptor_timetable, read_gtfs_timetable
from pyraptor.model.raptor import RaptorAlgorithm


def read_table(feed: Path, name: str) -> pd.DataFrame | None:
    if feed.is_file():
        with zipfile.ZipFile(feed) as zf:
            if f"{name}.txt" not in zf.namelist():
                return None
            with zf.open(f"{name}.txt") as fh:
                return pd.read_csv(fh, dtype=str, encoding="utf-8-sig")
    path = feed / f"{name}.txt"
    return pd.read_csv(path, dtype=str, encoding="utf-8-sig") if path.exists() else None


def active_services(feed: Path, date: str) -> set[str]:
    active: set[str] = set()
    cal = read_table(feed, "calendar")
    if cal is not None:
        weekday = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")[
            dt.datetime.strptime(date, "%Y%m%d").weekday()
        ]
        sel = (cal["start_date"] <= date) & (cal["end_date"] >= date) & (cal[weekday] == "1")
        active |= set(cal.loc[sel, "service_id"])
    cd = read_table(feed, "calendar_dates")
    if cd is not None:
        today = cd[cd["date"] == date]
        active |= set(today.loc[today["exception_type"] == "1", "service_id"])
        active -= set(today.loc[today["exception_type"] == "2", "service_id"])
    return active


def convert(feed: Path, date: str, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"agency_id": ["all"], "agency_name": ["ALL"]}).to_csv(
        out / "agency.txt", index=False
    )
    routes = read_table(feed, "routes")
    routes["agency_id"] = "all"
    for col in ("route_short_name", "route_long_name"):
        if col not in routes:
            routes[col] = ""
    routes.to_csv(out / "routes.txt", index=False)
    trips = read_table(feed, "trips")
    trips["trip_short_name"] = range(len(trips))
    trips["trip_long_name"] = trips["route_id"]
    trips.to_csv(out / "trips.txt", index=False)
    services = sorted(active_services(feed, date))
    pd.DataFrame({"service_id": services, "date": date, "exception_type": 1}).to_csv(
        out / "calendar_dates.txt", index=False
    )
    read_table(feed, "stop_times").to_csv(out / "stop_times.txt", index=False)
    stops = read_table(feed, "stops")
    if "location_type" in stops:
        stops = stops[stops["location_type"].fillna("0") != "1"]
    stops = pd.DataFrame(
        {
            "stop_id": stops["stop_id"],
            "stop_name": stops["stop_id"],
            "stop_code": stops["stop_id"],
            "parent_station": "P" + stops["stop_id"],
            "platform_code": "1",
        }
    )
    stops.to_csv(out / "stops.txt", index=False)


def main() -> None:
    req = json.loads(sys.argv[1])
    with tempfile.TemporaryDirectory(dir=req["work"]) as tmp:
        folder = Path(tmp) / "gtfs"
        convert(Path(req["feed"]), req["date"], folder)
        t0 = time.perf_counter()
        timetable = gtfs_to_pyraptor_timetable(
            read_gtfs_timetable(str(folder), req["date"], ["ALL"])
        )
        build_s = time.perf_counter() - t0
    arrivals = []
    t0 = time.perf_counter()
    for origin in req["origins"]:
        raptor = RaptorAlgorithm(timetable)
        from_stops = timetable.stations.get(origin).stops
        raptor.run(from_stops, req["departure"], req["rounds"])
        # Not bags[rounds]: when the rounds stop early (nothing marked), pyraptor leaves the
        # later rounds' bags at their empty initial labels. bag_star holds the best labels.
        arrivals.append(
            {
                stop.id: label.earliest_arrival_time
                for stop, label in raptor.bag_star.items()
                if label.trip is not None
            }
        )
    query_s = time.perf_counter() - t0
    print(json.dumps({"build_s": build_s, "query_s": query_s, "arrivals": arrivals}))


if __name__ == "__main__":
    from loguru import logger

    logger.remove()
    main()
