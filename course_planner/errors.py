"""The one exception hierarchy of course_planner: every error says where and what to do.

Each class also subclasses the builtin it refines (``ValueError``, ``FileNotFoundError``),
so callers that only know the builtins still catch it. The CLI and the app print
``str(error)``: a message that names the file, row or field and the fix.

Words: a message is a :class:`Text` — an English msgid with named placeholders plus the
values — made with :func:`msg` where the cause is detected::

    raise PlacesError(msg("no place has participants."), file=path, hint=msg("Add …"))

It is translated when shown, in the language of the moment (:func:`set_language`; the app sets
its page language for each run, the CLI stays English) through the gettext catalogue
``locales/<lang>/LC_MESSAGES/messages.po``; values are put in after translation, so a
translator may reorder them. ``tests/test_messages.py`` checks that every raise uses
:func:`msg` and that every msgid has its German translation with the same placeholders.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from course_planner.catalogues import catalogue

MESSAGE_LANGUAGES = ("en", "de")
_LANGUAGE: ContextVar[str] = ContextVar("course_planner_language", default="en")


def set_language(lang: str) -> None:
    """The language of messages shown from now on in this thread (``en`` or ``de``)."""
    _LANGUAGE.set(lang if lang in MESSAGE_LANGUAGES else "en")


def language() -> str:
    return _LANGUAGE.get()


def translate(msgid: str, lang: str | None = None) -> str:
    """``msgid`` in ``lang`` (default: the current language); the msgid where untranslated."""
    lang = lang or language()
    if lang == "en":
        return msgid
    return (catalogue("messages", lang) or {}).get(msgid, msgid)


@dataclass(frozen=True)
class Text:
    """A message to translate when shown: an English msgid and the values of its
    placeholders (values may be Texts themselves)."""

    msgid: str
    values: Mapping[str, Any]

    def render(self, lang: str | None = None) -> str:
        lang = lang or language()
        values = {k: render(v, lang) if isinstance(v, Text) else v for k, v in self.values.items()}
        return translate(self.msgid, lang).format(**values)

    def __str__(self) -> str:
        return self.render()


def msg(msgid: str, /, **values: Any) -> Text:
    """A catalogue message: ``msg("no stop within {m} m of {place}.", m=800, place=name)``."""
    return Text(msgid, values)


def render(text: Text | str | None, lang: str | None = None) -> str:
    """A message or a plain value (a file name, a number) as text in ``lang``."""
    if text is None:
        return ""
    return text.render(lang) if isinstance(text, Text) else str(text)


class CoursePlannerError(Exception):
    """Base class for every error course_planner raises on purpose."""

    def __init__(
        self,
        problem: Text | str,
        *,
        file: str | Path | Text | None = None,
        row: int | None = None,
        field: str | None = None,
        hint: Text | str | None = None,
    ) -> None:
        self.problem = problem
        self.file: str | Text | None = (
            file if isinstance(file, Text) else str(file) if file is not None else None
        )
        self.row = row
        self.field = field
        self.hint = hint
        super().__init__(self.message)

    def where(self, lang: str | None = None) -> str:
        parts = []
        if self.file:
            parts.append(render(self.file, lang))
        if self.row is not None:
            parts.append(msg("row {row}", row=self.row).render(lang))
        if self.field:
            parts.append(msg("field '{field}'", field=self.field).render(lang))
        return ", ".join(parts)

    def render(self, lang: str | None = None) -> str:
        """The whole message (where, problem, hint) in ``lang`` (default: the current)."""
        where, problem = self.where(lang), render(self.problem, lang)
        text = f"{where}: {problem}" if where else problem
        if self.hint:
            text += f" {render(self.hint, lang)}"
        return text

    @property
    def message(self) -> str:
        return self.render()

    def located(self) -> Text:
        """Where and what as one message, to carry into another error (translated when shown)."""
        return _Located("", {}, self)

    def __str__(self) -> str:
        return self.render()


@dataclass(frozen=True)
class _Located(Text):
    error: CoursePlannerError

    def render(self, lang: str | None = None) -> str:
        where, problem = self.error.where(lang), render(self.error.problem, lang)
        return f"{where}: {problem}" if where else problem


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

    def __init__(self, problem: Text | str, *, rules: tuple[str, ...] = (), **kwargs: Any) -> None:
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

    PROBLEM = msg(
        "this scenario has no teacher (the field 'teacher:' is missing), so there is "
        "no rotation plan, no calendar file and no handout with the teacher's "
        "presence."
    )
    HINT = msg(
        "Add the teacher's home base, e.g. {example}.",
        example="teacher: {base: {name: Detmold, lat: 51.935, lon: 8.879}}",
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
