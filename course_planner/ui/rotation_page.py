"""Rotationsplan: solve with visible progress; the term as a calendar; KPIs; penalties;
the rules in conflict when no plan exists."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from course_planner.errors import NoPlanError
from course_planner.rotation.plan import Plan
from course_planner.ui.printing import print_page
from course_planner.ui.state import current_scenario, guarded, header, plan, public, t

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler

PALETTE = ["#cfe8cf", "#cfdff5", "#f5e3c8", "#ead0f0", "#f6d0d0", "#d9f0ee"]


def calendar(p: Plan) -> pd.io.formats.style.Styler:
    """Weeks as rows, weekdays as columns, the in-person room in each cell."""
    ses = p.sessions
    week = ses["date"].map(lambda d: d - dt.timedelta(days=d.weekday()))
    cell = ses["teacher_site"].replace("", t("online_all"))
    if ses["slot"].max() > 1:
        cell = cell.where(ses["slot"] == 1, "+ " + cell)
    grid = (
        pd.DataFrame({"week": week, "day": ses["weekday"], "cell": cell})
        .groupby(["week", "day"], sort=False)["cell"]
        .agg(" / ".join)
        .unstack()
    )
    order = [d for d in ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So") if d in grid.columns]
    grid = grid[order]
    names = dict(
        zip(
            ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"),
            ("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
            strict=True,
        )
    )
    grid.columns = [t("wd_" + names[d]) for d in order]
    grid.index = [f"{t('week')} {w:%d.%m.%Y}" for w in grid.index]
    colours = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(p.sites)}

    def colour(value: object) -> str:
        if not isinstance(value, str):
            return ""
        first = value.split(" / ")[0]
        return f"background-color: {colours.get(first, '#eeeeee')}"

    return grid.fillna("").style.map(colour)


def print_html(p: Plan, grid: Styler | pd.DataFrame) -> str:
    """The plan as an HTML page for printing on A4 (landscape; nothing cut: the table
    wraps and shrinks to the page width)."""
    body = grid.data if hasattr(grid, "data") else grid
    rows = [[w, *r] for w, r in zip(grid.index, body.itertuples(index=False), strict=True)]
    return print_page(
        f"{t('page_rotation')}: {p.inp.scenario.name}",
        [t("week"), *map(str, body.columns)],
        rows,
        lang=st.session_state.get("lang", "de"),
        landscape=True,
        row_heads=True,
    )


def show(p: Plan) -> None:
    k = p.kpis()
    first, last = (dt.date.fromisoformat(x) for x in (k.first_session, k.last_session))
    st.success(
        t("plan_summary").format(
            n=k.sessions, ue=k.ue, first=f"{first:%d.%m.%Y}", last=f"{last:%d.%m.%Y}"
        )
        + " — "
        + (t("optimal") if p.optimal else t("not_optimal"))
    )
    st.subheader(t("calendar"))
    grid = calendar(p)
    rows = len(grid.index)
    # the whole term at once: 35 px per week, no scroll box
    st.dataframe(grid, width="stretch", height=38 + 35 * rows, key="rotation_calendar")
    st.subheader(t("kpis"))
    cols = st.columns(len(k.rooms) + 1)
    for col, (room, values) in zip(cols, k.rooms.items(), strict=False):
        col.metric(room, f"{values.in_person_sessions} / {k.sessions}")
        col.caption(
            f"{t('share')}: {values.share:.0%} ({t('target_share')} "
            f"{values.target_share:.0%}) · {t('longest_wait')}: "
            f"{values.longest_wait}"
        )
    cols[-1].metric(t("teacher"), f"{k.teacher_km:.0f} km")
    cols[-1].caption(f"{k.teacher_hours:.1f} h {t('travel_time')}")
    st.caption(
        f"{t('kpi_participant_sessions')}: "
        f"{k.participant_sessions_in_person} / {k.participant_sessions_total}"
    )
    st.subheader(t("penalties"))
    pen = p.penalties
    st.dataframe(
        pd.DataFrame(
            {
                t("penalty"): [t("pen_" + n) for n in pen["name"]],
                t("pen_value"): [
                    f"{v:g} {t('unit_' + n)}"
                    for n, v in zip(pen["name"], pen["value"], strict=True)
                ],
                t("pen_weight"): [f"{w:g}" for w in pen["weight"]],
                t("pen_cost"): [f"{c:g}" for c in pen["cost"]],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    st.download_button(
        t("print_plan"),
        print_html(p, grid),
        file_name="rotationsplan.html",
        mime="text/html",
        key="print_plan",
    )
    st.caption(t("print_note"))


def main() -> None:
    header("page_rotation")
    scenario = current_scenario()
    if scenario.teacher is None:
        st.info(t("no_teacher"))
        return
    key = scenario.model_dump_json()
    if st.button(t("solve"), key="solve", type="primary"):
        st.session_state.solved = key
    if st.session_state.get("solved") != key:
        return
    try:
        with st.status(t("solving_for").format(name=scenario.name), expanded=False) as status:
            p = plan(scenario)
            status.update(label=t("optimal") if p.optimal else t("not_optimal"), state="complete")
    except NoPlanError as exc:
        st.error(f"**{t('no_plan')}**")
        for rule in exc.rules:
            st.markdown(f"- „{rule}“")
        st.caption(public(str(exc)))
        return
    show(p)


guarded(main)
