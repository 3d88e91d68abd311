"""Cut a county (or a box, or a polygon) out of a large GTFS feed, streaming, into a small one.

A state-wide or national feed (20–50 million ``stop_times`` rows) does not fit the planner's
memory, and a county's planning needs only the trips that serve the county. The clip keeps

- every *seed* stop: the county's stops (DHID prefix ``de:<AGS>:`` on the stop or its parent
  station) and every stop within ``buffer_km`` of the nearest of them; or the stops within
  ``buffer_km`` of a box or polygon;
- every trip that serves a seed stop, **whole** (a line crossing the border keeps its stops
  and times outside, so journeys that leave the area and come back stay possible);
- exactly the routes, agencies, services (``calendar``, ``calendar_dates``), stops and their
  parent stations, transfers, shapes and frequencies those trips need; ``feed_info``,
  ``levels`` and ``attributions`` (filtered) as they are.

Files it cannot clip correctly (fares, pathways, translations, GTFS-Flex and others) are
left out and named in the report. Every table is read with pyarrow's streaming CSV reader
straight from the zip, batch by batch, as text (values are copied byte for byte, so times
past 24:00 and ids with leading zeros survive), and the output is written to a temporary
file that replaces ``out`` only when complete.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import json
import os
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np

from course_planner.cache import cache_dir, feed_digest, write_text_atomic
from course_planner.errors import ClipError, InputFileNotFoundError, msg
from course_planner.sources import ArchiveLimits, check_archive

_DHID = re.compile(r"^[a-z]{2}:\d{5}(:|$)")
_AGS = re.compile(r"^\d{5}$")
_BLOCK = 16 << 20  # bytes of CSV text per batch: bounded memory, few batches
_KM_PER_DEG_LAT = 110.574
_KM_PER_DEG_LON_EQUATOR = 111.320
# the members we copy (filtered); everything else is left out with a reason
STREAMING_FACTOR = 16  # the clip may stream 16 × the archive limit of a feed read whole
_CLIPPED = (
    "agency",
    "stops",
    "routes",
    "trips",
    "stop_times",
    "calendar",
    "calendar_dates",
    "transfers",
    "shapes",
    "frequencies",
    "feed_info",
    "levels",
    "attributions",
)
_WHY_DROPPED = {
    "fare_attributes": "fares are not clipped",
    "fare_rules": "fares are not clipped",
    "pathways": "station interiors (pathways) are not clipped",
    "translations": "translations are not clipped",
    **dict.fromkeys(
        ("locations", "location_groups", "location_group_stops", "booking_rules"),
        "GTFS-Flex zones and groups are not clipped: the feed's on-demand services "
        "are lost (describe them in the scenario's on_demand instead)",
    ),
}


# --------------------------------------------------------------------------- typed inputs


@dataclass(frozen=True)
class ClipArea:
    """What to keep: exactly one of ``county`` (5-digit AGS, e.g. ``"05766"``), ``bbox``
    (min_lon, min_lat, max_lon, max_lat in degrees) or ``polygon`` (a GeoJSON file), and
    ``buffer_km`` around it (distance to the nearest county stop, or to the box/polygon)."""

    county: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    polygon: Path | None = None
    buffer_km: float = 10.0

    def __post_init__(self) -> None:
        given = [x for x in (self.county, self.bbox, self.polygon) if x is not None]
        if len(given) != 1:
            raise ClipError(
                msg("give exactly one area: a county (AGS), a bbox or a polygon."),
                hint=msg("E.g. --county 05766, or --bbox 8.5,51.7,9.4,52.2."),
            )
        if self.county is not None and not _AGS.match(self.county):
            raise ClipError(
                msg("'{county}' is not a county key (AGS).", county=self.county),
                field="county",
                hint=msg("Give the 5 digits of the Kreis, e.g. 05766 for Kreis Lippe."),
            )
        if self.bbox is not None:
            min_lon, min_lat, max_lon, max_lat = self.bbox
            if not (-180 <= min_lon < max_lon <= 180 and -90 <= min_lat < max_lat <= 90):
                raise ClipError(
                    msg(
                        "the box {bbox} is not min_lon,min_lat,max_lon,max_lat with min < max.",
                        bbox=self.bbox,
                    ),
                    field="bbox",
                    hint=msg("Write longitudes first, e.g. 8.5,51.7,9.4,52.2."),
                )
        if not (0 <= self.buffer_km <= 200):
            raise ClipError(
                msg("buffer_km {buffer_km} must lie between 0 and 200.", buffer_km=self.buffer_km),
                field="buffer_km",
            )

    def describe(self) -> str:
        if self.county is not None:
            what = f"county {self.county} (stop ids de:{self.county}:…)"
        elif self.bbox is not None:
            min_lon, min_lat, max_lon, max_lat = self.bbox
            what = f"box lon {min_lon:g}…{max_lon:g}, lat {min_lat:g}…{max_lat:g}"
        else:
            what = f"polygon {self.polygon}"
        return f"{what} + {self.buffer_km:g} km"

    def fingerprint(self) -> str:
        """A text that changes whenever the area would select other stops (for caches)."""
        polygon = (
            hashlib.sha256(Path(self.polygon).read_bytes()).hexdigest()
            if self.polygon is not None
            else None
        )
        return json.dumps(
            {
                "county": self.county,
                "bbox": self.bbox,
                "polygon": polygon,
                "buffer_km": self.buffer_km,
                "clip_version": CLIP_VERSION,
            },
            sort_keys=True,
        )


CLIP_VERSION = 1  # bump when the clip keeps other rows for the same input


@dataclass(frozen=True)
class FileCount:
    """Rows of one file in the source feed and in the clip."""

    file: str
    rows_in: int
    rows_kept: int


@dataclass(frozen=True)
class ClipReport:
    """What a clip kept: rows per file, the dates its services cover, what it left out."""

    source: Path
    out: Path
    area: str
    area_stops: int  # stops in the (buffered) area
    files: tuple[FileCount, ...]
    left_out: tuple[str, ...]  # "name.txt: why"
    first_date: dt.date | None
    last_date: dt.date | None
    notes: tuple[str, ...] = field(default=())

    def kept(self, file: str) -> int:
        """Rows kept of ``file`` (e.g. ``"stop_times.txt"``); 0 when absent."""
        return next((f.rows_kept for f in self.files if f.file == file), 0)

    def text(self) -> str:
        width = max(len(f.file) for f in self.files)
        lines = [
            f"{self.source} -> {self.out}",
            f"area: {self.area}, {self.area_stops} stops in it",
            f"validity: {self.first_date} … {self.last_date}"
            if self.first_date
            else "validity: no date on which a kept service runs",
        ]
        lines += [
            f"  {f.file:<{width}}  {f.rows_kept:>11,} of {f.rows_in:>11,} rows" for f in self.files
        ]
        lines += [f"  left out: {why}" for why in self.left_out]
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)


# --------------------------------------------------------------------------- reading


class _Source:
    """The members of a GTFS zip or folder, opened as binary streams (never read whole)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._zip: zipfile.ZipFile | None = None
        if not path.exists():
            raise InputFileNotFoundError(
                msg("the GTFS feed does not exist."),
                file=path,
                hint=msg("Give the path of a GTFS zip file or folder."),
            )
        if path.is_dir():
            self.members: dict[str, str] = {
                p.name: str(p) for p in path.iterdir() if p.is_file() and p.stat().st_size
            }
        else:
            try:
                self._zip = zipfile.ZipFile(path)
            except (zipfile.BadZipFile, OSError):
                raise ClipError(
                    msg("this is not a zip file (or the zip is broken)."),
                    file=path,
                    hint=msg("Download the feed again, or give the unpacked folder."),
                ) from None
            # the same checks as every feed read (names, links, encryption, zip bombs);
            # the clip streams, so it may unpack more than a feed that is loaded whole
            limits = ArchiveLimits.from_env()
            try:
                check_archive(
                    self._zip,
                    set(_CLIPPED),
                    str(path),
                    dataclasses.replace(
                        limits, max_unzipped_mb=limits.max_unzipped_mb * STREAMING_FACTOR
                    ),
                )
            except BaseException:
                self._zip.close()
                raise
            # members may sit in a folder inside the zip; GTFS names are unique
            self.members = {
                Path(i.filename).name: i.filename
                for i in self._zip.infolist()
                if not i.is_dir() and i.file_size
            }

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()

    def has(self, table: str) -> bool:
        return f"{table}.txt" in self.members

    def label(self, table: str) -> str:
        return f"{self.path}/{table}.txt"

    def open(self, table: str) -> IO[bytes]:
        member = self.members[f"{table}.txt"]
        if self._zip is not None:
            return self._zip.open(member)
        return open(member, "rb")

    def header(self, table: str) -> list[str]:
        with self.open(table) as fh:
            first = fh.readline()
        try:
            text = first.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ClipError(
                msg("the header line is not UTF-8 text."),
                file=self.label(table),
                hint=msg("GTFS files must be UTF-8 CSV."),
            ) from None
        names = next(csv.reader([text]), [])
        return [n.strip() for n in names]

    def batches(self, table: str, columns: list[str] | None = None) -> Iterator[Any]:
        """The table as record batches of strings (empty cells are null)."""
        import pyarrow as pa
        import pyarrow.csv as pcsv

        names = self.header(table)
        if not names or not any(names):
            return
        if columns is not None:
            missing = [c for c in columns if c not in names]
            if missing:
                raise ClipError(
                    msg("the required column '{column}' is missing.", column=missing[0]),
                    file=self.label(table),
                    field=missing[0],
                )
        fh = self.open(table)
        try:
            reader = pcsv.open_csv(
                fh,
                read_options=pcsv.ReadOptions(column_names=names, skip_rows=1, block_size=_BLOCK),
                # a quoted line break (in a stop's description, say) needs the slower
                # parser; the two big tables have none
                parse_options=pcsv.ParseOptions(
                    newlines_in_values=table not in ("stop_times", "shapes")
                ),
                convert_options=pcsv.ConvertOptions(
                    column_types={n: pa.string() for n in names},
                    include_columns=columns,
                    strings_can_be_null=True,
                    quoted_strings_can_be_null=True,
                ),
            )
            while True:
                try:
                    batch = reader.read_next_batch()
                except StopIteration:
                    break
                yield batch
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            raise ClipError(
                msg("cannot read this file as CSV ({first_line}).", first_line=_first_line(exc)),
                file=self.label(table),
                hint=msg("GTFS files must be UTF-8 CSV with one header line."),
            ) from None
        except zipfile.BadZipFile:
            raise ClipError(
                msg("the zip file is broken."), file=self.path, hint=msg("Download the feed again.")
            ) from None
        finally:
            fh.close()

    def read(self, table: str, columns: list[str] | None = None) -> Any:
        """A small table whole (stops, routes …) as a pyarrow Table of strings."""
        import pyarrow as pa

        batches = list(self.batches(table, columns))
        if not batches:
            names = columns or self.header(table)
            return pa.table({n: pa.array([], pa.string()) for n in names})
        return pa.Table.from_batches(batches)


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


