"""Kursplaner: plans hybrid courses in rural counties (who reaches which room by bus and
train, and where the mobile teacher is in person).

The public API, for scripts and notebooks::

    import course_planner as cp

    scenario = cp.load_scenario("scenarios/lippe-2026.yaml")
    study = cp.prepare(scenario)              # feed, places, rooms, walks
    table = cp.reachability_table(study)      # place × room × date, with reasons
    plan = cp.solve_rotation(scenario, study)  # the teacher's rotation (plan.kpis())

The names load their modules on first use, so importing the package stays cheap (the app's
first page does not pay for OR-Tools or numba).
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import Any

try:
    __version__ = version("course_planner")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0"

_PUBLIC = {
    "CoursePlannerError": "course_planner.errors",
    "Scenario": "course_planner.scenario",
    "load_scenario": "course_planner.scenario",
    "load_feed": "course_planner.transit.feed",
    "clip_feed": "course_planner.transit.clip",
    "Study": "course_planner.transit.reachability",
    "prepare": "course_planner.transit.reachability",
    "reachability_table": "course_planner.transit.reachability",
    "journeys": "course_planner.transit.reachability",
    "planned_journeys": "course_planner.transit.reachability",
    "zone_effect": "course_planner.zone_effect",
    "Mode": "course_planner.transit.router",
    "solve_rotation": "course_planner.rotation.plan",
    "Plan": "course_planner.rotation.plan",
    "Kpis": "course_planner.rotation.plan",
    "best_sites": "course_planner.siting",
    "best_start_times": "course_planner.siting",
    "unreachable_report": "course_planner.siting",
    "export_bundle": "course_planner.exports.bundle",
}

__all__ = ["__version__", *_PUBLIC]


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'course_planner' has no attribute '{name}'")
