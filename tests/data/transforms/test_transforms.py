"""Transforms do what their names promise, batched, seeded, in both data formats."""
from __future__ import annotations

import pytest
import torch

from nnlab.data.transforms import (
    ColorJitter,
    Compose,
    Normalize,
    OneHot,
    PCAColorNoise,
    PermutePixels,
    RandomCrop,
    RandomFlip,
    RandomResizedCrop,
    RandomRotation,
    RandomShear,
)
from nnlab.errors import ShapeError


@pytest.fixture
def images():
    return torch.rand(6, 10, 10, 3, generator=torch.Generator().manual_seed(1))


@pytest.fixture
def uint8_images():
    g = torch.Generator().manual_seed(2)
    return torch.randint(0, 256, (5, 12, 12, 3), generator=g, dtype=torch.uint8)


def nchw(x):
    return x.permute(0, 3, 1, 2).contiguous()


# --- flips and crops ----------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["horizontal", "vertical", "horizontal_and_vertical"])
def test_flip_twice_is_identity(images, mode):
    flip = RandomFlip(mode, p=1.0, seed=0)
    assert torch.equal(flip(flip(images)), images)


def test_flip_directions(images):
    assert torch.equal(RandomFlip("horizontal", p=1.0, seed=0)(images), images.flip(2))
    assert torch.equal(RandomFlip("vertical", p=1.0, seed=0)(images), images.flip(1))
    assert torch.equal(RandomFlip(p=0.0, seed=0)(images), images)


def test_flip_is_per_image_and_seeded():
    images = torch.rand(32, 4, 4, 1)
    out = RandomFlip(p=0.5, seed=3)(images)
    flipped = [torch.equal(o, i.flip(1)) for o, i in zip(out, images)]
    kept = [torch.equal(o, i) for o, i in zip(out, images)]
    assert all(f or k for f, k in zip(flipped, kept)) and any(flipped) and any(kept)
    assert torch.equal(out, RandomFlip(p=0.5, seed=3)(images))


def test_random_crop_size_and_content(images):
    out = RandomCrop(7, seed=0)(images)
    assert out.shape == (6, 7, 7, 3)
    for o, img in zip(out, images):  # each crop is a window of its own image
        found = any(torch.equal(o, img[i:i + 7, j:j + 7]) for i in range(4) for j in range(4))
        assert found


def test_random_crop_with_padding_keeps_size(uint8_images):
    out = RandomCrop(12, padding=4, seed=0)(uint8_images)
    assert out.shape == uint8_images.shape and out.dtype == torch.uint8
    assert not torch.equal(out, uint8_images)  # shifted, with zero borders
    cf = RandomCrop((5, 8), padding=2, pad_mode="reflect", seed=0, data_format="channels_first")
    assert cf(nchw(uint8_images)).shape == (5, 3, 5, 8)
    with pytest.raises(ValueError, match="larger"):
        RandomCrop(20, seed=0)(uint8_images)


def test_random_resized_crop(images):
    out = RandomResizedCrop((4, 6), seed=0)(images)
    assert out.shape == (6, 4, 6, 3)
    identity = RandomResizedCrop(10, scale=(1, 1), ratio=(1, 1), seed=0)(images)
    torch.testing.assert_close(identity, images)


# --- rotation and shear -------------------------------------------------------------------------


def test_rotation_by_zero_is_identity(images, uint8_images):
    torch.testing.assert_close(RandomRotation(0, seed=0)(images), images)
    assert torch.equal(RandomRotation(0, seed=0)(uint8_images), uint8_images)


def test_rotation_by_90_matches_rot90(images):
    out = RandomRotation((90, 90), seed=0)(images)
    torch.testing.assert_close(out, torch.rot90(images, 1, dims=(1, 2)))
    out = RandomRotation((-90, -90), seed=0)(images)
    torch.testing.assert_close(out, torch.rot90(images, -1, dims=(1, 2)))


def test_rotation_by_90_non_square_interior():
    x = torch.rand(3, 8, 12, 2)
    out = RandomRotation((90, 90), fill_mode="constant", seed=0)(x)
    ref = torch.rot90(x, 1, dims=(1, 2))  # (3, 12, 8, 2)
    torch.testing.assert_close(out[:, :, 2:10], ref[:, 2:10, :])


def test_rotation_channels_first_matches_channels_last(images):
    a = RandomRotation(30, seed=5)(images)
    b = RandomRotation(30, seed=5, data_format="channels_first")(nchw(images))
    torch.testing.assert_close(nchw(a), b)


