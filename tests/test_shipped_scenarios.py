"""Every shipped scenario runs: its reachability table, and its rotation (or explanation)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from conftest import REPO

from course_planner.errors import NoPlanError
from course_planner.rotation.plan import solve_rotation
from course_planner.scenario import load_scenario
from course_planner.transit.feed import load_feed
from course_planner.transit.reachability import REACH_COLUMNS, REASONS, prepare, reachability_table

SCENARIOS = sorted((REPO / "scenarios").glob("*.yaml"))


@cache
def feed(path: Path):
    return load_feed(path)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_reachability_table(path):
    sc = load_scenario(path)
    table = reachability_table(prepare(sc, feed(sc.feed)))
    assert list(table.columns) == REACH_COLUMNS
    assert set(table["reason"]) <= set(REASONS)
    assert table["reachable"].any()


@pytest.mark.parametrize(
    "path", [p for p in SCENARIOS if load_scenario(p).teacher], ids=lambda p: p.stem
)
def test_rotation(path):
    sc = load_scenario(path)
    study = prepare(sc, feed(sc.feed))
    if "impossible" in path.stem:
        with pytest.raises(NoPlanError) as err:
            solve_rotation(sc, study)
        assert set(err.value.rules) == {
            "Raum Schlangen nur dienstags",
            "jeder Raum spätestens jede 3. Sitzung",
        }
        return
    plan = solve_rotation(sc, study)
    assert plan.optimal
    kpis = plan.kpis()
    away = sum(
        1 for d in plan.sessions["date"] if any(r.contains(d) for r in sc.teacher.unavailable)
    )
    assert kpis.sessions_online_only == away
    assert sum(r.in_person_sessions for r in kpis.rooms.values()) == kpis.sessions - away
