"""Shared state of the pages: the active scenario, cached computations, error display.

One source of truth: ``st.session_state.scenario_data`` (the scenario as a dict, paths as
written, relative to ``scenario_base``) and ``scenario_rev``, a counter that every load or
applied edit increases. Form widgets are keyed by the revision, so after a load or an edit
every widget shows the scenario as it now is, never a value left over from before.

Computations are cached by a hash of their inputs (the scenario as JSON, the feed's file
sizes and times), so that switching pages never recomputes and no page freezes silently.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

from course_planner.errors import CoursePlannerError, Text, render
from course_planner.scenario import Scenario, scenario_data, scenario_from_dict
from course_planner.ui.texts import text
from course_planner.workspace import Draft, SavedScenario, Workspace

if TYPE_CHECKING:  # the heavy modules (gtfs-kit, OR-Tools) load when a page needs them,
    # so that the first page shows quickly
    import pandas as pd

    from course_planner.rotation.plan import Plan
    from course_planner.siting import SiteChoice
    from course_planner.transit.feed import Feed
    from course_planner.transit.reachability import Study

REPO = Path(__file__).resolve().parents[2]


def _scenarios_dir() -> Path:
    """The shipped scenarios: ``$COURSE_PLANNER_SCENARIOS``, else ``scenarios/`` in the
    current folder (where ``streamlit run app.py`` starts), else next to the package."""
    env = os.environ.get("COURSE_PLANNER_SCENARIOS")
    if env:
        return Path(env).expanduser().resolve()
    here = Path.cwd() / "scenarios"
    return here.resolve() if here.is_dir() else REPO / "scenarios"


SCENARIOS = _scenarios_dir()
DEFAULT = "lippe-2026.yaml"


def t(key: str) -> str:
    return text(key, st.session_state.get("lang", "de"))


def feed_caption(scenario: Scenario) -> None:
    """Where the scenario's timetable comes from, under every page that shows results on it;
    plainly "not an official timetable" where the feed says it is a reconstruction or an
    example (read from the feed's ``feed_info.txt``, not from its file name)."""
    from course_planner.transit.provenance import feed_source

    st.caption(render(feed_source(scenario.feed).statement, st.session_state.get("lang", "de")))


def words(prefix: str) -> Callable[[object], str]:
    """A format function for codes (``wd_`` + ``mon`` …) in the language of this run."""
    lang = st.session_state.get("lang", "de")
    return lambda code: text(f"{prefix}{code}", lang)


def shipped_scenarios() -> list[str]:
    return sorted(p.name for p in SCENARIOS.glob("*.yaml"))


def workspace() -> Workspace:
    """The folder of saved scenarios: ``--workspace DIR`` after ``streamlit run app.py --``,
    else ``$COURSE_PLANNER_WORKSPACE``, else ``~/Kursplaner``."""
    args = sys.argv[1:]
    for i, arg in enumerate(args):
        if arg == "--workspace" and i + 1 < len(args):
            return Workspace(args[i + 1])
        if arg.startswith("--workspace="):
            return Workspace(arg.split("=", 1)[1])
    return Workspace()


# ---------------------------------------------------------------------- the active scenario


def draft_id() -> str:
    """This tab's id: from the address (a reload keeps it), else a new one."""
    if "draft_id" not in st.session_state:
        given = st.query_params.get("entwurf")
        st.session_state.draft_id = given if Workspace.valid_draft_id(given) else uuid.uuid4().hex
    return str(st.session_state.draft_id)


def _store_draft() -> None:
    """Keep the tab's scenario in the workspace, so that a reload or a server restart
    reopens it as it was, unsaved edits included."""
    # a read-only workspace: the tab still works, only a reload forgets; saving says what
    # is wrong with the folder
    with contextlib.suppress(OSError):
        workspace().save_draft(
            draft_id(),
            Draft(
                data=st.session_state.scenario_data,
                base=st.session_state.scenario_base,
                label=st.session_state.scenario_file,
                saved=st.session_state.scenario_saved,
                edited=bool(st.session_state.get("scenario_edited")),
            ),
        )


def _first_load() -> None:
    """On a new browser session: this tab's draft (a reload keeps unsaved edits), else the
    scenario named in the address, else the default."""
    ws = workspace()
    with contextlib.suppress(OSError):
        ws.prune_drafts()
    draft = ws.open_draft(st.query_params.get("entwurf"))
    if draft is not None:
        draft_id()
        st.session_state.scenario_data = draft.data
        st.session_state.scenario_base = draft.base
        st.session_state.scenario_file = draft.label
        st.session_state.scenario_saved = draft.saved
        st.session_state.scenario_edited = draft.edited
        st.session_state.draft_restored = draft.edited
        st.session_state.scenario_rev = st.session_state.get("scenario_rev", 0) + 1
        st.session_state.form_error = None
        return
    saved = st.query_params.get("szenario")
    if saved:
        try:
            data, version = workspace().open(saved)
        except CoursePlannerError:
            pass
        else:
            set_data(data, version.folder, saved, saved=version)
            return
    shipped = st.query_params.get("vorlage")
    name = shipped if shipped in shipped_scenarios() else DEFAULT
    set_data(scenario_data(SCENARIOS / name), SCENARIOS, name)


def current_data() -> dict:
    """The active scenario as a dict (the default scenario on first use)."""
    if "scenario_data" not in st.session_state:
        _first_load()
    return st.session_state.scenario_data


def revision() -> int:
    current_data()
    return int(st.session_state.scenario_rev)


def wkey(name: str) -> str:
    """A widget key that is new for every revision of the active scenario (and language:
    options shown in words change with it)."""
    return f"{name}_{revision()}{lkey('')}"


def lkey(name: str) -> str:
    """A widget key per language, for widgets whose options are shown in words."""
    lang = st.session_state.get("lang", "de")
    return name if lang == "de" else f"{name}_{lang}"


def set_data(data: dict, base: Path, label: str, saved: SavedScenario | None = None) -> None:
    """Make ``data`` the active scenario (loaded from ``label``; saved in the workspace as
    ``saved``, or not saved)."""
    st.session_state.scenario_data = data
    st.session_state.scenario_base = str(base)
    st.session_state.scenario_file = label
    st.session_state.scenario_saved = (saved.name, saved.version) if saved else None
    st.session_state.scenario_rev = st.session_state.get("scenario_rev", 0) + 1
    st.session_state.scenario_edited = False
    st.session_state.draft_restored = False
    st.session_state.form_error = None
    params = (
        {"szenario": saved.name}
        if saved
        else ({"vorlage": label} if Path(base) == SCENARIOS else {})
    )
    st.query_params.from_dict({**params, "entwurf": draft_id()})
    _store_draft()


def apply_edit(data: dict) -> None:
    """An edit of the active scenario (already validated)."""
    st.session_state.scenario_data = data
    st.session_state.scenario_rev = revision() + 1
    st.session_state.scenario_edited = True
    st.session_state.form_error = None
    _store_draft()


def base() -> Path:
    current_data()
    return Path(st.session_state.scenario_base)


def build(data: dict) -> Scenario:
    """Validate a scenario dict (relative paths against the active scenario's folder)."""
    return scenario_from_dict(data, source=base() / "scenario.yaml")


def current_scenario() -> Scenario:
    return build(current_data())


def active_label() -> str:
    """The active scenario in words: its name and where it comes from."""
    data = current_data()
    name = data.get("name") or "?"
    saved = st.session_state.get("scenario_saved")
    unsaved = f" — {t('unsaved_changes')}" if st.session_state.get("scenario_edited") else ""
    if saved:
        return f"{name} — {t('saved_as')} „{saved[0]}“{unsaved}"
    return f"{name} ({st.session_state.get('scenario_file')}){unsaved}"


def header(page: str) -> None:
    """The page title and the active scenario (every page names it)."""
    st.title(t(page))
    st.caption(f"{t('active_scenario')}: {active_label()}")


def upload_dir() -> Path:
    """A fresh folder for one batch of uploaded files of this browser session, so that a
    new upload never overwrites a file the active scenario still uses."""
    if "upload_dir" not in st.session_state:  # in the workspace, kept with the tab's draft
        try:
            root = workspace().upload_folder(draft_id()).resolve()
        except OSError:  # a read-only workspace: uploads last as long as the server
            root = Path(tempfile.mkdtemp(prefix="kursplaner-"))
        st.session_state.upload_dir = str(root)
    root = Path(st.session_state.upload_dir)
    return Path(tempfile.mkdtemp(dir=root, prefix="upload-"))


def upload_root() -> Path | None:
    value = st.session_state.get("upload_dir")
    if value:
        return Path(value)
    folder = workspace().root / ".uploads" / draft_id()  # uploads of this tab before a reload
    return folder.resolve() if folder.is_dir() else None


# ---------------------------------------------------------------------- messages

_PATH = re.compile(r"(?<![\w.])(?:[A-Za-z]:)?[/\\](?:[^\s/\\:,;'\"„“]+[/\\])+")


def public(message: str) -> str:
    """A message for the screen: server folders removed, file names kept."""
    return _PATH.sub("", message)


def show_error(exc: BaseException, file_name: str | None = None) -> None:
    """An error in words: ours as they are (file names only), others with the file named."""
    if isinstance(exc, CoursePlannerError):
        st.error(public(str(exc)))
    else:
        where = f"{file_name}: " if file_name else ""
        st.error(where + t("error_unexpected") + public(f"{type(exc).__name__}: {exc}"))


def guarded(body: Callable[[], None]) -> None:
    """Run a page; errors become messages, never a traceback."""
    try:
        body()
    except CoursePlannerError as exc:
        show_error(exc)
    except Exception as exc:  # the last line of defence: no traceback for the user
        show_error(exc)


# ---------------------------------------------------------------------- words for codes


def reason_text(code: str) -> str:
    key = f"reason_{code}"
    try:
        return t(key)
    except KeyError:  # a reason this catalogue does not know yet: say so in words
        return t("reason_other")


def report_table(report: pd.DataFrame) -> pd.DataFrame:
    """The unreachable places and what would help, in words."""
    import pandas as pd

    if report.empty:
        return pd.DataFrame({t("place"): [], t("col_help"): []})
    out = pd.DataFrame(
        {
            t("place"): report["place"],
            t("col_participants"): report["participants"],
            t("col_reason"): report["reason"].map(reason_text),
            t("col_by_start"): report["by_start_time"],
            t("col_by_limit"): report["by_travel_limit_min"],
            t("col_by_room"): report["by_other_room"],
            t("col_help"): report["smallest_change"].map(
                lambda change: render(change, st.session_state.get("lang", "de"))
            ),
        }
    )
    return out.astype(object).where(out.notna(), "–").astype(str).replace("", "–")


# ---------------------------------------------------------------------- cached computations


def _stamp(path: Path) -> str:
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    h = hashlib.sha256()
    for f in files:
        stat = f.stat()
        h.update(f"{f}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return h.hexdigest()


@st.cache_resource(show_spinner=False, max_entries=4)
def _feed(path: str, stamp: str) -> tuple[Feed, tuple[Text | str, ...]]:
    """The feed and the warnings its reading logged (kept with it, so that every page that
    uses the feed shows them, not only the run that read it)."""
    from course_planner.logs import collect_warnings
    from course_planner.transit.feed import load_feed

    with collect_warnings() as notes:
        loaded = load_feed(path)
    return loaded, tuple(notes)


def show_warnings(notes: tuple[Text | str, ...]) -> None:
    for note in notes:  # a catalogue message in the page's language
        st.warning(public(str(note)))


def feed(path: Path) -> Feed:
    loaded, notes = _feed(str(path), _stamp(path))
    show_warnings(notes)
    return loaded


@st.cache_resource(show_spinner=False, max_entries=8)
def _study(scenario_json: str, stamp: str) -> Study:
    from course_planner.transit.reachability import prepare

    scenario = Scenario.model_validate_json(scenario_json)
    return prepare(scenario, _feed(str(scenario.feed), stamp)[0])


_PREFETCHED: set[str] = set()
_PREFETCH_LOCK = threading.Lock()


_PREFETCH_DELAY_S = 0.5


def prefetch(scenario: Scenario) -> None:
    """Start reading the timetable of the active scenario in the background, so that
    Erreichbarkeit opens quickly (switch off: COURSE_PLANNER_PREFETCH=0)."""
    if os.environ.get("COURSE_PLANNER_PREFETCH", "1") == "0":
        return
    key = scenario.model_dump_json()
    with _PREFETCH_LOCK:
        if key in _PREFETCHED:
            return
        _PREFETCHED.add(key)
    stamp = _stamp(scenario.feed)

    def work() -> None:
        # let the page that asked finish drawing first: this thread shares the interpreter
        # with the server that sends the page to the browser
        time.sleep(_PREFETCH_DELAY_S)
        try:
            warm_up(scenario, key, stamp)
        except Exception:  # the page that needs it reports the error in words
            with _PREFETCH_LOCK:
                _PREFETCHED.discard(key)

    threading.Thread(target=work, name="kursplaner-prefetch", daemon=True).start()


def warm_up(scenario: Scenario, key: str, stamp: str) -> None:
    """What Erreichbarkeit needs first, computed ahead: the timetable and walks, the course
    calendar, the table of the first course date at the course's hours (the same cache entry
    the page asks for) and one journey (loads the compiled scans)."""

    from course_planner.reach_summary import meeting_dates
    from course_planner.transit.reachability import journeys

    loaded = _study(key, stamp)
    meets = set(meeting_dates(scenario.course))
    first = next((d for d in loaded.dates if d in meets), None)
    if first is None:
        return
    course = scenario.course
    _reach(key, stamp, course.start_s, course.end_s, first.isoformat())
    import course_planner.rotation.plan  # noqa: F401 - OR-Tools, for Rotationsplan

    if loaded.network.place_names and loaded.network.site_names:
        place, room = loaded.network.place_names[0], loaded.network.site_names[0]
        journeys(
            loaded,
            place,
            room,
            first,
            course.start_s,
            course.end_s,
        )


def study(scenario: Scenario) -> Study:
    stamp = _stamp(scenario.feed)
    with st.spinner(t("loading_feed")):
        loaded = _study(scenario.model_dump_json(), stamp)
    show_warnings(_feed(str(scenario.feed), stamp)[1])
    return loaded


@st.cache_data(show_spinner=False, max_entries=64)
def _reach(
    scenario_json: str, stamp: str, start_s: int | None, end_s: int | None, date: str | None
) -> pd.DataFrame:
    import datetime as dt

    from course_planner.transit.reachability import reachability_table

    s = _study(scenario_json, stamp)
    dates = [dt.date.fromisoformat(date)] if date else None
    return reachability_table(s, start_s=start_s, end_s=end_s, dates=dates)


def reach(
    scenario: Scenario,
    start_s: int | None = None,
    end_s: int | None = None,
    date: str | None = None,
) -> pd.DataFrame:
    study(scenario)
    with st.spinner(t("computing_reach")):
        return _reach(scenario.model_dump_json(), _stamp(scenario.feed), start_s, end_s, date)


@st.cache_resource(show_spinner=False, max_entries=16)
def _plan(scenario_json: str, stamp: str) -> Plan:
    from course_planner.rotation.plan import solve_rotation

    scenario = Scenario.model_validate_json(scenario_json)
    return solve_rotation(scenario, _study(scenario_json, stamp))


def plan(scenario: Scenario) -> Plan:
    study(scenario)
    return _plan(scenario.model_dump_json(), _stamp(scenario.feed))


@st.cache_resource(show_spinner=False, max_entries=8)
def _siting(
    scenario_json: str, stamp: str, p: int
) -> tuple[SiteChoice, Study, pd.DataFrame, dict[str, int], pd.DataFrame]:
    from course_planner.siting import best_sites, best_start_times, unreachable_report, with_sites
    from course_planner.transit.reachability import prepare

    scenario = Scenario.model_validate_json(scenario_json)
    base = _study(scenario_json, stamp)
    candidates = base.places[["name", "lat", "lon"]]
    choice, cand_study, _ = best_sites(scenario, candidates, base.feed, p=p)
    chosen = prepare(
        with_sites(scenario, cand_study.sites[cand_study.sites["name"].isin(choice.sites)]),
        base.feed,
    )
    times, starts = best_start_times(chosen)
    report = unreachable_report(chosen, candidates=cand_study)
    return choice, cand_study, times, starts, report


def siting(
    scenario: Scenario, p: int
) -> tuple[SiteChoice, Study, pd.DataFrame, dict[str, int], pd.DataFrame]:
    """Rooms chosen among the scenario's places, start times for them, and the report."""
    study(scenario)
    return _siting(scenario.model_dump_json(), _stamp(scenario.feed), p)


@st.cache_data(show_spinner=False, max_entries=8)
def _help(scenario_json: str, stamp: str) -> pd.DataFrame:
    from course_planner.siting import unreachable_report

    return unreachable_report(_study(scenario_json, stamp))


def unreachable_help(scenario: Scenario) -> pd.DataFrame:
    """For each place that reaches none of the scenario's rooms: why, and what would help."""
    study(scenario)
    with st.spinner(t("computing_help")):
        return _help(scenario.model_dump_json(), _stamp(scenario.feed))


@st.cache_data(show_spinner=False, max_entries=8)
def _zone_effect(scenario_json: str, stamp: str) -> pd.DataFrame:
    from course_planner.zone_effect import zone_effect

    return zone_effect(_study(scenario_json, stamp))


def zone_effect(scenario: Scenario) -> pd.DataFrame:
    """Per on-demand zone: the places, rooms and course dates it reconnects."""
    study(scenario)
    with st.spinner(t("computing_zones")):
        return _zone_effect(scenario.model_dump_json(), _stamp(scenario.feed))
