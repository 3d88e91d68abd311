"""GTFS loading with gtfs-kit, checks that name file/row/field, and the arrays the router scans.

A :class:`Feed` holds the feed's stops, trips and *connections* (one row per hop between two
consecutive stop times of a trip), indexed by integer ids so that the router can scan plain
lists. Times are seconds after midnight of the trip's *service date* and may exceed 86 400.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import gtfs_kit as gk
import numpy as np
import pandas as pd
from gtfs_kit import constants as gk_constants

from course_planner.errors import FeedError, InputFileNotFoundError

REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "stops": ("stop_id", "stop_lat", "stop_lon"),
    "routes": ("route_id",),
    "trips": ("route_id", "service_id", "trip_id"),
    "stop_times": ("trip_id", "stop_id", "stop_sequence", "arrival_time", "departure_time"),
    "calendar": ("service_id", "monday", "tuesday", "wednesday", "thursday", "friday",
                 "saturday", "sunday", "start_date", "end_date"),
    "calendar_dates": ("service_id", "date", "exception_type"),
    "transfers": ("from_stop_id", "to_stop_id", "transfer_type"),
}
_TIME = r"^\s*(\d{1,3}):([0-5]\d):([0-5]\d)\s*$"


@dataclass(frozen=True, eq=False)
class Connections:
    """One hop of one trip: board at ``dep_stop`` at ``dep``, alight at ``arr_stop`` at ``arr``.

    All arrays have one entry per connection. ``seq`` orders the hops of a trip.
    """

    trip: np.ndarray
    dep_stop: np.ndarray
    arr_stop: np.ndarray
    dep: np.ndarray
    arr: np.ndarray
    board_ok: np.ndarray
    alight_ok: np.ndarray
    seq: np.ndarray

    def __len__(self) -> int:
        return len(self.trip)


@dataclass(frozen=True, eq=False)
class Feed:
    """A checked GTFS feed, ready for routing.

    ``stops``: the stops vehicles serve (index = stop index): stop_id, stop_name, lat, lon,
    station_id (its parent station, or itself), platform_code.
    ``stations``: one row per station (parent station or lone stop): station_id,
    station_name, lat, lon.
    ``trips``: index = trip index: trip_id, service_id, route_id, route_name, headsign.
    """

    source: str
    gtfs: gk.Feed = field(repr=False)
    stops: pd.DataFrame = field(repr=False)
    stations: pd.DataFrame = field(repr=False)
    trips: pd.DataFrame = field(repr=False)
    connections: Connections = field(repr=False)
    trip_service: np.ndarray = field(repr=False)  # trip index -> service index
    service_ids: tuple[str, ...] = ()
    first_date: dt.date | None = None
    last_date: dt.date | None = None
    _active: dict[dt.date, frozenset[int]] = field(default_factory=dict, repr=False)

    @property
    def validity(self) -> str:
        return f"{self.first_date} … {self.last_date}"

    def active_services(self, date: dt.date) -> frozenset[int]:
        """Indices of the services running on ``date`` (calendar + calendar_dates)."""
        if date not in self._active:
            ids = gk.get_active_services(self.gtfs, date.strftime("%Y%m%d"))
            index = {s: i for i, s in enumerate(self.service_ids)}
            self._active[date] = frozenset(index[s] for s in ids if s in index)
        return self._active[date]

    def check_dates(self, dates: list[dt.date]) -> None:
        """Raise :class:`FeedError` when a date lies outside the feed's validity."""
        outside = [d for d in dates if not (self.first_date <= d <= self.last_date)]
        if outside:
            more = f" and {len(outside) - 1} more" if len(outside) > 1 else ""
            raise FeedError(
                f"the course date {outside[0]}{more} lies outside the feed's validity "
                f"{self.validity}.",
                file=self.source,
                hint="Choose course dates inside that range or load a feed that covers them.",
            )

    def feed_transfers(self) -> pd.DataFrame | None:
        """transfers.txt as from/to stop ids with type and min_transfer_time, if present."""
        return self.gtfs.transfers


