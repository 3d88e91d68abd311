"""Files for people and offices: calendar files (.ics) and office tables (XLSX, CSV)."""

from __future__ import annotations

import re
import unicodedata


def slug(name: str) -> str:
    """A file name for a place or room: ASCII, lower case, dashes (Lügde -> luegde)."""
    text = name.lower().translate(str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"}))
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "ort"
