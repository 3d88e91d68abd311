"""Places people travel from: villages from a CSV, or every stop (station) of a feed."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from course_planner.errors import PlacesError

#: Columns of a places frame: name (unique), lat, lon, participants (nullable int),
#: stop_id (set when the place is a stop of the feed, else empty).
PLACE_COLUMNS = ["name", "lat", "lon", "participants", "stop_id"]


def load_places(path: str | Path, participants: dict[str, int] | None = None) -> pd.DataFrame:
    """Read a places CSV (``name,lat,lon[,participants]``; other columns are kept out).

    ``participants`` from the scenario override or add to the CSV's column.
    """
    path = Path(path)
    try:
        raw = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    except FileNotFoundError:
        raise PlacesError("the places file does not exist.", file=path) from None
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise PlacesError(
            f"not a readable CSV ({exc}).", file=path, hint="Save it as UTF-8 CSV with a header."
        ) from None
    raw.columns = [c.strip().lower() for c in raw.columns]
    for column in ("name", "lat", "lon"):
        if column not in raw.columns:
            raise PlacesError(
                f"the column '{column}' is missing (found: {', '.join(raw.columns)}).",
                file=path,
                hint="The header must contain name,lat,lon and may contain participants.",
            )
    rows = []
    for i, rec in enumerate(raw.to_dict("records")):
        line = i + 2  # the header is line 1
        name = rec["name"].strip()
        if not name:
            raise PlacesError("the name is empty.", file=path, row=line, field="name")
        values = {}
        for column, lo, hi in (("lat", -90, 90), ("lon", -180, 180)):
            try:
                values[column] = float(rec[column].replace(",", "."))
            except ValueError:
                raise PlacesError(
                    f"'{rec[column]}' is not a number.", file=path, row=line, field=column,
                    hint="Write decimal degrees, e.g. 51.909.",
                ) from None
            if not lo <= values[column] <= hi:
                raise PlacesError(
                    f"{values[column]} is outside {lo}..{hi}.", file=path, row=line,
                    field=column,
                )
        count = None
        text = rec.get("participants", "").strip()
        if text:
            try:
                count = int(text)
            except ValueError:
                raise PlacesError(
                    f"'{text}' is not a whole number.", file=path, row=line,
                    field="participants",
                ) from None
            if count < 0:
                raise PlacesError("must not be negative.", file=path, row=line,
                                  field="participants")
        rows.append({"name": name, "lat": values["lat"], "lon": values["lon"],
                     "participants": count, "stop_id": None})
    places = pd.DataFrame(rows, columns=PLACE_COLUMNS)
    dupes = places["name"][places["name"].duplicated()].tolist()
    if dupes:
        raise PlacesError(f"the place name '{dupes[0]}' appears twice.", file=path,
                          field="name", hint="Names must be unique.")
    return _with_participants(places, participants or {}, str(path))


def _with_participants(places: pd.DataFrame, counts: dict[str, int], label: str) -> pd.DataFrame:
    unknown = sorted(set(counts) - set(places["name"]))
    if unknown:
        raise PlacesError(
            f"participants are given for unknown place(s): {', '.join(unknown)}.",
            file=label, field="participants",
            hint="Use the names exactly as in the places file.",
        )
    places = places.copy()
    if counts:
        places["participants"] = [
            counts.get(n, p) for n, p in zip(places["name"], places["participants"], strict=True)
        ]
    places["participants"] = places["participants"].astype("Int64")
    return places


def stops_as_places(stations: pd.DataFrame, area=None) -> pd.DataFrame:
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
    return pd.DataFrame({
        "name": names.to_numpy(),
        "lat": st["lat"].to_numpy(dtype=float),
        "lon": st["lon"].to_numpy(dtype=float),
        "participants": pd.array([pd.NA] * len(st), dtype="Int64"),
        "stop_id": st["station_id"].to_numpy(),
    })
