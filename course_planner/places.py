"""Places people travel from: villages from a CSV, or every stop (station) of a feed."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from course_planner.coordinates import coordinate_problem
from course_planner.errors import PlacesError, msg
from course_planner.logs import get_logger
from course_planner.sources import check_delimiter, first_line, read_text, safe_path

if TYPE_CHECKING:
    from course_planner.scenario import Area

log = get_logger(__name__)

#: Columns of a places frame: name (unique), lat, lon, participants (nullable int),
#: stop_id (set when the place is a stop of the feed, else empty).
PLACE_COLUMNS = ["name", "lat", "lon", "participants", "stop_id"]


def load_places(path: str | Path, participants: dict[str, int] | None = None) -> pd.DataFrame:
    """Read a places CSV (``name,lat,lon[,participants]``; other columns are kept out).

    ``participants`` from the scenario override or add to the CSV's column.
    """
    path = Path(path)
    label = str(path)
    safe_path(path, what="places file")
    if not path.is_file():
        raise PlacesError(
            msg("the places file does not exist.")
            if not path.exists()
            else msg("this is a folder, not a places file."),
            file=path,
            hint=msg("Give a CSV with columns name,lat,lon[,participants]."),
        )
    with open(path, "rb") as fh:
        if zipfile.is_zipfile(fh):
            raise PlacesError(
                msg("this is a zip archive (a GTFS feed?), not a places CSV."),
                file=path,
                field="places",
                hint=msg(
                    "'places:' takes a CSV name,lat,lon[,participants] or "
                    "all_stops; the timetable goes under 'feed:'."
                ),
            )
    text = read_text(path, what="places file")
    check_delimiter(first_line(text), label)
    try:
        raw = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        raise PlacesError(
            msg("the file is empty."),
            file=path,
            hint=msg("Write a header name,lat,lon and one row per place."),
        ) from None
    except pd.errors.ParserError as exc:
        raise PlacesError(
            msg("not a readable CSV ({exc}).", exc=exc),
            file=path,
            hint=msg("Save it as UTF-8 CSV with a header."),
        ) from None
    raw.columns = [c.strip().lower() for c in raw.columns]
    for column in ("name", "lat", "lon"):
        if column not in raw.columns:
            raise PlacesError(
                msg(
                    "the column '{column}' is missing (found: {columns}).",
                    column=column,
                    columns=", ".join(raw.columns),
                ),
                file=path,
                hint=msg("The header must contain name,lat,lon and may contain participants."),
            )
    if raw.empty:
        raise PlacesError(
            msg("the file has a header but no places."),
            file=path,
            row=2,
            hint=msg("Add one row per place: name,lat,lon[,participants]."),
        )
    rows = []
    for i, rec in enumerate(raw.to_dict("records")):
        line = i + 2  # the header is line 1 (a name with a line break spans two lines)
        name = " ".join(rec["name"].split())
        if name != rec["name"].strip():
            log.warning(
                msg(
                    "{file}, row {row}, field 'name': the name '{name}' contained line breaks "
                    "or repeated spaces; they were replaced by single spaces.",
                    file=path,
                    row=line,
                    name=name,
                )
            )
        if not name:
            raise PlacesError(msg("the name is empty."), file=path, row=line, field="name")
        values = {}
        for column, lo, hi in (("lat", -90, 90), ("lon", -180, 180)):
            try:
                values[column] = float(rec[column].replace(",", "."))
            except ValueError:
                raise PlacesError(
                    msg("'{value}' is not a number.", value=rec[column]),
                    file=path,
                    row=line,
                    field=column,
                    hint=msg("Write decimal degrees, e.g. 51.909."),
                ) from None
            if not lo <= values[column] <= hi:
                raise PlacesError(
                    msg("{value} is outside {lo}..{hi}.", value=values[column], lo=lo, hi=hi),
                    file=path,
                    row=line,
                    field=column,
                )
        problem = coordinate_problem(values["lat"], values["lon"])
        if problem is not None and problem.is_error:
            raise PlacesError(
                msg(
                    "{lat},{lon}: {problem}.",
                    lat=values["lat"],
                    lon=values["lon"],
                    problem=problem.text,
                ),
                file=path,
                row=line,
                field="lat",
                hint=msg("Write decimal degrees, lat first (Lippe: 51.9,8.8)."),
            )
        if problem is not None:
            log.warning(
                msg(
                    "{file}, row {row}: {name} ({lat},{lon}) — {problem}.",
                    file=path,
                    row=line,
                    name=name,
                    lat=values["lat"],
                    lon=values["lon"],
                    problem=problem.text,
                )
            )
        count = None
        text = rec.get("participants", "").strip()
        if text:
            try:
                count = int(text)
            except ValueError:
                raise PlacesError(
                    msg("'{text}' is not a whole number.", text=text),
                    file=path,
                    row=line,
                    field="participants",
                ) from None
            if count < 0:
                raise PlacesError(
                    msg("must not be negative."), file=path, row=line, field="participants"
                )
        rows.append(
            {
                "name": name,
                "lat": values["lat"],
                "lon": values["lon"],
                "participants": count,
                "stop_id": None,
            }
        )
    places = pd.DataFrame(rows, columns=PLACE_COLUMNS)
    dupes = places["name"][places["name"].duplicated()].tolist()
    if dupes:
        raise PlacesError(
            msg("the place name '{name}' appears twice.", name=dupes[0]),
            file=path,
            field="name",
            hint=msg("Names must be unique."),
        )
    return _with_participants(places, participants or {}, str(path))


def _with_participants(places: pd.DataFrame, counts: dict[str, int], label: str) -> pd.DataFrame:
    unknown = sorted(set(counts) - set(places["name"]))
    if unknown:
        raise PlacesError(
            msg(
                "participants are given for unknown place(s): {unknowns}.",
                unknowns=", ".join(unknown),
            ),
            file=label,
            field="participants",
            hint=msg("Use the names exactly as in the places file."),
        )
    places = places.copy()
    if counts:
        places["participants"] = [
            counts.get(n, p) for n, p in zip(places["name"], places["participants"], strict=True)
        ]
    places["participants"] = places["participants"].astype("Int64")
    return places


def stops_as_places(stations: pd.DataFrame, area: Area | None = None) -> pd.DataFrame:
    """Every station of a feed as an origin place (one row per parent station or lone stop).

    ``stations`` has ``station_id, station_name, lat, lon`` (see ``Feed.stations``).
    Names are made unique by adding the station id when two stations share a name.
    """
    st = stations
    if area is not None:
        st = st[area.contains(st["lat"], st["lon"])]
    st = st.sort_values("station_id", kind="stable")
    names = st["station_name"].fillna("").astype(str)
    names = names.where(names != "", st["station_id"])
    dup = names.duplicated(keep=False)
    names = names.where(~dup, names + " (" + st["station_id"] + ")")
    return pd.DataFrame(
        {
            "name": names.to_numpy(),
            "lat": st["lat"].to_numpy(dtype=float),
            "lon": st["lon"].to_numpy(dtype=float),
            "participants": pd.array([pd.NA] * len(st), dtype="Int64"),
            "stop_id": st["station_id"].to_numpy(),
        }
    )
