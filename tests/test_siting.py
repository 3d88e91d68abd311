"""Choice of rooms and start times, and the report of unreachable places."""

from __future__ import annotations

import datetime as dt
import itertools
from functools import cache

import numpy as np
import pandas as pd
import pytest
from conftest import REPO, make_scenario

from course_planner.cli import main
from course_planner.errors import ScenarioError, render
from course_planner.reach_summary import meeting_days
from course_planner.scenario import load_scenario
from course_planner.siting import (
    NO_TRANSIT,
    best_sites,
    best_start_times,
    candidate_study,
    choose_sites,
    coverage,
    needed_dates,
    unreachable_report,
    weights,
)
from course_planner.transit.reachability import prepare, reachability_table


def brute_force(cover: pd.DataFrame, weight: pd.Series, p: int) -> int:
    best = 0
    for rooms in itertools.combinations(cover.columns, p):
        reached = cover[list(rooms)].any(axis=1)
        best = max(best, int(weight[reached[reached].index].sum()))
    return best


@pytest.mark.parametrize("seed", range(8))
def test_choice_equals_brute_force_on_random_instances(seed):
    rng = np.random.default_rng(seed)
    cover = pd.DataFrame(
        rng.random((14, 7)) < 0.3,
        index=[f"P{i}" for i in range(14)],
        columns=[f"R{j}" for j in range(7)],
    )
    weight = pd.Series(rng.integers(0, 9, 14), index=cover.index)
    choice = choose_sites(cover, weight, 3)
    assert choice.optimal and len(choice.sites) == 3
    assert choice.covered == brute_force(cover, weight, 3)
    # every assigned place reaches its room, and only chosen rooms are used
    for rec in choice.assignment.itertuples():
        if rec.site:
            assert rec.site in choice.sites and cover.at[rec.place, rec.site]


@cache
def lippe_candidates():
    sc = load_scenario(REPO / "scenarios" / "lippe-2026.yaml")
    places = prepare(sc).places
    small = places[
        places["name"].isin(
            ["Augustdorf", "Detmold", "Horn-Bad Meinberg", "Lage", "Schlangen", "Blomberg", "Lemgo"]
        )
    ]
    return sc, candidate_study(sc, small[["name", "lat", "lon"]])


def test_on_lippe_a_small_candidate_set_equals_brute_force():
    sc, study = lippe_candidates()
    choice, _, table = best_sites(sc, study=study)
    cover = coverage(table, needed_dates(study))
    weight, real = weights(study)
    assert real and choice.optimal
    assert choice.covered == brute_force(cover, weight, 3)


def test_keep_distance_and_capacity():
    cover = pd.DataFrame(
        {"A": [1, 1, 0, 0], "B": [1, 1, 1, 0], "C": [0, 0, 1, 1]}, index=["p1", "p2", "p3", "p4"]
    ).astype(bool)
    weight = pd.Series([5, 5, 1, 1], index=cover.index)
    assert set(choose_sites(cover, weight, 1).sites) == {"B"}
    assert choose_sites(cover, weight, 1, keep=("C",)).sites == ["C"]
    coords = pd.DataFrame(
        {"name": ["A", "B", "C"], "lat": [52.0, 52.001, 52.3], "lon": [8.8, 8.8, 8.8]}
    )
    # A and B are 111 m apart: with 1 km minimum distance they cannot both open
    two = choose_sites(cover, weight, 2, coords=coords, min_distance_km=1)
    assert set(two.sites) != {"A", "B"}
    # capacity 5: B can take only one of p1, p2
    capped = choose_sites(cover, weight, 1, capacity=5)
    assert capped.covered == 5
    with pytest.raises(ScenarioError, match="unknown"):
        choose_sites(cover, weight, 1, keep=("Z",))


def line_study(**siting):
    sc = make_scenario(
        "line", siting={"earliest_start": "07:30", "latest_start": "09:00", **siting}
    )
    return prepare(sc)


