"""Class visualisation, feature inversion and DeepDream on a small CNN (default run), and
the lecture's figures on EfficientNet-Lite0 (slow)."""
import pytest
import torch

from nnlab.interpret import class_visualization, deep_dream, feature_inversion
from nnlab.interpret._image_ops import gaussian_blur, total_variation


def test_gaussian_blur_keeps_mass_and_smooths():
    x = torch.zeros(1, 9, 9, 1)
    x[0, 4, 4, 0] = 1.0
    y = gaussian_blur(x, 1.0, "channels_last")
    torch.testing.assert_close(y.sum(), torch.tensor(1.0))
    assert y[0, 4, 4, 0] < 0.2 and y[0, 4, 5, 0] > 0.05
    assert total_variation(y, "channels_last") < total_variation(x, "channels_last")


def test_class_visualization_raises_the_target_logit(small_cnn):
    for p in small_cnn.parameters():
        p.requires_grad_(False)
    image, logits = class_visualization(small_cnn, 4, (3, 32, 32), steps=40, max_jitter=2,
                                        learning_rate=3.0, l2_reg=1e-4,
                                        blur_every=0, clip=(-3, 3))
    assert image.shape == (1, 3, 32, 32)
    assert len(logits) == 41
    assert logits[-1] > logits[0] + 1 and logits[-1] > 10 * abs(logits[0])
    with pytest.raises(ValueError, match=r"target class 10 is outside"):
        class_visualization(small_cnn, 10, (3, 32, 32), steps=1)


def test_feature_inversion_lowers_the_feature_distance(small_cnn):
    torch.manual_seed(0)
    image = torch.randn(1, 3, 32, 32).clamp(-1, 1)
    recon, distances = feature_inversion(small_cnn, image, "relu1", steps=60,
                                         learning_rate=0.05, tv_weight=0.0)
    assert recon.shape == image.shape
    assert distances[-1] < 0.3 * distances[0]
    with pytest.raises(ValueError, match="'conv7' is not a layer"):
        feature_inversion(small_cnn, image, "conv7", steps=1)


def test_deep_dream_amplifies_the_layer(small_cnn):
    torch.manual_seed(0)
    image = torch.randn(1, 3, 32, 32).clamp(-1, 1) * 0.5
    dream, history = deep_dream(small_cnn, image, "relu2", octaves=2, steps=5, max_jitter=2)
    assert dream.shape == image.shape
    assert history["activation"][-1] > 2 * history["activation"][0]


# ----------------------------------------------------------------- EfficientNet (slow)
@pytest.mark.slow
def test_class_visualization_efficientnet_tenfold_in_200_steps(efficientnet):
    _, logits = class_visualization(efficientnet, 130, (96, 96, 3), steps=200)  # flamingo
    assert logits[-1] >= 10 * abs(logits[0]) and logits[-1] > 0


@pytest.mark.slow
def test_feature_inversion_efficientnet_90_percent(efficientnet, photos):
    from nnlab.interpret import fit_image
    from nnlab.zoo.efficientnet import preprocess_input
    x = preprocess_input(torch.from_numpy(fit_image(photos["coffee"], 96))[None])
    _, distances = feature_inversion(efficientnet, x, "block2a_expand_activation", steps=200)
    assert distances[-1] <= 0.1 * distances[0]
