"""On-demand zones as first and last legs: checked against the brute-force reference (which
computes ride times, hours and zone membership itself) and leg by leg on the `flex` feed."""

from __future__ import annotations

import datetime as dt
import json
import math
import shutil

import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import FIXTURES, LINE_ROOM, make_scenario
from reference_router import TimeExpandedGraph, ZoneSpec, place_arrive, place_depart
from shapely.geometry import shape

from course_planner.errors import CoursePlannerError
from course_planner.scenario import scenario_from_dict
from course_planner.transit.journey import Mode
from course_planner.transit.reachability import journeys, prepare, reachability_table

MONDAY = dt.date(2026, 3, 2)
COURSE = {
    "start_date": "2026-03-02",
    "end_date": "2026-03-02",
    "weekdays": ["mon"],
    "start": "09:00",
    "end": "12:20",
}
# the south of the `flex` feed: Dorf, Weiler, Mühle (not Stadt Markt, not the room)
SOUTH = [[8.79, 51.99], [8.845, 51.99], [8.845, 52.025], [8.79, 52.025], [8.79, 51.99]]
EXTRA_PLACES = "Nordrand,52.068,8.78,3\nMarktplatz,52.053,8.801,1\nFeld,52.004,8.815,2\n"


def feed_copy(tmp_path, flex_zone: bool):
    """The `flex` feed with more places; without its Flex zone unless ``flex_zone``."""
    folder = tmp_path / "feed"
    shutil.copytree(FIXTURES / "flex", folder)
    if not flex_zone:  # without the zone service Z (its trip Z1) and its polygon
        (folder / "locations.geojson").unlink()
        for name in ("stop_times.txt", "trips.txt"):
            lines = (folder / name).read_text(encoding="utf-8").splitlines(keepends=True)
            kept = [x for x in lines if not x.startswith("Z1,") and ",Z1," not in x]
            (folder / name).write_text("".join(kept), encoding="utf-8")
    with (folder / "places.csv").open("a", encoding="utf-8") as fh:
        fh.write(EXTRA_PLACES)
    return folder


def scenario(folder, **extra):
    return scenario_from_dict(
        {
            "name": "Zonen",
            "feed": str(folder),
            "places": str(folder / "places.csv"),
            "sites": [LINE_ROOM],
            "course": COURSE,
            **extra,
        },
        source=folder / "scenario.yaml",
    )


def south_service(folder, **change):
    (folder / "sued.geojson").write_text(
        json.dumps({"type": "Polygon", "coordinates": [SOUTH]}), encoding="utf-8"
    )
    return {
        "name": "Limo Süd (illustrativ)",
        "zone": {"geojson": "sued.geojson"},
        "hours": {"mon": ["06:00-20:00"]},
        "booking": {"minutes_ahead": 60, "phone": "05261 000000"},
        "illustrative": True,
        **change,
    }


def compare(study, zone: ZoneSpec | list[ZoneSpec], times) -> int:
    """The booked scans (latest boarding, earliest alighting per stop; leaving and arriving
    home per place) equal the reference's, for every room and time."""
    net = study.network
    ref = TimeExpandedGraph(study.feed, net.walks, MONDAY, net.min_change_s)
    places = study.places[["lat", "lon"]].to_numpy(float)
    sites = study.sites[["lat", "lon"]].to_numpy(float)
    finite = 0
    for k in range(len(net.site_names)):
        site_at = tuple(sites[k])
        for arrive_by, leave_at in times:
            scan = study.arrive_by(k, MONDAY, arrive_by, booked=True)
            board = ref.latest_board(k, arrive_by, zone, site_at)
            np.testing.assert_array_equal(scan.latest_board, board)
            expected = [
                place_depart(ref, board, p, tuple(places[p]), k, site_at, arrive_by, zone)
                for p in range(len(places))
            ]
            np.testing.assert_array_equal(scan.place_depart, expected)
            back = study.leave_at(k, MONDAY, leave_at, booked=True)
            alight = ref.earliest_alight(k, leave_at, zone, site_at)
            np.testing.assert_array_equal(back.earliest_alight, alight)
            expected = [
                place_arrive(ref, alight, p, tuple(places[p]), k, site_at, leave_at, zone)
                for p in range(len(places))
            ]
            np.testing.assert_array_equal(back.place_arrive, expected)
            finite += int(
                np.isfinite(scan.place_depart).sum() + np.isfinite(back.place_arrive).sum()
            )
    return finite


