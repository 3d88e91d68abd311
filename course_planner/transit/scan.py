"""The two connection scans, compiled with numba: arrays in, arrays out.

Only plain integer and float arrays cross this boundary; :mod:`course_planner.transit.router`
wraps them into results with journeys. The rules are those of the router module docstring.

Labels are parent pointers: a stop's best boarding (backward) or alighting (forward) is a
position in the scan order; the run of that position knows where it is left (backward) or
entered (forward), and that record points to the next (previous) boarding position, or to the
walk to (from) the room.
"""

from __future__ import annotations

import numpy as np
from numba import njit

NONE = -1


@njit(cache=True, nogil=True)
def backward_scan(
    pos,
    run,
    dep_stop,
    arr_stop,
    dep,
    arr,
    board_ok,
    alight_ok,
    n_runs,
    n_stops,
    egress_stop,
    egress_walk,
    egress_rides,
    egress_arrive,
    tin_ptr,
    tin_stop,
    tin_walk,
    change,
    arrive_by,
    not_before,
):
    """Latest boarding per stop to reach the room by ``arrive_by``.

    ``pos``: the running positions in backward order; the scan stops at the first
    connection arriving before ``not_before``. Walks into a stop: CSR ``tin_*`` (the stop
    itself with 0 s first). The way from a stop to the room (``egress_*``): alighting at
    most ``egress_walk`` before ``arrive_by``, with ``egress_rides`` rides (0: a walk, 1: a
    zone ride) and arrival at the room ``egress_arrive`` (NaN: alighting + ``egress_walk``;
    a zone ride leaves at a fixed time). Returns per stop: latest board, the boarding
    position, its rides and arrival at the room; per run: the exit position and what
    follows it.
    """
    inf = np.inf
    deadline = np.full(n_stops, -inf)
    # what follows alighting at a stop: -1 = walk to the room, else the next boarding pos
    after_next = np.full(n_stops, NONE, np.int64)
    after_board_stop = np.full(n_stops, NONE, np.int64)
    after_walk = np.zeros(n_stops)
    after_rides = np.zeros(n_stops, np.int64)
    after_arrive = np.full(n_stops, inf)
    after_fixed = np.full(n_stops, np.nan)  # a zone ride's arrival at the room
    for k in range(len(egress_stop)):
        s = egress_stop[k]
        x = arrive_by - egress_walk[k]
        if x > deadline[s]:
            deadline[s] = x
            after_next[s] = NONE
            after_board_stop[s] = NONE
            after_walk[s] = egress_walk[k]
            after_rides[s] = egress_rides[k]
            after_fixed[s] = egress_arrive[k]
    best = np.full(n_stops, -inf)
    board_pos = np.full(n_stops, NONE, np.int64)
    board_rides = np.zeros(n_stops, np.int64)
    board_arrive = np.full(n_stops, inf)
    # per run: only exit_pos is read before it is written (the rest is set with it), so
    # the others need no initialising: a big feed has hundreds of thousands of runs
    exit_pos = np.full(n_runs, NONE, np.int64)
    exit_next = np.empty(n_runs, np.int64)
    exit_board_stop = np.empty(n_runs, np.int64)
    exit_walk = np.empty(n_runs)
    run_rides = np.empty(n_runs, np.int64)
    run_arrive = np.empty(n_runs)
    # first running connection arriving by the deadline (arrivals descend along pos)
    lo, hi = 0, len(pos)
    while lo < hi:
        mid = (lo + hi) // 2
        if arr[pos[mid]] > arrive_by:
            lo = mid + 1
        else:
            hi = mid
    for j in range(lo, len(pos)):
        i = pos[j]
        if arr[i] < not_before:
            break
        t = run[i]
        if exit_pos[t] == NONE:
            s = arr_stop[i]
            if not alight_ok[i] or arr[i] > deadline[s]:
                continue
            exit_pos[t] = i
            exit_next[t] = after_next[s]
            exit_board_stop[t] = after_board_stop[s]
            exit_walk[t] = after_walk[s]
            run_rides[t] = after_rides[s] + 1
            if after_next[s] == NONE:
                fixed = after_fixed[s]
                run_arrive[t] = arr[i] + after_walk[s] if np.isnan(fixed) else fixed
            else:
                run_arrive[t] = after_arrive[s]
        if not board_ok[i]:
            continue
        s = dep_stop[i]
        d = dep[i]
        if d > best[s]:
            best[s] = d
            board_pos[s] = i
            board_rides[s] = run_rides[t]
            board_arrive[s] = run_arrive[t]
            for k in range(tin_ptr[s], tin_ptr[s + 1]):
                s2 = tin_stop[k]
                w = tin_walk[k]
                x = d - (w if w > change else change)
                if x > deadline[s2]:
                    deadline[s2] = x
                    after_next[s2] = i
                    after_board_stop[s2] = s
                    after_walk[s2] = w
                    after_rides[s2] = run_rides[t]
                    after_arrive[s2] = run_arrive[t]
    for s in range(n_stops):
        if best[s] < not_before:
            best[s] = -inf
            board_pos[s] = NONE
    return (
        best,
        board_pos,
        board_rides,
        board_arrive,
        exit_pos,
        exit_next,
        exit_board_stop,
        exit_walk,
    )


