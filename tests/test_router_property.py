"""Both compiled scans agree with the brute force on random small feeds (hypothesis).

Each feed has a handful of stops 150 m apart (so changes may walk), trips with times past
24:00, pickup/drop-off bans and stops served only when booked (type 2), trips of a route
that must be booked whole (an "AST"), services on some dates only (calendar_dates), and
sometimes the feed's own transfers, one-way. Both with scheduled rides only and with the
booked ones. Compared for every stop: the latest boarding (arrive-by) and
the earliest alighting (leave-at); for every place, its journey is checked leg by leg
against the scan's own answer, and a scan stopped at a horizon agrees inside it.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import tempfile
from pathlib import Path

import numpy as np
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference_router import TimeExpandedGraph, ZoneSpec, place_arrive, place_depart

from course_planner.scenario import scenario_from_dict
from course_planner.transit.reachability import prepare
from course_planner.transit.router import Mode, earliest_arrivals, latest_departures

DATES = [dt.date(2026, 2, 2), dt.date(2026, 2, 3)]  # D−1 and D
N_STOPS = 6
STOP_CODES = st.sampled_from([0, 0, 0, 1, 2])  # pickup_type / drop_off_type
BOOKED_WHOLE = frozenset({"ast"})  # the route named "AST 5"


def _hms(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


@st.composite
def feeds(draw):
    n_trips = draw(st.integers(2, 9))
    trips = []
    for _ in range(n_trips):
        stops = draw(st.lists(st.integers(0, N_STOPS - 1), min_size=2, max_size=4, unique=True))
        # most trips in the evening of D−1 past midnight or in the early morning of D
        t = draw(st.sampled_from([0, 23 * 3600, 24 * 3600 - 600])) + draw(st.integers(0, 90)) * 60
        rows = []
        for s in stops:
            dwell = draw(st.sampled_from([0, 0, 60]))
            rows.append(
                (
                    s,
                    t,
                    t + dwell,
                    draw(STOP_CODES),
                    draw(STOP_CODES),
                )
            )
            t += dwell + draw(st.integers(1, 12)) * 60
        route = draw(st.sampled_from(["r", "r", "ast"]))
        trips.append((draw(st.sampled_from(["A", "B", "C"])), route, rows))
    runs = {
        svc: draw(st.lists(st.sampled_from(DATES), max_size=2, unique=True))
        for svc in ("A", "B", "C")
    }
    transfers = draw(
        st.none()
        | st.lists(
            st.tuples(
                st.integers(0, N_STOPS - 1),
                st.integers(0, N_STOPS - 1),
                st.sampled_from([0, 2, 3]),
                st.sampled_from([None, 30, 200]),
            ),
            max_size=5,
        )
    )
    change_min = draw(st.sampled_from([0, 2]))
    # sometimes one stop time serves a GTFS-Flex stop group instead of its stop: any of some
    # stops the trip does not pass, within a window around its time (before, between or
    # after the trip's timed stops)
    group = None
    k = draw(st.integers(0, n_trips - 1))
    others = [s for s in range(N_STOPS) if s not in {r[0] for r in trips[k][2]}]
    if others and draw(st.booleans()):
        q = draw(st.integers(0, len(trips[k][2]) - 1))
        members = draw(st.lists(st.sampled_from(others), min_size=1, max_size=3, unique=True))
        start = max(0, trips[k][2][q][1] + draw(st.integers(-30, 0)) * 60)
        length = draw(st.sampled_from([10, 30, 60])) * 60
        codes = (draw(st.sampled_from([0, 1, 2])), draw(st.sampled_from([0, 1, 2])))
        group = (k, q, sorted(members), start, start + length, *codes)
    return trips, runs, transfers, change_min, group


def write_feed(folder: Path, trips, runs, transfers, group=None) -> None:
    (folder / "agency.txt").write_text(
        "agency_id,agency_name,agency_url,agency_timezone\n"
        "ag,Test,https://example.invalid,Europe/Berlin\n"
    )
    (folder / "routes.txt").write_text(
        "route_id,agency_id,route_short_name,route_type\nr,ag,1,3\nast,ag,AST 5,3\n"
    )
    (folder / "stops.txt").write_text(
        "stop_id,stop_name,stop_lat,stop_lon\n"
        + "".join(f"s{i},Stop {i},{52 + 0.00135 * i:.5f},8.8\n" for i in range(N_STOPS))
    )
    (folder / "trips.txt").write_text(
        "route_id,service_id,trip_id\n"
        + "".join(f"{route},{svc},t{k}\n" for k, (svc, route, _) in enumerate(trips))
    )
    lines = [
        "trip_id,arrival_time,departure_time,stop_id,stop_sequence,pickup_type,drop_off_type,"
        "location_group_id,start_pickup_drop_off_window,end_pickup_drop_off_window"
    ]
    for k, (_, _, rows) in enumerate(trips):
        for q, (s, a, d, pick, drop) in enumerate(rows):
            if group is not None and group[:2] == (k, q):
                start, end, g_pick, g_drop = group[3:]
                lines.append(f"t{k},,,,{q + 1},{g_pick},{g_drop},g,{_hms(start)},{_hms(end)}")
                continue
            lines.append(f"t{k},{_hms(a)},{_hms(d)},s{s},{q + 1},{pick},{drop},,,")
    (folder / "stop_times.txt").write_text("\n".join(lines) + "\n")
    if group is not None:
        (folder / "location_groups.txt").write_text("location_group_id,location_group_name\ng,G\n")
        (folder / "location_group_stops.txt").write_text(
            "location_group_id,stop_id\n" + "".join(f"g,s{m}\n" for m in group[2])
        )
    # removals on the first and last day give the feed its validity range
    cd = ["service_id,date,exception_type", "A,20260101,2", "B,20260101,2", "C,20260301,2"]
    cd += [f"{svc},{d:%Y%m%d},1" for svc, days in runs.items() for d in days]
    (folder / "calendar_dates.txt").write_text("\n".join(cd) + "\n")
    if transfers is not None:
        (folder / "transfers.txt").write_text(
            "from_stop_id,to_stop_id,transfer_type,min_transfer_time\n"
            + "".join(f"s{a},s{b},{kind},{'' if m is None else m}\n" for a, b, kind, m in transfers)
        )
    (folder / "places.csv").write_text(
        "name,lat,lon\nNord,52.0075,8.801\nSüd,51.999,8.8\nWeit,52.1,8.8\nMitte,52.0034,8.8\n"
    )


def check_journey(journey, depart: float, arrive_limit: float, rides: int) -> None:
    assert journey is not None
    assert journey.depart == depart
    assert journey.arrive <= arrive_limit + 1e-9
    assert journey.rides == rides
    for a, b in zip(journey.legs, journey.legs[1:], strict=False):
        assert b.depart >= a.arrive - 1e-9  # no leg starts before the previous one ends
        assert not (a.mode is Mode.WALK and b.mode is Mode.WALK)  # walks are not chained


@st.composite
def zone(draw):
    """A zone service: a band of stops (first, last) and a margin around it (wide enough to
    take in the places Süd and Nord), its hours (start, length) and its rule (no ride
    within so many minutes of a bus, or None)."""
    first = draw(st.integers(0, N_STOPS - 1))
    last = draw(st.integers(first, N_STOPS - 1))
    start = draw(st.sampled_from([0, 1800, 3600]))
    length = draw(st.sampled_from([3600, 4 * 3600, 20 * 3600]))
    margin = draw(st.sampled_from([0.0005, 0.0025]))
    rule = draw(st.sampled_from([None, 10, 30]))
    return first, last, margin, start, length, rule


def zones():
    """No zone, one, or two that may overlap."""
    return st.lists(zone(), max_size=2)


def write_zones(folder: Path, drawn: list[tuple]) -> tuple[list[dict], list[ZoneSpec]]:
    """The zones' polygon files, the scenario's services and the reference's specs."""
    services, specs = [], []
    for i, (first, last, margin, start, length, rule) in enumerate(drawn):
        lo, hi = 52 + 0.00135 * first - margin, 52 + 0.00135 * last + margin
        ring = [[8.79, lo], [8.81, lo], [8.81, hi], [8.79, hi], [8.79, lo]]
        path = folder / f"zone-{i}.geojson"
        path.write_text(json.dumps({"type": "Polygon", "coordinates": [ring]}))
        hours = f"{_hms(start)[:5]}-{_hms(start + length)[:5]}"
        services.append(
            {
                "name": f"Zone {i}",
                "zone": {"geojson": path.name},
                "hours": {"tue": [hours]},
                "booking": {"minutes_ahead": 30},
                "ride": {"offset_min": 0},  # quick rides, so that they beat walking often
                "not_within_min_of_bus": rule,
            }
        )
        specs.append(
            ZoneSpec(
                shapely.Polygon(ring),
                ((start, start + length),),
                offset_s=0,
                not_within_s=None if rule is None else rule * 60,
            )
        )
    return services, specs


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(feeds(), st.integers(0, 4 * 3600), st.integers(-3600, 3 * 3600), zones())
def test_scans_agree_with_the_brute_force_on_random_feeds(feed, arrive_by, leave_at, drawn):
    trips, runs, transfers, change_min, group = feed
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_feed(folder, trips, runs, transfers, group)
        on_demand, specs = write_zones(folder, drawn)
        scenario = scenario_from_dict(
            {
                "name": "random",
                "feed": str(folder),
                "places": str(folder / "places.csv"),
                "sites": [{"name": "Raum", "lat": 52.0068, "lon": 8.8}],
                "course": {
                    "start_date": "2026-02-03",
                    "end_date": "2026-02-03",
                    "weekdays": ["tue"],
                    "start": "08:30",
                    "end": "12:00",
                },
                "travel": {
                    "min_change_min": change_min,
                    "max_access_walk_m": 400,
                    "use_feed_transfers": transfers is not None,
                },
                "on_demand": on_demand,
            },
            source=folder / "scenario.yaml",
        )
        study = prepare(scenario)
        codes = {
            (f"t{k}", f"s{stop}"): (pick, drop)
            for k, (_, _, rows) in enumerate(trips)
            for stop, _, _, pick, drop in rows
        }
        route_of = {f"t{k}": route for k, (_, route, _) in enumerate(trips)}
        if group is not None:  # a stop group's trips: booked at the group's stop
            k = group[0]
            for m in group[2]:
                trip = f"t{k}~s{m}"
                route_of[trip] = route_of[f"t{k}"]
                codes[trip, f"s{m}"] = (2, 2)
                for stop, _, _, pick, drop in trips[k][2]:
                    codes[trip, f"s{stop}"] = (pick, drop)
        for booked in (False, True):
            check_scans(study, arrive_by, leave_at, booked, codes, route_of, specs)


