"""Command-line options checked before anything is read or written; a scenario without a
teacher gets one message (the same text the app shows)."""

from __future__ import annotations

import pytest

from course_planner.errors import NoTeacherError

from .conftest import TEACHER


@pytest.mark.parametrize("p", ["0", "-2"])
def test_site_p_must_be_at_least_one(bench, p):
    err = bench.run("site", bench.scenario(), "--p", p, "--out", bench.out / "sites.csv")
    assert f"field '--p': --p must be at least 1 (got {p})" in err


def test_unknown_language_lists_the_languages(bench):
    scenario = bench.scenario(extra=f"teacher: {TEACHER}\n")
    err = bench.run("export", scenario, "--lang", "en,xx", "--out", bench.out / "export")
    assert "--lang: unknown language(s) xx" in err
    assert "Available: en, ar, uk, fa, tr" in err


def test_missing_names_file_is_checked_before_anything_is_written(bench):
    scenario = bench.scenario(extra=f"teacher: {TEACHER}\n")
    err = bench.run(
        "export", scenario, "--names", bench.tmp / "namen.txt", "--out", bench.out / "export"
    )
    assert "namen.txt" in err and "names file does not exist" in err


def test_empty_names_file_is_an_error(bench):
    names = bench.tmp / "names.txt"
    names.write_text("\n  \n\n")
    scenario = bench.scenario(extra=f"teacher: {TEACHER}\n")
    err = bench.run("export", scenario, "--names", names, "--out", bench.out / "export")
    assert "names.txt, field '--names': the names file holds no name" in err


@pytest.mark.parametrize("command", ["plan", "compare"])
def test_no_teacher_gives_one_clear_message(bench, command):
    scenario = bench.scenario()
    if command == "compare":
        with_teacher = bench.scenario(name="mit.yaml", extra=f"teacher: {TEACHER}\n")
        err = bench.run("compare", with_teacher, scenario, "--out", bench.out / "kpis.csv")
    else:
        err = bench.run(command, scenario, "--out", bench.out / "x")
    assert f"s.yaml, field 'teacher': {NoTeacherError.PROBLEM}" in err
    assert str(NoTeacherError.HINT) in err


def test_export_of_tables_needs_no_teacher(bench):
    bench.run(
        "export", bench.scenario(), "--what", "tables", "--out", bench.out / "export", status=0
    )
    assert (bench.out / "export" / "tabellen.xlsx").exists()


def test_export_without_teacher_says_so_and_makes_everything_without_presence(bench):
    """Participants still need their dates and connections when nobody plans a teacher."""
    err = bench.run("export", bench.scenario(), "--out", bench.out / "export", status=0)
    assert "no teacher" in err and "without presence marks" in err
    assert any((bench.out / "export").rglob("*.pdf"))
    assert any((bench.out / "export").rglob("*.ics"))
