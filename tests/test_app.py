"""The Streamlit app through AppTest: every page, widgets that change results, bad input."""

from __future__ import annotations

import pytest
from conftest import REPO
from streamlit.testing.v1 import AppTest

from course_planner.scenario import scenario_yaml

APP = str(REPO / "app.py")
PAGES = "course_planner/ui/"


def app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    assert not at.exception
    return at


def page(at: AppTest, name: str) -> AppTest:
    at.switch_page(PAGES + name).run()
    assert not at.exception, at.exception
    return at


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_default_scenario_loads():
    at = app()
    assert not errors(at)
    assert any("Südlippe 2026" in s.value for s in at.success)
    assert at.selectbox(key="shipped_choice").value == "lippe-2026.yaml"


def test_english_switch():
    at = app()
    at.sidebar.radio[0].set_value("en").run()
    assert at.title[0].value == "Scenario"


def test_form_error_is_shown_at_its_field_and_nothing_is_lost():
    at = app()
    at.text_input(key="f_start").set_value("8h30")
    at.button(key="FormSubmitter:scenario_form-Übernehmen").click().run()
    assert any("course.start" in e and "HH:MM" in e for e in errors(at))
    # the scenario itself is unchanged and still valid
    assert at.session_state.scenario_data["course"]["start"] == "08:30"


def test_yaml_editor_rejects_bad_yaml_and_bad_feed(tmp_path):
    at = app()
    at.text_area(key="f_yaml").set_value("name: [unclosed\n")
    at.button(key="apply_yaml").click().run()
    assert any("YAML" in e for e in errors(at))
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"not a zip")
    text = scenario_yaml(at.session_state.scenario_data)
    feed_line = next(line for line in text.splitlines() if line.startswith("feed:"))
    at.text_area(key="f_yaml").set_value(text.replace(feed_line, f"feed: {broken}"))
    at.button(key="apply_yaml").click().run()
    assert not at.exception
    # the bad feed is only found when it is read: the reach page says so in words
    page(at, "reach_page.py")
    assert any("not a zip file" in e for e in errors(at))


def test_reach_page_start_time_changes_the_result():
    at = page(app(), "reach_page.py")
    assert not errors(at)
    before = metric(at, "Orte erreichbar")
    at.select_slider(key="reach_start").set_value(10 * 3600).run()
    after = metric(at, "Orte erreichbar")
    assert before != after
    assert len(at.dataframe) >= 3  # unreachable places, journey there, journey back


def test_reach_page_journeys_of_a_place():
    at = page(app(), "reach_page.py")
    at.selectbox(key="reach_room").set_value("Horn-Bad Meinberg")
    at.selectbox(key="reach_place").set_value("Detmold").run()
    there = at.dataframe[-2].value
    assert "780" in set(there["Linie / line"])


def test_rotation_page_solves_and_shows_the_calendar():
    at = page(app(), "rotation_page.py")
    at.button(key="solve").click().run()
    assert not errors(at)
    assert {"Augustdorf", "Horn-Bad Meinberg", "Schlangen"} <= {m.label for m in at.metric}
    assert any("beweisbar optimal" in s.value for s in at.success)


def test_rotation_page_explains_an_impossible_scenario():
    at = app()
    at.selectbox(key="shipped_choice").set_value("lippe-2026-impossible.yaml")
    at.button(key="load_shipped").click().run()
    page(at, "rotation_page.py")
    at.button(key="solve").click().run()
    assert any("Kein Plan möglich" in e for e in errors(at))
    assert any("Raum Schlangen nur dienstags" in m.value for m in at.markdown)


@pytest.mark.parametrize("name", ["compare_page.py", "export_page.py"])
def test_other_pages_render(name):
    at = page(app(), name)
    assert not errors(at)
    if name == "compare_page.py":
        assert len(at.dataframe) == 2  # KPIs and the differences


def test_siting_page_chooses_rooms():
    at = page(app(), "siting_page.py")
    at.button(key="choose_sites").click().run()
    assert not errors(at)
    assert any("Horn-Bad Meinberg" in s.value and "/ 53" in s.value for s in at.success)
    assert len(at.dataframe) == 2  # assignment and the unreachable report


def test_export_page_offers_handouts_in_every_language():
    at = page(app(), "export_page.py")
    assert not errors(at)
    for lang in ("ar", "fa", "uk"):
        at.selectbox(key="handout_lang").set_value(lang).run()
        assert not at.exception and not errors(at)
    assert "Detmold" in at.selectbox(key="handout_place").options
