"""On-demand transport: booking deadlines, GTFS-Flex reading, booked trips in German feeds."""

from __future__ import annotations

import datetime as dt
import shutil

import pandas as pd
import pytest
from conftest import FIXTURES

from course_planner.errors import FeedError
from course_planner.transit.booking import BookingRule, BookingType, booking_deadline
from course_planner.transit.flex import AreaKind, RideTime, read_flex, zone_of
from course_planner.transit.on_demand import Evidence, detect_booked_routes, must_book

FLEX = FIXTURES / "flex"
MONDAY = dt.date(2026, 3, 2)


def read(name: str) -> pd.DataFrame:
    return pd.read_csv(FLEX / name, dtype=str, keep_default_na=False)


# --------------------------------------------------------------------------- deadlines


def test_same_day_booking_is_minutes_before_the_ride():
    rule = BookingRule(BookingType.SAME_DAY, minutes_ahead=60)
    assert booking_deadline(rule, MONDAY, 7 * 3600 + 30 * 60) == dt.datetime(2026, 3, 2, 6, 30)


def test_prior_day_booking_is_by_a_time_days_before():
    rule = BookingRule(BookingType.PRIOR_DAYS, days_before=1, last_time=22 * 3600)
    # a Monday ride: book by Sunday 22:00
    assert booking_deadline(rule, MONDAY, 7 * 3600) == dt.datetime(2026, 3, 1, 22, 0)
    # a ride at 25:10 of Monday's service still counts from the service date
    assert booking_deadline(rule, MONDAY, 25 * 3600) == dt.datetime(2026, 3, 1, 22, 0)


def test_lippe_ast_early_rides_are_booked_the_evening_before():
    early = BookingRule(BookingType.PRIOR_DAYS, days_before=1, last_time=22 * 3600)
    rule = BookingRule(
        BookingType.SAME_DAY, minutes_ahead=60, early_before=8 * 3600, early_rule=early
    )
    assert booking_deadline(rule, MONDAY, 7 * 3600 + 59 * 60) == dt.datetime(2026, 3, 1, 22)
    assert booking_deadline(rule, MONDAY, 8 * 3600) == dt.datetime(2026, 3, 2, 7, 0)


def test_real_time_booking_is_the_ride_itself():
    rule = BookingRule(BookingType.REAL_TIME)
    assert booking_deadline(rule, MONDAY, 3600) == dt.datetime(2026, 3, 2, 1, 0)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"booking_type": BookingType.SAME_DAY},
        {"booking_type": BookingType.PRIOR_DAYS, "days_before": 1},
        {"booking_type": BookingType.SAME_DAY, "minutes_ahead": 30, "early_before": 3600},
    ],
)
def test_incomplete_rules_are_refused(kwargs):
    with pytest.raises(ValueError):
        BookingRule(**kwargs)


# --------------------------------------------------------------------------- Flex files


def test_read_flex_zone_group_and_rules():
    flex = read_flex(FLEX)
    assert flex is not None
    assert set(flex.zones) == {"zone-stadt"}
    assert flex.stop_groups == {"grp": ("de:05766:2:0:1", "de:05766:4:0:1")}
    assert flex.booking_rules["soon"].minutes_ahead == 60
    assert flex.booking_rules["soon"].phone == "05261 123456"
    assert flex.booking_rules["daybefore"].booking_type is BookingType.PRIOR_DAYS
    assert flex.booking_rules["daybefore"].last_time == 22 * 3600
    by_trip = {}
    for w in flex.windows:
        by_trip.setdefault(w.trip_id, []).append(w)
    zone = by_trip["Z1"]
    assert [w.area_kind for w in zone] == [AreaKind.ZONE, AreaKind.ZONE]
    assert (zone[0].start_s, zone[0].end_s) == (8 * 3600, 20 * 3600)
    assert zone[0].pickup and not zone[0].drop_off and zone[1].drop_off and not zone[1].pickup
    assert zone[0].pickup_rule is flex.booking_rules["soon"]
    assert zone[0].ride == RideTime(factor=1.5, offset_s=600)
    (group,) = by_trip["G1"]
    assert group.area_kind is AreaKind.STOP_GROUP and group.ride is None
    assert group.pickup_rule is flex.booking_rules["daybefore"]
    assert "D1" not in by_trip  # a deviated route has ordinary stop times


def test_point_in_zone():
    flex = read_flex(FLEX)
    assert flex is not None
    assert zone_of(flex, 52.054, 8.800) == ["zone-stadt"]
    assert zone_of(flex, 52.000, 8.800) == []


def test_a_feed_without_flex_files_has_no_flex_services():
    assert read_flex(FIXTURES / "line") is None


def test_read_flex_from_a_zip(tmp_path):
    archive = shutil.make_archive(str(tmp_path / "flex"), "zip", FLEX)
    flex = read_flex(archive)
    assert flex is not None and len(flex.windows) == 3


@pytest.mark.parametrize(
    ("file", "old", "new", "words"),
    [
        (
            "stop_times.txt",
            "zone-stadt,1,2,1",
            "zone-nirgends,1,2,1",
            "'zone-nirgends' is not a zone",
        ),
        ("stop_times.txt", "20:00:00,soon", "07:00:00,soon", "window ends before it starts"),
        ("booking_rules.txt", "soon,1,60", "soon,1,", "prior_notice_duration_min"),
        ("booking_rules.txt", "soon,1,60", "soon,7,60", "not a booking type"),
        ("locations.geojson", '"id": "zone-stadt"', '"id": ""', "has no id"),
    ],
)
def test_bad_flex_files_name_file_and_row(tmp_path, file, old, new, words):
    feed = tmp_path / "feed"
    shutil.copytree(FLEX, feed)
    text = (feed / file).read_text(encoding="utf-8")
    assert old in text
    (feed / file).write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(FeedError) as err:
        read_flex(feed)
    assert words in str(err.value)
    assert file in str(err.value)


