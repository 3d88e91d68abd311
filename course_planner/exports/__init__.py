"""Files for people and offices: calendar files (.ics) and office tables (XLSX, CSV)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

from anyascii import anyascii

_UMLAUTS: dict[str, str | int | None] = {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"}


def slug(name: str) -> str:
    """A file name for a place or room: ASCII, lower case, dashes (Lügde -> luegde).

    Any script is transliterated (anyascii: Детмольд -> detmol-d, عين -> yn); a name with
    nothing left to write gets a stable id from its hash (``ort-1a2b3c4d``)."""
    text = name.lower().translate(str.maketrans(_UMLAUTS))
    text = anyascii(unicodedata.normalize("NFC", text)).lower()
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:60].strip("-")
    return text or f"ort-{_short_hash(name)}"


def _short_hash(name: str) -> str:
    return hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]


def unique_slugs(names: Iterable[str]) -> dict[str, str]:
    """A file name per distinct name, never two alike: where two names give the same slug
    (Lügde and Luegde, or two names in a script that transliterates alike), each gets its
    hash appended, so the result does not depend on the order of the names."""
    distinct = list(dict.fromkeys(names))
    bases = {n: slug(n) for n in distinct}
    counts: dict[str, int] = {}
    for base in bases.values():
        counts[base] = counts.get(base, 0) + 1
    out = {n: (b if counts[b] == 1 else f"{b}-{_short_hash(n)}") for n, b in bases.items()}
    assert len(set(out.values())) == len(out)
    return out
