"""Clipping a county (or a box or polygon) out of a larger feed."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from course_planner.cli import main
from course_planner.errors import ClipError
from course_planner.scenario import scenario_from_dict
from course_planner.transit.clip import ClipArea, clip_feed
from course_planner.transit.feed import load_feed
from course_planner.transit.reachability import prepare, reachability_table

# A small "state" feed in the official German format. Kreis 05766 has stations A, B, C
# around 52.0 N 8.8 E; station G (Kreis 05754) lies 6.9 km west of A, inside a 10 km buffer;
# F (Kreis 05711) lies 18 km west and H beyond it; X (Kreis 03255) is far away.
FEED = {
    "agency.txt": """agency_id,agency_name,agency_url,agency_timezone
db,DB Regio,https://example.invalid,Europe/Berlin
kvg,KVG Lippe,https://example.invalid,Europe/Berlin
far,Fernbus,https://example.invalid,Europe/Berlin
""",
    "stops.txt": """stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station,platform_code
de:05766:1000,A Bf,52.000,8.800,1,,
de:05766:1000:0:1,A Bf,52.000,8.800,0,de:05766:1000,1
de:05766:3048,B Bf,52.018,8.800,1,,
de:05766:3048:0:1,B Bf,52.018,8.800,0,de:05766:3048,1
de:05766:3048:0:2,B Bf,52.018,8.8025,0,de:05766:3048,2
de:05766:5000,C Markt,,,1,,
de:05766:5000:0:1,C Markt,52.036,8.800,0,de:05766:5000,
de:05754:2000:0:1,G Dorf,52.000,8.700,0,,
de:05711:9000,F Hbf,52.020,8.530,1,,
de:05711:9000:0:3,F Hbf,52.020,8.530,0,de:05711:9000,3
de:05711:9100:0:1,H Ort,52.030,8.500,0,,
de:03255:7000:0:1,X Stadt,51.800,9.900,0,,
""",
    "routes.txt": """route_id,agency_id,route_short_name,route_long_name,route_type
rb,db,RB 73,F – A – B,2
bus,kvg,782,B – C,700
far,far,X1,F – H,200
near,kvg,G1,G – H,700
""",
    "trips.txt": """route_id,service_id,trip_id,trip_headsign,shape_id
rb,wk,T1,B,sh1
bus,dates,T2,C,
bus,dates,T3,B,
far,fardates,T4,H,sh4
near,wk,T5,H,
far,fardates,T6,X,
bus,dates,T7,C,
bus,dates,T8,B,
""",
    "stop_times.txt": """\
trip_id,arrival_time,departure_time,stop_id,stop_sequence,pickup_type,drop_off_type
T1,07:00:00,07:00:00,de:05711:9000:0:3,1,0,1
T1,07:20:00,07:21:00,de:05766:1000:0:1,2,0,0
T1,07:30:00,07:30:00,de:05766:3048:0:1,3,1,0
T2,07:35:00,07:35:00,de:05766:3048:0:2,1,,
T2,07:50:00,07:50:00,de:05766:5000:0:1,2,,
T3,24:10:00,24:10:00,de:05766:5000:0:1,1,,
T3,24:25:00,24:25:00,de:05766:3048:0:2,2,,
T4,08:00:00,08:00:00,de:05711:9000:0:3,1,,
T4,08:15:00,08:15:00,de:05711:9100:0:1,2,,
T5,06:00:00,06:00:00,de:05754:2000:0:1,1,,
T5,06:30:00,06:30:00,de:05711:9100:0:1,2,,
T6,09:00:00,09:00:00,de:05711:9100:0:1,1,,
T6,11:00:00,11:00:00,de:03255:7000:0:1,2,,
T7,24:05:00,24:05:00,de:05766:3048:0:2,1,,
T7,24:20:00,24:20:00,de:05766:5000:0:1,2,,
T8,07:00:00,07:00:00,de:05766:5000:0:1,1,,
T8,07:15:00,07:15:00,de:05766:3048:0:2,2,,
""",
    "calendar.txt": """\
service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date
wk,1,1,1,1,1,0,0,20260202,20260227
""",
    "calendar_dates.txt": """service_id,date,exception_type
