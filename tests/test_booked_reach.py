"""Booking-aware reachability on the hand-made `flex` feed (see tests/fixtures/flex/README.md):
Dorf comes by scheduled bus, Weiler only with bus 726's booked stop, Oede not at all."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import LINE_ROOM, make_scenario

from course_planner.transit.journey import Mode
from course_planner.transit.reachability import journeys, prepare, reachability_table

MONDAY = "2026-03-02"
DAY_BEFORE_22 = "2026-03-01 22:00"
COURSE = {
    "start_date": MONDAY,
    "end_date": MONDAY,
    "weekdays": ["mon"],
    "start": "08:10",
    "end": "12:20",
}
BY_EVENING = {"by": "22:00", "days_before": 1, "phone": "05261 654321"}


def flex_scenario(**on_demand_routes):
    return make_scenario(
        "flex", sites=[LINE_ROOM], course=COURSE, on_demand_routes=on_demand_routes
    )


def by_place(table):
    return table.set_index("place")


@pytest.fixture(scope="module")
def table():
    return by_place(reachability_table(prepare(flex_scenario(booking=BY_EVENING))))


def test_scheduled_service_alone(table):
    dorf = table.loc["Dorf"]
    assert dorf["reachable"] and dorf["reachable_booked"] and dorf["reason"] == "ok"
    assert dorf["book_outbound_by"] == "" and dorf["booked_services"] == ""


def test_only_with_a_booked_ride_gives_the_deadline_and_phone(table):
    weiler = table.loc["Weiler"]
    assert not weiler["reachable"]
    assert weiler["reachable_booked"]
    assert weiler["reason"] == "on_demand_only"
    # the times are those of the booked journey: bus 726 at Weiler 07:10 and 12:50
    assert weiler["depart_home"] <= "07:10" and weiler["arrive_site"] <= "08:05"
    assert "12:50" <= weiler["arrive_home"] <= "13:00"
    assert weiler["book_outbound_by"] == DAY_BEFORE_22
    assert weiler["book_return_by"] == DAY_BEFORE_22
    assert weiler["booking_phone"] == "05261 654321"
    assert weiler["booked_services"] == "726"


def test_a_place_no_ride_reaches_keeps_its_reason(table):
    oede = table.loc["Oede"]
    assert not oede["reachable_booked"] and oede["reason"] == "no_stop_nearby"


def test_without_a_booking_rule_the_deadline_is_left_open():
    t = by_place(reachability_table(prepare(flex_scenario())))
    weiler = t.loc["Weiler"]
    assert weiler["reason"] == "on_demand_only"
    assert weiler["book_outbound_by"] == "" and weiler["booking_phone"] == ""
    assert weiler["booked_services"] == "726"


def test_a_rejected_route_counts_as_scheduled():
    t = by_place(reachability_table(prepare(flex_scenario(reject=["D"]))))
    assert t.loc["Weiler", "reachable"] and t.loc["Weiler", "reason"] == "ok"
    assert t.loc["Weiler", "booked_services"] == ""


def test_journey_legs_carry_the_mode_and_the_notice():
    study = prepare(flex_scenario(booking=BY_EVENING))
    date = dt.date.fromisoformat(MONDAY)
    assert journeys(study, "Weiler", LINE_ROOM["name"], date) == (None, None)
    there, back = journeys(study, "Weiler", LINE_ROOM["name"], date, booked=True)
    assert there is not None and back is not None
    (ride,) = [leg for leg in there.legs if leg.mode.is_ride]
    assert ride.mode is Mode.BOOKED_RIDE and ride.from_name == "Weiler"
    assert ride.booking is not None
    assert ride.booking.deadline == dt.datetime(2026, 3, 1, 22, 0)
    assert ride.booking.ride_start == dt.datetime(2026, 3, 2, 7, 10)
    assert ride.booking.phone == "05261 654321"
    assert there.bookings == (ride.booking,)
    # Dorf's journey is scheduled even when booked rides are allowed
    dorf, _ = journeys(study, "Dorf", LINE_ROOM["name"], date, booked=True)
    assert dorf is not None and not dorf.must_book
    assert all(leg.booking is None for leg in dorf.legs)


def test_same_day_booking_counts_back_from_the_ride():
    t = by_place(
        reachability_table(
            prepare(flex_scenario(booking={"minutes_ahead": 60, "phone": "05261 1"}))
        )
    )
    weiler = t.loc["Weiler"]
    assert weiler["book_outbound_by"] == "2026-03-02 06:10"  # bus 726 leaves Weiler 07:10
    assert weiler["book_return_by"] == "2026-03-02 11:30"  # and 12:30 from Stadt Markt
