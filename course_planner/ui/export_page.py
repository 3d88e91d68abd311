"""Export: the plan and the tables as files."""

from __future__ import annotations

import streamlit as st

from course_planner.errors import NoPlanError
from course_planner.ui.state import current_scenario, guarded, plan, reach, t


def main() -> None:
    st.title(t("page_export"))
    scenario = current_scenario()
    table = reach(scenario)
    st.download_button(t("download_reach"), table.to_csv(index=False).encode("utf-8"),
                       file_name="reach.csv", mime="text/csv", key="dl_reach")
    unreachable = table[~table["reachable"]]
    st.download_button(t("download_unreachable"),
                       unreachable.to_csv(index=False).encode("utf-8"),
                       file_name="unreachable.csv", mime="text/csv", key="dl_unreachable")
    if scenario.teacher is None:
        return
    try:
        p = plan(scenario)
    except NoPlanError as exc:
        st.warning(f"{t('no_plan')}: {exc.problem}")
        return
    st.download_button(t("download_plan"), p.table().to_csv(index=False).encode("utf-8"),
                       file_name="plan.csv", mime="text/csv", key="dl_plan")


guarded(main)
