"""Synthetic state-wide GTFS feeds in the official German format, of any size (benchmarks only).

What real NWL/NRW/DELFI feeds have and the product must cope with: DHID stop ids
(``de:<AGS>:<n>`` stations, ``de:<AGS>:<n>:0:<k>`` platforms) with parent stations,
``calendar_dates.txt`` only (no ``calendar.txt``), times past 24:00, pickup/drop-off bans at
the ends of trips, lines crossing county borders, regional rail across many counties, and
many services each running on its own set of dates, so that almost every date has a
different set of active services. The numbers are invented; nothing here is a timetable.

54 counties lie on a 6 × 9 grid over North Rhine-Westphalia; the one at Kreis Lippe's
place has the AGS 05766, the others invented keys 05101 …. The feed grows with ``rows``
(stop_times rows): stations per county ∝ √rows (1,100 at 20 M, like NRW's 60k stops), and
trips per line make up the rest. Generated county by county and streamed into the zip, so
a 50 M-row feed needs well under 1 GiB of memory.

    python3 benchmarks/feedgen.py --rows 1000000 --out benchmarks/.work/de-1M.zip
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

GENERATOR_VERSION = 1
LIPPE = "05766"
GRID_ROWS, GRID_COLS = 6, 9
LAT0, LAT1, LON0, LON1 = 50.40, 52.40, 6.00, 9.40
FIRST_DAY, LAST_DAY = dt.date(2026, 1, 5), dt.date(2026, 7, 31)
_WRITE = pcsv.WriteOptions(quoting_style="none", quoting_header="none")


@dataclass(frozen=True)
class County:
    index: int
    ags: str
    row: int
    col: int

    @property
    def box(self) -> tuple[float, float, float, float]:
        """min_lat, max_lat, min_lon, max_lon"""
        dlat, dlon = (LAT1 - LAT0) / GRID_ROWS, (LON1 - LON0) / GRID_COLS
        return (
            LAT0 + self.row * dlat,
            LAT0 + (self.row + 1) * dlat,
            LON0 + self.col * dlon,
            LON0 + (self.col + 1) * dlon,
        )


def counties() -> list[County]:
    lippe = (
        int((51.95 - LAT0) / ((LAT1 - LAT0) / GRID_ROWS)),
        int((8.85 - LON0) / ((LON1 - LON0) / GRID_COLS)),
    )
    out, n = [], 101
    for r in range(GRID_ROWS):
        for c in range(GRID_COLS):
            if (r, c) == lippe:
                ags = LIPPE
            else:
                ags, n = f"05{n:03d}", n + 1
            out.append(County(len(out), ags, r, c))
    return out


def _day_strings() -> list[str]:
    days = (LAST_DAY - FIRST_DAY).days + 1
    return [(FIRST_DAY + dt.timedelta(d)).strftime("%Y%m%d") for d in range(days)]


_TIMES = pa.array([f"{m // 60:02d}:{m % 60:02d}:00" for m in range(48 * 60)])


def _clock(minutes: np.ndarray) -> pa.Array:
    return pc.take(_TIMES, pa.array(minutes.astype(np.int32)))


def _member(zf: zipfile.ZipFile, name: str):
    info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info._compresslevel = 1  # fast; decompression speed hardly depends on the level
    return zf.open(info, "w", force_zip64=True)


def _write(zf: zipfile.ZipFile, name: str, table: pa.Table) -> None:
    with _member(zf, name) as fh:
        pcsv.write_csv(table, fh, write_options=_WRITE)


def generate(rows: int, out: Path, seed: int = 0) -> dict:
    """Write a feed of about ``rows`` stop_times rows to ``out``; returns its counts."""
    rng = np.random.default_rng(seed)
    grid = counties()
    per_county = max(12, round(1100 * (rows / 20e6) ** 0.5))
    days = _day_strings()
    weekday = np.array([(FIRST_DAY + dt.timedelta(d)).weekday() for d in range(len(days))])

    # --- stations and platforms, county by county
    st_id, st_name, st_lat, st_lon, st_county = [], [], [], [], []
    for county in grid:
        la0, la1, lo0, lo1 = county.box
        lat = rng.uniform(la0 + 0.005, la1 - 0.005, per_county)
        lon = rng.uniform(lo0 + 0.005, lo1 - 0.005, per_county)
        numbers = rng.choice(np.arange(1000, 1000 + 20 * per_county), per_county, replace=False)
        st_id += [f"de:{county.ags}:{n}" for n in numbers]
        st_name += [f"Ort {county.ags}-{i}" for i in range(per_county)]
        st_lat.append(lat)
        st_lon.append(lon)
        st_county.append(np.full(per_county, county.index))
    lat_s, lon_s = np.concatenate(st_lat), np.concatenate(st_lon)
    county_of = np.concatenate(st_county)
    n_st = len(st_id)
    two = rng.random(n_st) < 0.4  # stations with two platforms
    plat_station = np.concatenate([np.arange(n_st), np.flatnonzero(two)])
    plat_k = np.concatenate([np.ones(n_st, int), np.full(two.sum(), 2)])
    order = np.lexsort((plat_k, plat_station))
    plat_station, plat_k = plat_station[order], plat_k[order]
    plat_id = [f"{st_id[s]}:0:{k}" for s, k in zip(plat_station, plat_k, strict=True)]
    first_platform = np.searchsorted(plat_station, np.arange(n_st))
    n_pl = len(plat_id)
    off = np.where(plat_k == 2, 0.0003, 0.0)
    stops = pa.table(
        {
            "stop_id": pa.array(st_id + plat_id),
            "stop_name": pa.array(st_name + [st_name[s] for s in plat_station]),
            "stop_lat": pa.array(np.round(np.concatenate([lat_s, lat_s[plat_station]]), 6)),
            "stop_lon": pa.array(np.round(np.concatenate([lon_s, lon_s[plat_station] + off]), 6)),
            "location_type": pa.array(["1"] * n_st + ["0"] * n_pl),
            "parent_station": pa.array(
                [None] * n_st + [st_id[s] for s in plat_station], pa.string()
            ),
            "platform_code": pa.array([None] * n_st + [str(k) for k in plat_k], pa.string()),
        }
    )
    stop_ids = pa.array(plat_id)

    # --- lines: buses within a county (some crossing into a neighbour), and rail
    by_county = [np.flatnonzero(county_of == c.index) for c in grid]
    lines: list[tuple[np.ndarray, int, str]] = []  # (platform indices, route_type, agency)
    for county in grid:
        own = by_county[county.index]
        neighbours = [
            g.index for g in grid if abs(g.row - county.row) + abs(g.col - county.col) == 1
        ]
        for _ in range(max(3, per_county // 6)):
            m = int(rng.integers(12, 26))
            pick = rng.choice(own, min(m, len(own)), replace=False)
            if rng.random() < 0.15 and neighbours:
                other = by_county[int(rng.choice(neighbours))]
                cross = rng.choice(other, max(2, m // 3), replace=False)
                pick = np.concatenate([pick[: m - len(cross)], cross])
            angle = rng.uniform(0, np.pi)
            pick = pick[np.argsort(lat_s[pick] * np.sin(angle) + lon_s[pick] * np.cos(angle))]
            platforms = first_platform[pick] + (two[pick] & (rng.random(len(pick)) < 0.5))
            lines.append((platforms, 700, f"rvk{county.ags}"))
    hubs = np.array([by_county[c.index][0] for c in grid])
    for r in range(GRID_ROWS):  # rail: one line per grid row, one per column
        lines.append((first_platform[hubs[[g.index for g in grid if g.row == r]]], 2, "db"))
    for c in range(GRID_COLS):
        lines.append((first_platform[hubs[[g.index for g in grid if g.col == c]]], 2, "db"))

    # --- services: each runs on its own random share of its day type's dates
    n_services = 60 + int(40 * np.log10(max(rows, 1e5) / 1e5))
    kind = rng.choice(3, n_services, p=[0.7, 0.15, 0.15])  # weekday, Saturday, Sunday
    service_ids = [f"{i + 1}" for i in range(n_services)]
    cd_service, cd_date = [], []
    for s in range(n_services):
        fits = weekday < 5 if kind[s] == 0 else weekday == (5 if kind[s] == 1 else 6)
        on = np.flatnonzero(fits & (rng.random(len(days)) < 0.8))
        cd_service += [service_ids[s]] * len(on)
        cd_date += [days[d] for d in on]
    calendar_dates = pa.table(
        {
            "service_id": pa.array(cd_service),
            "date": pa.array(cd_date),
            "exception_type": pa.array(["1"] * len(cd_date)),
        }
    )

    total_stops = sum(len(p) for p, _, _ in lines)
    trips_per_line = max(2, round(rows / total_stops))

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".part")
    counts = {
        "stops": stops.num_rows,
        "stations": n_st,
        "lines": len(lines),
        "services": n_services,
        "calendar_dates": calendar_dates.num_rows,
    }
    with zipfile.ZipFile(tmp, "w") as zf:
        _write(
            zf,
            "agency.txt",
            pa.table(
                {
                    "agency_id": ["db"] + [f"rvk{c.ags}" for c in grid],
                    "agency_name": ["DB Regio (synthetisch)"]
                    + [f"Busverkehr {c.ags} (synthetisch)" for c in grid],
                    "agency_url": ["https://example.invalid"] * (len(grid) + 1),
                    "agency_timezone": ["Europe/Berlin"] * (len(grid) + 1),
                }
            ),
        )
        _write(zf, "stops.txt", stops)
        _write(
            zf,
            "routes.txt",
            pa.table(
                {
                    "route_id": [f"r{i}" for i in range(len(lines))],
                    "agency_id": [a for _, _, a in lines],
                    "route_short_name": [
                        f"{'RB' if t == 2 else ''}{i}" for i, (_, t, _) in enumerate(lines)
                    ],
                    "route_type": [str(t) for _, t, _ in lines],
                }
            ),
        )
        _write(zf, "calendar_dates.txt", calendar_dates)
        pairs = np.flatnonzero(plat_k == 2)
        a, b = pa.array(pairs - 1), pa.array(pairs)
        _write(
            zf,
            "transfers.txt",
            pa.table(
                {
                    "from_stop_id": pa.concat_arrays([pc.take(stop_ids, a), pc.take(stop_ids, b)]),
                    "to_stop_id": pa.concat_arrays([pc.take(stop_ids, b), pc.take(stop_ids, a)]),
                    "transfer_type": pa.array(["2"] * (2 * len(pairs))),
                    "min_transfer_time": pa.array(["120"] * (2 * len(pairs))),
                }
            ),
        )
        _write(
            zf,
            "feed_info.txt",
            pa.table(
                {
                    "feed_publisher_name": [
                        "course_planner benchmarks: synthetic - not a timetable"
                    ],
                    "feed_publisher_url": ["https://example.invalid"],
                    "feed_lang": ["de"],
                    "feed_start_date": [days[0]],
                    "feed_end_date": [days[-1]],
                }
            ),
        )

        trip_cols: dict[str, list] = {
            "route_id": [],
            "service_id": [],
            "trip_id": [],
            "direction_id": [],
        }
        n_rows = n_trips = 0
        with _member(zf, "stop_times.txt") as fh:
            writer = None
            chunk: list[tuple] = []
            chunk_rows = 0
            for li, (platforms, rtype, _) in enumerate(lines):
                m = len(platforms)
                k = trips_per_line if rtype != 2 else max(trips_per_line, 40)
                hop = rng.integers(1, 4 if rtype != 2 else 12, m - 1)
                direction = np.arange(k) % 2
                # first departures 04:30 … 24:59 (the latest are night trips of the day)
                start = rng.integers(270, 1500, k)
                service = rng.integers(0, n_services, k)
                ids = np.arange(n_trips, n_trips + k)
                n_trips += k
                trip_cols["route_id"].append(np.full(k, li))
                trip_cols["service_id"].append(service)
                trip_cols["trip_id"].append(ids)
                trip_cols["direction_id"].append(direction)
                chunk.append((platforms, hop, direction, start, ids))
                chunk_rows += k * m
                if chunk_rows > 2_000_000 or li == len(lines) - 1:
                    batch = _stop_times(chunk, stop_ids)
                    if writer is None:
                        writer = pcsv.CSVWriter(fh, batch.schema, write_options=_WRITE)
                    writer.write_table(batch)
                    n_rows += batch.num_rows
                    chunk, chunk_rows = [], 0
            writer.close()
        trips = pa.table(
            {
                "route_id": pc.binary_join_element_wise(
                    "r", pc.cast(pa.array(np.concatenate(trip_cols["route_id"])), pa.string()), ""
                ),
                "service_id": pc.take(
                    pa.array(service_ids), pa.array(np.concatenate(trip_cols["service_id"]))
                ),
                "trip_id": pc.cast(
                    pa.array(np.concatenate(trip_cols["trip_id"]) + 1_000_000), pa.string()
                ),
                "direction_id": pc.cast(
                    pa.array(np.concatenate(trip_cols["direction_id"])), pa.string()
                ),
            }
        )
        _write(zf, "trips.txt", trips)
    tmp.replace(out)
    counts.update(stop_times=n_rows, trips=n_trips)
    return counts


def _stop_times(chunk: list[tuple], stop_ids: pa.Array) -> pa.Table:
    trip, plat, seq, arr, dep, first, last = [], [], [], [], [], [], []
    for platforms, hop, direction, start, ids in chunk:
        m, k = len(platforms), len(ids)
        back = direction == 1
        order = np.where(back[:, None], np.arange(m)[::-1][None, :], np.arange(m)[None, :])
        offsets = np.concatenate([[0], np.cumsum(hop)])
        run = np.where(back[:, None], (offsets[-1] - offsets[::-1])[None, :], offsets[None, :])
        a = start[:, None] + run
        dwell = (np.arange(m)[None, :] % 5 == 2) & (np.arange(m)[None, :] < m - 1)
        trip.append(np.repeat(ids, m))
        plat.append(platforms[order].ravel())
        seq.append(np.tile(np.arange(1, m + 1), k))
        arr.append(a.ravel())
        dep.append((a + dwell).ravel())
        first.append(np.tile(np.arange(m) == 0, k))
        last.append(np.tile(np.arange(m) == m - 1, k))
    f, la = np.concatenate(first), np.concatenate(last)
    flag = pa.array(["0", "1"])
    return pa.table(
        {
            "trip_id": pc.cast(pa.array(np.concatenate(trip) + 1_000_000), pa.string()),
            "arrival_time": _clock(np.concatenate(arr)),
            "departure_time": _clock(np.concatenate(dep)),
            "stop_id": pc.take(stop_ids, pa.array(np.concatenate(plat))),
            "stop_sequence": pc.cast(pa.array(np.concatenate(seq).astype(np.int32)), pa.string()),
            "pickup_type": pc.take(flag, pa.array(la.astype(np.int8))),
            "drop_off_type": pc.take(flag, pa.array(f.astype(np.int8))),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=float, required=True, help="stop_times rows, e.g. 1e6")
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    t0 = time.perf_counter()
    counts = generate(int(args.rows), Path(args.out), args.seed)
    print(f"{args.out}: {counts} in {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
