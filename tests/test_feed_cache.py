"""The parsed-feed cache: a second load gives the same feed, a damaged entry is rebuilt."""

from __future__ import annotations

import datetime as dt
import shutil

import numpy as np
import pandas as pd
from conftest import FIXTURES

from course_planner.transit.feed import load_feed


def same(a, b) -> None:
    for name in a.connections.__dataclass_fields__:
        np.testing.assert_array_equal(getattr(a.connections, name), getattr(b.connections, name))
    for name in ("stops", "stations", "trips"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    assert a.service_ids == b.service_ids and a.validity == b.validity
    for day in (dt.date(2026, 2, 2), dt.date(2026, 4, 6), dt.date(2026, 4, 11)):
        np.testing.assert_array_equal(a.service_mask(day), b.service_mask(day))


def test_second_load_comes_from_the_cache_and_is_the_same(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_PLANNER_CACHE", str(tmp_path / "cache"))
    first = load_feed(FIXTURES / "line")
    assert first.gtfs is not None  # read with gtfs-kit
    entries = list((tmp_path / "cache" / "feeds").iterdir())
    assert len(entries) == 1 and (entries[0] / "meta.json").is_file()
    second = load_feed(FIXTURES / "line")
    assert second.gtfs is None  # from the cache
    same(first, second)


def test_changed_feed_gets_its_own_entry(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_PLANNER_CACHE", str(tmp_path / "cache"))
    folder = tmp_path / "feed"
    shutil.copytree(FIXTURES / "line", folder)
    before = load_feed(folder)
    text = (
        (folder / "stop_times.txt")
        .read_text()
        .replace("T1,07:30:00,07:30:00", "T1,07:20:00,07:20:00")
    )
    (folder / "stop_times.txt").write_text(text)
    after = load_feed(folder)
    assert after.gtfs is not None  # not the old entry
    assert after.connections.dep.min() < before.connections.dep.min()
    assert len(list((tmp_path / "cache" / "feeds").iterdir())) == 2


def test_damaged_entry_is_ignored_and_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_PLANNER_CACHE", str(tmp_path / "cache"))
    first = load_feed(FIXTURES / "line")
    (entry,) = (tmp_path / "cache" / "feeds").iterdir()
    (entry / "arrays.npz").write_bytes(b"not an npz file")
    again = load_feed(FIXTURES / "line")
    assert again.gtfs is not None  # rebuilt from the feed
    same(first, again)
    assert load_feed(FIXTURES / "line").gtfs is None  # and cached again


def test_cache_folder_default_is_outside_the_data(monkeypatch, tmp_path):
    monkeypatch.delenv("COURSE_PLANNER_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    from course_planner.cache import cache_dir

    assert cache_dir("feeds") == tmp_path / "course_planner" / "feeds"
