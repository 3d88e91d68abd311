"""The one exception hierarchy of course_planner: every error says where and what to do.

Each class also subclasses the builtin it refines (``ValueError``, ``FileNotFoundError``),
so callers that only know the builtins still catch it. The CLI and the app print
``str(error)``: a message that names the file, row or field and the fix.
"""

from __future__ import annotations

from pathlib import Path


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

    def __init__(self, problem: str, *, rules: tuple[str, ...] = (), **kwargs) -> None:
        self.rules = rules
        super().__init__(problem, **kwargs)


class WorkspaceError(CoursePlannerError, ValueError):
    """A saved scenario cannot be listed, saved, renamed, or a bundle is unusable."""


class ScenarioChangedError(WorkspaceError):
    """The saved scenario changed on disk since it was opened (another tab or person)."""
