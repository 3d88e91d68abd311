"""The feed's connections as sorted arrays, and which of them run on one course date.

For course date D: trips of service date D with their times as they are, and trips of service
date D−1 with their times from 24:00 on, moved back by a day (a hop at 25:10 on D−1 runs at
01:10 on D). Trips of D+1 are not used. Times are seconds after 00:00 of D.

The whole feed is sorted once per scan direction (:class:`ScanOrder`), its hops after 24:00
included a second time as "the day before" copies; a date then only needs to know which of
those rows run (:class:`Timetable`: one service mask and the positions of the running rows).
"""

from __future__ import annotations

import datetime as dt
import weakref
from dataclasses import dataclass, field

import numpy as np

from course_planner.transit.feed import Feed

DAY = 86_400


@dataclass(frozen=True, eq=False)
class ScanOrder:
    """The connections of the whole feed, plus the D−1 copies, in one scan order.

    ``run``: the vehicle run (trip index; the D−1 copy of trip t is run ``t + n_trips``, a
    different vehicle). ``dep``/``arr``: seconds after 00:00 of the course date.
    ``service``: index into a date's service mask (the D−1 copies point to the second half).
    ``connection``: index into ``feed.connections`` (the trip is ``run % n_trips``).
    """

    run: np.ndarray
    dep_stop: np.ndarray
    arr_stop: np.ndarray
    dep: np.ndarray
    arr: np.ndarray
    board_ok: np.ndarray
    alight_ok: np.ndarray
    service: np.ndarray
    connection: np.ndarray

    def __len__(self) -> int:
        return len(self.run)

    def take(self, positions: np.ndarray) -> ScanOrder:
        return ScanOrder(*(getattr(self, f)[positions] for f in self.__dataclass_fields__))


@dataclass(frozen=True, eq=False)
class FeedTimetable:
    """Both scan orders of a feed (built once per feed, shared by all dates).

    ``forward``: by departure, then arrival, then position in the feed.
    ``backward``: by arrival descending, then departure descending, then position descending.
    """

    forward: ScanOrder = field(repr=False)
    backward: ScanOrder = field(repr=False)
    n_trips: int
    n_stops: int
    n_services: int


_BUILT: weakref.WeakKeyDictionary[Feed, FeedTimetable] = weakref.WeakKeyDictionary()


def feed_timetable(feed: Feed) -> FeedTimetable:
    """The sorted arrays of ``feed`` (computed once per feed object)."""
    built = _BUILT.get(feed)
    if built is None:
        built = _BUILT[feed] = _build(feed)
    return built


def _build(feed: Feed) -> FeedTimetable:
    c = feed.connections
    n_trips, n_services = len(feed.trips), len(feed.service_ids)
    late = np.flatnonzero(c.dep >= DAY)  # hops that also run on the next course date
    index = np.concatenate([np.arange(len(c), dtype=np.int64), late])
    copy = np.zeros(len(index), dtype=bool)
    copy[len(c) :] = True
    shift = np.where(copy, DAY, 0)
    dep = (c.dep[index] - shift).astype(np.int32)
    arr = (c.arr[index] - shift).astype(np.int32)
    trip = c.trip[index].astype(np.int32)
    run = (trip + np.where(copy, n_trips, 0)).astype(np.int32)
    service = (feed.trip_service[trip] + np.where(copy, n_services, 0)).astype(np.int32)
    seq = c.seq[index]

    def order(positions: np.ndarray) -> ScanOrder:
        return ScanOrder(
            run=run[positions],
            dep_stop=c.dep_stop[index][positions].astype(np.int32),
            arr_stop=c.arr_stop[index][positions].astype(np.int32),
            dep=dep[positions],
            arr=arr[positions],
            board_ok=c.board_ok[index][positions],
            alight_ok=c.alight_ok[index][positions],
            service=service[positions],
            connection=index[positions].astype(np.int32),
        )

    forward = order(_sort(dep, arr, seq))
    backward = order(_sort(arr, dep, seq)[::-1])
    return FeedTimetable(forward, backward, n_trips, len(feed.stops), n_services)


def _sort(first: np.ndarray, second: np.ndarray, third: np.ndarray) -> np.ndarray:
    """Positions sorted by (first, second, third) ascending, for non-negative integers; one
    packed 64-bit key when they fit (several times faster than a three-key lexsort)."""
    bits = [max(int(x.max()).bit_length(), 1) if len(x) else 1 for x in (first, second, third)]
    if len(first) == 0 or min(int(x.min()) for x in (first, second, third)) < 0 or sum(bits) > 63:
        return np.lexsort((third, second, first))
    key = (
        (first.astype(np.int64) << (bits[1] + bits[2]))
        | (second.astype(np.int64) << bits[2])
        | third.astype(np.int64)
    )
    return np.argsort(key)  # the keys are unique: any sort gives the same order


