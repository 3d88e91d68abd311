"""The scenario file: schema, defaults and loading, with errors that name the field and line."""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from course_planner.clock import clock_to_seconds
from course_planner.coordinates import coordinate_problem
from course_planner.errors import InputFileNotFoundError, ScenarioError, Text, msg
from course_planner.sources import ArchiveLimits, read_text, safe_path
from course_planner.transit.booking import BookingRule, BookingType

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALL_STOPS = "all_stops"
MAX_TERM_DAYS = 3 * 365  # longer terms are typos (2062 for 2026) and would take ages


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _one_line(value: str) -> str:
    if any(c in value for c in "\r\n\t\v\f"):
        raise ValueError(
            msg(
                (
                    "{value!r} spans several lines; a name must be one line (it "
                    "is printed in tables, calendars and handouts)"
                ),
                value=value,
            )
        )
    return value.strip()


OneLineName = Annotated[str, Field(min_length=1), AfterValidator(_one_line)]


def _plausible(lat: float, lon: float) -> None:
    """0,0 and swapped coordinates are errors (see :mod:`course_planner.coordinates`)."""
    problem = coordinate_problem(lat, lon)
    if problem is not None and problem.is_error:
        raise ValueError(msg("{lat},{lon}: {problem}", lat=lat, lon=lon, problem=problem.text))


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


#: spellings read as a weekday (English and German, short and long); nothing else is
_WEEKDAY_SPELLINGS = {
    **{d: d for d in WEEKDAYS},
    **dict(
        zip(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
            WEEKDAYS,
            strict=True,
        )
    ),
    **dict(zip(("mo", "di", "mi", "do", "fr", "sa", "so"), WEEKDAYS, strict=True)),
    **dict(
        zip(
            ("montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag"),
            WEEKDAYS,
            strict=True,
        )
    ),
    "sonnabend": "sat",
}


def _weekday_list(value: Any) -> Any:
    """Weekday names to ``mon`` … ``sun``; an unknown word is an error, never a guess."""
    if not isinstance(value, list):
        return value
    out = []
    for v in value:
        if isinstance(v, str):
            key = v.strip().lower().rstrip(".")
            if key not in _WEEKDAY_SPELLINGS:
                raise ValueError(
                    msg(
                        "'{value}' is not a weekday; write mon, tue, wed, thu, fri, sat or sun",
                        value=v,
                    )
                )
            v = _WEEKDAY_SPELLINGS[key]
        out.append(v)
    return out


def day_clock(text: str) -> int:
    """A time of the course day, '00:00' … '24:00', in seconds."""
    seconds = clock_to_seconds(text)
    if seconds > 24 * 3600:
        raise ValueError(
            msg("'{text}' is not a time of day; times run from 00:00 to 24:00", text=text)
        )
    return seconds


class DateRange(_Strict):
    """One date or a range of dates (inclusive), with the author's own words for it."""

    start: dt.date
    end: dt.date | None = None
    label: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_date(cls, value: Any) -> Any:
        if isinstance(value, (dt.date, str)):
            return {"start": value}
        if isinstance(value, dict) and "date" in value and "start" not in value:
            value = dict(value)
            value["start"] = value.pop("date")
        return value

    @model_validator(mode="after")
    def _order(self) -> DateRange:
        if self.end is not None and self.end < self.start:
            raise ValueError(
                msg("end {end} lies before start {start}", end=self.end, start=self.start)
            )
        return self

    @property
    def last(self) -> dt.date:
        return self.end or self.start

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.last

    def describe(self) -> str:
        return str(self.start) if self.end is None else f"{self.start} … {self.end}"


class Site(_Strict):
    """A course room.

    ``available_weekdays``/``unavailable``: when the room can host the teacher in person
    (the rotation's hard rules); ``label`` names the weekday rule in the author's words.
    ``participants``: how many people attend this room (else derived from the places).
    """

    name: OneLineName
    lat: Annotated[float, Field(ge=-90, le=90)]
    lon: Annotated[float, Field(ge=-180, le=180)]
    address: str | None = None
    participants: Annotated[int, Field(ge=0)] | None = None
    available_weekdays: list[Weekday] | None = None
    label: str | None = None
    unavailable: list[DateRange] = Field(default_factory=list)

    @field_validator("available_weekdays", mode="before")
    @classmethod
    def _lower_weekdays(cls, value: Any) -> Any:
        return _weekday_list(value)

    @model_validator(mode="after")
    def _coordinate(self) -> Site:
        _plausible(self.lat, self.lon)
        return self

    def available_on(self, day: dt.date) -> bool:
        """False when the room's weekday rule excludes ``day``."""
        return self.available_weekdays is None or WEEKDAYS[day.weekday()] in self.available_weekdays


