import numpy as np
import pytest

from nnlab.embeddings import KeyedVectors, plot_words, project_words


@pytest.fixture
def kv():
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(2, 16)) * 5
    vec = np.concatenate([centres[0] + rng.normal(size=(6, 16)),
                          centres[1] + rng.normal(size=(6, 16))]).astype(np.float32)
    return KeyedVectors([f"w{i}" for i in range(12)], vec)


@pytest.mark.parametrize("method", ["pca", "tsne"])
def test_projection_keeps_clusters_apart(kv, method):
    xy = project_words(kv, kv.index_to_key, method=method)
    assert xy.shape == (12, 2)
    a, b = xy[:6].mean(0), xy[6:].mean(0)
    spread = max(xy[:6].std(0).max(), xy[6:].std(0).max())
    assert np.linalg.norm(a - b) > 2 * spread


def test_plot_words_writes_a_png(kv, tmp_path):
    path = tmp_path / "words.png"
    plot_words(kv, kv.index_to_key, method="pca", path=str(path), groups=[0] * 6 + [1] * 6)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bad_method_and_unknown_word(kv):
    with pytest.raises(ValueError, match="method must be 'pca' or 'tsne', got 'umap'"):
        project_words(kv, kv.index_to_key, method="umap")
    with pytest.raises(KeyError, match="Key 'w99' not present"):
        project_words(kv, ["w1", "w2", "w99"])
