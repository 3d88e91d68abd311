"""Core messages: every error and warning goes through the catalogue, in German and English."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import course_planner
from course_planner import errors
from course_planner.catalogues import catalogue_path
from course_planner.errors import PlacesError, msg, set_language

PACKAGE = Path(course_planner.__file__).parent
ERROR_CLASSES = {
    node.name
    for node in ast.walk(ast.parse(Path(errors.__file__).read_text(encoding="utf-8")))
    if isinstance(node, ast.ClassDef)
}


def sources() -> list[tuple[Path, ast.Module]]:
    return [
        (path, ast.parse(path.read_text(encoding="utf-8")))
        for path in sorted(PACKAGE.rglob("*.py"))
        if "ui" not in path.relative_to(PACKAGE).parts  # the app's own catalogue: ui/texts.py
    ]


def _plain_text(node: ast.expr) -> bool:
    """A literal string, an f-string, or text glued with +: words that bypass the catalogue."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and bool(node.value.strip())
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return _plain_text(node.left) or _plain_text(node.right)
    if isinstance(node, ast.IfExp):
        return _plain_text(node.body) or _plain_text(node.orelse)
    return False


def _name(call: ast.Call) -> str | None:
    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None


def plain_messages() -> list[str]:
    found = []
    for path, tree in sources():
        validators = path.name == "scenario.py"  # pydantic validators: ValueError is the message
        for node in ast.walk(tree):
            call = None
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                name = _name(node.exc)
                if name in ERROR_CLASSES or (validators and name == "ValueError"):
                    call = node.exc
            elif (isinstance(node, ast.Call) and _name(node) == "warning") or (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "append"
                and ast.unparse(node.func.value).endswith("warnings")
            ):
                call = node
            if call is None:
                continue
            args = call.args[:1] + [k.value for k in call.keywords if k.arg in ("hint", "problem")]
            found += [f"{path.name}:{call.lineno}" for a in args if _plain_text(a)]
    return found


def used_msgids() -> dict[str, str]:
    ids = {}
    for path, tree in sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _name(node) == "msg" and node.args:
                first = node.args[0]
                assert isinstance(first, ast.Constant) and isinstance(first.value, str), (
                    f"{path.name}:{node.lineno}: msg() takes a literal msgid"
                )
                ids[first.value] = f"{path.name}:{node.lineno}"
    return ids


def fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_every_error_and_warning_goes_through_the_catalogue():
    assert plain_messages() == []


def test_every_message_has_its_german_translation_with_the_same_placeholders():
    with catalogue_path("messages", "de").open("rb") as fh:
        german = {m.id: m.string for m in read_po(fh) if m.id}
    ids = used_msgids()
    assert len(ids) > 200  # the extraction finds the messages
    missing = sorted(f"{where}: {msgid}" for msgid, where in ids.items() if not german.get(msgid))
    assert missing == []
    wrong = sorted(
        msgid for msgid in ids if fields(msgid) != fields(german[msgid])
    )  # a translator may reorder placeholders, never drop or rename one
    assert wrong == []
    assert sorted(set(german) - set(ids)) == []  # no stale entries


def test_a_message_is_shown_in_the_language_of_the_moment(tmp_path):
    with pytest.raises(PlacesError) as caught:
        from course_planner.places import load_places

        load_places(tmp_path / "orte.csv")
    error = caught.value
    try:
        set_language("de")
        german = str(error)
    finally:
        set_language("en")
    assert str(error) == error.render("en")
    assert "does not exist" in error.render("en") and "does not exist" not in german
    assert german == error.render("de") and "orte.csv" in german
    assert "existiert nicht" in german


def test_values_are_put_in_after_translation():
    text = msg("the column '{column}' is missing (found: {columns}).", column="lat", columns="x")
    assert "'lat'" in text.render("de") and "'lat'" in text.render("en")
    assert text.render("de") != text.render("en")
    row = PlacesError(msg("the name is empty."), file="orte.csv", row=3, field="name")
    assert row.render("en") == "orte.csv, row 3, field 'name': the name is empty."
    assert row.render("de").startswith("orte.csv, Zeile 3, Feld 'name': ")
