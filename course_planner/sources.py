"""Safe reading of input files: zip archives within limits, text in a known encoding, CSV
separated by commas, paths without symbolic-link loops.

Every problem becomes an :class:`~course_planner.errors.InputFileError` (or a subclass)
naming the file — and inside an archive the member — and what to do. A zip archive is
judged from its central directory *before* anything is unpacked: declared sizes and
compression ratios against :class:`ArchiveLimits`, member names (no ``..``, no absolute
names, no links), encryption, compression method, duplicates and feeds nested in folders.
Python's ``zipfile`` never inflates a member beyond its declared size (a lying header
ends in a CRC error), so the declared sizes bound the memory a read can take.
"""

from __future__ import annotations

import codecs
import os
import re
import stat
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

import pandas as pd

from course_planner.errors import (
    ArchiveError,
    ArchiveLimitError,
    DelimiterError,
    InputFileError,
    InputFileNotFoundError,
    TextEncodingError,
    msg,
)
from course_planner.logs import get_logger

log = get_logger(__name__)

MIB = 1024 * 1024
ENV_MAX_UNZIPPED_MB = "COURSE_PLANNER_MAX_UNZIPPED_MB"
ENV_MAX_ZIP_RATIO = "COURSE_PLANNER_MAX_ZIP_RATIO"
ENV_MAX_MEMBERS = "COURSE_PLANNER_MAX_ZIP_MEMBERS"
#: compression methods Python's zipfile can read: stored, deflate, bzip2, lzma
READABLE_METHODS = {
    zipfile.ZIP_STORED: "stored",
    zipfile.ZIP_DEFLATED: "deflate",
    zipfile.ZIP_BZIP2: "bzip2",
    zipfile.ZIP_LZMA: "lzma",
}
KNOWN_METHODS = {
    9: "Deflate64",
    10: "PKWARE imploding",
    6: "imploding",
    93: "Zstandard",
    95: "xz",
    96: "JPEG",
    97: "WavPack",
    98: "PPMd",
    99: "AES encryption",
}
_SAMPLE = 1 << 20  # bytes looked at to decide a file's encoding
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_FOREIGN_RUN = re.compile(r"[^\W\d_\x00-\x7f]{4,}")  # four non-ASCII letters in a row


# --------------------------------------------------------------------------- limits


def size_text(n: float) -> str:
    """Bytes for people: '812 bytes', '64.0 KiB', '512 MiB', '1.5 GiB'."""
    for unit, factor in (("GiB", 1 << 30), ("MiB", MIB), ("KiB", 1024)):
        if n >= factor:
            value = n / factor
            return f"{value:,.1f} {unit}" if value < 10 else f"{value:,.0f} {unit}"
    return f"{n:,.0f} bytes"


@dataclass(frozen=True)
class ArchiveLimits:
    """How much a zip archive may unpack to; checked from its directory before reading.

    ``max_unzipped_mb``: all members together, in MiB. ``max_ratio``: unpacked size ÷
    packed size of one member (members under ``ratio_floor_mb`` are not judged: tiny
    repetitive tables compress well). ``max_members``: entries in the archive.
    Defaults can be changed by the environment (``COURSE_PLANNER_MAX_UNZIPPED_MB``,
    ``COURSE_PLANNER_MAX_ZIP_RATIO``, ``COURSE_PLANNER_MAX_ZIP_MEMBERS``) and per scenario
    (``limits:``).
    """

    max_unzipped_mb: float = 4096
    max_ratio: float = 200
    max_members: int = 10_000
    ratio_floor_mb: float = 1

    @classmethod
    def from_env(cls, **overrides: Any) -> ArchiveLimits:
        """The defaults, then the environment, then ``overrides`` that are not None."""
        values: dict[str, Any] = {}
        for name, env, kind in (
            ("max_unzipped_mb", ENV_MAX_UNZIPPED_MB, float),
            ("max_ratio", ENV_MAX_ZIP_RATIO, float),
            ("max_members", ENV_MAX_MEMBERS, int),
        ):
            text = os.environ.get(env, "").strip()
            if text:
                try:
                    values[name] = kind(text)
                except ValueError:
                    raise InputFileError(
                        msg(
                            "the environment variable {env}={text!r} is not a number.",
                            env=env,
                            text=text,
                        ),
                        hint=msg("Unset it or give a number."),
                    ) from None
                if values[name] <= 0:
                    raise InputFileError(
                        msg(
                            "the environment variable {env}={text!r} must be positive.",
                            env=env,
                            text=text,
                        )
                    )
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


