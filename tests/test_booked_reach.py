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


# --------------------------------------------------------------------------- in words


def test_booking_words_for_one_date_a_weekday_and_mixed_dates():
    from course_planner.exports.schedule import booking_line, booking_when
    from course_planner.transit.booking import BookingNotice

    monday, wednesday = dt.date(2026, 3, 2), dt.date(2026, 3, 4)
    notice = BookingNotice(
        "ALF 3", dt.datetime(2026, 3, 2, 7, 10), dt.datetime(2026, 3, 1, 22, 0), "05261 1"
    )
    assert booking_when(notice, [monday], "de") == "So. 01.03. 22:00"
    assert booking_when(notice, [monday, monday + dt.timedelta(7)], "de") == "So. 22:00"
    assert booking_when(notice, [monday, wednesday], "de") == "22:00 am Vortag"
    assert booking_when(notice, [monday, wednesday], "en") == "22:00 the day before"
    line = booking_line(notice, [monday, wednesday], "de")
    assert line == "ALF 3: bis 22:00 am Vortag unter 05261 1 buchen"
    assert (
        booking_line(notice, [monday], "de") == "ALF 3: bis So. 01.03. 22:00 unter 05261 1 buchen"
    )
    assert booking_line(notice, [monday], "en") == "ALF 3: book by Sun 01.03. 22:00 on 05261 1"
    # no phone in the notice: the scenario's; none at all: ask the course office
    no_phone = BookingNotice("ALF 3", notice.ride_start, notice.deadline)
    assert "05261 9" in booking_line(no_phone, [monday], "de", phone="05261 9")
    assert "Kursbüro" in booking_line(no_phone, [monday], "de")
    unknown = BookingNotice("ALF 3", notice.ride_start, None)
    assert "wie und bis wann" in booking_line(unknown, [monday], "de")


def _pdf_words(pdf: bytes) -> str:
    import io
    import unicodedata

    from pypdf import PdfReader

    pages = PdfReader(io.BytesIO(pdf)).pages
    text = unicodedata.normalize("NFKC", "\n".join(p.extract_text() for p in pages))
    return " ".join(text.split())


def test_handout_says_by_when_and_where_to_book_in_both_languages():
    from course_planner.exports import handout

    if not any(d.joinpath(handout.FONTS["sans"]).exists() for d in handout.FONT_DIRS):
        pytest.skip("needs the Noto fonts (apt-get install fonts-noto-core)")
    study = prepare(flex_scenario(booking=BY_EVENING))
    words = _pdf_words(handout.handout_pdf(None, study, "Weiler", LINE_ROOM["name"], "en"))
    assert "726: bis So. 01.03. 22:00 unter 05261 654321 buchen" in words
    assert "726: book by Sun 01.03. 22:00 on 05261 654321" in words
    assert "726 » Stadt (nur mit Buchung)" in words
    # Dorf's handout has nothing to book
    dorf = _pdf_words(handout.handout_pdf(None, study, "Dorf", LINE_ROOM["name"], "en"))
    assert "buchen" not in dorf and "Weiler" not in dorf


def test_calendar_names_the_booking_and_reminds_an_hour_before_the_deadline():
    from icalendar import Calendar

    from course_planner.exports.ics import village_calendar

    study = prepare(flex_scenario(booking=BY_EVENING))
    cal = village_calendar(None, study, "Weiler", LINE_ROOM["name"], langs=["uk"])
    (event,) = Calendar.from_ical(cal).walk("VEVENT")
    description = str(event["description"])
    assert "Buchung nötig – 726: bis So. 01.03. 22:00 unter 05261 654321 buchen" in description
    # and in the participant's language
    assert "726: забронюйте до" in description and "05261 654321" in description
    # there and back are booked by the same deadline (22:00 the evening before): one reminder,
    # an hour before it (21:00 in Berlin, winter time)
    (alarm,) = event.walk("VALARM")
    assert alarm["trigger"].dt == dt.datetime(2026, 3, 1, 20, 0, tzinfo=dt.UTC)
    assert "05261 654321" in str(alarm["description"])


def test_same_day_booking_gives_a_reminder_per_ride():
    from icalendar import Calendar

    from course_planner.exports.ics import village_calendar

    study = prepare(flex_scenario(booking={"minutes_ahead": 60}))
    cal = Calendar.from_ical(village_calendar(None, study, "Weiler", LINE_ROOM["name"]))
    (event,) = cal.walk("VEVENT")
    times = sorted(a["trigger"].dt for a in event.walk("VALARM"))
    # 60 min before 07:10 and 12:30, an hour earlier still, in UTC (Berlin is UTC+1)
    assert times == [
        dt.datetime(2026, 3, 2, 4, 10, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC),
    ]


def test_cli_reach_lists_the_routes_taken_as_booked_and_why(tmp_path, capsys):
    import pandas as pd
    import yaml

    from course_planner.cli import main

    flex = flex_scenario(booking=BY_EVENING)
    path = tmp_path / "s.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "name": "Rufbus",
                "feed": str(flex.feed),
                "places": str(flex.places),
                "sites": [LINE_ROOM],
                "course": COURSE,
                "on_demand_routes": {"booking": BY_EVENING},
            }
        )
    )
    out, routes = tmp_path / "reach.csv", tmp_path / "routes.csv"
    assert main(["reach", str(path), "--out", str(out), "--booked-routes", str(routes)]) == 0
    assert "1 place-room pairs come only with a booked ride" in capsys.readouterr().out
    table = pd.read_csv(out, dtype=str, keep_default_na=False).set_index("place")
    assert table.loc["Weiler", "reason"] == "on_demand_only"
    assert table.loc["Weiler", "book_outbound_by"] == DAY_BEFORE_22
    found = pd.read_csv(routes, dtype=str, keep_default_na=False).set_index("route_id")
    assert found.loc["D", "booked"] == "True" and found.loc["D", "whole_route"] == "False"
    assert found.loc["D", "evidence"] == "phone_agency"
    assert found.loc["D", "phone_stop_times"] == "2"  # Weiler on D1 and on D2
    # the ALF: by its name, and its stop-group pick-ups are booked stops
    assert found.loc["ALF", "evidence"] == "name phone_agency"
    assert found.loc["ALF", "matched_name"] == "ALF"
    assert found.loc["T300", "booked"] == "False"  # route type 300 alone: only offered


def test_each_date_gets_its_own_deadline():
    """Two Mondays share their journeys (one date block): each gets the Sunday before."""
    two = {**COURSE, "end_date": "2026-03-09"}
    sc = make_scenario(
        "flex", sites=[LINE_ROOM], course=two, on_demand_routes={"booking": BY_EVENING}
    )
    table = reachability_table(prepare(sc))
    weiler = table[table["place"] == "Weiler"].set_index("date")
    assert weiler.loc["2026-03-02", "book_outbound_by"] == "2026-03-01 22:00"
    assert weiler.loc["2026-03-09", "book_outbound_by"] == "2026-03-08 22:00"
    assert weiler.loc["2026-03-09", "book_return_by"] == "2026-03-08 22:00"