TIMES = [
    (8 * 3600 + 55 * 60, 12 * 3600 + 25 * 60),
    (8 * 3600 + 5 * 60, 12 * 3600),
    (7 * 3600 + 40 * 60, 13 * 3600 + 35 * 60),
    (6 * 3600 + 10 * 60, 19 * 3600 + 55 * 60),  # at the edges of the hours
]


def test_flex_zone_matches_the_reference(tmp_path):
    folder = feed_copy(tmp_path, flex_zone=True)
    study = prepare(scenario(folder))
    geometry = json.loads((folder / "locations.geojson").read_text())["features"][0]["geometry"]
    # a Flex trip's window bounds its pick-up and its set-down
    day = (8 * 3600, 20 * 3600, 8 * 3600, 20 * 3600)
    zone = ZoneSpec(shape(geometry), (day,), factor=1.5, offset_s=600)
    assert compare(study, zone, TIMES) > 0


def test_scenario_zone_matches_the_reference(tmp_path):
    folder = feed_copy(tmp_path, flex_zone=False)
    study = prepare(scenario(folder, on_demand=[south_service(folder)]))
    zone = ZoneSpec(shapely.Polygon(SOUTH), ((6 * 3600, 20 * 3600),))
    assert compare(study, zone, TIMES) > 0


def test_two_zones_with_the_bus_rule_match_the_reference(tmp_path):
    """A stop Hof with its own buses (X2: Hof 07:05 → Dorf Mitte; X1: Weiler 12:55 → Hof)
    and two services over the south: Limo (5 min on top of the drive, no ride within 15
    minutes of a bus) and a slower one (10 min on top, 2 minutes). From Hof to bus 725 at
    Dorf Mitte at 07:30, Limo would start at 07:20, refused for X2; back from bus 726 at
    Weiler (booked) at 12:50, Limo would start at 12:52, refused for X1: the slower service
    takes both. The answers equal the reference's (which applies the rule run by run on the raw
    stop times), and differ from those without the rule."""
    folder = feed_copy(tmp_path, flex_zone=False)
    with (folder / "stops.txt").open("a", encoding="utf-8") as fh:
        fh.write("de:05766:5:0:1,Hof,52.005,8.815\n")
    with (folder / "trips.txt").open("a", encoding="utf-8") as fh:
        fh.write("R1,W,X1,Hof,,\nR1,W,X2,Dorf,,\n")
    with (folder / "stop_times.txt").open("a", encoding="utf-8") as fh:
        for trip, time, stop, seq in (
            ("X1", "12:55:00", 4, 1),
            ("X1", "13:05:00", 5, 2),
            ("X2", "07:05:00", 5, 1),
            ("X2", "07:15:00", 1, 2),
        ):
            fh.write(f"{trip},{time},{time},de:05766:{stop}:0:1,,,{seq},,,,,,\n")
    with (folder / "places.csv").open("a", encoding="utf-8") as fh:
        fh.write("Hofstelle,52.0052,8.8152,2\n")

    def services(rule: bool) -> list[dict]:
        return [
            south_service(folder, name="Limo", not_within_min_of_bus=15 if rule else None),
            south_service(
                folder,
                name="Langsam",
                ride={"offset_min": 10},
                not_within_min_of_bus=2 if rule else None,
            ),
        ]

    day = ((6 * 3600, 20 * 3600),)
    specs = [
        ZoneSpec(shapely.Polygon(SOUTH), day, not_within_s=900),
        ZoneSpec(shapely.Polygon(SOUTH), day, offset_s=600, not_within_s=120),
    ]
    study = prepare(scenario(folder, on_demand=services(rule=True)))
    assert compare(study, specs, TIMES) > 0
    course = {**COURSE, "start": "08:10", "end": "12:20"}
    free = prepare(scenario(folder, course=course, on_demand=services(rule=False)))
    ruled = prepare(scenario(folder, course=course, on_demand=services(rule=True)))
    there, back = journeys(ruled, "Hofstelle", LINE_ROOM["name"], MONDAY, booked=True)
    assert (there.legs[0].route, there.legs[0].depart) == ("Langsam", 7 * 3600 + 15 * 60)
    assert (back.legs[-1].route, back.legs[-1].depart) == ("Langsam", 12 * 3600 + 52 * 60)
    there, back = journeys(free, "Hofstelle", LINE_ROOM["name"], MONDAY, booked=True)
    assert (there.legs[0].route, there.legs[0].depart) == ("Limo", 7 * 3600 + 20 * 60)
    assert (back.legs[-1].route, back.legs[-1].depart) == ("Limo", 12 * 3600 + 52 * 60)


