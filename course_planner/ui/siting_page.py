"""Standortwahl: which places would make the best course rooms, which start time reaches the
most people, and what would help each village that stays unreachable."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from course_planner.clock import clock
from course_planner.ui.maps import place_map
from course_planner.ui.state import (
    current_scenario,
    feed_caption,
    guarded,
    header,
    report_table,
    siting,
    t,
)


def main() -> None:
    header("page_siting")
    scenario = current_scenario()
    st.caption(t("siting_intro"))
    feed_caption(scenario)
    p = st.number_input(
        t("how_many_rooms"), min_value=1, max_value=10, value=scenario.siting.p, key="siting_p"
    )
    if st.button(t("choose_sites"), key="choose_sites", type="primary"):
        st.session_state.siting_for = (scenario.model_dump_json(), int(p))
    if st.session_state.get("siting_for") != (scenario.model_dump_json(), int(p)):
        return
    with st.status(t("siting_running"), expanded=False) as status:
        choice, cand, times, starts, report = siting(scenario, int(p))
        status.update(
            label=t("optimal")
            if choice.optimal
            else f"{t('not_optimal')} ({t('gap')} {choice.gap:.1%})",
            state="complete",
        )
    unit = t("participants") if choice.real_counts else t("places_unit")
    st.success(f"{', '.join(choice.sites)}: {choice.covered} / {choice.total} {unit}")
    if choice.covered_booked:
        st.info(t("siting_booked").format(n=choice.covered_booked, unit=unit))
        made_up = [z.name for z in (cand.zones.services if cand.zones else ()) if z.illustrative]
        if made_up:
            st.warning(t("zones_illustrative").format(names=", ".join(made_up)))
    rooms = cand.sites[["name", "lat", "lon"]].copy()
    rooms["kind"] = ["chosen" if n in choice.sites else "candidate" for n in rooms["name"]]
    rooms["info"] = rooms["kind"].map(
        {"chosen": t("legend_chosen"), "candidate": t("legend_candidate")}
    )
    legend = {"chosen": t("legend_chosen"), "candidate": t("legend_candidate")}
    st.altair_chart(
        place_map(rooms, legend, label_kinds=["chosen"]), width="stretch", key="siting_map"
    )
    a = choice.assignment
    st.dataframe(
        pd.DataFrame(
            {
                t("place"): a["place"],
                t("col_participants"): a["participants"],
                t("col_room"): a["site"].map(
                    lambda x: x if isinstance(x, str) and x else t("no_room_reachable")
                ),
                t("col_how"): [
                    t("by_booked_ride") if b else (t("by_bus") if r else "–")
                    for b, r in zip(a["booked"], a["site"], strict=True)
                ],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    st.subheader(t("start_times"))
    best = sorted(set(starts.values()))
    st.write(f"{t('best_start')}: " + ", ".join(clock(b) for b in best))
    chart = (
        alt.Chart(times)
        .mark_bar()
        .encode(
            x=alt.X("start:N", title=t("start_slider")),
            y=alt.Y("participants:Q", title=unit),
            color=alt.condition("datum.chosen", alt.value("#1e50c8"), alt.value("#9aa5b1")),
        )
    )
    st.altair_chart(chart, width="stretch")
    st.subheader(t("unreachable"))
    st.dataframe(report_table(report), hide_index=True, width="stretch")


guarded(main)
