"""Resizing, CenterCrop and the random augmentation layers: harness, Keras 3 parity at
inference (deterministic), and the training-only behaviour of the random ones."""
import numpy as np
import pytest
import torch

import nnlab
from nnlab.layers import (CenterCrop, RandomContrast, RandomCrop, RandomFlip, RandomRotation,
                          RandomTranslation, RandomZoom, Resizing)
from tests.layer_harness import run_layer_test

X = (np.random.default_rng(0).uniform(size=(2, 9, 12, 3)) * 255).astype("float32")

DETERMINISTIC = [
    ("Resizing", dict(height=5, width=7)), ("Resizing", dict(height=18, width=20)),
    ("Resizing", dict(height=5, width=7, interpolation="nearest")),
    ("Resizing", dict(height=6, width=6, crop_to_aspect_ratio=True)),
    ("Resizing", dict(height=6, width=6, pad_to_aspect_ratio=True)),
    ("Resizing", dict(height=4, width=5, interpolation="bicubic")),
    ("CenterCrop", dict(height=5, width=8)), ("CenterCrop", dict(height=12, width=4)),
    ("Resizing", dict(height=4, width=8, pad_to_aspect_ratio=True, fill_value=7.0)),
]


@pytest.mark.parametrize("name, kwargs", DETERMINISTIC,
                         ids=[f"{n}-{'-'.join(map(str, k.values()))}" for n, k in DETERMINISTIC])
def test_inference_matches_keras(keras, name, kwargs):
    ours = getattr(nnlab.layers, name)(**kwargs)
    ours.eval()
    theirs = getattr(keras.layers, name)(**kwargs)
    out = ours(torch.from_numpy(X))
    ref = np.asarray(theirs(X).cpu())
    assert tuple(out.shape) == ref.shape
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-5, atol=1e-3)
    assert ours.compute_output_shape((None, 9, 12, 3)) == theirs.compute_output_shape(
        (None, 9, 12, 3))


@pytest.mark.parametrize("make", [
    lambda: RandomFlip(seed=1), lambda: RandomRotation(0.1, seed=1),
    lambda: RandomZoom(0.2, seed=1), lambda: RandomTranslation(0.1, 0.2, seed=1),
    lambda: RandomContrast(0.5, seed=1)], ids=["flip", "rotation", "zoom", "translation",
                                              "contrast"])
def test_random_layers_are_identity_at_inference_and_random_in_training(keras, make):
    layer = run_layer_test(make, (9, 12, 3), expected_output_shape=(None, 9, 12, 3),
                           expected_params=0)
    x = torch.from_numpy(X)
    assert torch.equal(layer(x, training=False), x)
    changed = [not torch.equal(layer(x, training=True), x) for _ in range(4)]
    assert any(changed)
    keras_layer = getattr(keras.layers, type(layer).__name__)(
        **{k: v for k, v in layer.get_config().items()
           if k in ("mode", "factor", "height_factor", "width_factor")})
    assert np.array_equal(np.asarray(keras_layer(X, training=False).cpu()), X)


@pytest.mark.parametrize("size", [(4, 5), (12, 14)])
def test_random_crop_at_inference_is_keras_documented_centre_crop(keras, size):
    """Keras 3 documents "the largest window of the target aspect ratio, resized" at inference
    but its torch backend returns the input unchanged (its compute_output_shape says
    (height, width)); nnlab does what the docs and the output shape say."""
    layer = RandomCrop(*size)
    out = layer(torch.from_numpy(X), training=False)
    ref = keras.layers.Resizing(*size, crop_to_aspect_ratio=True)(X)
    np.testing.assert_allclose(out.numpy(), np.asarray(ref.cpu()), rtol=1e-5, atol=1e-3)
    train = layer(torch.from_numpy(X), training=True)
    assert train.shape == (2,) + size + (3,)
    if size == (4, 5):  # a real window of the image
        windows = [X[:, a:a + 4, b:b + 5] for a in range(6) for b in range(8)]
        assert any(np.array_equal(train.numpy(), w) for w in windows)


def test_flip_flips_and_rotation_by_half_turn_is_exact():
    x = torch.arange(6.0).reshape(1, 2, 3, 1)
    out = RandomFlip("horizontal", seed=0)
    flips = {tuple(out(x, training=True).flatten().tolist()) for _ in range(20)}
    assert flips == {tuple(x.flatten().tolist()), tuple(x.flip(2).flatten().tolist())}
    rot = RandomRotation((0.5, 0.5), interpolation="nearest")
    y = torch.arange(16.0).reshape(1, 4, 4, 1)
    assert torch.equal(rot(y, training=True), torch.rot90(y, 2, dims=(1, 2)))


def test_contrast_keeps_the_mean_and_clips():
    layer = RandomContrast((0.5, 0.5), value_range=(0, 1), seed=0)
    x = torch.rand(4, 5, 5, 2) * 0.5 + 0.25
    y = layer(x, training=True)
    assert y.min() >= 0 and y.max() <= 1
    assert torch.allclose(y.mean(dim=(1, 2)), x.mean(dim=(1, 2)), atol=0.05)


def test_zoom_out_shrinks_and_translation_shifts():
    x = torch.zeros(1, 8, 8, 1)
    x[:, 2:6, 2:6] = 1.0
    out = RandomZoom((1.0, 1.0), fill_mode="constant", interpolation="nearest")(x, training=True)
    assert out.sum() == 4  # the 4x4 square drawn at half size
    shift = RandomTranslation((0.25, 0.25), (0.0, 0.0), fill_mode="constant",
                              interpolation="nearest")(x, training=True)
    assert torch.equal(shift[:, 4:8, 2:6], x[:, 2:6, 2:6])


def test_resizing_layers_in_a_trained_model():
    run_layer_test(lambda: Resizing(4, 4), (9, 12, 3), expected_output_shape=(None, 4, 4, 3))
    run_layer_test(lambda: CenterCrop(4, 6), (9, 12, 3), expected_output_shape=(None, 4, 6, 3))
    run_layer_test(lambda: RandomCrop(4, 6, seed=0), (9, 12, 3),
                   expected_output_shape=(None, 4, 6, 3))
    nnlab.set_image_data_format("channels_first")
    assert Resizing(4, 5)(torch.rand(2, 3, 8, 8)).shape == (2, 3, 4, 5)


def test_bad_arguments_are_explained():
    with pytest.raises(ValueError, match="RandomFlip: mode must be"):
        RandomFlip("diagonal")
    with pytest.raises(ValueError, match="RandomZoom: height_factor must satisfy"):
        RandomZoom((0.5, 0.1))
    with pytest.raises(ValueError, match="RandomContrast: factor must be in"):
        RandomContrast(1.5)
    with pytest.raises(ValueError, match="Resizing: height must be a positive int"):
        Resizing(0, 3)
    with pytest.raises(ValueError, match="interpolation must be one of"):
        Resizing(3, 3, interpolation="lanczos7")
    with pytest.raises(nnlab.ShapeError, match="expects inputs of rank 4"):
        RandomFlip()(nnlab.Input((5, 5)))
