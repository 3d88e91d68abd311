"""Maps of places and rooms: a Vega-Lite chart (Altair, which Streamlit ships) on a Mercator
projection, with a label on every point, a legend in the page's language and tooltips; no
basemap, so it works offline.

Why not pydeck: its text layer draws labels into a WebGL font atlas, which took about 1.2 s in
a browser without a graphics card and drew no labels at all in headless chromium; Vega draws
text as text.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

# kind → colour; the legend shows the kinds in this order
COLOURS = {
    "reachable": "#228b22",
    "booked": "#e08a00",  # only with a booked ride (AST, Rufbus, zone service)
    "unreachable": "#c81e1e",
    "room": "#1e50c8",
    "chosen": "#1e50c8",
    "candidate": "#9a9a9a",
}


def place_map(
    points: pd.DataFrame,
    legend: dict[str, str],
    *,
    title: str = "",
    height: int = 560,
    label_kinds: Sequence[str] | None = None,
) -> alt.LayerChart:
    """``points``: name, lat, lon, kind (a key of :data:`COLOURS`), info (tooltip text).

    ``legend`` names the kinds shown (kind → words in the page's language); rooms
    (``room``, ``chosen``) are drawn as rings, the rest as dots; ``label_kinds``: which kinds
    get a label (default: all)."""
    data = points.assign(
        legend=points["kind"].map(legend),
        ring=points["kind"].isin(["room", "chosen"]),
    )
    kinds = [k for k in COLOURS if k in set(points["kind"])]
    colour = alt.Color(
        "legend:N",
        scale=alt.Scale(domain=[legend[k] for k in kinds], range=[COLOURS[k] for k in kinds]),
        legend=alt.Legend(title=None, orient="bottom", direction="horizontal"),
    )
    tooltip = [alt.Tooltip("name:N", title=" "), alt.Tooltip("info:N", title=" ")]
    base = alt.Chart(data).project(type="mercator")
    where = {"longitude": "lon:Q", "latitude": "lat:Q"}
    rings = (
        base.transform_filter(alt.datum.ring)
        .mark_point(shape="circle", filled=False, size=420, strokeWidth=3)
        .encode(**where, color=colour, tooltip=tooltip)
    )
    dots = (
        base.transform_filter(~alt.datum.ring)
        .mark_circle(size=90, opacity=0.9)
        .encode(**where, color=colour, tooltip=tooltip)
    )
    labelled = data if label_kinds is None else data[data["kind"].isin(label_kinds)]
    labels = [  # villages below their dot, rooms above their ring: both stay readable
        alt.Chart(labelled[labelled["ring"] == ring])
        .project(type="mercator")
        .mark_text(
            dy=-17 if ring else 12,
            fontSize=13 if ring else 11,
            fontWeight="bold" if ring else "normal",
        )
        .encode(**where, text="name:N", color=alt.value("#282828"))
        for ring in (False, True)
    ]
    return (
        alt.layer(rings, dots, *labels)
        .properties(height=height, title=title)
        .configure_view(stroke=None)
    )