# --------------------------------------------------------------------------- paths


def safe_path(
    path: str | Path,
    *,
    what: str = "file",
    file: str | Path | None = None,
    field: str | None = None,
) -> Path:
    """``path`` made absolute with symbolic links resolved; a link loop is an error."""
    try:
        return Path(path).resolve()
    except (RuntimeError, OSError) as exc:  # Python < 3.13: RuntimeError on a loop
        raise InputFileError(
            msg(
                "the {what} {path} is a symbolic link that points to itself (a link loop; {exc}).",
                what=what,
                path=path,
                exc=exc,
            ),
            file=file,
            field=field,
            hint=msg("Point the link at the real file, or give the real path."),
        ) from None


def _looks_like_zip(head: bytes) -> bool:
    return head.startswith(_ZIP_MAGIC)


# --------------------------------------------------------------------------- text


@dataclass(frozen=True)
class Encoding:
    """How a text file is decoded: ``codec`` for Python, ``name`` for people."""

    codec: str
    name: str

    @property
    def converted(self) -> bool:
        return self.codec != "utf-8-sig"


UTF8 = Encoding("utf-8-sig", "UTF-8")
CP1252 = Encoding("cp1252", "Windows-1252/Latin-1")


def detect_encoding(sample: bytes, label: str, *, complete: bool) -> Encoding:
    """UTF-8 (with or without byte-order mark) or Windows-1252/Latin-1; anything else is
    a :class:`TextEncodingError` naming ``label``. ``complete``: ``sample`` is the whole
    file (else it may end inside a character)."""
    hint = msg("Save the file as UTF-8 (in Excel: „CSV UTF-8“; in an editor: encoding UTF-8).")
    for bom, name in (
        (codecs.BOM_UTF32_LE, "UTF-32"),
        (codecs.BOM_UTF32_BE, "UTF-32"),
        (codecs.BOM_UTF16_LE, "UTF-16"),
        (codecs.BOM_UTF16_BE, "UTF-16"),
    ):
        if sample.startswith(bom) and not sample.startswith(codecs.BOM_UTF8):
            raise TextEncodingError(
                msg(
                    "the file is {name} text; only UTF-8 and Windows-1252/Latin-1 are read.",
                    name=name,
                ),
                file=label,
                hint=hint,
            )
    if _looks_like_zip(sample):
        raise TextEncodingError(
            msg("this is a zip archive, not a text file."),
            file=label,
            hint=msg("Unpack it, or give the text (CSV) file itself."),
        )
    if b"\x00" in sample:
        raise TextEncodingError(
            msg(
                "the file is not text (it contains zero bytes: binary data or "
                "UTF-16 without a byte-order mark)."
            ),
            file=label,
            hint=hint,
        )
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=complete)
        return UTF8
    except UnicodeDecodeError:
        pass
    try:
        text = sample.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise TextEncodingError(
            msg(
                "the file is neither UTF-8 nor Windows-1252/Latin-1 text "
                "(byte 0x{byte:02x} at position {start}).",
                byte=sample[exc.start],
                start=exc.start,
            ),
            file=label,
            hint=hint,
        ) from None
    controls = any(ord(c) < 32 and c not in "\t\r\n" for c in text)
    # Western text has accented letters among plain ones; text in another 8-bit encoding
    # (Cyrillic, Greek, …) read as Windows-1252 gives runs of accented letters only
    if controls or _FOREIGN_RUN.search(text):
        raise TextEncodingError(
            msg(
                "the file is neither UTF-8 nor Windows-1252/Latin-1 text "
                "(perhaps another 8-bit encoding such as Windows-1251)."
            ),
            file=label,
            hint=hint,
        )
    return CP1252


def _notice_converted(label: str, encoding: Encoding) -> None:
    if encoding.converted:
        log.warning(
            msg(
                "{file}: read as {encoding} text and converted (not UTF-8); save it as UTF-8 "
                "to silence this notice.",
                file=label,
                encoding=encoding.name,
            )
        )


def decode_text(data: bytes, label: str) -> str:
    """The text of a whole file held in ``data``, in its detected encoding (a converted
    file is reported as a notice)."""
    encoding = detect_encoding(data, label, complete=True)
    _notice_converted(label, encoding)
    return data.decode(encoding.codec)


