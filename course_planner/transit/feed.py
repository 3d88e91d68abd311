"""GTFS loading with gtfs-kit, checks that name file/row/field, and the arrays the router scans.

A :class:`Feed` holds the feed's stops, trips and *connections* (one row per hop between two
consecutive stop times of a trip), indexed by integer ids so that the router can scan plain
lists. Times are seconds after midnight of the trip's *service date* and may exceed 86 400.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import gtfs_kit as gk
import numpy as np
import pandas as pd
from gtfs_kit import constants as gk_constants

from course_planner.errors import CoursePlannerError, FeedError
from course_planner.sources import ArchiveLimits, open_source
from course_planner.transit.checks import (
    REQUIRED_COLUMNS,  # noqa: F401 - kept importable
    check_consistency,
    check_tables,
    locate_bad_cell,
)
from course_planner.transit.checks import member_label as _member

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


def load_feed(path: str | Path, limits: ArchiveLimits | None = None) -> Feed:
    """Read a GTFS zip or folder, check it, and build the routing arrays.

    A zip archive is checked before anything is unpacked (``limits``: default from the
    environment, see :class:`~course_planner.sources.ArchiveLimits`).
    """
    gtfs, label = read_gtfs(path, limits)
    check_tables(gtfs, label)
    check_consistency(gtfs, label)
    return _build(gtfs, label)


_GTFS_CSV = {"na_values": ["", " ", "nan", "NaN", "null"], "keep_default_na": True,
             "dtype_backend": "numpy_nullable"}


def read_gtfs(path: str | Path, limits: ArchiveLimits | None = None) -> tuple[gk.Feed, str]:
    """The feed's tables as a gtfs-kit Feed (read like gtfs-kit does, but through the safe
    reader of :mod:`course_planner.sources`), and the label that names it in messages."""
    with open_source(path, gk_constants.DTYPES, limits=limits) as source:
        tables: dict[str, pd.DataFrame | None] = dict.fromkeys(gk_constants.DTYPES)
        for table in source.members:
            if not source.members[table].size:
                continue
            try:
                frame = source.read_csv(table, dtype=gk_constants.DTYPES[table], **_GTFS_CSV)
            except CoursePlannerError:
                raise
            except (ValueError, TypeError, pd.errors.ParserError) as exc:
                text = source.read_csv(table, dtype=str, keep_default_na=False,
                                       on_bad_lines="skip")
                line = re.search(r"(?:line|row) (\d+)", str(exc))
                raise locate_bad_cell({table: text}, source.label) or FeedError(
                    f"the file is not readable GTFS CSV ({exc}).",
                    file=source.member_label(table), row=int(line.group(1)) if line else None,
                    hint="Check the quotes and the number of commas in that row.") from None
            if not frame.empty:
                frame.columns = [str(c).strip() for c in frame.columns]
                tables[table] = frame
        label = source.label
    return gk.Feed(dist_units="km", **tables), label


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