def test_best_start_time_by_hand():
    # Dorf (4 people) can come for starts 08:07 … 08:53 (T1 arrives 08:00, T2 leaves 12:30,
    # 90 min each way); Stadtrand (1) walks; Fernhof (2) has no stop.
    table, chosen = best_start_times(line_study())
    by_start = table.set_index("start")["participants"]
    assert by_start["08:00"] == 1 and by_start["08:15"] == 5 and by_start["09:00"] == 1
    assert chosen == {"Kursraum": 8 * 3600 + 15 * 60}  # the earliest of the best
    _, chosen = best_start_times(line_study(start_not_before="08:30"))
    assert chosen == {"Kursraum": 8 * 3600 + 30 * 60}
    with pytest.raises(ScenarioError, match="childcare"):
        best_start_times(line_study(end_by="10:00"))


def test_unreachable_report_names_the_smallest_change():
    study = line_study()
    report = unreachable_report(study, start_s=8 * 3600).set_index("place")
    assert report.at["Dorf", "by_start_time"] == "08:15"
    assert render(report.at["Dorf", "smallest_change"], "de") == "Kursbeginn 08:15"
    assert render(report.at["Dorf", "smallest_change"], "en") == "course start 08:15"
    assert report.at["Fernhof", "reason"] == "no_stop_nearby"
    assert report.at["Fernhof", "smallest_change"] == NO_TRANSIT
    assert "Stadtrand" not in report.index


def test_cli_site_and_times(tmp_path, capsys):
    candidates = tmp_path / "rooms.csv"
    candidates.write_text("name,lat,lon\nKursraum,52.0549,8.8\nFeld,52.2,9.3\n")
    sc = tmp_path / "s.yaml"
    feed = make_scenario("line").feed
    sc.write_text(
        f"name: T\nfeed: {feed}\n"
        f"places: {feed / 'places.csv'}\n"
        "sites: [{name: Kursraum, lat: 52.0549, lon: 8.8}]\n"
        "course: {start_date: 2026-02-02, end_date: 2026-02-06, weekdays: [mon],"
        " start: '08:30', end: '12:00'}\n"
        "siting: {p: 1, earliest_start: '07:30', latest_start: '09:00'}\n"
    )
    out = tmp_path / "sites.csv"
    assert (
        main(
            [
                "site",
                str(sc),
                "--candidates",
                str(candidates),
                "--out",
                str(out),
                "--report",
                str(tmp_path / "rep.csv"),
            ]
        )
        == 0
    )
    sites = pd.read_csv(out)
    assert sites.loc[sites["chosen"], "name"].tolist() == ["Kursraum"]
    assert "proven optimal" in capsys.readouterr().out
    assert main(["times", str(sc), "--out", str(tmp_path / "t.csv")]) == 0
    assert "best start 08:15" in capsys.readouterr().out
    assert main(["site", str(sc), "--p", "5", "--out", str(out)]) == 2


def test_table_is_deterministic():
    sc, study = lippe_candidates()
    first = best_sites(sc, study=study)[0].assignment
    again = best_sites(sc, study=study)[0].assignment
    assert first.equals(again)
    assert reachability_table(study).equals(reachability_table(study))


FERNRAUM = {"name": "Fernraum", "lat": 52.100, "lon": 9.200}  # at Fernhof, no bus there


def test_per_room_start_times_choose_each_rooms_own_best():
    """Kursraum is reached by bus from Dorf only for starts from 08:07; Fernhof walks to
    Fernraum at any time. Per room, each room gets its own best (earliest of ties)."""
    from conftest import LINE_ROOM

    sc = make_scenario(
        "line",
        sites=[LINE_ROOM, FERNRAUM],
        siting={"earliest_start": "07:30", "latest_start": "09:00", "per_room_times": True},
    )
    table, chosen = best_start_times(prepare(sc))
    assert chosen == {"Kursraum": 8 * 3600 + 15 * 60, "Fernraum": 7 * 3600 + 30 * 60}
    assert list(table.loc[table["chosen"], "start"]) == ["07:30", "08:15"]
    by_start = table.set_index("start")
    assert by_start.at["08:15", "participants Kursraum"] == 5
    assert by_start.at["07:30", "participants Fernraum"] == 2