def read_text(
    path: str | Path,
    *,
    what: str = "file",
    max_mb: float = 64,
    file: str | Path | None = None,
    field: str | None = None,
) -> str:
    """A whole text file (scenario, places, names) read safely: exists, is a file and not
    a link loop, at most ``max_mb`` MiB, in a known encoding."""
    path = Path(path)
    label = str(path)
    safe_path(path, what=what, file=file, field=field)
    if not path.exists():
        raise InputFileNotFoundError(
            msg("the {what} does not exist.", what=what), file=label, hint=msg("Check the path.")
        )
    if path.is_dir():
        raise InputFileError(
            msg("this is a folder; the {what} must be a file.", what=what), file=label
        )
    size = path.stat().st_size
    if size > max_mb * MIB:
        raise InputFileError(
            msg(
                "the {what} is {size}; at most {limit} are read.",
                what=what,
                size=size_text(size),
                limit=size_text(max_mb * MIB),
            ),
            file=label,
            hint=msg("Is this the right file?"),
        )
    return decode_text(path.read_bytes(), label)


def check_delimiter(header: str, label: str) -> None:
    """Raise :class:`DelimiterError` when a CSV header is separated by ``;``, tab or ``|``
    instead of commas."""
    if "," in header:
        return
    for sep, name in (
        (";", msg("semicolons (;)")),
        ("\t", msg("tabs")),
        ("|", msg("vertical bars (|)")),
    ):
        if sep in header:
            raise DelimiterError(
                msg("the columns are separated by {name}, not by commas.", name=name),
                file=label,
                row=1,
                hint=msg(
                    "Save it as comma-separated CSV (in Excel: „CSV UTF-8 (durch Komma getrennt)“)."
                ),
            )


def first_line(text: str) -> str:
    return next((line for line in text.splitlines() if line.strip()), "")


# --------------------------------------------------------------------------- archives


@dataclass(frozen=True)
class Member:
    """One readable file of a checked archive or folder (``name``: normalised path)."""

    name: str
    size: int
    info: zipfile.ZipInfo | None = None  # None: a file in a folder
    path: Path | None = None

    @property
    def table(self) -> str:
        """``stops`` for stops.txt; other files by their whole name (``locations.geojson``)."""
        name = PurePosixPath(self.name).name.lower()
        return name.removesuffix(".txt")


def normalised_member_name(raw: str, label: str) -> str:
    """A member name with ``/`` separators and without ``./``; absolute names and ``..``
    are refused (they would point outside the folder the archive unpacks to)."""
    name = raw.replace("\\", "/")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise ArchiveError(
            msg("the member '{raw}' has an absolute name.", raw=raw),
            file=label,
            hint=msg("Such archives are refused: pack the files with relative names."),
        )
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise ArchiveError(
            msg("the member '{raw}' points outside the archive ('..').", raw=raw),
            file=label,
            hint=msg("Such archives are refused: pack the files with plain relative names."),
        )
    return "/".join(parts) + ("/" if name.endswith("/") else "")


def _is_junk(name: str) -> bool:
    """Files that archivers add and nobody means: macOS resource forks, Windows thumbs."""
    parts = name.split("/")
    return (
        parts[0] == "__MACOSX"
        or parts[-1].startswith("._")
        or parts[-1] in (".DS_Store", "Thumbs.db")
    )


def _method_name(method: int) -> str:
    return KNOWN_METHODS.get(method, f"method {method}")


