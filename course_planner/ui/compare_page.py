"""Vergleich: two or more scenarios side by side — KPIs, and where the plans differ."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from course_planner.errors import CoursePlannerError, NoPlanError
from course_planner.scenario import load_scenario
from course_planner.ui.state import (
    SCENARIOS,
    current_scenario,
    guarded,
    header,
    lkey,
    plan,
    public,
    shipped_scenarios,
    t,
    words,
    workspace,
)

if TYPE_CHECKING:
    from course_planner.rotation.plan import Kpis
    from course_planner.scenario import Scenario

CURRENT = "current"
SAVED, SHIPPED = "saved:", "shipped:"


def _label(choice: str, tr: Callable[[str], str] | None = None) -> str:
    tr = tr or t
    if choice == CURRENT:
        return tr("active_scenario")
    kind, name = choice.split(":", 1)
    return f"{name} ({tr('tab_saved') if kind + ':' == SAVED else tr('tab_shipped')})"


def kpi_row(k: Kpis) -> dict[str, str]:
    """A plan's key figures in words of the catalogue (no raw keys on screen)."""
    row = {
        t("kpi_sessions"): str(k.sessions),
        t("kpi_ue"): str(k.ue),
        t("kpi_online_only"): str(k.sessions_online_only),
        t("kpi_first"): _date(k.first_session),
        t("kpi_last"): _date(k.last_session),
        t("kpi_participant_sessions"): f"{k.participant_sessions_in_person} / "
        f"{k.participant_sessions_total}",
        t("kpi_teacher_km"): f"{k.teacher_km:.0f} km",
        t("kpi_teacher_hours"): f"{k.teacher_hours:.1f} h",
    }
    for room, v in k.rooms.items():
        row[f"{room}: {t('share')}"] = (
            f"{v.in_person_sessions} / {k.sessions} "
            f"({v.share:.0%}, {t('target_share')} "
            f"{v.target_share:.0%})"
        )
        row[f"{room}: {t('longest_wait')}"] = str(v.longest_wait)
    for name, paid in k.penalties.items():
        row[f"{t('penalty')}: {t('pen_' + name)}"] = f"{paid.value:g} {t('unit_' + name)}"
    row[t("kpi_optimal")] = t("yes") if k.proven_optimal else t("no")
    return row


def _date(iso: str) -> str:
    y, m, d = iso.split("-")
    return f"{d}.{m}.{y}"


def _scenario(choice: str) -> Scenario:
    if choice == CURRENT:
        return current_scenario()
    if choice.startswith(SAVED):
        return load_scenario(workspace().get(choice.removeprefix(SAVED)).file)
    return load_scenario(SCENARIOS / choice.removeprefix(SHIPPED))


def main() -> None:
    header("page_compare")
    names = [
        CURRENT,
        *(SAVED + s.name for s in workspace().scenarios()),
        *(SHIPPED + n for n in shipped_scenarios()),
    ]
    picked = st.multiselect(
        t("compare_pick"),
        names,
        default=[
            SHIPPED + n
            for n in ("lippe-2026.yaml", "lippe-2026-strict-rotation.yaml")
            if SHIPPED + n in names
        ],
        format_func=partial(_label, tr=words("")),
        key=lkey("compare_pick"),
    )
    if len(picked) < 2:
        st.info(t("pick_two"))
        return
    plans, rows = {}, {}
    progress = st.progress(0.0)
    for i, name in enumerate(picked):
        try:
            progress.progress(i / len(picked), text=t("solving_for").format(name=_label(name)))
            scenario = _scenario(name)
            if scenario.teacher is None:
                rows[_label(name)] = {t("kpi_problem"): t("no_teacher")}
                continue
            plans[name] = plan(scenario)
            rows[_label(name)] = kpi_row(plans[name].kpis())
        except NoPlanError as exc:
            rows[_label(name)] = {t("kpi_problem"): f"{t('no_plan')}: {exc.problem}"}
        except CoursePlannerError as exc:
            rows[_label(name)] = {t("kpi_problem"): public(str(exc))}
        progress.progress((i + 1) / len(picked))
    progress.empty()
    table = pd.DataFrame(rows)
    table = table.astype(object).where(table.notna(), "–").astype(str)
    st.dataframe(table, width="stretch", key="compare_table")
    if len(plans) >= 2:
        st.subheader(t("differences"))
        frames = [
            p.sessions[["date", "slot", "teacher_site"]].rename(
                columns={"teacher_site": _label(name)}
            )
            for name, p in plans.items()
        ]
        merged = frames[0]
        for frame in frames[1:]:
            merged = merged.merge(frame, on=["date", "slot"], how="outer")
        sites = merged[[_label(n) for n in plans]]
        differ = merged[sites.nunique(axis=1, dropna=False) > 1]
        st.caption(t("sessions_differ").format(n=len(differ), total=len(merged)))
        shown = differ.rename(columns={"date": t("date"), "slot": t("slot")})
        shown = shown.astype(object).where(shown.notna(), "–").replace("", t("online_all"))
        st.dataframe(shown, hide_index=True, width="stretch")


guarded(main)
