"""Gram matrices, texture synthesis, style transfer and fast style transfer: a small CNN
in the default run, EfficientNet-Lite0 on the shipped photos in slow tests."""
import time

import pytest
import torch

import nnlab
from nnlab.interpret import (TransformerNet, gram_matrix, style_transfer, texture_synthesis,
                             train_fast_style)

SMALL = dict(content_layer="relu2", style_layers=["relu1", "relu2"], preprocess=None,
             style_weights=1e4, tv_weight=0.0)


def test_gram_matrix_formula():
    f = torch.randn(2, 5, 4, 3)                                       # (N, H, W, C)
    g = gram_matrix(f, "channels_last")
    flat = f.reshape(2, 20, 3)
    torch.testing.assert_close(g, flat.transpose(1, 2) @ flat / 60)
    torch.testing.assert_close(gram_matrix(f.permute(0, 3, 1, 2), "channels_first"), g)
    with pytest.raises(ValueError, match="gram_matrix expects"):
        gram_matrix(torch.randn(3, 4))


def test_style_transfer_small_cnn(small_cnn):
    for p in small_cnn.parameters():
        p.requires_grad_(False)
    torch.manual_seed(0)
    content = torch.rand(1, 3, 32, 32)
    stripes = torch.zeros(1, 3, 32, 32)
    stripes[:, 0, :, ::4] = 1.0
    for optimizer in ("lbfgs", "adam"):
        image, h = style_transfer(small_cnn, content, stripes, steps=25, optimizer=optimizer,
                                  learning_rate=0.05, **SMALL)
        assert image.shape == content.shape and 0 <= image.min() and image.max() <= 1
        assert h["style"][-1] < 0.5 * h["style"][0], optimizer
        assert h["total"][-1] == pytest.approx(min(h["total"]), rel=1e-5)  # the best image
        assert h["content"][0] == 0 and h["content"][-1] < 1.0
    texture, h = texture_synthesis(small_cnn, stripes, style_layers=["relu1", "relu2"],
                                   steps=25, preprocess=None, tv_weight=0.0)
    assert h["style"][-1] < 0.5 * h["style"][0]


def test_style_transfer_refuses_raw_pixels(small_cnn):
    with pytest.raises(ValueError, match=r"content must be a \(1, H, W, 3\) image of pixels in "
                                         r"\[0, 1\]"):
        style_transfer(small_cnn, torch.rand(1, 3, 8, 8) * 255, torch.rand(1, 3, 8, 8),
                       steps=1, **SMALL)


def test_transformer_net_shapes_and_fast_training(small_cnn):
    net = TransformerNet(widths=(4, 8, 8), residual_blocks=1, data_format="channels_first")
    assert net(torch.rand(2, 3, 20, 24)).shape == (2, 3, 20, 24)
    assert TransformerNet(widths=(4, 8, 8), residual_blocks=1,
                          data_format="channels_last")(torch.rand(1, 16, 16, 3)).shape == \
        (1, 16, 16, 3)
    nnlab.set_image_data_format("channels_first")
    torch.manual_seed(0)
    photos = [torch.rand(40, 40, 3) for _ in range(2)]
    style = torch.zeros(1, 3, 32, 32)
    style[:, 2, ::4] = 1.0
    trained, h = train_fast_style(small_cnn, style, photos, steps=30, batch_size=2,
                                  image_size=32, learning_rate=1e-2, content_weight=1.0,
                                  net=TransformerNet((4, 8, 8), 1, "channels_first"), **SMALL)
    assert sum(h["total"][-5:]) < 0.7 * sum(h["total"][:5])
    with pytest.raises(ValueError, match="photos must be .* at least 64 px"):
        train_fast_style(small_cnn, style, photos, steps=1, image_size=64, **SMALL)


# ----------------------------------------------------------------- EfficientNet (slow)
def _pixels(photo, size):
    from nnlab.interpret import fit_image
    return torch.from_numpy(fit_image(photo, size) / 255.0).float()[None]


@pytest.mark.slow
def test_style_transfer_efficientnet_lowers_style_loss_90_percent(efficientnet, photos):
    content, style = _pixels(photos["chelsea"], 128), _pixels(photos["immunohistochemistry"], 128)
    _, h = style_transfer(efficientnet, content, style, steps=40)
    assert h["style"][-1] <= 0.1 * h["style"][0]
    assert h["content"][-1] < 1.0           # bounded: less than the content's own energy


@pytest.mark.slow
def test_fast_style_transfer_stylises_a_new_photo_in_half_a_second(efficientnet, photos):
    style = _pixels(photos["immunohistochemistry"], 128)
    train = [torch.from_numpy(photos[k] / 255.0).float()
             for k in ("astronaut", "coffee", "rocket", "china")]
    net, h = train_fast_style(efficientnet, style, train, steps=400, batch_size=2,
                              image_size=128, time_limit=240)
    assert sum(h["style"][-10:]) < 0.5 * sum(h["style"][:10])
    new = _pixels(photos["chelsea"], 256)
    seconds = []
    with torch.no_grad():
        for _ in range(4):                        # the first call warms up
            start = time.perf_counter()
            out = net(new)
            seconds.append(time.perf_counter() - start)
    assert out.shape == new.shape and min(seconds[1:]) < 0.5
