"""What an on-demand zone brings: the villages, rooms and course dates it reconnects.

For each zone service of a study, the reachability table is answered once more without that
service (every other zone and the feed's booked rides kept): the place × room × course date
rows that are reachable (with booked rides) only with the zone are the ones it reconnects.
The planner changes a zone or its hours in the scenario and sees the answer again — the
"what if" of issue 14, in the CLI (``course-planner zones``) and on the app's Erreichbarkeit
page.

Pure data: the app and the CLI turn the rows into words.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import pandas as pd

from course_planner.reach_summary import meeting_days
from course_planner.transit.reachability import Study, reachability_table

EFFECT_COLUMNS = ["service", "illustrative", "place", "site", "date", "participants"]


@dataclass(frozen=True)
class ZoneSummary:
    """One zone service, one place and room: on how many course dates it reconnects them."""

    service: str
    illustrative: bool
    place: str
    site: str
    dates: int
    dates_total: int
    participants: int


def without_service(study: Study, index: int) -> Study:
    """The study without zone service ``index`` (fresh caches, the same feed and walks)."""
    zones = study.zones
    assert zones is not None
    rest = tuple(s for i, s in enumerate(zones.services) if i != index)
    return replace(study, zones=replace(zones, services=rest) if rest else None)


def zone_effect(study: Study, dates: list[dt.date] | None = None) -> pd.DataFrame:
    """Per zone service, the rows (place, room, course date) reachable with it and not
    without it, with the place's participants (:data:`EFFECT_COLUMNS`)."""
    if not study.zones:
        return pd.DataFrame(columns=EFFECT_COLUMNS)
    dates = meeting_days(study) if dates is None else dates
    keys = ["place", "site", "date"]
    full = reachability_table(study, dates=dates).set_index(keys)["reachable_booked"]
    people = study.places.set_index("name")["participants"]
    parts = []
    for i, service in enumerate(study.zones.services):
        other = reachability_table(without_service(study, i), dates=dates)
        without = other.set_index(keys)["reachable_booked"]
        gained = full[full & ~without.reindex(full.index, fill_value=False)].reset_index()
        parts.append(
            pd.DataFrame(
                {
                    "service": service.name,
                    "illustrative": service.illustrative,
                    "place": gained["place"],
                    "site": gained["site"],
                    "date": gained["date"],
                    "participants": gained["place"].map(people).fillna(0).astype(int),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)[EFFECT_COLUMNS]


def summarise_effect(effect: pd.DataFrame, dates_total: int) -> list[ZoneSummary]:
    """Per zone service, place and room: the course dates it reconnects (most first)."""
    if effect.empty:
        return []
    grouped = (
        effect.groupby(["service", "illustrative", "place", "site"], sort=False)
        .agg(dates=("date", "count"), participants=("participants", "first"))
        .reset_index()
        .sort_values(
            ["service", "dates", "participants", "place"], ascending=[True, False, False, True]
        )
    )
    return [
        ZoneSummary(
            str(r.service),
            bool(r.illustrative),
            str(r.place),
            str(r.site),
            int(r.dates),
            dates_total,
            int(r.participants),
        )
        for r in grouped.itertuples(index=False)
    ]


def trial_zone(
    name: str,
    places: list[str],
    buffer_km: float,
    days: list[str],
    hours: tuple[str, str],
    minutes_ahead: int,
    not_within_min: int | None,
    cost_weight: float,
) -> dict:
    """A zone service to try, as the scenario writes it (``on_demand:`` entry): the area
    around ``places`` (``buffer_km``), one window ``hours`` ("HH:MM") on ``days``, booked
    ``minutes_ahead``; marked illustrative (a planner's try is not a real service)."""
    return {
        "name": name,
        "zone": {"places": list(places), "buffer_km": float(buffer_km)},
        "hours": {day: [f"{hours[0]}-{hours[1]}"] for day in days},
        "booking": {"minutes_ahead": int(minutes_ahead)},
        "not_within_min_of_bus": not_within_min or None,
        "cost_weight": float(cost_weight),
        "illustrative": True,
    }


def with_zone(data: dict, zone: dict) -> dict:
    """The scenario data with ``zone`` added (a zone of the same name replaced)."""
    others = [z for z in data.get("on_demand") or [] if z.get("name") != zone["name"]]
    return {**data, "on_demand": [*others, zone]}


__all__ = [
    "EFFECT_COLUMNS",
    "ZoneSummary",
    "summarise_effect",
    "trial_zone",
    "with_zone",
    "zone_effect",
]
