"""The cache of derived files (parsed feeds, clipped feeds, feed digests): where it lives,
and the content digest that keys it.

``$COURSE_PLANNER_CACHE`` overrides the folder; by default it is the user's cache folder
(``platformdirs``: ``~/.cache/course_planner`` on Linux). Everything in it can be deleted at
any time: it is made again when needed. Never inside the shipped data.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path


def cache_dir(kind: str) -> Path:
    """The folder for one kind of derived file (``feeds``, ``clips``, ``digests``)."""
    env = os.environ.get("COURSE_PLANNER_CACHE")
    if env:
        return Path(env).expanduser() / kind
    import platformdirs

    return Path(platformdirs.user_cache_dir("course_planner")) / kind


def write_text_atomic(path: Path, text: str) -> None:
    """Write a small text file so that a reader never sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with open(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def feed_digest(path: str | Path) -> str:
    """SHA-256 of a feed's content (zip bytes, or a folder's file names and bytes).

    A feed of a gigabyte takes seconds to hash, so the digest is remembered per path, size
    and modification time (in the cache folder; skipped where it cannot be written)."""
    path = Path(path).resolve()
    files = sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
    stamp = json.dumps([[str(p), p.stat().st_size, p.stat().st_mtime_ns] for p in files])
    memo = cache_dir("digests") / (hashlib.sha256(stamp.encode()).hexdigest() + ".txt")
    if memo.is_file():
        return memo.read_text().strip()
    digest = hashlib.sha256()
    for p in files:
        if path.is_dir():
            digest.update(p.name.encode() + b"\0")
        with open(p, "rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
    value = digest.hexdigest()
    with contextlib.suppress(OSError):  # a read-only cache only costs the next call the
        write_text_atomic(memo, value)  # hashing again
    return value
