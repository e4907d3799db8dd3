"""zoo.io.downloads: sha256 of a file or descriptor, and the one download-and-verify helper.

Real files and `file://` URLs (served by `keras.utils.get_file` itself); no network.
"""

import hashlib
import os

import pytest

from zoo.io.downloads import fetch_verified, sha256_of

CONTENT = b"seqzoo download test\n" * 1000


class DownloadError(ValueError):
    pass


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "served" / "data.txt"
    path.parent.mkdir()
    path.write_bytes(CONTENT)
    return path


def test_sha256_of_a_path_and_of_a_descriptor_without_moving_its_offset(source):
    expected = hashlib.sha256(CONTENT).hexdigest()
    assert sha256_of(source) == sha256_of(str(source)) == expected
    fd = os.open(source, os.O_RDONLY)
    try:
        os.lseek(fd, 7, os.SEEK_SET)
        assert sha256_of(fd) == expected  # the whole file, from offset 0
        assert os.lseek(fd, 0, os.SEEK_CUR) == 7
    finally:
        os.close(fd)


def test_a_local_copy_is_checked(source, tmp_path):
    digest = sha256_of(source)
    got = fetch_verified("data.txt", "https://example.invalid/data.txt", digest, path=source)
    assert got == source
    with pytest.raises(
        DownloadError,
        match=r"data.txt: sha256 [0-9a-f]{12}\.\.\., expected "
        r"000000000000\.\.\. for data.txt; the file is "
        r"corrupt or another file",
    ):
        fetch_verified(
            "data.txt",
            "https://example.invalid/data.txt",
            "0" * 64,
            path=source,
            error=DownloadError,
        )
    with pytest.raises(
        DownloadError, match="missing.txt: no such file; expected data.txt .*example.invalid"
    ):
        fetch_verified(
            "data.txt",
            "https://example.invalid/data.txt",
            digest,
            path=tmp_path / "missing.txt",
            error=DownloadError,
        )


def test_a_download_is_cached_where_asked_and_verified(source, tmp_path):
    cache = tmp_path / "not" / "yet" / "there"
    got = fetch_verified(
        "copy.txt", source.as_uri(), sha256_of(source), cache_dir=str(cache), cache_subdir="sub"
    )
    assert got == cache / "sub" / "copy.txt"
    assert got.read_bytes() == CONTENT
    source.unlink()  # the second call reads the cache
    again = fetch_verified(
        "copy.txt",
        source.as_uri(),
        hashlib.sha256(CONTENT).hexdigest(),
        cache_dir=str(cache),
        cache_subdir="sub",
    )
    assert again == got


def test_a_corrupt_download_is_refused_and_not_kept(source, tmp_path):
    cache = tmp_path / "cache"
    with pytest.raises(
        DownloadError,
        match=r"data.txt: the download's sha256 is not "
        r"000000000000.*nothing was kept",
    ):
        fetch_verified(
            "copy.txt", source.as_uri(), "0" * 64, cache_dir=str(cache), error=DownloadError
        )
    assert cache.is_dir() and not list(cache.rglob("copy.txt"))


def test_a_failed_download_is_named(tmp_path):
    missing = (tmp_path / "nowhere.txt").as_uri()
    with pytest.raises(DownloadError, match=r"nowhere.txt: cannot download copy.txt \("):
        fetch_verified(
            "copy.txt", missing, "0" * 64, cache_dir=str(tmp_path / "cache"), error=DownloadError
        )
    assert not list((tmp_path / "cache").rglob("copy.txt"))