# --------------------------------------------------------------------------- leg by leg


def test_a_flex_trip_from_one_zone_to_another_runs_only_that_way(tmp_path):
    """A Flex trip that picks up in the south (zone `sued`) and sets down in the town zone
    (the room's): Weiler gets a door ride to the room, but not back; the answers equal the
    reference's, which reads the two areas itself."""
    folder = feed_copy(tmp_path, flex_zone=True)
    geo = json.loads((folder / "locations.geojson").read_text(encoding="utf-8"))
    sued = {"type": "Polygon", "coordinates": [SOUTH]}
    geo["features"].append(
        {"type": "Feature", "id": "zone-sued", "properties": {}, "geometry": sued}
    )
    (folder / "locations.geojson").write_text(json.dumps(geo), encoding="utf-8")
    with (folder / "routes.txt").open("a", encoding="utf-8") as fh:
        fh.write("ZZ,V,Limo Süd,Zonenverkehr Süd - Stadt,715\n")
    with (folder / "trips.txt").open("a", encoding="utf-8") as fh:
        fh.write("ZZ,W,ZZ1,Stadt,,\n")
    with (folder / "stop_times.txt").open("a", encoding="utf-8") as fh:
        fh.write("ZZ1,,,,,zone-sued,1,2,1,06:00:00,20:00:00,soon,\n")
        fh.write("ZZ1,,,,,zone-stadt,2,1,2,06:00:00,20:00:00,,soon\n")
    study = prepare(scenario(folder))
    names = sorted(z.name for z in study.zones.services)
    assert names == ["Limo", "Limo Süd"]
    stadt = shape(geo["features"][0]["geometry"])
    specs = [
        ZoneSpec(stadt, ((8 * 3600, 20 * 3600) * 2,), factor=1.5, offset_s=600),
        ZoneSpec(shapely.Polygon(SOUTH), ((6 * 3600, 20 * 3600) * 2,), drop_polygon=stadt),
    ]
    assert compare(study, specs, TIMES) > 0
    there, back = journeys(study, "Weiler", LINE_ROOM["name"], MONDAY, booked=True)
    (ride,) = there.legs
    assert ride.mode is Mode.ZONE_RIDE and ride.route == "Limo Süd"
    assert ride.booking.deadline == ride.booking.ride_start - dt.timedelta(minutes=60)
    assert "Limo Süd" not in {leg.route for leg in back.legs}  # it does not run that way


