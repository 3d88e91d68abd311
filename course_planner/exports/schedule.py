"""What a participant's documents say, computed once for the handout and the calendar:
the sessions (with or without a teacher's plan) and the connection per course date, grouped
by identical connection."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from course_planner.calendar import term_sessions
from course_planner.scenario import Scenario
from course_planner.transit.journey import Journey, Leg, Mode

if TYPE_CHECKING:  # the engine is loaded only where connections are computed
    from course_planner.rotation.plan import Plan
    from course_planner.transit.reachability import Study


def is_walk(leg: Leg) -> bool:
    """A walking leg (every other mode is a ride)."""
    return leg.mode is Mode.WALK


def course_sessions(plan: Plan | None, scenario: Scenario) -> pd.DataFrame:
    """The term's sessions: the plan's, or, without a teacher (no plan), the course's with an
    empty ``teacher_site`` (no presence marks)."""
    if plan is not None:
        return plan.sessions
    sessions, _ = term_sessions(scenario.course)
    return sessions.assign(teacher_site="")


@dataclass(frozen=True)
class DayConnection:
    """The way there (before the day's first session) and back (after its last)."""

    date: dt.date
    start_s: int
    end_s: int
    there: Journey | None
    back: Journey | None

    @property
    def complete(self) -> bool:
        return self.there is not None and self.back is not None

    @property
    def key(self) -> tuple:
        def legs(j: Journey | None) -> tuple:
            return (
                ()
                if j is None
                else tuple(
                    (
                        is_walk(x),
                        x.from_name,
                        x.to_name,
                        round(x.depart),
                        round(x.arrive),
                        x.route,
                        x.headsign,
                    )
                    for x in j.legs
                )
            )

        return legs(self.there), legs(self.back)


@dataclass(frozen=True)
class ConnectionGroup:
    """Course dates that share one connection both ways."""

    dates: tuple[dt.date, ...]
    there: Journey
    back: Journey


def day_connections(
    study: Study, sessions: pd.DataFrame, place: str, site: str
) -> list[DayConnection]:
    """Per course date: there before the first session, back after the last one."""
    from course_planner.transit.reachability import journeys

    out = []
    days = sessions.groupby("date", sort=True).agg(start=("start_s", "min"), end=("end_s", "max"))
    for day, rec in days.iterrows():
        there, back = journeys(study, place, site, day, int(rec["start"]), int(rec["end"]))
        out.append(DayConnection(day, int(rec["start"]), int(rec["end"]), there, back))
    return out


def grouped(days: list[DayConnection]) -> tuple[list[ConnectionGroup], list[dt.date]]:
    """Groups of dates with the same connection (most dates first, then by first date), and
    the dates without a connection both ways."""
    groups: dict[tuple, list[DayConnection]] = {}
    missing: list[dt.date] = []
    for day in days:
        if day.complete:
            groups.setdefault(day.key, []).append(day)
        else:
            missing.append(day.date)
    ordered = sorted(groups.values(), key=lambda g: (-len(g), g[0].date))
    out: list[ConnectionGroup] = []
    for g in ordered:
        there, back = g[0].there, g[0].back
        if there is None or back is None:  # not reached: only complete days are grouped
            raise AssertionError("a grouped day has a connection both ways")
        out.append(ConnectionGroup(tuple(d.date for d in g), there, back))
    return out, missing


def home_rooms(study: Study, table: pd.DataFrame) -> dict[str, str | None]:
    """Every place's room for its handout and calendar: the room it reaches on the most
    course dates (then the shorter way there, then the scenario's order of rooms), the same
    rule as the rotation's assignment; None where no room is reachable on any date."""
    order = {name: i for i, name in enumerate(study.network.site_names)}
    summary = (
        table.assign(out=pd.to_numeric(table["outbound_min"], errors="coerce"))
        .groupby(["place", "site"], sort=False)
        .agg(dates=("reachable", "sum"), out=("out", "median"))
        .reset_index()
    )
    summary["order"] = summary["site"].map(order)
    best = summary.sort_values(
        ["place", "dates", "out", "order"],
        ascending=[True, False, True, True],
        na_position="last",
        kind="stable",
    ).drop_duplicates("place")
    chosen = {
        rec.place: (rec.site if rec.dates > 0 else None) for rec in best.itertuples(index=False)
    }
    return {place: chosen.get(place) for place in study.network.place_names}
