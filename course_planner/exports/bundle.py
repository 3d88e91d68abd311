"""The whole export of a scenario as one unit: office tables, calendars, handouts, class sets
and room posters, staged in a temporary folder and moved into place only when all are made
(see :class:`~course_planner.exports.files.Staging`)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from pypdf import PdfWriter

from course_planner.errors import ScenarioError, Text, msg, render
from course_planner.exports import unique_slugs
from course_planner.exports.files import Staging
from course_planner.exports.handout import (
    PARALLEL_FROM,
    HandoutPress,
    handout_content,
    room_poster_pdf,
    unprintable,
)
from course_planner.exports.ics import LEDGER_FILE, CalendarLedger, room_calendar, village_calendar
from course_planner.exports.schedule import home_rooms
from course_planner.exports.tables import german_csv, office_sheets, xlsx
from course_planner.rotation.plan import solve_rotation
from course_planner.scenario import Scenario
from course_planner.transit.provenance import feed_source
from course_planner.transit.reachability import Study, prepare, reachability_table

WHAT = ("handouts", "ics", "tables")
MAX_FILES = 2000  # more handouts than a course office prints: a mistake, refused


@dataclass(frozen=True)
class Participant:
    """A name to print (never stored) and, if given, the village it belongs to."""

    name: str | None
    place: str | None = None


@dataclass
class ExportResult:
    scenario: str
    files: list[Path] = field(default_factory=list)
    warnings: list[Text] = field(default_factory=list)


def participants(lines: list[str]) -> list[Participant]:
    """One participant per line: ``name`` or ``name;village`` (also tab-separated)."""
    people = []
    for line in lines:
        line = line.strip()
        if not line:
            continue
        name, _, place = line.replace("\t", ";").partition(";")
        people.append(Participant(name.strip(), place.strip() or None))
    return people


def export_bundle(
    scenario: Scenario,
    out: Path,
    what: set[str],
    langs: list[str],
    names: list[Participant] | None = None,
) -> ExportResult:
    """Write the chosen exports to ``out``, all or nothing. Without a teacher, calendars and
    handouts show the course dates without presence marks."""
    unknown = what - set(WHAT)
    if unknown:
        raise ScenarioError(
            msg("--what: unknown export(s) {unknowns}.", unknowns=", ".join(sorted(unknown))),
            hint=msg("Use handouts, ics, tables, or several with commas."),
        )
    people = names or [Participant(None)]
    study = prepare(scenario)
    table = reachability_table(study)
    rooms = home_rooms(study, table)
    places = list(rooms)
    unknown_places = sorted({p.place for p in people if p.place and p.place not in rooms})
    if unknown_places:
        raise ScenarioError(
            msg(
                "--names: village(s) not in the scenario: {villages}",
                villages=", ".join(unknown_places[:5]) + (" …" if len(unknown_places) > 5 else ""),
            ),
            hint=msg("Villages are the scenario's places, e.g. {places}.", places=places[0]),
        )
    handouts = (
        [(place, person) for person in people for place in places if person.place in (None, place)]
        if "handouts" in what
        else []
    )
    n_files = len(handouts) * len(langs)
    if n_files > MAX_FILES:
        raise ScenarioError(
            msg(
                "the export would write {n_files} handouts ({n_people} names "
                "× {n_places} villages × {n_langs} languages); the limit is "
                "{limit}.",
                n_files=n_files,
                n_people=len(people),
                n_places=len(places),
                n_langs=len(langs),
                limit=MAX_FILES,
            ),
            hint=msg(
                "Give each name its village ('name;village' per line in the "
                "--names file), or export fewer languages."
            ),
        )
    workers = None if n_files >= PARALLEL_FROM else 1
    with HandoutPress(workers) as press:
        return _export(scenario, out, what, langs, people, study, table, rooms, handouts, press)


def _export(
    scenario: Scenario,
    out: Path,
    what: set[str],
    langs: list[str],
    people: list[Participant],
    study: Study,
    table: pd.DataFrame,
    rooms: dict[str, str | None],
    handouts: list[tuple[str, Participant]],
    press: HandoutPress,
) -> ExportResult:
    places = list(rooms)
    result = ExportResult(scenario.name)
    bad = sorted({p.name for p in people if p.name and unprintable(p.name)})
    for name in bad:
        result.warnings.append(
            msg(
                "the name '{name}' has characters no handout font can print ({chars}); its "
                "handouts leave the name blank.",
                name=name,
                chars=unprintable(name),
            )
        )
    plan = solve_rotation(scenario, study) if scenario.teacher else None
    if plan is None and what & {"handouts", "ics"}:
        result.warnings.append(
            msg(
                "the scenario has no teacher: calendars and handouts show the "
                "course dates without presence marks."
            )
        )
    files = unique_slugs(places)
    site_files = unique_slugs(s.name for s in scenario.sites)
    source = feed_source(scenario.feed)
    if source.official is False:  # said in every file too (tables, calendars, handouts)
        result.warnings.append(source.statement)
    with Staging(out) as stage:
        if "tables" in what:
            tables = office_sheets(
                table, plan.table() if plan is not None else None, source.statement
            )
            sheets = {render(title): frame for title, frame in tables.values()}
            result.files.append(stage.write("tabellen.xlsx", xlsx(sheets)))
            for file, (_, frame) in tables.items():
                result.files.append(stage.write(f"{file}.csv", german_csv(frame)))
        if "ics" in what:
            state = out / "ics" / LEDGER_FILE
            ledger = CalendarLedger.from_json(state.read_bytes() if state.exists() else None)
            for site, file in site_files.items():
                result.files.append(
                    stage.write(
                        f"ics/raum-{file}.ics",
                        room_calendar(plan, site, scenario=scenario, ledger=ledger),
                    )
                )
            for place, home in rooms.items():
                if home is not None:
                    result.files.append(
                        stage.write(
                            f"ics/ort-{files[place]}.ics",
                            village_calendar(plan, study, place, home, ledger=ledger, langs=langs),
                        )
                    )
            stage.write(f"ics/{LEDGER_FILE}", ledger.to_json())
        if "handouts" in what:
            sets: dict[tuple[str, str], PdfWriter] = {}
            contents = {
                place: handout_content(plan, study, place, rooms[place])
                for place in dict.fromkeys(place for place, _person in handouts)
            }
            jobs = [
                (contents[place], lang, person.name if person.name not in bad else None)
                for lang in langs
                for place, person in handouts
            ]
            pdfs = iter(press.render(jobs))
            for lang in langs:
                counter: dict[str, int] = {}
                for place, person in handouts:
                    room_of = rooms[place]
                    pdf = next(pdfs)
                    suffix = ""
                    if person.name:
                        counter[place] = counter.get(place, 0) + 1
                        suffix = f"-{counter[place]:03d}"
                    room = site_files[room_of] if room_of else "kein-raum"
                    result.files.append(
                        stage.write(f"handouts/{files[place]}-{room}-{lang}{suffix}.pdf", pdf)
                    )
                    if room_of is not None:
                        writer = sets.setdefault((room_of, lang), PdfWriter())
                        writer.append(io.BytesIO(pdf))
            for (site, lang), writer in sorted(sets.items()):
                buffer = io.BytesIO()
                writer.write(buffer)
                result.files.append(
                    stage.write(
                        f"klassensaetze/klassensatz-{site_files[site]}-{lang}.pdf",
                        buffer.getvalue(),
                    )
                )
            for site, file in site_files.items():
                result.files.append(
                    stage.write(
                        f"klassensaetze/aushang-{file}.pdf", room_poster_pdf(plan, scenario, site)
                    )
                )
    return result
