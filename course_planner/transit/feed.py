"""GTFS loading with gtfs-kit, checks that name file/row/field, and the arrays the router scans.

A :class:`Feed` holds the feed's stops, trips and *connections* (one row per hop between two
consecutive stop times of a trip), indexed by integer ids so that the router can scan plain
lists. Times are seconds after midnight of the trip's *service date* and may exceed 86 400.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from course_planner.cache import cache_dir, feed_digest
from course_planner.errors import CoursePlannerError, FeedError, msg
from course_planner.sources import ArchiveLimits, open_source, safe_path
from course_planner.transit.checks import (
    REQUIRED_COLUMNS,  # noqa: F401 - kept importable
    check_consistency,
    check_tables,
    locate_bad_cell,
)
from course_planner.transit.checks import member_label as _member

if TYPE_CHECKING:
    import gtfs_kit as gk

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
    board_book: np.ndarray  # boarding here must be booked (pickup_type 2, "phone agency")
    alight_book: np.ndarray  # alighting here must be booked (drop_off_type 2)
    seq: np.ndarray

    def __len__(self) -> int:
        return len(self.trip)


@dataclass(frozen=True, eq=False)
class Calendar:
    """When each service runs, as arrays (service index = position in ``Feed.service_ids``).

    ``weekly_*``: one row per calendar.txt row (weekday flags Monday first, dates as
    YYYYMMDD integers); ``exception_*``: one row per calendar_dates.txt row (type 1 added,
    2 removed).
    """

    weekly_service: np.ndarray
    weekly_days: np.ndarray  # (rows, 7) bool
    weekly_start: np.ndarray
    weekly_end: np.ndarray
    exception_service: np.ndarray
    exception_date: np.ndarray
    exception_type: np.ndarray


@dataclass(frozen=True, eq=False)
class Feed:
    """A checked GTFS feed, ready for routing.

    ``stops``: the stops vehicles serve (index = stop index): stop_id, stop_name, lat, lon,
    station_id (its parent station, or itself), platform_code.
    ``stations``: one row per station (parent station or lone stop): station_id,
    station_name, lat, lon.
    ``trips``: index = trip index: trip_id, service_id, route_id, route_name, headsign.
    ``transfers``: transfers.txt as read (None when the feed has none).
    ``gtfs``: the gtfs-kit feed, when the feed was read now (None when it came from the
    parsed-feed cache).
    """

    source: str
    gtfs: gk.Feed | None = field(repr=False)
    stops: pd.DataFrame = field(repr=False)
    stations: pd.DataFrame = field(repr=False)
    trips: pd.DataFrame = field(repr=False)
    connections: Connections = field(repr=False)
    trip_service: np.ndarray = field(repr=False)  # trip index -> service index
    calendar: Calendar = field(repr=False)
    transfers: pd.DataFrame | None = field(default=None, repr=False)
    service_ids: tuple[str, ...] = ()
    first_date: dt.date | None = None
    last_date: dt.date | None = None
    _active: dict[dt.date, np.ndarray] = field(default_factory=dict, repr=False)

    @property
    def validity(self) -> str:
        return f"{self.first_date} … {self.last_date}"

    def service_mask(self, date: dt.date) -> np.ndarray:
        """Per service: does it run on ``date`` (calendar, then calendar_dates: added, and
        removed last)."""
        if date not in self._active:
            c, day = self.calendar, int(date.strftime("%Y%m%d"))
            mask = np.zeros(len(self.service_ids), dtype=bool)
            on = (c.weekly_start <= day) & (c.weekly_end >= day) & c.weekly_days[:, date.weekday()]
            mask[c.weekly_service[on]] = True
            today = c.exception_date == day
            mask[c.exception_service[today & (c.exception_type == 1)]] = True
            mask[c.exception_service[today & (c.exception_type == 2)]] = False
            mask.setflags(write=False)
            self._active[date] = mask
        return self._active[date]

    def active_services(self, date: dt.date) -> frozenset[int]:
        """Indices of the services running on ``date`` (calendar + calendar_dates)."""
        return frozenset(np.flatnonzero(self.service_mask(date)).tolist())

    def check_dates(self, dates: list[dt.date]) -> None:
        """Raise :class:`FeedError` when a date lies outside the feed's validity."""
        first, last = self.first_date or dt.date.max, self.last_date or dt.date.min
        outside = [d for d in dates if not (first <= d <= last)]
        if outside:
            more = f" and {len(outside) - 1} more" if len(outside) > 1 else ""
            raise FeedError(
                msg(
                    "the course date {outside}{more} lies outside the feed's validity {validity}.",
                    outside=outside[0],
                    more=more,
                    validity=self.validity,
                ),
                file=self.source,
                hint=msg("Choose course dates inside that range or load a feed that covers them."),
            )

    def feed_transfers(self) -> pd.DataFrame | None:
        """transfers.txt as from/to stop ids with type and min_transfer_time, if present."""
        return self.transfers


