"""The corpus' workbench: a copy of the `line` fixture feed, scenario files, and a runner
that checks the promise: exit status 2, one clear message, no traceback, nothing written."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from course_planner.cli import main

LINE = Path(__file__).parent.parent / "fixtures" / "line"
ROOM = "{name: Kursraum, lat: 52.0549, lon: 8.8}"
COURSE = (
    "{start_date: 2026-02-02, end_date: 2026-02-13, weekdays: [mon, fri], "
    'start: "08:30", end: "12:00"}'
)
TEACHER = "{base: {name: Zentrale, lat: 51.95, lon: 8.8}}"


def feed_files() -> dict[str, bytes]:
    """The `line` fixture feed, file name -> content."""
    return {p.name: p.read_bytes() for p in sorted(LINE.glob("*.txt"))}


@dataclass
class Workbench:
    tmp: Path
    capsys: pytest.CaptureFixture

    @property
    def out(self) -> Path:
        return self.tmp / "out"

    def feed_zip(
        self,
        members: dict[str, bytes] | None = None,
        name: str = "feed.zip",
        method: int = zipfile.ZIP_DEFLATED,
    ) -> Path:
        path = self.tmp / name
        with zipfile.ZipFile(path, "w", method) as zf:
            for member, data in (members if members is not None else feed_files()).items():
                zf.writestr(member, data)
        return path

    def feed_dir(self, changes: dict[str, bytes] | None = None, name: str = "feed") -> Path:
        folder = self.tmp / name
        folder.mkdir()
        for member, data in {**feed_files(), **(changes or {})}.items():
            (folder / member).write_bytes(data)
        return folder

    def scenario(
        self,
        feed: Path | str | None = None,
        places: Path | str | None = None,
        *,
        extra: str = "",
        course: str = COURSE,
        sites: str = f"[{ROOM}]",
        name: str = "s.yaml",
        encoding: str = "utf-8",
    ) -> Path:
        path = self.tmp / name
        path.write_text(
            f"name: Bad input\nfeed: {feed or LINE}\n"
            f"places: {places or LINE / 'places.csv'}\n"
            f"sites: {sites}\ncourse: {course}\n{extra}",
            encoding=encoding,
        )
        return path

    def run(self, *argv: str | Path, status: int = 2) -> str:
        """Run the CLI; assert the exit status, no traceback and (on failure) an unchanged
        output folder; return stderr."""
        self.out.mkdir(exist_ok=True)
        precious = self.out / "existing.csv"
        precious.write_text("keep me\n")
        before = snapshot(self.out)
        self.capsys.readouterr()
        assert main([str(a) for a in argv]) == status
        captured = self.capsys.readouterr()
        err = captured.err
        assert "Traceback" not in err and "Traceback" not in captured.out
        if status == 2:
            assert snapshot(self.out) == before, "the failed run wrote to the output folder"
            errors = [line for line in err.splitlines() if "error:" in line]
            assert len(errors) == 1 and errors[0].startswith("course-planner: error:")
        return err

    def reach(self, scenario: Path, status: int = 2) -> str:
        return self.run("reach", scenario, "--out", self.out / "reach.csv", status=status)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture
def bench(tmp_path, capsys) -> Workbench:
    return Workbench(tmp_path, capsys)
