"""What the network learned: filters, activation maps, maximally activating patches (with
the receptive field from nnlab.analysis), nearest neighbours and t-SNE/PCA embeddings."""
import numpy as np
import pytest
import torch

import nnlab
from nnlab import layers
from nnlab.interpret import (LayerOutputs, activation_maps, embed_features, first_layer_filters,
                             image_grid, maximally_activating_patches, nearest_neighbours,
                             plot_embedding)


def test_first_layer_filters_grid(small_cnn, nnlab_cnn, tmp_path):
    grid = first_layer_filters(small_cnn, ncols=4, path=str(tmp_path / "f.png"))
    assert grid.shape == (2 * 4 - 1, 4 * 4 - 1, 3)             # 8 filters 3x3, 1 px gaps
    assert grid.min() >= 0 and grid.max() <= 1
    assert (tmp_path / "f.png").stat().st_size > 0
    w = small_cnn.conv1.weight[0].detach().permute(1, 2, 0).numpy()
    np.testing.assert_allclose(grid[:3, :3], (w - w.min()) / (w.max() - w.min()), atol=1e-6)
    assert first_layer_filters(nnlab_cnn, ncols=4).shape == grid.shape


def test_activation_maps_and_early_stop(nnlab_cnn, tmp_path):
    x = torch.randn(2, 32, 32, 3)
    maps = activation_maps(nnlab_cnn, x, "relu1", path=str(tmp_path / "a.png"))
    assert maps.shape == (2, 32, 32, 8) and (maps >= 0).all()
    expected = torch.relu(nnlab_cnn.get_layer("conv1")(x))
    torch.testing.assert_close(maps, expected)
    calls = []
    handle = nnlab_cnn.get_layer("logits").register_forward_hook(lambda *a: calls.append(1))
    LayerOutputs(nnlab_cnn, ["relu1"])(x)
    handle.remove()
    assert not calls                                   # stopped before the classifier
    with pytest.raises(ValueError, match="'nope' is not a layer.*conv1"):
        activation_maps(nnlab_cnn, x, "nope")


def _spot_detector():
    """A 3x3 conv that responds to a bright pixel, then a stride-2 pool: receptive field
    4x4 at jump 2 (computed by nnlab.analysis)."""
    nnlab.set_seed(0)
    model = nnlab.Sequential([nnlab.Input((16, 16, 1)),
                              layers.Conv2D(1, 3, padding="same", name="spot"),
                              layers.MaxPooling2D(2, name="pool")])
    with torch.no_grad():
        model.get_layer("spot").kernel.zero_()
        model.get_layer("spot").kernel[0, 0, 1, 1] = 1.0
        model.get_layer("spot").bias.zero_()
    return model


def test_maximally_activating_patches_find_the_bright_spots():
    model = _spot_detector()
    images = torch.zeros(6, 16, 16, 1)
    spots = {1: (4, 10), 4: (12, 3)}                    # image -> (row, col) of the spot
    for i, (r, c) in spots.items():
        images[i, r, c, 0] = 5.0 + i
    patches, values, where = maximally_activating_patches(model, images, "pool", channel=0,
                                                          k=2)
    assert [w[0] for w in where] == [4, 1]              # brightest first
    np.testing.assert_allclose(values, [9.0, 6.0])
    assert patches.shape == (2, 4, 4, 1)
    for patch, (i, _, _) in zip(patches, where):
        assert patch.max() == images[i].max()           # the spot is inside its patch
    with pytest.raises(ValueError, match=r"channel must be in \[0, 0\]"):
        maximally_activating_patches(model, images, "pool", channel=3)


def test_nearest_neighbours_l2_and_cosine():
    rng = np.random.default_rng(0)
    feats = rng.normal(size=(50, 8)).astype("float32")
    idx = nearest_neighbours(feats, feats[:3], k=4, metric="l2")
    d = ((feats[:3, None] - feats[None]) ** 2).sum(-1)
    np.testing.assert_array_equal(idx, np.argsort(d, axis=1)[:, :4])
    unit = feats / np.linalg.norm(feats, axis=1, keepdims=True)
    idx = nearest_neighbours(torch.from_numpy(feats), k=3, metric="cosine")
    sim = unit @ unit.T
    np.fill_diagonal(sim, -np.inf)
    np.testing.assert_array_equal(idx, np.argsort(-sim, axis=1)[:, :3])
    with pytest.raises(ValueError, match="metric must be 'l2' or 'cosine'"):
        nearest_neighbours(feats, metric="manhattan")


def test_embeddings_separate_digit_classes(tmp_path):
    from sklearn.datasets import load_digits
    digits = load_digits()
    keep = np.isin(digits.target, [0, 1])[:120]
    x, y = digits.data[:120][keep], digits.target[:120][keep]
    for method in ("pca", "tsne"):
        coords = embed_features(x, method=method, **({"max_iter": 250} if method == "tsne"
                                                      else {}))
        assert coords.shape == (len(x), 2)
        centre0, centre1 = coords[y == 0].mean(0), coords[y == 1].mean(0)
        spread = coords[y == 0].std(0).mean() + coords[y == 1].std(0).mean()
        assert np.linalg.norm(centre0 - centre1) > spread
    picture = plot_embedding(coords[:20], digits.images[:120][keep][:20], size=3,
                             path=str(tmp_path / "t.png"))
    assert picture.ndim == 3 and picture.shape[2] == 3
    assert (tmp_path / "t.png").exists()


def test_image_grid_layout():
    grid = image_grid([np.zeros((4, 4)), np.ones((4, 4)), np.full((4, 4), 2.0)], ncols=2, pad=1)
    assert grid.shape == (9, 9)
    assert grid[5:, 5:].min() == 1.0                    # the empty slot stays white padding