def load_feed(path: str | Path) -> Feed:
    """Read a GTFS zip or folder, check it, and build the routing arrays."""
    path = Path(path)
    label = str(path)
    if not path.exists():
        raise InputFileNotFoundError("the GTFS feed does not exist.", file=label,
                                     hint="Give the path of a GTFS zip file or folder.")
    if path.is_file() and not zipfile.is_zipfile(path):
        raise FeedError("this is not a zip file (or the zip is broken).", file=label,
                        hint="Download the feed again, or give the unpacked folder.")
    try:
        gtfs = gk.read_feed(path, dist_units="km")
    except (ValueError, TypeError, zipfile.BadZipFile, UnicodeDecodeError,
            pd.errors.ParserError) as exc:
        raise _locate_bad_cell(path) or FeedError(
            f"gtfs-kit could not read the feed ({exc}).", file=label
        ) from None
    _check_tables(gtfs, label)
    return _build(gtfs, label)


# --------------------------------------------------------------------------- checks


def _member(label: str, table: str) -> str:
    return f"{label}/{table}.txt" if not label.endswith(".txt") else label


def _check_tables(gtfs: gk.Feed, label: str) -> None:
    for table in ("stops", "routes", "trips", "stop_times"):
        if getattr(gtfs, table) is None:
            raise FeedError(f"the required file {table}.txt is missing or empty.", file=label,
                            hint="A GTFS feed needs stops, routes, trips and stop_times.")
    if gtfs.calendar is None and gtfs.calendar_dates is None:
        raise FeedError("neither calendar.txt nor calendar_dates.txt is present.", file=label,
                        hint="Without one of them no trip has a date it runs on.")
    for table, columns in REQUIRED_COLUMNS.items():
        df = getattr(gtfs, table)
        if df is None:
            continue
        for column in columns:
            if column not in df.columns:
                raise FeedError(f"the required column '{column}' is missing.",
                                file=_member(label, table), field=column)

    def dangling(table: str, column: str, known: pd.Series, target: str) -> None:
        df = getattr(gtfs, table)
        values = df[column]
        bad = values.notna() & ~values.isin(set(known.dropna()))
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise FeedError(
                f"'{values.iloc[i]}' is not defined in {target}.",
                file=_member(label, table), row=i + 2, field=column,
                hint=f"Every {column} must appear in {target}.",
            )

    dangling("trips", "route_id", gtfs.routes["route_id"], "routes.txt")
    services = pd.concat([
        t["service_id"] for t in (gtfs.calendar, gtfs.calendar_dates) if t is not None
    ])
    dangling("trips", "service_id", services, "calendar.txt or calendar_dates.txt")
    dangling("stop_times", "trip_id", gtfs.trips["trip_id"], "trips.txt")
    dangling("stop_times", "stop_id", gtfs.stops["stop_id"], "stops.txt")
    if "parent_station" in gtfs.stops.columns:
        dangling("stops", "parent_station", gtfs.stops["stop_id"], "stops.txt (as a stop_id)")
    if gtfs.transfers is not None:
        dangling("transfers", "from_stop_id", gtfs.stops["stop_id"], "stops.txt")
        dangling("transfers", "to_stop_id", gtfs.stops["stop_id"], "stops.txt")
    for column in ("stop_lat", "stop_lon"):
        missing = gtfs.stops[column].isna()
        used = gtfs.stops["stop_id"].isin(set(gtfs.stop_times["stop_id"]))
        if (missing & used).any():
            i = int(np.flatnonzero((missing & used).to_numpy())[0])
            raise FeedError("a stop served by trips has no coordinate.",
                            file=_member(label, "stops"), row=i + 2, field=column)


def _locate_bad_cell(path: Path) -> FeedError | None:
    """After gtfs-kit failed: re-read every table as text and find the cell it choked on."""
    label = str(path)
    try:
        if path.is_file():
            with zipfile.ZipFile(path) as zf:
                members = {Path(n).stem: n for n in zf.namelist() if n.endswith(".txt")}
                frames = {}
                for table, name in members.items():
                    with zf.open(name) as fh:
                        frames[table] = pd.read_csv(fh, dtype=str, encoding="utf-8-sig",
                                                    keep_default_na=False)
        else:
            frames = {p.stem: pd.read_csv(p, dtype=str, encoding="utf-8-sig",
                                          keep_default_na=False)
                      for p in path.glob("*.txt") if p.stat().st_size}
    except zipfile.BadZipFile:
        return FeedError("the zip file is broken.", file=label,
                         hint="Download the feed again.")
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        return FeedError(f"a file is not readable CSV text ({exc}).", file=label,
                         hint="GTFS files must be UTF-8 CSV.")
    for table, df in frames.items():
        dtypes = gk_constants.DTYPES.get(table, {})
        df.columns = [c.strip() for c in df.columns]
        for column, kind in dtypes.items():
            if column not in df.columns or kind in ("string", "str", str):
                continue
            text = df[column].str.strip()
            number = pd.to_numeric(text.where(text != ""), errors="coerce")
            bad = (text != "") & number.isna()
            if not bad.any() and "int" in str(kind).lower():
                bad = number.notna() & (number != number.round())
            if bad.any():
                i = int(np.flatnonzero(bad.to_numpy())[0])
                return FeedError(f"'{df[column].iloc[i]}' is not a number.",
                                 file=_member(label, table), row=i + 2, field=column)
    return None


