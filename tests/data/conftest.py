"""Data-test fixtures: a private cache for every test, the machine's fetched sources read-only.

Tests never write into ``~/.cache``: ``NNLAB_CACHE_DIR`` points into pytest's tmp dir
(one shared per session, so each dataset is unpacked once), while
``NNLAB_SOURCES_DIR`` keeps pointing at the sources ``nnlab data fetch`` (or
``scripts/data/fetch_test_data.sh``) left on this machine, which are only read.
"""
from __future__ import annotations

import pytest

from nnlab.data.datasets import cache
from nnlab.data.datasets.sources import locate
from nnlab.data.fetch import DATASETS

#: The machine's real sources folder, taken before any test changes the environment.
REAL_SOURCES = cache.sources_dir()


@pytest.fixture(scope="session")
def session_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("nnlab-cache")


@pytest.fixture(autouse=True)
def _private_cache(monkeypatch, session_cache):
    monkeypatch.setenv("NNLAB_CACHE_DIR", str(session_cache))
    monkeypatch.setenv("NNLAB_SOURCES_DIR", str(REAL_SOURCES))
    yield


@pytest.fixture
def fresh_cache(monkeypatch, tmp_path):
    """An empty cache dir of this test's own (sources still the real ones)."""
    monkeypatch.setenv("NNLAB_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def require(name: str) -> None:
    """Skip unless dataset ``name``'s source is on this machine, naming the fetch command."""
    key = DATASETS[name][0]
    if locate(key) is None:
        pytest.skip(f"source of {name!r} is not on this machine: run `nnlab data fetch {name}` "
                    "(or scripts/data/fetch_test_data.sh)")