@dataclass(eq=False)
class Source:
    """The files of a feed: an archive or a folder, checked, one folder chosen.

    ``members`` maps a table name (``stops``) to its file; ``label`` names the chosen
    folder for messages (``feed.zip`` or ``feed.zip/gtfs``).
    """

    path: Path
    label: str
    members: dict[str, Member]
    zf: zipfile.ZipFile | None = field(default=None, repr=False)

    def member_label(self, table: str) -> str:
        m = self.members[table]
        return f"{self.path}/{m.name}"

    @contextmanager
    def open_binary(self, table: str) -> Iterator[IO[bytes]]:
        member = self.members[table]
        label = self.member_label(table)
        try:
            if self.zf is None:
                assert member.path is not None
                with open(member.path, "rb") as fh:
                    yield fh
            else:
                assert member.info is not None
                with self.zf.open(member.info) as fh:
                    yield fh
        except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
            raise ArchiveError(
                msg("the member is corrupt and cannot be unpacked ({exc}).", exc=exc),
                file=label,
                hint=msg("Download the feed again."),
            ) from None
        except NotImplementedError as exc:  # a method we did not foresee
            raise ArchiveError(
                msg("the member cannot be unpacked ({exc}).", exc=exc),
                file=label,
                hint=msg("Repack the archive with ordinary zip compression."),
            ) from None

    def encoding(self, table: str) -> Encoding:
        with self.open_binary(table) as fh:
            sample = fh.read(_SAMPLE)
            complete = len(sample) < _SAMPLE
        encoding = detect_encoding(sample, self.member_label(table), complete=complete)
        header = first_line(sample.decode(encoding.codec, errors="ignore"))
        check_delimiter(header, self.member_label(table))
        return encoding

    def read_csv(self, table: str, **options: Any) -> pd.DataFrame:
        """One table as a DataFrame (``options`` go to ``pandas.read_csv``), decoded in its
        detected encoding; a file that turns out not to be UTF-8 after the sample is read
        again as Windows-1252 (with a notice)."""
        label = self.member_label(table)
        encoding = self.encoding(table)
        for attempt in (encoding, CP1252):
            try:
                with self.open_binary(table) as fh:
                    frame = pd.read_csv(fh, encoding=attempt.codec, **options)
                _notice_converted(label, attempt)
                return frame
            except UnicodeDecodeError:
                if attempt is CP1252:
                    break
            except pd.errors.EmptyDataError:
                return pd.DataFrame()
        raise TextEncodingError(
            msg("the file is neither UTF-8 nor Windows-1252/Latin-1 text."),
            file=label,
            hint=msg("Save the file as UTF-8."),
        )

    def close(self) -> None:
        if self.zf is not None:
            self.zf.close()

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_source(
    path: str | Path,
    tables: Iterable[str],
    *,
    what: str = "GTFS feed",
    limits: ArchiveLimits | None = None,
) -> Source:
    """Check a zip archive or folder holding the files ``tables`` (``stops`` → stops.txt;
    other files by their whole name, e.g. ``locations.geojson``) and choose the folder they
    are in. Nothing is unpacked here."""
    path = Path(path)
    label = str(path)
    safe_path(path, what=what)
    if not path.exists():
        raise InputFileNotFoundError(
            msg("the {what} does not exist.", what=what),
            file=label,
            hint=msg("Give the path of a zip file or folder."),
        )
    wanted = {t.lower() for t in tables}
    if path.is_dir():
        files = []
        for p in sorted(path.rglob("*")):
            rel = p.relative_to(path).as_posix()
            if (
                p.name.lower().removesuffix(".txt") not in wanted
                or _is_junk(rel)
                or not p.is_file()
            ):
                continue
            files.append(Member(rel, p.stat().st_size, path=p))
        members = _choose_folder(files, wanted, label)
        folder = _folder_of(members)
        return Source(path, f"{label}/{folder}" if folder else label, members)
    limits = limits or ArchiveLimits.from_env()
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ArchiveError(
            msg("this is not a zip file, or the zip is broken ({exc}).", exc=exc),
            file=label,
            hint=msg("Download the feed again, or give the unpacked folder."),
        ) from None
    try:
        members = check_archive(zf, wanted, label, limits)
    except BaseException:
        zf.close()
        raise
    folder = _folder_of(members)
    return Source(path, f"{label}/{folder}" if folder else label, members, zf)