def _parse_times(series: pd.Series, label: str, column: str) -> np.ndarray:
    """'25:10:00' -> 90600 seconds; empty -> -1; anything else -> FeedError with the row."""
    text = series.astype("string")
    parts = text.str.extract(_TIME)
    bad = text.notna() & (text.str.strip() != "") & parts[0].isna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise FeedError(
            f"'{text.iloc[i]}' is not a time; write HH:MM:SS (hours may exceed 24).",
            file=_member(label, "stop_times"), row=i + 2, field=column,
        )
    h, m, s = (pd.to_numeric(parts[k]).fillna(-1).astype(int).to_numpy() for k in range(3))
    out = h * 3600 + m * 60 + s
    out[h < 0] = -1
    return out


def _flag_not_one(df: pd.DataFrame, column: str) -> np.ndarray:
    if column not in df.columns:
        return np.ones(len(df), dtype=bool)
    return (df[column].fillna(0).astype(int) != 1).to_numpy()


# --------------------------------------------------------------------------- building


def _build(gtfs: gk.Feed, label: str) -> Feed:
    st = gtfs.stop_times
    arr = _parse_times(st["arrival_time"], label, "arrival_time")
    dep = _parse_times(st["departure_time"], label, "departure_time")
    # A stop time with one of its times empty uses the other; with both empty (a stop
    # passed without a timetable time) it is skipped: nobody can board or alight there.
    arr = np.where(arr < 0, dep, arr)
    dep = np.where(dep < 0, arr, dep)
    work = pd.DataFrame({
        "row": np.arange(len(st)),
        "trip_id": st["trip_id"].astype(str).to_numpy(),
        "stop_id": st["stop_id"].astype(str).to_numpy(),
        "seq": st["stop_sequence"].astype("int64").to_numpy(),
        "arr": arr, "dep": dep,
        "board_ok": _flag_not_one(st, "pickup_type"),
        "alight_ok": _flag_not_one(st, "drop_off_type"),
    })
    work = work[work["arr"] >= 0]
    work = work.sort_values(["trip_id", "seq"], kind="stable")
    dup = work.duplicated(["trip_id", "seq"])
    if dup.any():
        row = int(work.loc[dup, "row"].iloc[0])
        raise FeedError("a trip has two stop times with the same stop_sequence.",
                        file=_member(label, "stop_times"), row=row + 2, field="stop_sequence")
    if (work["dep"] < work["arr"]).any():
        row = int(work.loc[work["dep"] < work["arr"], "row"].iloc[0])
        raise FeedError("the departure time lies before the arrival time.",
                        file=_member(label, "stop_times"), row=row + 2, field="departure_time")

    # stops served by trips, with their station (parent station or the stop itself)
    stops_all = gtfs.stops.copy()
    stops_all["stop_id"] = stops_all["stop_id"].astype(str)
    parent = (stops_all["parent_station"].astype("string")
              if "parent_station" in stops_all.columns
              else pd.Series(pd.NA, index=stops_all.index, dtype="string"))
    stops_all["station_id"] = parent.fillna(stops_all["stop_id"]).astype(str)
    served_ids = sorted(set(work["stop_id"]))
    served = stops_all.set_index("stop_id").loc[served_ids].reset_index()
    stop_index = {s: i for i, s in enumerate(served["stop_id"])}
    name = (served["stop_name"].astype("string") if "stop_name" in served.columns
            else pd.Series(pd.NA, index=served.index, dtype="string"))
    platform = (served["platform_code"].astype("string") if "platform_code" in served.columns
                else pd.Series(pd.NA, index=served.index, dtype="string"))
    stops = pd.DataFrame({
        "stop_id": served["stop_id"].astype(str),
        "stop_name": name.fillna(served["stop_id"]).astype(str),
        "lat": served["stop_lat"].astype(float),
        "lon": served["stop_lon"].astype(float),
        "station_id": served["station_id"].astype(str),
        "platform_code": platform,
    })
    by_id = stops_all.set_index("stop_id")
    station_ids = sorted(set(stops["station_id"]))
    st_rows = by_id.reindex(station_ids)
    station_names = (st_rows["stop_name"].astype("string") if "stop_name" in st_rows.columns
                     else pd.Series(pd.NA, index=st_rows.index, dtype="string"))
    stations = pd.DataFrame({
        "station_id": station_ids,
        "station_name": station_names.fillna(pd.Series(station_ids, index=st_rows.index))
        .astype(str).to_numpy(),
        "lat": st_rows["stop_lat"].astype(float).to_numpy(),
        "lon": st_rows["stop_lon"].astype(float).to_numpy(),
    })
    # a parent station without coordinates takes the mean of its platforms
    missing = stations["lat"].isna() | stations["lon"].isna()
    if missing.any():
        centre = stops.groupby("station_id")[["lat", "lon"]].mean()
        ids = stations.loc[missing, "station_id"]
        for column in ("lat", "lon"):
            stations.loc[missing, column] = centre.loc[ids, column].to_numpy()

    # trips with their route names
    routes = gtfs.routes.set_index("route_id")
    short = (routes["route_short_name"].astype("string") if "route_short_name" in routes.columns
             else pd.Series(pd.NA, index=routes.index, dtype="string"))
    long_ = (routes["route_long_name"].astype("string") if "route_long_name" in routes.columns
             else pd.Series(pd.NA, index=routes.index, dtype="string"))
    route_name = short.fillna(long_).fillna(pd.Series(routes.index, index=routes.index))
    trips_df = gtfs.trips.copy()
    trips_df = trips_df[trips_df["trip_id"].isin(set(work["trip_id"]))]
    trips_df = trips_df.sort_values("trip_id", kind="stable").reset_index(drop=True)
    headsign = (trips_df["trip_headsign"].astype("string") if "trip_headsign" in trips_df
                else pd.Series(pd.NA, index=trips_df.index, dtype="string"))
    service_ids = tuple(sorted(set(
        pd.concat([t["service_id"] for t in (gtfs.calendar, gtfs.calendar_dates)
                   if t is not None]).astype(str))))
    service_index = {s: i for i, s in enumerate(service_ids)}
    trips = pd.DataFrame({
        "trip_id": trips_df["trip_id"].astype(str),
        "service_id": trips_df["service_id"].astype(str),
        "route_id": trips_df["route_id"].astype(str),
        "route_name": route_name.reindex(trips_df["route_id"]).astype(str).to_numpy(),
        "headsign": headsign.fillna("").astype(str),
    })
    trip_index = {t: i for i, t in enumerate(trips["trip_id"])}
    trip_service = trips["service_id"].map(service_index).to_numpy(dtype=np.int64)

    # connections: consecutive stop times of the same trip
    t_idx = work["trip_id"].map(trip_index).to_numpy(dtype=np.int64)
    s_idx = work["stop_id"].map(stop_index).to_numpy(dtype=np.int64)
    w_arr, w_dep = work["arr"].to_numpy(), work["dep"].to_numpy()
    same = t_idx[1:] == t_idx[:-1]
    back = np.flatnonzero(same & (w_arr[1:] < w_dep[:-1]))
    if len(back):
        row = int(work["row"].to_numpy()[back[0] + 1])
        raise FeedError("the arrival time lies before the previous stop's departure.",
                        file=_member(label, "stop_times"), row=row + 2, field="arrival_time")
    k = np.flatnonzero(same)
    conns = Connections(
        trip=t_idx[k], dep_stop=s_idx[k], arr_stop=s_idx[k + 1],
        dep=w_dep[k].astype(np.int64), arr=w_arr[k + 1].astype(np.int64),
        board_ok=work["board_ok"].to_numpy()[k], alight_ok=work["alight_ok"].to_numpy()[k + 1],
        seq=np.arange(len(k), dtype=np.int64),
    )
    dates = gtfs.get_dates()
    first = dt.datetime.strptime(dates[0], "%Y%m%d").date() if dates else None
    last = dt.datetime.strptime(dates[-1], "%Y%m%d").date() if dates else None
    if first is None:
        raise FeedError("the calendar defines no date at all.", file=label,
                        hint="Check calendar.txt start_date/end_date and calendar_dates.txt.")
    return Feed(source=label, gtfs=gtfs, stops=stops, stations=stations, trips=trips,
                connections=conns, trip_service=trip_service, service_ids=service_ids,
                first_date=first, last_date=last)
