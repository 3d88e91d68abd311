"""Plausibility of coordinates: placeholders (0,0), latitude and longitude swapped, far away.

The planner serves European (German) counties. A coordinate outside Europe is suspicious
but possible; one whose swapped reading lies in Europe almost surely has lat and lon
exchanged; 0,0 is a placeholder.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from course_planner.errors import Text, msg

#: a generous box around Europe (decimal degrees)
EUROPE = {"min_lat": 34.0, "max_lat": 72.0, "min_lon": -25.0, "max_lon": 45.0}


class CoordinateProblem(Enum):
    """What is wrong with a coordinate; ``value`` is the text for messages."""

    OUT_OF_RANGE = "latitude must lie within -90..90 and longitude within -180..180"
    ZERO = "0,0 is a placeholder, not a place"
    SWAPPED = "latitude and longitude look swapped (the pair lies in Europe the other way round)"
    OUTSIDE_EUROPE = "the coordinate lies outside Europe"

    @property
    def is_error(self) -> bool:
        return self is not CoordinateProblem.OUTSIDE_EUROPE

    @property
    def text(self) -> Text:
        """The message, translated when shown."""
        return {
            CoordinateProblem.OUT_OF_RANGE: msg(
                "latitude must lie within -90..90 and longitude within -180..180"
            ),
            CoordinateProblem.ZERO: msg("0,0 is a placeholder, not a place"),
            CoordinateProblem.SWAPPED: msg(
                "latitude and longitude look swapped (the pair lies in Europe the other way round)"
            ),
            CoordinateProblem.OUTSIDE_EUROPE: msg("the coordinate lies outside Europe"),
        }[self]


def _in_europe(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    return (
        (lat >= EUROPE["min_lat"])
        & (lat <= EUROPE["max_lat"])
        & (lon >= EUROPE["min_lon"])
        & (lon <= EUROPE["max_lon"])
    )


def coordinate_problems(lat: ArrayLike, lon: ArrayLike) -> np.ndarray:
    """One :class:`CoordinateProblem` or None per coordinate (arrays or scalars; missing
    values are not judged)."""
    lat = np.atleast_1d(np.asarray(lat, dtype=float))
    lon = np.atleast_1d(np.asarray(lon, dtype=float))
    out = np.full(lat.shape, None, dtype=object)
    known = ~(np.isnan(lat) | np.isnan(lon))
    bad_range = known & ((np.abs(lat) > 90) | (np.abs(lon) > 180))
    zero = known & ~bad_range & (lat == 0) & (lon == 0)
    inside = _in_europe(lat, lon)
    swapped = known & ~bad_range & ~zero & ~inside & _in_europe(lon, lat)
    far = known & ~bad_range & ~zero & ~inside & ~swapped
    out[far] = CoordinateProblem.OUTSIDE_EUROPE
    out[swapped] = CoordinateProblem.SWAPPED
    out[zero] = CoordinateProblem.ZERO
    out[bad_range] = CoordinateProblem.OUT_OF_RANGE
    return out


def coordinate_problem(lat: float, lon: float) -> CoordinateProblem | None:
    """The problem of one coordinate, or None."""
    return coordinate_problems(lat, lon)[0]


EARTH_RADIUS_M = 6_371_008.8


def haversine_m(lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike) -> Any:
    """Great-circle distance in metres (numpy-friendly)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0, 1)))
