"""Calendar files (RFC 5545) of a plan: per room and per village, one event per session.

Each event has the room as location, the title "Kurs im Raum X – Lehrkraft vor Ort" (or
"– Lehrkraft per Video": people still travel to their room), and for villages the connection
there (before the day's first session) and back (after its last), what to book by when, and
a reminder an hour before each booking deadline. A village's calendar is written in German
and once more in each of the handouts' languages (texts from the handout catalogue). UIDs
are stable (scenario, calendar, date, slot), so a re-export updates the events instead of
doubling them.

Updates follow RFC 5546: a :class:`CalendarLedger` (kept as ``calendars.json`` beside the
files) remembers each event's content hash, SEQUENCE and DTSTAMP. An unchanged event keeps
both, so the same plan gives byte-identical files; a changed event gets SEQUENCE+1 and a new
DTSTAMP; a session that is gone is written once more as STATUS:CANCELLED, so calendar apps
remove it instead of keeping it. Without a ledger (first export), DTSTAMP is the term's first
day and SEQUENCE 0.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from babel import Locale
from icalendar import Alarm, Calendar, Event

from course_planner.clock import clock
from course_planner.exports.schedule import (
    booking_line,
    booking_lines,
    course_sessions,
    day_connections,
    is_walk,
    say,
)
from course_planner.rotation.plan import Plan
from course_planner.scenario import Scenario
from course_planner.transit.journey import Journey
from course_planner.transit.provenance import feed_source
from course_planner.transit.reachability import Study

TZ = ZoneInfo("Europe/Berlin")
LEDGER_FILE = "calendars.json"


def _uid(*parts: object) -> str:
    digest = hashlib.sha1("|".join(map(str, parts)).encode("utf-8")).hexdigest()[:24]
    return f"{digest}@kursplaner"


@dataclass(frozen=True)
class EventRecord:
    """What the ledger keeps of one event (enough to cancel it later)."""

    digest: str
    sequence: int
    dtstamp: str  # ISO, UTC
    summary: str
    dtstart: str  # ISO, Europe/Berlin
    dtend: str
    location: str
    cancelled: bool = False


class CalendarLedger:
    """Per calendar file: the events of the last export (see the module text)."""

    def __init__(self, data: dict | None = None, now: dt.datetime | None = None) -> None:
        self.previous: dict[str, dict[str, EventRecord]] = {
            cal: {uid: EventRecord(**rec) for uid, rec in events.items()}
            for cal, events in (data or {}).get("calendars", {}).items()
        }
        self.current: dict[str, dict[str, EventRecord]] = {}
        now = now or dt.datetime.now(dt.UTC)
        self.now = now.astimezone(dt.UTC).replace(microsecond=0)

    @classmethod
    def from_json(cls, text: str | bytes | None, now: dt.datetime | None = None) -> CalendarLedger:
        if not text:
            return cls(None, now)
        try:
            data = json.loads(text)
            return cls(data, now)
        except (ValueError, TypeError):  # unreadable state: start afresh (SEQUENCE 0)
            return cls(None, now)

    def to_json(self) -> bytes:
        data = {
            "calendars": {
                cal: {uid: asdict(rec) for uid, rec in sorted(events.items())}
                for cal, events in sorted(self.current.items())
            }
        }
        return (json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()


def _calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", "-//Kursplaner//course_planner//DE")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Europe/Berlin")
    return cal


def _local(day: dt.date, seconds: int) -> dt.datetime:
    """Wall-clock time on ``day`` (seconds after midnight) in Europe/Berlin (aware
    arithmetic in Python is wall-clock, so 08:30 stays 08:30 across a DST change)."""
    return dt.datetime.combine(day, dt.time(), tzinfo=TZ) + dt.timedelta(seconds=int(seconds))


def presence(site: str, teacher_site: str, lang: str = "de") -> str:
    if teacher_site == site:
        return say("Lehrkraft vor Ort (Präsenz)", lang)
    if not teacher_site:
        return say("Lehrkraft per Video – bitte trotzdem in den Kursraum kommen", lang)
    return say(
        "Lehrkraft per Video (heute in {site}) – bitte in den Kursraum kommen",
        lang,
        site=teacher_site,
    )


def title(site: str, teacher_site: str | None, lang: str = "de") -> str:
    """'Kurs im Raum X – Lehrkraft vor Ort' / '– Lehrkraft per Video' (no mark without a
    teacher's plan), in ``lang``."""
    room = f"{say('Kurs im Raum', lang)} {site}"
    if teacher_site is None:
        return room
    return f"{room} – " + say(
        "Lehrkraft vor Ort" if teacher_site == site else "Lehrkraft per Video", lang
    )


def _journey_text(label: str, journey: Journey | None, lang: str = "de") -> str:
    """One way of the day in words ("Hinweg: zu Fuß …; Linie 725 Richtung …: ab …")."""
    head = say(label, lang)
    if journey is None:
        return f"{head}: " + say("keine Verbindung an diesem Tag – bitte online teilnehmen.", lang)
    parts = []
    for leg in journey.legs:
        if is_walk(leg):
            parts.append(
                f"{say('zu Fuß', lang)} {leg.from_name} → {leg.to_name} "
                f"({clock(leg.depart)}–{clock(leg.arrive, up=True)})"
            )
        else:
            line = (
                f"{say('Linie', lang)} {leg.route} {say('Richtung', lang)} {leg.headsign}"
                if leg.headsign
                else str(leg.route)
            )
            parts.append(
                f"{line}: {say('ab', lang)} {leg.from_name} {clock(leg.depart)}, "
                f"{say('an', lang)} {leg.to_name} {clock(leg.arrive, up=True)}"
                + (f" ({say('nur mit Buchung', lang)})" if leg.mode.must_book else "")
            )
    return f"{head}: " + "; ".join(parts)


def _contact_lines(scenario: Scenario, lang: str = "de") -> list[str]:
    c = scenario.contact
    pairs = (
        ("Online teilnehmen", c.online_link),
        ("Veranstalter", c.organiser),
        ("Telefon", c.organiser_phone),
        ("E-Mail", c.organiser_email),
        ("Rufbus (AST)", c.booking_phone),
    )
    return [f"{say(label, lang)}: {value}" for label, value in pairs if value]


def _language_name(lang: str) -> str:
    """The language's own name ("українська"), for the heading of its part."""
    return Locale.parse(lang).get_display_name(lang) or lang


def _events(
    cal: Calendar,
    scenario: Scenario,
    sessions: pd.DataFrame,
    has_plan: bool,
    site: str,
    key: str,
    ledger: CalendarLedger | None,
    extra: Callable[[Any, str], list[str]] | None = None,
    alarms: Callable[[Any], list[tuple[dt.datetime, str]]] | None = None,
    langs: Sequence[str] = (),
) -> None:
    """The events of ``sessions`` (``extra``: more description lines per session and
    language; ``alarms``: reminders (when, text) per session, e.g. to book a ride). The
    texts are German, then once more in each of ``langs`` (the title joined with " / ",
    the description in a part of its own per language)."""
    others = [lang for lang in dict.fromkeys(langs) if lang != "de"]
    address = next((s.address for s in scenario.sites if s.name == site), None)
    first_stamp = dt.datetime.combine(sessions["date"].iloc[0], dt.time(), tzinfo=dt.UTC)
    previous = ledger.previous.get(key, {}) if ledger else {}
    current: dict[str, EventRecord] = {}
    for rec in sessions.itertuples(index=False):
        uid = _uid(scenario.name, key, rec.date, rec.slot)
        teacher = rec.teacher_site if has_plan else None
        summary = " / ".join(title(site, teacher, lang) for lang in ["de", *others])
        location = f"{site}, {address}" if address else site
        parts = []
        for lang in ["de", *others]:
            text = [] if lang == "de" else [f"— {_language_name(lang)} —"]
            if has_plan:
                text.append(presence(site, rec.teacher_site, lang))
            text.append(say("{n} UE", lang, n=str(rec.ue)))
            if extra is not None:
                text.extend(extra(rec, lang))
            text.extend(_contact_lines(scenario, lang))
            if lang != "de":
                text.append(say("Übersetzung: noch nicht von Muttersprachlern geprüft.", lang))
            parts.append("\n".join(text))
        description = "\n\n".join(parts)
        start, end = _local(rec.date, rec.start_s), _local(rec.date, rec.end_s)
        digest = hashlib.sha1(
            "\x1f".join(
                (summary, start.isoformat(), end.isoformat(), location, description)
            ).encode()
        ).hexdigest()
        before = previous.get(uid)
        if before is None:
            sequence, stamp = 0, first_stamp
        elif before.digest == digest and not before.cancelled:
            sequence, stamp = before.sequence, dt.datetime.fromisoformat(before.dtstamp)
        else:
            sequence, stamp = before.sequence + 1, ledger.now if ledger else first_stamp
        event = Event()
        event.add("uid", uid)
        event.add("dtstamp", stamp)
        event.add("sequence", sequence)
        event.add("dtstart", start)
        event.add("dtend", end)
        event.add("summary", summary)
        event.add("location", location)
        event.add("description", description)
        event.add("status", "CONFIRMED")
        for when, what in alarms(rec) if alarms is not None else ():
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", what)
            alarm.add("trigger", when.astimezone(dt.UTC))
            event.add_component(alarm)
        cal.add_component(event)
        current[uid] = EventRecord(
            digest,
            sequence,
            stamp.isoformat(),
            summary,
            start.isoformat(),
            end.isoformat(),
            location,
        )
    for uid, before in sorted(previous.items()):
        if uid in current:
            continue
        if before.cancelled:  # cancelled earlier: repeat it unchanged
            gone = before
        else:
            assert ledger is not None
            gone = EventRecord(
                before.digest,
                before.sequence + 1,
                ledger.now.isoformat(),
                before.summary,
                before.dtstart,
                before.dtend,
                before.location,
                cancelled=True,
            )
        event = Event()
        event.add("uid", uid)
        event.add("dtstamp", dt.datetime.fromisoformat(gone.dtstamp))
        event.add("sequence", gone.sequence)
        event.add("dtstart", dt.datetime.fromisoformat(gone.dtstart))
        event.add("dtend", dt.datetime.fromisoformat(gone.dtend))
        cancelled = " / ".join(say("ABGESAGT", lang) for lang in ["de", *others])
        event.add("summary", f"{cancelled}: {gone.summary}")
        event.add("location", gone.location)
        event.add("status", "CANCELLED")
        cal.add_component(event)
        current[uid] = gone
    if ledger is not None:
        ledger.current[key] = current


def room_calendar(
    plan: Plan | None,
    site: str,
    *,
    scenario: Scenario | None = None,
    ledger: CalendarLedger | None = None,
) -> bytes:
    """All sessions of the term as seen in one room (``plan`` None: no teacher, no marks;
    then ``scenario`` is needed)."""
    scenario = plan.inp.scenario if plan is not None else scenario
    if scenario is None:
        raise ValueError("room_calendar needs a plan or a scenario")
    sessions = course_sessions(plan, scenario)
    cal = _calendar(f"{scenario.name} – {site}")
    _events(cal, scenario, sessions, plan is not None, site, f"room:{site}", ledger)
    cal.add_missing_timezones()
    return cal.to_ical()


def village_calendar(
    plan: Plan | None,
    study: Study,
    place: str,
    site: str,
    *,
    ledger: CalendarLedger | None = None,
    langs: Sequence[str] = (),
) -> bytes:
    """The sessions for people from ``place`` attending ``site``, with their connection:
    there before the day's first session, back after its last, and what to book by when.
    Every text is in German and once more in each of ``langs`` (the handouts' languages),
    reminders included."""
    scenario = study.scenario
    sessions = course_sessions(plan, scenario)
    days = {d.date: d for d in day_connections(study, sessions, place, site)}

    def journey_lines(rec: Any, lang: str) -> list[str]:  # a row of DataFrame.itertuples
        day = days[rec.date]
        lines = [_journey_text("Hinweg", day.there, lang), _journey_text("Rückweg", day.back, lang)]
        for line in booking_lines((day.there, day.back), [rec.date], lang, phone):
            lines.append(f"{say('Buchung nötig', lang)} – {line}")
        lines.append(say(source_text, lang, **source_values))  # where the times come from
        return lines

    def reminders(rec: Any) -> list[tuple[dt.datetime, str]]:
        """An hour before each booking deadline, on the day's first session only."""
        day = days[rec.date]
        if rec.start_s != day.start_s:
            return []
        out = []
        for journey in (day.there, day.back):
            for notice in journey.bookings if journey is not None else ():
                if notice.deadline is not None:
                    when = notice.deadline.replace(tzinfo=TZ) - dt.timedelta(hours=1)
                    words = [
                        booking_line(notice, [rec.date], lang, phone)
                        for lang in dict.fromkeys(["de", *langs])
                    ]
                    out.append((when, "\n".join(words)))
        return list(dict.fromkeys(out))  # there and back booked by one deadline: one reminder

    phone = scenario.contact.booking_phone
    source_text, source_values = feed_source(scenario.feed).handout_text
    cal = _calendar(f"{scenario.name} – {place} → {site}")
    _events(
        cal,
        scenario,
        sessions,
        plan is not None,
        site,
        f"village:{place}:{site}",
        ledger,
        journey_lines,
        reminders,
        langs,
    )
    cal.add_missing_timezones()
    return cal.to_ical()
