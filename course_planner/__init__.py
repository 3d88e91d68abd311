"""Kursplaner: plans hybrid courses in rural counties (who reaches which room by bus and
train, and where the mobile teacher is in person)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("course_planner")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