def check_scans(study, arrive_by, leave_at, booked, codes, route_of, zone=None) -> None:
    date = DATES[1]
    net, tt = study.network, study.timetable(date, booked=booked)
    ref = TimeExpandedGraph(
        study.feed,
        net.walks,
        date,
        net.min_change_s,
        scheduled_only=not booked,
        booked_routes=BOOKED_WHOLE,
    )

    zones = study.zones if booked else None
    zone = zone if booked else None
    site_at = tuple(study.sites[["lat", "lon"]].to_numpy(float)[0])
    back = latest_departures(net, tt, 0, arrive_by, zones=zones)
    board = ref.latest_board(0, arrive_by, zone, site_at)
    np.testing.assert_array_equal(back.latest_board, board)
    fwd = earliest_arrivals(net, tt, 0, leave_at, zones=zones)
    alight = ref.earliest_alight(0, leave_at, zone, site_at)
    np.testing.assert_array_equal(fwd.earliest_alight, alight)
    places = study.places[["lat", "lon"]].to_numpy(float)
    for p in range(len(places)):
        at = tuple(places[p])
        assert back.place_depart[p] == place_depart(ref, board, p, at, 0, site_at, arrive_by, zone)
        assert fwd.place_arrive[p] == place_arrive(ref, alight, p, at, 0, site_at, leave_at, zone)

    for p in range(len(net.place_names)):
        if math.isfinite(back.place_depart[p]):
            summary = back.summary(p)
            check_journey(back.journey(p), back.place_depart[p], arrive_by, summary.rides)
            assert back.journey(p).arrive == summary.arrive
            check_modes(back.journey(p), booked, codes, route_of)
        else:
            assert back.journey(p) is None and back.summary(p) is None
        if math.isfinite(fwd.place_arrive[p]):
            journey = fwd.journey(p)
            assert journey.arrive == fwd.place_arrive[p] and journey.depart >= leave_at
            check_journey(journey, journey.depart, fwd.place_arrive[p], fwd.rides(p))
            check_modes(journey, booked, codes, route_of)
        else:
            assert fwd.journey(p) is None and fwd.rides(p) is None

    # a horizon keeps the answers inside it and drops the others
    not_before, not_after = arrive_by - 1800, leave_at + 1800
    cut = latest_departures(net, tt, 0, arrive_by, not_before, zones=zones).latest_board
    full = back.latest_board
    np.testing.assert_array_equal(cut, np.where(full >= not_before, full, -np.inf))
    cut = earliest_arrivals(net, tt, 0, leave_at, not_after, zones=zones).earliest_alight
    full = fwd.earliest_alight
    np.testing.assert_array_equal(cut, np.where(full <= not_after, full, np.inf))


