"""GoogLeNet's count, checked against an independent count from Table 1 of the paper."""
import pytest
import nnlab
from nnlab.zoo.googlenet import inception_module, inception_module_naive

from tests.zoo.zoo_helpers import forward_backward, headless_shape, meta_build, trainable

# Table 1: input channels, #1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj
TABLE1 = [(192, 64, 96, 128, 16, 32, 32), (256, 128, 128, 192, 32, 96, 64),
          (480, 192, 96, 208, 16, 48, 64), (512, 160, 112, 224, 24, 64, 64),
          (512, 128, 128, 256, 24, 64, 64), (512, 112, 144, 288, 32, 64, 64),
          (528, 256, 160, 320, 32, 128, 128), (832, 256, 160, 320, 32, 128, 128),
          (832, 384, 192, 384, 48, 128, 128)]


def table1_count(batch_norm: bool, k5: int = 5) -> int:
    def conv(c_in, c_out, k):
        return c_in * c_out * k * k + (2 * c_out if batch_norm else c_out)

    total = conv(3, 64, 7) + conv(64, 64, 1) + conv(64, 192, 3)
    for c, a, r3, b, r5, f5, p in TABLE1:
        total += (conv(c, a, 1) + conv(c, r3, 1) + conv(r3, b, 3) + conv(c, r5, 1)
                  + conv(r5, f5, k5) + conv(c, p, 1))
    return total + 1024 * 1000 + 1000


def test_independent_counts():
    assert table1_count(batch_norm=False) == 6_998_552        # the paper (biases, no BN)
    assert table1_count(batch_norm=True) == 7_005_832         # BN instead of biases
    assert table1_count(batch_norm=True, k5=3) == 6_624_904   # torchvision's 3x3 "5x5"


def test_googlenet_counts():
    assert trainable(meta_build("googlenet")) == table1_count(False) == 6_998_552
    assert trainable(meta_build("googlenet", batch_norm=True)) == 7_005_832
    model = meta_build("googlenet")
    assert model.get_layer("inception_3a_concat").output.shape == (None, 28, 28, 256)
    assert model.get_layer("inception_4e_concat").output.shape == (None, 14, 14, 832)
    assert model.get_layer("inception_5b_concat").output.shape == (None, 7, 7, 1024)


def test_auxiliary_classifiers_are_optional():
    model = meta_build("googlenet", aux_logits=True)
    assert model.output_shape == [(None, 1000)] * 3
    aux = sum(trainable(layer) for layer in model.layers if layer.name.startswith("aux"))
    # each: 1x1 conv 128 + FC 2048->1024 + FC 1024->1000
    assert aux == (512 * 128 + 128) + (528 * 128 + 128) + 2 * (2048 * 1024 + 1024
                                                              + 1024 * 1000 + 1000)
    with pytest.raises(ValueError, match="aux_logits"):
        meta_build("googlenet", aux_logits=True, include_top=False)


def test_naive_and_reduced_modules():
    x = nnlab.Input((28, 28, 192))
    naive = inception_module_naive(x, 64, 128, 32, name="naive")
    assert naive.shape == (None, 28, 28, 64 + 128 + 32 + 192)
    reduced = inception_module(x, 64, 96, 128, 16, 32, 32, name="reduced")
    assert reduced.shape == (None, 28, 28, 256)


def test_googlenet_forward_backward():
    forward_backward("googlenet", (64, 64, 3))
    assert headless_shape("googlenet") == (None, 1024)
