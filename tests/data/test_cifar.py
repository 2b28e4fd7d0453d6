"""CIFAR-10/100 from their binary archives, never the internet: a small archive in the
official binary format is generated, served from 127.0.0.1 (download, cache hit, corrupt
download refused, offline message) or placed by hand (loader)."""
from __future__ import annotations

import hashlib
import http.server
import io
import tarfile
import threading

import numpy as np
import pytest

from nnlab.data import fetch as F
from nnlab.data.datasets import cache, cifar
from nnlab.data.datasets.download import DownloadError, Remote, download

RNG = np.random.default_rng(0)


def make_archive(name: str = "cifar10", per_file: int = 3) -> tuple[bytes, dict]:
    """A .tar.gz in the official binary layout, and the arrays it should decode to."""
    train, test, label_bytes = cifar.MEMBERS[name]
    buf = io.BytesIO()
    want: dict = {"x_train": [], "y_train": [], "x_test": [], "y_test": []}
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for split, members in (("train", train), ("test", test)):
            for member in members:
                images = RNG.integers(0, 256, (per_file, 32, 32, 3), dtype=np.uint8)
                labels = RNG.integers(0, 10, (per_file, label_bytes), dtype=np.uint8)
                planes = images.transpose(0, 3, 1, 2).reshape(per_file, -1)  # R, G, B planes
                raw = np.concatenate([labels, planes], axis=1).tobytes()
                info = tarfile.TarInfo(member)
                info.size = len(raw)
                tar.addfile(info, io.BytesIO(raw))
                want[f"x_{split}"].append(images)
                want[f"y_{split}"].append(labels[:, -1:])
    return buf.getvalue(), {k: np.concatenate(v) for k, v in want.items()}


@pytest.fixture
def sources(monkeypatch, tmp_path):
    monkeypatch.setenv("NNLAB_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("NNLAB_SOURCES_DIR", str(tmp_path / "sources"))
    return tmp_path / "sources"


@pytest.fixture
def server():
    """A local HTTP server; ``server.files[path] = bytes`` sets what it serves."""
    files: dict = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            body = files.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")
            served.append(self.path)

        def log_message(self, *args):
            pass

    served: list = []
    httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.files, httpd.served = files, served
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def local_remote(monkeypatch, server, data: bytes, name: str = "cifar10", digest=None):
    official = cifar.REMOTES[name]
    remote = Remote(f"{server.url}/{official.filename}", official.filename, "md5",
                    digest or hashlib.md5(data).hexdigest())
    monkeypatch.setitem(cifar.REMOTES, name, remote)
    monkeypatch.setitem(F.REMOTES, name, remote)
    server.files[f"/{official.filename}"] = data
    return remote


def test_fetch_downloads_verifies_unpacks_then_hits_the_cache(sources, server, monkeypatch):
    data, want = make_archive()
    local_remote(monkeypatch, server, data)
    said = F.fetch("cifar10")
    assert "downloaded" in said and (sources / "cifar-10-binary.tar.gz").read_bytes() == data
    (x_train, y_train), (x_test, y_test) = cifar.load_cifar("cifar10")
    assert x_train.shape == (15, 32, 32, 3) and y_train.shape == (15, 1)
    assert x_test.shape == (3, 32, 32, 3) and y_test.shape == (3, 1)
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}
    for got, key in ((x_train, "x_train"), (y_train, "y_train"), (x_test, "x_test"),
                     (y_test, "y_test")):
        np.testing.assert_array_equal(got, want[key])
    assert "already available" in F.fetch("cifar10")
    assert server.served == ["/cifar-10-binary.tar.gz"]  # the second fetch: no request


def test_corrupt_download_is_refused_and_nothing_kept(sources, server, monkeypatch):
    data, _ = make_archive()
    remote = local_remote(monkeypatch, server, data, digest="0" * 32)
    with pytest.raises(DownloadError, match="not the published file.*nothing was kept"):
        download(remote)
    assert not sources.exists() or not any(sources.iterdir())


def test_offline_error_names_the_url_and_the_place(sources, server, monkeypatch):
    with pytest.raises(cache.DatasetNotAvailable) as err:  # the loader never downloads
        cifar.load_cifar("cifar10")
    text = str(err.value)
    assert "nnlab data fetch cifar10" in text and str(sources) in text
    assert "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz" in text
    remote = Remote(f"{server.url}/missing.tar.gz", "cifar-10-binary.tar.gz", "md5", "0" * 32)
    monkeypatch.setitem(F.REMOTES, "cifar10", remote)
    with pytest.raises(F.FetchError) as err:
        F.fetch("cifar10")
    text = str(err.value)
    assert remote.url in text and str(sources / "cifar-10-binary.tar.gz") in text
    assert "Offline?" in text


def test_archive_placed_by_hand_loads_through_keras_api(sources, monkeypatch):
    import nnlab

    wants = {}
    for name in ("cifar10", "cifar100"):
        data, wants[name] = make_archive(name, per_file=2)
        monkeypatch.setitem(cifar.REMOTES, name, cifar.REMOTES[name]._replace(
            digest=hashlib.md5(data).hexdigest()))
        sources.mkdir(exist_ok=True)
        (sources / cifar.REMOTES[name].filename).write_bytes(data)
    (x, y), (xt, yt) = nnlab.datasets.cifar10.load_data()
    assert x.shape == (10, 32, 32, 3) and y.shape == (10, 1) and y.dtype == np.uint8
    np.testing.assert_array_equal(x, wants["cifar10"]["x_train"])
    np.testing.assert_array_equal(yt, wants["cifar10"]["y_test"])
    (x, fine), _ = nnlab.datasets.cifar100.load_data()
    (_, coarse), _ = nnlab.datasets.cifar100.load_data(label_mode="coarse")
    np.testing.assert_array_equal(fine, wants["cifar100"]["y_train"])
    assert coarse.dtype == np.uint8
    assert x.shape == (2, 32, 32, 3) and fine.shape == coarse.shape == (2, 1)


def test_a_file_that_is_not_the_published_archive_is_refused(sources):
    sources.mkdir()
    (sources / "cifar-10-binary.tar.gz").write_bytes(b"not an archive")
    with pytest.raises(cache.DamagedSource, match="md5 .* the published"):
        cifar.load_cifar("cifar10")
    with pytest.raises(ValueError, match="label_mode"):
        cifar.load_cifar("cifar100", label_mode="medium")


def test_records_decode_channels_last():
    planes = np.full((3, 32, 32), 9, dtype=np.uint8)
    planes[:, 0, 1] = [1, 2, 3]  # pixel (row 0, column 1): red 1, green 2, blue 3
    raw = bytes([7]) + planes.tobytes()
    x, y = cifar.parse_records(raw, 1)
    assert y.tolist() == [[7]] and x.shape == (1, 32, 32, 3)
    assert x[0, 0, 1].tolist() == [1, 2, 3] and x[0, 1, 0].tolist() == [9, 9, 9]
    with pytest.raises(ValueError, match="whole number of 3073-byte records"):
        cifar.parse_records(raw[:-1], 1)
