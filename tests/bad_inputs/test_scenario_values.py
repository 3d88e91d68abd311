"""Scenario values: strict enums, times of day, positive limits, plausible coordinates,
and a ue_total the term can deliver."""

from __future__ import annotations

import pytest

from .conftest import COURSE, TEACHER


@pytest.mark.parametrize(
    "course, words",
    [
        (
            COURSE.replace("[mon, fri]", "[monthly]"),
            "'course.weekdays': 'monthly' is not a weekday; write mon, tue",
        ),
        (COURSE.replace("[mon, fri]", "[Montag, fr, sunday]"), None),
        (
            COURSE.replace('start: "08:30"', 'start: "25:00"'),
            "'course.start': '25:00' is not a time of day; times run from 00:00 to 24:00",
        ),
        (COURSE.replace('end: "12:00"', 'end: "24:30"'), "'course.end': '24:30' is not a time"),
        (
            COURSE.replace('end: "12:00"', 'end: "08:00"'),
            "the course ends (08:00) before it starts",
        ),
        (COURSE.replace('start: "08:30"', 'start: "8.30"'), "'8.30' is not a time of day"),
        (
            COURSE.replace("end_date: 2026-02-13", "end_date: 2062-02-13"),
            "the term from 2026-02-02 to 2062-02-13 is longer than 3 years",
        ),
    ],
)
def test_course_values(bench, course, words):
    path = bench.scenario(course=course)
    if words is None:  # spellings that are weekdays are read as such
        bench.reach(path, status=0)
        return
    err = bench.reach(path)
    assert "s.yaml, line 5" in err and words in err


@pytest.mark.parametrize(
    "extra, words",
    [
        (
            "travel: {max_travel_min: 0}\n",
            "'travel.max_travel_min': Input should be greater than 0",
        ),
        (
            "travel: {walk_speed_kmh: -4}\n",
            "'travel.walk_speed_kmh': Input should be greater than 0",
        ),
        (f"teacher: {TEACHER}\nrotation: {{time_limit_s: 0}}\n", "'rotation.time_limit_s'"),
        (
            f"teacher: {TEACHER}\nrotation: {{max_wait: {{sessions: 0}}}}\n",
            "'rotation.max_wait.sessions': Input should be greater than or equal to 1",
        ),
        (
            "teacher: {base: {name: Z, lat: 51.9, lon: 8.8}, travel_mode: bike}\n",
            "'teacher.travel_mode': Input should be 'car' or 'transit'",
        ),
        (
            "teacher: {base: {name: Z, lat: 8.8, lon: 51.9}}\n",
            "'teacher.base': 8.8,51.9: latitude and longitude look swapped",
        ),
        (
            "siting: {earliest_start: '10:00', latest_start: '09:00'}\n",
            "latest_start 09:00 lies before earliest_start 10:00",
        ),
        (
            "siting: {start_not_before: '09:00', end_by: '08:00'}\n",
            "end_by 08:00 must lie after start_not_before 09:00",
        ),
        ("limits: {max_zip_ratio: 0}\n", "'limits.max_zip_ratio': Input should be greater than 0"),
        ("rotation: {target: everyone}\n", "'rotation.target': 'everyone' is not a target"),
    ],
)
def test_limits_modes_and_order(bench, extra, words):
    err = bench.reach(bench.scenario(extra=extra))
    assert "s.yaml" in err and words in err


def test_site_at_zero_zero(bench):
    err = bench.reach(bench.scenario(sites="[{name: Nirgendwo, lat: 0, lon: 0}]"))
    assert "field 'sites.0'" in err and "0,0 is a placeholder" in err


def test_ue_total_beyond_the_term_names_the_numbers(bench):
    course = (
        "{start_date: 2026-02-02, end_date: 2026-02-23, weekdays: [mon], "
        'start: "08:30", end: "11:30", ue_total: 700}'
    )
    scenario = bench.scenario(course=course, extra=f"teacher: {TEACHER}\n")
    err = bench.run("plan", scenario, "--out", bench.out / "plan.csv")
    assert "s.yaml, field 'course.ue_total'" in err
    assert "ue_total is 700 UE" in err and "only 4 course day(s) × 4 UE = 16 UE" in err
    assert "end_date" in err and "lower ue_total" in err


def test_room_name_with_a_line_break(bench):
    err = bench.reach(bench.scenario(sites='[{name: "Kurs\\nraum", lat: 52.0549, lon: 8.8}]'))
    assert "field 'sites.0.name'" in err and "a name must be one line" in err


def test_alias_bomb_is_refused_without_expanding_it(bench):
    levels = "\n".join(
        f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]" for i in range(1, 10)
    )
    extra = (
        "x-bomb:\n  l0: &l0 [lol]\n" + "\n".join("  " + line for line in levels.splitlines()) + "\n"
    )
    err = bench.reach(bench.scenario(extra=extra))
    assert "s.yaml" in err and "expands to more than 100,000 values" in err


def test_yaml_nested_too_deeply(bench):
    err = bench.reach(bench.scenario(extra="x-deep: " + "[" * 3000 + "]" * 3000 + "\n"))
    assert "s.yaml" in err and "nested too deeply" in err
