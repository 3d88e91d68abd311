"""Szenario: open a shipped, saved or uploaded scenario; edit course, rooms, rules and
weights (form or YAML); save it in the workspace; download it as a bundle."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import pandas as pd
import streamlit as st
import yaml

from course_planner.errors import CoursePlannerError
from course_planner.scenario import (
    ALL_STOPS,
    WEEKDAYS,
    Rotation,
    Scenario,
    Travel,
    Weights,
    field_default,
    field_upper_bound,
    scenario_data,
    scenario_yaml,
)
from course_planner.ui.state import (
    SCENARIOS,
    apply_edit,
    base,
    build,
    current_data,
    feed,
    feed_caption,
    guarded,
    header,
    prefetch,
    public,
    set_data,
    shipped_scenarios,
    show_error,
    t,
    upload_dir,
    upload_root,
    wkey,
    words,
    workspace,
)
from course_planner.workspace import SCENARIO_FILE, bundle, safe_name, unpack_bundle


def field_error(prefix: str, origin: str = "form") -> None:
    """Show the last error here if it came from this part and concerns this field."""
    err = st.session_state.get("form_error")
    field = (err[1] or "") if err else ""
    if (
        err
        and err[0] == origin
        and (not prefix or field == prefix or field.startswith(prefix + "."))
    ):
        st.error(err[2])


def try_apply(new: dict, origin: str) -> None:
    """Take the edited scenario if it is valid; else keep the old one and show why, next
    to the field concerned (after a rerun, so that the message stands at its field)."""
    try:
        build(new)
    except CoursePlannerError as exc:
        st.session_state.form_error = (origin, getattr(exc, "field", None) or "", public(str(exc)))
    else:
        apply_edit(new)
    st.rerun()


# ---------------------------------------------------------------------- opening


def open_shipped() -> None:
    names = shipped_scenarios()
    current = st.session_state.get("scenario_file")
    col1, col2 = st.columns([4, 1], vertical_alignment="bottom")
    choice = col1.selectbox(
        t("shipped"),
        names,
        index=names.index(current) if current in names else 0,
        key="shipped_choice",
    )
    if col2.button(t("load"), key="load_shipped"):
        set_data(scenario_data(SCENARIOS / choice), SCENARIOS, choice)
        st.rerun()


def open_saved() -> None:
    ws = workspace()
    saved = [s.name for s in ws.scenarios()]
    st.caption(f"{t('workspace_folder')}: {ws.root.name}/ ({t('workspace_hint')})")
    if not saved:
        st.info(t("workspace_empty"))
        return
    active = (st.session_state.get("scenario_saved") or (None,))[0]
    col1, col2 = st.columns([4, 1], vertical_alignment="bottom")
    choice = col1.selectbox(
        t("saved_scenarios"),
        saved,
        index=saved.index(active) if active in saved else 0,
        key="saved_choice",
    )
    if col2.button(t("open"), key="open_saved"):
        data, version = ws.open(choice)
        set_data(data, version.folder, choice, saved=version)
        st.rerun()
    c1, c2, c3 = st.columns([3, 1, 1], vertical_alignment="bottom")
    new_name = c1.text_input(t("new_name"), key="saved_new_name")
    if c2.button(t("duplicate"), key="duplicate_saved"):
        ws.duplicate(choice, new_name or f"{choice} (Kopie)")
        st.rerun()
    if c3.button(t("rename"), key="rename_saved"):
        renamed = ws.rename(choice, new_name)
        if active == choice:
            data, version = ws.open(renamed.name)
            set_data(data, version.folder, renamed.name, saved=version)
        st.rerun()
    confirm = st.checkbox(t("confirm_delete").format(name=choice), key="confirm_delete")
    if st.button(t("delete"), key="delete_saved", disabled=not confirm):
        ws.delete(choice)
        if active == choice:  # its files are gone: back to the default template
            from course_planner.ui.state import DEFAULT

            set_data(scenario_data(SCENARIOS / DEFAULT), SCENARIOS, DEFAULT)
        st.rerun()


def _resolve_upload_paths(data: dict, folder: Path) -> dict:
    """Relative feed/places of an uploaded YAML: in the upload folder if there, else where
    the app's scenarios find them (a YAML downloaded from the app uploads back)."""
    data = dict(data)
    for key in ("feed", "places"):
        value = data.get(key)
        if not isinstance(value, str) or value == ALL_STOPS or Path(value).is_absolute():
            continue
        for root in (folder, base(), SCENARIOS):
            if (root / value).exists():
                data[key] = str((root / value).resolve())
                break
    return data


