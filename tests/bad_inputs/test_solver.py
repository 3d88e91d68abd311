"""Solvers: a time-out is never reported as a proof; weights keep their effect at any scale."""

from __future__ import annotations

import pytest

import course_planner.rotation.explain as explain
from course_planner.rotation.model import solver_for
from course_planner.rotation.plan import solve_rotation
from course_planner.scenario import scenario_from_dict

from .conftest import LINE

SITES = (
    "[{name: Nord, lat: 52.0, lon: 8.8, participants: 5},"
    " {name: Süd, lat: 51.9, lon: 8.9, participants: 3, available_weekdays: [tue],"
    " label: Süd nur dienstags},"
    " {name: West, lat: 51.95, lon: 8.7, participants: 4}]"
)
COURSE = (
    "{start_date: 2026-02-02, end_date: 2026-03-27, weekdays: [mon, wed, fri], "
    'start: "08:30", end: "12:00"}'
)
TEACHER = "teacher: {base: {name: Zentrale, lat: 51.95, lon: 8.8}}\n"


def _scenario(bench, rotation: str):
    return bench.scenario(sites=SITES, course=COURSE, extra=TEACHER + f"rotation: {rotation}\n")


def test_time_out_without_a_plan_is_not_a_proof(bench):
    scenario = _scenario(bench, "{time_limit_s: 0.000001}")
    err = bench.run("plan", scenario, "--out", bench.out / "plan.csv")
    assert "field 'rotation.time_limit_s'" in err
    assert "no conflict found within the time limit" in err
    assert "proved neither" in err and "Raise rotation.time_limit_s" in err


def _explain_with_limit(monkeypatch, limit_after_first: float | None, first: float | None):
    """The explanation's solves get a tiny deterministic time limit (the plan's own solve
    keeps its limit and proves the rules infeasible)."""
    calls = []

    def limited(inp, workers=1):
        solver = solver_for(inp, workers)
        limit = first if not calls else limit_after_first
        calls.append(limit)
        if limit is not None:
            solver.parameters.max_deterministic_time = limit
        return solver

    monkeypatch.setattr(explain, "solver_for", limited)
    return calls


def test_time_out_while_explaining_names_no_rule_as_proven(bench, monkeypatch):
    _explain_with_limit(monkeypatch, first=1e-9, limit_after_first=1e-9)
    scenario = _scenario(bench, "{max_wait: {sessions: 2, label: spätestens jede 3. Sitzung}}")
    err = bench.run("plan", scenario, "--out", bench.out / "plan.csv")
    assert "no plan is possible, but no conflict found within the time limit" in err
    assert "Süd nur dienstags" not in err and "Raise rotation.time_limit_s" in err


def test_time_out_while_shrinking_keeps_the_rule_and_says_so(bench, monkeypatch):
    calls = _explain_with_limit(monkeypatch, first=None, limit_after_first=1e-9)
    scenario = _scenario(
        bench,
        "{max_wait: {sessions: 2, label: spätestens jede 3. Sitzung}, "
        "opening_round: {label: Auftakt}}",
    )
    err = bench.run("plan", scenario, "--out", bench.out / "plan.csv")
    assert len(calls) >= 2
    assert "these rules cannot all hold" in err and "Süd nur dienstags" in err
    assert "may name more rules than needed" in err


@pytest.mark.parametrize("share", [0.01, 0.04])
def test_small_share_weight_still_balances_the_rooms(share):
    def plan_with(weights: str):
        data = {
            "name": "w",
            "feed": str(LINE),
            "places": str(LINE / "places.csv"),
            "sites": [
                {"name": "Nord", "lat": 52.0, "lon": 8.8, "participants": 6},
                {"name": "Süd", "lat": 51.9, "lon": 8.9, "participants": 2},
            ],
            "course": {
                "start_date": "2026-02-02",
                "end_date": "2026-03-27",
                "weekdays": ["mon", "wed", "fri"],
                "start": "08:30",
                "end": "12:00",
            },
            "teacher": {"base": {"name": "Z", "lat": 51.95, "lon": 8.8}},
            "rotation": {"weights": weights},
        }
        return solve_rotation(scenario_from_dict(data, source=LINE / "w.yaml"))

    # the teacher's travel (weight 0.01) favours Nord; the share weight, though small,
    # costs more per session off target and must still balance the rooms 6:2
    small = plan_with({"share": share, "travel": 0.01, "distance": 0, "streak": 0})
    large = plan_with({"share": 10, "travel": 0.01, "distance": 0, "streak": 0})
    penalty = {p.name: p.value for p in small.penalties.itertuples()}
    assert penalty["share"] == {p.name: p.value for p in large.penalties.itertuples()}["share"]
    counts = small.sessions["teacher_site"].value_counts()
    assert counts["Nord"] == 3 * counts["Süd"]  # 6:2 participants, 24 sessions: 18 and 6
