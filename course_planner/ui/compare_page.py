"""Vergleich: two or more scenarios side by side — KPIs, and where the plans differ."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from course_planner.errors import CoursePlannerError, NoPlanError
from course_planner.scenario import load_scenario
from course_planner.ui.state import SCENARIOS, current_scenario, guarded, plan, shipped_scenarios, t

CURRENT = "(aktuelles Szenario / current)"


def main() -> None:
    st.title(t("page_compare"))
    names = [CURRENT, *(n for n in shipped_scenarios() if "impossible" not in n)]
    picked = st.multiselect(t("compare_pick"), names,
                            default=[n for n in names if n in (
                                "lippe-2026.yaml", "lippe-2026-strict-rotation.yaml")],
                            key="compare_pick")
    if len(picked) < 2:
        st.info("Bitte mindestens zwei wählen. / Pick at least two.")
        return
    plans, rows = {}, {}
    progress = st.progress(0.0)
    for i, name in enumerate(picked):
        try:
            scenario = current_scenario() if name == CURRENT else load_scenario(
                SCENARIOS / name)
            plans[name] = plan(scenario)
            rows[name] = plans[name].kpis().row()
        except NoPlanError as exc:
            rows[name] = {"no_plan": exc.problem}
        except CoursePlannerError as exc:
            rows[name] = {"error": str(exc)}
        progress.progress((i + 1) / len(picked))
    progress.empty()
    table = pd.DataFrame(rows).astype(str).replace({"nan": ""})
    st.dataframe(table, width="stretch", key="compare_table")
    if len(plans) >= 2:
        st.subheader(t("differences"))
        frames = [p.sessions[["date", "slot", "teacher_site"]].rename(
            columns={"teacher_site": name}) for name, p in plans.items()]
        merged = frames[0]
        for frame in frames[1:]:
            merged = merged.merge(frame, on=["date", "slot"], how="outer")
        sites = merged[list(plans)]
        differ = merged[sites.nunique(axis=1, dropna=False) > 1]
        st.caption(f"{len(differ)} von / of {len(merged)} Sitzungen")
        st.dataframe(differ, hide_index=True, width="stretch")


guarded(main)