def open_upload() -> None:
    with st.expander(t("upload_title")):
        y = st.file_uploader(t("upload_yaml"), type=["yaml", "yml", "zip"], key="up_yaml")
        g = st.file_uploader(t("upload_gtfs"), type=["zip"], key="up_gtfs")
        p = st.file_uploader(t("upload_places"), type=["csv"], key="up_places")
        if not st.button(t("use_upload"), key="use_upload"):
            return
        folder = upload_dir()  # a fresh folder: the active scenario's files stay untouched
        data, data_base, label = copy.deepcopy(current_data()), base(), None
        names = {}
        try:
            if y is not None:
                label = safe_name(y.name) or "scenario.yaml"
                if label.lower().endswith(".zip"):  # a bundle from „Als Paket herunterladen“
                    unpack_bundle(y.getvalue(), folder)
                    data = scenario_data(folder / SCENARIO_FILE)
                else:
                    try:
                        data = yaml.safe_load(y.getvalue().decode("utf-8-sig"))
                    except (yaml.YAMLError, UnicodeDecodeError) as exc:
                        st.error(f"{label}: {t('not_yaml')} ({public(str(exc))})")
                        return
                    if not isinstance(data, dict):
                        st.error(f"{label}: {t('yaml_not_mapping')}")
                        return
                    data = _resolve_upload_paths(data, folder)
                data_base = folder
            for upload, key in ((g, "feed"), (p, "places")):
                if upload is not None:
                    name = safe_name(upload.name) or f"{key}.bin"
                    names[key] = name
                    (folder / name).write_bytes(upload.getvalue())
                    data[key] = str(folder / name)
            scenario = build_at(data, data_base)
            with st.spinner(t("loading_feed")):
                feed(scenario.feed)  # read the timetable now: a broken one is refused here
        except CoursePlannerError as exc:
            show_error(exc)  # the active scenario stays as it was
            return
        except Exception as exc:  # an unreadable upload: name the file, keep the scenario
            show_error(exc, names.get("feed") or names.get("places") or label)
            return
        shown = label or st.session_state.get("scenario_file")
        assert isinstance(shown, str), "every active scenario has a label (set_data)"
        set_data(data, data_base, shown)
        st.rerun()


def build_at(data: dict, folder: Path) -> Scenario:
    from course_planner.scenario import scenario_from_dict

    return scenario_from_dict(data, source=folder / SCENARIO_FILE)


# ---------------------------------------------------------------------- saving


def save() -> None:
    ws = workspace()
    saved = st.session_state.get("scenario_saved")
    copy_from = tuple(r for r in (upload_root(),) if r)
    c1, c2, c3 = st.columns([3, 1, 1], vertical_alignment="bottom")
    name = c1.text_input(
        t("save_name"),
        value=saved[0] if saved else current_data().get("name", ""),
        key=wkey("save_name"),
    )
    if saved and c2.button(t("save"), key="save", type="primary"):
        version = ws.save(saved[0], current_data(), base(), version=saved[1], copy_from=copy_from)
        data, version = ws.open(version.name)
        set_data(data, version.folder, version.name, saved=version)
        st.session_state.save_note = t("saved_note").format(name=version.name)
        st.rerun()
    if c3.button(t("save_as"), key="save_as"):
        version = ws.save(name, current_data(), base(), copy_from=copy_from)
        data, version = ws.open(version.name)
        set_data(data, version.folder, version.name, saved=version)
        st.session_state.save_note = t("saved_note").format(name=version.name)
        st.rerun()
    note = st.session_state.pop("save_note", None)
    if note:
        st.success(note)


# ---------------------------------------------------------------------- editing