dates,20260202,1
dates,20260203,1
dates,20260204,1
dates,20260302,1
wk,20260216,2
fardates,20260202,1
fardates,20261224,1
""",
    "transfers.txt": """from_stop_id,to_stop_id,transfer_type,min_transfer_time
de:05766:3048:0:1,de:05766:3048:0:2,2,120
de:05711:9100:0:1,de:03255:7000:0:1,2,60
""",
    "shapes.txt": """shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence
sh1,52.020,8.530,1
sh1,52.018,8.800,2
sh4,52.020,8.530,1
sh4,52.030,8.500,2
""",
    "feed_info.txt": """feed_publisher_name,feed_publisher_url,feed_lang
Test,https://example.invalid,de
""",
    "fare_attributes.txt": """fare_id,price,currency_type,payment_method,transfers
f1,2.50,EUR,0,0
""",
}
COUNTY = ClipArea(county="05766")
IN_COUNTY = ["T1", "T2", "T3", "T7", "T8"]  # the trips that serve a stop of Kreis 05766


def write_feed(folder: Path, files: dict[str, str] = FEED, *, as_zip: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if not as_zip:
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8")
        return folder
    path = folder / "state.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return path


def member(path: Path, name: str) -> pd.DataFrame:
    with zipfile.ZipFile(path) as zf:
        return pd.read_csv(io.BytesIO(zf.read(name)), dtype=str, keep_default_na=False)


def test_county_keeps_whole_trips_and_exactly_what_they_need(tmp_path):
    src = write_feed(tmp_path)
    out = tmp_path / "out" / "lippe.zip"
    report = clip_feed(src, out, COUNTY)

    trips = member(out, "trips.txt")
    # T1 and T5 cross the border (T5 only from a stop in the buffer); T4, T6 never come near
    assert sorted(trips["trip_id"]) == ["T1", "T2", "T3", "T5", "T7", "T8"]
    st = member(out, "stop_times.txt")
    t1 = st[st["trip_id"] == "T1"]
    assert list(t1["stop_id"]) == [
        "de:05711:9000:0:3",
        "de:05766:1000:0:1",
        "de:05766:3048:0:1",
    ]  # its stop outside is kept
    assert list(t1["departure_time"]) == ["07:00:00", "07:21:00", "07:30:00"]
    assert list(t1["drop_off_type"]) == ["1", "0", "0"]
    assert list(st.loc[st["trip_id"] == "T3", "arrival_time"]) == ["24:10:00", "24:25:00"]

    stops = set(member(out, "stops.txt")["stop_id"])
    served = set(st["stop_id"])
    parents = {"de:05766:1000", "de:05766:3048", "de:05766:5000", "de:05711:9000"}
    assert stops == served | parents
    assert "de:03255:7000:0:1" not in stops
    assert sorted(member(out, "routes.txt")["route_id"]) == ["bus", "near", "rb"]
    assert sorted(member(out, "agency.txt")["agency_id"]) == ["db", "kvg"]
    cal_dates = member(out, "calendar_dates.txt")
    assert sorted(set(cal_dates["service_id"])) == ["dates", "wk"]  # 'fardates' gone
    assert list(member(out, "calendar.txt")["service_id"]) == ["wk"]
    transfers = member(out, "transfers.txt")
    assert list(transfers["to_stop_id"]) == ["de:05766:3048:0:2"]
    assert set(member(out, "shapes.txt")["shape_id"]) == {"sh1"}
    assert len(member(out, "feed_info.txt")) == 1
    with zipfile.ZipFile(out) as zf:
        assert "fare_attributes.txt" not in zf.namelist()

    assert report.kept("stop_times.txt") == 13 and report.kept("trips.txt") == 6
    assert next(f for f in report.files if f.file == "stop_times.txt").rows_in == 17
    assert (report.first_date, report.last_date) == (dt.date(2026, 2, 2), dt.date(2026, 3, 2))
    assert any(line.startswith("fare_attributes.txt") for line in report.left_out)
    assert "stop_times.txt" in report.text() and "2026-03-02" in report.text()


def test_buffer_zero_keeps_only_the_county(tmp_path):
    report = clip_feed(
        write_feed(tmp_path), tmp_path / "c.zip", ClipArea(county="05766", buffer_km=0)
    )
    assert sorted(member(tmp_path / "c.zip", "trips.txt")["trip_id"]) == IN_COUNTY
    assert report.area_stops == 7  # stations A, B, C and their 4 platforms
    assert "de:05711:9100:0:1" not in set(member(tmp_path / "c.zip", "stops.txt")["stop_id"])


def test_box_and_polygon_select_by_coordinates(tmp_path):
    src = write_feed(tmp_path)
    clip_feed(src, tmp_path / "box.zip", ClipArea(bbox=(8.79, 51.99, 8.81, 52.04), buffer_km=0))
    assert sorted(member(tmp_path / "box.zip", "trips.txt")["trip_id"]) == IN_COUNTY
    # a triangle around G only, buffered by 1 km: the trip from G
    polygon = tmp_path / "area.geojson"
    polygon.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {},
                        "geometry": {
                            "type": "Polygon",
                            "coordinates": [
                                [[8.69, 51.99], [8.71, 51.99], [8.70, 51.995], [8.69, 51.99]]
                            ],
                        },
                    }
                ],
            }
        )
    )
    clip_feed(src, tmp_path / "poly.zip", ClipArea(polygon=polygon, buffer_km=1))
    assert list(member(tmp_path / "poly.zip", "trips.txt")["trip_id"]) == ["T5"]


def test_the_clip_loads_and_gives_the_same_journeys_inside(tmp_path):
    src = write_feed(tmp_path / "full", as_zip=False)
    clipped = tmp_path / "lippe.zip"
    clip_feed(src, clipped, COUNTY)
    places = tmp_path / "places.csv"
    places.write_text(
        "name,lat,lon\nA-Dorf,52.001,8.801\nC-Dorf,52.037,8.800\nG-Dorf,52.001,8.700\n"
    )
    tables = []
    for feed in (src, clipped):
        scenario = scenario_from_dict(
            {
                "name": "clip",
                "feed": str(feed),
                "places": str(places),
                "sites": [{"name": "Raum B", "lat": 52.0185, "lon": 8.8012}],
                "course": {
                    "start_date": "2026-02-02",
                    "end_date": "2026-02-04",
                    "weekdays": ["mon", "tue", "wed"],
                    "start": "07:45",
                    "end": "23:50",
                },
                "travel": {"max_travel_min": 120},
            },
            source=tmp_path / "s.yaml",
        )
        tables.append(reachability_table(prepare(scenario)))
    full, clip = tables
    pd.testing.assert_frame_equal(full, clip)
    reachable = full.groupby("place")["reachable"].sum()
    assert reachable.to_dict() == {"A-Dorf": 0, "C-Dorf": 3, "G-Dorf": 0}
    a = full[full["place"] == "A-Dorf"].iloc[0]  # there by T1 (from F), no way back
    assert a["depart_home"] == "07:18" and a["reason"] == "no_return"


def test_times_past_midnight_and_date_only_services_survive_loading(tmp_path):
    clipped = tmp_path / "lippe.zip"
    clip_feed(write_feed(tmp_path), clipped, COUNTY)
    feed = load_feed(clipped)
    assert int(feed.connections.dep.max()) == 24 * 3600 + 10 * 60
    assert (feed.first_date, feed.last_date) == (dt.date(2026, 2, 2), dt.date(2026, 3, 2))
    assert feed.active_services(dt.date(2026, 3, 2))  # only in calendar_dates


def test_ids_that_are_not_dhids_point_to_box_and_polygon(tmp_path):
    files = dict(FEED)
    files["stops.txt"] = FEED["stops.txt"].replace("de:05766:", "S").replace("de:0", "Q")
    for name in ("stop_times.txt", "transfers.txt"):
        files[name] = FEED[name].replace("de:05766:", "S").replace("de:0", "Q")
    with pytest.raises(ClipError) as info:
        clip_feed(write_feed(tmp_path, files), tmp_path / "c.zip", COUNTY)
    assert "not DHIDs" in str(info.value) and "--bbox" in str(info.value)
    assert "--polygon" in str(info.value)
    assert not (tmp_path / "c.zip").exists()


def test_a_county_not_in_the_feed_names_those_that_are(tmp_path):
    with pytest.raises(ClipError, match=r"no stop of county 05770.*03255, 05711, 05754, 05766"):
        clip_feed(write_feed(tmp_path), tmp_path / "c.zip", ClipArea(county="05770"))


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"county": "5766"}, "not a county key"),
        ({"county": "05766", "bbox": (8.0, 51.0, 9.0, 52.0)}, "exactly one area"),
        ({"bbox": (9.0, 51.0, 8.0, 52.0)}, "min < max"),
        ({"county": "05766", "buffer_km": -1}, "buffer_km"),
    ],
)
def test_bad_areas_are_refused(kwargs, words):
    with pytest.raises(ClipError, match=words):
        ClipArea(**kwargs)


@pytest.mark.parametrize(
    "name, header, field",
    [
        ("trips.txt", "route_id,service_id,trip_id,", "trip_id"),
        ("shapes.txt", "shape_id,", "shape_id"),
        ("calendar_dates.txt", "service_id,", "service_id"),
    ],
)
def test_a_missing_key_column_is_named(tmp_path, name, header, field):
    files = dict(FEED)
    files[name] = FEED[name].replace(header, header.replace(field, "other"), 1)
    with pytest.raises(ClipError) as info:
        clip_feed(write_feed(tmp_path, files), tmp_path / "c.zip", COUNTY)
    assert f"{name}, field '{field}'" in str(info.value)
    assert not (tmp_path / "c.zip").exists()


def test_empty_optional_files_are_ignored(tmp_path):
    out = tmp_path / "c.zip"
    clip_feed(write_feed(tmp_path, {**FEED, "shapes.txt": "", "frequencies.txt": ""}), out, COUNTY)
    with zipfile.ZipFile(out) as zf:
        assert "shapes.txt" not in zf.namelist() and "frequencies.txt" not in zf.namelist()
    assert len(load_feed(out).trips) == 6


def test_a_failure_midway_leaves_nothing_half_written(tmp_path):
    files = dict(FEED)
    files["shapes.txt"] = FEED["shapes.txt"] + "sh1,52.0,8.8,3,extra,cells\n"
    out = tmp_path / "lippe.zip"
    out.write_bytes(b"precious")
    with pytest.raises(ClipError, match=r"shapes\.txt"):
        clip_feed(write_feed(tmp_path / "src", files), out, COUNTY)
    assert out.read_bytes() == b"precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lippe.zip", "src"]


def test_the_same_clip_gives_the_same_bytes(tmp_path):
    src = write_feed(tmp_path)
    clip_feed(src, tmp_path / "a.zip", COUNTY)
    clip_feed(src, tmp_path / "b.zip", COUNTY)
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()


def test_cli_clip(tmp_path, capsys):
    src = write_feed(tmp_path)
    out = tmp_path / "lippe.zip"
    assert main(["clip", str(src), "--county", "05766", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "stop_times.txt" in text and "13 of" in text and out.is_file()
    assert main(["clip", str(src), "--bbox", "8.8,52", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "not a box" in err and "Traceback" not in err
    assert main(["clip", str(tmp_path / "nope.zip"), "--county", "05766", "--out", str(out)]) == 2
    assert "does not exist" in capsys.readouterr().err


# --------------------------------------------------------------------------- scenarios

SCENARIO = """\
name: Lippe aus dem Landesfeed
feed: {feed}
feed_clip: {clip}
places: places.csv
sites: [{{name: Raum B, lat: 52.0185, lon: 8.8012}}]
course: {{start_date: 2026-02-02, end_date: 2026-02-04, weekdays: [mon],
          start: "07:45", end: "23:50"}}