@dataclass(frozen=True, eq=False)
class Booking:
    """Which rides of a feed must be booked, under one scenario's word on its routes.

    ``trips``: per trip, every ride of it must be booked (AST, ALF, Rufbus: the route is
    booked whole). ``*_board_book``/``*_alight_book``: per row of a scan order, boarding or
    alighting there must be booked (``pickup_type``/``drop_off_type`` 2, not rejected by the
    scenario). ``*_board_free``/``*_alight_free``: boarding/alighting allowed without booking.
    """

    trips: np.ndarray
    forward_board_book: np.ndarray = field(repr=False)
    forward_alight_book: np.ndarray = field(repr=False)
    backward_board_book: np.ndarray = field(repr=False)
    backward_alight_book: np.ndarray = field(repr=False)
    forward_board_free: np.ndarray = field(repr=False)
    forward_alight_free: np.ndarray = field(repr=False)
    backward_board_free: np.ndarray = field(repr=False)
    backward_alight_free: np.ndarray = field(repr=False)

    @property
    def any(self) -> bool:
        """True when some ride of the feed must be booked."""
        return bool(
            self.trips.any() or self.forward_board_book.any() or self.forward_alight_book.any()
        )

    def ride_booked(self, order: ScanOrder, board: int, exit_: int, backward: bool) -> bool:
        """Whether the ride boarding at row ``board`` and leaving at row ``exit_`` of the
        (backward or forward) scan order must be booked."""
        trip = int(order.run[board]) % len(self.trips)
        boards = self.backward_board_book if backward else self.forward_board_book
        alights = self.backward_alight_book if backward else self.forward_alight_book
        return bool(self.trips[trip] or boards[board] or alights[exit_])


def booking_for(feed: Feed, whole_trips: np.ndarray, rejected_trips: np.ndarray) -> Booking:
    """The booking arrays of ``feed``: ``whole_trips`` booked whole, the phone-agency stop
    times of ``rejected_trips`` counted as scheduled."""
    arrays = feed_timetable(feed)
    c = feed.connections
    n_trips = len(feed.trips)
    parts = {}
    for name, order in (("forward", arrays.forward), ("backward", arrays.backward)):
        trip = order.run % n_trips
        keep = ~rejected_trips[trip]
        board = c.board_book[order.connection] & keep
        alight = c.alight_book[order.connection] & keep
        parts[f"{name}_board_book"] = board
        parts[f"{name}_alight_book"] = alight
        parts[f"{name}_board_free"] = order.board_ok & ~board
        parts[f"{name}_alight_free"] = order.alight_ok & ~alight
    return Booking(trips=whole_trips.astype(bool), **parts)


@dataclass(frozen=True, eq=False)
class Timetable:
    """The connections running on one course date: positions into the feed's scan orders.

    ``services``: mask over ``2 × n_services`` (first half: running on D, second half:
    running on D−1). ``forward_pos``/``backward_pos``: positions (int32, ascending) of the
    running rows in each scan order.
    """

    date: dt.date
    arrays: FeedTimetable = field(repr=False)
    services: np.ndarray = field(repr=False)
    forward_pos: np.ndarray = field(repr=False)
    backward_pos: np.ndarray = field(repr=False)
    booking: Booking | None = field(default=None, repr=False)
    scheduled_only: bool = False  # True: no ride that must be booked

    def board_alight(self, backward: bool) -> tuple[np.ndarray, np.ndarray]:
        """Where boarding and alighting are allowed, per row of the scan order."""
        order = self.arrays.backward if backward else self.arrays.forward
        if not self.scheduled_only or self.booking is None:
            return order.board_ok, order.alight_ok
        b = self.booking
        if backward:
            return b.backward_board_free, b.backward_alight_free
        return b.forward_board_free, b.forward_alight_free

    @property
    def has_service(self) -> bool:
        """True when a trip of service date D runs (D−1's night trips do not count)."""
        return bool(self.services[: self.arrays.n_services].any())

    @property
    def n_connections(self) -> int:
        return len(self.forward_pos)

    @property
    def n_runs(self) -> int:
        return 2 * self.arrays.n_trips

    @property
    def forward(self) -> ScanOrder:
        """The running connections in forward order (a copy, for inspection)."""
        return self.arrays.forward.take(self.forward_pos)

    @property
    def backward(self) -> ScanOrder:
        return self.arrays.backward.take(self.backward_pos)


def service_signature(feed: Feed, date: dt.date) -> bytes:
    """Dates with the same signature have the same timetable."""
    today = feed.service_mask(date)
    yesterday = feed.service_mask(date - dt.timedelta(days=1))
    return np.packbits(np.concatenate([today, yesterday])).tobytes()


def timetable_for(
    feed: Feed, date: dt.date, booking: Booking | None = None, scheduled_only: bool = False
) -> Timetable:
    """The connections running on ``date`` (see the module docstring); with
    ``scheduled_only``, without the rides ``booking`` says must be booked."""
    arrays = feed_timetable(feed)
    services = np.concatenate(
        [feed.service_mask(date), feed.service_mask(date - dt.timedelta(days=1))]
    )
    n_trips = arrays.n_trips

    def running(order: ScanOrder) -> np.ndarray:
        mask = services[order.service]
        if scheduled_only and booking is not None and booking.trips.any():
            mask &= ~booking.trips[order.run % n_trips]
        return np.flatnonzero(mask).astype(np.int32)

    return Timetable(
        date=date,
        arrays=arrays,
        services=services,
        forward_pos=running(arrays.forward),
        backward_pos=running(arrays.backward),
        booking=booking,
        scheduled_only=scheduled_only,
    )
