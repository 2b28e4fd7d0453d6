import numpy as np
import pytest
import torch

import nnlab
from nnlab.layers import Add, BatchNormalization, Conv2D
from nnlab.zoo.common import PadShortcut, StochasticDepth
from nnlab.zoo.resnet_blocks import basic_block, bottleneck_block

from tests.zoo.zoo_helpers import forward_backward, headless_shape, meta_build, trainable

PUBLISHED = [("resnet18", 11_689_512), ("resnet34", 21_797_672), ("resnet50", 25_557_032),
             ("resnet101", 44_549_160), ("resnet152", 60_192_808),
             ("wide_resnet50_2", 68_883_240)]


@pytest.mark.parametrize("name,params", PUBLISHED)
def test_published_trainable_counts(name, params):
    model = meta_build(name)
    assert trainable(model) == params
    # BN moving statistics exist but are non-trainable and not in the figure
    moving = sum(2 * layer.moving_mean.numel() for layer in model.layers
                 if isinstance(layer, BatchNormalization))
    assert model.count_params() == params + moving


def test_resnet50_structure():
    model = meta_build("resnet50")
    assert model.get_layer("conv1_conv").output.shape == (None, 112, 112, 64)
    assert model.get_layer("pool1_pool").output.shape == (None, 56, 56, 64)
    assert model.get_layer("conv2_block3_out").output.shape == (None, 56, 56, 256)
    assert model.get_layer("conv5_block3_out").output.shape == (None, 7, 7, 2048)
    names = {layer.name for layer in model.layers}
    # projection shortcuts (1x1 conv + BN) only where the shape changes: first block of each stage
    projections = sorted(n for n in names if n.endswith("_0_conv"))
    assert projections == [f"conv{s}_block1_0_conv" for s in range(2, 6)]
    assert "conv2_block1_0_bn" in names and "conv2_block2_0_conv" not in names
    assert sum(isinstance(layer, Add) for layer in model.layers) == 16


def test_basic_block_identity_and_projection():
    x = nnlab.Input((8, 8, 16))
    same = nnlab.Model(x, basic_block(x, 16, name="id"))
    assert not any(layer.name == "id_0_conv" for layer in same.layers)
    assert trainable(same) == 2 * (9 * 16 * 16 + 2 * 16)
    x = nnlab.Input((8, 8, 16))
    down = basic_block(x, 32, strides=2, name="proj")
    assert down.shape == (None, 4, 4, 32)
    x = nnlab.Input((8, 8, 16))
    pad = nnlab.Model(x, basic_block(x, 32, strides=2, name="pad", shortcut="A"))
    assert any(isinstance(layer, PadShortcut) for layer in pad.layers)
    x = nnlab.Input((8, 8, 64))
    assert bottleneck_block(x, 16, name="bott").shape == (None, 8, 8, 64)


def test_pad_shortcut_subsamples_and_zero_pads():
    layer = PadShortcut(8, 2)
    x = torch.randn(2, 4, 4, 3)
    y = layer(x)
    assert y.shape == (2, 2, 2, 8)
    assert torch.equal(y[..., :3], x[:, ::2, ::2, :]) and torch.all(y[..., 3:] == 0)


def test_preact_ordering_and_counts():
    model = meta_build("preact_resnet50")
    order = [layer.name for layer in model.layers]
    # BN -> ReLU -> conv inside a unit; nothing after the addition but the next unit's BN
    i = order.index("conv3_block2_preact_bn")
    assert order[i + 1:i + 3] == ["conv3_block2_preact_relu", "conv3_block2_1_conv"]
    assert "conv3_block2_out" not in order and "post_bn" in order
    # measured; no published figure (no BN on projections, BN on the unit's input width)
    assert trainable(model) == 25_549_352
    assert trainable(meta_build("preact_resnet18")) == 11_687_720


