"""The package's public face: its version and every public name."""

from __future__ import annotations

import subprocess
import sys

import pytest

import course_planner


def test_version_is_the_installed_one():
    from importlib.metadata import version

    assert course_planner.__version__ == version("course_planner")


@pytest.mark.parametrize("name", [n for n in course_planner.__all__ if n != "__version__"])
def test_every_public_name_resolves(name):
    assert getattr(course_planner, name) is not None


def test_unknown_names_are_an_attribute_error():
    with pytest.raises(AttributeError):
        course_planner.nothing_like_this  # noqa: B018


def test_importing_the_package_loads_no_heavy_module():
    code = (
        "import sys, course_planner; "
        "print(sorted(m for m in ('ortools', 'numba', 'gtfs_kit') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "[]"