def load_feed(path: str | Path, limits: ArchiveLimits | None = None) -> Feed:
    """Read a GTFS zip or folder, check it, and build the routing arrays.

    A feed read before comes from the parsed-feed cache (keyed by its content). Otherwise a
    zip archive is checked before anything is unpacked (``limits``: default from the
    environment, see :class:`~course_planner.sources.ArchiveLimits`), then every table.
    """
    resolved = safe_path(path, what="GTFS feed")
    key = _content_key(resolved) if resolved.exists() else None
    if key is not None:
        cached = _cache_read(key, str(path))
        if cached is not None:
            return cached
    gtfs, label = read_gtfs(path, limits)
    check_tables(gtfs, label)
    check_consistency(gtfs, label)
    _add_stop_group_trips(gtfs, path)
    feed = _build(gtfs, label)
    if key is not None:
        _cache_write(key, feed)
    return feed


def _add_stop_group_trips(gtfs: gk.Feed, path: str | Path) -> None:
    """GTFS-Flex stop groups (pick up at any stop of a group, then on the timetable) as
    ordinary booked trips (:func:`~course_planner.transit.flex.stop_group_trips`)."""
    from course_planner.transit.flex import AreaKind, read_flex, stop_group_trips

    flex = read_flex(path)
    if flex is None or not any(w.area_kind is AreaKind.STOP_GROUP for w in flex.windows):
        return
    times, trips = stop_group_trips(flex, gtfs.stop_times, gtfs.trips, gtfs.stops)
    if len(times):
        gtfs.stop_times = pd.concat([gtfs.stop_times, times], ignore_index=True)
        gtfs.trips = pd.concat([gtfs.trips, trips], ignore_index=True)


_GTFS_CSV = {
    "na_values": ["", " ", "nan", "NaN", "null"],
    "keep_default_na": True,
    "dtype_backend": "numpy_nullable",
}


def read_gtfs(path: str | Path, limits: ArchiveLimits | None = None) -> tuple[gk.Feed, str]:
    """The feed's tables as a gtfs-kit Feed (read like gtfs-kit does, but through the safe
    reader of :mod:`course_planner.sources`), and the label that names it in messages."""
    import gtfs_kit as gk  # here, not at the top: a feed from the cache needs no gtfs-kit
    from gtfs_kit import constants as gk_constants

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
                text = source.read_csv(table, dtype=str, keep_default_na=False, on_bad_lines="skip")
                line = re.search(r"(?:line|row) (\d+)", str(exc))
                raise locate_bad_cell({table: text}, source.label) or FeedError(
                    msg("the file is not readable GTFS CSV ({exc}).", exc=exc),
                    file=source.member_label(table),
                    row=int(line.group(1)) if line else None,
                    hint=msg("Check the quotes and the number of commas in that row."),
                ) from None
            if not frame.empty:
                frame.columns = [str(c).strip() for c in frame.columns]
                tables[table] = frame
        label = source.label
    return gk.Feed(dist_units="km", **tables), label


