"""The reachability table and the router on hand-made feeds, one edge case at a time."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from conftest import CHANGE_ROOM, PLATFORMS_ROOM, make_scenario

from course_planner.clock import clock
from course_planner.transit.reachability import (
    REACH_COLUMNS,
    journeys,
    prepare,
    reachability_table,
)
from course_planner.transit.router import Mode


def table_for(scenario):
    return reachability_table(prepare(scenario))


def row(table, place, date, site=None):
    sel = (table["place"] == place) & (table["date"] == date)
    if site:
        sel &= table["site"] == site
    assert sel.sum() == 1
    return table[sel].iloc[0]


def course(date: str, start="08:30", end="12:00", weekdays=None):
    d = dt.date.fromisoformat(date)
    wd = weekdays or [("mon", "tue", "wed", "thu", "fri", "sat", "sun")[d.weekday()]]
    return {"start_date": date, "end_date": date, "weekdays": wd, "start": start, "end": end}


def test_columns_and_one_row_per_place_site_date():
    table = table_for(
        make_scenario(
            "line",
            course={
                "start_date": "2026-02-02",
                "end_date": "2026-02-15",
                "weekdays": ["mon", "wed"],
                "start": "08:30",
                "end": "12:00",
            },
        )
    )
    assert list(table.columns) == REACH_COLUMNS
    assert len(table) == 3 * 1 * 4  # places × rooms × dates
    assert set(table["date"]) == {"2026-02-02", "2026-02-04", "2026-02-09", "2026-02-11"}


def test_seated_through_stops_and_the_exact_times():
    r = row(table_for(make_scenario("line")), "Dorf", "2026-02-02")
    # walk 222.4 m × 1.3 / 1.25 m/s = 231.3 s to A, T1 07:30 → D 08:00 (seated through B, C
    # with 0 s dwell), walk 100.1 m = 104.1 s
    assert r["depart_home"] == "07:26"  # 07:26:08.7 rounded down
    assert r["arrive_site"] == "08:02"  # 08:01:44 rounded up
    assert r["outbound_min"] == 63
    assert r["outbound_transfers"] == 0
    assert r["leave_site"] == "12:05"
    assert r["arrive_home"] == "13:04"  # T2 D 12:30 → A 13:00, + 231 s
    assert r["return_min"] == 64
    assert r["return_transfers"] == 0
    assert r["reachable"] and r["reason"] == "ok"


def test_pickup_and_drop_off_types_forbid_boarding_and_alighting():
    # P1 leaves A at 07:50 without pickup, Q1 at 07:55 reaches D without drop-off:
    # if either were used, Dorf could leave later than 07:26.
    study = prepare(make_scenario("line"))
    there, _ = journeys(study, "Dorf", "Kursraum", dt.date(2026, 2, 2))
    rides = [leg for leg in there.legs if leg.mode is Mode.RIDE]
    assert [leg.trip_id for leg in rides] == ["T1"]
    assert rides[0].route == "701" and rides[0].headsign == "Stadt Markt"
    assert [leg.mode for leg in there.legs] == [Mode.WALK, Mode.RIDE, Mode.WALK]


def test_no_stop_nearby_and_direct_walk():
    table = table_for(make_scenario("line"))
    far = row(table, "Fernhof", "2026-02-02")
    assert far["reason"] == "no_stop_nearby" and not far["reachable"]
    assert pd.isna(far["depart_home"]) and pd.isna(far["arrive_home"])
    near = row(table, "Stadtrand", "2026-02-02")
    assert near["reachable"] and near["reason"] == "ok"
    assert near["outbound_transfers"] == 0 and near["depart_home"] == "08:24"


def test_calendar_dates_remove_and_add_service():
    sc = make_scenario(
        "line",
        course={
            "start_date": "2026-04-06",
            "end_date": "2026-04-11",
            "weekdays": ["mon", "sat"],
            "start": "08:30",
            "end": "12:00",
        },
    )
    table = table_for(sc)
    easter_monday = row(table, "Dorf", "2026-04-06")
    assert easter_monday["reason"] == "no_service" and not easter_monday["reachable"]
    # a place within walking distance of the room is ok even without service
    assert row(table, "Stadtrand", "2026-04-06")["reason"] == "ok"
    added_saturday = row(table, "Dorf", "2026-04-11")
    assert added_saturday["reason"] == "ok" and added_saturday["depart_home"] == "07:26"


def test_sunday_without_service():
    table = table_for(make_scenario("line", course=course("2026-02-08")))
    assert row(table, "Dorf", "2026-02-08")["reason"] == "no_service"
    assert row(table, "Fernhof", "2026-02-08")["reason"] == "no_service"


def test_trip_past_midnight_runs_on_the_next_day():
    # N1 runs on Monday's service at 24:50 → 01:10 on Tuesday
    tuesday = row(
        table_for(make_scenario("line", course=course("2026-02-03", "01:30", "02:00"))),
        "Dorf",
        "2026-02-03",
    )
    assert tuesday["depart_home"] == "00:46" and tuesday["arrive_site"] == "01:12"
    # the way back waits for T2 at 12:30
    assert tuesday["reason"] == "return_too_long" and tuesday["arrive_home"] == "13:04"
    # on Monday the day before is Sunday: no night trip, and Monday's own 24:50 is too late
    monday = row(
        table_for(make_scenario("line", course=course("2026-02-02", "01:30", "02:00"))),
        "Dorf",
        "2026-02-02",
    )
    assert monday["reason"] == "no_outbound" and pd.isna(monday["depart_home"])


def test_return_after_midnight_is_written_past_24():
    r = row(
        table_for(
            make_scenario(
                "line",
                course=course("2026-02-02", "22:00", "23:30"),
                travel={"max_travel_min": 200},
            )
        ),
        "Dorf",
        "2026-02-02",
    )
    # N2 leaves D at 24:40 (Monday's service), reaches A at 25:00, + 231 s on foot
    assert r["arrive_home"] == "25:04"
    assert (r["return_min"] == 95 and r["reason"] == "no_return") or r["arrive_home"] == "25:04"


def test_same_stop_change_needs_the_minimum_change_time():
    base = {"sites": [CHANGE_ROOM]}
    strict = row(table_for(make_scenario("change", **base)), "Dorf", "2026-02-02")
    # X2 reaches B at 07:41, Y1 leaves 07:42: one minute is too short, so X1 at 07:30
    assert strict["depart_home"] == "07:29"  # 07:30 − 57 s walk
    assert strict["outbound_transfers"] == 1
    # on the way back R1 reaches B 12:20; R2a at 12:21 is too early, R2b at 12:22 is fine
    assert strict["arrive_home"] == "12:46" and strict["return_transfers"] == 1
    loose = row(
        table_for(make_scenario("change", travel={"min_change_min": 1}, **base)),
        "Dorf",
        "2026-02-02",
    )
    assert loose["depart_home"] == "07:30"  # X2 at 07:31 − 57 s
    assert loose["arrive_home"] == "12:31"  # R2a


def test_walking_transfer_between_platforms_of_one_station():
    sc = make_scenario("platforms", sites=[PLATFORMS_ROOM])
    study = prepare(sc)
    r = row(reachability_table(study), "Dorf", "2026-02-02")
    # platform 1 → 2 is 171 m = 178 s on foot: L2a (2 min) is missed, L2b (3 min) is taken
    assert r["arrive_site"] == "08:07" and r["outbound_transfers"] == 1
    there, _ = journeys(study, "Dorf", "Kursort", dt.date(2026, 2, 2))
    assert [leg.mode for leg in there.legs] == [
        Mode.WALK,
        Mode.RIDE,
        Mode.WALK,
        Mode.RIDE,
        Mode.WALK,
    ]
    change = there.legs[2]
    assert change.from_stop_id == "de:05766:3048:0:1"
    assert change.to_stop_id == "de:05766:3048:0:2"
    assert change.arrive - change.depart == pytest.approx(178, abs=1)
    assert there.legs[3].trip_id == "L2b"
    # with a transfer radius below 171 m the change is impossible
    tight = make_scenario("platforms", sites=[PLATFORMS_ROOM], travel={"max_transfer_walk_m": 150})
    assert row(table_for(tight), "Dorf", "2026-02-02")["reason"] == "no_outbound"


def test_feed_transfers_only_when_asked():
    # the platforms feed has no transfers.txt: asking for it leaves only same-stop changes
    sc = make_scenario("platforms", sites=[PLATFORMS_ROOM], travel={"use_feed_transfers": True})
    r = row(table_for(sc), "Dorf", "2026-02-02")
    assert r["reason"] == "no_outbound" and pd.isna(r["depart_home"])


def test_travel_limit_decides_reachable():
    # both ways take 3600 s + 231.3 s of walking = 63.855 min: decided on exact seconds
    r = row(
        table_for(make_scenario("line", travel={"max_travel_min": 63.85})), "Dorf", "2026-02-02"
    )
    assert r["outbound_min"] == 63 and r["return_min"] == 64
    assert not r["reachable"] and r["reason"] == "outbound_too_long"
    r = row(
        table_for(make_scenario("line", travel={"max_travel_min": 63.86})), "Dorf", "2026-02-02"
    )
    assert r["reachable"] and r["reason"] == "ok"


def test_all_stops_as_places_uses_one_place_per_station():
    sc = make_scenario("platforms", places="all_stops", sites=[PLATFORMS_ROOM])
    study = prepare(sc)
    assert sorted(study.places["stop_id"]) == [
        "de:05766:1000",
        "de:05766:3048",
        "de:05766:5000:0:1",
    ]
    assert sorted(study.places["name"]) == ["Dorf Bf", "Knoten Bf", "Kursort Markt"]
    table = reachability_table(study)
    dorf = row(table, "Dorf Bf", "2026-02-02")
    assert dorf["depart_home"] == "07:30" and dorf["reason"] == "no_return"  # no trip back


def test_clock_rounding():
    assert clock(26768.7) == "07:26"
    assert clock(26768.7, up=True) == "07:27"
    assert clock(89220) == "24:47"
    assert clock(0) == "00:00"


def test_deterministic():
    sc = make_scenario("change", sites=[CHANGE_ROOM])
    first = table_for(sc)
    for _ in range(4):
        assert table_for(sc).equals(first)


@pytest.mark.parametrize(("seconds", "arrive"), [(170, "08:07"), (400, None)])
def test_feed_transfers_min_transfer_time_is_used(tmp_path, seconds, arrive):
    import shutil

    folder = tmp_path / "platforms"
    shutil.copytree(make_scenario("platforms").feed, folder)
    (folder / "transfers.txt").write_text(
        "from_stop_id,to_stop_id,transfer_type,min_transfer_time\n"
        f"de:05766:3048:0:1,de:05766:3048:0:2,2,{seconds}\n"
    )
    sc = make_scenario("platforms", sites=[PLATFORMS_ROOM], travel={"use_feed_transfers": True})
    sc = sc.model_copy(update={"feed": folder})
    r = row(table_for(sc), "Dorf", "2026-02-02")
    if arrive:  # 170 s: L2a (120 s) is missed, L2b (180 s) is caught
        assert r["arrive_site"] == arrive
    else:  # 400 s: neither bus can be caught
        assert r["reason"] == "no_outbound"