def edit(data: dict) -> None:
    """The form. Only fields the user changed are written back: „Übernehmen“ without an
    edit leaves the scenario exactly as it is."""
    course = data.get("course") or {}
    rotation = data.get("rotation") or {}
    weights = rotation.get("weights") or {}
    shown = {
        "start_date": pd.Timestamp(course.get("start_date", dt.date.today())).date(),
        "end_date": pd.Timestamp(course.get("end_date", dt.date.today())).date(),
        "weekdays": [d for d in (course.get("weekdays") or []) if d in WEEKDAYS],
        "start": str(course.get("start", "08:30")),
        "end": str(course.get("end", "12:00")),
        "max_wait": int((rotation.get("max_wait") or {}).get("sessions", 0)),
        "target": rotation.get("target", field_default(Rotation, "target"))
        if rotation.get("target", field_default(Rotation, "target")) in ("participants", "equal")
        else None,
        "share": float(weights.get("share", field_default(Weights, "share"))),
        "travel": float(weights.get("travel", field_default(Weights, "travel"))),
        "streak": float(weights.get("streak", field_default(Weights, "streak"))),
        "max_travel": int(
            (data.get("travel") or {}).get(
                "max_travel_min", field_default(Travel, "max_travel_min")
            )
        ),
    }
    with st.form(wkey("scenario_form")):
        st.subheader(t("course"))
        c1, c2 = st.columns(2)
        v = {}
        v["start_date"] = c1.date_input(
            t("start_date"),
            value=shown["start_date"],
            format="DD.MM.YYYY",
            key=wkey("f_start_date"),
        )
        v["end_date"] = c2.date_input(
            t("end_date"), value=shown["end_date"], format="DD.MM.YYYY", key=wkey("f_end_date")
        )
        field_error("course.start_date")
        field_error("course.end_date")
        v["weekdays"] = st.multiselect(
            t("weekdays"),
            list(WEEKDAYS),
            default=shown["weekdays"],
            format_func=words("wd_"),
            key=wkey("f_weekdays"),
        )
        field_error("course.weekdays")
        c3, c4 = st.columns(2)
        v["start"] = c3.text_input(t("start"), value=shown["start"], key=wkey("f_start"))
        v["end"] = c4.text_input(t("end"), value=shown["end"], key=wkey("f_end"))
        field_error("course.start")
        field_error("course.end")
        err = st.session_state.get("form_error")
        if err and err[0] == "form" and err[1] in ("", "course", "name", "feed", "places"):
            st.error(err[2])
        st.subheader(t("rooms"))
        rooms = pd.DataFrame(
            [
                {
                    "name": s.get("name"),
                    "lat": s.get("lat"),
                    "lon": s.get("lon"),
                    "participants": s.get("participants"),
                }
                for s in data.get("sites", [])
            ],
            columns=["name", "lat", "lon", "participants"],
        )
        # numbers as numbers: an empty cell, never "None", where a room has no count
        rooms["participants"] = pd.to_numeric(rooms["participants"]).astype("Float64")
        edited = st.data_editor(
            rooms,
            num_rows="dynamic",
            key=wkey("f_rooms"),
            width="stretch",
            column_config={
                "name": t("col_room"),
                "lat": t("col_lat"),
                "lon": t("col_lon"),
                "participants": st.column_config.NumberColumn(
                    t("col_participants"), min_value=0, step=1, format="%d"
                ),
            },
        )
        field_error("sites")
        st.subheader(t("rules"))
        c5, c6 = st.columns(2)
        v["max_wait"] = c5.number_input(
            t("max_wait"),
            min_value=0,
            max_value=50,
            value=shown["max_wait"],
            key=wkey("f_max_wait"),
        )
        options = ["participants", "equal"]
        v["target"] = c6.radio(
            t("target"),
            options,
            index=options.index(shown["target"]) if shown["target"] else 0,
            format_func=words("target_"),
            key=wkey("f_target"),
        )
        c7, c8, c9 = st.columns(3)
        v["share"] = c7.number_input(
            t("w_share"), min_value=0.0, value=shown["share"], key=wkey("f_w_share")
        )
        v["travel"] = c8.number_input(
            t("w_travel"), min_value=0.0, value=shown["travel"], key=wkey("f_w_travel")
        )
        v["streak"] = c9.number_input(
            t("w_streak"), min_value=0.0, value=shown["streak"], key=wkey("f_w_streak")
        )
        field_error("rotation")
        v["max_travel"] = st.number_input(
            t("max_travel"),
            min_value=1,
            max_value=int(field_upper_bound(Travel, "max_travel_min")),
            value=shown["max_travel"],
            key=wkey("f_max_travel"),
        )
        field_error("travel")
        submitted = st.form_submit_button(t("apply"))
    if not submitted:
        return
    new = copy.deepcopy(data)
    changed = {k for k in shown if v[k] != shown[k]}
    if "target" in changed and shown["target"] is None:
        changed.discard("target")  # a per-room target from the YAML is not shown here
    course_keys = {"start_date", "end_date", "weekdays", "start", "end"} & changed
    if course_keys:
        new["course"] = dict(new.get("course") or {}, **{k: v[k] for k in course_keys})
    new_rotation = dict(rotation)
    if "max_wait" in changed:
        if v["max_wait"]:
            new_rotation["max_wait"] = dict(
                rotation.get("max_wait") or {}, sessions=int(v["max_wait"])
            )
        else:
            new_rotation.pop("max_wait", None)
    if "target" in changed:
        new_rotation["target"] = v["target"]
    weight_keys = {"share", "travel", "streak"} & changed
    if weight_keys:
        new_rotation["weights"] = dict(weights, **{k: v[k] for k in weight_keys})
    if new_rotation != rotation:
        new["rotation"] = new_rotation
    if "max_travel" in changed:
        new["travel"] = dict(data.get("travel") or {}, max_travel_min=int(v["max_travel"]))
    if not _same_rooms(rooms, edited):
        new["sites"] = _sites(data, edited)
    if new == data:
        st.session_state.form_error = None
        st.toast(t("nothing_changed"))
        return
    try_apply(new, "form")


