"""The scenario file: schema, defaults and loading, with errors that name the field and line."""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from course_planner.errors import InputFileNotFoundError, ScenarioError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALL_STOPS = "all_stops"
_CLOCK = re.compile(r"^(\d{1,2}):([0-5]\d)$")


def clock_to_seconds(text: str) -> int:
    """'08:30' -> 30600. Hours may exceed 23 (GTFS style)."""
    match = _CLOCK.match(text.strip())
    if not match:
        raise ValueError(f"'{text}' is not a time of day; write it as HH:MM, e.g. 08:30")
    return int(match.group(1)) * 3600 + int(match.group(2)) * 60


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _weekday_list(value: Any) -> Any:
    if isinstance(value, list):
        return [v.strip().lower()[:3] if isinstance(v, str) else v for v in value]
    return value


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
            raise ValueError(f"end {self.end} lies before start {self.start}")
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

    name: Annotated[str, Field(min_length=1)]
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

    def available_on(self, day: dt.date) -> bool:
        """False when the room's weekday rule excludes ``day``."""
        return self.available_weekdays is None or WEEKDAYS[day.weekday()] in \
            self.available_weekdays


class Slot(_Strict):
    """One session of a course day (for days with two or more sessions)."""

    start: str
    end: str

    @field_validator("start", "end")
    @classmethod
    def _clock(cls, value: str) -> str:
        clock_to_seconds(value)
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
        clock_to_seconds(value)
        return value

    @model_validator(mode="after")
    def _order(self) -> Course:
        if self.end_date < self.start_date:
            raise ValueError(
                f"end_date {self.end_date} lies before start_date {self.start_date}"
            )
        if clock_to_seconds(self.end) <= clock_to_seconds(self.start):
            raise ValueError(f"the course ends ({self.end}) before it starts ({self.start})")
        previous_end = clock_to_seconds(self.start)
        for slot in self.slots or []:
            a, b = clock_to_seconds(slot.start), clock_to_seconds(slot.end)
            if b <= a or a < previous_end or b > clock_to_seconds(self.end):
                raise ValueError(
                    f"slot {slot.start}–{slot.end} must end after it starts, follow the "
                    f"previous slot, and lie within the course times {self.start}–{self.end}")
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
    name: Annotated[str, Field(min_length=1)]
    lat: Annotated[float, Field(ge=-90, le=90)]
    lon: Annotated[float, Field(ge=-180, le=180)]


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
    target: Literal["participants", "equal"] | dict[str, Annotated[float, Field(ge=0)]] = \
        "participants"
    max_streak: Annotated[int, Field(ge=1)] = 2
    weights: Weights = Weights()
    time_limit_s: Annotated[float, Field(gt=0, le=600)] = 10
    seed: int = 0


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
            clock_to_seconds(value)
        return value


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

    name: Annotated[str, Field(min_length=1)]
    feed: Path
    places: Path | Literal["all_stops"]
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
            raise ValueError(f"room names must be unique; repeated: {', '.join(dupes)}")
        for pin in self.rotation.pins:
            if pin.site not in names:
                raise ValueError(f"rotation.pins: '{pin.site}' is not a room of this scenario "
                                 f"(rooms: {', '.join(names)})")
        if isinstance(self.rotation.target, dict):
            unknown = sorted(set(self.rotation.target) - set(names))
            if unknown:
                raise ValueError(f"rotation.target names unknown room(s): {', '.join(unknown)}")
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
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) \
                and key < len(node.value):
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


def _describe(err: dict[str, Any]) -> tuple[str, str | None]:
    loc = tuple(err["loc"])
    if err["type"] == "extra_forbidden":
        known = [f for f in _known_fields(Scenario, loc) if f != "source_file"]
        close = difflib.get_close_matches(str(loc[-1]), known, n=1)
        hint = f"Did you mean '{close[0]}'?" if close else f"Known fields: {', '.join(known)}."
        return f"unknown field '{loc[-1]}'.", hint
    if err["type"] == "missing":
        return "this field is required but missing.", None
    msg = err["msg"]
    msg = msg.removeprefix("Value error, ")
    return msg + ".", None