"""


def scenario_file(tmp_path: Path, clip: str, feed: str = "state.zip") -> Path:
    (tmp_path / "places.csv").write_text("name,lat,lon\nC-Dorf,52.037,8.800\n")
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO.format(feed=feed, clip=clip), encoding="utf-8")
    return path


def test_a_scenario_clips_once_and_reuses_the_clip(tmp_path, monkeypatch):
    from course_planner.scenario import load_scenario
    from course_planner.transit import clip as clip_module

    monkeypatch.setenv("COURSE_PLANNER_CACHE", str(tmp_path / "cache"))
    src = write_feed(tmp_path)
    sc = load_scenario(scenario_file(tmp_path, '{county: "05766", buffer_km: 10}'))
    assert sc.clipped_from == src and sc.feed.parent == tmp_path / "cache" / "clips"
    assert sorted(member(sc.feed, "trips.txt")["trip_id"]) == ["T1", "T2", "T3", "T5", "T7", "T8"]
    assert "stop_times.txt" in sc.feed.with_suffix(".txt").read_text()  # the report
    assert reachability_table(prepare(sc))["reachable"].all()

    def no_clip(*args, **kwargs):
        raise AssertionError("clipped again")

    monkeypatch.setattr(clip_module, "clip_feed", no_clip)
    assert load_scenario(tmp_path / "s.yaml").feed == sc.feed  # cached
    monkeypatch.undo()
    monkeypatch.setenv("COURSE_PLANNER_CACHE", str(tmp_path / "cache"))
    other = load_scenario(scenario_file(tmp_path, '{county: "05766", buffer_km: 0}'))
    assert other.feed != sc.feed
    assert "T5" not in set(member(other.feed, "trips.txt")["trip_id"])
    write_feed(tmp_path, {**FEED, "feed_info.txt": FEED["feed_info.txt"] + "X,y,de\n"})
    changed = load_scenario(scenario_file(tmp_path, '{county: "05766", buffer_km: 0}'))
    assert changed.feed != other.feed  # new content, new clip


def test_a_scenario_polygon_is_relative_to_the_scenario(tmp_path, monkeypatch):
    from course_planner.scenario import load_scenario

    monkeypatch.setenv("COURSE_PLANNER_CACHE", str(tmp_path / "cache"))
    write_feed(tmp_path)
    (tmp_path / "area.geojson").write_text(
        json.dumps(
            {
                "type": "Polygon",
                "coordinates": [
                    [[8.79, 51.99], [8.81, 51.99], [8.81, 52.04], [8.79, 52.04], [8.79, 51.99]]
                ],
            }
        )
    )
    sc = load_scenario(scenario_file(tmp_path, "{polygon: area.geojson, buffer_km: 0}"))
    assert sc.feed_clip.polygon == tmp_path / "area.geojson"
    assert sorted(member(sc.feed, "trips.txt")["trip_id"]) == IN_COUNTY


@pytest.mark.parametrize(
    "clip, words",
    [
        ("{county: 05766}", 'county key in quotes, e.g. county: "05766"'),
        ('{county: "5766"}', "not a county key"),
        ('{county: "05766", bbox: [8, 51, 9, 52]}', "exactly one of county, bbox or polygon"),
        ('{county: "05766", buffer: 3}', "Did you mean 'buffer_km'"),
    ],
)
def test_bad_feed_clips_name_the_field(tmp_path, clip, words):
    from course_planner.errors import ScenarioError
    from course_planner.scenario import load_scenario

    write_feed(tmp_path)
    with pytest.raises(ScenarioError) as info:
        load_scenario(scenario_file(tmp_path, clip))
    assert words in str(info.value) and "feed_clip" in str(info.value)


def test_a_county_missing_from_the_feed_names_the_scenario_field(tmp_path, monkeypatch):
    from course_planner.scenario import load_scenario

    monkeypatch.setenv("COURSE_PLANNER_CACHE", str(tmp_path / "cache"))
    write_feed(tmp_path)
    path = scenario_file(tmp_path, '{county: "05770"}')
    with pytest.raises(ClipError) as info:
        load_scenario(path)
    text = str(info.value)
    assert str(path) in text and "feed_clip" in text and "no stop of county 05770" in text
    assert not list((tmp_path / "cache" / "clips").glob("*.zip"))


def test_a_generated_state_feed_gives_the_same_county_table_clipped(tmp_path, monkeypatch):
    """The benchmark's generator (German format: DHIDs, parent stations, calendar_dates
    only, times past 24:00, lines crossing county borders), every station of Kreis 05766
    a place: each journey within the travel limit is the same on the whole feed and on the
    clip, and so is every row's verdict. (Journeys of many hours may differ: one that
    leaves the buffered area and changes there to a line that never enters it is lost.)"""
    monkeypatch.syspath_prepend(str(Path(__file__).parent.parent / "benchmarks"))
    import feedgen

    full = tmp_path / "de.zip"
    feedgen.generate(40_000, full, seed=3)
    clipped = tmp_path / "lippe.zip"
    report = clip_feed(full, clipped, COUNTY)
    assert report.kept("stop_times.txt") < 0.3 * next(
        f.rows_in for f in report.files if f.file == "stop_times.txt"
    )

    stops = member(clipped, "stops.txt")
    stations = stops[(stops["location_type"] == "1") & stops["stop_id"].str.startswith("de:05766:")]
    places = tmp_path / "places.csv"
    stations.rename(columns={"stop_name": "name", "stop_lat": "lat", "stop_lon": "lon"})[
        ["name", "lat", "lon"]
    ].to_csv(places, index=False)
    rooms = [
        {"name": f"Raum {i}", "lat": float(s.stop_lat), "lon": float(s.stop_lon)}
        for i, s in enumerate(stations.iloc[[0, len(stations) // 2]].itertuples())
    ]
    tables = []
    for feed in (full, clipped):
        scenario = scenario_from_dict(
            {
                "name": "generated",
                "feed": str(feed),
                "places": str(places),
                "sites": rooms,
                "course": {
                    "start_date": "2026-02-02",
                    "end_date": "2026-02-13",
                    "weekdays": ["mon", "wed", "sat"],
                    "start": "08:30",
                    "end": "12:00",
                },
            },
            source=tmp_path / "s.yaml",
        )
        tables.append(reachability_table(prepare(scenario)))
    whole, clip = tables
    pd.testing.assert_frame_equal(
        whole[["place", "site", "date", "reachable", "reason"]],
        clip[["place", "site", "date", "reachable", "reason"]],
    )
    checked = 0
    for minutes, columns in (
        ("outbound_min", ["depart_home", "arrive_site", "outbound_min", "outbound_transfers"]),
        ("return_min", ["leave_site", "arrive_home", "return_min", "return_transfers"]),
    ):
        within = (whole[minutes] <= 90).fillna(False)
        assert within.equals((clip[minutes] <= 90).fillna(False))
        pd.testing.assert_frame_equal(whole.loc[within, columns], clip.loc[within, columns])
        checked += int(within.sum())
    assert checked > 40 and whole["reachable"].sum() >= 10


def test_frequencies_and_attributions_follow_their_trips(tmp_path):
    files = {
        **FEED,
        "frequencies.txt": "trip_id,start_time,end_time,headway_secs\n"
        "T2,07:00:00,09:00:00,1800\nT4,08:00:00,10:00:00,3600\n",
        "attributions.txt": "attribution_id,agency_id,route_id,trip_id,organization_name,"
        "is_producer\na1,,,,NWL,1\na2,far,,,Fernbus,1\n"
        "a3,,rb,,DB,1\n",
        "booking_rules.txt": "booking_rule_id,booking_type\nb1,1\n",
    }
    out = tmp_path / "c.zip"
    report = clip_feed(write_feed(tmp_path, files), out, COUNTY)
    assert any(line.startswith("booking_rules.txt: GTFS-Flex") for line in report.left_out)
    assert list(member(out, "frequencies.txt")["trip_id"]) == ["T2"]
    assert list(member(out, "attributions.txt")["attribution_id"]) == ["a1", "a3"]


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ({"../../evil.txt": "x"}, "evil.txt"),  # a member that would land outside the folder
        ({"stop_times.txt": "trip_id,stop_id\n" + "a,b\n" * 1_000_000}, "ratio"),  # zip bomb
    ],
)
def test_the_clip_checks_the_archive_like_every_feed_read(tmp_path, extra, words):
    from course_planner.errors import ArchiveError

    src = tmp_path / "bad.zip"
    with zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in {**FEED, **extra}.items():
            zf.writestr(name, text)
    out = tmp_path / "lippe.zip"
    with pytest.raises(ArchiveError, match=words):
        clip_feed(src, out, COUNTY)
    assert not out.exists()
