"""`autograd.files.write_atomically`: whole files, ordinary permissions, links followed, nothing left behind."""

from __future__ import annotations

import os
import stat

import pytest

from autograd.files import write_atomically


def umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_bytes_str_and_a_writer(tmp_path):
    assert write_atomically(tmp_path / "a.bin", b"\x00\x01") == tmp_path / "a.bin"
    assert (tmp_path / "a.bin").read_bytes() == b"\x00\x01"
    write_atomically(tmp_path / "b.txt", "θ → δ")
    assert (tmp_path / "b.txt").read_text(encoding="utf-8") == "θ → δ"
    write_atomically(tmp_path / "c.txt", lambda f: f.write(b"from a writer"))
    assert (tmp_path / "c.txt").read_bytes() == b"from a writer"
    assert sorted(os.listdir(tmp_path)) == ["a.bin", "b.txt", "c.txt"]


def test_a_new_file_gets_the_mode_open_would_give(tmp_path):
    old = os.umask(0o027)
    try:
        write_atomically(tmp_path / "new.txt", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o640  # 0666 & ~0027, not mkstemp's 0600
    write_atomically(tmp_path / "plain.txt", "x")
    assert stat.S_IMODE((tmp_path / "plain.txt").stat().st_mode) == 0o666 & ~umask()


def test_an_existing_file_keeps_its_mode(tmp_path):
    path = tmp_path / "kept.txt"
    path.write_text("old")
    path.chmod(0o604)
    write_atomically(path, "new")
    assert path.read_text() == "new" and stat.S_IMODE(path.stat().st_mode) == 0o604


def test_a_symlink_is_followed_and_stays_a_link(tmp_path):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "weights.json"
    target.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    write_atomically(link, "new")
    assert link.is_symlink() and target.read_text() == "new"
    assert sorted(os.listdir(tmp_path / "real")) == ["weights.json"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path):
    path = tmp_path / "f.txt"
    path.write_text("old")

    def broken(f):
        f.write(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomically(path, broken)
    assert path.read_text() == "old" and os.listdir(tmp_path) == ["f.txt"]


def test_a_leftover_temporary_file_does_not_confuse_the_next_write(tmp_path):
    (tmp_path / ".f.txt.abc123.tmp").write_text("from a killed process")
    write_atomically(tmp_path / "f.txt", "whole")
    assert (tmp_path / "f.txt").read_text() == "whole"


def test_bad_paths_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="no directory"):
        write_atomically(tmp_path / "nowhere" / "f.txt", "x")
    with pytest.raises(IsADirectoryError, match="it is a directory"):
        write_atomically(tmp_path, "x")
    with pytest.raises(TypeError, match="path must be a str or os.PathLike, got int"):
        write_atomically(3, "x")
    with pytest.raises(TypeError, match="data must be bytes, str or a function of a file, got list"):
        write_atomically(tmp_path / "f", [1])
