"""Erreichbarkeit: who can reach which room on which course date, on a map; why not, over
all course dates; what would help; the journeys leg by leg."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from typing import Any

import pandas as pd
import streamlit as st

from course_planner.clock import clock
from course_planner.exports.schedule import booking_line
from course_planner.reach_summary import VillageSummary, meeting_dates, meeting_days, summarise
from course_planner.scenario import WEEKDAYS, Scenario
from course_planner.transit.journey import Journey, Mode
from course_planner.transit.reachability import Study, planned_journeys
from course_planner.ui.maps import place_map
from course_planner.ui.state import (
    apply_edit,
    build,
    current_data,
    current_scenario,
    feed_caption,
    guarded,
    header,
    lkey,
    reach,
    reason_text,
    report_table,
    study,
    t,
    unreachable_help,
    words,
    zone_effect,
)
from course_planner.zone_effect import summarise_effect, trial_zone, with_zone


def day_label(iso: str, weekday: Callable[[object], str] | None = None) -> str:
    d = dt.date.fromisoformat(iso)
    wd = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[d.weekday()]
    return f"{(weekday or words('wd_'))(wd)}, {d:%d.%m.%Y}"


def tooltip(r: Any) -> str:  # a row of DataFrame.itertuples (an untyped namedtuple)
    if r.reachable:
        return f"{t('tip_leave')} {r.depart_home} · {t('tip_home')} {r.arrive_home}"
    there = (
        f"{t('tip_leave')} {r.depart_home}" if isinstance(r.depart_home, str) else t("tip_no_there")
    )
    back = (
        f"{t('tip_home')} {r.arrive_home}" if isinstance(r.arrive_home, str) else t("tip_no_back")
    )
    text = f"{reason_text(r.reason)} · {there} · {back}"
    by = [x for x in (deadline_text(r.book_outbound_by), deadline_text(r.book_return_by)) if x]
    if r.reason == "on_demand_only" and by:
        text += f" · {t('tip_book_by')} {' / '.join(by)}"
    return text


MODE_ICONS = {Mode.WALK: "🚶", Mode.RIDE: "🚌", Mode.BOOKED_RIDE: "📞🚌", Mode.ZONE_RIDE: "📞🚕"}


def legs_table(
    journey: Journey | None, day: dt.date | None = None, phone: str | None = None
) -> pd.DataFrame:
    """The legs of a journey; a ride that must be booked says by when and where."""
    if journey is None:
        return pd.DataFrame({t("there"): [t("no_journey")]})
    lang = st.session_state.get("lang", "de")
    rows = []
    for leg in journey.legs:
        row = {
            "": MODE_ICONS[leg.mode],
            t("leg_from"): leg.from_name,
            t("leg_dep"): clock(leg.depart),
            t("leg_to"): leg.to_name,
            t("leg_arr"): clock(leg.arrive, up=True),
            t("leg_line"): leg.route or "",
            t("leg_towards"): leg.headsign or "",
        }
        if journey.must_book:
            row[t("leg_booking")] = (
                booking_line(leg.booking, [day or leg.booking.ride_start.date()], lang, phone)
                if leg.booking is not None
                else ""
            )
        rows.append(row)
    return pd.DataFrame(rows)


def unreachable_table(rows: pd.DataFrame) -> pd.DataFrame:
    """The places not reachable by scheduled service; those a booked ride brings say by
    when to book it."""
    bad = rows[~rows["reachable"]]
    out = pd.DataFrame(
        {
            t("place"): bad["place"],
            t("col_participants"): pd.to_numeric(bad["participants"]).round().astype("Int64"),
            t("col_reason"): bad["reason"].map(reason_text),
            t("col_depart_home"): bad["depart_home"],
            t("col_outbound_min"): bad["outbound_min"],
            t("col_arrive_home"): bad["arrive_home"],
            t("col_return_min"): bad["return_min"],
        }
    )
    if bad["reachable_booked"].any():
        out[t("col_booked_services")] = bad["booked_services"]
        out[t("col_book_by")] = [
            book_by(a, b)
            for a, b in zip(bad["book_outbound_by"], bad["book_return_by"], strict=True)
        ]
        out[t("col_booking_phone")] = bad["booking_phone"]
    return out.astype(object).where(out.notna(), "–").astype(str).replace("", "–")


def book_by(there: str, back: str) -> str:
    """The booking deadlines of a row: one when both rides are booked by the same time."""
    a, b = deadline_text(there), deadline_text(back)
    if a and b and a != b:
        return f"{a} ({t('there')}) · {b} ({t('back')})"
    return a or b


def deadline_text(value: str) -> str:
    """ "2026-03-01 22:00" -> "So, 01.03. 22:00" in the page's language ("" stays "")."""
    if not value:
        return ""
    when = dt.datetime.fromisoformat(value)
    wd = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[when.weekday()]
    return f"{words('wd_')(wd)}, {when:%d.%m. %H:%M}"


