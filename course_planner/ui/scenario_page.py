"""Szenario: pick or upload a scenario, edit course, rooms, rules and weights, download it."""

from __future__ import annotations

import copy
import datetime as dt

import pandas as pd
import streamlit as st
import yaml

from course_planner.errors import CoursePlannerError
from course_planner.scenario import WEEKDAYS, scenario_data, scenario_yaml
from course_planner.ui.state import (
    SCENARIOS,
    build,
    current_data,
    feed,
    guarded,
    set_data,
    shipped_scenarios,
    t,
    upload_dir,
)


def field_error(prefix: str, origin: str = "form") -> None:
    """Show the last error here if it came from this part and concerns this field."""
    err = st.session_state.get("form_error")
    field = (err[1] or "") if err else ""
    if err and err[0] == origin and (not prefix or field == prefix
                                     or field.startswith(prefix + ".")):
        st.error(err[2])


def try_apply(new: dict, origin: str) -> None:
    """Take the edited scenario if it is valid; else keep the old one and show why, next
    to the field concerned (after a rerun, so that the message stands at its field)."""
    try:
        build(new)
    except CoursePlannerError as exc:
        st.session_state.form_error = (origin, getattr(exc, "field", None) or "", str(exc))
    else:
        st.session_state.form_error = None
        st.session_state.scenario_data = new
    st.rerun()


def choose() -> None:
    names = shipped_scenarios()
    current = st.session_state.get("scenario_file")
    col1, col2 = st.columns([4, 1])
    choice = col1.selectbox(t("shipped"), names,
                            index=names.index(current) if current in names else 0,
                            key="shipped_choice")
    col2.write("")
    if col2.button(t("load"), key="load_shipped"):
        set_data(scenario_data(SCENARIOS / choice), SCENARIOS, choice)
        st.session_state.form_error = None
        st.rerun()
    with st.expander(t("upload_title")):
        y = st.file_uploader(t("upload_yaml"), type=["yaml", "yml"], key="up_yaml")
        g = st.file_uploader(t("upload_gtfs"), type=["zip"], key="up_gtfs")
        p = st.file_uploader(t("upload_places"), type=["csv"], key="up_places")
        if st.button(t("use_upload"), key="use_upload"):
            folder = upload_dir()
            data = copy.deepcopy(current_data())
            base = st.session_state.get("scenario_base")
            if y is not None:
                try:
                    data = yaml.safe_load(y.getvalue().decode("utf-8-sig"))
                except (yaml.YAMLError, UnicodeDecodeError) as exc:
                    st.error(f"{y.name}: not valid YAML ({exc}).")
                    return
                base = str(folder)
            for upload, key in ((g, "feed"), (p, "places")):
                if upload is not None:
                    (folder / upload.name).write_bytes(upload.getvalue())
                    data[key] = str(folder / upload.name)
            if not isinstance(data, dict):
                st.error(f"{y.name}: the file must be a YAML mapping.")
                return
            previous = (st.session_state.scenario_data, st.session_state.scenario_base,
                        st.session_state.scenario_file)
            set_data(data, base, y.name if y is not None else previous[2])
            try:
                scenario = build(data)
                if g is not None:  # read the uploaded timetable now, not on another page
                    with st.spinner(t("loading_feed")):
                        feed(scenario.feed)
            except CoursePlannerError as exc:
                set_data(*previous)  # keep what was there
                st.error(str(exc))
                return
            st.rerun()


