"""The teacher's rotation: calendar, every hard rule, the explanation, determinism, KPIs."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import FIXTURES

from course_planner.calendar import term_sessions
from course_planner.errors import NoPlanError, ScenarioError
from course_planner.rotation.plan import solve_rotation
from course_planner.scenario import scenario_from_dict

# three rooms ~10-20 km apart; explicit participants, so no feed is needed for the plan
SITES = [
    {"name": "Nord", "lat": 52.00, "lon": 8.80, "participants": 10},
    {"name": "Mitte", "lat": 51.93, "lon": 8.85, "participants": 6},
    {"name": "Süd", "lat": 51.85, "lon": 8.90, "participants": 0},
]
TEACHER = {"base": {"name": "Zentrale", "lat": 51.93, "lon": 8.86}}


def scenario(course=None, rotation=None, sites=None, teacher=None, **extra):
    data = {
        "name": "Rotation test",
        "feed": str(FIXTURES / "line"),
        "places": str(FIXTURES / "line" / "places.csv"),
        "sites": sites or SITES,
        "course": {
            "start_date": "2026-02-02",
            "end_date": "2026-03-27",
            "weekdays": ["mon", "wed", "fri"],
            "start": "08:30",
            "end": "12:00",
            **(course or {}),
        },
        "teacher": teacher or TEACHER,
        "rotation": rotation or {},
        **extra,
    }
    return scenario_from_dict(data, source=FIXTURES / "line" / "rotation.yaml")


def runs_without(plan, room):
    """Lengths of the runs of sessions without the teacher in ``room``."""
    runs, run = [], 0
    for site in plan.sessions["teacher_site"]:
        if site == room:
            runs.append(run)
            run = 0
        else:
            run += 1
    return [*runs, run]


# --------------------------------------------------------------------------- calendar


def test_calendar_skips_holidays_and_closures_and_stops_at_the_ue_total():
    course = scenario(
        course={
            "start_date": "2026-03-23",
            "end_date": "2026-05-29",
            "ue_per_session": 4,
            "holidays": {"school": True},
            "closed": [{"date": "2026-04-22", "label": "Umzug"}],
            "ue_total": 50,
        }
    ).course
    sessions, skipped = term_sessions(course)
    reasons = dict(zip(skipped["date"], skipped["reason"], strict=True))
    assert reasons[dt.date(2026, 4, 3)].startswith("Feiertag")  # Karfreitag
    assert reasons[dt.date(2026, 4, 1)].startswith("Schulferien")  # Osterferien NRW
    assert reasons[dt.date(2026, 4, 22)] == "Umzug"
    assert not set(sessions["date"]) & set(reasons)
    assert sessions["ue"].sum() == 50 and sessions["ue"].iloc[-1] == 2  # 12 × 4 + 2
    assert len(sessions) == 13


def test_two_slots_a_day():
    course = scenario(
        course={
            "start": "08:30",
            "end": "13:00",
            "slots": [{"start": "08:30", "end": "10:00"}, {"start": "11:30", "end": "13:00"}],
        }
    ).course
    sessions, _ = term_sessions(course)
    assert (
        list(sessions["slot"][:2]) == [1, 2]
        and sessions["date"].iloc[0] == sessions["date"].iloc[1]
    )
    assert sessions["ue"].iloc[0] == 2


def test_bad_slot_is_a_scenario_error():
    with pytest.raises(ScenarioError, match="slot"):
        scenario(course={"slots": [{"start": "10:00", "end": "09:00"}]})


# --------------------------------------------------------------------------- hard rules


def test_exactly_one_room_per_session_and_share_follows_participants():
    plan = solve_rotation(scenario())
    assert (plan.sessions["teacher_site"].isin(["Nord", "Mitte", "Süd"])).all()
    counts = plan.sessions["teacher_site"].value_counts()
    assert counts["Nord"] > counts["Mitte"]
    assert "Süd" not in counts  # no participants, no rule: never visited
    assert plan.optimal


def test_max_wait_is_never_broken():
    plan = solve_rotation(scenario(rotation={"max_wait": {"sessions": 3}}))
    for room in ("Nord", "Mitte", "Süd"):
        assert max(runs_without(plan, room)) <= 3
    assert plan.kpis().rooms["Süd"].longest_wait <= 3


def test_room_availability_weekdays_and_dates():
    sites = [
        dict(
            SITES[0],
            available_weekdays=["mon"],
            unavailable=[{"start": "2026-02-09", "end": "2026-02-16"}],
        ),
        *SITES[1:],
    ]
    plan = solve_rotation(scenario(sites=sites))
    nord = plan.sessions[plan.sessions["teacher_site"] == "Nord"]
    assert len(nord) > 0
    assert (nord["weekday"] == "Mo").all()
    assert not nord["date"].isin([dt.date(2026, 2, 9), dt.date(2026, 2, 16)]).any()


def test_teacher_unavailable_means_online_only():
    teacher = dict(
        TEACHER, unavailable=[{"start": "2026-02-04", "end": "2026-02-06", "label": "Fortbildung"}]
    )
    plan = solve_rotation(scenario(teacher=teacher))
    away = plan.sessions[plan.sessions["date"].between(dt.date(2026, 2, 4), dt.date(2026, 2, 6))]
    assert len(away) == 2 and (away["teacher_site"] == "").all()
    table = plan.table()
    assert (table.loc[away.index, ["Nord", "Mitte", "Süd"]] == "online").all().all()
    assert plan.kpis().sessions_online_only == 2


def test_pins_and_opening_round():
    rotation = {"pins": [{"date": "2026-02-11", "site": "Süd"}], "opening_round": {}}
    plan = solve_rotation(scenario(rotation=rotation))
    ses = plan.sessions
    assert ses.loc[ses["date"] == dt.date(2026, 2, 11), "teacher_site"].item() == "Süd"
    assert set(ses["teacher_site"].iloc[:3]) == {"Nord", "Mitte", "Süd"}


def test_pin_on_a_non_session_date_is_an_error():
    with pytest.raises(ScenarioError, match="2026-02-03"):
        solve_rotation(scenario(rotation={"pins": [{"date": "2026-02-03", "site": "Süd"}]}))


def test_travel_between_two_sessions_of_a_day_must_fit():
    # Nord–Süd is ~18 km × 1.3 at 50 km/h ≈ 28 min; Nord–Mitte and Mitte–Süd ≈ 15 min.
    # A strict rotation (every room every 3rd session) with two sessions a day puts every
    # pair of rooms on one day at some point, so Nord and Süd must share a day.
    sites = [dict(s, participants=10) for s in SITES]
    rotation = {
        "target": "equal",
        "max_wait": {"sessions": 2, "label": "jede 3. Sitzung in jedem Raum"},
    }

    def course(break_end):
        return {
            "start": "08:30",
            "end": "12:30",
            "slots": [{"start": "08:30", "end": "10:15"}, {"start": break_end, "end": "12:30"}],
        }

    with pytest.raises(NoPlanError) as err:  # a 20-minute break is too short for that
        solve_rotation(scenario(course=course("10:35"), sites=sites, rotation=rotation))
    assert set(err.value.rules) == {
        "jede 3. Sitzung in jedem Raum",
        "Fahrzeit zwischen zwei Sitzungen am selben Tag passt in die Pause",
    }
    plan = solve_rotation(scenario(course=course("10:50"), sites=sites, rotation=rotation))
    ses = plan.sessions
    moves = 0
    for _, day in ses.groupby("date"):
        a, b = list(day["teacher_site"])
        if a != b:
            moves += 1
            minutes = plan.inp.travel.between(
                day["date"].iloc[0],
                plan.sites.index(a),
                int(day["end_s"].iloc[0]),
                plan.sites.index(b),
            )
            assert minutes <= 35
    assert moves > 0
    assert any(set(day["teacher_site"]) == {"Nord", "Süd"} for _, day in ses.groupby("date"))


def test_streak_penalty_is_paid_only_when_it_must():
    plan = solve_rotation(
        scenario(rotation={"max_streak": 2, "weights": {"streak": 100, "share": 1}})
    )
    pen = plan.penalties.set_index("name")
    assert pen.at["streak", "value"] == 0
    # no run of more than two sessions in one room
    sites = list(plan.sessions["teacher_site"])
    assert all(len({*sites[i : i + 3]}) > 1 for i in range(len(sites) - 2))


# --------------------------------------------------------------------------- no plan


def test_explanation_names_exactly_the_conflicting_rules():
    sites = [
        SITES[0],
        SITES[1],
        dict(SITES[2], available_weekdays=["tue"], label="Raum Süd nur dienstags"),
    ]
    sc = scenario(
        sites=sites,
        rotation={
            "max_wait": {"sessions": 3, "label": "jeder Raum spätestens jede 4. Sitzung"},
            "pins": [{"date": "2026-02-02", "site": "Nord", "label": "Start in Nord"}],
        },
    )
    with pytest.raises(NoPlanError) as err:
        solve_rotation(sc)
    assert set(err.value.rules) == {
        "Raum Süd nur dienstags",
        "jeder Raum spätestens jede 4. Sitzung",
    }
    assert "„Raum Süd nur dienstags“" in str(err.value)


def test_pin_against_teacher_absence():
    teacher = dict(TEACHER, unavailable=[{"date": "2026-02-04", "label": "Arzttermin"}])
    sc = scenario(
        teacher=teacher,
        rotation={
            "pins": [{"date": "2026-02-04", "site": "Mitte", "label": "Elternabend in Mitte"}]
        },
    )
    with pytest.raises(NoPlanError) as err:
        solve_rotation(sc)
    assert set(err.value.rules) == {"Arzttermin", "Elternabend in Mitte"}


# --------------------------------------------------------------------------- results


def test_deterministic_over_five_solves():
    sc = scenario(rotation={"max_wait": {"sessions": 2}, "target": "equal"})
    first = solve_rotation(sc)
    for _ in range(4):
        again = solve_rotation(sc)
        assert again.table().equals(first.table())
        assert again.penalties.equals(first.penalties)


def test_penalties_and_kpis_match_the_plan():
    plan = solve_rotation(scenario(rotation={"max_wait": {"sessions": 3}}))
    kpis = plan.kpis()
    ses = plan.sessions
    counts = ses["teacher_site"].value_counts()
    n = len(ses)
    expected_share = sum(abs(counts.get(r, 0) - plan.inp.target[r] * n) for r in plan.sites)
    assert kpis.penalties["share"].value == pytest.approx(expected_share, abs=0.02)
    assert kpis.participant_sessions_in_person == sum(
        {"Nord": 10, "Mitte": 6, "Süd": 0}[r] for r in ses["teacher_site"]
    )
    assert kpis.participant_sessions_total == 16 * n
    assert kpis.teacher_km > 0 and kpis.teacher_hours > 0
    assert set(plan.table().columns) == {
        "date",
        "weekday",
        "start",
        "end",
        "ue",
        "teacher_site",
        "Nord",
        "Mitte",
        "Süd",
    }


# --------------------------------------------------------------------------- soft rules


def test_every_soft_rule_has_a_weight_field_and_is_reported():
    from course_planner.rotation.model import SOFT_RULES
    from course_planner.scenario import Weights

    assert {r.weight_field for r in SOFT_RULES} <= set(Weights.model_fields)
    plan = solve_rotation(scenario())
    assert list(plan.penalties["name"]) == [r.name for r in SOFT_RULES]


@pytest.mark.parametrize("tiny", [0.04, 0.001])
def test_a_tiny_weight_still_counts(tiny):
    """Only `share` weighs, and only a little: the plan must still follow the target shares
    as closely as with a large weight (the integer objective must not round it away)."""
    off = {"travel": 0, "distance": 0, "streak": 0}
    small = solve_rotation(scenario(rotation={"weights": {"share": tiny, **off}}))
    large = solve_rotation(scenario(rotation={"weights": {"share": 10, **off}}))
    none = solve_rotation(scenario(rotation={"weights": {"share": 0, **off}}))
    share = [p.penalties.set_index("name").at["share", "value"] for p in (small, large, none)]
    assert share[0] == share[1] < share[2]


def test_teacher_by_bus_without_any_connection_names_the_transit_rule():
    """The teacher lives where no bus runs: no room can be reached, and the explanation
    says so in words."""
    far = {"base": {"name": "Einöde", "lat": 51.50, "lon": 9.50}, "travel_mode": "transit"}
    with pytest.raises(NoPlanError) as err:
        solve_rotation(scenario(teacher=far))
    assert err.value.rules == ("Lehrkraft fährt mit Bus und Bahn (hin und zurück rechtzeitig)",)