class Slot(_Strict):
    """One session of a course day (for days with two or more sessions)."""

    start: str
    end: str

    @field_validator("start", "end")
    @classmethod
    def _clock(cls, value: str) -> str:
        day_clock(value)
        return value


class Holidays(_Strict):
    """Which days the course does not meet: public holidays of the Land and, if asked,
    its school holidays (both from the ``holidays`` package), plus closures."""

    country: str = "DE"
    subdivision: str | None = "NW"
    public: bool = True
    school: bool = False


class Course(_Strict):
    """When the course takes place.

    ``ue_total``: teaching units (45 min by default) after which the term ends, at the latest
    on ``end_date``; ``ue_per_session`` defaults to whole units between start and end.
    ``slots``: two or more sessions a day; default one session from ``start`` to ``end``.
    """

    start_date: dt.date
    end_date: dt.date
    weekdays: Annotated[list[Weekday], Field(min_length=1)]
    start: str
    end: str
    slots: list[Slot] | None = None
    ue_total: Annotated[int, Field(gt=0)] | None = None
    ue_minutes: Annotated[int, Field(gt=0, le=240)] = 45
    ue_per_session: Annotated[int, Field(gt=0)] | None = None
    holidays: Holidays = Holidays()
    closed: list[DateRange] = Field(default_factory=list)

    @field_validator("weekdays", mode="before")
    @classmethod
    def _lower_weekdays(cls, value: Any) -> Any:
        return _weekday_list(value)

    @field_validator("start", "end")
    @classmethod
    def _clock(cls, value: str) -> str:
        day_clock(value)
        return value

    @model_validator(mode="after")
    def _order(self) -> Course:
        if self.end_date < self.start_date:
            raise ValueError(
                msg(
                    "end_date {end_date} lies before start_date {start_date}",
                    end_date=self.end_date,
                    start_date=self.start_date,
                )
            )
        if (self.end_date - self.start_date).days > MAX_TERM_DAYS:
            raise ValueError(
                msg(
                    "the term from {start_date} to {end_date} is longer than "
                    "{years} years; plan one course term at a time",
                    start_date=self.start_date,
                    end_date=self.end_date,
                    years=MAX_TERM_DAYS // 365,
                )
            )
        if clock_to_seconds(self.end) <= clock_to_seconds(self.start):
            raise ValueError(
                msg(
                    "the course ends ({end}) before it starts ({start})",
                    end=self.end,
                    start=self.start,
                )
            )
        previous_end = clock_to_seconds(self.start)
        for slot in self.slots or []:
            a, b = clock_to_seconds(slot.start), clock_to_seconds(slot.end)
            if b <= a or a < previous_end or b > clock_to_seconds(self.end):
                raise ValueError(
                    msg(
                        "slot {start}–{end} must end after it starts, follow the "
                        "previous slot, and lie within the course times "
                        "{course_start}–{course_end}",
                        start=slot.start,
                        end=slot.end,
                        course_start=self.start,
                        course_end=self.end,
                    )
                )
            previous_end = b
        return self

    @property
    def slot_times(self) -> list[tuple[int, int]]:
        """(start, end) in seconds of each session of a course day."""
        if self.slots:
            return [(clock_to_seconds(x.start), clock_to_seconds(x.end)) for x in self.slots]
        return [(self.start_s, self.end_s)]

    @property
    def start_s(self) -> int:
        return clock_to_seconds(self.start)

    @property
    def end_s(self) -> int:
        return clock_to_seconds(self.end)


class Travel(_Strict):
    """Walking and transit parameters; every field has a documented default."""

    walk_speed_kmh: Annotated[float, Field(gt=0, le=20)] = 4.5
    detour_factor: Annotated[float, Field(ge=1, le=5)] = 1.3
    max_access_walk_m: Annotated[float, Field(ge=0, le=10_000)] = 1000
    max_transfer_walk_m: Annotated[float, Field(ge=0, le=5_000)] = 300
    min_change_min: Annotated[float, Field(ge=0, le=120)] = 2
    arrive_before_min: Annotated[float, Field(ge=0, le=240)] = 5
    leave_after_min: Annotated[float, Field(ge=0, le=240)] = 5
    max_travel_min: Annotated[float, Field(gt=0, le=24 * 60)] = 90
    use_feed_transfers: bool = False

    def walk_seconds(self, distance_m: Any) -> Any:
        """Straight-line metres -> walking seconds (works on numbers and numpy arrays)."""
        return distance_m * self.detour_factor / (self.walk_speed_kmh / 3.6)


