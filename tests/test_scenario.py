"""Scenario files: defaults, and errors that name the field and the line."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REPO

from course_planner.errors import InputFileNotFoundError, ScenarioError
from course_planner.scenario import Travel, load_scenario

GOOD = """\
name: Test
feed: {feed}
places: {places}
sites:
  - {{name: Kursraum, lat: 52.0549, lon: 8.8}}
course:
  start_date: 2026-02-02
  end_date: 2026-02-27
  weekdays: [mon, Wed]
  start: "08:30"
  end: "12:00"
"""


def write(tmp_path: Path, text: str) -> Path:
    fixtures = Path(__file__).parent / "fixtures" / "line"
    path = tmp_path / "scenario.yaml"
    path.write_text(text.format(feed=fixtures, places=fixtures / "places.csv"), encoding="utf-8")
    return path


def test_defaults_and_weekday_spelling(tmp_path):
    sc = load_scenario(write(tmp_path, GOOD))
    assert sc.travel == Travel()
    assert sc.travel.max_travel_min == 90 and sc.travel.min_change_min == 2
    assert sc.course.weekdays == ["mon", "wed"]
    assert sc.course.start_s == 8 * 3600 + 30 * 60


def test_typo_in_a_field_name_suggests_the_right_one(tmp_path):
    path = write(tmp_path, GOOD.replace("course:", "cours:"))
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    text = str(err.value)
    assert "cours" in text and "Did you mean 'course'?" in text and "line 6" in text


def test_nested_typo(tmp_path):
    path = write(tmp_path, GOOD + "travel:\n  min_chnage_min: 3\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert err.value.field == "travel.min_chnage_min"
    assert "min_change_min" in str(err.value) and "line 13" in str(err.value)


def test_bad_time_names_the_field(tmp_path):
    path = write(tmp_path, GOOD.replace('"08:30"', '"8.30"'))
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert err.value.field == "course.start" and "HH:MM" in str(err.value)
    assert "line 10" in str(err.value)


def test_impossible_values(tmp_path):
    with pytest.raises(ScenarioError, match="before it starts"):
        load_scenario(write(tmp_path, GOOD.replace('"12:00"', '"08:00"')))
    with pytest.raises(ScenarioError, match=r"travel\.walk_speed_kmh"):
        load_scenario(write(tmp_path, GOOD + "travel: {{walk_speed_kmh: -1}}\n"))
    with pytest.raises(ScenarioError, match="unique"):
        load_scenario(
            write(
                tmp_path,
                GOOD.replace("sites:\n", "sites:\n  - {{name: Kursraum, lat: 52, lon: 8.8}}\n"),
            )
        )


def test_missing_files(tmp_path):
    with pytest.raises(InputFileNotFoundError, match="feed"):
        load_scenario(write(tmp_path, GOOD.replace("feed: {feed}", "feed: nowhere.zip")))
    with pytest.raises(InputFileNotFoundError):
        load_scenario(tmp_path / "absent.yaml")


def test_not_yaml(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("name: [unclosed\nfeed: x\n")
    with pytest.raises(ScenarioError, match="not valid YAML"):
        load_scenario(path)


@pytest.mark.parametrize("path", sorted((REPO / "scenarios").glob("*.yaml")), ids=lambda p: p.name)
def test_every_shipped_scenario_loads(path):
    sc = load_scenario(path)
    assert sc.feed.exists() and sc.sites


def test_extends_merges_and_keeps_the_base_paths(tmp_path):
    base_dir = tmp_path / "base"
    base_dir.mkdir()
    base = write(base_dir, GOOD + "rotation: {{max_streak: 4, weights: {{share: 2}}}}\n")
    child = tmp_path / "child.yaml"
    child.write_text(f"extends: {base}\nname: Kind\nrotation: {{weights: {{travel: 5}}}}\n")
    sc = load_scenario(child)
    assert sc.name == "Kind" and sc.feed == load_scenario(base).feed
    assert sc.rotation.max_streak == 4
    assert sc.rotation.weights.share == 2 and sc.rotation.weights.travel == 5


def test_extends_cycle_and_missing_base(tmp_path):
    a = tmp_path / "a.yaml"
    a.write_text("extends: a.yaml\nname: A\n")
    with pytest.raises(ScenarioError, match="cycle"):
        load_scenario(a)
    b = tmp_path / "b.yaml"
    b.write_text("extends: nowhere.yaml\nname: B\n")
    with pytest.raises(InputFileNotFoundError, match="base scenario"):
        load_scenario(b)


def test_forms_read_defaults_and_bounds_from_the_schema():
    from course_planner.scenario import Travel, Weights, field_default, field_upper_bound

    assert field_default(Weights, "share") == Weights().share
    assert field_default(Travel, "max_travel_min") == Travel().max_travel_min
    assert field_upper_bound(Travel, "max_travel_min") == 24 * 60
    with pytest.raises(KeyError):
        field_upper_bound(Weights, "share")