def test_rotation_constant_fill_value():
    x = torch.zeros(1, 9, 9, 1)
    out = RandomRotation((45, 45), fill_mode="constant", fill_value=1.0, seed=0)(x)
    assert out[0, 0, 0, 0] == pytest.approx(1.0) and out[0, 4, 4, 0] == pytest.approx(0.0)


def test_shear_zero_is_identity_and_shear_moves_rows(images):
    torch.testing.assert_close(RandomShear(0, 0, seed=0)(images), images)
    out = RandomShear((20, 20), 0, fill_mode="constant", seed=0)(images)
    torch.testing.assert_close(out[:, 4:6], images[:, 4:6], atol=0.25, rtol=0)  # centre rows ~ fixed
    assert not torch.allclose(out[:, 0], images[:, 0])                         # top row shifted


def test_uint8_stays_uint8(uint8_images):
    for t in (RandomRotation(20, seed=0), RandomShear(15, 5, seed=0), RandomResizedCrop(8, seed=0),
              ColorJitter(0.4, 0.4, 0.4, seed=0), PCAColorNoise(seed=0)):
        out = t(uint8_images)
        assert out.dtype == torch.uint8, type(t).__name__


# --- colour -------------------------------------------------------------------------------------


def test_color_jitter_identity_and_ranges(images):
    assert torch.equal(ColorJitter(seed=0)(images), images)
    out = ColorJitter(0.8, 0.8, 0.8, seed=0)(images)
    assert out.shape == images.shape and out.min() >= 0 and out.max() <= 1
    assert not torch.allclose(out, images)


def test_color_jitter_brightness_scales(images):
    t = ColorJitter(brightness=0.5, value_range=None, seed=0)
    out = t(images)
    ratio = out / images
    per_image = ratio.flatten(1)
    assert torch.allclose(per_image, per_image[:, :1].expand_as(per_image), atol=1e-5)
    assert ((per_image[:, 0] >= 0.5) & (per_image[:, 0] <= 1.5)).all()


def test_color_jitter_saturation_zero_gives_grey(images):
    t = ColorJitter(saturation=1.0, value_range=None, seed=0)
    t.saturation = (0.0, 0.0)  # the end of the range: factor 0 removes all colour
    grey = t(images)
    assert torch.allclose(grey[..., 0], grey[..., 1]) and torch.allclose(grey[..., 1], grey[..., 2])


def test_pca_noise_adds_one_offset_per_image(images):
    out = PCAColorNoise(std=0.1, value_range=None, seed=0)(images)
    delta = (out - images).flatten(1, 2)                    # N x (H*W) x 3
    assert torch.allclose(delta, delta[:, :1].expand_as(delta), atol=1e-6)
    assert delta.abs().max() > 0
    assert torch.equal(PCAColorNoise(std=0.0, seed=0)(images), images)


def test_pca_noise_fit_finds_the_colour_axis():
    g = torch.Generator().manual_seed(0)
    t = torch.rand(50, 4, 4, 1, generator=g)
    x = t * torch.tensor([1.0, 1.0, 1.0]) * 0.5 + 0.25    # all variance along (1, 1, 1)
    noise = PCAColorNoise(seed=0).fit(x)
    assert noise.eigenvalues[0] > 0 and noise.eigenvalues[1:].abs().max() < 1e-9
    top = noise.eigenvectors[:, 0].abs()
    torch.testing.assert_close(top, torch.full((3,), 3 ** -0.5, dtype=top.dtype))


# --- normalisation, one-hot, permutation ---------------------------------------------------------


def test_normalize_per_channel_gives_mean0_std1(uint8_images):
    norm = Normalize().fit(uint8_images)
    out = norm(uint8_images)
    assert out.dtype == torch.float32
    torch.testing.assert_close(out.mean((0, 1, 2)), torch.zeros(3), atol=1e-5, rtol=0)
    torch.testing.assert_close(out.std((0, 1, 2), correction=0), torch.ones(3), atol=1e-5, rtol=0)
    torch.testing.assert_close(norm.inverse(out), uint8_images.float(), atol=1e-3, rtol=0)


def test_normalize_channels_first_and_features(images):
    out = Normalize(data_format="channels_first").fit(nchw(images))(nchw(images))
    torch.testing.assert_close(out.mean((0, 2, 3)), torch.zeros(3), atol=1e-5, rtol=0)
    feats = torch.rand(40, 5) * 7 + 3
    out = Normalize().fit(feats)(feats)
    torch.testing.assert_close(out.std(0, correction=0), torch.ones(5), atol=1e-5, rtol=0)


