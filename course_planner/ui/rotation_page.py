"""Rotationsplan: solve with visible progress; the term as a calendar; KPIs; penalties;
the rules in conflict when no plan exists."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from course_planner.errors import NoPlanError
from course_planner.rotation.plan import Plan
from course_planner.ui.state import current_scenario, guarded, header, plan, t

PALETTE = ["#cfe8cf", "#cfdff5", "#f5e3c8", "#ead0f0", "#f6d0d0", "#d9f0ee"]


def calendar(p: Plan) -> pd.io.formats.style.Styler:
    """Weeks as rows, weekdays as columns, the in-person room in each cell."""
    ses = p.sessions
    week = ses["date"].map(lambda d: d - dt.timedelta(days=d.weekday()))
    cell = ses["teacher_site"].replace("", "online")
    if ses["slot"].max() > 1:
        cell = cell.where(ses["slot"] == 1, "+ " + cell)
    grid = (pd.DataFrame({"week": week, "day": ses["weekday"], "cell": cell})
            .groupby(["week", "day"], sort=False)["cell"].agg(" / ".join).unstack())
    order = [d for d in ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So") if d in grid.columns]
    grid = grid[order]
    grid.index = [f"{t('week')} {w:%d.%m.%Y}" for w in grid.index]
    colours = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(p.sites)}

    def colour(value):
        if not isinstance(value, str):
            return ""
        first = value.split(" / ")[0]
        return f"background-color: {colours.get(first, '#eeeeee')}"

    return grid.fillna("").style.map(colour)


def show(p: Plan) -> None:
    k = p.kpis()
    st.success(f"{k['sessions']} Sitzungen / sessions, {k['ue']} UE, "
               f"{k['first_session']} … {k['last_session']} — "
               f"{t('optimal') if p.optimal else t('not_optimal')}")
    st.subheader(t("calendar"))
    st.dataframe(calendar(p), width="stretch", key="rotation_calendar")
    st.subheader(t("kpis"))
    cols = st.columns(len(k["rooms"]) + 1)
    for col, (room, values) in zip(cols, k["rooms"].items(), strict=False):
        col.metric(room, f"{values['in_person_sessions']} / {k['sessions']}")
        col.caption(f"{t('share')}: {values['share']:.0%} ({t('target_share')} "
                    f"{values['target_share']:.0%}) · {t('longest_wait')}: "
                    f"{values['longest_wait']}")
    cols[-1].metric(t("teacher"), f"{k['teacher_km']:.0f} km")
    cols[-1].caption(f"{k['teacher_hours']:.1f} h {t('travel_time')}")
    st.caption(f"Teilnehmenden-Sitzungen in Präsenz / participant-sessions in person: "
               f"{k['participant_sessions_in_person']} / {k['participant_sessions_total']}")
    st.subheader(t("penalties"))
    st.dataframe(p.penalties, hide_index=True, width="stretch")
    with st.expander("plan.csv"):
        st.dataframe(p.table(), hide_index=True, width="stretch")


def main() -> None:
    header("page_rotation")
    scenario = current_scenario()
    if scenario.teacher is None:
        st.info("Dieses Szenario hat keine Lehrkraft (`teacher:`); ohne sie gibt es keinen "
                "Rotationsplan. / This scenario has no `teacher:`.")
        return
    key = scenario.model_dump_json()
    if st.button(t("solve"), key="solve", type="primary"):
        st.session_state.solved = key
    if st.session_state.get("solved") != key:
        return
    try:
        with st.status(t("solving"), expanded=False) as status:
            p = plan(scenario)
            status.update(label=t("optimal") if p.optimal else t("not_optimal"),
                          state="complete")
    except NoPlanError as exc:
        st.error(f"**{t('no_plan')}**")
        for rule in exc.rules:
            st.markdown(f"- „{rule}“")
        st.caption(str(exc))
        return
    show(p)


guarded(main)
