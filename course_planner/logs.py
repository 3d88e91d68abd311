"""One logging set-up: warnings and notices of course_planner, to stderr or to the app.

Library code logs through :func:`get_logger` and never prints. The CLI calls
:func:`setup_cli_logging` once (warnings go to stderr, one line each); the app wraps a
computation in :func:`collect_warnings` and shows the collected messages on the page.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from course_planner.errors import Text

ROOT = "course_planner"


def get_logger(name: str) -> logging.Logger:
    """The logger of a course_planner module (``name`` is its ``__name__``)."""
    return logging.getLogger(name if name.startswith(ROOT) else f"{ROOT}.{name}")


class _StderrHandler(logging.Handler):
    """Writes to whatever ``sys.stderr`` is at the time (so redirections are honoured)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
        except Exception:  # pragma: no cover - logging must never raise
            self.handleError(record)


def setup_cli_logging(prog: str = "course-planner") -> None:
    """Send course_planner's warnings to stderr as ``prog: warning: …`` (idempotent)."""
    logger = logging.getLogger(ROOT)
    if any(isinstance(h, _StderrHandler) for h in logger.handlers):
        return
    handler = _StderrHandler(level=logging.WARNING)
    handler.setFormatter(logging.Formatter(f"{prog}: %(levelname_lower)s: %(message)s"))
    handler.addFilter(_lower_level)
    logger.addHandler(handler)
    if logger.level == logging.NOTSET or logger.level > logging.WARNING:
        logger.setLevel(logging.WARNING)


def _lower_level(record: logging.LogRecord) -> bool:
    record.levelname_lower = record.levelname.lower()
    return True


class _ListHandler(logging.Handler):
    """Keeps the messages logged by one thread (the app runs each session in its own):
    catalogue messages as they are, to be shown in the language of whoever reads them."""

    def __init__(self, sink: list[Text | str]) -> None:
        super().__init__(level=logging.WARNING)
        self.sink = sink
        self.thread = threading.get_ident()

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            is_text = isinstance(record.msg, Text) and not record.args
            self.sink.append(record.msg if is_text else record.getMessage())


@contextmanager
def collect_warnings() -> Iterator[list[Text | str]]:
    """Collect the warnings this thread logs inside the block, e.g. for the app to show::

    with collect_warnings() as notes:
        feed = load_feed(path)
    for note in notes:
        st.warning(note)
    """
    logger = logging.getLogger(ROOT)
    sink: list[Text | str] = []
    handler = _ListHandler(sink)
    old_level = logger.level
    logger.addHandler(handler)
    if old_level == logging.NOTSET or old_level > logging.WARNING:
        logger.setLevel(logging.WARNING)
    try:
        yield sink
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
