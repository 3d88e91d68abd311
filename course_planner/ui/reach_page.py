"""Erreichbarkeit: who can reach which room on which date, on a map; why not; the journeys."""

from __future__ import annotations

import pandas as pd
import pydeck as pdk
import streamlit as st

from course_planner.transit.reachability import clock, journeys
from course_planner.ui.state import current_scenario, guarded, header, reach, study, t

GREEN, RED, BLUE = [34, 139, 34, 200], [200, 30, 30, 200], [30, 80, 200, 230]


def place_map(places: pd.DataFrame, rooms: pd.DataFrame) -> pdk.Deck:
    """Places coloured by reachability and the rooms; no basemap (works offline)."""
    layers = [  # rooms as rings underneath, so that a village in a room's town stays seen
        pdk.Layer("ScatterplotLayer", rooms, get_position=["lon", "lat"], filled=False,
                  stroked=True, get_line_color=BLUE, line_width_min_pixels=3,
                  get_radius=1500, radius_min_pixels=12, pickable=True),
        pdk.Layer("ScatterplotLayer", places, get_position=["lon", "lat"],
                  get_fill_color="color", get_radius=600, radius_min_pixels=5,
                  pickable=True),
        pdk.Layer("TextLayer", rooms, get_position=["lon", "lat"], get_text="name",
                  get_size=14, get_color=[20, 20, 60], get_pixel_offset=[0, -18]),
    ]
    both = pd.concat([places[["lat", "lon"]], rooms[["lat", "lon"]]])
    view = pdk.ViewState(latitude=float(both["lat"].mean()),
                         longitude=float(both["lon"].mean()), zoom=9)
    return pdk.Deck(layers=layers, initial_view_state=view, map_style=None,
                    tooltip={"text": "{name}\n{info}"})


def legs_table(journey) -> pd.DataFrame:
    if journey is None:
        return pd.DataFrame({t("there"): [t("no_journey")]})
    return pd.DataFrame([{
        "": "🚶" if leg.mode == "walk" else "🚌",
        "von / from": leg.from_name, "ab / dep": clock(leg.depart),
        "nach / to": leg.to_name, "an / arr": clock(leg.arrive, up=True),
        "Linie / line": leg.route or "", "Richtung / towards": leg.headsign or "",
    } for leg in journey.legs])


def main() -> None:
    header("page_reach")
    scenario = current_scenario()
    s = study(scenario)
    c1, c2 = st.columns(2)
    room = c1.selectbox(t("room"), list(s.network.site_names), key="reach_room")
    dates = [d.isoformat() for d in s.dates]
    date = c2.selectbox(t("date"), dates, key="reach_date")
    course = scenario.course
    duration = course.end_s - course.start_s
    options = list(range(6 * 3600, 13 * 3600 + 1, 15 * 60))
    if course.start_s not in options:
        options = sorted({*options, course.start_s})
    start_s = st.select_slider(t("start_slider"), options=options, value=course.start_s,
                               format_func=clock, key="reach_start")
    table = reach(scenario, start_s, start_s + duration, date)
    rows = table[table["site"] == room].merge(
        s.places[["name", "lat", "lon", "participants"]], left_on="place", right_on="name")
    people = rows["participants"].fillna(0).astype(int)
    m1, m2 = st.columns(2)
    m1.metric(t("reachable_places"), f"{int(rows['reachable'].sum())} / {len(rows)}")
    m2.metric(t("reachable_people"),
              f"{int(people[rows['reachable']].sum())} / {int(people.sum())}")
    rows = rows.assign(
        color=[GREEN if r else RED for r in rows["reachable"]],
        info=[f"{r.reason}; {r.depart_home or '–'} → {r.arrive_home or '–'}"
              for r in rows.itertuples()])
    rooms = s.sites[["name", "lat", "lon"]].assign(info=t("room"))
    st.pydeck_chart(place_map(rows[["name", "lat", "lon", "color", "info"]], rooms),
                    key="reach_map")
    st.caption(t("legend"))
    st.subheader(t("unreachable"))
    bad = rows[~rows["reachable"]][["place", "participants", "reason", "depart_home",
                                    "outbound_min", "arrive_home", "return_min"]]
    st.dataframe(bad, hide_index=True, width="stretch")
    st.subheader(t("journeys"))
    place = st.selectbox(t("place"), list(s.network.place_names), key="reach_place")
    there, back = journeys(s, place, room, pd.Timestamp(date).date(), start_s,
                           start_s + duration)
    c3, c4 = st.columns(2)
    c3.markdown(f"**{t('there')}**")
    c3.dataframe(legs_table(there), hide_index=True)
    c4.markdown(f"**{t('back')}**")
    c4.dataframe(legs_table(back), hide_index=True)


guarded(main)
