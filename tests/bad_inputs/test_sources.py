"""The safe reader's small rules, one by one (the corpus runs them through the CLI)."""

from __future__ import annotations

import pytest

from course_planner.errors import ArchiveError, InputFileError
from course_planner.sources import ArchiveLimits, normalised_member_name, size_text

from .conftest import feed_files


@pytest.mark.parametrize(
    "raw, name",
    [
        ("stops.txt", "stops.txt"),
        ("./stops.txt", "stops.txt"),
        ("gtfs\\stops.txt", "gtfs/stops.txt"),
        ("gtfs//stops.txt", "gtfs/stops.txt"),
        ("gtfs/", "gtfs/"),
    ],
)
def test_member_names_are_normalised(raw, name):
    assert normalised_member_name(raw, "f.zip") == name


@pytest.mark.parametrize(
    "raw",
    [
        "../x.txt",
        "a/../../x.txt",
        "..\\x.txt",
        "/x.txt",
        "\\x.txt",
        "C:\\x.txt",
        "a/b/../../../x.txt",
    ],
)
def test_member_names_leaving_the_folder_are_refused(raw):
    with pytest.raises(ArchiveError, match=r"f\.zip"):
        normalised_member_name(raw, "f.zip")


def test_limits_from_environment_and_scenario(monkeypatch):
    monkeypatch.setenv("COURSE_PLANNER_MAX_ZIP_RATIO", "50")
    assert ArchiveLimits.from_env().max_ratio == 50
    assert ArchiveLimits.from_env(max_ratio=400, max_members=None).max_ratio == 400
    monkeypatch.setenv("COURSE_PLANNER_MAX_ZIP_RATIO", "lots")
    with pytest.raises(InputFileError, match="COURSE_PLANNER_MAX_ZIP_RATIO='lots'"):
        ArchiveLimits.from_env()


def test_sizes_for_people():
    assert size_text(812) == "812 bytes"
    assert size_text(64 * 1024) == "64 KiB"
    assert size_text(512 * 1024 * 1024) == "512 MiB"
    assert size_text(1.5 * (1 << 30)) == "1.5 GiB"


def test_feed_packed_on_windows_is_read(bench):
    files = {f"gtfs\\{n}": d for n, d in feed_files().items()}
    err = bench.reach(bench.scenario(bench.feed_zip(files)), status=0)
    assert "folder 'gtfs/'" in err