class Place(_Strict):
    name: OneLineName
    lat: Annotated[float, Field(ge=-90, le=90)]
    lon: Annotated[float, Field(ge=-180, le=180)]

    @model_validator(mode="after")
    def _coordinate(self) -> Place:
        _plausible(self.lat, self.lon)
        return self


class Limits(_Strict):
    """How much an input archive may unpack to (see
    :class:`~course_planner.sources.ArchiveLimits`); unset: the environment or the
    defaults (4096 MiB, ratio 200:1, 10 000 entries)."""

    max_unzipped_mb: Annotated[float, Field(gt=0)] | None = None
    max_zip_ratio: Annotated[float, Field(gt=0)] | None = None
    max_zip_members: Annotated[int, Field(gt=0)] | None = None

    def archive_limits(self) -> ArchiveLimits:
        return ArchiveLimits.from_env(
            max_unzipped_mb=self.max_unzipped_mb,
            max_ratio=self.max_zip_ratio,
            max_members=self.max_zip_members,
        )


class Teacher(_Strict):
    """The mobile teacher: home base, how they travel, when they cannot come."""

    base: Place
    travel_mode: Literal["car", "transit"] = "car"
    car_speed_kmh: Annotated[float, Field(gt=0, le=150)] = 50
    road_factor: Annotated[float, Field(ge=1, le=5)] = 1.3
    unavailable: list[DateRange] = Field(default_factory=list)


class Rule(_Strict):
    """A hard rule that can be switched on, in the author's own words."""

    label: str | None = None


class MaxWait(Rule):
    sessions: Annotated[int, Field(ge=1)]


class Pin(_Strict):
    date: dt.date
    site: str
    slot: Annotated[int, Field(ge=1)] = 1
    label: str | None = None


class Weights(_Strict):
    """Weights of the soft rules: per session off target share, per hour and per km of
    teacher travel, per session beyond the longest wished streak in one room."""

    share: Annotated[float, Field(ge=0)] = 10
    travel: Annotated[float, Field(ge=0)] = 1
    distance: Annotated[float, Field(ge=0)] = 0
    streak: Annotated[float, Field(ge=0)] = 3


class Rotation(_Strict):
    """The teacher's rotation: hard rules, soft rules and solver settings."""

    max_wait: MaxWait | None = None
    opening_round: Rule | None = None
    pins: list[Pin] = Field(default_factory=list)
    target: Literal["participants", "equal"] | dict[str, Annotated[float, Field(ge=0)]] = (
        "participants"
    )
    max_streak: Annotated[int, Field(ge=1)] = 2
    weights: Weights = Weights()
    time_limit_s: Annotated[float, Field(gt=0, le=600)] = 10
    seed: int = 0

    @field_validator("target", mode="before")
    @classmethod
    def _target_word(cls, value: Any) -> Any:
        if isinstance(value, str) and value not in ("participants", "equal"):
            raise ValueError(
                msg(
                    (
                        "'{value}' is not a target; write participants, equal, or a "
                        "share per room such as {{Augustdorf: 1, Schlangen: 2}}"
                    ),
                    value=value,
                )
            )
        return value


class Siting(_Strict):
    """Choice of rooms and start times (``course-planner site`` / ``times``).

    A place counts as reaching a room when it can go there and back on at least
    ``min_share_of_dates`` of the course dates. Start times run from ``earliest_start`` to
    ``latest_start`` every ``step_min`` minutes, course length fixed, and must fit the
    childcare window (``start_not_before`` … ``end_by``).
    """

    p: Annotated[int, Field(ge=1, le=50)] = 3
    min_share_of_dates: Annotated[float, Field(gt=0, le=1)] = 1.0
    keep: list[str] = Field(default_factory=list)
    capacity: Annotated[int, Field(ge=1)] | None = None
    min_distance_km: Annotated[float, Field(ge=0)] | None = None
    earliest_start: str = "08:00"
    latest_start: str = "10:30"
    step_min: Annotated[int, Field(ge=5, le=120)] = 15
    start_not_before: str | None = None
    end_by: str | None = None
    per_room_times: bool = False
    time_limit_s: Annotated[float, Field(gt=0, le=600)] = 30

    @field_validator("earliest_start", "latest_start", "start_not_before", "end_by")
    @classmethod
    def _clock(cls, value: str | None) -> str | None:
        if value is not None:
            day_clock(value)
        return value

    @model_validator(mode="after")
    def _order(self) -> Siting:
        if clock_to_seconds(self.latest_start) < clock_to_seconds(self.earliest_start):
            raise ValueError(
                msg(
                    "latest_start {latest_start} lies before earliest_start {earliest_start}",
                    latest_start=self.latest_start,
                    earliest_start=self.earliest_start,
                )
            )
        if (
            self.start_not_before
            and self.end_by
            and clock_to_seconds(self.end_by) <= clock_to_seconds(self.start_not_before)
        ):
            raise ValueError(
                msg(
                    "end_by {end_by} must lie after start_not_before {start_not_before}",
                    end_by=self.end_by,
                    start_not_before=self.start_not_before,
                )
            )
        return self


