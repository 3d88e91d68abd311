"""Checks of a GTFS feed before it is built: required files and columns, references,
unreadable cells, and consistency (duplicate ids, impossible coordinates, reversed dates).

Errors are raised as :class:`~course_planner.errors.FeedError` (or
:class:`~course_planner.errors.FeedConsistencyError`) naming the file, row and field;
what is suspicious but usable is logged as a warning with the same details.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from course_planner.coordinates import CoordinateProblem, coordinate_problems
from course_planner.errors import FeedConsistencyError, FeedError, msg
from course_planner.logs import get_logger

if TYPE_CHECKING:  # gtfs-kit (with folium) loads only when a feed is read, not from the cache
    import gtfs_kit as gk

log = get_logger(__name__)

REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "stops": ("stop_id", "stop_lat", "stop_lon"),
    "routes": ("route_id",),
    "trips": ("route_id", "service_id", "trip_id"),
    "stop_times": ("trip_id", "stop_id", "stop_sequence", "arrival_time", "departure_time"),
    "calendar": (
        "service_id",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "start_date",
        "end_date",
    ),
    "calendar_dates": ("service_id", "date", "exception_type"),
    "transfers": ("from_stop_id", "to_stop_id", "transfer_type"),
}


def member_label(label: str, table: str) -> str:
    """``feed.zip/stops.txt``: the file of ``table`` in the feed ``label``."""
    return f"{label}/{table}.txt" if not label.endswith(".txt") else label


def _row(mask: pd.Series | np.ndarray) -> int:
    """The file row (header = 1) of the first True in ``mask``."""
    return int(np.flatnonzero(np.asarray(mask, dtype=bool))[0]) + 2


# --------------------------------------------------------------------------- structure


def check_tables(gtfs: gk.Feed, label: str) -> None:
    """Required files and columns present; every reference resolves; served stops have
    coordinates."""
    for table in ("stops", "routes", "trips", "stop_times"):
        if getattr(gtfs, table) is None:
            raise FeedError(
                msg("the required file {table}.txt is missing or empty.", table=table),
                file=label,
                hint=msg("A GTFS feed needs stops, routes, trips and stop_times."),
            )
    if gtfs.calendar is None and gtfs.calendar_dates is None:
        raise FeedError(
            msg("neither calendar.txt nor calendar_dates.txt is present."),
            file=label,
            hint=msg("Without one of them no trip has a date it runs on."),
        )
    for table, columns in REQUIRED_COLUMNS.items():
        df = getattr(gtfs, table)
        if df is None:
            continue
        for column in columns:
            if column not in df.columns:
                raise FeedError(
                    msg("the required column '{column}' is missing.", column=column),
                    file=member_label(label, table),
                    field=column,
                )

    def dangling(table: str, column: str, known: pd.Series, target: str) -> None:
        df = getattr(gtfs, table)
        values = df[column]
        bad = values.notna() & ~values.isin(set(known.dropna()))
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise FeedError(
                msg("'{value}' is not defined in {target}.", value=values.iloc[i], target=target),
                file=member_label(label, table),
                row=i + 2,
                field=column,
                hint=msg("Every {column} must appear in {target}.", column=column, target=target),
            )

    dangling("trips", "route_id", gtfs.routes["route_id"], "routes.txt")
    services = pd.concat(
        [t["service_id"] for t in (gtfs.calendar, gtfs.calendar_dates) if t is not None]
    )
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
            raise FeedError(
                msg("a stop served by trips has no coordinate."),
                file=member_label(label, "stops"),
                row=i + 2,
                field=column,
            )


def locate_bad_cell(frames: dict[str, pd.DataFrame], label: str) -> FeedError | None:
    """After a typed read failed: in tables read as text, the first cell that is not the
    number its column needs (or None when every cell is fine)."""
    from gtfs_kit import constants as gk_constants

    for table, df in frames.items():
        dtypes = gk_constants.DTYPES.get(table, {})
        df = df.copy()
        df.columns = [str(c).strip() for c in df.columns]
        for column, kind in dtypes.items():
            if column not in df.columns or kind in ("string", "str", str):
                continue
            text = df[column].astype(str).str.strip()
            number = pd.to_numeric(text.where(text != ""), errors="coerce")
            bad = (text != "") & number.isna()
            if not bad.any() and "int" in str(kind).lower():
                bad = number.notna() & (number != number.round())
            if bad.any():
                i = int(np.flatnonzero(bad.to_numpy())[0])
                return FeedError(
                    f"'{df[column].iloc[i]}' is not a number.",
                    file=member_label(label, table),
                    row=i + 2,
                    field=column,
                )
    return None


# --------------------------------------------------------------------------- consistency


def check_consistency(gtfs: gk.Feed, label: str) -> None:
    """Duplicate ids, impossible stop coordinates and reversed calendar ranges.

    Errors: an id defined twice (a router would pick one at random), a served stop at
    0,0 or with latitude and longitude swapped, a calendar range that ends before it
    starts. Warnings: a stop outside Europe, an unserved stop with a bad coordinate, a
    calendar_dates row repeated word for word.
    """
    for table, key in (
        ("stops", "stop_id"),
        ("routes", "route_id"),
        ("trips", "trip_id"),
        ("calendar", "service_id"),
    ):
        df = getattr(gtfs, table)
        if df is None or key not in df.columns:
            continue
        _no_duplicates(df, [key], label, table)
    if gtfs.calendar_dates is not None:
        cd = gtfs.calendar_dates
        exact = cd.duplicated(["service_id", "date", "exception_type"])
        if exact.any():
            log.warning(
                msg(
                    "{file}, row {row}: this exception (service {service} on {date}) repeats "
                    "an earlier row; the repetition is ignored.",
                    file=member_label(label, "calendar_dates"),
                    row=_row(exact),
                    service=cd["service_id"][exact].iloc[0],
                    date=cd["date"][exact].iloc[0],
                )
            )
        _no_duplicates(
            cd.drop_duplicates(["service_id", "date", "exception_type"]),
            ["service_id", "date"],
            label,
            "calendar_dates",
            rows=np.flatnonzero(~exact.to_numpy()),
        )
    _check_calendar_ranges(gtfs, label)
    _check_coordinates(gtfs, label)


def _no_duplicates(
    df: pd.DataFrame, keys: list[str], label: str, table: str, rows: np.ndarray | None = None
) -> None:
    dup = df.duplicated(keys, keep="first").to_numpy()
    if not dup.any():
        return
    i = int(np.flatnonzero(dup)[0])
    value = tuple(df[k].iloc[i] for k in keys)
    first = int(
        np.flatnonzero((df[keys] == pd.Series(value, index=keys)).all(axis=1).to_numpy())[0]
    )
    if rows is not None:  # positions in a filtered frame -> rows of the file
        i, first = int(rows[i]), int(rows[first])
    shown = " / ".join(f"{k} '{v}'" for k, v in zip(keys, value, strict=True))
    raise FeedConsistencyError(
        msg(
            "{id} is defined twice (rows {first} and {second}).",
            id=shown,
            first=first + 2,
            second=i + 2,
        ),
        file=member_label(label, table),
        row=i + 2,
        field=keys[-1],
        hint=msg("Each id must be defined once; remove or rename the repetition."),
    )


def _check_calendar_ranges(gtfs: gk.Feed, label: str) -> None:
    cal = gtfs.calendar
    if cal is None or cal.empty:
        return
    start = pd.to_datetime(cal["start_date"].astype(str), format="%Y%m%d", errors="coerce")
    end = pd.to_datetime(cal["end_date"].astype(str), format="%Y%m%d", errors="coerce")
    for column, parsed in (("start_date", start), ("end_date", end)):
        bad = parsed.isna()
        if bad.any():
            raise FeedError(
                msg("'{value}' is not a date; write YYYYMMDD.", value=cal[column][bad].iloc[0]),
                file=member_label(label, "calendar"),
                row=_row(bad),
                field=column,
            )
    reversed_ = (end < start).to_numpy()
    if reversed_.any():
        i = int(np.flatnonzero(reversed_)[0])
        raise FeedConsistencyError(
            msg(
                "service '{service}' ends ({end}) before it starts ({start}); "
                "it would run on no date at all.",
                service=cal["service_id"].iloc[i],
                end=cal["end_date"].iloc[i],
                start=cal["start_date"].iloc[i],
            ),
            file=member_label(label, "calendar"),
            row=i + 2,
            field="end_date",
            hint=msg("Swap start_date and end_date."),
        )


def _check_coordinates(gtfs: gk.Feed, label: str) -> None:
    stops = gtfs.stops
    problems = coordinate_problems(
        stops["stop_lat"].astype("Float64").to_numpy(dtype=float, na_value=np.nan),
        stops["stop_lon"].astype("Float64").to_numpy(dtype=float, na_value=np.nan),
    )
    flagged = np.flatnonzero(problems != None)  # noqa: E711 - element-wise on objects
    if not len(flagged):
        return
    served = set(gtfs.stop_times["stop_id"].dropna())
    if "parent_station" in stops.columns:
        parents = stops.loc[stops["stop_id"].isin(served), "parent_station"].dropna()
        served |= set(parents)
    file = member_label(label, "stops")
    ids = stops["stop_id"].to_numpy()
    warned: dict[CoordinateProblem, list[int]] = {}
    for i in map(int, flagged):
        problem: CoordinateProblem = problems[i]
        lat, lon = stops["stop_lat"].iloc[i], stops["stop_lon"].iloc[i]
        if problem.is_error and ids[i] in served:
            raise FeedConsistencyError(
                msg(
                    "stop '{stop}' at {lat},{lon}: {problem}.",
                    stop=ids[i],
                    lat=lat,
                    lon=lon,
                    problem=problem.text,
                ),
                file=file,
                row=i + 2,
                field="stop_lat",
                hint=msg(
                    "Correct the coordinate (decimal degrees: stop_lat about "
                    "47–55 and stop_lon about 6–15 in Germany)."
                ),
            )
        warned.setdefault(problem, []).append(i)
    for problem, rows in warned.items():
        i = rows[0]
        more = msg(" and {n} more stop(s)", n=len(rows) - 1) if len(rows) > 1 else ""
        served_note = (
            ""
            if problem is CoordinateProblem.OUTSIDE_EUROPE
            else msg(" (not served by any trip, so it is left out)")
        )
        log.warning(
            msg(
                "{file}, row {row}: stop '{stop}'{more}: {problem}{note}.",
                file=file,
                row=i + 2,
                stop=ids[i],
                more=more,
                problem=problem.text,
                note=served_note,
            )
        )
