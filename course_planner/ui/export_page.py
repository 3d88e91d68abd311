"""Export: the plan and the tables as files."""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from course_planner.errors import NoPlanError, render
from course_planner.exports import slug
from course_planner.exports.handout import LANGUAGES, handout_pdf
from course_planner.exports.ics import room_calendar, village_calendar
from course_planner.exports.tables import german_csv, office_sheets, xlsx
from course_planner.reach_summary import meeting_dates, summarise
from course_planner.transit.provenance import feed_source
from course_planner.ui.printing import print_page
from course_planner.ui.state import (
    current_scenario,
    feed_caption,
    guarded,
    header,
    plan,
    public,
    reach,
    reason_text,
    study,
    t,
)

if TYPE_CHECKING:
    import pandas as pd

    from course_planner.scenario import Course

LANGUAGE_NAMES = {
    "en": "English",
    "ar": "العربية",
    "uk": "Українська",
    "fa": "فارسی",
    "tr": "Türkçe",
}


def unreachable_print(name: str, table: pd.DataFrame, course: Course) -> str:
    """The places that miss a room on some course dates, as an HTML page for A4 printing."""
    rows = [
        [
            x.place,
            x.site,
            f"{x.dates_unreachable} / {x.dates_total}",
            "; ".join(f"{reason_text(c)} ({n})" for c, n in x.reasons),
            x.school_holiday_dates or "",
        ]
        for x in summarise(table, course)
    ]
    head = [
        t(k) for k in ("place", "col_room", "col_dates_bad", "col_reason", "col_school_holidays")
    ]
    return print_page(
        f"{t('unreachable')}: {name}", head, rows, lang=st.session_state.get("lang", "de")
    )


def main() -> None:
    header("page_export")
    scenario = current_scenario()
    meeting = {d.isoformat() for d in meeting_dates(scenario.course)}
    table = reach(scenario)
    table = table[table["date"].isin(meeting)].reset_index(drop=True)  # only course dates
    p = None
    if scenario.teacher is not None:
        try:
            p = plan(scenario)
        except NoPlanError as exc:
            st.warning(f"{t('no_plan')}: {public(render(exc.problem))}")
    tables = office_sheets(
        table, p.table() if p is not None else None, feed_source(scenario.feed).statement
    )
    st.subheader(t("office_tables"))
    st.caption(t("office_note"))
    feed_caption(scenario)
    st.download_button(
        t("download_xlsx"),
        xlsx({render(title): frame for title, frame in tables.values()}),
        file_name="tabellen.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="dl_xlsx",
    )
    labels = {
        "plan": "download_plan",
        "erreichbarkeit": "download_reach",
        "nicht-erreichbar": "download_unreachable",
    }
    for file, (_, frame) in tables.items():
        if file not in labels:  # the source sheet: said on the page (caption)
            continue
        st.download_button(
            t(labels[file]),
            german_csv(frame),
            file_name=f"{file}.csv",
            mime="text/csv",
            key=f"dl_{file}",
        )
    st.download_button(
        t("print_unreachable"),
        unreachable_print(scenario.name, table, scenario.course),
        file_name="nicht-erreichbar.html",
        mime="text/html",
        key="print_unreachable",
    )
    st.caption(t("print_note"))
    if p is None:
        return
    st.subheader(t("calendars"))
    room = st.selectbox(t("room"), p.sites, key="ics_room")
    st.download_button(
        t("download_ics"),
        room_calendar(p, room),
        file_name=f"raum-{slug(room)}.ics",
        mime="text/calendar",
        key="dl_ics_room",
    )
    assigned = p.inp.assignment
    assigned = assigned[assigned["site"].map(lambda s: isinstance(s, str) and bool(s))]
    if assigned.empty:
        return
    st.subheader(t("handouts"))
    st.caption(t("handouts_note"))
    c1, c2 = st.columns(2)
    place = c1.selectbox(t("place"), list(assigned["place"]), key="handout_place")
    lang = c2.selectbox(
        t("language"),
        list(LANGUAGES),
        key="handout_lang",
        format_func=lambda code: LANGUAGE_NAMES[code],
    )
    site = assigned.set_index("place").at[place, "site"]
    s = study(scenario)
    st.download_button(
        t("download_handout"),
        handout_pdf(p, s, place, site, lang),
        file_name=f"{slug(place)}-{slug(site)}-{lang}.pdf",
        mime="application/pdf",
        key="dl_handout",
    )
    st.download_button(
        t("download_ics_village"),
        village_calendar(p, s, place, site, langs=[lang]),
        file_name=f"ort-{slug(place)}.ics",
        mime="text/calendar",
        key="dl_ics_village",
    )


guarded(main)