class Area(_Strict):
    """A lat/lon box; used to keep only the stops of one district as origins."""

    min_lat: float
    min_lon: float
    max_lat: float
    max_lon: float

    def contains(self, lat: Any, lon: Any) -> Any:
        return (
            (lat >= self.min_lat)
            & (lat <= self.max_lat)
            & (lon >= self.min_lon)
            & (lon <= self.max_lon)
        )


class OnDemandBooking(_Strict):
    """How a ride of an on-demand service is booked: ``minutes_ahead`` of the ride, or by
    ``by`` (HH:MM) ``days_before`` days before; rides before ``early_before`` by
    ``early_by`` the day before (Lippe's AST: 60 minutes ahead, by 22:00 the evening before
    for rides before 08:00). ``phone``: the number to call."""

    minutes_ahead: Annotated[int, Field(ge=0, le=7 * 24 * 60)] | None = None
    days_before: Annotated[int, Field(ge=1, le=14)] | None = None
    by: str | None = None
    early_before: str | None = None
    early_by: str | None = None
    phone: str | None = None

    @field_validator("by", "early_before", "early_by")
    @classmethod
    def _clock(cls, value: str | None) -> str | None:
        if value is not None:
            clock_to_seconds(value)
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> OnDemandBooking:
        if (self.minutes_ahead is None) == (self.by is None):
            raise ValueError(msg("give either minutes_ahead, or by (HH:MM) with days_before"))
        if (self.early_before is None) != (self.early_by is None):
            raise ValueError(msg("early_before and early_by go together"))
        return self

    def rule(self) -> BookingRule:
        early = (
            None
            if self.early_by is None
            else BookingRule(
                BookingType.PRIOR_DAYS,
                days_before=1,
                last_time=clock_to_seconds(self.early_by),
                phone=self.phone,
            )
        )
        early_before = None if self.early_before is None else clock_to_seconds(self.early_before)
        if self.minutes_ahead is not None:
            return BookingRule(
                BookingType.SAME_DAY,
                minutes_ahead=self.minutes_ahead,
                phone=self.phone,
                early_before=early_before,
                early_rule=early,
            )
        assert self.by is not None
        return BookingRule(
            BookingType.PRIOR_DAYS,
            days_before=self.days_before or 1,
            last_time=clock_to_seconds(self.by),
            phone=self.phone,
            early_before=early_before,
            early_rule=early,
        )