@njit(cache=True, nogil=True)
def forward_scan(
    pos,
    run,
    dep_stop,
    arr_stop,
    dep,
    arr,
    board_ok,
    alight_ok,
    n_runs,
    n_stops,
    access_stop,
    access_walk,
    access_rides,
    tout_ptr,
    tout_stop,
    tout_walk,
    change,
    leave_at,
    not_after,
):
    """Earliest alighting per stop when leaving the room at ``leave_at``.

    ``pos``: the running positions in forward order; the scan stops at the first connection
    departing after ``not_after``. Walks out of a stop: CSR ``tout_*``. The way from the
    room to a stop (``access_*``): boarding there from ``leave_at + access_walk`` on, after
    ``access_rides`` rides (0: a walk, 1: a zone ride). Returns per stop:
    earliest alighting, its position and rides; per run: the entry position and what
    precedes it.
    """
    inf = np.inf
    ready = np.full(n_stops, inf)
    before_prev = np.full(n_stops, NONE, np.int64)  # -1 = walk from the room
    before_from_stop = np.full(n_stops, NONE, np.int64)
    before_walk = np.zeros(n_stops)
    before_rides = np.zeros(n_stops, np.int64)
    for k in range(len(access_stop)):
        s = access_stop[k]
        x = leave_at + access_walk[k]
        if x < ready[s]:
            ready[s] = x
            before_prev[s] = NONE
            before_from_stop[s] = NONE
            before_walk[s] = access_walk[k]
            before_rides[s] = access_rides[k]
    best = np.full(n_stops, inf)
    alight_pos = np.full(n_stops, NONE, np.int64)
    alight_rides = np.zeros(n_stops, np.int64)
    entry_pos = np.full(n_runs, NONE, np.int64)  # the rest is set together with it
    entry_prev = np.empty(n_runs, np.int64)
    entry_from_stop = np.empty(n_runs, np.int64)
    entry_walk = np.empty(n_runs)
    run_rides = np.empty(n_runs, np.int64)
    lo, hi = 0, len(pos)
    while lo < hi:
        mid = (lo + hi) // 2
        if dep[pos[mid]] < leave_at:
            lo = mid + 1
        else:
            hi = mid
    for j in range(lo, len(pos)):
        i = pos[j]
        if dep[i] > not_after:
            break
        t = run[i]
        if entry_pos[t] == NONE:
            s = dep_stop[i]
            if not board_ok[i] or dep[i] < ready[s]:
                continue
            entry_pos[t] = i
            entry_prev[t] = before_prev[s]
            entry_from_stop[t] = before_from_stop[s]
            entry_walk[t] = before_walk[s]
            run_rides[t] = before_rides[s] + 1
        if not alight_ok[i]:
            continue
        s = arr_stop[i]
        a = arr[i]
        if a < best[s]:
            best[s] = a
            alight_pos[s] = i
            alight_rides[s] = run_rides[t]
            for k in range(tout_ptr[s], tout_ptr[s + 1]):
                s2 = tout_stop[k]
                w = tout_walk[k]
                x = a + (w if w > change else change)
                if x < ready[s2]:
                    ready[s2] = x
                    before_prev[s2] = i
                    before_from_stop[s2] = s
                    before_walk[s2] = w
                    before_rides[s2] = run_rides[t]
    for s in range(n_stops):
        if best[s] > not_after:
            best[s] = inf
            alight_pos[s] = NONE
    return best, alight_pos, alight_rides, entry_pos, entry_prev, entry_from_stop, entry_walk