def test_door_to_room_inside_a_flex_zone(tmp_path):
    study = prepare(scenario(feed_copy(tmp_path, flex_zone=True)))
    table = reachability_table(study).set_index("place")
    nord = table.loc["Nordrand"]
    assert nord["reason"] == "on_demand_only" and nord["reachable_booked"]
    assert nord["booked_services"] == "Limo"  # the Flex route's short name
    assert nord["booking_phone"] == "05261 123456"
    there, back = journeys(study, "Nordrand", LINE_ROOM["name"], MONDAY, booked=True)
    (ride,) = there.legs
    assert ride.mode is Mode.ZONE_RIDE and ride.route == "Limo"
    # ride time: 1.5 × driving (straight line × 1.3 at 40 km/h) + 10 min (safe_duration_*)
    drive = _metres((52.068, 8.78), (LINE_ROOM["lat"], LINE_ROOM["lon"])) * 1.3 / (40 / 3.6)
    assert ride.arrive - ride.depart == pytest.approx(1.5 * drive + 600)
    assert ride.depart % 60 == 0 and ride.arrive <= 8 * 3600 + 55 * 60
    # booked 60 minutes ahead (booking rule `soon`)
    assert ride.booking.deadline == ride.booking.ride_start - dt.timedelta(minutes=60)
    assert nord["book_outbound_by"] == f"{ride.booking.deadline:%Y-%m-%d %H:%M}"
    (home,) = back.legs
    assert home.mode is Mode.ZONE_RIDE and home.depart == 12 * 3600 + 25 * 60


def _metres(a, b):
    (lat1, lon1), (lat2, lon2) = a, b
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


def test_zone_ride_to_the_bus_then_the_bus(tmp_path):
    """Weiler: a zone ride to Dorf Mitte, then bus 725 at 07:30 (later than walking to
    bus 726's booked stop at 07:10)."""
    folder = feed_copy(tmp_path, flex_zone=False)
    course = {**COURSE, "start": "08:10"}
    study = prepare(scenario(folder, course=course, on_demand=[south_service(folder)]))
    there, _ = journeys(study, "Weiler", LINE_ROOM["name"], MONDAY, booked=True)
    modes = [leg.mode for leg in there.legs]
    assert modes == [Mode.ZONE_RIDE, Mode.RIDE, Mode.WALK]
    zone, bus = there.legs[0], there.legs[1]
    assert zone.to_name == "Dorf Mitte" and bus.route == "725" and bus.depart == 7.5 * 3600
    assert zone.arrive + 120 <= bus.depart  # the change time between the two
    assert zone.booking.phone == "05261 000000"
    assert zone.booking.deadline == zone.booking.ride_start - dt.timedelta(minutes=60)
    assert there.bookings == (zone.booking,)


def test_no_zone_ride_outside_its_hours(tmp_path):
    folder = feed_copy(tmp_path, flex_zone=False)
    course = {**COURSE, "start": "08:10"}
    tuesday = south_service(folder, hours={"tue": ["06:00-20:00"]})
    study = prepare(scenario(folder, course=course, on_demand=[tuesday]))
    there, _ = journeys(study, "Weiler", LINE_ROOM["name"], MONDAY, booked=True)
    assert [leg.mode for leg in there.legs] == [Mode.WALK, Mode.BOOKED_RIDE, Mode.WALK]


def test_no_zone_ride_where_a_bus_runs_within_n_minutes(tmp_path):
    """Dorf to the room in one zone: the ride would leave at 07:4x; bus 725 leaves Dorf
    Mitte at 07:30 for the room's stop. Within 20 minutes: refused; within 10: allowed."""
    folder = feed_copy(tmp_path, flex_zone=False)
    course = {**COURSE, "start": "08:10"}

    def first_mode(minutes):
        service = {
            **south_service(folder),
            "zone": {"stops": ["de:05766:1:0:1", "de:05766:3:0:1"]},
            "not_within_min_of_bus": minutes,
        }
        study = prepare(scenario(folder, course=course, on_demand=[service]))
        there, _ = journeys(study, "Dorf", LINE_ROOM["name"], MONDAY, booked=True)
        return there.legs[0]

    allowed = first_mode(10)
    assert allowed.mode is Mode.ZONE_RIDE and allowed.to_name == LINE_ROOM["name"]
    assert allowed.depart - 7.5 * 3600 > 10 * 60
    assert first_mode(20).mode is Mode.WALK  # to bus 725