def summary_text(s: VillageSummary) -> str:
    parts = [f"{reason_text(code)} ({n})" for code, n in s.reasons]
    text = t("summary_line").format(
        bad=s.dates_unreachable, total=s.dates_total, reasons="; ".join(parts)
    )
    if s.school_holiday_dates:
        text += " — " + t("summary_holidays").format(n=s.school_holiday_dates)
    return text


def main() -> None:
    header("page_reach")
    scenario = current_scenario()
    s = study(scenario)
    meeting = {d.isoformat() for d in meeting_dates(scenario.course)}
    dates = [d.isoformat() for d in s.dates if d.isoformat() in meeting]
    if not dates:
        st.warning(t("no_course_dates"))
        return
    c1, c2 = st.columns(2)
    room = c1.selectbox(t("room"), list(s.network.site_names), key="reach_room")
    date = c2.selectbox(
        t("date"),
        dates,
        key=lkey("reach_date"),
        format_func=partial(day_label, weekday=words("wd_")),
    )
    st.caption(t("only_course_dates").format(n=len(dates)))
    feed_caption(scenario)
    course = scenario.course
    duration = course.end_s - course.start_s
    options = list(range(6 * 3600, 13 * 3600 + 1, 15 * 60))
    if course.start_s not in options:
        options = sorted({*options, course.start_s})
    start_s = st.select_slider(
        t("start_slider"),
        options=options,
        value=course.start_s,
        format_func=clock,
        key="reach_start",
    )
    table = reach(scenario, start_s, start_s + duration, date)
    rows = table[table["site"] == room].merge(
        s.places[["name", "lat", "lon", "participants"]], left_on="place", right_on="name"
    )
    people = rows["participants"].fillna(0).astype(int)
    m1, m2 = st.columns(2)
    m1.metric(t("reachable_places"), f"{int(rows['reachable'].sum())} / {len(rows)}")
    m2.metric(
        t("reachable_people"), f"{int(people[rows['reachable']].sum())} / {int(people.sum())}"
    )
    rows = rows.assign(
        kind=[
            "reachable" if r else "booked" if b else "unreachable"
            for r, b in zip(rows["reachable"], rows["reachable_booked"], strict=True)
        ],
        info=[tooltip(r) for r in rows.itertuples()],
    )
    rooms = s.sites[["name", "lat", "lon"]].assign(kind="room", info=t("room"))
    points = pd.concat([rooms, rows[["name", "lat", "lon", "kind", "info"]]], ignore_index=True)
    legend = {
        "reachable": t("legend_reachable"),
        "booked": t("legend_booked"),
        "unreachable": t("legend_unreachable"),
        "room": t("legend_room"),
    }
    st.altair_chart(place_map(points, legend), width="stretch", key="reach_map")
    st.subheader(t("unreachable"))
    bad = unreachable_table(rows)
    if bad.empty:
        st.success(t("all_reachable"))
    else:
        st.dataframe(bad, hide_index=True, width="stretch", key="reach_unreachable")
    summaries(scenario, room, start_s, duration)
    helps(scenario)
    booked_routes(s)
    zones(scenario, s)
    st.subheader(t("journeys"))
    place = st.selectbox(t("place"), list(s.network.place_names), key="reach_place")
    day = dt.date.fromisoformat(date)
    there, back = planned_journeys(s, place, room, day, start_s, start_s + duration)
    phone = scenario.contact.booking_phone
    c3, c4 = st.columns(2)
    c3.markdown(f"**{t('there')}**")
    c3.dataframe(legs_table(there, day, phone), hide_index=True)
    c4.markdown(f"**{t('back')}**")
    c4.dataframe(legs_table(back, day, phone), hide_index=True)


def summaries(scenario: Scenario, room: str, start_s: int, duration: int) -> None:
    """Over all course dates, per village: on how many no connection to this room, why."""
    st.subheader(t("over_the_term"))
    if not st.toggle(t("show_over_the_term"), key="reach_term"):
        return
    full = reach(scenario, start_s, start_s + duration)
    found = [x for x in summarise(full, scenario.course) if x.site == room]
    if not found:
        st.success(t("all_reachable_term"))
        return
    st.dataframe(
        pd.DataFrame(
            {
                t("place"): [x.place for x in found],
                t("col_summary"): [summary_text(x) for x in found],
            }
        ),
        hide_index=True,
        width="stretch",
        key="reach_summary",
    )