# --------------------------------------------------------------------------- German feeds


def test_detect_booked_routes_with_reasons():
    found = {
        r.route_id: r
        for r in detect_booked_routes(read("routes.txt"), read("trips.txt"), read("stop_times.txt"))
    }
    assert "R1" not in found  # an ordinary bus
    assert found["Z"].booked and Evidence.ROUTE_TYPE in found["Z"].evidence
    assert found["ALF"].booked and found["ALF"].matched_name == "ALF"
    assert found["ALF"].whole_route
    # the deviated route: only its phone-agency stop is booked, not the whole route
    assert found["D"].booked and not found["D"].whole_route
    assert found["D"].evidence == (Evidence.PHONE_AGENCY,)
    # route type 300 alone: offered for confirmation, not taken as booked
    assert found["T300"].evidence == (Evidence.WEAK_ROUTE_TYPE,)
    assert not found["T300"].booked


def test_scenario_confirms_and_rejects():
    found = {
        r.route_id: r
        for r in detect_booked_routes(
            read("routes.txt"),
            read("trips.txt"),
            read("stop_times.txt"),
            confirm=("T300",),
            reject=("Z",),
        )
    }
    assert found["T300"].booked and found["T300"].whole_route
    assert not found["Z"].booked and Evidence.REJECTED in found["Z"].evidence


def test_name_pattern_needs_whole_words():
    routes = pd.DataFrame(
        {
            "route_id": list("abcde"),
            "route_type": ["3"] * 5,
            "route_short_name": [
                "Gastweg",
                "AST 12",
                "Rufbus Blomberg",
                "726 mit Bedarfshalt",
                "Bedarfsbus Lügde",
            ],
        }
    )
    trips = pd.DataFrame({"route_id": list("abcde"), "trip_id": list("12345")})
    stop_times = pd.DataFrame({"trip_id": ["1"], "stop_id": ["x"]})
    found = {r.route_id for r in detect_booked_routes(routes, trips, stop_times)}
    assert found == {"b", "c", "e"}  # a stop on request („Bedarfshalt“) is not booking


def test_must_book_per_stop_time():
    stop_times, trips = read("stop_times.txt"), read("trips.txt")
    booked = detect_booked_routes(read("routes.txt"), trips, stop_times)
    board, alight = must_book(stop_times, trips, booked)
    rows = stop_times.assign(board=board, alight=alight).set_index(["trip_id", "stop_sequence"])
    assert not rows.loc[("R1a", "1"), "board"]
    assert rows.loc[("D1", "2"), "board"] and rows.loc[("D1", "2"), "alight"]
    assert not rows.loc[("D1", "1"), "board"] and not rows.loc[("D1", "3"), "alight"]
    assert rows.loc[("Z1", "1"), "board"] and rows.loc[("Z1", "2"), "alight"]


# --------------------------------------------------------------------------- scenario


LIMO = {
    "name": "Limo Lage (illustrativ)",
    "zone": {"places": ["Dorf", "Stadtrand"]},
    "hours": {"Mon": ["08:00-20:00"], "sat": ["08:00-20:00"], "sun": ["10:00-20:00"]},
    "booking": {
        "minutes_ahead": 60,
        "early_before": "08:00",
        "early_by": "22:00",
        "phone": "05261 000000",
    },
    "not_within_min_of_bus": 15,
    "illustrative": True,
}


def test_scenario_on_demand_service():
    from conftest import make_scenario

    sc = make_scenario("line", on_demand=[LIMO], on_demand_routes={"confirm": ["T300"]})
    (limo,) = sc.on_demand
    assert limo.windows_on(MONDAY) == [(8 * 3600, 20 * 3600)]
    assert limo.windows_on(MONDAY + dt.timedelta(days=1)) == []  # no Tuesday hours
    rule = limo.booking.rule()
    assert booking_deadline(rule, MONDAY, 7 * 3600) == dt.datetime(2026, 3, 1, 22, 0)
    assert booking_deadline(rule, MONDAY, 9 * 3600) == dt.datetime(2026, 3, 2, 8, 0)
    assert rule.phone == "05261 000000"
    assert sc.on_demand_routes.confirm == ["T300"]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"hours": {"mon": ["20:00-08:00"]}}, "ends after it starts"),
        ({"hours": {"monthly": ["08:00-20:00"]}}, "hours"),
        ({"booking": {"phone": "1"}}, "either minutes_ahead"),
        ({"booking": {"minutes_ahead": 30, "by": "22:00"}}, "either minutes_ahead"),
        ({"zone": {"places": ["Dorf"], "stops": ["A"]}}, "exactly one"),
        ({"zone": {"geojson": "nirgends.geojson"}}, "nirgends.geojson"),
    ],
)
def test_bad_on_demand_services_name_the_field(change, words):
    from conftest import make_scenario

    from course_planner.errors import CoursePlannerError

    with pytest.raises(CoursePlannerError) as err:
        make_scenario("line", on_demand=[{**LIMO, **change}])
    assert words in str(err.value)
    assert "on_demand.0" in str(err.value)


def test_read_flex_checks_the_archive_like_every_feed_read(tmp_path):
    import zipfile

    from course_planner.errors import ArchiveError

    src = tmp_path / "flex.zip"
    with zipfile.ZipFile(src, "w") as zf:
        for f in FLEX.iterdir():
            zf.write(f, f.name)
        zf.writestr("../../evil.txt", "x")
    with pytest.raises(ArchiveError, match="evil"):
        read_flex(src)