def test_normalize_mean_image(images):
    norm = Normalize("mean_image").fit(images)
    assert norm.mean.shape == (10, 10, 3)
    torch.testing.assert_close(norm(images).mean(0), torch.zeros(10, 10, 3), atol=1e-6, rtol=0)
    with pytest.raises(RuntimeError, match="fit"):
        Normalize()(images)


def test_normalize_given_statistics():
    x = torch.full((2, 3, 3, 3), 0.5)
    out = Normalize(mean=[0.5, 0.25, 0.0], std=[1.0, 0.25, 0.5])(x)
    torch.testing.assert_close(out[0, 0, 0], torch.tensor([0.0, 1.0, 1.0]))


def test_one_hot_labels_and_pairs(images):
    y = torch.tensor([0, 2, 1, 2, 0, 1])
    out = OneHot(3)(y)
    assert out.shape == (6, 3) and torch.equal(out.argmax(1), y) and out.sum() == 6
    x2, y2 = OneHot(3)(images, y)
    assert x2 is images and y2.shape == (6, 3)
    with pytest.raises(ValueError, match="label 3"):
        OneHot(3)(torch.tensor([0, 3]))
    with pytest.raises(TypeError):
        OneHot(3)(torch.tensor([0.5]))


def test_permutation_is_invertible_and_fixed_by_seed(images):
    mnist_like = torch.arange(2 * 28 * 28).reshape(2, 28, 28)
    p = PermutePixels(seed=7)
    out = p(mnist_like)
    assert out.shape == mnist_like.shape and not torch.equal(out, mnist_like)
    assert torch.equal(p.inverse(out), mnist_like)
    torch.manual_seed(123)  # global RNG state must not matter
    assert torch.equal(PermutePixels(seed=7)(mnist_like), out)
    assert not torch.equal(PermutePixels(seed=8)(mnist_like), out)
    assert torch.equal(torch.sort(out.flatten(1)).values, torch.sort(mnist_like.flatten(1)).values)
    # the same permutation applies to every image, and to flat (N, 784) input
    flat = p(mnist_like.reshape(2, -1))
    assert torch.equal(flat.reshape(2, 28, 28), out)
    # channels move together
    rgb = p(images)
    assert torch.equal(p.inverse(rgb), images)
    assert torch.equal(rgb[..., 0], p(images[..., 0]))


# --- protocol -----------------------------------------------------------------------------------


def test_seeded_transforms_are_reproducible(images):
    def make():
        return Compose([RandomFlip(seed=1), RandomRotation(25, seed=2),
                        ColorJitter(0.3, 0.3, 0.3, seed=3), RandomCrop(8, padding=1, seed=4)])

    assert torch.equal(make()(images), make()(images))
    t = make()
    assert not torch.equal(t(images), t(images))  # a new draw on each call


def test_seed_none_follows_global_seed(images):
    import nnlab

    nnlab.set_seed(11)
    a = RandomRotation(40)(images)
    nnlab.set_seed(11)
    assert torch.equal(RandomRotation(40)(images), a)


def test_pairs_and_numpy_inputs(images):
    y = torch.arange(6) % 3
    x2, y2 = Compose([RandomFlip(seed=0), OneHot(3)])((images, y))
    assert x2.shape == images.shape and y2.shape == (6, 3)
    out = RandomFlip(p=1.0, seed=0)(images.numpy())
    assert isinstance(out, torch.Tensor) and torch.equal(out, images.flip(2))


def test_shape_errors_are_clear():
    with pytest.raises(ShapeError, match=r"x\[\.\.\., None\]"):
        RandomRotation(10, seed=0)(torch.rand(4, 28, 28))
    with pytest.raises(ValueError, match="mode"):
        RandomFlip("diagonal")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no GPU on this machine")
def test_gpu_matches_cpu(images):  # pragma: no cover - runs only where a GPU is lent
    for make in (lambda: RandomRotation(30, seed=0), lambda: RandomCrop(8, 2, seed=0),
                 lambda: ColorJitter(0.3, 0.3, 0.3, seed=0), lambda: PCAColorNoise(seed=0)):
        cpu = make()(images)
        gpu = make()(images.cuda())
        assert gpu.is_cuda
        torch.testing.assert_close(gpu.cpu(), cpu, atol=1e-5, rtol=1e-5)