@njit(cache=True, nogil=True)
def direct_ride_within(
    b_ptr, b_dep, b_run, b_seq, a_ptr, a_run, a_seq, from_stops, to_stops, t, slack
):
    """Whether a scheduled ride boards at one of ``from_stops`` between ``t − slack`` and
    ``t + slack`` and alights later at one of ``to_stops`` (another stop). Boardings sorted
    by (stop, departure), alightings by (stop, run); ``*_seq``: the connection's place in
    its trip (a connection boards at its start and alights at its end)."""
    for a in from_stops:
        if a + 1 >= len(b_ptr):
            continue
        lo, hi = b_ptr[a], b_ptr[a + 1]
        first = lo + np.searchsorted(b_dep[lo:hi], t - slack, side="left")
        last = lo + np.searchsorted(b_dep[lo:hi], t + slack, side="right")
        for i in range(first, last):
            run, seq = b_run[i], b_seq[i]
            for b in to_stops:
                if b == a or b + 1 >= len(a_ptr):
                    continue
                lo2, hi2 = a_ptr[b], a_ptr[b + 1]
                j = lo2 + np.searchsorted(a_run[lo2:hi2], run, side="left")
                while j < hi2 and a_run[j] == run:
                    if a_seq[j] >= seq:
                        return True
                    j += 1
    return False


@njit(cache=True, nogil=True)
def direct_rides_within_csr(
    b_ptr,
    b_dep,
    b_run,
    b_seq,
    a_ptr,
    a_run,
    a_seq,
    from_ptr,
    from_stops,
    to_ptr,
    to_stops,
    t,
    slack,
):
    """:func:`direct_ride_within` for many rides at once, ride k from any of
    ``from_stops[from_ptr[k]:from_ptr[k + 1]]`` to any of ``to_stops[to_ptr[k]:to_ptr[k + 1]]``
    starting at ``t[k]``. Returns one flag per ride."""
    out = np.zeros(len(t), dtype=np.bool_)
    for k in range(len(t)):
        out[k] = direct_ride_within(
            b_ptr,
            b_dep,
            b_run,
            b_seq,
            a_ptr,
            a_run,
            a_seq,
            from_stops[from_ptr[k] : from_ptr[k + 1]],
            to_stops[to_ptr[k] : to_ptr[k + 1]],
            t[k],
            slack,
        )
    return out


# --------------------------------------------------------------------------- zone ride starts


@njit(cache=True, nogil=True)
def latest_in(win, lo, hi, latest, ride):
    """The latest start of a ride of ``ride`` seconds at or before ``latest``, on a whole
    minute (a pick-up is booked for a minute), inside one of the windows ``win[lo:hi]``:
    rows (pick-up from, to, set-down from, to) — it starts inside the first two and ends
    inside the last two; ``-inf``: none."""
    out = -np.inf
    if np.isnan(latest):
        return out
    for w in range(lo, hi):
        x = latest if latest < win[w, 1] else win[w, 1]
        last = win[w, 3] - ride
        x = x if x < last else last
        t = np.floor(x / 60.0) * 60.0
        if t >= win[w, 0] and t + ride >= win[w, 2] and t > out:
            out = t
    return out


