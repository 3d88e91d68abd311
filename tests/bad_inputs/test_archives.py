"""Archives: limits checked before unpacking; unsafe, duplicate, nested, encrypted,
unsupported and corrupt members each with their own message."""

from __future__ import annotations

import os
import stat
import struct
import warnings
import zipfile

import pytest

from .conftest import feed_files


def _central_offsets(data: bytes, name: bytes) -> tuple[int, int]:
    """Offsets of the local header and the central directory entry of member ``name``."""
    central = struct.unpack_from("<I", data, data.rindex(b"PK\x05\x06") + 16)[0]
    while True:
        n_len = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46 : central + 46 + n_len] == name:
            local = struct.unpack_from("<I", data, central + 42)[0]
            return local, central
        extra, comment = struct.unpack_from("<HH", data, central + 30)
        central += 46 + n_len + extra + comment


def _patch_member(
    path, name: str, *, flag_bits: int | None = None, method: int | None = None
) -> None:
    data = bytearray(path.read_bytes())
    local, central = _central_offsets(bytes(data), name.encode())
    if flag_bits is not None:
        struct.pack_into("<H", data, local + 6, flag_bits)
        struct.pack_into("<H", data, central + 8, flag_bits)
    if method is not None:
        struct.pack_into("<H", data, local + 8, method)
        struct.pack_into("<H", data, central + 10, method)
    path.write_bytes(bytes(data))


def test_zip_bomb_is_refused_before_anything_is_unpacked(bench, monkeypatch):
    bomb = bench.tmp / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, data in feed_files().items():
            if name != "stop_times.txt":
                zf.writestr(name, data)
        with zf.open("stop_times.txt", "w") as fh:
            fh.write(feed_files()["stop_times.txt"])
            zeros = bytes(1 << 20)
            for _ in range(64):  # 64 MiB of zeros pack to about 64 KiB
                fh.write(zeros)
    assert bomb.stat().st_size < 1 << 20

    def never(*args, **kwargs):
        raise AssertionError("a member was opened before the archive was checked")

    monkeypatch.setattr(zipfile.ZipFile, "open", never)
    err = bench.reach(bench.scenario(bomb))
    assert "stop_times.txt" in err and "would unpack" in err
    assert "64 MiB" in err and "the limit is 200:1" in err
    assert "COURSE_PLANNER_MAX_ZIP_RATIO" in err


def test_size_limit_from_the_scenario_names_the_numbers(bench):
    feed = bench.feed_zip()
    err = bench.reach(bench.scenario(feed, extra="limits: {max_unzipped_mb: 0.001}\n"))
    total = sum(len(d) for d in feed_files().values())
    assert "feed.zip" in err and "limits.max_unzipped_mb" in err
    assert f"would unpack to {total / 1024:.1f} KiB; the limit is 1.0 KiB" in err


def test_size_limit_from_the_environment(bench, monkeypatch):
    monkeypatch.setenv("COURSE_PLANNER_MAX_ZIP_MEMBERS", "3")
    err = bench.reach(bench.scenario(bench.feed_zip()))
    assert f"holds {len(feed_files())} entries; at most 3" in err


@pytest.mark.parametrize(
    "name, words",
    [
        ("../../stops.txt", "points outside the archive"),
        ("/etc/stops.txt", "absolute name"),
        ("C:/feed/stops.txt", "absolute name"),
    ],
)
def test_unsafe_member_names_are_refused(bench, name, words):
    files = feed_files()
    files[name] = files.pop("stops.txt")
    err = bench.reach(bench.scenario(bench.feed_zip(files)))
    assert words in err and name in err


def test_symlink_member_is_refused(bench):
    path = bench.feed_zip()
    with zipfile.ZipFile(path, "a") as zf:
        info = zipfile.ZipInfo("shapes.txt")
        info.create_system = 3
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "../../../etc/passwd")
    err = bench.reach(bench.scenario(path))
    assert "'shapes.txt' is a symbolic link" in err


def test_duplicate_member_is_refused(bench):
    path = bench.feed_zip()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns about the duplicate
        with zipfile.ZipFile(path, "a") as zf:
            zf.writestr("stops.txt", feed_files()["stops.txt"])
    err = bench.reach(bench.scenario(path))
    assert "'stops.txt' and 'stops.txt' are the same file twice" in err


def test_two_feeds_in_subfolders_are_refused(bench):
    files = {
        f"{folder}/{name}": data
        for folder in ("nord", "sued")
        for name, data in feed_files().items()
    }
    err = bench.reach(bench.scenario(bench.feed_zip(files)))
    assert "several folders" in err and "'nord/'" in err and "'sued/'" in err


def test_feed_at_the_top_and_in_a_subfolder_is_refused(bench):
    files = {**feed_files(), **{f"alt/{n}": d for n, d in feed_files().items()}}
    err = bench.reach(bench.scenario(bench.feed_zip(files)))
    assert "several folders" in err and "the top level" in err and "'alt/'" in err


def test_one_feed_in_a_subfolder_is_read_with_a_notice(bench):
    files = {f"gtfs/{n}": d for n, d in feed_files().items()}
    files["__MACOSX/gtfs/._stops.txt"] = b"\x00\x05\x16\x07junk"
    err = bench.reach(bench.scenario(bench.feed_zip(files)), status=0)
    assert "warning:" in err and "folder 'gtfs/'" in err
    assert (bench.out / "reach.csv").exists()


def test_encrypted_member_is_refused(bench):
    path = bench.feed_zip()
    _patch_member(path, "trips.txt", flag_bits=0x1)
    err = bench.reach(bench.scenario(path))
    assert "trips.txt" in err and "encrypted" in err


def test_unsupported_compression_is_refused(bench):
    path = bench.feed_zip()
    _patch_member(path, "routes.txt", method=9)
    err = bench.reach(bench.scenario(path))
    assert "routes.txt" in err and "Deflate64" in err and "cannot be read" in err


def test_corrupt_member_is_reported(bench):
    path = bench.feed_zip()
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("stop_times.txt")
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for k in range(start + 5, start + info.compress_size - 5):
        data[k] ^= 0x5A
    path.write_bytes(bytes(data))
    err = bench.reach(bench.scenario(path))
    assert "stop_times.txt" in err and "corrupt" in err


def test_not_a_zip_file(bench):
    path = bench.tmp / "feed.zip"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    err = bench.reach(bench.scenario(path))
    assert "feed.zip" in err and "not a zip file" in err


def test_symlink_loop_as_feed(bench):
    loop = bench.tmp / "loop.zip"
    os.symlink(loop, loop)
    err = bench.reach(bench.scenario(loop))
    assert "loop.zip" in err and "link loop" in err
