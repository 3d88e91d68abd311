"""Shared state of the pages: the current scenario, cached computations, error display.

Computations are cached by a hash of their inputs (the scenario as JSON, the feed's file
sizes and times), so that switching pages never recomputes and no page freezes silently.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

from course_planner.errors import CoursePlannerError
from course_planner.scenario import Scenario, scenario_data, scenario_from_dict
from course_planner.ui.texts import text

if TYPE_CHECKING:  # the heavy modules (gtfs-kit, OR-Tools) load when a page needs them,
    # so that the first page shows quickly
    import pandas as pd

    from course_planner.rotation.plan import Plan
    from course_planner.transit.feed import Feed
    from course_planner.transit.reachability import Study

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "scenarios"
DEFAULT = "lippe-2026.yaml"


def t(key: str) -> str:
    return text(key, st.session_state.get("lang", "de"))


def shipped_scenarios() -> list[str]:
    return sorted(p.name for p in SCENARIOS.glob("*.yaml"))


def current_data() -> dict:
    """The scenario being edited, as a dict (the default scenario on first use)."""
    if "scenario_data" not in st.session_state:
        st.session_state.scenario_data = scenario_data(SCENARIOS / DEFAULT)
        st.session_state.scenario_base = str(SCENARIOS)
        st.session_state.scenario_file = DEFAULT
    return st.session_state.scenario_data


def set_data(data: dict, base: Path, name: str) -> None:
    st.session_state.scenario_data = data
    st.session_state.scenario_base = str(base)
    st.session_state.scenario_file = name


def build(data: dict) -> Scenario:
    """Validate a scenario dict (relative paths against the current base folder)."""
    base = Path(st.session_state.get("scenario_base", SCENARIOS))
    return scenario_from_dict(data, source=base / st.session_state.get("scenario_file",
                                                                         DEFAULT))


def current_scenario() -> Scenario:
    return build(current_data())


def upload_dir() -> Path:
    """A folder of this browser session for uploaded files (never the shipped data)."""
    if "upload_dir" not in st.session_state:
        st.session_state.upload_dir = tempfile.mkdtemp(prefix="kursplaner-")
    return Path(st.session_state.upload_dir)


def _stamp(path: Path) -> str:
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    h = hashlib.sha256()
    for f in files:
        stat = f.stat()
        h.update(f"{f}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return h.hexdigest()


@st.cache_resource(show_spinner=False, max_entries=4)
def _feed(path: str, stamp: str) -> Feed:
    from course_planner.transit.feed import load_feed

    return load_feed(path)


def feed(path: Path) -> Feed:
    return _feed(str(path), _stamp(path))


@st.cache_resource(show_spinner=False, max_entries=8)
def _study(scenario_json: str, stamp: str) -> Study:
    from course_planner.transit.reachability import prepare

    scenario = Scenario.model_validate_json(scenario_json)
    return prepare(scenario, feed(scenario.feed))


def study(scenario: Scenario) -> Study:
    with st.spinner(t("loading_feed")):
        return _study(scenario.model_dump_json(), _stamp(scenario.feed))


@st.cache_data(show_spinner=False, max_entries=64)
def _reach(scenario_json: str, stamp: str, start_s: int | None, end_s: int | None,
           date: str | None) -> pd.DataFrame:
    import datetime as dt

    from course_planner.transit.reachability import reachability_table

    s = _study(scenario_json, stamp)
    dates = [dt.date.fromisoformat(date)] if date else None
    return reachability_table(s, start_s=start_s, end_s=end_s, dates=dates)


def reach(scenario: Scenario, start_s: int | None = None, end_s: int | None = None,
          date: str | None = None) -> pd.DataFrame:
    study(scenario)
    return _reach(scenario.model_dump_json(), _stamp(scenario.feed), start_s, end_s, date)


@st.cache_resource(show_spinner=False, max_entries=16)
def _plan(scenario_json: str, stamp: str) -> Plan:
    from course_planner.rotation.plan import solve_rotation

    scenario = Scenario.model_validate_json(scenario_json)
    return solve_rotation(scenario, _study(scenario_json, stamp))


def plan(scenario: Scenario) -> Plan:
    study(scenario)
    return _plan(scenario.model_dump_json(), _stamp(scenario.feed))


def guarded(body: Callable[[], None]) -> None:
    """Run a page; errors become messages, never a traceback."""
    try:
        body()
    except CoursePlannerError as exc:
        st.error(str(exc))
    except Exception as exc:  # the last line of defence: no traceback for the user
        st.error(t("error_unexpected") + f"{type(exc).__name__}: {exc}")


@st.cache_resource(show_spinner=False, max_entries=8)
def _siting(scenario_json: str, stamp: str, p: int):
    from course_planner.siting import best_sites, best_start_times, unreachable_report, with_sites
    from course_planner.transit.reachability import prepare

    scenario = Scenario.model_validate_json(scenario_json)
    base = _study(scenario_json, stamp)
    candidates = base.places[["name", "lat", "lon"]]
    choice, cand_study, _ = best_sites(scenario, candidates, base.feed, p=p)
    chosen = prepare(with_sites(scenario, cand_study.sites[cand_study.sites["name"].isin(
        choice.sites)]), base.feed)
    times, starts = best_start_times(chosen)
    report = unreachable_report(chosen, candidates=cand_study)
    return choice, cand_study, times, starts, report


def siting(scenario: Scenario, p: int):
    """Rooms chosen among the scenario's places, start times for them, and the report."""
    study(scenario)
    return _siting(scenario.model_dump_json(), _stamp(scenario.feed), p)