def _same_rooms(before: pd.DataFrame, after: pd.DataFrame) -> bool:
    if len(before) != len(after):
        return False
    a = before.reset_index(drop=True).astype(object).where(before.notna().values, None)
    b = after.reset_index(drop=True).astype(object).where(after.notna().values, None)
    return a.to_dict("records") == b[list(a.columns)].to_dict("records")


def _sites(data: dict, edited: pd.DataFrame) -> list[dict]:
    old_sites = {s.get("name"): s for s in data.get("sites", [])}
    sites = []
    for rec in edited.to_dict("records"):
        if not rec.get("name") or pd.isna(rec.get("name")):
            continue
        site = dict(old_sites.get(rec["name"], {}))
        site.update({"name": rec["name"], "lat": rec["lat"], "lon": rec["lon"]})
        if rec.get("participants") is not None and not pd.isna(rec["participants"]):
            site["participants"] = int(rec["participants"])
        else:
            site.pop("participants", None)
        sites.append(site)
    return sites


def advanced(data: dict) -> None:
    with st.expander(t("advanced_yaml"), expanded=bool(st.session_state.get("yaml_open"))):
        st.caption(t("yaml_note"))
        text_value = st.text_area("YAML", value=scenario_yaml(data), height=400, key=wkey("f_yaml"))
        if st.button(t("apply"), key="apply_yaml"):
            st.session_state.yaml_open = True  # stay open after the rerun
            try:
                new = yaml.safe_load(text_value)
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                where = f" ({t('line')} {mark.line + 1})" if mark else ""
                st.error(f"YAML{where}: {getattr(exc, 'problem', exc)}")
                return
            if not isinstance(new, dict):
                st.error(f"YAML: {t('yaml_not_mapping')}")
                return
            if new == data:
                st.toast(t("nothing_changed"))
                return
            try_apply(new, "yaml")
        field_error("", origin="yaml")


def downloads(data: dict) -> None:
    stem = (
        safe_name(st.session_state.get("scenario_file") or "szenario").removesuffix(".yaml")
        or "szenario"
    )
    c1, c2 = st.columns(2)
    key = wkey("bundle")
    if c1.button(t("prepare_bundle"), key="prepare_bundle"):
        with st.spinner(t("packing_bundle")):
            st.session_state.bundle = (key, bundle(data, base()))
    ready = st.session_state.get("bundle")
    if ready and ready[0] == key:
        c1.download_button(
            t("download_bundle"),
            ready[1],
            file_name=f"{stem}.zip",
            mime="application/zip",
            key="download_bundle",
        )
    c1.caption(t("bundle_note"))
    c2.download_button(
        t("download_yaml"),
        scenario_yaml(data),
        file_name=f"{stem}.yaml",
        mime="application/x-yaml",
        key="download_yaml",
    )


def main() -> None:
    header("page_scenario")
    data = current_data()
    if st.session_state.get("draft_restored"):
        st.info(t("draft_restored"))
    tab1, tab2, tab3 = st.tabs([t("tab_shipped"), t("tab_saved"), t("tab_upload")])
    with tab1:
        guarded(open_shipped)
    with tab2:
        guarded(open_saved)
    with tab3:
        guarded(open_upload)
    data = current_data()
    scenario = None
    try:
        scenario = build(data)
        st.success(f"{t('scenario_ok')}: {scenario.name}")
        if scenario.participants_are_examples:
            st.caption(t("examples_note"))
        feed_caption(scenario)
    except CoursePlannerError as exc:
        show_error(exc)
    guarded(save)
    edit(data)
    advanced(data)
    guarded(lambda: downloads(data))
    if scenario is not None:
        prefetch(scenario)  # the timetable for the other pages, while the user reads this


guarded(main)