@njit(cache=True, nogil=True)
def earliest_in(win, lo, hi, earliest, ride):
    """The earliest start of a ride of ``ride`` seconds at or after ``earliest``, on a whole
    minute, inside one of the windows ``win[lo:hi]`` (see :func:`latest_in`); ``inf``:
    none."""
    out = np.inf
    if np.isnan(earliest):
        return out
    for w in range(lo, hi):
        x = earliest if earliest > win[w, 0] else win[w, 0]
        first = win[w, 2] - ride
        x = x if x > first else first
        t = np.ceil(x / 60.0) * 60.0
        if t <= win[w, 1] and t + ride <= win[w, 3] and t < out:
            out = t
    return out


@njit(cache=True, nogil=True)
def window_starts(win, values, rides, latest):
    """:func:`latest_in` (``latest``) or :func:`earliest_in` over all windows, per value and
    ride (flat arrays)."""
    out = np.empty(len(values))
    for i in range(len(values)):
        if latest:
            out[i] = latest_in(win, 0, len(win), values[i], rides[i])
        else:
            out[i] = earliest_in(win, 0, len(win), values[i], rides[i])
    return out


@njit(cache=True, nogil=True)
def _home_ride(z, at, ride, win_ptr, win, change, from_home):
    """A zone ride of service ``z`` at the home end of a scan, ``ride`` seconds long, to or
    from a stop whose latest boarding (from home) or earliest alighting is ``at``: (its
    value, start). From home: the latest start that still makes the boarding (value: the
    start); home: the earliest start after the alighting (value: the arrival home)."""
    if from_home:
        t0 = latest_in(win, win_ptr[z], win_ptr[z + 1], at - ride - change, ride)
        return t0, t0
    t0 = earliest_in(win, win_ptr[z], win_ptr[z + 1], at + change, ride)
    return t0 + ride, t0


