"""Calendar files (RFC 5545) of a plan: per room and per village, one event per session.

Each event has the room as location and the presence mark in its description; villages'
events also carry the connection there and back. UIDs are stable (derived from scenario,
calendar, date and slot), so a re-export updates the events instead of doubling them;
DTSTAMP is fixed to the term's first day, so the same plan gives the same file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from course_planner.rotation.plan import Plan
from course_planner.transit.reachability import Study, clock, journeys
from course_planner.transit.router import Mode

TZ = ZoneInfo("Europe/Berlin")


def _uid(*parts: object) -> str:
    digest = hashlib.sha1("|".join(map(str, parts)).encode("utf-8")).hexdigest()[:24]
    return f"{digest}@kursplaner"


def _calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", "-//Kursplaner//course_planner//DE")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Europe/Berlin")
    return cal


def _local(day: dt.date, seconds: int) -> dt.datetime:
    """Wall-clock time on ``day`` (seconds after midnight) in Europe/Berlin (aware
    arithmetic in Python is wall-clock, so 08:30 stays 08:30 across a DST change)."""
    return dt.datetime.combine(day, dt.time(), tzinfo=TZ) + dt.timedelta(seconds=int(seconds))


def presence(site: str, teacher_site: str) -> str:
    if teacher_site == site:
        return "Lehrkraft vor Ort (Präsenz)"
    if not teacher_site:
        return "online – Lehrkraft heute nicht vor Ort"
    return f"online – Lehrkraft in {teacher_site}"


def _journey_text(label: str, journey) -> str:
    if journey is None:
        return f"{label}: keine Verbindung an diesem Tag – bitte online teilnehmen."
    parts = []
    for leg in journey.legs:
        if leg.mode is Mode.WALK:
            parts.append(f"zu Fuß {leg.from_name} → {leg.to_name} "
                         f"({clock(leg.depart)}–{clock(leg.arrive, up=True)})")
        else:
            parts.append(f"Linie {leg.route} Richtung {leg.headsign}: ab {leg.from_name} "
                         f"{clock(leg.depart)}, an {leg.to_name} {clock(leg.arrive, up=True)}")
    return f"{label}: " + "; ".join(parts)


def _events(cal: Calendar, plan: Plan, site: str, key: str, extra=None) -> None:
    scenario = plan.inp.scenario
    address = next((s.address for s in scenario.sites if s.name == site), None)
    stamp = dt.datetime.combine(plan.sessions["date"].iloc[0], dt.time(),
                                tzinfo=dt.UTC)
    for rec in plan.sessions.itertuples(index=False):
        mark = presence(site, rec.teacher_site)
        event = Event()
        event.add("uid", _uid(scenario.name, key, rec.date, rec.slot))
        event.add("dtstamp", stamp)
        event.add("sequence", 0)
        event.add("dtstart", _local(rec.date, rec.start_s))
        event.add("dtend", _local(rec.date, rec.end_s))
        present = rec.teacher_site == site
        event.add("summary", f"{scenario.name} – {'Präsenz' if present else 'online'}")
        event.add("location", f"{site}, {address}" if address else site)
        text = [mark, f"{rec.ue} UE"]
        if extra is not None:
            text.extend(extra(rec))
        event.add("description", "\n".join(text))
        cal.add_component(event)


def room_calendar(plan: Plan, site: str) -> bytes:
    """All sessions of the term as seen in one room."""
    cal = _calendar(f"{plan.inp.scenario.name} – {site}")
    _events(cal, plan, site, f"room:{site}")
    cal.add_missing_timezones()
    return cal.to_ical()


def village_calendar(plan: Plan, study: Study, place: str, site: str) -> bytes:
    """The sessions for people from ``place`` attending ``site``, with their connection."""
    def journey_lines(rec) -> list[str]:
        there, back = journeys(study, place, site, rec.date, int(rec.start_s), int(rec.end_s))
        return [_journey_text("Hinweg", there), _journey_text("Rückweg", back)]

    cal = _calendar(f"{plan.inp.scenario.name} – {place} → {site}")
    _events(cal, plan, site, f"village:{place}:{site}", journey_lines)
    cal.add_missing_timezones()
    return cal.to_ical()