class OnDemandZoneArea(_Strict):
    """Where an on-demand service runs: a GeoJSON polygon file (relative to the scenario),
    or the area around a list of the scenario's places or of stop ids of the feed (their
    convex hull, ``buffer_km`` wider)."""

    geojson: Path | None = None
    places: list[str] | None = None
    stops: list[str] | None = None
    # places/stops: the area is their convex hull widened by this much (default: the longest
    # walk to a stop, travel.max_access_walk_m)
    buffer_km: Annotated[float, Field(gt=0, le=50)] | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> OnDemandZoneArea:
        given = [k for k in ("geojson", "places", "stops") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError(msg("give exactly one of geojson, places or stops"))
        return self


class RideRule(_Strict):
    """Ride time of an on-demand service: road km (straight line × ``road_factor``) at
    ``speed_kmh``, times ``factor``, plus ``offset_min``."""

    speed_kmh: Annotated[float, Field(gt=0, le=130)] = 40
    road_factor: Annotated[float, Field(ge=1, le=5)] = 1.3
    factor: Annotated[float, Field(ge=1, le=5)] = 1.0
    offset_min: Annotated[float, Field(ge=0, le=120)] = 5


class OnDemandService(_Strict):
    """An on-demand service the feed lacks (Rufbus, AST, a zone service like Lippe's Limo).

    ``hours``: per weekday, windows "HH:MM-HH:MM" in which rides start.
    ``not_within_min_of_bus``: no ride where a scheduled bus leaves the same stop within
    this many minutes (Limo: 15). ``cost_weight``: how much one booked ride costs the
    county, relative to a participant reached (for site and start-time choice).
    ``illustrative``: the service is an example, not a real one (say so wherever it shows).
    """

    name: Annotated[str, Field(min_length=1)]
    zone: OnDemandZoneArea
    hours: dict[Weekday, list[str]]
    booking: OnDemandBooking
    not_within_min_of_bus: Annotated[int, Field(ge=0, le=240)] | None = None
    ride: RideRule = RideRule()
    cost_weight: Annotated[float, Field(ge=0, le=1)] = 0.1
    illustrative: bool = False

    @field_validator("hours", mode="before")
    @classmethod
    def _lower_weekdays(cls, value: Any) -> Any:
        if isinstance(value, dict):
            full = dict(
                zip(
                    ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
                    WEEKDAYS,
                    strict=True,
                )
            )
            return {
                full.get(k.strip().lower(), k.strip().lower()) if isinstance(k, str) else k: v
                for k, v in value.items()
            }
        return value

    @field_validator("hours")
    @classmethod
    def _windows(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for day, windows in value.items():
            for window in windows:
                start, sep, end = window.partition("-")
                if not sep or clock_to_seconds(end) <= clock_to_seconds(start):
                    raise ValueError(
                        msg(
                            (
                                "hours.{day}: '{window}' is not a window HH:MM-HH:MM that "
                                "ends after it starts"
                            ),
                            day=day,
                            window=window,
                        )
                    )
        return value

    def windows_on(self, day: dt.date) -> list[tuple[int, int]]:
        """(start, end) in seconds of the service's hours on ``day``."""
        out = []
        hours: dict[str, list[str]] = {str(k): v for k, v in self.hours.items()}
        for window in hours.get(WEEKDAYS[day.weekday()], []):
            start, _, end = window.partition("-")
            out.append((clock_to_seconds(start), clock_to_seconds(end)))
        return out


class OnDemandRoutes(_Strict):
    """The scenario's word on routes of the feed that may have to be booked (see the
    ``on_demand`` report): ``confirm`` route ids as booked, ``reject`` those that are not."""

    confirm: list[str] = Field(default_factory=list)
    reject: list[str] = Field(default_factory=list)
    booking: OnDemandBooking | None = None  # how the feed's booked rides are booked
    # in site and start-time choice: what a participant who comes only by a booked ride of
    # the feed costs, as a share of one reached by bus (as OnDemandService.cost_weight)
    cost_weight: Annotated[float, Field(ge=0, le=1)] = 0.1


class FeedClip(_Strict):
    """Use only the part of a large feed (NWL, NRW, DELFI) that serves one county or area:
    ``county`` (AGS, 5 digits, in quotes), ``bbox`` [min_lon, min_lat, max_lon, max_lat] or
    ``polygon`` (GeoJSON file), plus ``buffer_km`` around it. The clip is made once (as by
    ``course-planner clip``) and cached by the feed's content and these fields."""

    county: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    polygon: Path | None = None
    buffer_km: Annotated[float, Field(ge=0, le=200)] = 10

    @field_validator("county", mode="before")
    @classmethod
    def _county_text(cls, value: Any) -> Any:
        if isinstance(value, int):  # YAML reads 05766 as a number (even as octal)
            raise ValueError(msg('write the county key in quotes, e.g. county: "05766"'))
        return value

    @field_validator("county")
    @classmethod
    def _county_key(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"\d{5}", value.strip()):
            raise ValueError(
                msg(
                    (
                        "'{value}' is not a county key (AGS): give its 5 digits, e.g. "
                        '"05766" for Kreis Lippe'
                    ),
                    value=value,
                )
            )
        return value.strip() if value is not None else None

    @model_validator(mode="after")
    def _one_area(self) -> FeedClip:
        if sum(x is not None for x in (self.county, self.bbox, self.polygon)) != 1:
            raise ValueError(msg("give exactly one of county, bbox or polygon"))
        return self


class Contact(_Strict):
    """Who participants call and where they join online; printed on handouts and calendars.

    ``booking_phone``: the on-demand bus (Rufbus, AST) to book where no bus runs;
    ``online_link``: the video session (also carried by the handout's QR code)."""

    organiser: str | None = None
    organiser_phone: str | None = None
    organiser_email: str | None = None
    booking_phone: str | None = None
    online_link: str | None = None


class Scenario(_Strict):
    """A validated scenario. Paths are absolute (resolved against the scenario file)."""

    name: OneLineName
    feed: Path
    # "all_stops" first and left to right: a JSON round trip (the app's caches) must not
    # turn the keyword into a path named all_stops
    places: Annotated[Literal["all_stops"] | Path, Field(union_mode="left_to_right")]
    places_area: Area | None = None
    participants: dict[str, Annotated[int, Field(ge=0)]] = Field(default_factory=dict)
    participants_are_examples: bool = False
    sites: Annotated[list[Site], Field(min_length=1)]
    course: Course
    travel: Travel = Travel()
    teacher: Teacher | None = None
    contact: Contact = Contact()
    rotation: Rotation = Rotation()
    siting: Siting = Siting()
    on_demand: list[OnDemandService] = Field(default_factory=list)
    on_demand_routes: OnDemandRoutes = OnDemandRoutes()
    limits: Limits = Limits()
    feed_clip: FeedClip | None = None
    clipped_from: Path | None = None  # set on loading: the feed before the clip
    source_file: Path | None = None

    @field_validator("places", mode="before")
    @classmethod
    def _all_stops(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().lower().replace(" ", "_") == ALL_STOPS:
            return ALL_STOPS
        return value

    @model_validator(mode="after")
    def _unique_sites(self) -> Scenario:
        names = [s.name for s in self.sites]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(
                msg("room names must be unique; repeated: {dupes}", dupes=", ".join(dupes))
            )
        for pin in self.rotation.pins:
            if pin.site not in names:
                raise ValueError(
                    msg(
                        "rotation.pins: '{site}' is not a room of this scenario (rooms: {names})",
                        site=pin.site,
                        names=", ".join(names),
                    )
                )
        if isinstance(self.rotation.target, dict):
            unknown = sorted(set(self.rotation.target) - set(names))
            if unknown:
                raise ValueError(
                    msg(
                        "rotation.target names unknown room(s): {unknowns}",
                        unknowns=", ".join(unknown),
                    )
                )
        return self

    @property
    def uses_all_stops(self) -> bool:
        return self.places == ALL_STOPS


# --------------------------------------------------------------------------- loading


def _yaml_line(root: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """The 1-based line of the key (or list item) at ``loc``, or of its nearest parent."""
    node, line = root, None
    for key in loc:
        if node is None:
            break
        line = node.start_mark.line + 1
        nxt = None
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if k.value == key:
                    nxt, line = v, k.start_mark.line + 1
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            nxt = node.value[key]
            line = nxt.start_mark.line + 1
        node = nxt
    return line


def _known_fields(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Field names allowed at the parent of ``loc`` (for 'did you mean')."""
    current: Any = model
    for key in loc[:-1]:
        if isinstance(key, int):
            continue
        field = getattr(current, "model_fields", {}).get(key)
        if field is None:
            return []
        ann = field.annotation
        for cand in (ann, *getattr(ann, "__args__", ())):
            inner = getattr(cand, "__args__", ())
            for c in (cand, *inner):
                if isinstance(c, type) and issubclass(c, BaseModel):
                    current = c
                    break
    return list(getattr(current, "model_fields", {}))


def _describe(err: ErrorDetails) -> tuple[Text, Text | None]:
    loc = tuple(err["loc"])
    if err["type"] == "extra_forbidden":
        known = [
            f for f in _known_fields(Scenario, loc) if f not in ("source_file", "clipped_from")
        ]
        close = difflib.get_close_matches(str(loc[-1]), known, n=1)
        hint = (
            msg("Did you mean '{close}'?", close=close[0])
            if close
            else msg("Known fields: {known}.", known=", ".join(known))
        )
        return msg("unknown field '{field}'.", field=loc[-1]), hint
    if err["type"] == "missing":
        return msg("this field is required but missing."), None
    ctx = err.get("ctx") or {}
    cause = ctx.get("error")
    if isinstance(cause, ValueError) and cause.args and isinstance(cause.args[0], Text):
        return msg("{problem}.", problem=cause.args[0]), None  # our validators' own words
    bounds = {  # pydantic's commonest checks, in our words
        "greater_than": lambda: msg("Input should be greater than {gt}.", gt=ctx.get("gt")),
        "greater_than_equal": lambda: msg(
            "Input should be greater than or equal to {ge}.", ge=ctx.get("ge")
        ),
        "less_than": lambda: msg("Input should be less than {lt}.", lt=ctx.get("lt")),
        "less_than_equal": lambda: msg(
            "Input should be less than or equal to {le}.", le=ctx.get("le")
        ),
        "literal_error": lambda: msg("Input should be {expected}.", expected=ctx.get("expected")),
    }
    if err["type"] in bounds:
        return bounds[err["type"]](), None
    # any other of pydantic's checks (a number, a date, …): its own (English) words
    return msg("{problem}.", problem=err["msg"].removeprefix("Value error, ")), None


def scenario_from_dict(data: Any, source: Path | None = None, yaml_root: Any = None) -> Scenario:
    """Validate a scenario given as a dict; relative paths resolve against ``source``."""
    label = str(source) if source else "scenario"
    if not isinstance(data, dict):
        raise ScenarioError(
            msg("the file must be a YAML mapping (name:, feed:, places:, sites:, course:)."),
            file=label,
        )
    base = source.parent if source else Path.cwd()
    data = dict(data)
    for key in ("feed", "places"):
        value = data.get(key)
        if isinstance(value, str) and (
            key != "places" or value.strip().lower().replace(" ", "_") != ALL_STOPS
        ):
            data[key] = safe_path(base / value, what=key, file=label, field=key)
    data["on_demand"] = [_with_zone_path(item, base) for item in data.get("on_demand") or []]
    _resolve_polygon(data, base)
    data["source_file"] = source
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        # an unknown key is usually a typo of a missing one: report it first
        errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
        err = errors[0]
        loc = tuple(err["loc"])
        field = ".".join(str(p) for p in loc) or None
        problem, hint = _describe(err)
        line = _yaml_line(yaml_root, loc) if yaml_root is not None else None
        more = len(errors) - 1
        if more:
            after = msg("({more} more problem(s) after this one.)", more=more)
            hint = msg("{hint} {after}", hint=hint, after=after) if hint else after
        raise ScenarioError(
            problem,
            file=msg("{file}, line {line}", file=label, line=line) if line else label,
            field=field,
            hint=hint,
        ) from None
    _check_paths(scenario, label)
    if scenario.feed_clip is not None and scenario.clipped_from is None:
        scenario = _clipped(scenario, label)
    return scenario


def _with_zone_path(item: Any, base: Path) -> Any:
    """An on-demand service's GeoJSON zone path, resolved against the scenario's folder."""
    zone = item.get("zone") if isinstance(item, dict) else None
    if isinstance(zone, dict) and isinstance(zone.get("geojson"), str):
        return {
            **item,
            "zone": {**zone, "geojson": safe_path(base / zone["geojson"], what="zone file")},
        }
    return item


def _resolve_polygon(data: dict, base: Path) -> None:
    """``feed_clip.polygon`` is relative to the scenario file, like ``feed``."""
    clip = data.get("feed_clip")
    if isinstance(clip, dict) and isinstance(clip.get("polygon"), str):
        data["feed_clip"] = {**clip, "polygon": str((base / clip["polygon"]).resolve())}


def _clipped(scenario: Scenario, label: str) -> Scenario:
    """The scenario with ``feed`` replaced by its cached clip (made now if needed)."""
    from course_planner.errors import ClipError
    from course_planner.transit.clip import ClipArea, cached_clip

    clip = scenario.feed_clip
    assert clip is not None
    try:
        area = ClipArea(
            county=clip.county, bbox=clip.bbox, polygon=clip.polygon, buffer_km=clip.buffer_km
        )
        path = cached_clip(scenario.feed, area)
    except ClipError as exc:
        raise ClipError(exc.located(), file=label, field="feed_clip", hint=exc.hint) from None
    return scenario.model_copy(update={"feed": path, "clipped_from": scenario.feed})


def _check_paths(scenario: Scenario, label: str) -> None:
    if not scenario.feed.exists():
        raise InputFileNotFoundError(
            msg("the feed {feed} does not exist.", feed=scenario.feed),
            file=label,
            field="feed",
            hint=msg("Give the path of a GTFS zip or folder, relative to the scenario file."),
        )
    for i, service in enumerate(scenario.on_demand):
        zone_file = service.zone.geojson
        if zone_file is not None and not zone_file.is_file():
            raise InputFileNotFoundError(
                msg(
                    "the zone file {file} of „{service}“ does not exist.",
                    file=zone_file.name,
                    service=service.name,
                ),
                file=label,
                field=f"on_demand.{i}.zone.geojson",
                hint=msg(
                    "Give a GeoJSON file with the zone's polygon, relative to the "
                    "scenario file, or list the zone's places or stops instead."
                ),
            )
    if not scenario.uses_all_stops and not Path(scenario.places).exists():
        raise InputFileNotFoundError(
            msg("the places file {places} does not exist.", places=scenario.places),
            file=label,
            field="places",
            hint=msg("Give a CSV with columns name,lat,lon[,participants], or write 'all_stops'."),
        )


def _read_yaml(path: Path) -> tuple[Any, Any]:
    text = read_text(path, what="scenario file")
    try:
        root = yaml.compose(text)
        _check_expansion(root, path)
        return root, yaml.safe_load(text)
    except RecursionError:
        raise ScenarioError(
            msg("the YAML is nested too deeply to read."),
            file=path,
            hint=msg("A scenario needs a few levels of nesting, not hundreds."),
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = msg("{file}, line {line}", file=path, line=mark.line + 1) if mark else path
        problem = getattr(exc, "problem", None) or "?"
        raise ScenarioError(
            msg("not valid YAML: {problem}.", problem=problem),
            file=where,
            hint=msg("Check indentation and colons on that line."),
        ) from None


MAX_YAML_VALUES = 100_000  # a scenario has a few hundred; aliases must not blow this up


def _check_expansion(root: yaml.Node | None, path: Path) -> None:
    """Refuse a document whose aliases (``*name``) expand to more than
    :data:`MAX_YAML_VALUES` values (a "billion laughs" file would hang validation)."""
    sizes: dict[int, int] = {}

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key not in sizes:
            sizes[key] = 0  # a recursive alias counts once
            if isinstance(node, yaml.MappingNode):
                sizes[key] = 1 + sum(size(k) + size(v) for k, v in node.value)
            elif isinstance(node, yaml.SequenceNode):
                sizes[key] = 1 + sum(size(v) for v in node.value)
            else:
                sizes[key] = 1
        return min(sizes[key], MAX_YAML_VALUES + 1)

    if root is not None and size(root) > MAX_YAML_VALUES:
        raise ScenarioError(
            msg(
                "the file expands to more than {limit:,} values through its aliases (*name).",
                limit=MAX_YAML_VALUES,
            ),
            file=path,
            hint=msg("Write the values out, or use fewer nested aliases."),
        )


def _merge(base: dict, child: dict) -> dict:
    """``child`` over ``base``: mappings merge key by key, everything else is replaced."""
    out = dict(base)
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _with_base(data: Any, path: Path, seen: tuple[Path, ...] = ()) -> Any:
    """Resolve ``extends: other.yaml`` (relative to this file), recursively."""
    if not isinstance(data, dict) or "extends" not in data:
        return data
    data = dict(data)
    base_path = safe_path(
        path.parent / str(data.pop("extends")), what="base scenario", file=path, field="extends"
    )
    if base_path in seen or base_path == path.resolve():
        raise ScenarioError(
            msg("the scenario extends itself (a cycle of 'extends')."), file=path, field="extends"
        )
    if not base_path.is_file():
        raise InputFileNotFoundError(
            msg("the base scenario {base_path} does not exist.", base_path=base_path),
            file=path,
            field="extends",
        )
    _, base = _read_yaml(base_path)
    base = _with_base(base, base_path, (*seen, path.resolve()))
    if not isinstance(base, dict):
        raise ScenarioError(msg("the base scenario is not a YAML mapping."), file=base_path)
    base = dict(base)
    for key in ("feed", "places"):  # the base's own paths are relative to the base file
        value = base.get(key)
        if isinstance(value, str) and value.strip().lower().replace(" ", "_") != ALL_STOPS:
            base[key] = str(
                safe_path(base_path.parent / value, what=key, file=base_path, field=key)
            )
    _resolve_polygon(base, base_path.parent)
    return _merge(base, data)


def scenario_data(path: str | Path) -> dict:
    """The scenario file as a plain dict for editing: ``extends`` resolved, and the paths of
    feed and places relative to this file's folder (as they would be written in it)."""
    path = Path(path)
    if not path.is_file():
        raise InputFileNotFoundError(msg("the scenario file does not exist."), file=path)
    _, data = _read_yaml(path)
    data = _with_base(data, path)
    if not isinstance(data, dict):
        raise ScenarioError(msg("the file must be a YAML mapping."), file=path)
    for key in ("feed", "places"):
        value = data.get(key)
        if isinstance(value, str) and Path(value).is_absolute():
            data[key] = os.path.relpath(value, path.parent.resolve())
    clip = data.get("feed_clip")
    if (
        isinstance(clip, dict)
        and isinstance(clip.get("polygon"), str)
        and Path(clip["polygon"]).is_absolute()
    ):
        data["feed_clip"] = {
            **clip,
            "polygon": os.path.relpath(clip["polygon"], path.parent.resolve()),
        }
    return data


def scenario_yaml(data: dict) -> str:
    """A scenario dict as YAML text (keys in the order given, Unicode kept)."""

    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, Path):
            return str(value)
        return value

    return yaml.safe_dump(plain(data), allow_unicode=True, sort_keys=False)


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario YAML file (``extends:`` another one if it says so)."""
    path = Path(path)
    safe_path(path, what="scenario file")
    if not path.is_file():
        raise InputFileNotFoundError(
            msg("the scenario file does not exist."), file=path, hint=msg("Check the path.")
        )
    root, data = _read_yaml(path)
    data = _with_base(data, path)
    return scenario_from_dict(data, source=safe_path(path, what="scenario file"), yaml_root=root)


def field_default(model: type[BaseModel], name: str) -> Any:
    """A field's default in the schema (forms show it; they restate none)."""
    return model.model_fields[name].default


def field_upper_bound(model: type[BaseModel], name: str) -> float:
    """A field's upper bound (``le``) in the schema (forms use it as their maximum)."""
    for rule in model.model_fields[name].metadata:
        bound = getattr(rule, "le", None)
        if bound is not None:
            return float(bound)
    raise KeyError(f"{model.__name__}.{name} has no upper bound")