@njit(cache=True, nogil=True)
def zone_home_rides(
    ride,
    ride_off,
    svc_place_ptr,
    svc_places,
    svc_stop_ptr,
    svc_stops,
    stop_ptr,
    stop_svc,
    stop_col,
    place_ptr,
    place_svc,
    place_row,
    win_ptr,
    win,
    slack,
    at_stop,
    beat,
    change,
    from_home,
    home_ptr,
    home_stops,
    b_ptr,
    b_dep,
    b_run,
    b_seq,
    a_ptr,
    a_run,
    a_seq,
):
    """Per place, its best zone ride between home and a stop: from home (``from_home``) the
    latest start, else the earliest arrival home, that beats ``beat`` strictly; ties go to
    the earlier service, then the earlier stop.

    Service ``z`` serves places ``svc_places[svc_place_ptr[z]:…]`` (rows) and stops
    ``svc_stops[svc_stop_ptr[z]:…]`` (columns); its ride seconds are the row-major block of
    ``ride`` from ``ride_off[z]``, its windows of the day ``win_ptr[z]:win_ptr[z + 1]``.
    ``stop_ptr`` lists per stop its (service, column), ``place_ptr`` per place its
    (service, row): only stops the scan reached are looked at.

    A service's rule (``slack[z]`` ≥ 0: Limo's "not within N minutes of a bus") refuses a
    ride when a scheduled ride leaves within ``slack`` of its start between the stop and one
    of the place's walkable stops (``home_ptr``/``home_stops``, CSR); then the place's next
    best ride counts. Returns per place (service or −1, stop, value, start, end)."""
    n = len(beat)
    best = np.full(n, -1, np.int64)  # the pair: its index in ``ride``
    best_z = np.full(n, -1, np.int64)
    best_s = np.full(n, -1, np.int64)
    best_v = beat.copy()
    best_t = np.full(n, np.nan)
    for s in range(len(stop_ptr) - 1):
        at = at_stop[s]
        if not np.isfinite(at):
            continue
        for e in range(stop_ptr[s], stop_ptr[s + 1]):
            z, col = stop_svc[e], stop_col[e]
            n_s = svc_stop_ptr[z + 1] - svc_stop_ptr[z]
            for r in range(svc_place_ptr[z + 1] - svc_place_ptr[z]):
                p = svc_places[svc_place_ptr[z] + r]
                k = ride_off[z] + r * n_s + col
                v, t0 = _home_ride(z, at, ride[k], win_ptr, win, change, from_home)
                better = (v > best_v[p]) if from_home else (v < best_v[p])
                if better or (v == best_v[p] and best[p] >= 0 and k < best[p]):
                    best[p], best_z[p], best_s[p], best_v[p], best_t[p] = k, z, s, v, t0
    service = np.full(n, -1, np.int64)
    stop = np.full(n, -1, np.int64)
    value = np.full(n, -np.inf if from_home else np.inf)
    start = np.full(n, np.nan)
    end = np.full(n, np.nan)
    one = np.empty(1, np.int64)
    for p in range(n):
        if best[p] < 0:
            continue
        home = home_stops[home_ptr[p] : home_ptr[p + 1]]
        # the rule: the best ride first; when refused, the others best first
        order = np.empty(0, np.int64)
        c_k = np.empty(0, np.int64)
        c_z = np.empty(0, np.int64)
        c_s = np.empty(0, np.int64)
        c_v = np.empty(0)
        c_t = np.empty(0)
        m = 0
        tried = 0
        k, z, s, v, t0 = best[p], best_z[p], best_s[p], best_v[p], best_t[p]
        while True:
            refused = False
            if slack[z] >= 0.0:
                one[0] = s
                if from_home:
                    refused = direct_ride_within(
                        b_ptr,
                        b_dep,
                        b_run,
                        b_seq,
                        a_ptr,
                        a_run,
                        a_seq,
                        home,
                        one,
                        t0,
                        slack[z],
                    )
                else:
                    refused = direct_ride_within(
                        b_ptr,
                        b_dep,
                        b_run,
                        b_seq,
                        a_ptr,
                        a_run,
                        a_seq,
                        one,
                        home,
                        t0,
                        slack[z],
                    )
            if not refused:
                service[p], stop[p], value[p], start[p] = z, s, v, t0
                end[p] = (t0 + ride[k]) if from_home else v
                break
            if tried == 0:  # rank the place's other rides that beat ``beat``, once
                size = 0
                for e in range(place_ptr[p], place_ptr[p + 1]):
                    size += svc_stop_ptr[place_svc[e] + 1] - svc_stop_ptr[place_svc[e]]
                c_k = np.empty(size, np.int64)
                c_z = np.empty(size, np.int64)
                c_s = np.empty(size, np.int64)
                c_v = np.empty(size)
                c_t = np.empty(size)
                for e in range(place_ptr[p], place_ptr[p + 1]):
                    zj, r = place_svc[e], place_row[e]
                    n_s = svc_stop_ptr[zj + 1] - svc_stop_ptr[zj]
                    for col in range(n_s):
                        kj = ride_off[zj] + r * n_s + col
                        sj = svc_stops[svc_stop_ptr[zj] + col]
                        if kj == best[p] or not np.isfinite(at_stop[sj]):
                            continue
                        vj, tj = _home_ride(
                            zj,
                            at_stop[sj],
                            ride[kj],
                            win_ptr,
                            win,
                            change,
                            from_home,
                        )
                        if (vj > beat[p]) if from_home else (vj < beat[p]):
                            c_k[m], c_z[m], c_s[m], c_v[m], c_t[m] = kj, zj, sj, vj, tj
                            m += 1
                keys = -c_v[:m] if from_home else c_v[:m]
                order = np.argsort(keys, kind="mergesort")  # stable: ties keep pair order
            if tried >= m:
                break
            o = order[tried]
            tried += 1
            k, z, s, v, t0 = c_k[o], c_z[o], c_s[o], c_v[o], c_t[o]
    return service, stop, value, start, end
