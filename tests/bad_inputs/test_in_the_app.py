"""The bad-input corpus through the app (AppTest): each kind gets the CLI's message on the
page, in words, with file names and no server folders; never a generic error; a scenario
the editor refuses stays as it was.

Archive kinds (broken zip, traversal, zip bomb) and feed warnings are in tests/test_app.py;
uploads (also `../../x.zip` as a name) in tests/test_browser.py.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from course_planner.scenario import scenario_yaml

from .conftest import LINE, feed_files

APP = str(LINE.parent.parent.parent / "app.py")


@pytest.fixture(autouse=True)
def _app_env(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_PLANNER_WORKSPACE", str(tmp_path / "workspace"))
    monkeypatch.setenv("COURSE_PLANNER_PREFETCH", "0")


def app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    assert not at.exception
    return at


def apply_yaml(at: AppTest, change) -> AppTest:
    """Edit the active scenario's YAML text with ``change`` and apply it."""
    rev = at.session_state.scenario_rev
    text = scenario_yaml(at.session_state.scenario_data)
    at.text_area(key=f"f_yaml_{rev}").set_value(change(text))
    at.button(key="apply_yaml").click().run()
    assert not at.exception, at.exception
    return at


def replace_line(key: str, value: str):
    def change(text: str) -> str:
        line = next(x for x in text.splitlines() if x.startswith(f"{key}:"))
        return text.replace(line, f"{key}: {value}")

    return change


def shown(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def check(at: AppTest, words: str, tmp_path) -> None:
    messages = shown(at)
    assert any(words in m for m in messages), messages
    assert not any("Unerwarteter Fehler" in m for m in messages)
    assert not any(str(tmp_path) in m for m in messages)


def feed_dir(tmp_path, file: str, change) -> str:
    folder = tmp_path / "feed"
    folder.mkdir()
    for name, data in feed_files().items():
        text = data.decode()
        (folder / name).write_text(change(text) if name == file else text, encoding="utf-8")
    return str(folder)


@pytest.mark.parametrize(
    ("file", "change", "words"),
    [
        (
            "stops.txt",
            lambda t: t.rstrip("\n") + "\nB,Mühle (Kopie),52.018,8.801\n",
            "stop_id 'B' ist doppelt definiert",  # the app's language: German by default
        ),
        ("stops.txt", lambda t: t.replace("52.018,8.800", "0,0"), "0,0"),
        (
            "calendar.txt",
            lambda t: t.replace("20260101,20261231", "20261231,20260101"),
            "calendar.txt",
        ),
    ],
)
def test_feed_consistency_in_the_app(tmp_path, file, change, words):
    at = apply_yaml(app(), replace_line("feed", feed_dir(tmp_path, file, change)))
    at.switch_page("course_planner/ui/reach_page.py").run()
    assert not at.exception
    check(at, words, tmp_path)


def test_in_english_the_app_shows_the_english_message(tmp_path):
    change = lambda t: t.rstrip("\n") + "\nB,Mühle (Kopie),52.018,8.801\n"  # noqa: E731
    at = apply_yaml(app(), replace_line("feed", feed_dir(tmp_path, "stops.txt", change)))
    at.sidebar.radio(key="lang").set_value("en").run()
    at.switch_page("course_planner/ui/reach_page.py").run()
    assert not at.exception
    check(at, "stop_id 'B' is defined twice", tmp_path)
    assert not any("doppelt" in m for m in shown(at))


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"name;lat;lon\nDorf;51.998;8.800\n", "Semikolons"),
        (b"name,lat,lon\n", "places.csv"),
        ("name,lat,lon\nДетмольд,51.9,8.8\n".encode("cp1251"), "places.csv"),
    ],
)
def test_places_files_in_the_app(tmp_path, content, words):
    places = tmp_path / "places.csv"
    places.write_bytes(content)
    at = apply_yaml(app(), replace_line("places", str(places)))
    at.switch_page("course_planner/ui/reach_page.py").run()
    assert not at.exception
    check(at, words, tmp_path)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda t: t.replace("- mon", "- monthly", 1), "monthly"),
        (replace_line("  start", '"25:00"'), "25:00"),
    ],
)
def test_scenario_values_refused_in_the_editor_keep_the_scenario(tmp_path, change, words):
    at = app()
    before = dict(at.session_state.scenario_data)
    at = apply_yaml(at, change)
    check(at, words, tmp_path)
    assert at.session_state.scenario_data == before


def test_a_term_that_cannot_deliver_its_ue_says_so_on_the_plan_page(tmp_path):
    """Accepted by the editor (it is a question of the calendar), refused with the numbers
    where the term is computed."""
    at = apply_yaml(app(), lambda t: t.replace("course:\n", "course:\n  ue_total: 5000\n", 1))
    at.switch_page("course_planner/ui/rotation_page.py").run()
    at.button(key="solve").click().run()
    assert not at.exception
    check(at, "5000", tmp_path)
