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
