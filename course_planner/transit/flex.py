"""GTFS-Flex: zones, stop groups, pickup/drop-off windows and booking rules of a feed.

GTFS-Flex (part of GTFS since 2024) describes on-demand services by

* ``locations.geojson``: zones (polygons) a vehicle serves door to door;
* ``location_groups.txt`` + ``location_group_stops.txt``: groups of stops served on request;
* ``stop_times.txt`` rows with ``location_id`` or ``location_group_id`` instead of a
  ``stop_id``, and a window ``start_pickup_drop_off_window`` … ``end_pickup_drop_off_window``
  instead of fixed times; ``pickup_booking_rule_id`` / ``drop_off_booking_rule_id``;
* ``booking_rules.txt``: how far ahead to book, by when, and the phone number;
* ride times: ``safe_duration_factor`` / ``safe_duration_offset`` (minutes) of a trip — the
  longest a ride of that trip takes, as factor × driving time + offset; where a feed gives
  none, the scenario's default :class:`RideTime` applies.

:func:`read_flex` returns a :class:`FlexServices` (``None`` for a feed without Flex files).
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from course_planner.errors import FeedError, msg
from course_planner.sources import Source, open_source
from course_planner.transit.booking import BookingRule, BookingType

FLEX_FILES = (
    "locations.geojson",
    "location_groups.txt",
    "location_group_stops.txt",
    "booking_rules.txt",
)
FLEX_TABLES = (
    "locations.geojson",
    "location_groups",
    "location_group_stops",
    "booking_rules",
    "stop_times",
    "trips",
    "routes",
)


class AreaKind(enum.Enum):
    ZONE = "zone"  # a polygon of locations.geojson: door to door inside it
    STOP_GROUP = "stop_group"  # any stop of a location group, on request


@dataclass(frozen=True)
class RideTime:
    """How long an on-demand ride takes at most: road distance (straight line ×
    ``road_factor``) at ``speed_kmh``, times ``factor``, plus ``offset_s``."""

    speed_kmh: float = 40.0
    road_factor: float = 1.3
    factor: float = 1.0
    offset_s: float = 300.0

    def seconds(self, distance_m: Any) -> Any:
        """Straight-line metres -> ride seconds (numbers and numpy arrays)."""
        return distance_m * self.road_factor / (self.speed_kmh / 3.6) * self.factor + self.offset_s


@dataclass(frozen=True)
class Zone:
    zone_id: str
    name: str
    geometry: BaseGeometry = field(repr=False)

    def contains(self, lat: float, lon: float) -> bool:
        return bool(self.geometry.covers(shapely.Point(lon, lat)))


@dataclass(frozen=True)
class FlexWindow:
    """One stop time of a flexible trip: the vehicle serves ``area_id`` between ``start_s``
    and ``end_s`` (seconds after midnight of the service date; may exceed 24 h)."""

    trip_id: str
    service_id: str
    route_id: str
    area_id: str
    area_kind: AreaKind
    start_s: int
    end_s: int
    pickup: bool
    drop_off: bool
    pickup_rule: BookingRule | None
    drop_off_rule: BookingRule | None
    ride: RideTime | None  # from the trip's safe_duration_*, else None (scenario default)
    sequence: int = 0  # the stop time's stop_sequence


@dataclass(frozen=True)
class FlexServices:
    zones: dict[str, Zone]
    stop_groups: dict[str, tuple[str, ...]]
    booking_rules: dict[str, BookingRule]
    windows: tuple[FlexWindow, ...]
    route_names: dict[str, str] = field(default_factory=dict)  # short name, else long name


# --------------------------------------------------------------------------- reading


def _csv(source: Source, table: str) -> pd.DataFrame | None:
    if table not in source.members:
        return None
    frame = source.read_csv(table, dtype=str, keep_default_na=False)
    if frame.empty:
        return None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _seconds(text: str, file: str, row: int, column: str) -> int:
    parts = text.strip().split(":")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise FeedError(
            msg("'{text}' is not a time; write HH:MM:SS (hours may exceed 24).", text=text),
            file=file,
            row=row,
            field=column,
        )
    h, m, s = (int(p) for p in parts)
    return h * 3600 + m * 60 + s


def _int(value: str) -> int | None:
    value = value.strip()
    return int(float(value)) if value else None


def _booking_rules(frame: pd.DataFrame | None, label: str) -> dict[str, BookingRule]:
    rules: dict[str, BookingRule] = {}
    if frame is None:
        return rules
    file = f"{label}/booking_rules.txt"
    for i, rec in enumerate(frame.to_dict("records")):
        row = i + 2

        def get(column: str, rec: dict[str, str] = rec) -> str:
            return str(rec.get(column, "")).strip()

        try:
            kind = BookingType(_int(get("booking_type")) or 0)
        except ValueError:
            raise FeedError(
                msg("'{value}' is not a booking type (0, 1 or 2).", value=get("booking_type")),
                file=file,
                row=row,
                field="booking_type",
            ) from None
        last_time = get("prior_notice_last_time")
        try:
            rules[get("booking_rule_id")] = BookingRule(
                kind,
                minutes_ahead=_int(get("prior_notice_duration_min")),
                days_before=_int(get("prior_notice_last_day")),
                last_time=_seconds(last_time, file, row, "prior_notice_last_time")
                if last_time
                else None,
                phone=get("phone_number") or None,
                message=get("message") or None,
                url=get("booking_url") or get("info_url") or None,
            )
        except ValueError as exc:
            raise FeedError(
                msg("the booking rule is incomplete: {exc}.", exc=exc),
                file=file,
                row=row,
                hint=msg(
                    "booking_type 1 needs prior_notice_duration_min; 2 needs "
                    "prior_notice_last_day and prior_notice_last_time."
                ),
            ) from None
    return rules


def _zones(source: Source) -> dict[str, Zone]:
    if "locations.geojson" not in source.members:
        return {}
    file = source.member_label("locations.geojson")
    try:
        with source.open_binary("locations.geojson") as fh:
            data = json.load(fh)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FeedError(msg("not valid GeoJSON ({exc}).", exc=exc), file=file) from None
    zones = {}
    for i, feature in enumerate(data.get("features", []) if isinstance(data, dict) else []):
        zone_id = str(feature.get("id", ""))
        if not zone_id:
            raise FeedError(msg("a feature has no id."), file=file, field=f"features[{i}].id")
        try:
            geometry = shape(feature["geometry"])
        except (KeyError, TypeError, ValueError, AttributeError):
            raise FeedError(
                msg("a feature has no valid polygon."), file=file, field=f"features[{i}].geometry"
            ) from None
        props = feature.get("properties") or {}
        zones[zone_id] = Zone(zone_id, str(props.get("stop_name") or zone_id), geometry)
    return zones


def read_flex(path: str | Path) -> FlexServices | None:
    """The Flex services of a feed (zip or folder), or ``None`` when it has none."""
    with open_source(path, FLEX_TABLES) as source:  # the archive checks of every feed read
        label = source.label
        if not any(t in source.members for t in ("locations.geojson", "location_groups")):
            return None  # no zone, no stop group: stop_times.txt need not be read
        zones = _zones(source)
        groups_frame = _csv(source, "location_group_stops")
        rules = _booking_rules(_csv(source, "booking_rules"), label)
        stop_times = _csv(source, "stop_times")
        trips = _csv(source, "trips")
        routes = _csv(source, "routes")
    groups: dict[str, tuple[str, ...]] = {}
    if groups_frame is not None:
        for gid, frame in groups_frame.groupby("location_group_id", sort=True):
            groups[str(gid)] = tuple(sorted(frame["stop_id"].astype(str)))
    if stop_times is None or trips is None:
        return None
    flexible = pd.Series(False, index=stop_times.index)
    for column in ("location_id", "location_group_id"):
        if column in stop_times.columns:
            flexible |= stop_times[column].str.strip() != ""
    if not flexible.any():
        return None
    trip_info = trips.set_index("trip_id")
    file = f"{label}/stop_times.txt"
    windows = []
    for i in stop_times.index[flexible]:
        rec = stop_times.loc[i]
        row = int(i) + 2

        def get(column: str, rec: pd.Series = rec) -> str:
            return str(rec.get(column, "")).strip()

        if get("location_id"):
            area, kind = get("location_id"), AreaKind.ZONE
            if area not in zones:
                raise FeedError(
                    msg("'{area}' is not a zone of locations.geojson.", area=area),
                    file=file,
                    row=row,
                    field="location_id",
                )
        else:
            area, kind = get("location_group_id"), AreaKind.STOP_GROUP
            if area not in groups:
                raise FeedError(
                    msg("'{area}' is not a location group.", area=area),
                    file=file,
                    row=row,
                    field="location_group_id",
                )
        start, end = get("start_pickup_drop_off_window"), get("end_pickup_drop_off_window")
        if not start or not end:
            raise FeedError(
                msg("a flexible stop time needs start_ and end_pickup_drop_off_window."),
                file=file,
                row=row,
                field="start_pickup_drop_off_window",
            )
        start_s = _seconds(start, file, row, "start_pickup_drop_off_window")
        end_s = _seconds(end, file, row, "end_pickup_drop_off_window")
        if end_s < start_s:
            raise FeedError(
                msg("the window ends before it starts."),
                file=file,
                row=row,
                field="end_pickup_drop_off_window",
            )
        trip_id = get("trip_id")
        if trip_id not in trip_info.index:
            raise FeedError(
                msg("'{trip_id}' is not defined in trips.txt.", trip_id=trip_id),
                file=file,
                row=row,
                field="trip_id",
            )
        trip = trip_info.loc[trip_id]
        windows.append(
            FlexWindow(
                trip_id=trip_id,
                service_id=str(trip["service_id"]),
                route_id=str(trip["route_id"]),
                area_id=area,
                area_kind=kind,
                start_s=start_s,
                end_s=end_s,
                pickup=get("pickup_type") != "1",
                drop_off=get("drop_off_type") != "1",
                sequence=int(float(get("stop_sequence") or 0)),
                pickup_rule=rules.get(get("pickup_booking_rule_id")),
                drop_off_rule=rules.get(get("drop_off_booking_rule_id")),
                ride=_ride_time(trip, get),
            )
        )
    names: dict[str, str] = {}
    for rec in routes.to_dict("records") if routes is not None else []:
        name = str(rec.get("route_short_name") or rec.get("route_long_name") or "").strip()
        if name:
            names[str(rec.get("route_id", ""))] = name
    return FlexServices(zones, groups, rules, tuple(windows), names)


def _ride_time(trip: pd.Series, get: Any) -> RideTime | None:
    """``safe_duration_factor``/``_offset`` of the trip (or, in older feeds, of the stop
    time); offset in minutes."""
    factor = str(trip.get("safe_duration_factor", "") or get("safe_duration_factor")).strip()
    offset = str(trip.get("safe_duration_offset", "") or get("safe_duration_offset")).strip()
    if not factor and not offset:
        return None
    return RideTime(factor=float(factor or 1.0), offset_s=float(offset or 0.0) * 60)


def zone_of(flex: FlexServices, lat: float, lon: float) -> list[str]:
    """Ids of the zones that contain a point."""
    return sorted(z.zone_id for z in flex.zones.values() if z.contains(lat, lon))


__all__ = [
    "FLEX_FILES",
    "AreaKind",
    "FlexServices",
    "FlexWindow",
    "RideTime",
    "Zone",
    "read_flex",
    "zone_of",
]


# --------------------------------------------------------------------------- stop groups


def stop_group_trips(
    flex: FlexServices,
    stop_times: pd.DataFrame,
    trips: pd.DataFrame,
    stops: pd.DataFrame,
    default_ride: RideTime | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A flexible trip that serves any stop of a group within a window, before, after or
    between its timed stops (an ALF: "any stop of Weiler or Mühle, 06:00–09:00, to Stadt
    Markt at 07:50"), as ordinary trips the router can ride: one trip per stop of the group,
    booked there (``pickup_type``/``drop_off_type`` 2): picked up for the timed stops after
    it, set down from those before it. The vehicle is at the stop inside the window, not
    before the stop before can bring it there (its departure + the ride), not after it must
    leave for the stop after (its arrival − the ride; ``safe_duration_*``, else
    ``default_ride``): it sets down at the earliest such whole minute and picks up at the
    latest. Returns the new stop_times and trips rows (trip ids ``<trip>~<stop>``)."""
    from course_planner.coordinates import haversine_m

    ride_default = default_ride or RideTime()
    at = stops.assign(stop_id=stops["stop_id"].astype(str)).drop_duplicates("stop_id")
    at = at.set_index("stop_id")
    st = stop_times.assign(trip_id=stop_times["trip_id"].astype(str))
    timed = st[st["stop_id"].notna() & (st["stop_id"].astype(str).str.strip() != "")]
    trip_rows = trips.assign(trip_id=trips["trip_id"].astype(str)).set_index("trip_id")
    new_times, new_trips = [], []

    def seconds(text: object) -> int | None:
        value = str(text).strip() if text is not None and not pd.isna(text) else ""
        if not value:
            return None
        h, m, sec = (int(x) for x in value.split(":"))
        return h * 3600 + m * 60 + sec

    def ride_s(a: str, b: str, ride: RideTime) -> float:
        d = haversine_m(
            at.at[a, "stop_lat"], at.at[a, "stop_lon"], at.at[b, "stop_lat"], at.at[b, "stop_lon"]
        )
        return float(ride.seconds(d))

    def clock(t: float) -> str:
        t = int(t)
        return f"{t // 3600:02d}:{t // 60 % 60:02d}:{t % 60:02d}"

    for w in flex.windows:
        if w.area_kind is not AreaKind.STOP_GROUP or w.trip_id not in trip_rows.index:
            continue
        rows = timed[timed["trip_id"] == w.trip_id].sort_values("stop_sequence")
        seq = rows["stop_sequence"].astype(int)
        after, before = rows[seq > w.sequence], rows[seq < w.sequence]
        ride = w.ride or ride_default
        # the timed stops around the group: where the vehicle leaves before it (and when),
        # where it must be after it (and when); None where there is none
        prev_stop = str(before.iloc[-1]["stop_id"]) if len(before) else None
        next_stop = str(after.iloc[0]["stop_id"]) if len(after) else None
        leave = (
            seconds(before.iloc[-1]["departure_time"]) or seconds(before.iloc[-1]["arrival_time"])
            if len(before)
            else None
        )
        arrive = (
            seconds(after.iloc[0]["arrival_time"]) or seconds(after.iloc[0]["departure_time"])
            if len(after)
            else None
        )
        for stop in flex.stop_groups.get(w.area_id, ()):
            if stop not in at.index:
                continue
            # picked up here for the timed stops after; set down here from those before
            pick = w.pickup and arrive is not None and next_stop != stop
            drop = w.drop_off and leave is not None and prev_stop != stop
            if not (pick or drop):
                continue
            # the vehicle is here inside the window, not before it can come from the stop
            # before, not after it must leave for the stop after; on whole minutes
            earliest, latest = float(w.start_s), float(w.end_s)
            if leave is not None and prev_stop is not None:
                earliest = max(earliest, leave + ride_s(prev_stop, stop, ride))
            if arrive is not None and next_stop is not None:
                latest = min(latest, arrive - ride_s(stop, next_stop, ride))
            earliest, latest = -(-earliest // 60) * 60, latest // 60 * 60
            if earliest > latest:
                continue
            row = {
                "stop_id": stop,
                # set down as early, picked up as late as the timetable allows
                "arrival_time": clock(earliest if drop else latest),
                "departure_time": clock(latest if pick else earliest),
                "stop_sequence": w.sequence,
                "pickup_type": 2 if pick else 1,
                "drop_off_type": 2 if drop else 1,
            }
            part = [
                *(before.to_dict("records") if drop else []),
                row,
                *(after.to_dict("records") if pick else []),
            ]
            trip_id = f"{w.trip_id}~{stop}"
            for rec in part:
                new_times.append({**rec, "trip_id": trip_id})
            new_trips.append({**trip_rows.loc[w.trip_id].to_dict(), "trip_id": trip_id})
    columns = list(dict.fromkeys([*stop_times.columns, "pickup_type", "drop_off_type"]))
    return (
        pd.DataFrame(new_times).reindex(columns=columns),
        pd.DataFrame(new_trips).reindex(columns=list(trips.columns)),
    )