def check_archive(
    zf: zipfile.ZipFile, wanted: set[str], label: str, limits: ArchiveLimits
) -> dict[str, Member]:
    """Check an open archive from its directory, before anything is unpacked: entry count,
    unpacked size, member names (no traversal, no links), and for the ``wanted`` tables
    encryption, compression method and compression ratio. Returns the wanted members."""
    infos = zf.infolist()
    if len(infos) > limits.max_members:
        raise ArchiveLimitError(
            msg(
                "the archive holds {n} entries; at most {max_members} are read.",
                n=len(infos),
                max_members=limits.max_members,
            ),
            file=label,
            hint=msg(
                "Is this the right file? The limit can be raised with {env} "
                "or the scenario's limits.max_zip_members.",
                env=ENV_MAX_MEMBERS,
            ),
        )
    total = 0
    files: list[Member] = []
    for info in infos:
        name = normalised_member_name(info.filename, label)
        if name.endswith("/") or _is_junk(name):
            continue
        mode = info.external_attr >> 16
        if info.create_system == 3 and stat.S_ISLNK(mode):
            raise ArchiveError(
                msg("the member '{filename}' is a symbolic link.", filename=info.filename),
                file=label,
                hint=msg(
                    "Such archives are refused: pack the files themselves, not links to them."
                ),
            )
        total += info.file_size
        files.append(Member(name, info.file_size, info=info))
    if total > limits.max_unzipped_mb * MIB:
        raise ArchiveLimitError(
            msg(
                "the archive would unpack to {size}; the limit is {limit}. Nothing was unpacked.",
                size=size_text(total),
                limit=size_text(limits.max_unzipped_mb * MIB),
            ),
            file=label,
            hint=msg(
                "Clip the feed to your area first, or raise the limit ({env} "
                "or the scenario's limits.max_unzipped_mb) if the file is "
                "trusted.",
                env=ENV_MAX_UNZIPPED_MB,
            ),
        )
    members = _choose_folder(files, wanted, label)
    for member in members.values():
        entry = member.info
        assert entry is not None
        where = f"{label}/{member.name}"
        if entry.flag_bits & 0x1:
            raise ArchiveError(
                msg("the member is encrypted (password-protected)."),
                file=where,
                hint=msg("Pack the feed again without a password."),
            )
        if entry.compress_type not in READABLE_METHODS:
            raise ArchiveError(
                msg(
                    "the member is compressed with {method}, which cannot be read "
                    "(readable: {readable}).",
                    method=_method_name(entry.compress_type),
                    readable=", ".join(READABLE_METHODS.values()),
                ),
                file=where,
                hint=msg("Repack the archive with ordinary zip (deflate) compression."),
            )
        ratio = entry.file_size / max(entry.compress_size, 1)
        if entry.file_size > limits.ratio_floor_mb * MIB and ratio > limits.max_ratio:
            raise ArchiveLimitError(
                msg(
                    "the member would unpack from {size} to {unpacked} (ratio "
                    "{ratio:,.0f}:1); the limit is {max_ratio:,.0f}:1. Nothing "
                    "was unpacked.",
                    size=size_text(entry.compress_size),
                    unpacked=size_text(entry.file_size),
                    ratio=ratio,
                    max_ratio=limits.max_ratio,
                ),
                file=where,
                hint=msg(
                    "Such archives are refused as zip bombs; raise the limit "
                    "({env} or the scenario's limits.max_zip_ratio) only for a "
                    "trusted file.",
                    env=ENV_MAX_ZIP_RATIO,
                ),
            )
    return members


def _folder_of(members: dict[str, Member]) -> str:
    """The folder (inside the archive or folder) the chosen members lie in; "" at the top."""
    if not members:
        return ""
    parent = PurePosixPath(next(iter(members.values())).name).parent.as_posix()
    return "" if parent == "." else parent


def _choose_folder(files: list[Member], wanted: set[str], label: str) -> dict[str, Member]:
    """The members of ``wanted`` tables, all from one folder: the top level, or the one
    subfolder that holds them. Two files for one table, or feeds in two folders, are
    errors: reading one of them silently would be a guess."""
    by_folder: dict[str, dict[str, Member]] = {}
    for member in files:
        if member.table not in wanted:
            continue
        folder = str(PurePosixPath(member.name).parent)
        folder = "" if folder == "." else folder
        tables = by_folder.setdefault(folder, {})
        if member.table in tables:
            raise ArchiveError(
                msg(
                    "'{name}' and '{other}' are the same file twice ({folder}).",
                    name=tables[member.table].name,
                    other=member.name,
                    folder=PurePosixPath(member.name).name,
                ),
                file=label,
                hint=msg("Keep one of them and pack the feed again."),
            )
        tables[member.table] = member
    if not by_folder:
        return {}
    if len(by_folder) > 1:
        where = ", ".join(f"'{f}/'" if f else "the top level" for f in sorted(by_folder))
        names = sorted(
            {PurePosixPath(m.name).name for ms in by_folder.values() for m in ms.values()}
        )
        raise ArchiveError(
            msg(
                (
                    "files of a feed ({names}…) lie in several folders: {where}. "
                    "This looks like several feeds in one archive."
                ),
                names=", ".join(names[:4]),
                where=where,
            ),
            file=label,
            hint=msg("Give one feed per archive (or point to one folder)."),
        )
    folder, members = next(iter(by_folder.items()))
    if folder:
        log.warning(
            msg(
                "{file}: the feed lies in the folder '{folder}/' of the archive; reading it "
                "from there.",
                file=label,
                folder=folder,
            )
        )
    return members
