"""What a participant's documents say, computed once for the handout and the calendar:
the sessions (with or without a teacher's plan) and the connection per course date, grouped
by identical connection."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd
from babel.dates import format_date

from course_planner import catalogues
from course_planner.calendar import term_sessions
from course_planner.scenario import Scenario
from course_planner.transit.journey import BookingNotice, Journey, Leg, Mode

if TYPE_CHECKING:  # the engine is loaded only where connections are computed
    from course_planner.rotation.plan import Plan
    from course_planner.transit.reachability import Study


def is_walk(leg: Leg) -> bool:
    """A walking leg (every other mode is a ride)."""
    return leg.mode is Mode.WALK


def line_name(leg: Leg) -> str:
    """A ride's line as printed: "725 » Stadt", or the service alone ("Limo") where the
    ride has no direction (a zone ride)."""
    route = leg.route or ""
    return f"{route} » {leg.headsign}" if leg.headsign else route


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
                        x.mode,
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
    from course_planner.transit.reachability import planned_journeys

    out = []
    days = sessions.groupby("date", sort=True).agg(start=("start_s", "min"), end=("end_s", "max"))
    for day, rec in days.iterrows():
        there, back = planned_journeys(study, place, site, day, int(rec["start"]), int(rec["end"]))
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
    course dates by scheduled service (then with booked rides, then the shorter way there,
    then the scenario's order of rooms), the same rule as the rotation's assignment; None
    where no room is reachable on any date, not even with a booked ride."""
    order = {name: i for i, name in enumerate(study.network.site_names)}
    summary = (
        table.assign(
            out=pd.to_numeric(table["outbound_min"], errors="coerce"),
            booked=table["reachable_booked"].astype(bool),
        )
        .groupby(["place", "site"], sort=False)
        .agg(dates=("reachable", "sum"), booked=("booked", "sum"), out=("out", "median"))
        .reset_index()
    )
    summary["order"] = summary["site"].map(order)
    best = summary.sort_values(
        ["place", "dates", "booked", "out", "order"],
        ascending=[True, False, False, True, True],
        na_position="last",
        kind="stable",
    ).drop_duplicates("place")
    chosen = {
        rec.place: (rec.site if rec.dates > 0 or rec.booked > 0 else None)
        for rec in best.itertuples(index=False)
    }
    return {place: chosen.get(place) for place in study.network.place_names}


# ------------------------------------------------------------------ booked rides in words


def say(text: str, lang: str, **fmt: str) -> str:
    """A handout text (German msgid) in ``lang``, filled in."""
    texts = catalogues.catalogue("handout", lang) if lang != "de" else None
    return (texts or {}).get(text, text).format(**fmt)


def booking_when(notice: BookingNotice, dates: Sequence[dt.date], lang: str) -> str | None:
    """By when to book the ride of ``notice`` (made for ``dates[0]``) on every date of
    ``dates``: "So., 01.03. 22:00" for one date, "So. 22:00" when the dates share their
    weekday, else relative to the course date ("22:00 am Vortag"); None when nobody said."""
    if notice.deadline is None:
        return None
    deadline, first = notice.deadline, dates[0]
    time = f"{deadline:%H:%M}"
    locale = "de" if lang == "de" else lang
    if len(dates) == 1:
        return f"{format_date(deadline.date(), 'EEE dd.MM.', locale=locale)} {time}"
    if len({d.weekday() for d in dates}) == 1:
        return f"{format_date(deadline.date(), 'EEE', locale=locale)} {time}"
    days = (first - deadline.date()).days
    if days == 0:
        return say("{time} am selben Tag", lang, time=time)
    if days == 1:
        return say("{time} am Vortag", lang, time=time)
    return say("{time}, {n} Tage vorher", lang, n=str(days), time=time)


def booking_line(
    notice: BookingNotice, dates: Sequence[dt.date], lang: str, phone: str | None = None
) -> str:
    """One booked ride in words: "ALF 3: bis So. 22:00 unter 05261 654321 buchen".
    ``phone``: the number to give when the notice has none (the scenario's contact)."""
    when = booking_when(notice, dates, lang)
    number = notice.phone or phone
    service = notice.service
    if notice.illustrative and "illustrativ" not in service.lower():
        service += f" ({say('illustrativ, kein echtes Angebot', lang)})"
    if when is not None and number:
        return say(
            "{service}: bis {when} unter {phone} buchen",
            lang,
            service=service,
            when=when,
            phone=number,
        )
    if when is not None:
        return say(
            "{service}: bis {when} buchen (Telefon beim Kursbüro erfragen)",
            lang,
            service=service,
            when=when,
        )
    if number:
        return say("{service}: vorher unter {phone} buchen", lang, service=service, phone=number)
    return say(
        "{service}: muss vorher gebucht werden (wie und bis wann: beim Kursbüro erfragen)",
        lang,
        service=service,
    )


def booking_lines(
    journeys: Sequence[Journey | None], dates: Sequence[dt.date], lang: str, phone: str | None
) -> list[str]:
    """The booking lines of the journeys' booked legs, in order, each once."""
    lines = [
        booking_line(notice, dates, lang, phone)
        for journey in journeys
        if journey is not None
        for notice in journey.bookings
    ]
    return list(dict.fromkeys(lines))