def _parse_times(series: pd.Series, label: str, column: str) -> np.ndarray:
    """'25:10:00' -> 90600 seconds; empty -> -1; anything else -> FeedError with the row.

    Each distinct text is parsed once (a feed has a few thousand distinct times among
    millions of rows).
    """
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    text = pd.Series(np.asarray(uniques, dtype=object), dtype="string")
    parts = text.str.extract(_TIME)
    bad = (text.str.strip() != "") & parts[0].isna()
    if bad.any():
        rows = np.flatnonzero(bad.to_numpy(dtype=bool)[codes] & (codes >= 0))
        i = int(rows[0])
        raise FeedError(
            msg(
                "'{value}' is not a time; write HH:MM:SS (hours may exceed 24).",
                value=series.iloc[i],
            ),
            file=_member(label, "stop_times"),
            row=i + 2,
            field=column,
        )
    h, m, sec = (pd.to_numeric(parts[k]).fillna(-1).astype(np.int64).to_numpy() for k in range(3))
    value = np.where(h < 0, -1, h * 3600 + m * 60 + sec)
    value = np.append(value, -1)  # code -1 (missing) reads the last entry
    return value[codes]


def _optional_text(df: pd.DataFrame, column: str) -> pd.Series:
    """An optional text column of a GTFS table, or all missing where the file lacks it."""
    if column in df.columns:
        return df[column].astype("string")
    return pd.Series(pd.NA, index=df.index, dtype="string")


