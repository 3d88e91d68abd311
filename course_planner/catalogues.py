"""The gettext catalogues: one home for every translated text outside the app's pages.

``course_planner/locales/<lang>/LC_MESSAGES/<domain>.po``, read with babel:

* ``handout`` — the participant handout's texts (msgids in German, five second languages);
* ``messages`` — the core messages: errors and warnings (msgids in English, the German
  catalogue translates them; English is the identity).

A new language is one ``.po`` file per domain; ``pybabel`` or any PO editor can maintain them.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

LOCALES = Path(__file__).parent / "locales"


def catalogue_path(domain: str, lang: str) -> Path:
    return LOCALES / lang / "LC_MESSAGES" / f"{domain}.po"


@cache
def catalogue(domain: str, lang: str) -> dict[str, str] | None:
    """The translations of ``domain`` into ``lang`` (msgid → text), None if there are none."""
    path = catalogue_path(domain, lang)
    if not path.exists():
        return None
    with path.open("rb") as fh:
        # plural entries (tuples of forms) are not used: only str -> str
        return {
            m.id: m.string
            for m in read_po(fh)
            if isinstance(m.id, str) and isinstance(m.string, str) and m.id and m.string
        }
