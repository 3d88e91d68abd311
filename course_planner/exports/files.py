"""Writing outputs as one unit: single files atomically, folders all or nothing.

Every file we write is readable by others (mode 0644, not mkstemp's 0600). A folder export
is staged in a hidden temporary folder next to the target and moved into place only when
every file is written; a failure leaves the target folder as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import pandas as pd

from course_planner.exports.tables import guard_frame

FILE_MODE = 0o644


def write_atomic(
    path: str | Path, write: Callable[[IO[str]], object] | None, binary: bytes | None = None
) -> Path:
    """Write a file through ``write(fh)`` (text) or as ``binary`` bytes, so that a crash
    never leaves a half-written file. The file gets mode 0644."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        if binary is not None:
            with os.fdopen(fd, "wb") as fh:
                fh.write(binary)
        else:
            assert write is not None
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                write(fh)
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_csv_atomic(frame: pd.DataFrame, path: str | Path, **to_csv: Any) -> Path:
    """A CSV (comma, UTF-8) with the formula guard on every text cell and header."""
    safe = guard_frame(frame)
    return write_atomic(
        path, lambda fh: safe.to_csv(fh, index=to_csv.pop("index", False), **to_csv)
    )


class Staging:
    """A folder export as one unit::

        with Staging(out) as stage:
            stage.write("ics/raum-a.ics", data)
        # on success every file is moved into ``out``; on an error nothing is

    Files already in ``out`` that this export does not write stay untouched.
    """

    def __init__(self, out: str | Path) -> None:
        self.out = Path(out)
        self.files: list[Path] = []
        self._tmp: Path | None = None

    def __enter__(self) -> Staging:
        parent = self.out.resolve().parent
        parent.mkdir(parents=True, exist_ok=True)
        self._tmp = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.", dir=parent))
        return self

    def write(self, relative: str | Path, data: bytes) -> Path:
        assert self._tmp is not None, "use Staging as a context manager"
        target = self._tmp / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        os.chmod(target, FILE_MODE)
        self.files.append(Path(relative))
        return self.out / relative

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._tmp is not None
        try:
            if exc_type is None:
                self._commit()
        finally:
            shutil.rmtree(self._tmp, ignore_errors=True)

    def _commit(self) -> None:
        assert self._tmp is not None
        self.out.mkdir(parents=True, exist_ok=True)
        for relative in self.files:
            target = self.out / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self._tmp / relative, target)