def _flag_is(df: pd.DataFrame, column: str, value: int) -> np.ndarray:
    if column not in df.columns:
        return np.zeros(len(df), dtype=bool)
    return (pd.to_numeric(df[column], errors="coerce").fillna(0).astype(int) == value).to_numpy()


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
    rows = np.flatnonzero(arr >= 0)
    # ids as integers: trips and stops numbered in the order of their ids
    t_idx, trip_ids = pd.factorize(st["trip_id"].iloc[rows].astype(str), sort=True)
    s_idx, stop_ids = pd.factorize(st["stop_id"].iloc[rows].astype(str), sort=True)
    seq = st["stop_sequence"].iloc[rows].astype("int64").to_numpy()
    order = np.lexsort((seq, t_idx))
    rows, t_idx, s_idx, seq = rows[order], t_idx[order], s_idx[order], seq[order]
    w_arr, w_dep = arr[rows], dep[rows]
    same = t_idx[1:] == t_idx[:-1]
    dup = np.flatnonzero(same & (seq[1:] == seq[:-1]))
    if len(dup):
        raise FeedError(
            msg("a trip has two stop times with the same stop_sequence."),
            file=_member(label, "stop_times"),
            row=int(rows[dup[0] + 1]) + 2,
            field="stop_sequence",
        )
    early = np.flatnonzero(w_dep < w_arr)
    if len(early):
        raise FeedError(
            msg("the departure time lies before the arrival time."),
            file=_member(label, "stop_times"),
            row=int(rows[early[0]]) + 2,
            field="departure_time",
        )

    # stops served by trips, with their station (parent station or the stop itself)
    stops_all = gtfs.stops.copy()
    stops_all["stop_id"] = stops_all["stop_id"].astype(str)
    parent = _optional_text(stops_all, "parent_station")
    stops_all["station_id"] = parent.fillna(stops_all["stop_id"]).astype(str)
    by_id = stops_all.drop_duplicates("stop_id").set_index("stop_id")
    served = by_id.loc[list(stop_ids)].reset_index()
    name = _optional_text(served, "stop_name")
    platform = _optional_text(served, "platform_code")
    stops = pd.DataFrame(
        {
            "stop_id": served["stop_id"].astype(str),
            "stop_name": name.fillna(served["stop_id"]).astype(str),
            "lat": served["stop_lat"].astype(float),
            "lon": served["stop_lon"].astype(float),
            "station_id": served["station_id"].astype(str),
            "platform_code": platform,
        }
    )
    station_ids = sorted(set(stops["station_id"]))
    st_rows = by_id.reindex(station_ids)
    station_names = _optional_text(st_rows, "stop_name")
    stations = pd.DataFrame(
        {
            "station_id": station_ids,
            "station_name": station_names.fillna(pd.Series(station_ids, index=st_rows.index))
            .astype(str)
            .to_numpy(),
            "lat": st_rows["stop_lat"].astype(float).to_numpy(),
            "lon": st_rows["stop_lon"].astype(float).to_numpy(),
        }
    )
    # a parent station without coordinates takes the mean of its platforms
    missing = stations["lat"].isna() | stations["lon"].isna()
    if missing.any():
        centre = stops.groupby("station_id")[["lat", "lon"]].mean()
        ids = stations.loc[missing, "station_id"]
        for column in ("lat", "lon"):
            stations.loc[missing, column] = centre.loc[ids, column].to_numpy()

    # trips with their route names
    routes = gtfs.routes.set_index("route_id")
    short = _optional_text(routes, "route_short_name")
    long_ = _optional_text(routes, "route_long_name")
    route_name = short.fillna(long_).fillna(pd.Series(routes.index, index=routes.index))
    route_text = (
        short.fillna("")
        + " "
        + long_.fillna("")
        + " "
        + _optional_text(routes, "route_desc").fillna("")
    ).str.strip()
    trips_df = gtfs.trips.copy()
    trips_df["trip_id"] = trips_df["trip_id"].astype(str)
    trips_df = (
        trips_df.drop_duplicates("trip_id").set_index("trip_id").loc[list(trip_ids)].reset_index()
    )
    headsign = _optional_text(trips_df, "trip_headsign")
    service_ids = tuple(
        sorted(
            set(
                pd.concat(
                    [t["service_id"] for t in (gtfs.calendar, gtfs.calendar_dates) if t is not None]
                ).astype(str)
            )
        )
    )
    service_index = pd.Index(service_ids)
    trips = pd.DataFrame(
        {
            "trip_id": trips_df["trip_id"].astype(str),
            "service_id": trips_df["service_id"].astype(str),
            "route_id": trips_df["route_id"].astype(str),
            "route_name": route_name.reindex(trips_df["route_id"]).astype(str).to_numpy(),
            "headsign": headsign.fillna("").astype(str),
            # for telling on-demand routes (AST, Rufbus, …) from scheduled ones
            "route_type": pd.to_numeric(
                routes.get("route_type", pd.Series(index=routes.index, dtype=float)),
                errors="coerce",
            )
            .reindex(trips_df["route_id"])
            .astype("Int64")
            .to_numpy(),
            "route_text": route_text.reindex(trips_df["route_id"]).astype(str).to_numpy(),
        }
    )
    trip_service = service_index.get_indexer(trips["service_id"]).astype(np.int64)

    # connections: consecutive stop times of the same trip
    back = np.flatnonzero(same & (w_arr[1:] < w_dep[:-1]))
    if len(back):
        raise FeedError(
            msg("the arrival time lies before the previous stop's departure."),
            file=_member(label, "stop_times"),
            row=int(rows[back[0] + 1]) + 2,
            field="arrival_time",
        )
    k = np.flatnonzero(same)
    board_ok, alight_ok = (
        _flag_not_one(st, "pickup_type")[rows],
        _flag_not_one(st, "drop_off_type")[rows],
    )
    conns = Connections(
        trip=t_idx[k].astype(np.int64),
        dep_stop=s_idx[k].astype(np.int64),
        arr_stop=s_idx[k + 1].astype(np.int64),
        dep=w_dep[k].astype(np.int64),
        arr=w_arr[k + 1].astype(np.int64),
        board_ok=board_ok[k],
        alight_ok=alight_ok[k + 1],
        board_book=_flag_is(st, "pickup_type", 2)[rows][k],
        alight_book=_flag_is(st, "drop_off_type", 2)[rows][k + 1],
        seq=np.arange(len(k), dtype=np.int64),
    )
    dates = gtfs.get_dates()
    first = dt.datetime.strptime(dates[0], "%Y%m%d").date() if dates else None
    last = dt.datetime.strptime(dates[-1], "%Y%m%d").date() if dates else None
    if first is None:
        raise FeedError(
            msg("the calendar defines no date at all."),
            file=label,
            hint=msg("Check calendar.txt start_date/end_date and calendar_dates.txt."),
        )
    return Feed(
        source=label,
        gtfs=gtfs,
        stops=stops,
        stations=stations,
        trips=trips,
        connections=conns,
        trip_service=trip_service,
        calendar=_calendar(gtfs, service_index),
        transfers=gtfs.transfers,
        service_ids=service_ids,
        first_date=first,
        last_date=last,
    )


