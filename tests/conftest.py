"""Shared helpers: fixture paths and a scenario builder."""

from __future__ import annotations

from pathlib import Path

import pytest

from course_planner.scenario import Scenario, scenario_from_dict

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).parent.parent

# the room of the `line` fixture: 100 m north of stop D
LINE_ROOM = {"name": "Kursraum", "lat": 52.0549, "lon": 8.800}
# the room of the `change` fixture: 100 m south of stop A
CHANGE_ROOM = {"name": "Kursort", "lat": 51.9991, "lon": 8.800}
# the room of the `platforms` fixture: 100 m north of Kursort Markt
PLATFORMS_ROOM = {"name": "Kursort", "lat": 52.0369, "lon": 8.8025}


def make_scenario(
    feed: str,
    *,
    places: str | None = None,
    sites: list[dict] | None = None,
    course: dict | None = None,
    travel: dict | None = None,
    **extra,
) -> Scenario:
    """A scenario on fixture feed ``feed`` (a folder name under tests/fixtures)."""
    folder = FIXTURES / feed
    data = {
        "name": f"Test {feed}",
        "feed": str(folder),
        "places": places or str(folder / "places.csv"),
        "sites": sites or [LINE_ROOM],
        "course": course
        or {
            "start_date": "2026-02-02",
            "end_date": "2026-02-06",
            "weekdays": ["mon"],
            "start": "08:30",
            "end": "12:00",
        },
        **extra,
    }
    if travel:
        data["travel"] = travel
    return scenario_from_dict(data, source=folder / "scenario.yaml")


@pytest.fixture
def scenario_factory():
    return make_scenario


@pytest.fixture(autouse=True, scope="session")
def _feed_cache(tmp_path_factory):
    """Parsed feeds go to a fresh folder per test run, never to the user's cache."""
    import os

    old = os.environ.get("COURSE_PLANNER_CACHE")
    os.environ["COURSE_PLANNER_CACHE"] = str(tmp_path_factory.mktemp("feed-cache"))
    yield
    if old is None:
        os.environ.pop("COURSE_PLANNER_CACHE", None)
    else:
        os.environ["COURSE_PLANNER_CACHE"] = old
