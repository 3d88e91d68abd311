"""Which trips of a feed must be booked: on-demand services hidden in German feeds.

German feeds rarely say "book this" in the GTFS-Flex way. Anruf-Sammel-Taxi (AST),
Anruf-Linien-Fahrt (ALF), Rufbus and Ruftaxi trips show up as ordinary routes with

* an extended route type for demand-responsive or taxi services (715 demand and response
  bus, 717 share taxi, 1500 taxi, 1501 communal taxi) — strong evidence;
* ``pickup_type = 2`` / ``drop_off_type = 2`` ("phone the agency") on stop times — strong
  evidence for those stop times;
* a name with AST, ALF, Rufbus, Ruftaxi, Anruf…, Bedarfsbus/-verkehr (not „Bedarfshalt“,
  a stop on request of an ordinary bus), On-Demand, Taxibus, Linientaxi —
  strong evidence;
* route type 300 or 700 (DELFI files some Lippe AST and taxi lines so) — weak evidence,
  reported (300 always, 700 — the ordinary bus — only with other evidence), but taken as
  booked only when the scenario confirms it.

:func:`detect_booked_routes` returns one :class:`BookedRoute` per route with any evidence,
saying what was found; the scenario can confirm or reject each route
(``on_demand_routes: {confirm: [...], reject: [...]}``).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from course_planner.transit.feed import Feed

STRONG_ROUTE_TYPES = frozenset({715, 717, 1500, 1501})
WEAK_ROUTE_TYPES = frozenset({300, 700})
CANDIDATE_ROUTE_TYPE = 300  # listed for the planner to confirm even without other evidence
NAME_PATTERN = re.compile(
    r"(?<![A-Za-zÄÖÜäöüß])(?:AST|ALF|Rufbus\w*|Ruftaxi\w*|Anruf\w*|"
    r"Bedarfs(?:bus|verkehr|linie)\w*|On[- ]?Demand|Taxibus|Linientaxi|"
    r"Bürgerbus auf Bestellung)(?![A-Za-zÄÖÜäöüß])",
    re.IGNORECASE,
)
PHONE_AGENCY = 2  # GTFS pickup_type / drop_off_type: "must phone agency to arrange"


class Evidence(enum.Enum):
    """Why a route is taken (or offered) as one that must be booked."""

    ROUTE_TYPE = "route_type"  # strong: 715, 717, 1500, 1501
    WEAK_ROUTE_TYPE = "weak_route_type"  # 300, 700: only with the scenario's confirmation
    PHONE_AGENCY = "phone_agency"  # pickup_type or drop_off_type 2 on some stop times
    NAME = "name"  # AST, ALF, Rufbus, … in the route's or trips' names
    CONFIRMED = "confirmed"  # the scenario says so
    REJECTED = "rejected"  # the scenario says it is not


@dataclass(frozen=True)
class BookedRoute:
    """A route with evidence of booking. ``booked``: the engine treats its rides as rides
    that must be booked (every stop time, or only ``phone_stop_times`` of them when the only
    evidence is ``pickup_type/drop_off_type = 2``)."""

    route_id: str
    route_name: str
    route_type: int | None
    evidence: tuple[Evidence, ...]
    matched_name: str | None  # the words that matched, for Evidence.NAME
    booked: bool
    whole_route: bool  # every ride of the route, not only the phone-agency stop times
    phone_stop_times: int  # stop times with pickup_type or drop_off_type 2


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series("", index=frame.index, dtype="string")
    return frame[column].astype("string").fillna("")


def detect_booked_routes(
    routes: pd.DataFrame,
    trips: pd.DataFrame,
    stop_times: pd.DataFrame,
    *,
    confirm: tuple[str, ...] = (),
    reject: tuple[str, ...] = (),
) -> list[BookedRoute]:
    """Every route with evidence of booking (or named in ``confirm``), sorted by route_id."""
    routes = routes.assign(route_id=routes["route_id"].astype(str))
    kind = pd.to_numeric(routes.get("route_type"), errors="coerce")
    names = (
        _text(routes, "route_short_name")
        + " "
        + _text(routes, "route_long_name")
        + " "
        + _text(routes, "route_desc")
    ).str.strip()
    trip_route = trips.assign(
        route_id=trips["route_id"].astype(str), trip_id=trips["trip_id"].astype(str)
    )
    headsign_hits = trip_route.loc[
        _text(trip_route, "trip_headsign").str.contains(NAME_PATTERN), "route_id"
    ].value_counts()
    phone = pd.Series(False, index=stop_times.index)
    for column in ("pickup_type", "drop_off_type"):
        if column in stop_times.columns:
            phone |= pd.to_numeric(stop_times[column], errors="coerce").eq(PHONE_AGENCY)
    phone_trips = stop_times.loc[phone, "trip_id"].astype(str)
    phone_routes = (
        trip_route.set_index("trip_id")["route_id"].reindex(phone_trips).dropna().value_counts()
    )
    out = []
    for i, route_id in enumerate(routes["route_id"]):
        evidence: list[Evidence] = []
        route_type = None if pd.isna(kind.iloc[i]) else int(kind.iloc[i])
        if route_type in STRONG_ROUTE_TYPES:
            evidence.append(Evidence.ROUTE_TYPE)
        name = str(names.iloc[i])
        match = NAME_PATTERN.search(name)
        if match or route_id in headsign_hits.index:
            evidence.append(Evidence.NAME)
        n_phone = int(phone_routes.get(route_id, 0))
        if n_phone:
            evidence.append(Evidence.PHONE_AGENCY)
        if route_type == CANDIDATE_ROUTE_TYPE or (
            route_type in WEAK_ROUTE_TYPES and (evidence or route_id in confirm)
        ):
            evidence.append(Evidence.WEAK_ROUTE_TYPE)
        if route_id in confirm:
            evidence.append(Evidence.CONFIRMED)
        if route_id in reject:
            evidence.append(Evidence.REJECTED)
        if not evidence:
            continue
        whole = bool({Evidence.ROUTE_TYPE, Evidence.NAME, Evidence.CONFIRMED} & set(evidence))
        booked = route_id not in reject and (whole or Evidence.PHONE_AGENCY in evidence)
        out.append(
            BookedRoute(
                route_id,
                name or route_id,
                route_type,
                tuple(evidence),
                match.group(0) if match else None,
                booked,
                whole and booked,
                n_phone,
            )
        )
    return sorted(out, key=lambda r: r.route_id)


def must_book(
    stop_times: pd.DataFrame, trips: pd.DataFrame, booked: list[BookedRoute]
) -> tuple[pd.Series, pd.Series]:
    """Per stop time: boarding must be booked, alighting must be booked.

    A stop time of a route booked whole needs booking both ways; otherwise only where its
    own ``pickup_type``/``drop_off_type`` is 2 (and its route was not rejected)."""
    whole = {r.route_id for r in booked if r.whole_route}
    rejected = {r.route_id for r in booked if not r.booked}
    route_of = (
        trips.assign(trip_id=trips["trip_id"].astype(str))
        .set_index("trip_id")["route_id"]
        .astype(str)
    )
    route = stop_times["trip_id"].astype(str).map(route_of)
    on_whole = route.isin(whole).to_numpy()
    ok = ~route.isin(rejected).to_numpy()

    def phone(column: str) -> pd.Series:
        if column not in stop_times.columns:
            return pd.Series(False, index=stop_times.index)
        return pd.to_numeric(stop_times[column], errors="coerce").eq(PHONE_AGENCY)

    board = pd.Series(on_whole | (phone("pickup_type").to_numpy() & ok), index=stop_times.index)
    alight = pd.Series(on_whole | (phone("drop_off_type").to_numpy() & ok), index=stop_times.index)
    return board, alight


def feed_booked_routes(
    feed: Feed, *, confirm: tuple[str, ...] = (), reject: tuple[str, ...] = ()
) -> list[BookedRoute]:
    """:func:`detect_booked_routes` on a loaded feed (also one read from the parsed-feed
    cache): its routes, trips and the stop times whose boarding or alighting is booked."""
    trips = feed.trips
    routes = (
        trips.drop_duplicates("route_id")
        .rename(columns={"route_text": "route_long_name"})
        .assign(route_type=lambda f: f["route_type"].astype("Float64"))[
            ["route_id", "route_long_name", "route_type"]
        ]
    )
    c = feed.connections
    ids = trips["trip_id"].to_numpy()
    # one row per stop time (a stop time is the boarding end of one connection and the
    # alighting end of another: both flags meet again here)
    board, alight = c.board_book, c.alight_book
    stop_times = (
        pd.DataFrame(
            {
                "trip_id": np.concatenate([ids[c.trip[board]], ids[c.trip[alight]]]),
                "stop": np.concatenate([c.dep_stop[board], c.arr_stop[alight]]),
                "pickup_type": [PHONE_AGENCY] * int(board.sum()) + [0] * int(alight.sum()),
                "drop_off_type": [0] * int(board.sum()) + [PHONE_AGENCY] * int(alight.sum()),
            }
        )
        .groupby(["trip_id", "stop"], as_index=False, sort=True)
        .max()
    )
    return detect_booked_routes(
        routes,
        trips.rename(columns={"headsign": "trip_headsign"}),
        stop_times,
        confirm=confirm,
        reject=reject,
    )


def booked_trips(feed: Feed, routes: list[BookedRoute]) -> np.ndarray:
    """Per trip of ``feed``: every ride of it must be booked (its route is booked whole)."""
    whole = {r.route_id for r in routes if r.whole_route}
    return feed.trips["route_id"].isin(whole).to_numpy()


def phone_only_routes(routes: list[BookedRoute]) -> set[str]:
    """Routes rejected by the scenario: their phone-agency stop times count as scheduled."""
    return {r.route_id for r in routes if not r.booked}


BOOKED_ROUTE_COLUMNS = [
    "route_id",
    "route_name",
    "route_type",
    "booked",
    "whole_route",
    "evidence",
    "matched_name",
    "phone_stop_times",
]


def booked_routes_table(routes: list[BookedRoute]) -> pd.DataFrame:
    """What was taken as booked and why, one row per route with any evidence (the
    ``reach --booked-routes`` file): evidence codes space-separated (see :class:`Evidence`)."""
    return pd.DataFrame(
        [
            {
                "route_id": r.route_id,
                "route_name": r.route_name,
                "route_type": r.route_type,
                "booked": r.booked,
                "whole_route": r.whole_route,
                "evidence": " ".join(e.value for e in r.evidence),
                "matched_name": r.matched_name or "",
                "phone_stop_times": r.phone_stop_times,
            }
            for r in routes
        ],
        columns=BOOKED_ROUTE_COLUMNS,
    ).astype({"route_type": "Int64"})