def test_a_zone_naming_an_unknown_place_is_refused():
    with pytest.raises(CoursePlannerError) as err:
        prepare(
            make_scenario(
                "line",
                on_demand=[
                    {
                        "name": "Limo",
                        "zone": {"places": ["Dorf", "Atlantis"]},
                        "hours": {"mon": ["08:00-20:00"]},
                        "booking": {"minutes_ahead": 30},
                    }
                ],
            )
        )
    assert "Atlantis" in str(err.value) and "on_demand.0.zone.places" in str(err.value)


def test_handout_and_calendar_show_the_zone_ride(tmp_path):
    from course_planner.exports import handout
    from course_planner.exports.ics import village_calendar

    study = prepare(scenario(feed_copy(tmp_path, flex_zone=True)))
    there, _ = journeys(study, "Nordrand", LINE_ROOM["name"], MONDAY, booked=True)
    deadline = there.legs[0].booking.deadline
    line = f"Limo: bis Mo. 02.03. {deadline:%H:%M} unter 05261 123456 buchen"
    ics = village_calendar(None, study, "Nordrand", LINE_ROOM["name"]).decode()
    unfolded = ics.replace("\r\n ", "")
    assert line in unfolded and "Limo: ab Nordrand" in unfolded
    if not any(d.joinpath(handout.FONTS["sans"]).exists() for d in handout.FONT_DIRS):
        pytest.skip("needs the Noto fonts (apt-get install fonts-noto-core)")
    from test_booked_reach import _pdf_words

    words = _pdf_words(handout.handout_pdf(None, study, "Nordrand", LINE_ROOM["name"], "tr"))
    assert line in words
    assert "Limo (nur mit Buchung)" in words and "None" not in words


def test_a_zone_of_named_places_holds_when_the_study_has_other_places(tmp_path):
    """Site choice and `all_stops` studies replace the places: a zone given by the names of
    the scenario's places still means those places' area."""
    import pandas as pd

    folder = feed_copy(tmp_path, flex_zone=False)
    service = {**south_service(folder), "zone": {"places": ["Weiler", "Dorf"]}}
    sc = scenario(folder, on_demand=[service])
    others = pd.DataFrame(
        {"name": ["A", "B"], "lat": [52.011, 52.3], "lon": [8.83, 9.3], "participants": [1, 1]}
    )
    study = prepare(sc, places=others)
    (zone,) = study.zones.services
    assert zone.home_there.rows.tolist() == [0]  # A lies by Weiler, B far away