def edit(data: dict) -> None:
    course = data.get("course", {})
    rotation = data.get("rotation") or {}
    weights = rotation.get("weights") or {}
    with st.form("scenario_form"):
        st.subheader(t("course"))
        c1, c2 = st.columns(2)
        start_date = c1.date_input(t("start_date"), value=pd.Timestamp(
            course.get("start_date", dt.date.today())).date(), key="f_start_date")
        end_date = c2.date_input(t("end_date"), value=pd.Timestamp(
            course.get("end_date", dt.date.today())).date(), key="f_end_date")
        field_error("course.start_date")
        field_error("course.end_date")
        weekdays = st.multiselect(t("weekdays"), list(WEEKDAYS),
                                  default=[d for d in course.get("weekdays", [])
                                           if d in WEEKDAYS], key="f_weekdays")
        field_error("course.weekdays")
        c3, c4 = st.columns(2)
        start = c3.text_input(t("start"), value=str(course.get("start", "08:30")),
                              key="f_start")
        end = c4.text_input(t("end"), value=str(course.get("end", "12:00")), key="f_end")
        field_error("course.start")
        field_error("course.end")
        err = st.session_state.get("form_error")
        if err and err[0] == "form" and err[1] in ("", "course", "name", "feed", "places"):
            st.error(err[2])
        st.subheader(t("rooms"))
        rooms = pd.DataFrame([{"name": s.get("name"), "lat": s.get("lat"),
                               "lon": s.get("lon"), "participants": s.get("participants")}
                              for s in data.get("sites", [])])
        edited = st.data_editor(rooms, num_rows="dynamic", key="f_rooms",
                                width="stretch")
        field_error("sites")
        st.subheader(t("rules"))
        c5, c6 = st.columns(2)
        max_wait = c5.number_input(t("max_wait"), min_value=0, max_value=50,
                                   value=int((rotation.get("max_wait") or {}).get(
                                       "sessions", 0)), key="f_max_wait")
        target_options = ["participants", "equal"]
        target = rotation.get("target", "participants")
        target = c6.radio(t("target"), target_options,
                          index=target_options.index(target) if target in target_options
                          else 0,
                          format_func=lambda v: t(f"target_{v}"), key="f_target")
        c7, c8, c9 = st.columns(3)
        w_share = c7.number_input(t("w_share"), min_value=0.0,
                                  value=float(weights.get("share", 10)), key="f_w_share")
        w_travel = c8.number_input(t("w_travel"), min_value=0.0,
                                   value=float(weights.get("travel", 1)), key="f_w_travel")
        w_streak = c9.number_input(t("w_streak"), min_value=0.0,
                                   value=float(weights.get("streak", 3)), key="f_w_streak")
        field_error("rotation")
        max_travel = st.number_input(t("max_travel"), min_value=1, max_value=600,
                                     value=int((data.get("travel") or {}).get(
                                         "max_travel_min", 90)), key="f_max_travel")
        field_error("travel")
        submitted = st.form_submit_button(t("apply"))
    if submitted:
        new = copy.deepcopy(data)
        new_course = dict(new.get("course", {}))
        new_course.update({"start_date": start_date, "end_date": end_date,
                           "weekdays": weekdays, "start": start, "end": end})
        new["course"] = new_course
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
        new["sites"] = sites
        new_rotation = dict(rotation)
        if max_wait:
            new_rotation["max_wait"] = dict(rotation.get("max_wait") or {},
                                            sessions=int(max_wait))
        else:
            new_rotation.pop("max_wait", None)
        new_rotation["target"] = target
        new_rotation["weights"] = dict(weights, share=w_share, travel=w_travel,
                                       streak=w_streak)
        new["rotation"] = new_rotation
        new["travel"] = dict(data.get("travel") or {}, max_travel_min=int(max_travel))
        try_apply(new, "form")


def advanced(data: dict) -> None:
    with st.expander(t("advanced_yaml")):
        text_value = st.text_area("YAML", value=scenario_yaml(data), height=300,
                                  key="f_yaml")
        if st.button(t("apply"), key="apply_yaml"):
            try:
                new = yaml.safe_load(text_value)
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                where = f" (Zeile {mark.line + 1})" if mark else ""
                st.error(f"YAML{where}: {getattr(exc, 'problem', exc)}")
                return
            if not isinstance(new, dict):
                st.error("YAML: the scenario must be a mapping (name:, feed:, …).")
                return
            try_apply(new, "yaml")
        field_error("", origin="yaml")


def main() -> None:
    st.title(t("page_scenario"))
    current_data()  # the default scenario on first use, before the picker shows it
    choose()
    data = current_data()
    try:
        scenario = build(data)
        st.success(f"{t('scenario_ok')}: {scenario.name}")
        if scenario.participants_are_examples:
            st.caption(t("examples_note"))
        if "reconstructed" in str(scenario.feed):
            st.caption(t("reconstructed_note"))
    except CoursePlannerError as exc:
        st.error(str(exc))
    edit(data)
    advanced(data)
    st.download_button(t("download_yaml"), scenario_yaml(data),
                       file_name=st.session_state.get("scenario_file", "scenario.yaml"),
                       mime="application/x-yaml", key="download_yaml")


guarded(main)
