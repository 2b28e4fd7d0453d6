"""The one download path (nnlab.data.datasets.download, through nnlab.data.fetch.fetch_file)
against a local server on 127.0.0.1: download into NNLAB_CACHE_DIR, cache hit without a
request, a corrupt download refused with nothing left, an interrupted download resumed with
HTTP Range, a server without Range support, the offline message, the progress bar only
when asked (or on a terminal)."""
from __future__ import annotations

import hashlib
import os

import numpy as np
import pytest

from nnlab.data import fetch as F
from nnlab.data.datasets.download import DownloadError, Remote, download
from tests.http_server import serve

DATA = np.random.default_rng(0).integers(0, 256, 300_000, dtype=np.uint8).tobytes()


@pytest.fixture
def server():
    with serve() as httpd:
        yield httpd


@pytest.fixture
def cache_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("NNLAB_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _remote(server, digest=None, name="weights.h5"):
    server.files[f"/{name}"] = DATA
    return Remote(f"{server.url}/{name}", name, "md5", digest or hashlib.md5(DATA).hexdigest(),
                  folder="models")


def test_download_then_cache_hit_without_a_request(server, cache_dir, capsys):
    remote = _remote(server)
    path = F.fetch_file(remote)
    assert path == cache_dir / "models" / "weights.h5" and path.read_bytes() == DATA
    assert F.fetch_file(remote) == path
    assert server.requests == [("/weights.h5", None)]  # the second call: no request
    assert capsys.readouterr().err == ""  # no progress bar: stderr is not a terminal


def test_corrupt_download_is_refused_and_nothing_is_kept(server, cache_dir):
    remote = _remote(server, digest="0" * 32)
    with pytest.raises(F.FetchError, match=r"not the published file.*md5 .*expected 0{32}; "
                                           r"nothing was kept"):
        F.fetch_file(remote)
    assert os.listdir(cache_dir / "models") == []


def test_interrupted_download_resumes_with_range(server, cache_dir):
    remote = _remote(server)
    server.drop_after["/weights.h5"] = 120_000
    with pytest.raises(DownloadError, match=r"120,000 bytes received are kept in .*"
                                            r"weights.h5.part; the next try resumes"):
        download(remote)
    part = cache_dir / "models" / "weights.h5.part"
    assert part.stat().st_size == 120_000 and not remote.path().exists()
    path = download(remote)
    assert server.requests[-1] == ("/weights.h5", "bytes=120000-")
    assert path.read_bytes() == DATA and not part.exists()


def test_server_without_range_support_gets_the_whole_file_again(server, cache_dir):
    remote = _remote(server)
    server.drop_after["/weights.h5"] = 50_000
    with pytest.raises(DownloadError):
        download(remote)
    server.set_ranges(False)
    assert download(remote).read_bytes() == DATA


def test_offline_message_names_url_hash_and_path(cache_dir):
    remote = Remote("http://127.0.0.1:9/vgg16_notop.h5", "vgg16_notop.h5", "md5", "ab" * 16,
                    folder="models")
    with pytest.raises(F.FetchError) as err:
        F.fetch_file(remote)
    text = str(err.value)
    assert remote.url in text and "md5 " + "ab" * 16 in text
    assert str(cache_dir / "models" / "vgg16_notop.h5") in text and "Offline?" in text
    assert not (cache_dir / "models" / "vgg16_notop.h5.part").exists()


def test_a_wrong_file_in_the_cache_is_refused_and_left_alone(server, cache_dir):
    remote = _remote(server)
    (cache_dir / "models").mkdir(parents=True)
    remote.path().write_bytes(b"not the weights")
    with pytest.raises(F.FetchError, match="is not the published file.*delete or replace"):
        F.fetch_file(remote)
    assert remote.path().read_bytes() == b"not the weights" and server.requests == []


def test_progress_bar_on_stderr_when_asked(server, cache_dir, capsys):
    F.fetch_file(_remote(server), progress=True)
    err = capsys.readouterr().err
    assert "weights.h5" in err and "293k" in err.lower()


def test_a_published_prefix_of_8_hex_digits_is_checked_as_a_prefix(server, cache_dir):
    """torchvision publishes the first 8 hex digits of the SHA-256 in its file names."""
    sha = hashlib.sha256(DATA).hexdigest()
    server.files["/w-x.pth"] = DATA
    good = Remote(f"{server.url}/w-x.pth", "w-x.pth", "sha256", sha[:8].upper(), "models")
    assert F.fetch_file(good).read_bytes() == DATA
    os.remove(good.path())
    short = good._replace(digest=sha[:7])   # too short to mean anything: refused
    with pytest.raises(F.FetchError, match=rf"not the published file.*expected {sha[:7]}"):
        F.fetch_file(short)
    assert not good.path().exists()
