"""Where a feed's timetable comes from, as the feed itself says in ``feed_info.txt``.

Every place that shows results on a timetable (the app's pages, the handouts) names its
source, and says plainly when the feed is not an official timetable. That is read from the
data, not from the feed's file name: a reconstruction or an example says so in its
``feed_info.txt`` (publisher name or version, e.g. "Reconstruction from …"), and that file
travels with every copy, clip and cache of the feed. A feed without ``feed_info.txt`` is named
by its file.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from course_planner.errors import CoursePlannerError, Text, msg
from course_planner.sources import open_source


class FeedStatus(enum.Enum):
    """What the feed says it is."""

    UNSTATED = "unstated"  # nothing said either way: named by its publisher or file
    RECONSTRUCTION = "reconstruction"  # rebuilt or synthetic times: not an official timetable
    EXAMPLE = "example"  # example or test data: not an official timetable


# words in feed_info.txt (publisher name, version) that say what a feed is not
_RECONSTRUCTION = re.compile(r"reconstruct|rekonstru|synthetic|synthetisch", re.IGNORECASE)
_EXAMPLE = re.compile(
    r"\b(example|sample|demo|beispiel|beispieldaten|testdaten|test data)\b", re.IGNORECASE
)


@dataclass(frozen=True)
class FeedSource:
    """A feed's source: its publisher and version from ``feed_info.txt`` (None: not given),
    its file name, and its status."""

    file: str
    publisher: str | None = None
    version: str | None = None
    status: FeedStatus = FeedStatus.UNSTATED

    @property
    def official(self) -> bool | None:
        """False when the feed says it is a reconstruction or an example; None otherwise
        (only the publisher can say a timetable is official)."""
        return None if self.status is FeedStatus.UNSTATED else False

    @property
    def name(self) -> str:
        """The publisher where the feed gives one, else the file name."""
        return self.publisher or self.file

    @property
    def statement(self) -> Text:
        """What to say wherever results on the timetable show (app, command line, tables,
        calendars): its source, and plainly when it is not an official timetable."""
        if self.status is FeedStatus.RECONSTRUCTION:
            return msg(
                "Timetable: a reconstruction, not an official timetable (source: {source}).",
                source=self.name,
            )
        if self.status is FeedStatus.EXAMPLE:
            return msg(
                "Timetable: example data, not an official timetable (source: {source}).",
                source=self.name,
            )
        return msg("Timetable: {source}.", source=self.name)

    @property
    def handout_text(self) -> tuple[str, dict[str, str]]:
        """The same for the participants' papers (handouts, calendars): a text of the
        handout catalogue (German msgid) and its values."""
        if self.status is FeedStatus.RECONSTRUCTION:
            return (
                "Fahrplandaten: Rekonstruktion, kein amtlicher Fahrplan (Quelle: {source}). "
                "Angaben ohne Gewähr.",
                {"source": self.name},
            )
        if self.status is FeedStatus.EXAMPLE:
            return (
                "Fahrplandaten: Beispieldaten, kein amtlicher Fahrplan (Quelle: {source}). "
                "Angaben ohne Gewähr.",
                {"source": self.name},
            )
        return "Fahrplandaten: {feed}. Angaben ohne Gewähr.", {"feed": self.name}


def feed_source(path: str | Path) -> FeedSource:
    """The source of the feed at ``path`` (a zip file or folder)."""
    path = Path(path)
    stamps: list[int | None] = []
    for file in (path, path / "feed_info.txt"):  # a folder's file may change on its own
        try:
            stamps.append(file.stat().st_mtime_ns)
        except OSError:
            stamps.append(None)
    return _read(str(path), tuple(stamps))


@cache
def _read(path: str, _stamps: tuple[int | None, ...]) -> FeedSource:
    name = Path(path).name
    try:
        with open_source(path, ["feed_info"]) as source:
            if "feed_info" not in source.members:
                return FeedSource(name)
            frame = source.read_csv("feed_info", dtype=str, keep_default_na=False)
    except CoursePlannerError:  # the feed itself is checked (and reported) where it is read
        return FeedSource(name)
    if frame.empty:
        return FeedSource(name)
    frame.columns = [str(c).strip() for c in frame.columns]
    row = frame.iloc[0]
    publisher = str(row.get("feed_publisher_name", "")).strip() or None
    version = str(row.get("feed_version", "")).strip() or None
    said = " ".join(x for x in (publisher, version) if x)
    status = FeedStatus.UNSTATED
    if _RECONSTRUCTION.search(said):
        status = FeedStatus.RECONSTRUCTION
    elif _EXAMPLE.search(said):
        status = FeedStatus.EXAMPLE
    return FeedSource(name, publisher, version, status)


__all__ = ["FeedSource", "FeedStatus", "feed_source"]