def _calendar(gtfs: gk.Feed, services: pd.Index) -> Calendar:
    days = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    cal, exc = gtfs.calendar, gtfs.calendar_dates
    if cal is None:
        cal = pd.DataFrame(
            {c: pd.Series(dtype=str) for c in ("service_id", *days, "start_date", "end_date")}
        )
    if exc is None:
        exc = pd.DataFrame(
            {c: pd.Series(dtype=str) for c in ("service_id", "date", "exception_type")}
        )
    return Calendar(
        weekly_service=services.get_indexer(cal["service_id"].astype(str)).astype(np.int64),
        weekly_days=np.column_stack(
            [cal[d].fillna(0).astype(int).to_numpy() == 1 for d in days]
        ).reshape(len(cal), 7),
        weekly_start=cal["start_date"].astype(str).str.strip().astype(np.int64).to_numpy(),
        weekly_end=cal["end_date"].astype(str).str.strip().astype(np.int64).to_numpy(),
        exception_service=services.get_indexer(exc["service_id"].astype(str)).astype(np.int64),
        exception_date=exc["date"].astype(str).str.strip().astype(np.int64).to_numpy(),
        exception_type=exc["exception_type"].fillna(0).astype(np.int64).to_numpy(),
    )


# --------------------------------------------------------------------------- parsed-feed cache

_CACHE_FORMAT = "feed-cache-4"  # 2: booking flags, route types; 3: Flex stop-group trips;
# 4: stop groups between timed stops
_FRAMES = ("stops", "stations", "trips", "transfers")


def _content_key(path: Path) -> str:
    """The cache key of a feed: its content digest under this cache format."""
    return hashlib.sha256((_CACHE_FORMAT + feed_digest(path)).encode()).hexdigest()


def _cache_write(key: str, feed: Feed) -> None:
    """Keep the parsed feed under its key; written to a temporary folder, then renamed, so a
    reader never sees half an entry. A cache that cannot be written is skipped."""
    target = cache_dir("feeds") / key
    if target.exists():
        return
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{key[:16]}-", dir=target.parent))
    except OSError:
        return
    try:
        c, cal = feed.connections, feed.calendar
        arrays = {f"c_{n}": getattr(c, n) for n in c.__dataclass_fields__}
        arrays |= {f"cal_{n}": getattr(cal, n) for n in cal.__dataclass_fields__}
        arrays["trip_service"] = feed.trip_service
        np.savez(tmp / "arrays.npz", **arrays)
        for name in _FRAMES:
            frame = getattr(feed, name)
            if frame is not None:
                frame.reset_index(drop=True).to_parquet(tmp / f"{name}.parquet", index=False)
        meta = {
            "service_ids": list(feed.service_ids),
            "first_date": str(feed.first_date),
            "last_date": str(feed.last_date),
        }
        (tmp / "meta.json").write_text(json.dumps(meta))
        os.rename(tmp, target)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)


def _cache_read(key: str, label: str) -> Feed | None:
    """The parsed feed under ``key``, or None (absent, or unreadable: then it is removed and
    rebuilt)."""
    folder = cache_dir("feeds") / key
    if not (folder / "meta.json").is_file():
        return None
    try:
        meta = json.loads((folder / "meta.json").read_text())
        with np.load(folder / "arrays.npz", allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
        transfers = (
            pd.read_parquet(folder / "transfers.parquet")
            if (folder / "transfers.parquet").is_file()
            else None
        )
        conns = Connections(**{n: arrays[f"c_{n}"] for n in Connections.__dataclass_fields__})
        cal = Calendar(**{n: arrays[f"cal_{n}"] for n in Calendar.__dataclass_fields__})
        stops, stations, trips = (
            pd.read_parquet(folder / f"{name}.parquet") for name in ("stops", "stations", "trips")
        )
        stops["platform_code"] = stops["platform_code"].astype("string")
        return Feed(
            source=label,
            gtfs=None,
            stops=stops,
            stations=stations,
            trips=trips,
            connections=conns,
            trip_service=arrays["trip_service"],
            calendar=cal,
            transfers=transfers,
            service_ids=tuple(meta["service_ids"]),
            first_date=dt.date.fromisoformat(meta["first_date"]),
            last_date=dt.date.fromisoformat(meta["last_date"]),
        )
    except Exception:  # any damage to an entry means: build it again
        shutil.rmtree(folder, ignore_errors=True)
        return None