def check_modes(journey, booked, codes, route_of) -> None:
    """A ride is a booked ride exactly when its route is booked whole or it boards or
    alights where the stop time says "phone agency" (2); without booked rides, none is."""
    for leg in journey.legs:
        if leg.mode is Mode.ZONE_RIDE:
            assert booked  # a zone ride must be booked
            continue
        if not leg.mode.is_ride:
            continue
        must = (
            route_of[leg.trip_id] in BOOKED_WHOLE
            or codes[(leg.trip_id, leg.from_stop_id)][0] == 2
            or codes[(leg.trip_id, leg.to_stop_id)][1] == 2
        )
        assert must <= booked
        assert (leg.mode is Mode.BOOKED_RIDE) == must


@st.composite
def grouped_feeds(draw):
    """A random feed in which one stop time serves a stop group (see :func:`feeds`)."""
    trips = draw(feeds())[0]
    k = draw(st.integers(0, len(trips) - 1))
    others = [s for s in range(N_STOPS) if s not in {r[0] for r in trips[k][2]}]
    if not others:
        return trips, None
    q = draw(st.integers(0, len(trips[k][2]) - 1))
    members = draw(st.lists(st.sampled_from(others), min_size=1, max_size=3, unique=True))
    start = max(0, trips[k][2][q][1] + draw(st.integers(-40, 10)) * 60)
    length = draw(st.sampled_from([5, 10, 30, 60])) * 60
    codes = (draw(st.sampled_from([0, 1, 2])), draw(st.sampled_from([0, 1, 2])))
    return trips, (k, q, sorted(members), start, start + length, *codes)


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(grouped_feeds())
def test_stop_group_trips_agree_with_the_reference(drawn):
    """The trips the engine builds for a GTFS-Flex stop group (before, between or after the
    timed stops) equal those the reference builds itself from the raw files: the same
    stops, times and booking codes."""
    import pandas as pd
    from reference_router import _stop_events

    from course_planner.transit.feed import read_gtfs
    from course_planner.transit.flex import read_flex, stop_group_trips

    trips, group = drawn
    if group is None:
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_feed(folder, trips, {"A": [], "B": [], "C": []}, None, group)
        gtfs, _ = read_gtfs(folder)
        times, _ = stop_group_trips(read_flex(folder), gtfs.stop_times, gtfs.trips, gtfs.stops)
        engine: dict[str, list] = {}
        for rec in times.sort_values(["trip_id", "stop_sequence"]).to_dict("records"):
            t = [
                int(h) * 3600 + int(m) * 60 + int(s)
                for h, m, s in (str(rec[c]).split(":") for c in ("arrival_time", "departure_time"))
            ]
            codes = [
                0 if pd.isna(rec[c]) else int(rec[c]) for c in ("pickup_type", "drop_off_type")
            ]
            engine.setdefault(rec["trip_id"], []).append((rec["stop_id"], *t, *codes))
        reference = {t: e for t, e in _stop_events(str(folder)).items() if "~" in t}
        assert engine == reference
