"""Saved scenarios: a folder of plain files that organisers can mail and version.

The workspace is a folder (default ``~/Kursplaner``; the environment variable
``COURSE_PLANNER_WORKSPACE`` or the app's ``--workspace`` flag choose another). Each saved
scenario is a sub-folder::

    Kursplaner/
      Südlippe Herbst/
        scenario.yaml        # feed: and places: relative to this folder when they are in it
        fahrplan.zip         # an uploaded feed, copied in
        orte.csv             # an uploaded places file, copied in

Every write is atomic (a temporary file or folder, then ``os.replace``), and a save checks
that ``scenario.yaml`` is still the version that was opened, so two browser tabs cannot
silently overwrite each other. A *bundle* is one zip with the scenario, its places and its
feed, paths relative: it opens on any machine.

Work not yet saved is kept too: every browser tab has a *draft* (``.entwuerfe/<id>.json``:
the scenario as it is in that tab, where it came from, whether it was edited) and an upload
folder (``.uploads/<id>/``), so that a reload or a server restart reopens the tab as it was.
The tab's address carries the id; drafts untouched for :data:`DRAFT_DAYS` days are removed.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import tempfile
import time
import unicodedata
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath

import yaml

from course_planner.errors import ScenarioChangedError, WorkspaceError, msg
from course_planner.scenario import ALL_STOPS, scenario_yaml

ENV = "COURSE_PLANNER_WORKSPACE"
SCENARIO_FILE = "scenario.yaml"
DRAFTS, UPLOADS = ".entwuerfe", ".uploads"
DRAFT_DAYS = 30
_DRAFT_ID = re.compile(r"[0-9a-f]{32}")
BUNDLE_LIMIT_BYTES = 1 << 30  # uncompressed size of a bundle we are willing to unpack
BUNDLE_MAX_RATIO = 200  # uncompressed ÷ compressed, per member (zip bombs)


def default_root() -> Path:
    """The workspace folder: ``$COURSE_PLANNER_WORKSPACE`` or ``~/Kursplaner``."""
    env = os.environ.get(ENV)
    return Path(env).expanduser() if env else Path.home() / "Kursplaner"


def safe_name(text: str) -> str:
    """A file or folder name from user text: no folders, no control characters, no
    leading dots; letters of any script are kept. Empty when nothing usable is left."""
    text = unicodedata.normalize("NFC", str(text))
    text = PurePosixPath(text.replace("\\", "/")).name  # a basename only: no traversal
    text = "".join(c for c in text if unicodedata.category(c)[0] != "C")
    text = re.sub(r'[<>:"|?*]', "_", text).strip().lstrip(".").strip()
    return text[:120]


@dataclass(frozen=True)
class SavedScenario:
    """One saved scenario: its name (the folder's) and the version of its scenario.yaml."""

    name: str
    folder: Path
    version: str

    @property
    def file(self) -> Path:
        return self.folder / SCENARIO_FILE


def _version(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _copy_into(source: Path, folder: Path) -> str:
    """Copy a feed or places file (or a feed folder) into ``folder``; its new name."""
    name = safe_name(source.name) or "datei"
    target = folder / name
    if source.resolve() == target.resolve():
        return name
    if source.is_dir():
        tmp = Path(tempfile.mkdtemp(dir=folder, prefix=".tmp-"))
        shutil.copytree(source, tmp, dirs_exist_ok=True)
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    else:
        _write_atomic(target, source.read_bytes())
    return name


def _resolved(data: dict, base: Path, key: str) -> Path | None:
    value = data.get(key)
    if not isinstance(value, str | Path) or (key == "places" and str(value) == ALL_STOPS):
        return None
    path = Path(value)
    return path if path.is_absolute() else (base / path).resolve()


@dataclass(frozen=True)
class Draft:
    """One browser tab's scenario as it is now, saved or not."""

    data: dict
    base: str  # the folder its relative paths are relative to
    label: str  # where it was opened from (a template's file name, a saved name, uploads)
    saved: tuple[str, str] | None  # (name, version) when it was opened from the workspace
    edited: bool  # changed since it was opened or saved

    def to_json(self) -> bytes:
        # the scenario as YAML inside: dates and times come back as they were
        raw = asdict(self) | {"data": yaml.safe_dump(self.data, allow_unicode=True)}
        return json.dumps(raw, ensure_ascii=False, sort_keys=True).encode("utf-8")

    @classmethod
    def from_json(cls, content: bytes) -> Draft | None:
        """The draft, or None when the file is not one (a damaged draft is only dropped)."""
        try:
            raw = json.loads(content.decode("utf-8"))
            saved = raw["saved"]
            data = yaml.safe_load(raw["data"])
            if not isinstance(data, dict):
                return None
            return cls(
                data=data,
                base=str(raw["base"]),
                label=str(raw["label"]),
                saved=(str(saved[0]), str(saved[1])) if saved else None,
                edited=bool(raw["edited"]),
            )
        except (ValueError, KeyError, TypeError, IndexError, yaml.YAMLError):
            return None


class Workspace:
    """The saved scenarios in one folder."""

    def __init__(self, root: Path | str | None = None) -> None:
        self.root = Path(root).expanduser() if root else default_root()

    # ------------------------------------------------------------------ reading
    def scenarios(self) -> list[SavedScenario]:
        if not self.root.is_dir():
            return []
        return [
            SavedScenario(f.name, f, _version(f / SCENARIO_FILE))
            for f in sorted(self.root.iterdir(), key=lambda p: p.name.casefold())
            if not f.name.startswith(".") and (f / SCENARIO_FILE).is_file()
        ]

    def get(self, name: str) -> SavedScenario:
        folder = self._folder(name)
        if not (folder / SCENARIO_FILE).is_file():
            raise WorkspaceError(
                msg("there is no saved scenario „{name}“.", name=name),
                hint=msg("Pick one from the list of saved scenarios."),
            )
        return SavedScenario(folder.name, folder, _version(folder / SCENARIO_FILE))

    def open(self, name: str) -> tuple[dict, SavedScenario]:
        """The saved scenario as a dict (paths as written, relative to its folder)."""
        saved = self.get(name)
        text = saved.file.read_bytes()
        try:
            data = yaml.safe_load(text.decode("utf-8-sig"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise WorkspaceError(
                msg("the saved file is not readable YAML ({exc}).", exc=exc),
                file=f"{saved.name}/{SCENARIO_FILE}",
            ) from None
        if not isinstance(data, dict):
            raise WorkspaceError(
                msg("the saved file is not a scenario (a YAML mapping)."),
                file=f"{saved.name}/{SCENARIO_FILE}",
            )
        return data, SavedScenario(saved.name, saved.folder, hashlib.sha256(text).hexdigest())

    # ------------------------------------------------------------------ writing
    def save(
        self,
        name: str,
        data: dict,
        base: Path,
        *,
        version: str | None = None,
        copy_from: tuple[Path, ...] = (),
    ) -> SavedScenario:
        """Save ``data`` (paths relative to ``base``) as ``name``.

        ``version``: the version that was opened; ``None`` for a new scenario (refused when
        the name exists). Saving over a file that changed since is refused. Feed and places
        files under one of ``copy_from`` (the upload folder) are copied in; other paths are
        written absolute, so the saved file works from its folder.
        """
        folder = self._folder(name)
        self.root.mkdir(parents=True, exist_ok=True)
        exists = (folder / SCENARIO_FILE).is_file()
        if version is None and exists:
            raise WorkspaceError(
                msg("a saved scenario „{name}“ exists already.", name=folder.name),
                hint=msg("Choose another name, or open it and save there."),
            )
        if version is not None and exists and _version(folder / SCENARIO_FILE) != version:
            raise ScenarioChangedError(
                msg(
                    (
                        "„{name}“ was changed elsewhere (another tab?) since you "
                        "opened it; nothing was saved."
                    ),
                    name=folder.name,
                ),
                hint=msg("Save under a new name, or open it again and redo your change."),
            )
        new_folder = not folder.exists()
        work = Path(tempfile.mkdtemp(dir=self.root, prefix=".tmp-")) if new_folder else folder
        try:
            out = dict(data)
            for key in ("feed", "places"):
                path = _resolved(data, base, key)
                if path is None:
                    continue
                if path.is_relative_to(folder.resolve()):
                    out[key] = path.relative_to(folder.resolve()).as_posix()
                elif any(path.is_relative_to(Path(r).resolve()) for r in copy_from):
                    out[key] = _copy_into(path, work)
                else:
                    out[key] = str(path)
            _write_atomic(work / SCENARIO_FILE, scenario_yaml(out).encode("utf-8"))
            if new_folder:
                os.replace(work, folder)
        except BaseException:
            if new_folder:
                shutil.rmtree(work, ignore_errors=True)
            raise
        return self.get(folder.name)

    def duplicate(self, name: str, new_name: str) -> SavedScenario:
        source, target = self.get(name).folder, self._folder(new_name)
        if target.exists():
            raise WorkspaceError(
                msg("„{name}“ exists already.", name=target.name), hint=msg("Choose another name.")
            )
        tmp = Path(tempfile.mkdtemp(dir=self.root, prefix=".tmp-"))
        try:
            shutil.copytree(source, tmp, dirs_exist_ok=True)
            os.replace(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return self.get(target.name)

    def rename(self, name: str, new_name: str) -> SavedScenario:
        source, target = self.get(name).folder, self._folder(new_name)
        if target.exists():
            raise WorkspaceError(
                msg("„{name}“ exists already.", name=target.name), hint=msg("Choose another name.")
            )
        os.replace(source, target)
        return self.get(target.name)

    def delete(self, name: str) -> None:
        shutil.rmtree(self.get(name).folder)

    # ------------------------------------------------------------------ drafts
    @staticmethod
    def valid_draft_id(draft_id: str | None) -> bool:
        return bool(draft_id) and _DRAFT_ID.fullmatch(str(draft_id)) is not None

    def _draft_file(self, draft_id: str) -> Path:
        if not self.valid_draft_id(draft_id):
            raise ValueError(draft_id)
        return self.root / DRAFTS / f"{draft_id}.json"

    def save_draft(self, draft_id: str, draft: Draft) -> None:
        """Keep a tab's scenario (atomic; one file per tab, so tabs never clobber)."""
        path = self._draft_file(draft_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_atomic(path, draft.to_json())

    def open_draft(self, draft_id: str | None) -> Draft | None:
        if not self.valid_draft_id(draft_id):
            return None
        path = self._draft_file(str(draft_id))
        try:
            content = path.read_bytes()
        except OSError:
            return None
        return Draft.from_json(content)

    def upload_folder(self, draft_id: str) -> Path:
        """Where a tab's uploaded files live (kept with its draft)."""
        if not self.valid_draft_id(draft_id):
            raise ValueError(draft_id)
        folder = self.root / UPLOADS / draft_id
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def prune_drafts(self, now: float | None = None, days: int = DRAFT_DAYS) -> list[str]:
        """Remove drafts (and their uploads) untouched for ``days`` days; their ids."""
        limit = (time.time() if now is None else now) - days * 86400
        gone = []
        for path in sorted((self.root / DRAFTS).glob("*.json")):
            try:
                old = path.stat().st_mtime < limit
            except OSError:
                continue
            if old and self.valid_draft_id(path.stem):
                path.unlink(missing_ok=True)
                shutil.rmtree(self.root / UPLOADS / path.stem, ignore_errors=True)
                gone.append(path.stem)
        return gone

    # ------------------------------------------------------------------ bundles
    def export_bundle(self, name: str) -> bytes:
        """One self-contained zip: scenario.yaml, its places and its feed, paths relative."""
        data, saved = self.open(name)
        return bundle(data, saved.folder)

    def import_bundle(self, content: bytes, name: str) -> SavedScenario:
        """Unpack a bundle as a new saved scenario ``name`` (refused when it exists)."""
        target = self._folder(name)
        if target.exists():
            raise WorkspaceError(
                msg("„{name}“ exists already.", name=target.name), hint=msg("Choose another name.")
            )
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=self.root, prefix=".tmp-"))
        try:
            unpack_bundle(content, tmp)
            os.replace(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return self.get(target.name)

    # ------------------------------------------------------------------ helpers
    def _folder(self, name: str) -> Path:
        clean = safe_name(name)
        if not clean:
            raise WorkspaceError(
                msg("„{name}“ is not usable as a name.", name=name),
                hint=msg("Use letters, digits, spaces or dashes."),
            )
        return self.root / clean


def bundle(data: dict, base: Path) -> bytes:
    """The scenario ``data`` (paths relative to ``base``) with its files as one zip."""
    out = dict(data)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for key in ("feed", "places"):
            path = _resolved(data, base, key)
            if path is None:
                continue
            if not path.exists():
                raise WorkspaceError(
                    msg("the {key} file {name} is missing.", key=key, name=path.name),
                    field=key,
                    hint=msg("Give the file, then export again."),
                )
            arc = safe_name(path.name) or key
            if not arc.startswith(f"{key}-"):
                arc = f"{key}-{arc}"
            if path.is_dir():
                for f in sorted(p for p in path.rglob("*") if p.is_file()):
                    _add(z, f"{arc}/{f.relative_to(path).as_posix()}", f.read_bytes())
            else:
                _add(z, arc, path.read_bytes())
            out[key] = arc
        _add(z, SCENARIO_FILE, scenario_yaml(out).encode("utf-8"))
    return buf.getvalue()


def _add(z: zipfile.ZipFile, name: str, data: bytes) -> None:
    """A member with a fixed time stamp: the same scenario gives the same bundle."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    z.writestr(info, data)


def unpack_bundle(content: bytes, folder: Path) -> None:
    """Unpack a bundle into ``folder`` (member names checked, size limited)."""
    try:
        z = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile:
        raise WorkspaceError(
            msg("the bundle is not a zip file."),
            hint=msg("Upload a bundle downloaded from the Kursplaner."),
        ) from None
    with z:
        members = z.infolist()
        names = [m.filename for m in members]
        if SCENARIO_FILE not in names:
            raise WorkspaceError(
                msg("the bundle has no {file}.", file=SCENARIO_FILE),
                hint=msg("Upload a bundle downloaded from the Kursplaner."),
            )
        total = 0
        for m in members:
            parts = PurePosixPath(m.filename.replace("\\", "/")).parts
            if m.filename.startswith(("/", "\\")) or ".." in parts or ":" in m.filename:
                raise WorkspaceError(
                    msg(
                        (
                            "the bundle member {filename!r} points outside the bundle; "
                            "nothing was unpacked."
                        ),
                        filename=m.filename,
                    )
                )
            if m.flag_bits & 0x1:
                raise WorkspaceError(
                    msg("the bundle member {filename} is encrypted.", filename=m.filename)
                )
            total += m.file_size
            if m.compress_size and m.file_size / m.compress_size > BUNDLE_MAX_RATIO:
                raise WorkspaceError(
                    msg(
                        "the bundle member {filename} would unpack to {file_size:,} "
                        "bytes from {compress_size:,} (ratio over {limit}); refused.",
                        filename=m.filename,
                        file_size=m.file_size,
                        compress_size=m.compress_size,
                        limit=BUNDLE_MAX_RATIO,
                    )
                )
        if total > BUNDLE_LIMIT_BYTES:
            raise WorkspaceError(
                msg(
                    "the bundle would unpack to {total:,} bytes (limit {limit:,}); refused.",
                    total=total,
                    limit=BUNDLE_LIMIT_BYTES,
                )
            )
        try:
            for m in members:
                if m.is_dir():
                    continue
                target = folder.joinpath(*PurePosixPath(m.filename).parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                with z.open(m) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError) as exc:
            raise WorkspaceError(msg("the bundle cannot be unpacked ({exc}).", exc=exc)) from None