def test_what_each_zone_reconnects(tmp_path, capsys):
    """Feld has no stop within walking distance: the southern zone brings it to the bus;
    the Flex zone in the town (hours from 08:00) is too late for an 08:10 course."""
    import yaml

    from course_planner.cli import main
    from course_planner.zone_effect import summarise_effect, zone_effect

    folder = feed_copy(tmp_path, flex_zone=True)
    course = {**COURSE, "start": "08:10"}
    sc = scenario(folder, course=course, on_demand=[south_service(folder)])
    effect = zone_effect(prepare(sc))
    assert set(effect["service"]) == {"Limo Süd (illustrativ)"}
    assert set(effect["place"]) == {"Feld"} and effect["illustrative"].all()
    assert effect["participants"].tolist() == [2]
    (summary,) = summarise_effect(effect, 1)
    assert (summary.place, summary.dates, summary.dates_total) == ("Feld", 1, 1)
    # the same from the command line
    path = folder / "scenario.yaml"
    data = {
        "name": "Zonen",
        "feed": ".",
        "places": "places.csv",
        "sites": [LINE_ROOM],
        "course": course,
        "on_demand": [south_service(folder)],
    }
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "zones.csv"
    assert main(["zones", str(path), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Limo Süd (illustrativ) (ILLUSTRATIVE, not a real service)" in printed
    assert "Feld → Kursraum: 1 of 1 course dates" in printed
    assert "Limo: reconnects 0 place-room pairs" in printed


def test_a_study_without_a_zone_answers_as_one_prepared_without_it(tmp_path):
    """The what-if copies a study without one zone: its answers (and caches) are its own,
    not those of the study it was copied from."""
    from course_planner.zone_effect import without_service

    folder = feed_copy(tmp_path, flex_zone=False)
    late = south_service(  # another area (Dorf Mitte to Stadt Markt), the afternoon only
        folder,
        name="Spät",
        zone={"stops": ["de:05766:1:0:1", "de:05766:3:0:1"]},
        hours={"mon": ["12:00-20:00"]},
    )
    course = {**COURSE, "start": "08:10"}  # Feld comes only with the morning zone
    both = prepare(scenario(folder, course=course, on_demand=[south_service(folder), late]))
    assert (reachability_table(both)["reason"] == "on_demand_only").any()  # the caches full
    for index, kept in ((1, south_service(folder)), (0, late)):
        alone = reachability_table(prepare(scenario(folder, course=course, on_demand=[kept])))
        pd.testing.assert_frame_equal(reachability_table(without_service(both, index)), alone)


def test_zones_command_without_zones_says_so(capsys):
    from course_planner.cli import main

    path = FIXTURES.parent.parent / "scenarios" / "vpe-keltern-2025.yaml"
    assert main(["zones", str(path), "--out", "/dev/null"]) == 2
    assert "no on-demand zone" in capsys.readouterr().err


def test_a_flex_stop_group_is_ridden_as_a_booked_trip(tmp_path):
    """The ALF picks up at any stop of its group (Weiler, Mühle) 06:00–07:00 for Stadt
    Markt at 07:50: from Mühle, the pick-up is at the window's end, booked by 22:00 the
    evening before (its Flex booking rule)."""
    folder = feed_copy(tmp_path, flex_zone=True)
    with (folder / "places.csv").open("a", encoding="utf-8") as fh:
        fh.write("Mühlenhof,52.0185,8.8005,1\n")
    study = prepare(scenario(folder, course={**COURSE, "start": "08:10"}))
    there, back = journeys(study, "Mühlenhof", LINE_ROOM["name"], MONDAY, booked=True)
    assert [leg.mode for leg in there.legs] == [Mode.WALK, Mode.BOOKED_RIDE, Mode.WALK]
    alf = there.legs[1]
    assert (alf.from_name, alf.to_name, alf.route) == ("Mühle", "Stadt Markt", "ALF 3")
    assert (alf.depart, alf.arrive) == (7 * 3600, 7 * 3600 + 50 * 60)
    assert alf.booking.deadline == dt.datetime(2026, 3, 1, 22, 0)
    assert alf.booking.phone == "05261 654321"
    assert journeys(study, "Mühlenhof", LINE_ROOM["name"], MONDAY) == (None, None)
    assert back is None  # nothing sets down at Mühle


def test_a_flex_stop_group_between_two_timed_stops(tmp_path):
    """ALF 4 runs Dorf Mitte 07:00 → any stop of its group (Mühle, Weiler) 07:00–07:40 →
    Stadt Markt 07:50. At Mühle it can set down from 07:09 (07:00 + the ride from Dorf
    Mitte, 8.9 min) and pick up until 07:37 (07:50 − the ride to Stadt Markt, 12.8 min);
    both booked. Checked leg by leg and against the reference for every room and time."""
    folder = feed_copy(tmp_path, flex_zone=True)
    appends = {
        "location_groups.txt": "grp4,ALF 4 Mitte\n",
        "location_group_stops.txt": "grp4,de:05766:2:0:1\ngrp4,de:05766:4:0:1\n",
        "routes.txt": "ALF4,V,ALF 4,Anruf-Linien-Fahrt Mitte,3\n",
        "trips.txt": "ALF4,W,M1,Stadt,,\n",
        "stop_times.txt": (
            "M1,07:00:00,07:00:00,de:05766:1:0:1,,,1,0,0,,,,\n"
            "M1,,,,grp4,,2,2,2,07:00:00,07:40:00,daybefore,daybefore\n"
            "M1,07:50:00,07:50:00,de:05766:3:0:1,,,3,0,0,,,,\n"
        ),
        "places.csv": "Mühlenhof,52.0185,8.8005,1\n",
    }
    for name, text in appends.items():
        with (folder / name).open("a", encoding="utf-8") as fh:
            fh.write(text)
    mill_room = {"name": "Mühlenraum", "lat": 52.0182, "lon": 8.8003}
    course = {**COURSE, "start": "08:10"}
    study = prepare(scenario(folder, course=course, sites=[LINE_ROOM, mill_room]))
    there, _ = journeys(study, "Mühlenhof", LINE_ROOM["name"], MONDAY, booked=True)
    alf = there.legs[1]
    assert (alf.route, alf.from_name, alf.to_name) == ("ALF 4", "Mühle", "Stadt Markt")
    assert (alf.depart, alf.arrive) == (7 * 3600 + 37 * 60, 7 * 3600 + 50 * 60)
    assert alf.booking.deadline == dt.datetime(2026, 3, 1, 22, 0)
    there, _ = journeys(study, "Dorf", "Mühlenraum", MONDAY, booked=True)
    alf = next(leg for leg in there.legs if leg.mode is Mode.BOOKED_RIDE)
    assert (alf.route, alf.from_name, alf.to_name) == ("ALF 4", "Dorf Mitte", "Mühle")
    assert (alf.depart, alf.arrive) == (7 * 3600, 7 * 3600 + 9 * 60)
    assert journeys(study, "Dorf", "Mühlenraum", MONDAY)[0] is None  # not without booking
    geometry = json.loads((folder / "locations.geojson").read_text())["features"][0]["geometry"]
    day = (8 * 3600, 20 * 3600, 8 * 3600, 20 * 3600)
    zone = ZoneSpec(shape(geometry), (day,), factor=1.5, offset_s=600)
    assert compare(study, zone, TIMES) > 0


def test_an_illustrative_zone_says_so_where_its_ride_is_booked(tmp_path):
    from course_planner.exports.schedule import booking_line

    folder = feed_copy(tmp_path, flex_zone=False)
    service = {**south_service(folder), "name": "Limo Süd"}  # illustrative, not in its name
    study = prepare(scenario(folder, course={**COURSE, "start": "08:10"}, on_demand=[service]))
    there, _ = journeys(study, "Weiler", LINE_ROOM["name"], MONDAY, booked=True)
    notice = there.legs[0].booking
    assert notice.illustrative
    assert booking_line(notice, [MONDAY], "de").startswith(
        "Limo Süd (illustrativ, kein echtes Angebot): bis"
    )
    assert "(illustrative, not a real service)" in booking_line(notice, [MONDAY], "en")


def test_a_study_with_zones_is_freed_when_no_one_uses_it(tmp_path):
    """No reference cycle through the zones: a study (with all its scans) goes as soon as
    it is not used, not at the next full garbage collection; its copy without a zone keeps
    working on its own."""
    import gc
    import weakref

    from course_planner.zone_effect import without_service

    folder = feed_copy(tmp_path, flex_zone=True)
    study = prepare(scenario(folder, on_demand=[south_service(folder)]))
    reachability_table(study)
    copy = without_service(study, 1)
    gone = weakref.ref(study)
    gc.disable()
    try:
        del study
        assert gone() is None
    finally:
        gc.enable()
    assert reachability_table(copy)["reachable_booked"].any()