def test_cifar_resnet_and_plain_have_the_same_layers():
    res, plain = meta_build("resnet_cifar", depth=20), meta_build("plain_cifar", depth=20)
    assert trainable(res) == trainable(plain) == 269_722        # the paper's 0.27M
    conv = [layer for layer in res.layers if isinstance(layer, Conv2D)]
    assert len(conv) == 19 and not any(isinstance(layer, Add) for layer in plain.layers)
    assert res.output_shape == (None, 10)
    assert trainable(meta_build("resnet_cifar", depth=110)) == 1_727_962   # 1.7M
    with pytest.raises(ValueError, match="6n \\+ 2"):
        meta_build("resnet_cifar", depth=21)


def test_stochastic_depth_survival_decays_linearly():
    model = meta_build("resnet_stochastic_depth")
    layers = [layer for layer in model.layers if isinstance(layer, StochasticDepth)]
    assert len(layers) == 54
    probs = [layer.survival_prob for layer in layers]
    assert probs[0] == pytest.approx(1 - 0.5 / 54) and probs[-1] == pytest.approx(0.5)
    assert all(a > b for a, b in zip(probs, probs[1:]))


def test_stochastic_depth_train_is_random_and_eval_deterministic():
    model = nnlab.zoo.create("resnet_stochastic_depth", depth=20, survival_prob=0.5)
    dropped = []

    def hook(module, inputs, output):
        dropped.append(bool(torch.all(output == 0)))

    for layer in model.layers:
        if isinstance(layer, StochasticDepth):
            layer.register_forward_hook(hook)
    x = torch.randn(2, 32, 32, 3)
    model.train()
    a, b = model(x), model(x)
    assert not torch.allclose(a, b)
    assert any(dropped) and not all(dropped)
    model.eval()
    dropped.clear()
    c, d = model(x), model(x)
    assert torch.equal(c, d) and not any(dropped)


def test_stochastic_depth_layer_scales_at_test_time():
    layer = StochasticDepth(0.8)
    x = torch.ones(4, 3)
    assert torch.allclose(layer(x, training=False), 0.8 * x)
    outs = {layer(x, training=True).sum().item() for _ in range(100)}
    assert outs == {0.0, 12.0}


@pytest.mark.parametrize("name", ["resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
                                  "preact_resnet18", "preact_resnet50", "wide_resnet50_2"])
def test_imagenet_resnets_forward_backward(name):
    forward_backward(name, (64, 64, 3))


@pytest.mark.parametrize("name", ["resnet_cifar", "plain_cifar", "resnet_stochastic_depth"])
def test_cifar_resnets_forward_backward(name):
    forward_backward(name, (32, 32, 3))


def test_headless_resnets():
    assert headless_shape("resnet18") == (None, 512)
    assert headless_shape("resnet50") == (None, 2048)
    assert headless_shape("preact_resnet50", pooling="max") == (None, 2048)
    assert headless_shape("resnet_cifar") == (None, 64)


@pytest.mark.slow
def test_residual_net_trains_faster_than_plain_net_on_digits():
    """He et al. 2015, Fig. 6 in miniature: ResNet-20 and the plain 20-layer net of the
    same width, 3 epochs on the bundled digits upscaled to 32x32; the residual one ends
    with the lower training loss."""
    from sklearn.datasets import load_digits
    from nnlab.optimizers import SGD

    digits = load_digits()
    x = np.kron(digits.images / 16.0, np.ones((4, 4)))[..., None].astype("float32")  # 32x32x1
    y = digits.target
    final = {}
    for name in ("resnet_cifar", "plain_cifar"):
        nnlab.set_seed(0)
        model = nnlab.zoo.create(name, depth=20, input_shape=(32, 32, 1), num_classes=10)
        model.compile(SGD(0.02, momentum=0.9), "sparse_categorical_crossentropy")
        history = model.fit(x, y, epochs=3, batch_size=64, verbose=0)
        final[name] = history.history["loss"][-1]
    assert final["resnet_cifar"] < final["plain_cifar"], final