def test_per_room_start_times_refuse_an_explosion_of_combinations():
    from conftest import LINE_ROOM

    rooms = [LINE_ROOM] + [
        {"name": f"Raum {i}", "lat": 52.0 + i / 100, "lon": 9.0} for i in range(4)
    ]
    sc = make_scenario(
        "line",
        sites=rooms,
        siting={
            "earliest_start": "07:30",
            "latest_start": "09:00",
            "step_min": 5,
            "per_room_times": True,
        },
    )
    with pytest.raises(ScenarioError, match="too many combinations") as err:
        best_start_times(prepare(sc))
    assert err.value.field == "siting.per_room_times"


def test_siting_counts_only_the_dates_the_course_meets():
    # two Mondays, the second closed: siting sees one date, as the plan and Erreichbarkeit do
    course = {
        "start_date": "2026-02-02",
        "end_date": "2026-02-09",
        "weekdays": ["mon"],
        "start": "08:30",
        "end": "12:00",
        "holidays": {"public": False, "school": False},
        "closed": [{"start": "2026-02-09", "label": "Team day"}],
    }
    study = prepare(make_scenario("line", course=course))
    assert len(study.dates) == 2
    assert meeting_days(study) == [dt.date(2026, 2, 2)]
    assert needed_dates(study) == 1
    _, _, table = best_sites(study.scenario, study=study, p=1)
    assert set(table["date"]) == {"2026-02-02"}


# --------------------------------------------------------------------------- on-demand


def test_a_booked_ride_counts_its_share():
    """A (5) reaches room 1 by bus; B (6) reaches room 2 only with a booked ride. One room:
    B's room wins when a booked ride is worth 0.9 of a bus ride, A's when it is worth 0.5."""
    cover = pd.DataFrame({"r1": [True, False], "r2": [False, False]}, index=["A", "B"])
    weight = pd.Series({"A": 5, "B": 6})

    def choose(value):
        booked = pd.DataFrame({"r1": [0.0, 0.0], "r2": [0.0, value]}, index=["A", "B"])
        return choose_sites(cover, weight, 1, booked=booked)

    dear = choose(0.5)
    assert dear.sites == ["r1"] and dear.covered == 5 and dear.covered_booked == 0
    cheap = choose(0.9)
    assert cheap.sites == ["r2"] and cheap.covered == 0 and cheap.covered_booked == 6
    assert cheap.value == pytest.approx(5.4) and cheap.optimal and cheap.gap == 0
    assert cheap.assignment.set_index("place").loc["B", "booked"]


def test_booked_value_uses_the_cost_weight():
    from conftest import LINE_ROOM

    from course_planner.siting import booked_value, coverage

    course = {
        "start_date": "2026-03-02",
        "end_date": "2026-03-02",
        "weekdays": ["mon"],
        "start": "08:10",
        "end": "12:20",
    }

    def values(cost):
        sc = make_scenario(
            "flex", sites=[LINE_ROOM], course=course, on_demand_routes={"cost_weight": cost}
        )
        study = prepare(sc)
        table = reachability_table(study)
        return coverage(table, 1), booked_value(study, table, 1)

    cover, value = values(0.1)
    assert cover.at["Dorf", "Kursraum"] and value.at["Dorf", "Kursraum"] == 0  # by bus
    assert value.at["Weiler", "Kursraum"] == pytest.approx(0.9)  # bus 726, booked stop
    assert value.at["Oede", "Kursraum"] == 0
    assert values(0.4)[1].at["Weiler", "Kursraum"] == pytest.approx(0.6)


def test_start_times_count_booked_rides_apart():
    from conftest import LINE_ROOM

    course = {
        "start_date": "2026-03-02",
        "end_date": "2026-03-02",
        "weekdays": ["mon"],
        "start": "08:10",
        "end": "12:20",
    }
    siting = {"earliest_start": "08:10", "latest_start": "08:10", "step_min": 15}
    sc = make_scenario("flex", sites=[LINE_ROOM], course=course, siting=siting)
    table, _ = best_start_times(prepare(sc))
    (row,) = table.to_dict("records")
    assert row["participants"] == 4  # Dorf, by bus
    assert row["participants_booked"] == 2  # Weiler, only with bus 726's booked stop
    assert row["value"] == pytest.approx(4 + 0.9 * 2)