def helps(scenario: Scenario) -> None:
    """For the villages that reach none of the scenario's own rooms: the smallest change."""
    st.subheader(t("what_helps"))
    if not st.toggle(t("show_what_helps"), key="reach_help"):
        return
    report = unreachable_help(scenario)
    if report.empty:
        st.success(t("all_reach_a_room"))
        return
    st.dataframe(report_table(report), hide_index=True, width="stretch", key="reach_help_table")


def booked_routes(s: Study) -> None:
    """Which lines of the timetable were taken as rides that must be booked, and why (the
    planner confirms or rejects them in the scenario: on_demand_routes)."""
    if not s.booked_routes:
        return
    with st.expander(t("booked_routes_title")):
        st.caption(t("booked_routes_note"))
        st.dataframe(
            pd.DataFrame(
                {
                    t("leg_line"): [r.route_name for r in s.booked_routes],
                    t("col_route_id"): [r.route_id for r in s.booked_routes],
                    t("col_taken_as_booked"): [
                        (t("whole_line") if r.whole_route else t("some_stops"))
                        if r.booked
                        else t("no")
                        for r in s.booked_routes
                    ],
                    t("col_why"): [
                        "; ".join(t(f"evidence_{e.value}") for e in r.evidence)
                        for r in s.booked_routes
                    ],
                }
            ),
            hide_index=True,
            width="stretch",
            key="reach_booked_routes",
        )


def zones(scenario: Scenario, s: Study) -> None:
    """What each on-demand zone brings: the villages and rooms it reconnects, on how many
    course dates, for how many participants; and a zone to try before it goes into the
    scenario."""
    st.subheader(t("what_zones_bring"))
    if s.zones:
        illustrative = [z.name for z in s.zones.services if z.illustrative]
        if illustrative:
            st.info(t("zones_illustrative").format(names=", ".join(illustrative)))
        if st.toggle(t("show_what_zones_bring"), key="reach_zones"):
            effect_table(scenario, None)
    try_zone(scenario, s)


def effect_table(scenario: Scenario, service: str | None) -> None:
    """The places each zone (or only ``service``) reconnects, as a table."""
    found = summarise_effect(zone_effect(scenario), len(meeting_days(study(scenario))))
    found = [x for x in found if service is None or x.service == service]
    if not found:
        st.warning(t("zones_bring_nothing"))
        return
    st.dataframe(
        pd.DataFrame(
            {
                t("col_zone"): [x.service for x in found],
                t("place"): [x.place for x in found],
                t("room"): [x.site for x in found],
                t("col_zone_dates"): [
                    t("n_of_total").format(n=x.dates, total=x.dates_total) for x in found
                ],
                t("col_participants"): [x.participants for x in found],
            }
        ),
        hide_index=True,
        width="stretch",
        key=f"reach_zones_table_{service or 'all'}",
    )


def try_zone(scenario: Scenario, s: Study) -> None:
    """A form for a zone to try: its places, radius, hours, booking and rule; what it
    would bring; and, if wanted, into the scenario."""
    with st.expander(t("try_zone")):
        with st.form("try_zone_form"):
            name = st.text_input(t("zone_name"), value=t("zone_default_name"), key="tz_name")
            places = st.multiselect(t("zone_places"), list(s.network.place_names), key="tz_places")
            radius = st.slider(t("zone_radius"), 1.0, 15.0, 5.0, 0.5, key="tz_radius")
            days = st.multiselect(
                t("zone_days"),
                list(WEEKDAYS),
                default=[d for d in WEEKDAYS if d != "sun"],
                format_func=words("wd_"),
                key="tz_days",
            )
            hours = st.select_slider(
                t("zone_hours"),
                options=[f"{h:02d}:{m:02d}" for h in range(5, 24) for m in (0, 30)],
                value=("08:00", "20:00"),
                key="tz_hours",
            )
            c1, c2, c3 = st.columns(3)
            ahead = c1.number_input(t("zone_ahead"), 0, 24 * 60, 60, key="tz_ahead")
            rule = c2.number_input(t("zone_rule"), 0, 120, 15, key="tz_rule")
            cost = c3.slider(t("zone_cost"), 0.0, 1.0, 0.1, 0.05, key="tz_cost")
            tried = st.form_submit_button(t("zone_try_button"))
        if tried:
            if not places or not days:
                st.warning(t("zone_needs_places"))
                return
            zone = trial_zone(name, places, radius, days, hours, ahead, rule, cost)
            st.session_state.tried_zone = (scenario.model_dump_json(), zone)
        tried_zone = st.session_state.get("tried_zone")
        if not tried_zone or tried_zone[0] != scenario.model_dump_json():
            return
        zone = tried_zone[1]
        data = with_zone(current_data(), zone)
        effect_table(build(data), zone["name"])
        if st.button(t("zone_apply"), key="tz_apply"):
            apply_edit(data)
            st.session_state.pop("tried_zone", None)
            st.rerun()


guarded(main)
