"""The one exception hierarchy of course_planner: every error says where and what to do.

Each class also subclasses the builtin it refines (``ValueError``, ``FileNotFoundError``),
so callers that only know the builtins still catch it. The CLI and the app print
``str(error)``: a message that names the file, row or field and the fix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


class CoursePlannerError(Exception):
    """Base class for every error course_planner raises on purpose."""

    def __init__(
        self,
        problem: str,
        *,
        file: str | Path | None = None,
        row: int | None = None,
        field: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.problem = problem
        self.file = str(file) if file is not None else None
        self.row = row
        self.field = field
        self.hint = hint
        super().__init__(self.message)

    @property
    def where(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file)
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.field:
            parts.append(f"field '{self.field}'")
        return ", ".join(parts)

    @property
    def message(self) -> str:
        text = f"{self.where}: {self.problem}" if self.where else self.problem
        if self.hint:
            text += f" {self.hint}"
        return text

    def __str__(self) -> str:
        return self.message


class ScenarioError(CoursePlannerError, ValueError):
    """The scenario file is missing, not YAML, or has a wrong or unknown field."""


class PlacesError(CoursePlannerError, ValueError):
    """The places CSV is missing or has a bad row."""


class FeedError(CoursePlannerError, ValueError):
    """The GTFS feed is missing, broken, or does not cover the course dates."""


class InputFileNotFoundError(CoursePlannerError, FileNotFoundError):
    """A file the scenario names does not exist."""


class NoPlanError(CoursePlannerError, ValueError):
    """No rotation satisfies the hard rules; ``rules`` names those in conflict."""

    def __init__(self, problem: str, *, rules: tuple[str, ...] = (), **kwargs: Any) -> None:
        self.rules = rules
        super().__init__(problem, **kwargs)


class InputFileError(CoursePlannerError, ValueError):
    """An input file cannot be read safely: wrong encoding or separator, a symbolic-link
    loop, a zip archive where a CSV is expected, or too large to read."""


class TextEncodingError(InputFileError):
    """A text file is neither UTF-8 nor Windows-1252/Latin-1 (e.g. UTF-16, or binary)."""


class DelimiterError(InputFileError):
    """A CSV file is separated by something other than commas (``;``, tab, ``|``)."""


class ArchiveError(FeedError, InputFileError):
    """A feed's zip archive (or folder) is broken, or holds members that cannot or must
    not be read (encrypted, unsupported compression, unsafe names, links, duplicates,
    nested feeds)."""


class ArchiveLimitError(ArchiveError):
    """A zip archive would unpack to more than the limits allow (checked before reading)."""


class FeedConsistencyError(FeedError):
    """The feed contradicts itself: duplicate ids, impossible coordinates, reversed dates."""


class NoTeacherError(ScenarioError):
    """The scenario has no ``teacher:``, so there is no rotation to plan."""

    PROBLEM = (
        "this scenario has no teacher (the field 'teacher:' is missing), so there is "
        "no rotation plan, no calendar file and no handout with the teacher's "
        "presence."
    )
    HINT = (
        "Add the teacher's home base, e.g. teacher: {base: {name: Detmold, lat: 51.935, "
        "lon: 8.879}}."
    )

    def __init__(self, file: str | Path | None = None) -> None:
        super().__init__(self.PROBLEM, file=file, field="teacher", hint=self.HINT)


class SolverTimeoutError(NoPlanError, TimeoutError):
    """The solver reached its time limit without a plan and without proving that none
    exists: a time-out, never a proof."""


class UsageError(CoursePlannerError, ValueError):
    """A command-line option has a value the command cannot use."""


class ClipError(FeedError):
    """A feed cannot be clipped to the area asked for (no such county, ids not DHIDs, …)."""


class WorkspaceError(CoursePlannerError, ValueError):
    """A saved scenario cannot be listed, saved, renamed, or a bundle is unusable."""


class ScenarioChangedError(WorkspaceError):
    """The saved scenario changed on disk since it was opened (another tab or person)."""


class HandoutError(CoursePlannerError, RuntimeError):
    """A handout cannot be made (its language's texts or the fonts are missing)."""