# --------------------------------------------------------------------------- writing


class _Sink:
    """The output zip, written to a temporary file in ``out``'s folder and renamed at the
    end; members get a fixed timestamp so that the same clip gives the same bytes."""

    def __init__(self, out: Path) -> None:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
        os.close(fd)
        self.out, self.tmp = out, Path(tmp)
        self.zip = zipfile.ZipFile(self.tmp, "w", compression=zipfile.ZIP_DEFLATED)

    def member(self, table: str) -> IO[bytes]:
        info = zipfile.ZipInfo(f"{table}.txt", date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        return self.zip.open(info, "w", force_zip64=True)

    def commit(self) -> None:
        self.zip.close()
        umask = os.umask(0)  # a temporary file is private; the clip gets the usual mode
        os.umask(umask)
        os.chmod(self.tmp, 0o666 & ~umask)
        os.replace(self.tmp, self.out)

    def abort(self) -> None:
        self.zip.close()
        self.tmp.unlink(missing_ok=True)


def _write_filtered(
    src: _Source,
    sink: _Sink,
    table: str,
    keep: Callable[[Any], Any] | None,
    collect: tuple[str, ...] = (),
    observe: Callable[[Any], None] | None = None,
) -> tuple[FileCount, dict[str, Any]]:
    """Stream ``table`` from ``src`` to ``sink``, keeping the rows where ``keep(batch)`` is
    true (all rows when ``keep`` is None); returns the counts and the distinct values of
    the ``collect`` columns among the kept rows. ``observe`` sees every batch of kept rows."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv

    names = src.header(table)
    key = getattr(keep, "column", None)
    if key is not None and key not in names:
        raise ClipError(
            msg("the required column '{column}' is missing.", column=key),
            file=src.label(table),
            field=key,
        )
    rows_in = rows_kept = 0
    seen: dict[str, list[Any]] = {c: [] for c in collect if c in names}
    options = pcsv.WriteOptions(quoting_header="none")
    with sink.member(table) as fh:
        writer = None
        for batch in src.batches(table):
            if writer is None:
                writer = pcsv.CSVWriter(fh, batch.schema, write_options=options)
            rows_in += batch.num_rows
            if keep is not None:
                mask = keep(batch)
                batch = batch.filter(pc.fill_null(mask, False))
            rows_kept += batch.num_rows
            if batch.num_rows:
                writer.write_batch(batch)
                if observe is not None:
                    observe(batch)
                for column, values in seen.items():
                    values.append(pc.unique(batch.column(column)))
        if writer is None:  # header only: copy the header line
            fh.write((",".join(names) + "\n").encode())
        else:
            writer.close()
    distinct = {c: _unique(v) for c, v in seen.items()}
    for column in collect:
        distinct.setdefault(column, pa.array([], pa.string()))
    return FileCount(f"{table}.txt", rows_in, rows_kept), distinct


def _unique(arrays: list[Any]) -> Any:
    import pyarrow as pa
    import pyarrow.compute as pc

    if not arrays:
        return pa.array([], pa.string())
    chunks = [c for a in arrays for c in (a.chunks if isinstance(a, pa.ChunkedArray) else [a])]
    values = pc.unique(pa.concat_arrays([c.cast(pa.string()) for c in chunks]))
    return values.drop_null()


def _isin(column: str, values: Any) -> Callable[[Any], Any]:
    """Keep the rows whose ``column`` holds one of ``values``."""
    import pyarrow.compute as pc

    def keep(batch: Any) -> Any:
        return pc.is_in(batch.column(column), value_set=values)

    keep.column = column  # type: ignore[attr-defined]  # checked against the header
    return keep


# --------------------------------------------------------------------------- the area


def _area_stop_ids(stops: Any, area: ClipArea, label: str) -> Any:
    """Ids of the stops in the buffered area (pyarrow string array)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import shapely

    ids = stops.column("stop_id")
    lat = _floats(stops.column("stop_lat"), label, "stop_lat")
    lon = _floats(stops.column("stop_lon"), label, "stop_lon")
    located = np.isfinite(lat) & np.isfinite(lon)
    base = np.zeros(len(ids), dtype=bool)

    if area.county is not None:
        prefix = f"de:{area.county}:"
        parents = (
            stops.column("parent_station")
            if "parent_station" in stops.column_names
            else pa.nulls(len(ids), pa.string())
        )
        in_county = pc.fill_null(pc.starts_with(ids, prefix), False).to_numpy(
            zero_copy_only=False
        ) | pc.fill_null(pc.starts_with(parents, prefix), False).to_numpy(zero_copy_only=False)
        if not in_county.any():
            dhid = pc.fill_null(pc.match_substring_regex(ids, _DHID.pattern), False)
            if not pc.any(dhid).as_py():
                example = ids[0].as_py() if len(ids) else "(none)"
                raise ClipError(
                    msg(
                        (
                            "the stop ids are not DHIDs (e.g. '{example}'), so the county "
                            "{county} cannot be found by its key."
                        ),
                        example=example,
                        county=area.county,
                    ),
                    file=label,
                    field="stop_id",
                    hint=msg(
                        "Clip by coordinates instead: --bbox "
                        "min_lon,min_lat,max_lon,max_lat or --polygon area.geojson "
                        "(scenario: feed_clip: {{bbox: [...]}} or {{polygon: ...}})."
                    ),
                )
            counties = sorted({s.split(":")[1] for s in pc.filter(ids, dhid).to_pylist()[:200_000]})
            shown = ", ".join(counties[:12]) + (" …" if len(counties) > 12 else "")
            raise ClipError(
                msg(
                    "no stop of county {county} (no id beginning '{prefix}').",
                    county=area.county,
                    prefix=prefix,
                ),
                file=label,
                field="stop_id",
                hint=msg("The feed's stops belong to the counties {shown}.", shown=shown),
            )
        base = in_county
        anchor = in_county & located
        if not anchor.any():
            raise ClipError(
                msg("the stops of county {county} have no coordinates.", county=area.county),
                file=label,
                field="stop_lat",
            )
        lat0 = float(np.mean(lat[anchor]))
    elif area.bbox is not None:
        lat0 = (area.bbox[1] + area.bbox[3]) / 2
    else:
        assert area.polygon is not None  # a ClipArea has a county, a box or a polygon
        geometry = read_polygon(Path(area.polygon))
        lat0 = (geometry.bounds[1] + geometry.bounds[3]) / 2

    kx = _KM_PER_DEG_LON_EQUATOR * np.cos(np.radians(lat0))
    points = shapely.points(
        np.where(located, lon, 0) * kx, np.where(located, lat, 0) * _KM_PER_DEG_LAT
    )
    if area.county is not None:
        if area.buffer_km > 0:
            tree = shapely.STRtree(points[base & located])
            near, _ = tree.query_nearest(
                points[located],
                max_distance=area.buffer_km,
                return_distance=True,
                all_matches=False,
            )
            located_idx = np.flatnonzero(located)
            base = base.copy()
            base[located_idx[np.unique(near[0])]] = True
    else:
        if area.bbox is not None:
            min_lon, min_lat, max_lon, max_lat = area.bbox
            shape = shapely.box(
                min_lon * kx, min_lat * _KM_PER_DEG_LAT, max_lon * kx, max_lat * _KM_PER_DEG_LAT
            )
        else:
            shape = shapely.transform(geometry, lambda xy: xy * [kx, _KM_PER_DEG_LAT])
        shapely.prepare(shape)
        base = located & shapely.dwithin(shape, points, area.buffer_km)
    return pc.filter(ids, pa.array(base)).drop_null()


def _floats(column: Any, label: str, name: str) -> np.ndarray:
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pc.utf8_trim_whitespace(column)
    try:
        return pc.cast(text, pa.float64()).to_numpy(zero_copy_only=False).astype(float)
    except pa.ArrowInvalid:
        values = text.to_pylist()
        for i, v in enumerate(values):
            try:
                float(v) if v not in (None, "") else None
            except ValueError:
                raise ClipError(
                    msg("'{value}' is not a number.", value=v), file=label, row=i + 2, field=name
                ) from None
        raise


def read_polygon(path: Path) -> Any:
    """The union of the (multi)polygons of a GeoJSON file, in lon/lat."""
    import shapely
    from shapely.geometry import shape

    if not path.is_file():
        raise InputFileNotFoundError(
            msg("the polygon file does not exist."),
            file=path,
            hint=msg("Give a GeoJSON file with a Polygon or MultiPolygon."),
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
        if data.get("type") == "FeatureCollection":
            geoms = [shape(f["geometry"]) for f in data["features"]]
        elif data.get("type") == "Feature":
            geoms = [shape(data["geometry"])]
        else:
            geoms = [shape(data)]
    except (ValueError, KeyError, TypeError, AttributeError, shapely.errors.GEOSException) as exc:
        raise ClipError(
            msg("not a GeoJSON geometry ({first_line}).", first_line=_first_line(exc)),
            file=path,
            hint=msg("Export the area as GeoJSON (Polygon or MultiPolygon, lon/lat)."),
        ) from None
    polygons = [g for g in geoms if g.geom_type in ("Polygon", "MultiPolygon")]
    if not polygons:
        raise ClipError(
            msg("the file holds no Polygon or MultiPolygon."),
            file=path,
            hint=msg("Export the area as GeoJSON (Polygon or MultiPolygon, lon/lat)."),
        )
    return shapely.union_all(polygons)


# --------------------------------------------------------------------------- the clip


def clip_feed(source: str | Path, out: str | Path, area: ClipArea) -> ClipReport:
    """Write the part of ``source`` (GTFS zip or folder) that serves ``area`` to ``out``
    (a GTFS zip) and say what was kept. Nothing is written when it fails."""
    import pyarrow.compute as pc

    source, out = Path(source), Path(out)
    src = _Source(source)
    try:
        for table in ("stops", "trips", "stop_times", "routes"):
            if not src.has(table):
                raise ClipError(
                    msg("the required file {table}.txt is missing.", table=table),
                    file=source,
                    hint=msg("A GTFS feed needs stops, routes, trips and stop_times."),
                )
        if not (src.has("calendar") or src.has("calendar_dates")):
            raise ClipError(
                msg("neither calendar.txt nor calendar_dates.txt is present."),
                file=source,
                hint=msg("Without one of them no trip has a date."),
            )
        stops = src.read("stops")
        for column in ("stop_id", "stop_lat", "stop_lon"):
            if column not in stops.column_names:
                raise ClipError(
                    msg("the required column '{column}' is missing.", column=column),
                    file=src.label("stops"),
                    field=column,
                )
        seed = _area_stop_ids(stops, area, src.label("stops"))

        # pass 1 over stop_times: the trips that serve the area
        trip_parts = []
        for batch in src.batches("stop_times", ["trip_id", "stop_id"]):
            hit = pc.is_in(batch.column("stop_id"), value_set=seed)
            trip_parts.append(pc.unique(pc.filter(batch.column("trip_id"), hit)))
        kept_trips = _unique(trip_parts)
        if len(seed) == 0 or len(kept_trips) == 0:
            raise ClipError(
                msg(
                    "no trip serves the area ({area}: {n_seed} stops).",
                    area=area.describe(),
                    n_seed=len(seed),
                ),
                file=source,
                hint=msg("Check the area, or widen it with --buffer-km."),
            )

        sink = _Sink(out)
        try:
            report = _write_clip(src, sink, stops, kept_trips, area, len(seed))
            sink.commit()
        except BaseException:
            sink.abort()
            raise
    finally:
        src.close()
    return report


def _write_clip(
    src: _Source, sink: _Sink, stops: Any, kept_trips: Any, area: ClipArea, area_stops: int
) -> ClipReport:
    import pyarrow as pa
    import pyarrow.compute as pc

    counts: list[FileCount] = []
    count, got = _write_filtered(
        src, sink, "trips", _isin("trip_id", kept_trips), ("route_id", "service_id", "shape_id")
    )
    counts.append(count)
    routes, services, shapes = got["route_id"], got["service_id"], got["shape_id"]

    count, got = _write_filtered(src, sink, "routes", _isin("route_id", routes), ("agency_id",))
    counts.append(count)
    if src.has("agency"):
        agency_ids = got["agency_id"]
        names = src.header("agency")
        # without agency ids (a one-agency feed) every agency row is kept
        keep = _isin("agency_id", agency_ids) if "agency_id" in names and len(agency_ids) else None
        counts.append(_write_filtered(src, sink, "agency", keep)[0])

    dates: list[str] = []
    if src.has("calendar"):
        count, got = _write_filtered(
            src, sink, "calendar", _isin("service_id", services), ("start_date", "end_date")
        )
        counts.append(count)
        dates += got["start_date"].to_pylist() + got["end_date"].to_pylist()
    if src.has("calendar_dates"):
        names = src.header("calendar_dates")
        for column in ("date", "exception_type"):
            if column not in names:
                raise ClipError(
                    msg("the required column '{column}' is missing.", column=column),
                    file=src.label("calendar_dates"),
                    field=column,
                )

        def added_dates(batch: Any) -> None:  # the kept rows' dates a service is added on
            added = pc.equal(pc.utf8_trim_whitespace(batch.column("exception_type")), "1")
            days = pc.filter(batch.column("date"), pc.fill_null(added, False))
            if len(days):
                dates.extend([pc.min(days).as_py(), pc.max(days).as_py()])

        counts.append(
            _write_filtered(
                src, sink, "calendar_dates", _isin("service_id", services), observe=added_dates
            )[0]
        )

    # pass 2 over stop_times: the kept trips' rows, whole
    count, got = _write_filtered(
        src, sink, "stop_times", _isin("trip_id", kept_trips), ("stop_id",)
    )
    counts.append(count)
    served = got["stop_id"]
    parents = (
        pc.filter(
            stops.column("parent_station"), pc.is_in(stops.column("stop_id"), value_set=served)
        ).drop_null()
        if "parent_station" in stops.column_names
        else pa.array([], pa.string())
    )
    kept_stops = _unique([served, parents])
    stops_kept = stops.filter(pc.is_in(stops.column("stop_id"), value_set=kept_stops))
    counts.append(_write_table(sink, "stops", stops_kept, len(stops)))

    if src.has("transfers"):
        names = src.header("transfers")
        conditions = [
            ("from_stop_id", kept_stops),
            ("to_stop_id", kept_stops),
            ("from_trip_id", kept_trips),
            ("to_trip_id", kept_trips),
            ("from_route_id", routes),
            ("to_route_id", routes),
        ]
        counts.append(
            _write_filtered(
                src, sink, "transfers", _all_known([c for c in conditions if c[0] in names])
            )[0]
        )
    if src.has("shapes"):
        counts.append(_write_filtered(src, sink, "shapes", _isin("shape_id", shapes))[0])
    if src.has("frequencies"):
        counts.append(_write_filtered(src, sink, "frequencies", _isin("trip_id", kept_trips))[0])
    if src.has("attributions"):
        names = src.header("attributions")
        conditions = [
            ("agency_id", _route_agencies(src, routes)),
            ("route_id", routes),
            ("trip_id", kept_trips),
        ]
        counts.append(
            _write_filtered(
                src, sink, "attributions", _all_known([c for c in conditions if c[0] in names])
            )[0]
        )
    for table in ("feed_info", "levels"):
        if src.has(table):
            counts.append(_write_filtered(src, sink, table, None)[0])

    left_out = tuple(
        f"{name}: {_WHY_DROPPED.get(Path(name).stem, 'not a file the clip knows')}"
        for name in sorted(src.members)
        if Path(name).stem not in _CLIPPED or not name.endswith(".txt")
    )
    first, last = _date_range(dates)
    notes: tuple[str, ...] = ()
    if "levels" in {Path(n).stem for n in src.members}:
        notes = ("levels.txt is copied whole (it is only a lookup table).",)
    return ClipReport(
        source=src.path,
        out=sink.out,
        area=area.describe(),
        area_stops=area_stops,
        files=tuple(counts),
        left_out=left_out,
        first_date=first,
        last_date=last,
        notes=notes,
    )


def _route_agencies(src: _Source, routes: Any) -> Any:
    """Agency ids of the kept routes (for attributions)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if "agency_id" not in src.header("routes"):
        return pa.array([], pa.string())
    table = src.read("routes", ["route_id", "agency_id"])
    return pc.filter(
        table.column("agency_id"), pc.is_in(table.column("route_id"), value_set=routes)
    ).drop_null()


def _all_known(conditions: list[tuple[str, Any]]) -> Callable[[Any], Any]:
    """Keep a row when each named column is empty or holds a kept id."""
    import pyarrow.compute as pc

    def keep(batch: Any) -> Any:
        mask = None
        for column, values in conditions:
            col = batch.column(column)
            ok = pc.or_(pc.is_null(col), pc.is_in(col, value_set=values))
            mask = ok if mask is None else pc.and_(mask, ok)
        return mask

    return keep


def _write_table(sink: _Sink, table: str, data: Any, rows_in: int) -> FileCount:
    import pyarrow.csv as pcsv

    with sink.member(table) as fh:
        pcsv.write_csv(data, fh, write_options=pcsv.WriteOptions(quoting_header="none"))
    return FileCount(f"{table}.txt", rows_in, data.num_rows)


def _date_range(values: Sequence[str | None]) -> tuple[dt.date | None, dt.date | None]:
    days = []
    for value in values:
        try:
            days.append(dt.datetime.strptime(str(value).strip(), "%Y%m%d").date())
        except ValueError:
            continue
    return (min(days), max(days)) if days else (None, None)


# --------------------------------------------------------------------------- the cache


def cached_clip(source: str | Path, area: ClipArea) -> Path:
    """The clip of ``source`` to ``area``, made once and kept in :func:`cache_dir` under a
    key of the feed's content and the area; returns the clipped zip's path."""
    source = Path(source)
    if not source.exists():
        raise InputFileNotFoundError(
            msg("the GTFS feed does not exist."),
            file=source,
            hint=msg("Give the path of a GTFS zip file or folder."),
        )
    key = hashlib.sha256((feed_digest(source) + area.fingerprint()).encode()).hexdigest()
    out = cache_dir("clips") / f"{source.stem}-{key[:20]}.zip"
    if not out.is_file():
        report = clip_feed(source, out, area)  # atomic: a crash leaves no half clip
        write_text_atomic(out.with_suffix(".txt"), report.text() + "\n")
    return out


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """'8.5,51.7,9.4,52.2' -> (min_lon, min_lat, max_lon, max_lat)."""
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        values = []
    if len(values) != 4:
        raise ClipError(
            msg("'{text}' is not a box.", text=text),
            field="bbox",
            hint=msg("Write min_lon,min_lat,max_lon,max_lat, e.g. 8.5,51.7,9.4,52.2."),
        )
    return values[0], values[1], values[2], values[3]
