"""The connection scans agree with an independent time-expanded Dijkstra on real feeds.

For every stop: the latest boarding time that still reaches the room by T, and the earliest
alighting time when leaving the room at T. Several dates, rooms and times on the VPE feed
(official format) and the reconstructed Lippe feed.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import numpy as np
import pytest
from conftest import REPO
from reference_router import TimeExpandedGraph

from course_planner.scenario import load_scenario
from course_planner.transit.reachability import prepare
from course_planner.transit.router import earliest_arrivals, latest_departures


@cache
def study(name: str):
    return prepare(load_scenario(REPO / "scenarios" / f"{name}.yaml"))


CASES = [
    # scenario, date, arrive by, leave at
    ("vpe-keltern-2025", dt.date(2025, 3, 4), 8 * 3600 + 25 * 60, 12 * 3600 + 5 * 60),
    ("vpe-keltern-2025", dt.date(2025, 3, 8), 9 * 3600, 13 * 3600),  # a Saturday
    ("vpe-keltern-2025", dt.date(2025, 5, 1), 10 * 3600, 22 * 3600 + 30 * 60),  # holiday
    ("vpe-keltern-2025", dt.date(2025, 6, 16), 7 * 3600, 17 * 3600),
    ("lippe-2026", dt.date(2026, 2, 2), 8 * 3600 + 25 * 60, 12 * 3600 + 5 * 60),
    ("lippe-2026", dt.date(2026, 2, 7), 1 * 3600, 23 * 3600 + 30 * 60),  # Sat, after Fri night
]


@pytest.mark.parametrize(
    ("name", "date", "arrive_by", "leave_at"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES]
)
def test_scans_match_time_expanded_dijkstra(name, date, arrive_by, leave_at):
    s = study(name)
    reference = TimeExpandedGraph(s.feed, s.network.walks, date, s.network.min_change_s)
    tt = s.timetable(date)
    compared = 0
    for site in range(len(s.network.site_names)):
        scan_in = latest_departures(s.network, tt, site, arrive_by).latest_board
        ref_in = reference.latest_board(site, arrive_by)
        np.testing.assert_array_equal(scan_in, ref_in)
        scan_out = earliest_arrivals(s.network, tt, site, leave_at).earliest_alight
        ref_out = reference.earliest_alight(site, leave_at)
        np.testing.assert_array_equal(scan_out, ref_out)
        compared += int(np.isfinite(scan_in).sum() + np.isfinite(scan_out).sum())
    assert compared > 0  # the comparison is not between two empty answers


def _compare(s, date, arrive_by, leave_at, booked=False, **reference):
    reference = TimeExpandedGraph(
        s.feed,
        s.network.walks,
        date,
        s.network.min_change_s,
        scheduled_only=not booked,
        **reference,
    )
    tt = s.timetable(date, booked=booked)
    finite = 0
    for site in range(len(s.network.site_names)):
        scan_in = latest_departures(s.network, tt, site, arrive_by).latest_board
        np.testing.assert_array_equal(scan_in, reference.latest_board(site, arrive_by))
        scan_out = earliest_arrivals(s.network, tt, site, leave_at).earliest_alight
        np.testing.assert_array_equal(scan_out, reference.earliest_alight(site, leave_at))
        finite += int(np.isfinite(scan_in).sum() + np.isfinite(scan_out).sum())
    assert finite > 0
    return finite


def test_booked_and_scheduled_rides_on_the_flex_feed():
    """Bus 726 serves Weiler only when booked (type 2), unless the scenario rejects that;
    the ALF picks up at its stop group only when booked (trips the engine makes from the
    Flex files, the reference from the raw files)."""
    from conftest import LINE_ROOM, make_scenario

    whole = frozenset({"ALF", "Z"})  # booked whole (by route type and name)
    date, by, at = dt.date(2026, 3, 2), 8 * 3600, 12 * 3600
    answers = {}
    for reject in ((), ("D",)):
        sc = make_scenario("flex", sites=[LINE_ROOM], on_demand_routes={"reject": list(reject)})
        s = prepare(sc)
        kwargs = {"booked_routes": whole, "phone_ok_routes": frozenset(reject)}
        scheduled = _compare(s, date, by, at, booked=False, **kwargs)
        booked = _compare(s, date, by, at, booked=True, **kwargs)
        assert booked > scheduled  # the ALF's pick-ups count only when booked
        answers[reject] = scheduled
    assert answers[("D",)] > answers[()]  # 726's stop at Weiler counts once rejected


def test_with_the_feeds_own_transfers():
    sc = load_scenario(REPO / "scenarios" / "lippe-2026.yaml")
    sc = sc.model_copy(update={"travel": sc.travel.model_copy(update={"use_feed_transfers": True})})
    s = prepare(sc, study("lippe-2026").feed)
    _compare(s, dt.date(2026, 2, 4), 8 * 3600 + 25 * 60, 12 * 3600 + 5 * 60)


def test_with_a_one_way_transfer(tmp_path):
    import shutil

    from conftest import PLATFORMS_ROOM, make_scenario

    folder = tmp_path / "platforms"
    shutil.copytree(make_scenario("platforms").feed, folder)
    (folder / "transfers.txt").write_text(
        "from_stop_id,to_stop_id,transfer_type,min_transfer_time\n"
        "de:05766:3048:0:1,de:05766:3048:0:2,2,170\n"
    )
    sc = make_scenario("platforms", sites=[PLATFORMS_ROOM], travel={"use_feed_transfers": True})
    s = prepare(sc.model_copy(update={"feed": folder}))
    _compare(s, dt.date(2026, 2, 2), 8 * 3600 + 25 * 60, 7 * 3600)