def scenario_from_dict(data: Any, source: Path | None = None, yaml_root: Any = None) -> Scenario:
    """Validate a scenario given as a dict; relative paths resolve against ``source``."""
    label = str(source) if source else "scenario"
    if not isinstance(data, dict):
        raise ScenarioError(
            "the file must be a YAML mapping (name:, feed:, places:, sites:, course:).",
            file=label,
        )
    base = source.parent if source else Path.cwd()
    data = dict(data)
    for key in ("feed", "places"):
        value = data.get(key)
        if isinstance(value, str) and (key != "places" or value.strip().lower().replace(
            " ", "_") != ALL_STOPS):
            data[key] = (base / value).resolve()
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
            hint = (hint + " " if hint else "") + (
                f"({more} more problem{'s' if more > 1 else ''} after this one.)")
        raise ScenarioError(
            problem,
            file=f"{label}, line {line}" if line else label,
            field=field,
            hint=hint,
        ) from None
    _check_paths(scenario, label)
    return scenario


def _check_paths(scenario: Scenario, label: str) -> None:
    if not scenario.feed.exists():
        raise InputFileNotFoundError(
            f"the feed {scenario.feed} does not exist.",
            file=label,
            field="feed",
            hint="Give the path of a GTFS zip or folder, relative to the scenario file.",
        )
    if not scenario.uses_all_stops and not Path(scenario.places).exists():
        raise InputFileNotFoundError(
            f"the places file {scenario.places} does not exist.",
            file=label,
            field="places",
            hint="Give a CSV with columns name,lat,lon[,participants], or write 'all_stops'.",
        )


def _read_yaml(path: Path) -> tuple[Any, Any]:
    text = path.read_text(encoding="utf-8-sig")
    try:
        return yaml.compose(text), yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}, line {mark.line + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise ScenarioError(
            f"not valid YAML: {problem}.",
            file=where,
            hint="Check indentation and colons on that line.",
        ) from None


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
    base_path = (path.parent / str(data.pop("extends"))).resolve()
    if base_path in seen or base_path == path.resolve():
        raise ScenarioError("the scenario extends itself (a cycle of 'extends').",
                            file=path, field="extends")
    if not base_path.is_file():
        raise InputFileNotFoundError(f"the base scenario {base_path} does not exist.",
                                     file=path, field="extends")
    _, base = _read_yaml(base_path)
    base = _with_base(base, base_path, (*seen, path.resolve()))
    if not isinstance(base, dict):
        raise ScenarioError("the base scenario is not a YAML mapping.", file=base_path)
    base = dict(base)
    for key in ("feed", "places"):  # the base's own paths are relative to the base file
        value = base.get(key)
        if isinstance(value, str) and value.strip().lower().replace(" ", "_") != ALL_STOPS:
            base[key] = str((base_path.parent / value).resolve())
    return _merge(base, data)


def scenario_data(path: str | Path) -> dict:
    """The scenario file as a plain dict for editing: ``extends`` resolved, and the paths of
    feed and places relative to this file's folder (as they would be written in it)."""
    path = Path(path)
    if not path.is_file():
        raise InputFileNotFoundError("the scenario file does not exist.", file=path)
    _, data = _read_yaml(path)
    data = _with_base(data, path)
    if not isinstance(data, dict):
        raise ScenarioError("the file must be a YAML mapping.", file=path)
    for key in ("feed", "places"):
        value = data.get(key)
        if isinstance(value, str) and Path(value).is_absolute():
            data[key] = os.path.relpath(value, path.parent.resolve())
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
    if not path.is_file():
        raise InputFileNotFoundError(
            "the scenario file does not exist.", file=path, hint="Check the path."
        )
    root, data = _read_yaml(path)
    data = _with_base(data, path)
    return scenario_from_dict(data, source=path.resolve(), yaml_root=root)
